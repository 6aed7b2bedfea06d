//! `hamms`: the catalog of failure servers on fixed ports, for clients in any language.
//!
//! Thin by design: it parses arguments and calls the library.

use std::io::{ErrorKind, IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use hamms_core::{
    CatalogServers, DEFAULT_BASE_PORT, Error, ModeSpec, ServeOptions, TestCa, catalog,
    catalog_markdown, catalog_table,
};

/// Servers that make HTTP and TCP clients fail on purpose.
#[derive(Debug, Parser)]
#[command(name = "hamms", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve every failure mode on base-port + offset until Ctrl-C.
    Serve(ServeArgs),
    /// Print the catalog of failure modes without serving.
    Catalog {
        #[command(flatten)]
        ports: PortArgs,
        /// Print a Markdown table with every parameter's default and range instead.
        #[arg(long)]
        markdown: bool,
    },
    /// Print the certificate of the CA that signs the TLS ports' certificates, to trust it
    /// (`curl --cacert`, Python's `ssl`...). Creates the CA on first use.
    Ca {
        #[command(flatten)]
        ca: CaArgs,
        /// Write the certificate (PEM) to this file instead of standard output.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct CaArgs {
    /// Directory that keeps the CA, so that every process agrees on it [default: the user's
    /// cache directory, e.g. ~/.cache/hamms].
    #[arg(long, env = "HAMMS_CA_DIR", value_name = "DIR")]
    ca_dir: Option<PathBuf>,
}

impl CaArgs {
    fn load(&self) -> Result<TestCa, String> {
        let dir = match &self.ca_dir {
            Some(dir) => dir.clone(),
            None => dirs::cache_dir().map(|d| d.join("hamms")).ok_or(
                "no cache directory to keep the CA in (is HOME set?); pass --ca-dir or set HAMMS_CA_DIR",
            )?,
        };
        TestCa::load_or_create(&dir).map_err(|e| e.to_string())
    }
}

#[derive(Debug, Args)]
struct PortArgs {
    /// Address to bind. Loopback unless you ask for more (e.g. 0.0.0.0).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Each mode listens on base-port + its offset (Hamms' ports by default).
    #[arg(long, default_value_t = DEFAULT_BASE_PORT)]
    base_port: u16,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    ports: PortArgs,
    #[command(flatten)]
    ca: CaArgs,
    /// Serve only these modes (comma-separated names, see `hamms catalog`).
    #[arg(long, value_delimiter = ',', value_parser = mode_name)]
    only: Option<Vec<String>>,
    /// Seed for every random choice (default: HAMMS_SEED, else random; printed at start).
    #[arg(long)]
    seed: Option<u64>,
}

/// Validates a mode name at parse time, so a typo is a usage error (exit 2) naming the valid ones.
fn mode_name(name: &str) -> Result<String, String> {
    ModeSpec::named(name)
        .map(|m| m.name().to_owned())
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "hamms_core=info".into()),
        )
        .init();
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Catalog { ports, markdown } => {
            let modes: Vec<&ModeSpec> = catalog().iter().collect();
            if markdown {
                print!("{}", catalog_markdown());
            } else {
                print!("{}", catalog_table(ports.host, ports.base_port, &modes));
            }
            ExitCode::SUCCESS
        }
        Command::Ca { ca, out } => print_ca(&ca, out),
    }
}

fn print_ca(args: &CaArgs, out: Option<PathBuf>) -> ExitCode {
    let ca = match args.load() {
        Ok(ca) => ca,
        Err(error) => {
            eprintln!("hamms: {error}");
            return ExitCode::FAILURE;
        }
    };
    match out {
        None => print!("{}", ca.pem()),
        Some(path) => {
            if let Err(error) = std::fs::write(&path, ca.pem()) {
                eprintln!("hamms: cannot write {}: {error}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

fn serve(args: ServeArgs) -> ExitCode {
    // Before anything is printed: a Ctrl-C sent as soon as the table appears must stop hamms
    // cleanly, not kill it with the signal's default action.
    let stop = match StopSignals::register() {
        Ok(stop) => stop,
        Err(error) => {
            eprintln!("hamms: cannot listen for Ctrl-C: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut options = ServeOptions::new()
        .host(args.ports.host)
        .base_port(args.ports.base_port);
    if let Some(only) = args.only {
        options = options.only(only);
    }
    // The CA on disk is read, or made, only when an https port needs it: plain HTTP serving
    // works without a writable cache directory.
    let speaks_tls = options
        .modes()
        .is_ok_and(|modes| modes.iter().any(|m| m.speaks_tls()));
    if speaks_tls {
        match args.ca.load() {
            Ok(ca) => options = options.certificate_authority(Arc::new(ca)),
            Err(error) => {
                eprintln!("hamms: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(seed) = args.seed {
        options = options.seed(seed);
    }
    let servers = match CatalogServers::start(&options) {
        Ok(servers) => servers,
        Err(error) => {
            eprintln!("hamms: {}", explain(&error, args.ports.base_port));
            return ExitCode::FAILURE;
        }
    };
    print!("{}", servers.table());
    let _ = std::io::stdout().flush();
    eprintln!(
        "hamms: serving {} modes, seed {} (replay with --seed {}); `hamms ca` prints the CA of \
         the https ports; Ctrl-C stops",
        servers.servers().len(),
        servers.seed(),
        servers.seed()
    );
    stop.wait();
    drop(servers);
    eprintln!("hamms: stopped");
    ExitCode::SUCCESS
}

/// The error, with the fix a command-line user needs for a taken port.
fn explain(error: &Error, base_port: u16) -> String {
    match error {
        Error::Bind { addr, source } if source.kind() == ErrorKind::AddrInUse => {
            let mode = catalog()
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

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, listened for from the moment of registration.
struct StopSignals {
    runtime: tokio::runtime::Runtime,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn register() -> std::io::Result<StopSignals> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let _context = runtime.enter();
            let interrupt = signal(SignalKind::interrupt())?;
            let terminate = signal(SignalKind::terminate())?;
            Ok(StopSignals {
                runtime,
                interrupt,
                terminate,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals { runtime })
    }

    /// Blocks until one of the signals arrives.
    fn wait(mut self) {
        self.runtime.block_on(async {
            #[cfg(unix)]
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
        });
    }
}
