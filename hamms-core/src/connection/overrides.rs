//! A request's overrides of a mode's parameters (`?status=503`, or the same in a form body), and
//! where a refused one was, for the 400 that names it.

use crate::history::Request;
use crate::params::Params;

/// A request's override that [`Params::overridden_by`] refused: where it was (`querystring` or
/// `body`), its key, and why.
#[derive(Debug)]
pub(crate) struct RefusedOverride {
    pub(crate) location: &'static str,
    pub(crate) name: String,
    pub(crate) description: String,
}

/// `params` overridden by `request`'s query and form pairs.
pub(crate) fn overrides(request: &Request, params: &Params) -> Result<Params, RefusedOverride> {
    let pairs = request.parameters();
    params
        .overridden_by(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|error| {
            let name = match &error {
                crate::Error::InvalidParam { param, .. } => (*param).to_owned(),
                crate::Error::UnknownParam { param, .. } => param.clone(),
                _ => "query".to_owned(),
            };
            // Pairs are read query first, and the first occurrence of a key is the one used.
            let location = if request.query.iter().any(|(key, _)| *key == name) {
                "querystring"
            } else {
                "body"
            };
            RefusedOverride {
                location,
                name,
                description: error.to_string(),
            }
        })
}
