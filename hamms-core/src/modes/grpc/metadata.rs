//! A call's overrides of its mode's parameters: its `hamms-<parameter>` metadata.

use http::{HeaderName, HeaderValue};

/// The prefix of the request metadata that sets a gRPC mode's parameters for one call.
const PREFIX: &str = "hamms-";

/// The parameters a call's metadata sets, as key/value pairs for
/// [`Configured::for_request`](crate::engine::Configured::for_request): `hamms-code: NOT_FOUND`
/// is `code`, and `hamms-interval-ms` (or `hamms-interval_ms`) is `interval_ms`, since
/// metadata names are often written with dashes. Other metadata is the application's, and
/// ignored; a value that is not text is kept as its lossy text, so that it is refused by name.
pub(crate) fn overrides<'a>(
    headers: impl IntoIterator<Item = (&'a HeaderName, &'a HeaderValue)>,
) -> Vec<(String, String)> {
    headers
        .into_iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix(PREFIX)?;
            Some((
                key.replace('-', "_"),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::*;

    #[test]
    fn hamms_metadata_names_parameters_with_dashes_or_underscores() {
        let mut headers = HeaderMap::new();
        headers.insert("hamms-code", "NOT_FOUND".parse().unwrap());
        headers.insert("hamms-interval-ms", "50".parse().unwrap());
        headers.insert("hamms-after_ms", "5".parse().unwrap());
        headers.insert("x-request-id", "abc".parse().unwrap());
        let pairs = overrides(&headers);
        assert_eq!(
            pairs,
            [
                ("code".to_owned(), "NOT_FOUND".to_owned()),
                ("interval_ms".to_owned(), "50".to_owned()),
                ("after_ms".to_owned(), "5".to_owned()),
            ]
        );
    }
}
