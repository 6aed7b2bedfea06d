//! Serving a proxy's connection: as bytes (`tcp`) or request by request (`http`).

use super::state::ProxyState;
use super::{http, tcp};
use crate::Protocol;
use crate::connection::{Conn, Served};
use crate::engine::Mix;

/// Serves a connection (tcp: all of it, following every change) or its next request (http,
/// under `mix`, the behavior in force at its arrival).
pub(crate) async fn serve(conn: &mut Conn, mix: &Mix, state: &ProxyState) -> Served {
    match state.backend().protocol {
        Protocol::Tcp => tcp::serve(conn).await,
        Protocol::Http => http::serve(conn, mix, state).await,
    }
}
