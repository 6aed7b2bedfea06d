//! `hamms`: the catalog of failure servers on fixed ports, the chaos proxy, and a client of their
//! control API, for clients in any language.
//!
//! Thin by design: it parses arguments and calls the library.

use std::io::{ErrorKind, IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use hamms_core::{
    Behavior, CatalogServers, ControlClient, ControlServer, DEFAULT_BASE_PORT, Error, FaultServer,
    Method, ModeSpec, Protocol, ServeOptions, TestCa, catalog, catalog_markdown, catalog_table,
};
use serde_json::{Value, json};

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
    /// Relay a port to a backend, passing traffic through or degrading it on command.
    Proxy(ProxyArgs),
    /// Read or switch the servers behind a control API (`hamms proxy/serve --control`).
    Ctl(CtlArgs),
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
struct ControlArgs {
    /// Serve the control API (JSON over HTTP) on this address, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    control: Option<SocketAddr>,
    /// Let the control API listen beyond loopback (anyone who reaches it can switch the servers).
    #[arg(long, requires = "control")]
    control_allow_remote: bool,
}

impl ControlArgs {
    /// Starts the control API if asked, and prints where it listens.
    fn start(
        &self,
        servers: Vec<(String, Arc<FaultServer>)>,
    ) -> Result<Option<ControlServer>, Error> {
        let Some(addr) = self.control else {
            return Ok(None);
        };
        let control = ControlServer::start(addr, servers, self.control_allow_remote)?;
        out(format_args!("control http://{}\n", control.addr()));
        Ok(Some(control))
    }
}

#[derive(Debug, Args)]
struct ProxyArgs {
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: SocketAddr,
    /// Where to relay to, as host:port.
    #[arg(long, value_name = "HOST:PORT")]
    backend: String,
    /// What the proxy understands of the traffic: tcp (bytes, per connection) or http (per
    /// request).
    #[arg(long, default_value = "tcp", value_parser = protocol)]
    protocol: Protocol,
    /// The behavior: a name (dummy, delay, error, ..., latency, bandwidth, ...), toxics stacked
    /// with `+`, or a mix such as 20:delay,80:dummy.
    #[arg(long, default_value = "dummy", value_parser = proxy_behavior)]
    behavior: String,
    /// An option of the behavior, e.g. --opt sleep=0.5 or --opt delay.sleep=0.5 (repeatable).
    #[arg(long = "opt", value_name = "KEY=VALUE", value_parser = key_value)]
    opts: Vec<(String, String)>,
    #[command(flatten)]
    control: ControlArgs,
    /// Seed for every random choice (default: HAMMS_SEED, else random; printed at start).
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Debug, Args)]
struct CtlArgs {
    /// The control API to talk to.
    #[arg(
        long,
        env = "HAMMS_CONTROL",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL"
    )]
    control: String,
    /// The server to address, by name (see `hamms ctl servers`); default: the first one.
    #[arg(long, value_name = "NAME")]
    server: Option<String>,
    /// Print the control API's JSON answer instead of text.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    command: CtlCommand,
}

#[derive(Debug, Subcommand)]
enum CtlCommand {
    /// List the servers behind the control API.
    Servers,
    /// List the behaviors the server accepts.
    ListBehaviors,
    /// Print the server's current behavior.
    GetBehavior,
    /// Switch the server's behavior; options not given keep their defaults.
    SetBehavior {
        /// The behavior's name, e.g. blackout or delay.
        name: String,
        /// An option, e.g. --opt sleep=0.5 (repeatable).
        #[arg(long = "opt", value_name = "KEY=VALUE", value_parser = key_value)]
        opts: Vec<(String, String)>,
    },
    /// Print what the server recorded.
    History,
    /// Restore the server's starting behavior and clear its history.
    Reset,
}

fn protocol(name: &str) -> Result<Protocol, String> {
    name.parse().map_err(|e: Error| e.to_string())
}

/// Validates a proxy behavior at parse time: a typo is a usage error naming the valid ones.
fn proxy_behavior(spec: &str) -> Result<String, String> {
    Behavior::proxy(spec)
        .map(|_| spec.to_owned())
        .map_err(|e| e.to_string())
}

fn key_value(pair: &str) -> Result<(String, String), String> {
    pair.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| format!("`{pair}` is not KEY=VALUE, e.g. sleep=0.5"))
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
    #[command(flatten)]
    control: ControlArgs,
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
        // A log line that cannot be written (stderr piped into `head`, then closed) must not
        // become a panic in the connection that logged it: serving goes on, unlogged.
        .log_internal_errors(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "hamms_core=info".into()),
        )
        .init();
    let outcome = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Proxy(args) => proxy(args),
        Command::Ctl(args) => ctl(&args),
        Command::Catalog { ports, markdown } => {
            let modes: Vec<&ModeSpec> = catalog().iter().collect();
            if markdown {
                print!("{}", catalog_markdown());
            } else {
                print!("{}", catalog_table(ports.host, ports.base_port, &modes));
            }
            Ok(())
        }
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

/// Why a command failed, and its exit code: 2 for a usage mistake (a name or value that is not
/// valid, as clap's own errors), 1 for anything else.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl ToString) -> Failure {
        Failure {
            code: 2,
            message: message.to_string(),
        }
    }

    fn other(message: impl ToString) -> Failure {
        Failure {
            code: 1,
            message: message.to_string(),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        match error {
            Error::UnknownMode { .. }
            | Error::UnknownParam { .. }
            | Error::InvalidParam { .. }
            | Error::UnknownProxyBehavior { .. }
            | Error::InvalidProxySpec { .. }
            | Error::UnknownProtocol { .. } => Failure::usage(error),
            other => Failure::other(other),
        }
    }
}

type Outcome = Result<(), Failure>;

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
        let ca = args.ca.load().map_err(Failure::other)?;
        options = options.certificate_authority(Arc::new(ca));
    }
    if let Some(seed) = args.seed {
        options = options.seed(seed);
    }
    let servers = CatalogServers::start(&options).map_err(|error| Failure {
        message: explain(&error, args.ports.base_port),
        ..Failure::from(error)
    })?;
    out(format_args!("{}", servers.table()));
    let control = args.control.start(servers.named())?;
    say(format_args!(
        "serving {} modes, seed {} (replay with --seed {}); `hamms ca` prints the CA of the \
         https ports; Ctrl-C stops",
        servers.servers().len(),
        servers.seed(),
        servers.seed()
    ));
    stop.wait();
    drop(control);
    drop(servers);
    say(format_args!("stopped"));
    Ok(())
}

fn proxy(args: ProxyArgs) -> Outcome {
    let stop = StopSignals::register()?;
    let mut builder = FaultServer::proxy(&args.backend)
        .protocol(args.protocol)
        .behavior(&args.behavior)
        .bind(args.listen)
        // A long-running proxy must not grow without bound (bodies keep the default cap: the
        // http protocol forwards what it keeps).
        .history_limit(1000);
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    // Options go to the builder, so the very first connection meets them; a bad one is a
    // usage error naming the behavior's options.
    for (key, value) in &args.opts {
        builder = builder.param(key, value);
    }
    let proxy = Arc::new(builder.start()?);
    out(format_args!(
        "proxy {} -> {} ({}), behavior {}\n",
        proxy.addr(),
        args.backend,
        args.protocol,
        proxy.behavior()
    ));
    let control = args
        .control
        .start(vec![("proxy".to_owned(), Arc::clone(&proxy))])?;
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

fn ctl(args: &CtlArgs) -> Outcome {
    let client = ControlClient::new(&args.control).map_err(Failure::usage)?;
    let base = args
        .server
        .as_ref()
        .map_or_else(String::new, |name| format!("/servers/{name}"));
    let (method, path, body) = match &args.command {
        CtlCommand::Servers => (Method::GET, "/servers".to_owned(), None),
        CtlCommand::ListBehaviors => (Method::GET, format!("{base}/behaviors"), None),
        CtlCommand::GetBehavior => (Method::GET, format!("{base}/behavior"), None),
        CtlCommand::SetBehavior { name, opts } => {
            let mut body = json!({ "name": name });
            for (key, value) in opts {
                body[key] = Value::String(value.clone());
            }
            (Method::PUT, format!("{base}/behavior"), Some(body))
        }
        CtlCommand::History => (Method::GET, format!("{base}/history"), None),
        CtlCommand::Reset => (Method::POST, format!("{base}/reset"), None),
    };
    let (status, answer) = client
        .call(method, &path, body.as_ref())
        .map_err(Failure::other)?;
    if args.json {
        println!("{answer}");
    }
    if !(200..300).contains(&status) {
        // The control API's errors name the valid choices; they are the user's to fix.
        let descriptions: Vec<&str> = answer["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|error| error["description"].as_str().unwrap_or("error"))
            .collect();
        return Err(Failure::usage(descriptions.join("\nhamms: ")));
    }
    if !args.json {
        print!("{}", human(&args.command, &answer));
    }
    Ok(())
}

/// The control API's answer as text, one item per line.
fn human(command: &CtlCommand, answer: &Value) -> String {
    let lines: Vec<String> = match command {
        CtlCommand::Servers => answer["servers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                format!(
                    "{}\t{}\t{}",
                    text(&s["name"]),
                    text(&s["addr"]),
                    text(&s["behavior"])
                )
            })
            .collect(),
        CtlCommand::ListBehaviors => answer["behaviors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect(),
        CtlCommand::GetBehavior => vec![text(&answer["behavior"])],
        CtlCommand::SetBehavior { name, .. } => vec![format!("behavior set: {name}")],
        CtlCommand::History => {
            let requests = answer["requests"].as_array().into_iter().flatten();
            let mut lines: Vec<String> = requests
                .map(|r| {
                    format!(
                        "{} {} -> {}",
                        text(&r["method"]),
                        text(&r["target"]),
                        r["reply"]
                    )
                })
                .collect();
            let connections = answer["connections"].as_array().map_or(0, Vec::len);
            lines.push(format!(
                "{connections} connection(s), seed {}",
                answer["seed"]
            ));
            lines
        }
        CtlCommand::Reset => vec![format!("reset to {}", text(&answer["behavior"]))],
    };
    lines.into_iter().map(|line| line + "\n").collect()
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// Prints to standard output for a long-running command, whose reader may have left (`| head`):
/// serving goes on either way, so a failed write is not an error.
fn out(text: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout();
    let _ = stdout.write_fmt(text).and_then(|()| stdout.flush());
}

/// A status line on standard error, with the same tolerance as [`out`].
fn say(text: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "hamms: {text}");
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
    fn register() -> Result<StopSignals, Failure> {
        StopSignals::listen().map_err(|e| Failure::other(format!("cannot listen for Ctrl-C: {e}")))
    }

    fn listen() -> std::io::Result<StopSignals> {
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
