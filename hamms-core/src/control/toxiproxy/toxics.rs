//! Toxiproxy's toxics of one proxy: listed, added, shown, changed and removed one at a time;
//! each change puts the stack they make in force (open connections included).

use serde_json::Value;

use crate::control::registry::Controlled;
use crate::control::reply::{Failure, object};
use crate::control::toxic::NamedToxic;

/// `GET /proxies/{proxy}/toxics`.
pub(super) fn list(proxy: &Controlled) -> Value {
    Value::Array(proxy.toxics.iter().map(NamedToxic::json).collect())
}

/// `POST /proxies/{proxy}/toxics`: a new toxic, last of the stack.
pub(super) async fn add(proxy: &mut Controlled, body: &[u8]) -> Result<Value, Failure> {
    let fields = object(body).map_err(Failure::bad_body)?;
    let toxic = NamedToxic::create(&fields, &proxy.presets)?;
    if proxy.toxics.iter().any(|t| t.name == toxic.name) {
        return Err(Failure::toxic_exists());
    }
    let json = toxic.json();
    proxy.toxics.push(toxic);
    apply(proxy).await?;
    Ok(json)
}

/// The index of the toxic `name`.
fn find(proxy: &Controlled, name: &str) -> Result<usize, Failure> {
    proxy
        .toxics
        .iter()
        .position(|t| t.name == name)
        .ok_or_else(Failure::toxic_not_found)
}

/// `GET /proxies/{proxy}/toxics/{toxic}`.
pub(super) fn show(proxy: &Controlled, name: &str) -> Result<Value, Failure> {
    Ok(proxy.toxics[find(proxy, name)?].json())
}

/// `POST|PATCH /proxies/{proxy}/toxics/{toxic}`: new attributes or toxicity, in place.
pub(super) async fn update(
    proxy: &mut Controlled,
    name: &str,
    body: &[u8],
) -> Result<Value, Failure> {
    let index = find(proxy, name)?;
    let fields = object(body).map_err(Failure::bad_body)?;
    let toxic = proxy.toxics[index].updated(&fields)?;
    let json = toxic.json();
    proxy.toxics[index] = toxic;
    apply(proxy).await?;
    Ok(json)
}

/// `DELETE /proxies/{proxy}/toxics/{toxic}`; the last one gone, the proxy passes everything.
pub(super) async fn remove(proxy: &mut Controlled, name: &str) -> Result<(), Failure> {
    let index = find(proxy, name)?;
    proxy.toxics.remove(index);
    apply(proxy).await
}

/// Puts the stack in force, unless the proxy is disabled (its toxics wait until it is enabled).
async fn apply(proxy: &Controlled) -> Result<(), Failure> {
    let enabled = proxy.enabled();
    proxy
        .apply_toxics(enabled)
        .await
        .map_err(|error| Failure::internal("toxics", error.to_string()))
}
