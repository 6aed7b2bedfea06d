//! `GET /metrics`: every server's running totals in Prometheus' text format (0.0.4), labelled
//! with the server's name: connections open and accepted, bytes each way, HTTP requests served,
//! behavior changes, and for proxies the stages (behaviors and toxics) applied and the named
//! toxics in force.
//!
//! Design note: the totals live in each server's meter (atomics counted where bytes and requests
//! already pass); a scrape reads them into prometheus-client's encoder through a collector, so
//! nothing is registered ahead and a server created at run time appears at the next scrape.

use std::fmt;

use http::StatusCode;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};

use super::registry::Controlled;
use super::reply::{ApiResponse, Failure, Shape, with_body};
use crate::history::Counts;

/// One server's totals, read for a scrape.
#[derive(Debug)]
struct Reading {
    server: String,
    proxy: bool,
    toxics: usize,
    counts: Counts,
}

/// The readings of one scrape, encoded as the scrape asks.
#[derive(Debug)]
struct Scrape(Vec<Reading>);

/// The answer to `GET /metrics`.
pub(super) fn exposition(servers: &[Controlled]) -> ApiResponse {
    let readings = servers
        .iter()
        .map(|c| Reading {
            server: c.name.clone(),
            proxy: c.server.is_proxy(),
            toxics: c.toxics.len(),
            counts: c.server.meter().read(),
        })
        .collect();
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Scrape(readings)));
    let mut text = String::new();
    match prometheus_client::encoding::prometheus_text::encode(&mut text, &registry) {
        Ok(()) => with_body(
            StatusCode::OK,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            text,
        ),
        // Writing to a String cannot fail; the encoder's own checks could.
        Err(error) => Failure::internal(
            "metrics",
            format!("the metrics could not be encoded: {error}"),
        )
        .response(Shape::Vaurien),
    }
}

/// A per-server family: its name, help, unit, type, and which servers have it with what value.
struct Family<'a> {
    name: &'static str,
    help: &'static str,
    unit: Option<Unit>,
    gauge: bool,
    values: Vec<(Vec<(&'static str, &'a str)>, u64)>,
}

impl Family<'_> {
    fn encode(self, encoder: &mut DescriptorEncoder) -> Result<(), fmt::Error> {
        let kind = if self.gauge {
            MetricType::Gauge
        } else {
            MetricType::Counter
        };
        let mut family =
            encoder.encode_descriptor(self.name, self.help, self.unit.as_ref(), kind)?;
        for (labels, value) in self.values {
            let metric = family.encode_family(&labels)?;
            if self.gauge {
                ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX)).encode(metric)?;
            } else {
                ConstCounter::new(value).encode(metric)?;
            }
        }
        Ok(())
    }
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let each = |pick: fn(&Counts) -> u64| -> Vec<(Vec<(&'static str, &str)>, u64)> {
            self.0
                .iter()
                .map(|r| (vec![("server", r.server.as_str())], pick(&r.counts)))
                .collect()
        };
        let families = [
            Family {
                name: "hamms_connections_open",
                help: "Client connections open now.",
                unit: None,
                gauge: true,
                values: each(|c| c.connections_open),
            },
            Family {
                name: "hamms_connections",
                help: "Client connections accepted.",
                unit: None,
                gauge: false,
                values: each(|c| c.connections_opened),
            },
            Family {
                name: "hamms_received",
                help: "Bytes received from clients (a proxy's upstream direction).",
                unit: Some(Unit::Bytes),
                gauge: false,
                values: each(|c| c.received_bytes),
            },
            Family {
                name: "hamms_sent",
                help: "Bytes sent to clients (a proxy's downstream direction).",
                unit: Some(Unit::Bytes),
                gauge: false,
                values: each(|c| c.sent_bytes),
            },
            Family {
                name: "hamms_requests",
                help: "HTTP requests served (catalog servers, the fixture, http proxies).",
                unit: None,
                gauge: false,
                values: each(|c| c.requests),
            },
            Family {
                name: "hamms_behavior_changes",
                help: "Times the behavior was set (toxics added, changed or removed included).",
                unit: None,
                gauge: false,
                values: each(|c| c.behavior_changes),
            },
            Family {
                name: "hamms_proxy_toxics",
                help: "Named toxics (Toxiproxy's API) on the proxy.",
                unit: None,
                gauge: true,
                values: self
                    .0
                    .iter()
                    .filter(|r| r.proxy)
                    .map(|r| (vec![("server", r.server.as_str())], r.toxics as u64))
                    .collect(),
            },
            Family {
                name: "hamms_proxy_stage_applications",
                help: "Connections (tcp) or requests (http) a behavior or toxic was applied to, by stage.",
                unit: None,
                gauge: false,
                values: self
                    .0
                    .iter()
                    .filter(|r| r.proxy)
                    .flat_map(|r| {
                        r.counts.stages_applied.iter().map(|(stage, applied)| {
                            (
                                vec![("server", r.server.as_str()), ("stage", *stage)],
                                *applied,
                            )
                        })
                    })
                    .collect(),
            },
        ];
        for family in families {
            family.encode(&mut encoder)?;
        }
        Ok(())
    }
}
