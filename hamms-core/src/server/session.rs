//! One accepted connection's life: the loop that hands it to the behavior in force, request after
//! request, and the dispatch from a behavior to what serves it.

use std::sync::Arc;

use crate::Behavior;
use crate::connection::{Accepted, After, BoxFuture, Conn, Role, Served, Shared, Stop, Versioned};
use crate::engine::{Mode, Model, model};
use crate::history::{ConnectionEnd, Reply};
use crate::tls::Profile;
use crate::{fixture, modes, proxy};

/// Serves one accepted connection until it ends, and records the request it was still
/// receiving, if any, and how it ended. When the server stops, the task is aborted: dropping
/// the connection records that. `OVER_TLS`: the connection came to the server's TLS port
/// ([`ServerBuilder::also_tls_on`](crate::ServerBuilder::also_tls_on)), where every connection
/// speaks TLS (a constant, so that it takes no room in the task).
///
/// Design note: this future is the connection's task, allocated once at accept for its whole
/// life, so its size is what every connection costs. Under a behavior that waits for the
/// client, an idle connection stays an [`Accepted`] (a socket and an id) in a small future;
/// the rest (the [`Conn`], and what serving it holds across its awaits) is boxed once the
/// first byte comes.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn's future keeps room for its argument twice (as passed, and as the \
              local it becomes), and this one is held by every connection"
)]
pub(crate) fn serve<const OVER_TLS: bool>(accepted: Accepted) -> impl Future<Output = ()> + Send {
    async move {
        // Over TLS the client speaks first (its ClientHello), whatever the behavior.
        if OVER_TLS || model(&accepted.shared().versioned().behavior).waits_for_client() {
            accepted.first_byte().await;
        }
        Box::pin(serve_conn(accepted.into_conn(), OVER_TLS)).await;
    }
}

/// [`serve`], once the connection is a [`Conn`].
async fn serve_conn(mut conn: Conn, over_tls: bool) {
    let shared = Arc::clone(conn.shared());
    let end = drive(&mut conn, &shared, over_tls).await;
    tracing::debug!(connection = conn.id(), peer = %conn.peer(), ?end, "connection ended");
    conn.finish(end);
    shared.connection_ended(conn.id());
}

/// What becomes of a connection once a behavior has served it (or failed to).
enum Next {
    /// Served: wait for its next request.
    Request,
    /// Close it gracefully.
    Close,
    /// It ended so.
    End(ConnectionEnd),
}

/// Hands the connection to the behavior in force, request after request, until it ends.
///
/// Design note: this future is part of every connection's task, so what it holds across its
/// awaits is what an idle connection costs. The awaits that need much room (a TLS handshake, a
/// graceful close, the wait between keep-alive requests of a mode) are boxed, paid for only
/// when they happen.
async fn drive(conn: &mut Conn, shared: &Shared, over_tls: bool) -> ConnectionEnd {
    // The first behavior to serve the connection may first run the `tls` handshake; later
    // ones (keep-alive requests) find the connection as it is.
    let mut first = true;
    loop {
        let next = serve_next(conn, shared, first, over_tls).await;
        first = false;
        match next {
            Next::Request => match Box::pin(conn.wait_for_next_request()).await {
                Ok(true) => {}
                Ok(false) => return Box::pin(conn.close_gracefully()).await,
                Err(end) => return end,
            },
            Next::Close => return Box::pin(conn.close_gracefully()).await,
            Next::End(end) => return end,
        }
    }
}

/// Serves the connection (or its next request) with the behavior in force.
async fn serve_next(conn: &mut Conn, shared: &Shared, first: bool, over_tls: bool) -> Next {
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
        return Next::Close;
    }
    // The engine makes the handshake for the behaviors that ask it to, and on the TLS port for
    // those that do not speak TLS themselves: there a TLS-block mode makes its own (its fault).
    let engine_tls = model(&behavior).wants_engine_tls() || (over_tls && !behavior.serves_tls());
    if first && engine_tls {
        // ALPN offers `h2` to the behaviors that speak it.
        let profile = if model(&behavior).speaks_http2() {
            Profile::BASELINE.offering_http2()
        } else {
            Profile::BASELINE
        };
        let config = match shared.ca.server_config(profile) {
            Ok(config) => config,
            Err(e) => return Next::End(ConnectionEnd::Failed(e.to_string())),
        };
        if let Err(end) = Box::pin(conn.accept_tls(config)).await {
            return Next::End(end);
        }
    }
    let after = match dispatch(conn, &behavior, &shared.role).await {
        Ok(after) | Err(Stop::Handled(after)) => after,
        Err(Stop::Ended(end)) => return Next::End(end),
    };
    match after {
        After::KeepAlive => Next::Request,
        After::Close => {
            conn.reply_if_unanswered(Reply::Closed);
            Next::Close
        }
        After::Reset => Next::End(conn.reset()),
    }
}

/// What serves `behavior` on a server of this role.
fn dispatch<'a>(
    conn: &'a mut Conn,
    behavior: &'a Behavior,
    role: &'a Role,
) -> BoxFuture<'a, Served> {
    match (model(behavior), role) {
        (Model::Proxy(mix), Role::Proxy(state)) => Box::pin(proxy::serve(conn, mix, state)),
        (Model::Mode(configured), Role::Catalog { plan, .. }) => match plan.get() {
            Some(plan) if *configured.mode() == Mode::Fixture => {
                Box::pin(fixture::serve(conn, plan, configured))
            }
            _ => modes::serve(conn, configured),
        },
        // A role never takes another role's behaviors (`Role::admit` refuses them when set), and
        // a server gets its plan before it first serves the fixture.
        (Model::Mode(_), Role::Proxy(_)) | (Model::Proxy(_), Role::Catalog { .. }) => {
            Box::pin(async { Ok(After::Close) })
        }
    }
}
