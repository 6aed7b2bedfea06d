//! A request's overrides of a mode's parameters (`?status=503`, or the same in a form body), and
//! where a refused one was, for the 400 that names it.

use std::borrow::Cow;

use crate::error::Error;
use crate::history::Request;
use crate::params::Params;

/// A request's override that [`Params::overridden_by`] refused, and where it was:
/// `querystring` or `body`.
#[derive(Debug)]
pub(crate) struct RefusedOverride {
    pub(crate) location: &'static str,
    pub(crate) error: Error,
}

impl RefusedOverride {
    /// The key the refusal is about.
    pub(crate) fn name(&self) -> &str {
        named(&self.error)
    }
}

/// The request key a refusal of [`Params::overridden_by`] is about: the parameter, or the
/// misspelt key.
pub(crate) fn named(error: &Error) -> &str {
    match error {
        Error::InvalidParam { param, .. } => param,
        Error::UnknownParam { param, .. } => param,
        _ => "query",
    }
}

/// `params` overridden by `request`'s query and form pairs; `params` themselves (no copy) for a
/// request with none.
pub(crate) fn overrides<'p>(
    request: &Request,
    params: &'p Params,
) -> Result<Cow<'p, Params>, RefusedOverride> {
    let pairs = request.parameters();
    if pairs.is_empty() {
        return Ok(Cow::Borrowed(params));
    }
    params
        .overridden_by(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map(Cow::Owned)
        .map_err(|error| {
            // Pairs are read query first, and the first occurrence of a key is the one used.
            let in_query = request.query.iter().any(|(key, _)| key == named(&error));
            RefusedOverride {
                location: if in_query { "querystring" } else { "body" },
                error,
            }
        })
}

/// Why `request` may not be served under `params` of a server that reads no parameters from
/// requests (the fixture): it tries to set one fixed at start. Only a request that names a
/// declared parameter costs more than a look at its keys.
pub(crate) fn refused_fixed(request: &Request, params: &Params) -> Option<RefusedOverride> {
    let declared = |key: &str| params.mode().params().iter().any(|p| p.name() == key);
    if !request.any_parameter_key(declared) {
        return None;
    }
    overrides(request, params).err()
}

/// Properties of reading a request's parameters (see `check.rs` for seeds and case counts).
#[cfg(test)]
mod properties {
    use std::time::Instant;

    use http::{HeaderName, HeaderValue, Method, Version};
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;
    use crate::catalog::catalog;
    use crate::check::check;

    /// Query strings and form bodies: parameters' names, near misses, percent escapes (valid
    /// and not), separators, and any characters.
    fn encoded_pairs() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            select(
                &[
                    "status", "statuss", "Status", "seed", "tls", "sleep", "size", "key", "=", "&",
                    "&&", "==", "%", "%2", "%20", "%ZZ", "%C3%A9", "%FF", "+", "?", "#", "500",
                    "abc", "-1", "1e9",
                ][..]
            )
            .prop_map(str::to_owned),
            "(?s).{0,6}",
        ];
        proptest::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat())
    }

    /// A request for any catalog mode: target, content type and body.
    fn a_request() -> impl Strategy<Value = (&'static crate::ModeSpec, String, String, Vec<u8>)> {
        let content_type = select(
            &[
                "application/x-www-form-urlencoded",
                "APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8",
                "text/plain",
                "",
            ][..],
        );
        (
            select(catalog().iter().collect::<Vec<_>>()),
            prop_oneof![
                encoded_pairs().prop_map(|q| format!("/?{q}")),
                encoded_pairs().prop_map(|q| format!("http://h{q}")),
                "(?s).{0,12}",
            ],
            content_type.prop_map(str::to_owned),
            prop_oneof![
                encoded_pairs().prop_map(String::into_bytes),
                proptest::collection::vec(any::<u8>(), 0..16)
            ],
        )
    }

    #[test]
    fn reading_parameters_never_panics_and_locates_every_refusal() {
        check(1000, a_request(), |(mode, target, content_type, body)| {
            let (path, query) = Request::split_target(&target);
            let mut headers = Vec::new();
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                headers.push((HeaderName::from_static("content-type"), value));
            }
            let request = Request {
                method: Method::POST,
                target: target.clone(),
                path,
                query,
                version: Version::HTTP_11,
                headers,
                body_len: body.len() as u64,
                body,
                peer: ([127, 0, 0, 1], 1).into(),
                connection: 0,
                received_at: Instant::now(),
            };
            let pairs = request.parameters();
            prop_assert!(pairs.len() >= request.query.len());
            if let Err(refused) = overrides(&request, &Params::defaults(mode)) {
                let in_query = request.query.iter().any(|(k, _)| k == refused.name());
                let in_form = pairs[request.query.len()..]
                    .iter()
                    .any(|(k, _)| k == refused.name());
                match refused.location {
                    "querystring" => prop_assert!(in_query),
                    "body" => prop_assert!(in_form && !in_query),
                    other => prop_assert!(false, "location {other}"),
                }
                prop_assert!(!refused.error.to_string().is_empty());
            }
            Ok(())
        });
    }
}
