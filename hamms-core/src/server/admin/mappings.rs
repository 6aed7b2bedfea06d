//! `/__admin/mappings`: stub mappings listed, created, read, edited, removed, imported, found by
//! metadata; and the scenarios their stubs move.

use std::collections::BTreeSet;
use std::sync::Arc;

use http::Method;
use rand::RngExt;
use serde_json::{Value, json};

use super::{AdminAnswer, Query, json_body, object};
use crate::connection::Shared;
use crate::history::StubId;
use crate::stub::wiremock::{Compiled, stub_of};
use crate::stub::{Mounted, STARTED, Stub};
use hamms_catalog::wiremock::{Mapping, MappingError, ValuePattern};

pub(super) fn route(
    shared: &Arc<Shared>,
    method: &Method,
    rest: &[&str],
    query: &Query,
    body: &[u8],
) -> AdminAnswer {
    let (get, post, delete) = (
        *method == Method::GET,
        *method == Method::POST,
        *method == Method::DELETE,
    );
    match rest {
        [] if get => list(shared, query),
        [] if post => create(shared, body),
        [] if delete => {
            remove_where(shared, |_| true);
            AdminAnswer::ok(json!({}))
        }
        ["reset"] if post => {
            reset_to_defaults(shared);
            AdminAnswer::status(200)
        }
        ["save"] if post => save(shared),
        ["import"] if post => import(shared, body),
        ["find-by-metadata"] if post => match metadata_pattern(body) {
            Ok(pattern) => {
                let found: Vec<Value> = stored(shared)
                    .into_iter()
                    .filter(|(_, source)| metadata_matches(&pattern, source))
                    .map(|(_, source)| source)
                    .collect();
                AdminAnswer::ok(json!({"mappings": found, "meta": {"total": found.len()}}))
            }
            Err(refused) => refused,
        },
        ["remove-by-metadata"] if post => match metadata_pattern(body) {
            Ok(pattern) => {
                remove_where(shared, |source| metadata_matches(&pattern, source));
                AdminAnswer::status(200)
            }
            Err(refused) => refused,
        },
        ["unmatched"] if get => {
            let unused: Vec<Value> = mounted(shared)
                .into_iter()
                .filter(|(m, _)| m.answered() == 0)
                .map(|(_, source)| source)
                .collect();
            AdminAnswer::ok(json!({"mappings": unused, "meta": {"total": unused.len()}}))
        }
        ["unmatched"] if delete => {
            let unused: Vec<String> = mounted(shared)
                .into_iter()
                .filter(|(m, _)| m.answered() == 0)
                .filter_map(|(_, source)| id_of(&source))
                .collect();
            remove_where(shared, |source| {
                id_of(source).is_some_and(|id| unused.contains(&id))
            });
            AdminAnswer::status(200)
        }
        [id] if get => match find(shared, id) {
            Some((_, source)) => AdminAnswer::ok(source),
            None => AdminAnswer::status(404),
        },
        [id] if *method == Method::PUT => edit(shared, id, body),
        [id] if delete => match find(shared, id) {
            Some((stub, _)) => {
                shared.stubs.unmount(&stub);
                AdminAnswer::ok(json!({}))
            }
            None => AdminAnswer::status(404),
        },
        _ => AdminAnswer::not_found(format!(
            "no admin route {method} /__admin/mappings/{}",
            rest.join("/")
        )),
    }
}

/// The mounted stubs made from mappings, with their mappings (newest first, as WireMock lists
/// them).
fn mounted(shared: &Shared) -> Vec<(Arc<Mounted>, Value)> {
    let mut found: Vec<(Arc<Mounted>, Value)> = shared
        .stubs
        .snapshot()
        .iter()
        .filter_map(|m| {
            let source = m.stub.source.as_deref()?.clone();
            Some((Arc::clone(m), source))
        })
        .collect();
    found.sort_by_key(|(m, _)| std::cmp::Reverse(m.id.index()));
    found
}

/// The stored mappings, with their stubs' ids.
fn stored(shared: &Shared) -> Vec<(StubId, Value)> {
    mounted(shared)
        .into_iter()
        .map(|(m, source)| (StubId::clone(&m.id), source))
        .collect()
}

/// The mapping `id`, with its stub's id.
fn find(shared: &Shared, id: &str) -> Option<(StubId, Value)> {
    stored(shared)
        .into_iter()
        .find(|(_, source)| id_of(source).as_deref() == Some(id))
}

pub(super) fn id_of(source: &Value) -> Option<String> {
    source.get("id").and_then(Value::as_str).map(str::to_owned)
}

fn list(shared: &Shared, query: &Query) -> AdminAnswer {
    let all: Vec<Value> = stored(shared).into_iter().map(|(_, s)| s).collect();
    let total = all.len();
    let offset: usize = query
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(usize::MAX);
    let page: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
    AdminAnswer::ok(json!({"mappings": page, "meta": {"total": total}}))
}

/// A new mapping id: a random UUID (version 4), from the server's seeded sequence.
fn new_id(shared: &Shared) -> String {
    let bytes: [u8; 16] = shared.random(None, |rng| rng.random());
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-{:x}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        (bytes[8] & 0x3) | 0x8,
        &hex[17..20],
        &hex[20..32]
    )
}

/// Mounts `mapping` as `id` (a new id if it has none), replacing a mapping of that id; returns
/// the stub's id and the mapping as stored.
pub(crate) fn mount(shared: &Shared, mapping: &Mapping) -> Result<(StubId, Value), MappingError> {
    Ok(mount_stub(shared, prepare(shared, mapping)?))
}

/// The stub of `mapping`, with its id (a new one if it has none).
pub(crate) fn prepare(shared: &Shared, mapping: &Mapping) -> Result<Stub, MappingError> {
    let id = mapping.id.clone().unwrap_or_else(|| new_id(shared));
    stub_of(mapping, &id, &shared.stubs.door)
}

/// Mounts the stub of a mapping, replacing the mapping of its id; returns the stub's id and the
/// mapping as stored.
pub(crate) fn mount_stub(shared: &Shared, stub: Stub) -> (StubId, Value) {
    let source = stub.source.as_deref().cloned().unwrap_or(Value::Null);
    if let Some(id) = id_of(&source)
        && let Some((old, _)) = find(shared, &id)
    {
        shared.stubs.unmount(&old);
    }
    let mounted = shared.stubs.mount(stub);
    (StubId::clone(&mounted.id), source)
}

fn create(shared: &Shared, body: &[u8]) -> AdminAnswer {
    let value = match json_body(body) {
        Ok(value) => value,
        Err(refused) => return refused,
    };
    match Mapping::parse(&value).and_then(|mapping| mount(shared, &mapping)) {
        Ok((_, source)) => AdminAnswer {
            status: 201,
            body: Some(source),
        },
        Err(error) => AdminAnswer::refused(&error),
    }
}

fn edit(shared: &Shared, id: &str, body: &[u8]) -> AdminAnswer {
    if find(shared, id).is_none() {
        return AdminAnswer::status(404);
    }
    let mut value = match json_body(body) {
        Ok(value) => value,
        Err(refused) => return refused,
    };
    if let Value::Object(members) = &mut value {
        members.insert("id".to_owned(), Value::String(id.to_owned()));
        members.remove("uuid");
    }
    match Mapping::parse(&value).and_then(|mapping| mount(shared, &mapping)) {
        Ok((_, source)) => AdminAnswer::ok(source),
        Err(error) => AdminAnswer::refused(&error),
    }
}

/// Unmounts the mapped stubs whose mappings `remove` picks.
fn remove_where(shared: &Shared, remove: impl Fn(&Value) -> bool) {
    for (id, source) in stored(shared) {
        if remove(&source) {
            shared.stubs.unmount(&id);
        }
    }
}

/// Back to the mappings loaded from files (none, if none were).
pub(super) fn reset_to_defaults(shared: &Shared) {
    remove_where(shared, |_| true);
    for mapping in shared.stubs.door.defaults() {
        // They mounted once; a refusal now could only be a bug, and is logged.
        if let Err(error) = mount(shared, &mapping) {
            tracing::warn!(%error, "a default mapping no longer mounts");
        }
    }
}

/// Writes every mapping to the root directory's `mappings/`, one file each, as WireMock's
/// `save`; refused without a root directory.
fn save(shared: &Shared) -> AdminAnswer {
    let Some(dir) = shared.stubs.door.mappings_dir() else {
        return AdminAnswer::not_found(
            "no root directory to save the mappings in: start with --root-dir".to_owned(),
        );
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return AdminAnswer::not_found(format!("cannot create {}: {e}", dir.display()));
    }
    for (_, source) in stored(shared) {
        let Some(id) = id_of(&source) else { continue };
        let text = serde_json::to_vec_pretty(&source).unwrap_or_default();
        if let Err(e) = std::fs::write(dir.join(format!("{id}.json")), text) {
            return AdminAnswer::not_found(format!("cannot write to {}: {e}", dir.display()));
        }
    }
    AdminAnswer::status(200)
}

fn import(shared: &Shared, body: &[u8]) -> AdminAnswer {
    let members = match object(body) {
        Ok(members) => members,
        Err(refused) => return refused,
    };
    let listed = match members.get("mappings") {
        Some(Value::Array(listed)) => listed.clone(),
        _ => {
            return AdminAnswer::refused(&MappingError {
                pointer: "/mappings".to_owned(),
                detail: "an import is {\"mappings\": [...]}".to_owned(),
            });
        }
    };
    let options = members.get("importOptions").cloned().unwrap_or(Value::Null);
    let ignore_duplicates =
        options.get("duplicatePolicy").and_then(Value::as_str) == Some("IGNORE");
    let delete_others = options
        .get("deleteAllNotInImport")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut parsed = Vec::new();
    for (i, value) in listed.iter().enumerate() {
        match Mapping::parse(value) {
            Ok(mapping) => parsed.push(mapping),
            Err(mut error) => {
                error.pointer = format!("/mappings/{i}{}", error.pointer);
                return AdminAnswer::refused(&error);
            }
        }
    }
    if delete_others {
        let keep: BTreeSet<String> = parsed.iter().filter_map(|m| m.id.clone()).collect();
        remove_where(shared, |source| {
            !id_of(source).is_some_and(|id| keep.contains(&id))
        });
    }
    for mapping in &parsed {
        let exists = mapping
            .id
            .as_deref()
            .is_some_and(|id| find(shared, id).is_some());
        if exists && ignore_duplicates {
            continue;
        }
        if let Err(error) = mount(shared, mapping) {
            return AdminAnswer::refused(&error);
        }
    }
    AdminAnswer::status(200)
}

/// The value pattern a metadata query is (`find-by-metadata`, `remove-by-metadata` of mappings
/// and of requests).
pub(super) fn metadata_pattern(body: &[u8]) -> Result<Compiled, AdminAnswer> {
    let value = json_body(body)?;
    ValuePattern::parse(&value, "")
        .and_then(|pattern| Compiled::new(&pattern, ""))
        .map_err(|e| AdminAnswer::refused(&e))
}

/// Whether the `metadata` of mapping `source` (null if none) matches `pattern`.
pub(super) fn metadata_matches(pattern: &Compiled, source: &Value) -> bool {
    let metadata = source.get("metadata").cloned().unwrap_or(Value::Null);
    pattern.test(Some(metadata.to_string().as_bytes()))
}

/// `GET /__admin/scenarios`: each scenario its stubs name, with its state and the states its
/// stubs know.
pub(super) fn scenarios(shared: &Shared) -> AdminAnswer {
    let mapped = mounted(shared);
    let mut names: Vec<String> = Vec::new();
    for (m, _) in &mapped {
        if let Some(step) = &m.stub.scenario
            && !names.contains(&step.scenario)
        {
            names.push(step.scenario.clone());
        }
    }
    let scenarios: Vec<Value> = names
        .iter()
        .map(|name| {
            let mut states = vec![STARTED.to_owned()];
            let mut mappings = Vec::new();
            for (m, source) in &mapped {
                let Some(step) = m.stub.scenario.as_ref().filter(|s| s.scenario == *name) else {
                    continue;
                };
                for state in [&step.required, &step.next].into_iter().flatten() {
                    if !states.contains(state) {
                        states.push(state.clone());
                    }
                }
                mappings.push(source.clone());
            }
            let state = shared.stubs.scenarios(|s| s.state(name).to_owned());
            json!({"id": name, "name": name, "state": state, "possibleStates": states, "mappings": mappings})
        })
        .collect();
    AdminAnswer::ok(json!({"scenarios": scenarios}))
}

/// `PUT /__admin/scenarios/{name}/state` with `{"state": "..."}` (no body: back to Started).
pub(super) fn set_state(shared: &Shared, name: &str, body: &[u8]) -> AdminAnswer {
    let known = mounted(shared)
        .iter()
        .any(|(m, _)| m.stub.scenario.as_ref().is_some_and(|s| s.scenario == name));
    if !known {
        return AdminAnswer::not_found(format!("Scenario {name} does not exist"));
    }
    let state = if body.is_empty() {
        STARTED.to_owned()
    } else {
        match object(body) {
            Ok(members) => match members.get("state").and_then(Value::as_str) {
                Some(state) => state.to_owned(),
                None => STARTED.to_owned(),
            },
            Err(refused) => return refused,
        }
    };
    shared.stubs.scenarios(|s| s.set(name, &state));
    AdminAnswer::status(200)
}
