//! One accepted connection's life: the loop that hands it to the behavior in force, request after
//! request, and the dispatch from a behavior to what serves it.

use std::sync::Arc;

use crate::behavior::{Behavior, Kind};
use crate::connection::{After, BoxFuture, Conn, Role, Served, Shared, Stop, Versioned};
use crate::history::{ConnectionEnd, Reply};
use crate::tls::Profile;
use crate::{fixture, modes, proxy};

/// Serves one accepted connection until it ends or the server stops; records how it ended.
pub(crate) async fn serve(mut conn: Conn) {
    let shared = Arc::clone(conn.shared());
    let end = tokio::select! {
        biased;
        () = shared.stop.cancelled() => ConnectionEnd::ServerStopped,
        end = drive(&mut conn, &shared) => end,
    };
    tracing::debug!(connection = conn.id(), peer = %conn.peer(), ?end, "connection ended");
    conn.finish(end);
}

async fn drive(conn: &mut Conn, shared: &Shared) -> ConnectionEnd {
    // The first behavior to serve the connection may first run the `tls` handshake; later
    // ones (keep-alive requests) find the connection as it is.
    let mut first = true;
    loop {
        let Versioned {
            behavior,
            generation,
            ..
        } = shared.versioned();
        conn.served_by(generation);
        if !first && behavior.serves_tls() && !conn.is_tls() {
            // The behavior now speaks TLS, but this connection began in plain text: it
            // cannot change mid-stream, so it ends unanswered (as on a switch to `refused`).
            conn.notice_requests(Reply::Closed);
            return conn.close_gracefully().await;
        }
        if first && behavior.wants_engine_tls() {
            // ALPN offers `h2` to the behaviors that speak it.
            let profile = if behavior.speaks_http2() {
                Profile::BASELINE.offering_http2()
            } else {
                Profile::BASELINE
            };
            let config = match shared.ca.server_config(profile) {
                Ok(config) => config,
                Err(e) => return ConnectionEnd::Failed(e.to_string()),
            };
            if let Err(end) = conn.accept_tls(config).await {
                return end;
            }
        }
        first = false;
        let after = match dispatch(conn, &behavior, &shared.role).await {
            Ok(after) | Err(Stop::Handled(after)) => after,
            Err(Stop::Ended(end)) => return end,
        };
        match after {
            After::KeepAlive => match conn.wait_for_next_request().await {
                Ok(true) => {}
                Ok(false) => return conn.close_gracefully().await,
                Err(end) => return end,
            },
            After::Close => {
                conn.reply_if_unanswered(Reply::Closed);
                return conn.close_gracefully().await;
            }
            After::Reset => return conn.reset(),
        }
    }
}

/// What serves `behavior` on a server of this role.
fn dispatch<'a>(
    conn: &'a mut Conn,
    behavior: &'a Behavior,
    role: &'a Role,
) -> BoxFuture<'a, Served> {
    match (behavior.kind(), role) {
        (Kind::Proxy(_), Role::Proxy(state)) => Box::pin(proxy::serve(conn, state)),
        (Kind::Mode(params), Role::Fixture { plan, .. }) if behavior.is_fixture() => {
            Box::pin(fixture::serve(conn, plan, params))
        }
        (Kind::Mode(params), Role::Mode { .. } | Role::Fixture { .. }) => {
            modes::serve(conn, params)
        }
        // A role never takes another role's behaviors (`Role::admits` refuses them when set).
        (Kind::Mode(_), Role::Proxy(_))
        | (Kind::Proxy(_), Role::Mode { .. } | Role::Fixture { .. }) => {
            Box::pin(async { Ok(After::Close) })
        }
    }
}
