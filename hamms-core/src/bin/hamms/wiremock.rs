//! `hamms wiremock`: WireMock's standalone server, replaced. A fixture answering WireMock's
//! admin API on its own port, with the root directory's mappings loaded at start.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use hamms_core::{Error, FaultServer};

use crate::args::WireMockArgs;
use crate::output::{Failure, Outcome, out, say};
use crate::signals::StopSignals;

pub(crate) fn run(args: &WireMockArgs) -> Outcome {
    let stop = StopSignals::register()?;
    // WireMock's default root is the working directory, whose `mappings/` may not exist.
    let root = match &args.root_dir {
        Some(dir) if !dir.is_dir() => {
            return Err(Failure::usage(format!(
                "--root-dir {}: no such directory (it holds mappings/ and __files/)",
                dir.display()
            )));
        }
        Some(dir) => Some(dir.clone()),
        None => Path::new("mappings").is_dir().then(|| ".".into()),
    };
    let mut builder = FaultServer::fixture()
        .bind(SocketAddr::new(args.bind_address, args.port))
        .wiremock_admin()
        // A long-running server must not grow without bound.
        .history_limit(10_000);
    if args.global_response_templating {
        builder = builder.global_response_templating();
    }
    if let Some(root) = &root {
        builder = builder.mappings(root);
    }
    if let Some(port) = args.https_port {
        let ca = args.ca.load().map_err(Failure::other)?;
        builder = builder
            .certificate_authority(Arc::new(ca))
            .also_tls_on(SocketAddr::new(args.bind_address, port));
    }
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    let server = builder.start().map_err(|error| match error {
        Error::BadMapping { .. } => Failure::usage(error),
        other => Failure::from(other),
    })?;
    out(format_args!("wiremock http://{}\n", server.addr()));
    if let Some(tls) = server.tls_addr() {
        out(format_args!("wiremock https://{tls}\n"));
    }
    say(format_args!(
        "serving WireMock's admin API at /__admin{}, seed {}; Ctrl-C or POST /__admin/shutdown stops",
        root.map(|r| format!(", mappings from {}", r.display()))
            .unwrap_or_default(),
        server.seed()
    ));
    stop.wait_or(server.admin_shutdown());
    drop(server);
    say(format_args!("stopped"));
    Ok(())
}
