//! Serving a proxy's connection: as bytes (`tcp`) or request by request (`http`).

use super::state::ProxyState;
use super::{http, tcp};
use crate::connection::{Conn, Served};
use crate::stages::Protocol;

/// Serves a connection (tcp: all of it) or its next request (http) with the behavior in force.
pub(crate) async fn serve(conn: &mut Conn, state: &ProxyState) -> Served {
    match state.backend().protocol {
        Protocol::Tcp => tcp::serve(conn).await,
        Protocol::Http => http::serve(conn, state).await,
    }
}
