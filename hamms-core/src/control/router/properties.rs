//! Properties of the control API's routes (see `check.rs` for seeds and case counts): whatever
//! method, path and body arrive, the answer is a success or an error (Vaurien's or Toxiproxy's
//! shape) naming the problem, with a JSON body, and never a panic. Driven through `answer`, on a
//! fixture and a proxy in front of it, given to the control API as a test would.

use std::sync::Arc;

use http_body_util::BodyExt;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

use super::*;
use crate::catalog::{ModeSpec, ParamKind};
use crate::check::check;
use crate::control::registry::{Controlled, Origin};
use crate::server::FaultServer;
use hamms_catalog::Presets;

/// Options that no behavior takes, and malformed names.
const JUNK: &[&str] = &["nope", "", ".", "name.", "delay.", ".sleep", "Sleep"];

/// A JSON number, string, boolean or null, with the values options take among them.
fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (0u32..2000).prop_map(Value::from),
        select(&["0.5", "abc", "upstream", "-1", "1e400", "true", "request"][..])
            .prop_map(Value::from),
        "(?s).{0,6}".prop_map(Value::String),
    ]
}

/// A JSON value that a parameter of `kind` accepts.
fn valid_json(kind: ParamKind) -> BoxedStrategy<Value> {
    match kind {
        ParamKind::Millis { max } => (0..=max).prop_map(Value::from).boxed(),
        ParamKind::Integer { min, max } => (min..=max).prop_map(Value::from).boxed(),
        ParamKind::Seconds { max } => (0.0..=max).prop_map(Value::from).boxed(),
        ParamKind::Probability => (0.0..=1.0f64).prop_map(Value::from).boxed(),
        ParamKind::Text { .. } => "[a-z]{0,8}".prop_map(Value::String).boxed(),
        ParamKind::Choice { choices } => select(choices).prop_map(Value::from).boxed(),
        ParamKind::Flag => any::<bool>().prop_map(Value::Bool).boxed(),
        _ => json_leaf().boxed(),
    }
}

/// Any JSON value, nested a little.
fn json() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            proptest::collection::vec(("[a-z]{0,4}", inner), 0..3)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// A `PUT .../behavior` body for a server of the kind `specs` are (catalog modes, or proxy
/// stages): one of them by name, perhaps written with options, perhaps stacked or mixed, and
/// options it takes or not, with any JSON values; else any JSON, or any bytes.
fn a_body(specs: &'static [ModeSpec]) -> impl Strategy<Value = Vec<u8>> {
    let spec = select(specs.iter().collect::<Vec<_>>());
    let object = (spec, select(JUNK), any::<bool>()).prop_flat_map(move |(spec, junk, staged)| {
        let key = |name: &str| {
            if staged {
                format!("{}.{name}", spec.name())
            } else {
                name.to_owned()
            }
        };
        // Each of its options, with a value it takes, else any value; and one it does not take.
        let mut options: Vec<BoxedStrategy<Option<(String, Value)>>> = spec
            .params()
            .iter()
            .map(|p| {
                let value = prop_oneof![4 => valid_json(p.kind()), 1 => json()];
                proptest::option::weighted(0.4, (Just(key(p.name())), value)).boxed()
            })
            .collect();
        options.push(proptest::option::weighted(0.2, (Just(junk.to_owned()), json())).boxed());
        let name = prop_oneof![
            6 => Just(Value::from(spec.name())),
            1 => select(&["20:delay,80:dummy", "latency+bandwidth", "delay(sleep=0.5)", "blakout", "(", "down+latency"][..])
                .prop_map(Value::from),
            1 => json(),
        ];
        (proptest::option::weighted(0.9, name), options)
    });
    let object = object.prop_map(|(name, options)| {
        let mut fields: Map<String, Value> = options.into_iter().flatten().collect();
        if let Some(name) = name {
            fields.insert("name".to_owned(), name);
        }
        Value::Object(fields).to_string().into_bytes()
    });
    prop_oneof![
        6 => object,
        1 => json().prop_map(|v| v.to_string().into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..32),
    ]
}

/// A request to the routes: mostly `PUT .../behavior` with a body for that server's kind, else
/// any route for either server or none, else segments of them and anything else.
fn a_request() -> impl Strategy<Value = (Method, String, Vec<u8>)> {
    let modes = crate::catalog::modes();
    let stages = crate::catalog::proxy_behaviors();
    let put = |path: &'static str, specs| {
        a_body(specs).prop_map(move |body| (Method::PUT, path.to_owned(), body))
    };
    let server = select(&["", "/servers/fixture", "/servers/proxy", "/servers/nope"][..]);
    let route = select(&["behavior", "behaviors", "history", "reset", "servers"][..]);
    let segment = prop_oneof![
        4 => select(&["servers", "fixture", "proxy", "behavior", "history", ""][..])
            .prop_map(str::to_owned),
        1 => "[^/]{0,6}",
    ];
    let path = prop_oneof![
        3 => (server, route).prop_map(|(server, route)| format!("{server}/{route}")),
        1 => proptest::collection::vec(segment, 0..4)
            .prop_map(|segments| format!("/{}", segments.join("/"))),
    ];
    prop_oneof![
        2 => put("/behavior", modes),
        2 => put("/servers/fixture/behavior", modes),
        3 => put("/servers/proxy/behavior", stages),
        1 => put("/servers/proxy/behavior", modes),
        3 => (a_method(), path, a_body(modes)),
    ]
}

/// Mostly the methods the routes take.
fn a_method() -> impl Strategy<Value = Method> {
    prop_oneof![
        4 => Just(Method::PUT),
        2 => Just(Method::GET),
        1 => select(vec![
            Method::POST,
            Method::DELETE,
            Method::PATCH,
            Method::HEAD,
            Method::from_bytes(b"BREW").expect("a token"),
        ]),
    ]
}

#[test]
fn every_request_to_the_control_api_gets_an_answer_never_a_panic() {
    let backend = Arc::new(FaultServer::fixture().start().expect("start a fixture"));
    let proxy = Arc::new(
        FaultServer::proxy(backend.addr().to_string())
            .start()
            .expect("start a proxy"),
    );
    let registry = Arc::new(Registry::new(
        [("fixture", &backend), ("proxy", &proxy)]
            .into_iter()
            .map(|(name, server)| {
                Controlled::new(
                    name.to_owned(),
                    Arc::clone(server),
                    Presets::default(),
                    Origin::Given,
                )
            })
            .collect(),
        Some(7),
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    check(500, a_request(), |(method, path, body)| {
        let answer = runtime.block_on(route(&registry, &method, &path, "", &body));
        let status = answer.status();
        prop_assert!(
            status.is_success()
                || [
                    StatusCode::BAD_REQUEST,
                    StatusCode::NOT_FOUND,
                    StatusCode::METHOD_NOT_ALLOWED,
                    StatusCode::CONFLICT,
                ]
                .contains(&status),
            "{status}"
        );
        let body = runtime
            .block_on(answer.into_body().collect())
            .expect("a full body")
            .to_bytes();
        if status != StatusCode::NO_CONTENT && !path.starts_with("/metrics") {
            let value: Value = serde_json::from_slice(&body).expect("a JSON answer");
            prop_assert!(value.is_object(), "{value}");
        }
        Ok(())
    });
    // Both still answer their routes.
    for name in ["fixture", "proxy"] {
        let path = format!("/servers/{name}/behavior");
        let answer = runtime.block_on(route(&registry, &Method::GET, &path, "", b""));
        assert!(answer.status().is_success(), "{name}");
    }
}
