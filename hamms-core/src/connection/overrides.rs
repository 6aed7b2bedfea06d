//! A request's overrides of a mode's parameters (`?status=503`, or the same in a form body), and
//! where a refused one was, for the 400 that names it.

use crate::engine::{Configured, ForRequest, FromParams};
use crate::error::Invalid;
use crate::history::Request;
use crate::http1::{Location, WireResponse};

/// A request's override that the mode refused, and where it was: the query string or the form
/// body.
#[derive(Debug)]
pub(crate) struct RefusedOverride {
    pub(crate) location: Location,
    pub(crate) error: Invalid,
}

impl RefusedOverride {
    /// The key the refusal is about: the parameter, or the misspelt key.
    pub(crate) fn name(&self) -> &str {
        self.error.param().unwrap_or("query")
    }
}

/// `typed`, the part of `configured`'s typed parameters a mode reads, for `request` (its query
/// and form pairs): borrowed as it is for a request with none.
pub(crate) fn overrides<'t, T: FromParams + Clone>(
    request: &Request,
    configured: &Configured,
    typed: &'t T,
) -> Result<ForRequest<'t, T>, RefusedOverride> {
    let pairs = request.parameters();
    configured
        .for_request(typed, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|error| {
            // Pairs are read query first, and the first occurrence of a key is the one used.
            let named = error.param().unwrap_or("query");
            let in_query = request.query.iter().any(|(key, _)| key == named);
            RefusedOverride {
                location: if in_query {
                    Location::QueryString
                } else {
                    Location::Body
                },
                error,
            }
        })
}

/// Why `request` may not be served under `configured`, a mode that reads no parameters from
/// requests (the fixture): it tries to set one fixed at start. Only a request that names a
/// declared parameter costs more than a look at its keys.
pub(crate) fn refused_fixed(request: &Request, configured: &Configured) -> Option<RefusedOverride> {
    if !request.any_parameter_key(|key| configured.declares(key)) {
        return None;
    }
    overrides(request, configured, &()).err()
}

/// The 400 that answers a request whose parameters are invalid: it names the parameter (or
/// the misspelt key), its valid range, and where it was (the query string or the form body).
pub(crate) fn bad_parameter(error: &Invalid, location: Location) -> WireResponse {
    WireResponse::error(
        400,
        location,
        error.param().unwrap_or("query"),
        &error.to_string(),
    )
}

/// Properties of reading a request's parameters (see `check.rs` for seeds and case counts).
#[cfg(test)]
mod properties {

    use http::{HeaderName, HeaderValue};
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;
    use crate::Behavior;
    use crate::catalog::{ModeSpec, modes as catalog};
    use crate::check::check;
    use crate::engine::{Model, model};

    /// The typed defaults of `mode`.
    fn configured(mode: &ModeSpec) -> Configured {
        let behavior = Behavior::mode(mode.name()).expect("a catalog mode");
        match model(&behavior) {
            Model::Mode(configured) => configured.clone(),
            Model::Proxy(_) => unreachable!("a catalog mode is a mode"),
        }
    }

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
    fn a_request() -> impl Strategy<Value = (&'static ModeSpec, String, String, Vec<u8>)> {
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
            let mut headers = Vec::new();
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                headers.push((HeaderName::from_static("content-type"), value));
            }
            let request = Request {
                headers,
                ..Request::for_test("POST", &target, &[], &body)
            };
            let pairs = request.parameters();
            prop_assert!(pairs.len() >= request.query.len());
            let configured = configured(mode);
            if let Err(refused) = overrides(&request, &configured, &()) {
                let in_query = request.query.iter().any(|(k, _)| k == refused.name());
                let in_form = pairs[request.query.len()..]
                    .iter()
                    .any(|(k, _)| k == refused.name());
                match refused.location {
                    Location::QueryString => prop_assert!(in_query),
                    Location::Body => prop_assert!(in_form && !in_query),
                    other => prop_assert!(false, "location {other:?}"),
                }
                prop_assert!(!refused.error.to_string().is_empty());
            }
            Ok(())
        });
    }
}
