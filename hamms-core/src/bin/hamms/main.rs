//! `hamms`: the catalog of failure servers on fixed ports, the chaos proxy, a client of their
//! control API, and a replacement for `toxiproxy-server`, for clients in any language.
//!
//! Thin by design: it parses arguments (`args`) and calls the library. What only the binary needs
//! lives here: the ports and addresses every command takes (`addrs`), the catalog on fixed ports
//! (`serve`), the control API's typed client (`ctl`), the catalog as text (`tables`), WireMock's
//! drop-in (`wiremock`), stopping on a signal (`signals`), and its output and exit codes
//! (`output`).

mod addrs;
mod args;
mod ctl;
mod output;
mod serve;
mod signals;
mod tables;
mod wiremock;

use std::io::{ErrorKind, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use hamms_core::catalog;
use hamms_core::control::{ControlServer, Presets};
use hamms_core::{Behavior, Error, FaultServer, Protocol};

use args::{
    CaArgs, Cli, Command, CtlArgs, CtlCommand, PortArgs, ProxyArgs, ServeArgs, ToxiproxyArgs,
};
use ctl::{ControlClient, CtlError, Route, human};
use output::{Failure, Outcome, out, say};
use serve::{CatalogServers, ServeOptions};
use signals::StopSignals;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `hamms wiremock` logs each request only with --verbose, as WireMock; the other commands
    // always do.
    let default_filter = match &cli.command {
        Command::Wiremock(args) if !args.verbose => "hamms_core=warn",
        _ => "hamms_core=info",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        // A log line that cannot be written (stderr piped into `head`, then closed) must not
        // become a panic in the connection that logged it: serving goes on, unlogged.
        .log_internal_errors(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .init();
    let outcome = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Proxy(args) => proxy(args),
        Command::Ctl(args) => ctl(&args),
        Command::Toxiproxy(args) => toxiproxy(&args),
        Command::Wiremock(args) => wiremock::run(&args),
        Command::Catalog {
            ports,
            markdown,
            proxy,
        } => print_catalog(&ports, markdown, proxy),
        Command::Ca { ca, out } => print_ca(&ca, out),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            say(format_args!("{}", failure.message));
            ExitCode::from(failure.code)
        }
    }
}

fn print_catalog(ports: &PortArgs, markdown: bool, proxy: bool) -> Outcome {
    match (proxy, markdown) {
        (true, _) => print!("{}", tables::proxy_markdown()),
        (false, true) => print!("{}", tables::catalog_markdown()),
        (false, false) => {
            // The ports `hamms serve` would bind with the same options, checked the same way.
            let options = ServeOptions::every_mode(ports.host, ports.base_port);
            print!("{}", tables::serve_table(&options.addrs()?));
        }
    }
    Ok(())
}

fn print_ca(args: &CaArgs, out: Option<PathBuf>) -> Outcome {
    let ca = args.load().map_err(Failure::other)?;
    match out {
        None => print!("{}", ca.pem()),
        Some(path) => std::fs::write(&path, ca.pem())
            .map_err(|e| Failure::other(format!("cannot write {}: {e}", path.display())))?,
    }
    Ok(())
}

fn serve(args: ServeArgs) -> Outcome {
    // Before anything is printed: a Ctrl-C sent as soon as the table appears must stop hamms
    // cleanly, not kill it with the signal's default action.
    let stop = StopSignals::register()?;
    let mut options = ServeOptions {
        only: args.only,
        seed: args.seed,
        header_faults: args.header_faults,
        ..ServeOptions::every_mode(args.ports.host, args.ports.base_port)
    };
    let addrs = options.addrs()?;
    // The CA on disk is read, or made, only when an https port needs it: plain HTTP serving
    // works without a writable cache directory.
    if addrs.iter().any(|(m, _)| m.speaks_tls()) {
        let ca = args.ca.load().map_err(Failure::other)?;
        options.ca = Some(Arc::new(ca));
    }
    let servers = CatalogServers::start(&options).map_err(|error| Failure {
        message: explain(&error, args.ports.base_port),
        ..Failure::from(error)
    })?;
    out(format_args!("{}", tables::serve_table(&addrs)));
    let named = servers.named().into_iter();
    let control = args.control.start(
        named.fold(ControlServer::builder(), |control, (name, server)| {
            control.server(name, server)
        }),
    )?;
    say(format_args!(
        "serving {} modes, seed {seed} (replay with --seed {seed}); `hamms ca` prints the CA of \
         the https ports; Ctrl-C stops",
        servers.servers().len(),
        seed = servers.seed().unwrap_or_default(),
    ));
    stop.wait();
    drop(control);
    drop(servers);
    say(format_args!("stopped"));
    Ok(())
}

fn proxy(args: ProxyArgs) -> Outcome {
    if args.header_faults && args.protocol != Protocol::Http {
        return Err(Failure::usage(
            "--header-faults needs --protocol http: a tcp proxy relays bytes, not requests with headers",
        ));
    }
    let stop = StopSignals::register()?;
    // Every option is a preset: used whenever the control API switches to its behavior (a bad
    // one is a usage error naming the valid options), and by the starting behavior, so the very
    // first connection meets them.
    let starting = Behavior::proxy(&args.behavior)?;
    let presets = Presets::new(&starting, args.opts.iter().map(|(k, v)| (k, v)))?;
    let mut builder = FaultServer::proxy(&args.backend)
        .protocol(args.protocol)
        .behavior(&presets.apply(starting).to_string())
        .bind(args.listen)
        // A long-running proxy must not grow without bound (bodies keep the default cap: the
        // http protocol forwards what it keeps).
        .history_limit(1000);
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    if args.header_faults {
        builder = builder.header_faults();
    }
    let proxy = Arc::new(builder.start()?);
    out(format_args!(
        "proxy {} -> {} ({}), behavior {}\n",
        proxy.addr(),
        args.backend,
        args.protocol,
        proxy.behavior()
    ));
    let control = args.control.start(
        ControlServer::builder()
            .server("proxy", Arc::clone(&proxy))
            .presets("proxy", presets),
    )?;
    say(format_args!(
        "proxying, seed {}; Ctrl-C stops",
        proxy.seed()
    ));
    stop.wait();
    drop(control);
    drop(proxy);
    say(format_args!("stopped"));
    Ok(())
}

/// `hamms toxiproxy`: Toxiproxy's API on its port, the config's proxies created at start.
fn toxiproxy(args: &ToxiproxyArgs) -> Outcome {
    let stop = StopSignals::register()?;
    // Read before binding: a missing file is a usage mistake with nothing started.
    let config = match &args.config {
        Some(path) => Some((
            path,
            std::fs::read(path).map_err(|e| {
                Failure::usage(format!("cannot read the config {}: {e}", path.display()))
            })?,
        )),
        None => None,
    };
    let mut control = ControlServer::builder().bind((args.host, args.port).into());
    if args.allow_remote {
        control = control.allow_remote();
    }
    if let Some(seed) = args.seed {
        control = control.seed(seed);
    }
    let control = control.start().map_err(|error| match error {
        Error::RemoteControl { addr } => Failure::usage(format!(
            "the API would listen on {addr}, which is not loopback: anyone who reaches it could create proxies; pass --allow-remote to mean it"
        )),
        other => Failure::from(other),
    })?;
    out(format_args!("toxiproxy http://{}\n", control.addr()));
    if let Some((path, config)) = config {
        let proxies = control.populate(&config).map_err(|error| Failure {
            message: format!("{}: {error}", path.display()),
            ..Failure::from(error)
        })?;
        for (name, addr) in proxies {
            out(format_args!("proxy {name} {addr}\n"));
        }
    }
    say(format_args!(
        "serving Toxiproxy's API (and hamms'); Ctrl-C stops"
    ));
    stop.wait();
    drop(control);
    say(format_args!("stopped"));
    Ok(())
}

fn ctl(args: &CtlArgs) -> Outcome {
    let server = args.server.as_deref();
    let route = match &args.command {
        CtlCommand::Servers => Route::Servers,
        CtlCommand::ListBehaviors => Route::Behaviors(server),
        CtlCommand::GetBehavior => Route::Behavior(server),
        CtlCommand::SetBehavior { name, opts } => Route::SetBehavior {
            server,
            name,
            options: opts,
        },
        CtlCommand::History => Route::History(server),
        CtlCommand::Reset => Route::Reset(server),
    };
    let answer = ControlClient::new(&args.control, args.timeout).send(&route);
    match answer {
        Ok(answer) if args.json => println!("{answer}"),
        Ok(answer) => print!("{}", human(&route, &answer)),
        Err(error) => {
            if let (true, CtlError::Refused { answer, .. }) = (args.json, &error) {
                println!("{answer}");
            }
            // The control API's refusals name the valid choices: they are the user's to fix.
            return Err(if error.is_usage() {
                Failure::usage(error)
            } else {
                Failure::other(error)
            });
        }
    }
    Ok(())
}

/// The error, with the fix a command-line user needs for a taken port.
fn explain(error: &Error, base_port: u16) -> String {
    match error {
        Error::Bind { addr, source } if source.kind() == ErrorKind::AddrInUse => {
            let mode = catalog::modes()
                .iter()
                .find(|m| base_port.checked_add(m.offset()) == Some(addr.port()))
                .map_or_else(String::new, |m| format!(" (for {})", m.name()));
            format!(
                "port {}{mode} is already in use, perhaps by another `hamms serve`; \
                 choose other ports with --base-port (e.g. --base-port {})",
                addr.port(),
                base_port.wrapping_add(100)
            )
        }
        other => other.to_string(),
    }
}
