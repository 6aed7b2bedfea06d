//! [`Meter`]: running totals of what a server did, for `GET /metrics`.
//!
//! Design note: the history keeps what happened in detail, bounded and clearable; the meter
//! only counts, for the server's whole life (Prometheus counters never go back). Counting is a
//! relaxed atomic add where the bytes and requests already pass (the recorder, the proxy's
//! draws): no lock, and nothing per byte.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::catalog::ModeSpec;
use crate::catalog::proxy_behaviors;

/// What a server counted since it started.
#[derive(Debug)]
pub(crate) struct Meter {
    connections_opened: AtomicU64,
    connections_closed: AtomicU64,
    requests: AtomicU64,
    received_bytes: AtomicU64,
    sent_bytes: AtomicU64,
    behavior_changes: AtomicU64,
    /// Bytes a tcp proxy moved in the kernel (splice), both ways: part of the bytes each way
    /// above, and not in Prometheus' families (how bytes pass is hamms' business); the tests
    /// read it to know the splice path was taken.
    spliced_bytes: AtomicU64,
    /// Per entry of the proxy's table, in its order: how many connections (tcp) or requests
    /// (http) a stage was applied to (drawn, its toxicity passed).
    stages_applied: Box<[AtomicU64]>,
}

/// A reading of a [`Meter`].
#[cfg(any(feature = "control", test))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) connections_opened: u64,
    pub(crate) connections_open: u64,
    pub(crate) requests: u64,
    pub(crate) received_bytes: u64,
    pub(crate) sent_bytes: u64,
    pub(crate) behavior_changes: u64,
    /// Each stage of the proxy's table by name, with how often it was applied.
    pub(crate) stages_applied: Vec<(&'static str, u64)>,
}

impl Default for Meter {
    fn default() -> Self {
        Meter {
            connections_opened: AtomicU64::new(0),
            connections_closed: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            received_bytes: AtomicU64::new(0),
            sent_bytes: AtomicU64::new(0),
            behavior_changes: AtomicU64::new(0),
            spliced_bytes: AtomicU64::new(0),
            stages_applied: proxy_behaviors()
                .iter()
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl Meter {
    pub(crate) fn connection_opened(&self) {
        add(&self.connections_opened, 1);
    }

    pub(crate) fn connection_closed(&self) {
        add(&self.connections_closed, 1);
    }

    pub(crate) fn request(&self) {
        add(&self.requests, 1);
    }

    pub(crate) fn received(&self, bytes: usize) {
        add(&self.received_bytes, bytes as u64);
    }

    pub(crate) fn sent(&self, bytes: usize) {
        add(&self.sent_bytes, bytes as u64);
    }

    #[cfg_attr(
        not(target_os = "linux"),
        allow(dead_code, reason = "only Linux splices")
    )]
    pub(crate) fn spliced(&self, bytes: usize) {
        add(&self.spliced_bytes, bytes as u64);
    }

    /// Bytes spliced so far (see `spliced_bytes`).
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the proxy's unit tests"))]
    pub(crate) fn spliced_bytes(&self) -> u64 {
        self.spliced_bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn behavior_changed(&self) {
        add(&self.behavior_changes, 1);
    }

    /// Counts one application of `stage`, an entry of the proxy's table.
    pub(crate) fn stage_applied(&self, stage: &'static ModeSpec) {
        let index = proxy_behaviors()
            .iter()
            .position(|entry| std::ptr::eq(entry, stage));
        if let Some(counter) = index.and_then(|i| self.stages_applied.get(i)) {
            add(counter, 1);
        }
    }

    /// The totals now. Each is read on its own: a reading taken while connections come and go
    /// may be a moment apart between fields, never wrong within one.
    #[cfg(any(feature = "control", test))]
    pub(crate) fn read(&self) -> Counts {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let opened = load(&self.connections_opened);
        Counts {
            connections_opened: opened,
            connections_open: opened.saturating_sub(load(&self.connections_closed)),
            requests: load(&self.requests),
            received_bytes: load(&self.received_bytes),
            sent_bytes: load(&self.sent_bytes),
            behavior_changes: load(&self.behavior_changes),
            stages_applied: proxy_behaviors()
                .iter()
                .zip(self.stages_applied.iter())
                .map(|(entry, counter)| (entry.name(), load(counter)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_open_connections_are_opened_minus_closed() {
        let meter = Meter::default();
        meter.connection_opened();
        meter.connection_opened();
        meter.connection_closed();
        meter.received(10);
        meter.sent(7);
        meter.request();
        meter.stage_applied(
            proxy_behaviors()
                .iter()
                .find(|b| b.name() == "latency")
                .unwrap(),
        );
        let counts = meter.read();
        assert_eq!((counts.connections_opened, counts.connections_open), (2, 1));
        assert_eq!(
            (counts.received_bytes, counts.sent_bytes, counts.requests),
            (10, 7, 1)
        );
        assert!(counts.stages_applied.contains(&("latency", 1)));
        assert!(counts.stages_applied.contains(&("delay", 0)));
    }
}
