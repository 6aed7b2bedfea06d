//! What a server's WireMock door keeps besides its stubs: WireMock's global settings, where its
//! files are, whether every answer is templated, and which journal entries were removed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use hamms_catalog::wiremock::Mapping;
use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::sync::lock;

/// What `Door::fixed_delay_ms` holds when the settings give no `fixedDelay`.
const NO_DELAY: u64 = u64::MAX;

/// The WireMock state of one server.
#[derive(Debug)]
pub(crate) struct Door {
    /// `POST /__admin/settings`: `fixedDelay` and whatever else was set (`extended`...), kept
    /// to be read back.
    settings: Mutex<Map<String, Value>>,
    /// The settings' `fixedDelay` in milliseconds, read when they are set (every answer asks for
    /// it); [`NO_DELAY`] when none is.
    fixed_delay_ms: AtomicU64,
    /// The root directory: `__files/` holds the files `bodyFileName` names.
    root: Mutex<Option<PathBuf>>,
    /// `--global-response-templating`: every answer is a template.
    global_templating: AtomicBool,
    /// The history's exchanges removed from the journal (by number).
    removed: Mutex<BTreeSet<u64>>,
    /// When the door opened, for `health`'s uptime; and its wall-clock time, for logged dates.
    opened: (Instant, SystemTime),
    /// The mappings loaded from files: what `reset` goes back to.
    defaults: Mutex<Vec<Mapping>>,
    /// Set by `POST /__admin/shutdown`.
    shutdown: watch::Sender<bool>,
}

impl Default for Door {
    fn default() -> Door {
        Door {
            settings: Mutex::default(),
            fixed_delay_ms: AtomicU64::new(NO_DELAY),
            root: Mutex::default(),
            global_templating: AtomicBool::new(false),
            removed: Mutex::default(),
            opened: (Instant::now(), SystemTime::now()),
            defaults: Mutex::default(),
            shutdown: watch::Sender::new(false),
        }
    }
}

impl Door {
    /// The global settings, as `GET /__admin/settings` shows them.
    pub(crate) fn settings(&self) -> Map<String, Value> {
        lock(&self.settings).clone()
    }

    /// Merges `settings` into the global settings.
    pub(crate) fn update_settings(&self, settings: Map<String, Value>) {
        let mut merged = lock(&self.settings);
        if let Some(fixed) = settings.get("fixedDelay") {
            let ms = fixed.as_u64().unwrap_or(NO_DELAY);
            self.fixed_delay_ms.store(ms, Ordering::Release);
        }
        merged.extend(settings);
    }

    /// The global `fixedDelay`, in milliseconds, if set.
    pub(crate) fn fixed_delay_ms(&self) -> Option<u64> {
        Some(self.fixed_delay_ms.load(Ordering::Acquire)).filter(|&ms| ms != NO_DELAY)
    }

    /// Where `bodyFileName` files are read from: `root/__files/`.
    pub(crate) fn set_root(&self, root: &Path) {
        *lock(&self.root) = Some(root.to_owned());
    }

    /// The file `name` under `__files/`, if a root is set and the name stays inside it.
    pub(crate) fn file(&self, name: &str) -> Option<PathBuf> {
        let root = lock(&self.root).clone()?;
        let relative = Path::new(name);
        let inside = relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        inside.then(|| root.join("__files").join(relative))
    }

    pub(crate) fn set_global_templating(&self, on: bool) {
        self.global_templating.store(on, Ordering::Release);
    }

    pub(crate) fn global_templating(&self) -> bool {
        self.global_templating.load(Ordering::Acquire)
    }

    /// Removes exchanges (by number) from the journal.
    pub(crate) fn remove(&self, numbers: impl IntoIterator<Item = u64>) {
        lock(&self.removed).extend(numbers);
    }

    /// Whether exchange `number` was removed from the journal.
    pub(crate) fn is_removed(&self, number: u64) -> bool {
        lock(&self.removed).contains(&number)
    }

    /// Forgets removals (the journal was cleared with the history).
    pub(crate) fn clear_removed(&self) {
        lock(&self.removed).clear();
    }

    /// Back to no settings and no removals (`POST /__admin/reset` keeps the files' root).
    pub(crate) fn reset(&self) {
        let mut settings = lock(&self.settings);
        settings.clear();
        self.fixed_delay_ms.store(NO_DELAY, Ordering::Release);
        drop(settings);
        self.clear_removed();
    }

    /// The mappings loaded from files.
    pub(crate) fn defaults(&self) -> Vec<Mapping> {
        lock(&self.defaults).clone()
    }

    /// Notes mappings loaded from files, for `reset` to go back to.
    pub(crate) fn add_defaults(&self, mappings: impl IntoIterator<Item = Mapping>) {
        lock(&self.defaults).extend(mappings);
    }

    /// Where `save` writes mappings: `root/mappings/`.
    pub(crate) fn mappings_dir(&self) -> Option<PathBuf> {
        lock(&self.root).as_ref().map(|root| root.join("mappings"))
    }

    /// Asks whoever runs the server to stop it (`POST /__admin/shutdown`).
    pub(crate) fn request_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Returns once a shutdown is asked for.
    pub(crate) async fn shutdown_requested(&self) {
        let mut asked = self.shutdown.subscribe();
        let _ = asked.wait_for(|asked| *asked).await;
    }

    /// Seconds since the door opened.
    pub(crate) fn uptime_seconds(&self) -> u64 {
        self.opened.0.elapsed().as_secs()
    }

    /// The wall-clock time of `at`, an instant of this process.
    pub(crate) fn wall_clock(&self, at: Instant) -> SystemTime {
        let (opened, wall) = self.opened;
        match at.checked_duration_since(opened) {
            Some(after) => wall + after,
            None => wall - opened.duration_since(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_stay_inside_the_root() {
        let door = Door::default();
        assert_eq!(door.file("a.json"), None, "no root yet");
        door.set_root(Path::new("/srv/stubs"));
        assert_eq!(
            door.file("dir/a.json"),
            Some(PathBuf::from("/srv/stubs/__files/dir/a.json"))
        );
        assert_eq!(door.file("../secret"), None);
        assert_eq!(door.file("/etc/passwd"), None);
    }

    #[test]
    fn the_fixed_delay_is_read_when_set_kept_through_other_settings_and_cleared_on_reset() {
        let door = Door::default();
        assert_eq!(door.fixed_delay_ms(), None);
        let set = |value: Value| {
            let Value::Object(settings) = value else {
                unreachable!("settings are an object")
            };
            door.update_settings(settings);
        };
        set(serde_json::json!({"fixedDelay": 100}));
        set(serde_json::json!({"extended": {}}));
        assert_eq!(door.fixed_delay_ms(), Some(100));
        set(serde_json::json!({"fixedDelay": null}));
        assert_eq!(door.fixed_delay_ms(), None);
        set(serde_json::json!({"fixedDelay": 5}));
        door.reset();
        assert_eq!(door.fixed_delay_ms(), None);
        assert!(door.settings().is_empty());
    }
}
