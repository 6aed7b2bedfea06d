//! WireMock's response templates (`response-template`): Handlebars over the request, as
//! WireMock's model names its parts (`request.path`, `request.pathSegments.[0]`,
//! `request.query.page`, `request.headers.X-Request-Id`, `request.cookies.session`,
//! `request.body`, `request.method`, `request.url`), with the `jsonPath` helper
//! (`{{jsonPath request.body '$.id'}}`). Values are not HTML-escaped: answers are JSON and text.

use std::sync::OnceLock;

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason, no_escape,
};
use serde_json::{Map, Value, json};
use serde_json_path::JsonPath;

use super::request::{cookies, url_of};
use crate::history::Request;
use crate::http1::title_case;

/// The registry: no escaping, the `jsonPath` helper, and non-strict lookups (a missing field
/// renders empty, as in WireMock).
fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = Handlebars::new();
        registry.register_escape_fn(no_escape);
        registry.register_helper("jsonPath", Box::new(json_path));
        registry
    })
}

/// `{{jsonPath <json text> '<expression>'}}`: the first value the expression selects (a string
/// as it is, anything else as JSON), or nothing.
fn json_path(
    helper: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let document = helper
        .param(0)
        .map(|p| p.value().clone())
        .unwrap_or(Value::Null);
    let document = match document {
        Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        other => other,
    };
    let expression = helper
        .param(1)
        .and_then(|p| p.value().as_str().map(str::to_owned))
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("jsonPath", 1))?;
    let path = JsonPath::parse(&expression)
        .map_err(|e| RenderErrorReason::Other(format!("`{expression}` is not JSONPath: {e}")))?;
    if let Some(found) = path.query(&document).all().first() {
        match found {
            Value::String(s) => out.write(s)?,
            other => out.write(&other.to_string())?,
        }
    }
    Ok(())
}

/// Renders `template` against `request`; a template that does not render is answered with its
/// error, so the test sees what is wrong.
pub(crate) fn render(
    template: &str,
    request: &Request,
    path_parameters: &[(String, String)],
) -> String {
    let context = json!({ "request": model(request, path_parameters) });
    registry()
        .render_template(template, &context)
        .unwrap_or_else(|e| format!("hamms: the response template does not render: {e}"))
}

/// One value, or a list when repeated.
fn one_or_many(values: Vec<String>) -> Value {
    match values.len() {
        1 => Value::String(values.into_iter().next().unwrap_or_default()),
        _ => Value::Array(values.into_iter().map(Value::String).collect()),
    }
}

/// The request as WireMock's templates see it.
fn model(request: &Request, path_parameters: &[(String, String)]) -> Value {
    let mut query: Map<String, Value> = Map::new();
    for (name, _) in &request.query {
        if query.contains_key(name) {
            continue;
        }
        let values: Vec<String> = request
            .query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect();
        query.insert(name.clone(), one_or_many(values));
    }
    let mut headers: Map<String, Value> = Map::new();
    for (name, _) in &request.headers {
        let values: Vec<String> = request
            .header_all(name.as_str())
            .map(str::to_owned)
            .collect();
        let value = one_or_many(values);
        // As sent, lowercase (HTTP/1.1 parses them so) and as WireMock's users write them.
        headers.insert(title_case(name.as_str()), value.clone());
        headers.insert(name.as_str().to_owned(), value);
    }
    let cookies: Map<String, Value> = cookies(request)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let segments: Vec<Value> = request
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.to_owned()))
        .collect();
    let parameters: Map<String, Value> = path_parameters
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let host = request.header("host").unwrap_or_default().to_owned();
    json!({
        "url": url_of(request),
        "path": request.path,
        "pathSegments": segments,
        "pathParameters": parameters,
        "query": query,
        "method": request.method.as_str(),
        "headers": headers,
        "cookies": cookies,
        "body": request.body_text(),
        "host": host,
        "scheme": if request.tls { "https" } else { "http" },
        "baseUrl": format!("{}://{host}", if request.tls { "https" } else { "http" }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stub::matchers::testing::request;

    #[test]
    fn templates_read_the_request_as_wiremock_names_its_parts() {
        let r = request(
            "POST",
            "/users/42/orders?page=2&tag=a&tag=b",
            &[("x-request-id", "r-7"), ("cookie", "session=s1")],
            br#"{"item": {"name": "book"}}"#,
        );
        let cases = [
            ("{{request.path}}", "/users/42/orders"),
            ("{{request.pathSegments.[1]}}", "42"),
            ("{{request.query.page}}", "2"),
            ("{{request.query.tag.[1]}}", "b"),
            ("{{request.headers.X-Request-Id}}", "r-7"),
            ("{{request.headers.x-request-id}}", "r-7"),
            ("{{request.cookies.session}}", "s1"),
            ("{{request.method}}", "POST"),
            ("{{request.url}}", "/users/42/orders?page=2&tag=a&tag=b"),
            ("{{jsonPath request.body '$.item.name'}}", "book"),
            ("<{{request.body}}>", r#"<{"item": {"name": "book"}}>"#),
            ("{{request.missing}}", ""),
        ];
        for (template, expected) in cases {
            assert_eq!(render(template, &r, &[]), expected, "{template}");
        }
        let id = [("id".to_owned(), "42".to_owned())];
        assert_eq!(render("{{request.pathParameters.id}}", &r, &id), "42");
        assert!(render("{{#if}}", &r, &[]).starts_with("hamms: the response template"));
    }
}
