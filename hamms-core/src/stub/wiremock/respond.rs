//! A WireMock response definition as a stub's answer: a fault of the catalog (WireMock's four
//! by their names, any mode by its own), a forwarding (`proxyBaseUrl`), or a response built
//! for each request (templates, files, delays, dribbles), with the webhooks it sends.

use std::sync::Arc;
use std::time::Duration;

use hamms_catalog::wiremock::{
    Body, Distribution, MappingError, ResponseDefinition, WIREMOCK_FAULTS, Webhook,
};
use http::{HeaderName, HeaderValue, Method};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

use super::door::Door;
use super::template::render;
use crate::Behavior;
use crate::fixture::{Delay, Response};
use crate::history::Request;
use crate::http1::{Target, client};
use crate::stub::answer::{Answer, Forwarding, Matched};

/// The answer of `definition`, with `webhooks` sent after each answer.
///
/// # Errors
/// A [`MappingError`] for what the engine refuses: a fault that cannot answer a request, a
/// proxy URL it cannot forward to, a header it cannot send.
pub(crate) fn answer_of(
    definition: &ResponseDefinition,
    webhooks: Vec<Webhook>,
    door: &Arc<Door>,
) -> Result<Answer, MappingError> {
    let refused = |pointer: &str, detail: String| MappingError {
        pointer: pointer.to_owned(),
        detail,
    };
    if let Some(fault) = &definition.fault {
        let mode = WIREMOCK_FAULTS
            .iter()
            .find(|(name, _)| name == fault)
            .map_or(fault.as_str(), |(_, mode)| *mode);
        let behavior =
            Behavior::mode(mode).map_err(|e| refused("/response/fault", e.to_string()))?;
        return Answer::try_fault(behavior).map_err(|e| refused("/response/fault", e.to_string()));
    }
    if let Some(base) = &definition.proxy_base_url {
        let target = Target::parse(base).map_err(|e| refused("/response/proxyBaseUrl", e))?;
        let add_headers = definition
            .additional_proxy_request_headers
            .iter()
            .map(|(n, v)| header(n, v))
            .collect::<Result<_, _>>()
            .map_err(|e| refused("/response/additionalProxyRequestHeaders", e))?;
        let remove_headers = definition
            .remove_proxy_request_headers
            .iter()
            .map(|n| HeaderName::from_bytes(n.as_bytes()).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()
            .map_err(|e| refused("/response/removeProxyRequestHeaders", e))?;
        return Ok(Answer::forwarding(Forwarding {
            target,
            strip_prefix: definition.proxy_url_prefix_to_remove.clone(),
            add_headers,
            remove_headers,
        }));
    }
    for (name, value) in &definition.headers {
        if !definition.templated {
            header(name, value).map_err(|e| refused("/response/headers", e))?;
        }
    }
    let definition = definition.clone();
    let door = Arc::clone(door);
    Ok(Answer::compute(move |matched: &Matched<'_>| {
        let parameters = matched.captures().to_vec();
        let templated = definition.templated || door.global_templating();
        let response = respond(&definition, &door, matched, &parameters, templated);
        for webhook in &webhooks {
            send_webhook(webhook, matched, &parameters);
        }
        response
    }))
}

/// The response to one request.
fn respond(
    definition: &ResponseDefinition,
    door: &Door,
    request: &Request,
    parameters: &[(String, String)],
    templated: bool,
) -> Response {
    let text = |template: &str| {
        if templated {
            render(template, request, parameters)
        } else {
            template.to_owned()
        }
    };
    let mut response = Response::status(definition.status);
    if let Some(reason) = &definition.status_message {
        response = response.reason(reason.replace(|c: char| c.is_control(), " "));
    }
    for (name, value) in &definition.headers {
        match header(name, &text(value)) {
            Ok((name, value)) => response = response.header(name, value),
            Err(e) => {
                return Response::status(500).text(format!(
                    "hamms: the mapping's header `{name}` cannot be sent: {e}"
                ));
            }
        }
    }
    let body: Vec<u8> = match &definition.body {
        None => Vec::new(),
        Some(Body::Text(template)) => text(template).into_bytes(),
        Some(Body::Json(json)) => text(&json.to_string()).into_bytes(),
        Some(Body::Bytes(bytes)) => bytes.clone(),
        Some(Body::File(name)) => {
            let file = door.file(name);
            match file.as_deref().map(std::fs::read) {
                Some(Ok(bytes)) if templated => text(&String::from_utf8_lossy(&bytes)).into_bytes(),
                Some(Ok(bytes)) => bytes,
                Some(Err(e)) => {
                    return Response::status(500).text(format!(
                        "hamms: the mapping's bodyFileName `{name}` cannot be read: {e}"
                    ));
                }
                None => {
                    return Response::status(500).text(format!(
                        "hamms: the mapping's bodyFileName `{name}` is not under the root directory's __files/ (start with --root-dir)"
                    ));
                }
            }
        }
    };
    let length = body.len();
    response = response.body(body);
    if let Some(delay) = delay(definition, door) {
        response = response.delay(delay);
    }
    if let Some((chunks, total)) = definition.chunked_dribble {
        let chunks = chunks.max(1) as usize;
        response = response
            .chunk_size(length.div_ceil(chunks).max(1))
            .chunk_delay(Duration::from_millis(total) / chunks as u32);
    }
    response
}

/// The answer's delay: the mapping's own (a distribution, else a fixed one), else the global
/// `fixedDelay`.
fn delay(definition: &ResponseDefinition, door: &Door) -> Option<Delay> {
    if let Some(distribution) = definition.delay_distribution {
        return Some(delay_of(distribution));
    }
    definition
        .fixed_delay_ms
        .or_else(|| door.fixed_delay_ms())
        .map(|fixed| Delay::fixed(Duration::from_millis(fixed)))
}

/// WireMock's delay distribution (in milliseconds) as a delay.
fn delay_of(distribution: Distribution) -> Delay {
    let ms = Duration::from_millis;
    match distribution {
        Distribution::Fixed(fixed) => Delay::fixed(ms(fixed)),
        Distribution::Uniform { lower, upper } => Delay::uniform(ms(lower), ms(upper)),
        Distribution::LogNormal { median, sigma } => {
            Delay::log_normal(Duration::from_secs_f64(median / 1000.0), sigma)
        }
    }
}

fn header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), String> {
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
    let value = HeaderValue::from_str(value).map_err(|e| e.to_string())?;
    Ok((name, value))
}

/// Sends `webhook` for `request`, after its delay, on hamms' runtime; what answers is not read
/// further than the whole answer, and a failure only logged. A webhook is always a template, as
/// WireMock's.
fn send_webhook(webhook: &Webhook, request: &Request, parameters: &[(String, String)]) {
    let text = |template: &str| render(template, request, parameters);
    let url = text(&webhook.url);
    let target = match Target::parse(&url) {
        Ok(target) => target,
        Err(reason) => {
            tracing::warn!(%url, "webhook not sent: {reason}");
            return;
        }
    };
    let method =
        Method::from_bytes(webhook.method.to_ascii_uppercase().as_bytes()).unwrap_or(Method::POST);
    let headers: Vec<(HeaderName, HeaderValue)> = webhook
        .headers
        .iter()
        .filter_map(|(n, v)| header(n, &text(v)).ok())
        .collect();
    let body = webhook.body.as_deref().map(text).unwrap_or_default();
    let wait = webhook.delay.map_or(Duration::ZERO, |d| {
        // Seeded by the request's arrival: the draw is the request's own.
        let seed = request.received_at.elapsed().subsec_nanos().into();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        delay_of(d).draw(&mut rng)
    });
    let path = if target.path.is_empty() {
        "/".to_owned()
    } else {
        target.path.clone()
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        tokio::time::sleep(wait).await;
        if let Err(reason) =
            client::send(&target.authority, &method, &path, &headers, body.as_bytes()).await
        {
            tracing::warn!(%url, "webhook failed: {reason}");
        }
    });
}
