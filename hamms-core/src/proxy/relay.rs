//! Serving a connection (tcp) or its next request (http) with a proxy behavior: drawing the
//! stages from the mix, then the connection-level toxics around the relay.

use std::time::Duration;

use super::stack::{has, pick, sleep_if, timer};
use super::state::ProxyState;
use super::{http, tcp};
use crate::connection::{After, Conn, Served, Stop};
use crate::mix::Mix;
use crate::stages::Protocol;

/// Serves a connection (tcp) or its next request (http) with `relay`.
pub(crate) async fn serve(conn: &mut Conn, mix: &Mix, state: &ProxyState) -> Served {
    let backend = &state.backend;
    let stack = conn.shared().random(None, |rng| pick(mix, rng));
    if has(&stack, "blackout") {
        return Ok(After::Reset);
    }
    if has(&stack, "hang") {
        return Err(Stop::Ended(conn.hold().await));
    }
    // The connection-level toxics: a reset or a close at a set time (from the connection's
    // start for tcp, from the request's for http).
    let reset_after = timer(&stack, "reset_peer");
    if reset_after == Some(Duration::ZERO) {
        return Ok(After::Reset);
    }
    let close_after = timer(&stack, "timeout").filter(|t| !t.is_zero());
    let relayed = async {
        match backend.protocol {
            Protocol::Tcp => tcp::serve(conn, state, &stack).await,
            Protocol::Http => http::serve(conn, state, &stack).await,
        }
    };
    let served = tokio::select! {
        biased;
        () = sleep_if(reset_after) => Ok(After::Reset),
        () = sleep_if(close_after) => Ok(After::Close),
        served = relayed => served,
    };
    if backend.protocol == Protocol::Http && matches!(served, Ok(After::Close)) {
        // tcp passes each FIN on late in its pumps; http closes here.
        // The close the client sees is downstream, as a tcp relay's would be.
        let slow = stack
            .iter()
            .filter(|s| s.mode().name() == "slow_close" && s.text("direction") == "downstream")
            .map(|s| s.duration("delay"))
            .max();
        if let Some(delay) = slow {
            tokio::time::sleep(delay).await;
        }
    }
    served
}
