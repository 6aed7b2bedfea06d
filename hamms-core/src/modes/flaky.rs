//! Answers that depend on history or chance: the retry counter and the fail rate.

use std::collections::BTreeMap;

use http::Method;
use rand::RngExt;
use serde_json::json;

use crate::connection::{After, BoxFuture, Conn, Served};
use crate::engine::{Configured, FailRate, RetryCounter};
use crate::history::Request;
use crate::http1::{Location, WireResponse};

/// Most distinct keys a server counts. A client inventing keys must not grow it without bound;
/// `POST /counter` resets.
const MAX_COUNTER_KEYS: usize = 10_000;

/// Per `key`, requests n, 2n, 3n... (n = `tries`) get 200 and the others 500 with
/// `tries_remaining`. `GET /counter` (or `/counters`) returns the counts; `POST /counter` with
/// `tries` sets the `key`'s failures to come, as Hamms does (`{"key":..,"tries_remaining":..}`),
/// and without it resets the `key` given in the query or form, or every key.
pub(crate) fn retry_counter<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    counter: &'a RetryCounter,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, counter) = conn.read_request_with(configured, counter).await?;
        let response = if matches!(request.path.as_str(), "/counter" | "/counters") {
            counters_route(conn, &request, &counter.typed)
        } else {
            count(conn, &counter.typed.key, counter.typed.tries)
        };
        conn.respond(&request, response).await
    })
}

/// The answer for a key no room is left for.
fn too_many_keys() -> WireResponse {
    WireResponse::error(
        400,
        Location::QueryString,
        "key",
        &format!(
            "this server already counts {MAX_COUNTER_KEYS} keys; reuse one, or reset them with POST /counter"
        ),
    )
}

/// Counts one request against `key`. A round of `tries` requests fails all but its last; a round
/// begins when the previous one ended (or when `POST /counter` set the failures to come).
fn count(conn: &Conn, key: &str, tries: u64) -> WireResponse {
    let remaining = {
        let Some(mut counters) = conn.shared().role.counters() else {
            return no_counters();
        };
        if counters.len() >= MAX_COUNTER_KEYS && !counters.contains_key(key) {
            return too_many_keys();
        }
        let counter = counters.entry(key.to_owned()).or_default();
        counter.seen += 1;
        // `tries` is at least 1 (the parameter's range), so a new round has one to take.
        let round = if counter.remaining == 0 {
            tries
        } else {
            counter.remaining
        };
        counter.remaining = round - 1;
        counter.remaining
    };
    if remaining == 0 {
        return WireResponse::json(
            200,
            &json!({"key": key, "tries_remaining": 0, "success": true}),
        );
    }
    let times = if remaining == 1 { "time" } else { "times" };
    WireResponse::json(
        500,
        &json!({
            "error": format!("The server had an error. Try again {remaining} more {times}"),
            "tries_remaining": remaining,
            "key": key,
            "success": false,
        }),
    )
}

/// What a server without counters (a proxy, which never runs modes) would answer.
fn no_counters() -> WireResponse {
    WireResponse::error(
        500,
        Location::Server,
        "counters",
        "this server keeps no counters: only catalog and fixture servers run retry_counter",
    )
}

fn counters_route(conn: &Conn, request: &Request, counter: &RetryCounter) -> WireResponse {
    let Some(mut counters) = conn.shared().role.counters() else {
        return no_counters();
    };
    let given = |name: &str| {
        request
            .parameters()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    };
    if request.method == Method::POST {
        let key = given("key");
        if given("tries").is_some() {
            // Hamms' `POST /counters?key=K&tries=N`: K's next N-1 requests fail, the N-th
            // succeeds. `counter` holds the validated `tries` and the `key` (or its default).
            let RetryCounter { key, tries } = counter;
            let (key, tries) = (key.as_str(), *tries);
            if counters.len() >= MAX_COUNTER_KEYS && !counters.contains_key(key) {
                return too_many_keys();
            }
            counters.entry(key.to_owned()).or_default().remaining = tries;
            return WireResponse::json(
                200,
                &json!({"key": key, "tries_remaining": tries, "success": true}),
            );
        }
        match key {
            Some(key) => {
                counters.remove(&key);
            }
            None => counters.clear(),
        }
    } else if request.method != Method::GET && request.method != Method::HEAD {
        return WireResponse::error(
            405,
            Location::Method,
            "method",
            "use GET /counter to read the counts, POST /counter to reset them (with `tries`: to set a key's tries)",
        )
        .header("Allow", "GET, HEAD, POST");
    }
    let seen: BTreeMap<&str, u64> = counters.iter().map(|(k, c)| (k.as_str(), c.seen)).collect();
    let remaining: BTreeMap<&str, u64> = counters
        .iter()
        .map(|(k, c)| (k.as_str(), c.remaining))
        .collect();
    WireResponse::json(
        200,
        &json!({"counters": seen, "tries_remaining": remaining, "success": true}),
    )
}

/// Drops the connection unanswered with probability `failrate`, drawn from the server's seeded
/// sequence (or the request's `?seed=`); otherwise 200 `{"success": true}`. Closes either way, as
/// Hamms does.
pub(crate) fn fail_rate<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    rate: &'a FailRate,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, rate) = conn.read_request_with(configured, rate).await?;
        let failrate = rate.typed.failrate;
        if conn.random(rate.seed, |rng| rng.random_bool(failrate)) {
            return Ok(After::Close);
        }
        let response =
            WireResponse::json(200, &json!({"success": true})).header("Connection", "close");
        conn.respond(&request, response).await
    })
}
