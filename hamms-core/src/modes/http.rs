//! Valid-looking HTTP with something wrong: a chosen status, a delay, a fat header, a content type
//! nobody asked for, bodies shorter than promised.

use super::body::after_body;
use super::content::{echo_headers, incomplete_document, unacceptable};
use crate::connection::{After, BoxFuture, Conn, Served};
use crate::engine::{Configured, ShortBody, Size, Sleep, Status};
use crate::http1::WireResponse;

/// Where `status` redirects: a URL on the same server that answers 200, so redirects terminate.
const REDIRECT_TARGET: &str = "/?status=200";

pub(crate) fn sleep<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    sleep: &'a Sleep,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, sleep) = conn.read_request_with(configured, sleep).await?;
        let wake = tokio::time::Instant::now() + sleep.typed.sleep;
        conn.pause_until(wake).await?;
        let response = WireResponse::json(200, &echo_headers(&request));
        conn.respond(&request, response).await
    })
}

pub(crate) fn status<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    status: &'a Status,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, status) = conn.read_request_with(configured, status).await?;
        let code = status.typed.status;
        let after = conn.respond(&request, status_response(code)).await?;
        // A 1xx is interim: a client waits for the final response, which never comes.
        Ok(if code < 200 { After::Close } else { after })
    })
}

/// httpbin's `/status/<code>`: the headers each status calls for, empty bodies otherwise.
fn status_response(code: u16) -> WireResponse {
    let response = WireResponse::new(code);
    match code {
        301 | 302 | 303 | 305 | 307 | 308 => response.header("Location", REDIRECT_TARGET),
        401 => response.header("WWW-Authenticate", "Basic realm=\"Fake Realm\""),
        407 => response.header("Proxy-Authenticate", "Basic realm=\"Fake Realm\""),
        418 => response
            .header("x-more-info", "http://tools.ietf.org/html/rfc2324")
            .body(TEAPOT),
        _ => response,
    }
}

const TEAPOT: &str = "\n    -=[ teapot ]=-\n\n       _...._\n     .'  _ _ `.\n    | .\"` ^ `\". _,\n    \\_;`\"---\"`|//\n      |       ;/\n      \\_     _/\n        `\"\"\"`\n";

/// A 302 back to the very URL that was asked for, forever.
pub(crate) fn redirect_loop<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, _) = conn.read_request_with(configured, &()).await?;
        let response = WireResponse::new(302).header("Location", request.target.clone());
        conn.respond(&request, response).await
    })
}

pub(crate) fn fat_header<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    size: &'a Size,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, size) = conn.read_request_with(configured, size).await?;
        let response = WireResponse::json(200, &echo_headers(&request))
            .header("Cookie", "a".repeat(size.typed.size));
        conn.respond(&request, response).await
    })
}

pub(crate) fn unparseable_content_type<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, _) = conn.read_request_with(configured, &()).await?;
        let (content_type, body) = unacceptable(&request);
        let response = WireResponse::new(200)
            .header("Content-Type", content_type)
            .body(body);
        conn.respond(&request, response).await
    })
}

/// A `Content-Length` `short_by` bytes larger than the body (the start of a document in the
/// client's preferred type), then, per `after_body`, the connection stays open even if the client
/// asked to close it (the client waits for bytes that never come) or closes (the client sees EOF
/// mid-body).
pub(crate) fn short_body<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    short: &'a ShortBody,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let (request, short) = conn.read_request_with(configured, short).await?;
        let (content_type, body) = incomplete_document(&request);
        let promised = body.len() as u64 + short.typed.short_by;
        let response = WireResponse::new(200)
            .header("Content-Type", content_type)
            .header("Content-Length", promised.to_string())
            .body(body);
        conn.send_response(&request, &response).await?;
        Ok(after_body(short.typed.after_body))
    })
}
