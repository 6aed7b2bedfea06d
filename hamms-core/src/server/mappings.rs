//! WireMock's mapping files on a server: loaded at start (`ServerBuilder::mappings`) or later
//! (`FaultServer::load_mappings`), each mapping a stub with WireMock's matching and answers,
//! their `bodyFileName`s read under the files' root.

use std::path::Path;
use std::sync::Arc;

use super::admin;
use super::handle::FaultServer;
use crate::connection::Shared;
use crate::error::Error;
use crate::history::StubId;
use hamms_catalog::wiremock::{Mapping, mapping_files};

/// WireMock's mapping files.
impl FaultServer {
    /// Loads the WireMock mappings at `path`: a mapping file (one mapping, or `{"mappings":
    /// [...]}`), a directory of them, or a WireMock root directory (its `mappings/` and
    /// `__files/`). Each becomes a stub (WireMock's matching, answers, priorities, scenarios);
    /// `bodyFileName` is read under the root's `__files/`. They are also what WireMock's admin
    /// `reset` goes back to.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # std::fs::write(dir.path().join("hello.json"), r#"{"request": {"method": "GET", "url": "/hello"}, "response": {"status": 200, "body": "hi"}}"#)?;
    /// use hamms_core::FaultServer;
    /// let server = FaultServer::fixture().start()?;
    /// let stubs = server.load_mappings(dir.path())?;
    /// assert_eq!(stubs.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::BadMapping`] naming the file, the member at fault (a JSON pointer) and the
    /// valid choices; [`Error::NoStubsHere`] on a server that serves no HTTP requests. Nothing
    /// is mounted unless every file loads.
    pub fn load_mappings(&self, path: impl AsRef<Path>) -> Result<Vec<StubId>, Error> {
        super::stubs::takes_stubs(self.shared())?;
        load(self.shared(), path.as_ref())
    }
}

impl FaultServer {
    /// Returns once WireMock's admin API is asked to shut the server down (`POST
    /// /__admin/shutdown`), for whoever runs it (`hamms wiremock` stops then).
    pub async fn admin_shutdown(&self) {
        self.shared().stubs.door.shutdown_requested().await;
    }
}

/// Loads the mappings at `path` onto the server of `shared`.
pub(crate) fn load(shared: &Arc<Shared>, path: &Path) -> Result<Vec<StubId>, Error> {
    let bad = |file: &Path, pointer: &str, detail: String| Error::BadMapping {
        file: file.display().to_string(),
        pointer: pointer.to_owned(),
        detail,
    };
    let (root, files) = mapping_files(path).map_err(|e| bad(path, "", e.to_string()))?;
    let mut mappings = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| bad(file, "", e.to_string()))?;
        let parsed = Mapping::parse_file(&text).map_err(|e| bad(file, &e.pointer, e.detail))?;
        mappings.extend(parsed.into_iter().map(|m| (file.clone(), m)));
    }
    let door = &shared.stubs.door;
    door.set_root(&root);
    // Every stub made before any is mounted: a file the engine refuses mounts nothing.
    let stubs = mappings
        .iter()
        .map(|(file, mapping)| {
            admin::mappings::prepare(shared, mapping).map_err(|e| bad(file, &e.pointer, e.detail))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ids = stubs
        .into_iter()
        .map(|stub| admin::mappings::mount_stub(shared, stub).0)
        .collect();
    door.add_defaults(mappings.into_iter().map(|(_, m)| m));
    Ok(ids)
}
