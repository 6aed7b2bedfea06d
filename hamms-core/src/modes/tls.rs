//! The TLS block: a handshake shaped by the `certificate`, `versions` and `client_cert`
//! parameters, then, for a client that gets through, a 200 describing the session.

use serde_json::json;

use crate::connection::{BoxFuture, Conn, Served};
use crate::engine::{Configured, TlsProfile};
use crate::history::ConnectionEnd;
use crate::http1::WireResponse;
use crate::tls::Profile;

pub(crate) fn handshake<'a>(
    conn: &'a mut Conn,
    configured: &'a Configured,
    profile: TlsProfile,
) -> BoxFuture<'a, Served> {
    Box::pin(async move {
        let config = conn
            .shared()
            .ca
            .server_config(Profile::of(profile))
            .map_err(|e| ConnectionEnd::Failed(e.to_string()))?;
        conn.accept_tls(config).await?;
        // Boxed: what answers a client that got through is room a connection needs only then.
        Box::pin(describe_session(conn, configured)).await
    })
}

/// Answers the request of a client whose handshake succeeded with a 200 describing the session.
async fn describe_session(conn: &mut Conn, configured: &Configured) -> Served {
    let (request, _) = conn.read_request_with(configured, &()).await?;
    let session = conn.tls_info().map(|tls| {
        json!({
            "version": tls.version,
            "cipher_suite": tls.cipher_suite,
            "server_name": tls.server_name,
            "alpn": tls.alpn,
            "client_certificate": tls.client_certificate,
        })
    });
    conn.respond(
        &request,
        WireResponse::json(200, &json!({ "tls": session })),
    )
    .await
}
