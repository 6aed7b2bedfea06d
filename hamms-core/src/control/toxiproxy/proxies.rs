//! Toxiproxy's proxies: created, shown, changed (`listen`, `upstream`, `enabled`), deleted,
//! populated from a list, and reset.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::control::registry::{Controlled, Origin};
use crate::control::reply::{Failure, object};
use crate::error::Error;
use crate::http1::Location;
use crate::server::FaultServer;
use hamms_catalog::Presets;

/// How many requests (and, apart, connections) a proxy created here keeps in its history: such
/// proxies live as long as a `hamms toxiproxy`, so the history must not grow without bound.
const HISTORY_LIMIT: usize = 1000;

/// The proxy as Toxiproxy shows it: name, listen (the bound address), upstream, enabled, toxics.
pub(super) fn proxy_json(proxy: &Controlled) -> Value {
    json!({
        "name": proxy.name,
        "listen": proxy.server.addr().to_string(),
        "upstream": proxy.server.backend(),
        "enabled": proxy.enabled(),
        "toxics": proxy.toxics.iter().map(|t| t.json()).collect::<Vec<_>>(),
    })
}

/// The index of the proxy `name`: a server of the registry that is a proxy.
pub(super) fn find(servers: &[Controlled], name: &str) -> Result<usize, Failure> {
    servers
        .iter()
        .position(|c| c.name == name && c.server.is_proxy())
        .ok_or_else(Failure::proxy_not_found)
}

/// A proxy's fields from a create or update body.
struct Fields {
    name: Option<String>,
    listen: Option<String>,
    upstream: Option<String>,
    enabled: Option<bool>,
}

impl Fields {
    fn read(fields: &Map<String, Value>) -> Result<Fields, Failure> {
        let text = |key: &str| match fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(Failure::bad_body(format!("`{key}` must be a string"))),
        };
        let enabled = match fields.get("enabled") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(enabled)) => Some(*enabled),
            Some(_) => return Err(Failure::bad_body("`enabled` must be true or false")),
        };
        Ok(Fields {
            name: text("name")?.filter(|n| !n.is_empty()),
            listen: text("listen")?,
            upstream: text("upstream")?.filter(|u| !u.is_empty()),
            enabled,
        })
    }
}

/// `POST /proxies`: a new proxy, listening at once unless `enabled` is false.
pub(super) async fn create(
    servers: &mut Vec<Controlled>,
    seed: Option<u64>,
    body: &[u8],
) -> Result<Value, Failure> {
    let fields = Fields::read(&object(body).map_err(Failure::bad_body)?)?;
    let name = fields.name.ok_or_else(|| Failure::missing_field("name"))?;
    let upstream = fields
        .upstream
        .ok_or_else(|| Failure::missing_field("upstream"))?;
    if servers.iter().any(|c| c.name == name) {
        return Err(Failure::proxy_exists());
    }
    let listen = fields.listen.unwrap_or_default();
    let proxy = new_proxy(
        name,
        &listen,
        &upstream,
        seed,
        fields.enabled.unwrap_or(true),
    )
    .await?;
    let json = proxy_json(&proxy);
    servers.push(proxy);
    Ok(json)
}

/// A proxy of the API's own, started on `listen` (loopback when it names no host).
async fn new_proxy(
    name: String,
    listen: &str,
    upstream: &str,
    seed: Option<u64>,
    enabled: bool,
) -> Result<Controlled, Failure> {
    let server = start(listen, upstream, seed).await?;
    let origin = Origin::Created {
        listen: listen.to_owned(),
    };
    let proxy = Controlled::new(name, server, Presets::default(), origin);
    if !enabled {
        proxy.apply_toxics(false).await.map_err(internal)?;
    }
    Ok(proxy)
}

async fn start(
    listen: &str,
    upstream: &str,
    seed: Option<u64>,
) -> Result<Arc<FaultServer>, Failure> {
    bind(resolve(listen).await?, upstream, seed)
}

/// A proxy to `upstream` on `addr`.
fn bind(addr: SocketAddr, upstream: &str, seed: Option<u64>) -> Result<Arc<FaultServer>, Failure> {
    let mut builder = FaultServer::proxy(upstream)
        .bind(addr)
        .history_limit(HISTORY_LIMIT);
    if let Some(seed) = seed {
        builder = builder.seed(seed);
    }
    match builder.start() {
        Ok(server) => Ok(Arc::new(server)),
        // Toxiproxy's words for a port in use (a 500, as Toxiproxy answers it).
        Err(Error::Bind { addr, source }) => {
            let reason = if source.kind() == std::io::ErrorKind::AddrInUse {
                "bind: address already in use".to_owned()
            } else {
                source.to_string()
            };
            Err(Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Location::Body,
                "listen",
                format!("listen tcp {addr}: {reason}"),
            ))
        }
        Err(error) => Err(Failure::bad_body(error)),
    }
}

/// `listen` as an address to bind: `host:port` with a host name or an IP; no host (`:8080`, or
/// nothing at all for a free port) means loopback, where Toxiproxy would take every interface.
async fn resolve(listen: &str) -> Result<SocketAddr, Failure> {
    if listen.is_empty() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    }
    if let Ok(addr) = listen.parse() {
        return Ok(addr);
    }
    let bad = |reason: &str| {
        Failure::bad_body(format!(
            "listen `{listen}`: {reason}; write host:port, e.g. 127.0.0.1:26379 (port 0 picks a free port)"
        ))
    };
    let (host, port) = listen
        .rsplit_once(':')
        .ok_or_else(|| bad("it has no port"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| bad("its port is not a number from 0 to 65535"))?;
    if host.is_empty() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| bad(&format!("its host does not resolve ({e})")))?
        .collect();
    // `localhost` means 127.0.0.1 here, as Toxiproxy reports it.
    found
        .iter()
        .find(|addr| addr.is_ipv4())
        .or(found.first())
        .copied()
        .ok_or_else(|| bad("its host has no address"))
}

/// `POST|PATCH /proxies/{proxy}`: `listen`, `upstream` and `enabled`, each defaulting to what it
/// is now, as Toxiproxy's `Proxy.Update`.
pub(super) async fn update(
    proxy: &mut Controlled,
    seed: Option<u64>,
    body: &[u8],
) -> Result<Value, Failure> {
    let fields = Fields::read(&object(body).map_err(Failure::bad_body)?)?;
    let enabled = fields.enabled.unwrap_or_else(|| proxy.enabled());
    let bound = proxy.server.addr().to_string();
    // As Toxiproxy compares it: with the bound address (so `127.0.0.1:0` moves to a new port).
    let moved = match fields.listen.filter(|listen| *listen != bound) {
        Some(listen) => {
            let addr = resolve(&listen).await?;
            (addr != proxy.server.addr()).then_some((listen, addr))
        }
        None => None,
    };
    let upstream = fields
        .upstream
        .filter(|upstream| Some(upstream) != proxy.server.backend().as_ref());
    if let Some((listen, addr)) = moved {
        if proxy.origin == Origin::Given {
            return Err(handed_over(proxy, "its listen address cannot change"));
        }
        let upstream = upstream
            .or_else(|| proxy.server.backend())
            .unwrap_or_default();
        // Toxiproxy stops the proxy and listens on the new address, toxics kept. The new one
        // starts first here, so that an address in use leaves the proxy as it was.
        let moved = bind(addr, &upstream, seed)?;
        let old = std::mem::replace(&mut proxy.server, moved);
        old.stop().await;
        proxy.origin = Origin::Created { listen };
        proxy.apply_toxics(enabled).await.map_err(internal)?;
    } else if let Some(upstream) = upstream {
        proxy
            .server
            .set_backend(upstream)
            .map_err(Failure::bad_body)?;
        // Toxiproxy restarts the proxy for a new upstream: connections to the old one close,
        // new ones go to the new one. They are marked to close before this answers; the port
        // stays hamms'.
        proxy.server.close_open_connections();
        if enabled != proxy.enabled() {
            proxy.apply_toxics(enabled).await.map_err(internal)?;
        }
    } else if enabled != proxy.enabled() {
        proxy.apply_toxics(enabled).await.map_err(internal)?;
    }
    Ok(proxy_json(proxy))
}

/// `DELETE /proxies/{proxy}`: stopped (its port free when this returns) and forgotten.
pub(super) async fn delete(servers: &mut Vec<Controlled>, index: usize) -> Result<(), Failure> {
    if servers[index].origin == Origin::Given {
        return Err(handed_over(&servers[index], "it cannot be deleted"));
    }
    let proxy = servers.remove(index);
    proxy.server.stop().await;
    Ok(())
}

/// `POST /populate` (and `hamms toxiproxy --config`): creates the proxies of a list, replacing
/// those of the same name whose `listen` or `upstream` differ, and leaving the others as they are
/// (toxics included), as Toxiproxy does. The whole list is checked before anything changes.
/// Returns the names of the list's proxies, in its order.
///
/// # Errors
/// A 400 for a list that is not one, or whose proxies lack a name or upstream, repeat a name or
/// have an invalid upstream; a 409 for a name the API was handed at start; a 500 for an address
/// in use (the proxies before it are created).
pub(in crate::control) async fn populate(
    servers: &mut Vec<Controlled>,
    seed: Option<u64>,
    body: &[u8],
) -> Result<Vec<String>, Failure> {
    let list: Vec<Value> = match serde_json::from_slice(body) {
        Ok(Value::Array(list)) => list,
        Ok(_) => return Err(Failure::bad_body("expected a JSON array of proxies")),
        Err(error) => return Err(Failure::bad_body(format!("invalid JSON ({error})"))),
    };
    let mut wanted = Vec::with_capacity(list.len());
    for (number, item) in list.iter().enumerate() {
        let Value::Object(fields) = item else {
            return Err(Failure::bad_body(format!(
                "proxy {} is not a JSON object",
                number + 1
            )));
        };
        let fields = Fields::read(fields)?;
        let at = |field: &str| Failure::missing_field(&format!("{field} at proxy {}", number + 1));
        let name = fields.name.ok_or_else(|| at("name"))?;
        let upstream = fields.upstream.ok_or_else(|| at("upstream"))?;
        let enabled = fields.enabled.unwrap_or(true);
        if wanted
            .iter()
            .any(|(n, ..): &(String, String, String, bool)| *n == name)
        {
            return Err(Failure::bad_body(format!("duplicate proxy name `{name}`")));
        }
        if enabled {
            crate::proxy::Backend::new(&upstream, crate::Protocol::Tcp)
                .map_err(Failure::bad_body)?;
        }
        if let Some(existing) = servers.iter().find(|c| c.name == name)
            && existing.origin == Origin::Given
        {
            return Err(handed_over(existing, "populate cannot replace it"));
        }
        wanted.push((name, fields.listen.unwrap_or_default(), upstream, enabled));
    }
    let mut names = Vec::with_capacity(wanted.len());
    for (name, listen, upstream, enabled) in wanted {
        names.push(name.clone());
        if let Some(index) = servers.iter().position(|c| c.name == name) {
            let existing = &servers[index];
            let same_listen = matches!(&existing.origin, Origin::Created { listen: asked } if *asked == listen)
                || existing.server.addr().to_string() == listen;
            if same_listen && existing.server.backend().as_deref() == Some(upstream.as_str()) {
                continue;
            }
            let replaced = servers.remove(index);
            replaced.server.stop().await;
        }
        servers.push(new_proxy(name, &listen, &upstream, seed, enabled).await?);
    }
    Ok(names)
}

/// `POST /reset`: every server back to its starting behavior (Toxiproxy's: every proxy enabled,
/// no toxics), histories cleared.
pub(super) async fn reset_all(servers: &mut [Controlled]) {
    for server in servers {
        server.reset().await;
    }
}

fn handed_over(proxy: &Controlled, consequence: &str) -> Failure {
    Failure::new(
        StatusCode::CONFLICT,
        Location::Path,
        "proxy",
        format!(
            "proxy `{}` was handed to this control API when it started, and stays its owner's: {consequence}; create a proxy of the API's own with POST /proxies",
            proxy.name
        ),
    )
}

/// An engine error where none is expected (every behavior set here suits a proxy).
fn internal(error: Error) -> Failure {
    Failure::internal("proxy", error.to_string())
}
