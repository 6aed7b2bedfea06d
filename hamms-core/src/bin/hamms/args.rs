//! The command line, as clap parses it. Names of modes and proxy behaviors are checked while
//! parsing, so a typo is a usage error (exit 2) naming the valid ones.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use hamms_core::catalog::ModeSpec;
use hamms_core::control::{ControlBuilder, ControlServer};
use hamms_core::{Behavior, Error, Protocol, TestCa};

use crate::addrs::{control_url, listen_addr, listen_port, port, seconds};
use crate::output::out;
use crate::serve::DEFAULT_BASE_PORT;

/// Servers that make HTTP and TCP clients fail on purpose.
#[derive(Debug, Parser)]
#[command(name = "hamms", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve every failure mode on base-port + offset until Ctrl-C.
    Serve(ServeArgs),
    /// Relay a port to a backend, passing traffic through or degrading it on command.
    Proxy(ProxyArgs),
    /// Read or switch the servers behind a control API (`hamms proxy/serve --control`).
    Ctl(CtlArgs),
    /// Replace `toxiproxy-server`: Toxiproxy's HTTP API (and hamms'), proxies created by its
    /// clients or a config file, until Ctrl-C.
    Toxiproxy(ToxiproxyArgs),
    /// Replace WireMock's standalone server: its admin API (/__admin) and mapping files, with
    /// hamms' faults, until Ctrl-C or POST /__admin/shutdown.
    Wiremock(WireMockArgs),
    /// Print the catalog of failure modes without serving.
    Catalog {
        #[command(flatten)]
        ports: PortArgs,
        /// Print the README's Markdown table (and glossary of parameters) instead.
        #[arg(long)]
        markdown: bool,
        /// Print the chaos proxy's behaviors instead of the modes.
        #[arg(long)]
        proxy: bool,
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
pub(crate) struct CaArgs {
    /// Directory that keeps the CA, so that every process agrees on it [default: the user's
    /// cache directory, e.g. ~/.cache/hamms].
    #[arg(long, env = "HAMMS_CA_DIR", value_name = "DIR")]
    pub(crate) ca_dir: Option<PathBuf>,
}

impl CaArgs {
    pub(crate) fn load(&self) -> Result<TestCa, String> {
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
pub(crate) struct ControlArgs {
    /// Serve the control API (JSON over HTTP) on this address, e.g. 127.0.0.1:8080; port 0
    /// picks a free port (printed at start).
    #[arg(long, value_name = "ADDR", value_parser = listen_addr)]
    pub(crate) control: Option<SocketAddr>,
    /// Let the control API listen beyond loopback (anyone who reaches it can switch the servers).
    #[arg(long, requires = "control")]
    pub(crate) control_allow_remote: bool,
}

impl ControlArgs {
    /// Starts the control API of `servers` if asked, and prints where it listens.
    pub(crate) fn start(&self, servers: ControlBuilder) -> Result<Option<ControlServer>, Error> {
        let Some(addr) = self.control else {
            return Ok(None);
        };
        let servers = servers.bind(addr);
        let servers = if self.control_allow_remote {
            servers.allow_remote()
        } else {
            servers
        };
        let control = servers.start()?;
        out(format_args!("control http://{}\n", control.addr()));
        Ok(Some(control))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ToxiproxyArgs {
    /// Address the API listens on, as toxiproxy-server's -host. Loopback unless --allow-remote.
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: IpAddr,
    /// Port the API listens on, as toxiproxy-server's -port; 0 picks a free one (printed).
    #[arg(long, default_value_t = 8474, value_parser = listen_port)]
    pub(crate) port: u16,
    /// A Toxiproxy config file (a JSON array of proxies, the format of POST /populate), as
    /// toxiproxy-server's -config: its proxies are created at start.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Let the API listen beyond loopback (anyone who reaches it can create proxies).
    #[arg(long)]
    pub(crate) allow_remote: bool,
    /// Seed for the proxies' random choices (default: HAMMS_SEED, else random).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct WireMockArgs {
    /// The HTTP port, as WireMock's --port; 0 picks a free one (printed).
    #[arg(long, default_value_t = 8080, value_parser = listen_port)]
    pub(crate) port: u16,
    /// The address to listen on, as WireMock's --bind-address (loopback unless given).
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) bind_address: IpAddr,
    /// The root directory: mappings/*.json loaded at start, __files/ for bodyFileName.
    #[arg(long, value_name = "DIR")]
    pub(crate) root_dir: Option<PathBuf>,
    /// Also serve HTTPS on this port, with the test CA (`hamms ca` prints it).
    #[arg(long, value_parser = listen_port)]
    pub(crate) https_port: Option<u16>,
    /// Render every response as a template, not only those with the response-template
    /// transformer.
    #[arg(long)]
    pub(crate) global_response_templating: bool,
    /// Log every request.
    #[arg(long)]
    pub(crate) verbose: bool,
    #[command(flatten)]
    pub(crate) ca: CaArgs,
    /// Seed for every random choice (default: HAMMS_SEED, else random; printed at start).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct ProxyArgs {
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR", value_parser = listen_addr)]
    pub(crate) listen: SocketAddr,
    /// Where to relay to, as host:port (checked when the proxy starts).
    #[arg(long, value_name = "HOST:PORT")]
    pub(crate) backend: String,
    /// What the proxy understands of the traffic: tcp (bytes, per connection) or http (per
    /// request).
    #[arg(long, default_value = "tcp", value_parser = protocol)]
    pub(crate) protocol: Protocol,
    #[arg(long, default_value = "dummy", value_parser = proxy_behavior, help = behavior_help())]
    pub(crate) behavior: String,
    /// An option, e.g. --opt sleep=0.5 (of the starting behavior) or --opt delay.sleep=0.5 (of
    /// `delay`, whenever the control API switches to it: Vaurien's --behavior-delay-sleep);
    /// repeatable.
    #[arg(long = "opt", value_name = "KEY=VALUE", value_parser = key_value)]
    pub(crate) opts: Vec<(String, String)>,
    #[command(flatten)]
    pub(crate) control: ControlArgs,
    /// Seed for every random choice (default: HAMMS_SEED, else random; printed at start).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Let each request (with --protocol http) choose a fault for itself by header: Envoy's
    /// `x-envoy-fault-abort-request: 503`, `x-envoy-fault-abort-grpc-request: 14`,
    /// `x-envoy-fault-delay-request: 200` (ms) and their `-percentage` headers, or
    /// `x-hamms-fault: slow_drip(interval_ms=50)`. For test setups only: any client that
    /// reaches the server can then fault its own requests.
    #[arg(long)]
    pub(crate) header_faults: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CtlArgs {
    /// The control API to talk to.
    #[arg(
        long,
        env = "HAMMS_CONTROL",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL",
        value_parser = control_url
    )]
    pub(crate) control: String,
    /// How long to wait for the control API to accept the connection, and then for its
    /// answer, in seconds.
    #[arg(long, default_value = "10", value_name = "SECONDS", value_parser = seconds)]
    pub(crate) timeout: Duration,
    /// The server to address, by name (see `hamms ctl servers`); default: the first one.
    #[arg(long, value_name = "NAME")]
    pub(crate) server: Option<String>,
    /// Print the control API's JSON answer instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) command: CtlCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CtlCommand {
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
    /// Restore the starting behavior and clear the history: of the server given with --server,
    /// else of every server (Toxiproxy's reset: toxics removed, proxies enabled).
    Reset,
}

pub(crate) fn protocol(name: &str) -> Result<Protocol, String> {
    name.parse()
        .map_err(|e: hamms_core::catalog::Invalid| e.to_string())
}

/// The help of `--behavior`, naming the behaviors from the proxy's table.
fn behavior_help() -> String {
    let names: Vec<&str> = hamms_core::catalog::proxy_behaviors()
        .iter()
        .map(|b| b.name())
        .collect();
    format!(
        "The behavior: a name ({}), toxics stacked with `+`, or a mix such as 20:delay,80:dummy",
        names.join(", ")
    )
}

/// Validates a proxy behavior at parse time: a typo is a usage error naming the valid ones.
pub(crate) fn proxy_behavior(spec: &str) -> Result<String, String> {
    Behavior::proxy(spec)
        .map(|_| spec.to_owned())
        .map_err(|e| e.to_string())
}

pub(crate) fn key_value(pair: &str) -> Result<(String, String), String> {
    pair.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| format!("`{pair}` is not KEY=VALUE, e.g. sleep=0.5"))
}

#[derive(Debug, Args)]
pub(crate) struct PortArgs {
    /// Address to bind. Loopback unless you ask for more (e.g. 0.0.0.0).
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: IpAddr,
    /// Each mode listens on base-port + its offset (Hamms' ports by default).
    #[arg(long, default_value_t = DEFAULT_BASE_PORT, value_parser = port)]
    pub(crate) base_port: u16,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) ports: PortArgs,
    #[command(flatten)]
    pub(crate) ca: CaArgs,
    /// Serve only these modes (comma-separated names, see `hamms catalog`).
    #[arg(long, value_delimiter = ',', value_parser = mode_name)]
    pub(crate) only: Option<Vec<String>>,
    /// Seed for every random choice (default: HAMMS_SEED, else random; printed at start).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Let each request to the fixture port choose a fault for itself by header: Envoy's
    /// `x-envoy-fault-abort-request: 503`, `x-envoy-fault-abort-grpc-request: 14`,
    /// `x-envoy-fault-delay-request: 200` (ms) and their `-percentage` headers, or
    /// `x-hamms-fault: slow_drip(interval_ms=50)`. For test setups only: any client that
    /// reaches the server can then fault its own requests.
    #[arg(long)]
    pub(crate) header_faults: bool,
    #[command(flatten)]
    pub(crate) control: ControlArgs,
}

/// Validates a mode name at parse time, so a typo is a usage error (exit 2) naming the valid ones.
pub(crate) fn mode_name(name: &str) -> Result<String, String> {
    ModeSpec::named(name)
        .map(|m| m.name().to_owned())
        .map_err(|e| e.to_string())
}
