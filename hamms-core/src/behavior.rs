//! [`Behavior`]: what a server does with connections, swappable at run time.

use std::fmt;

use crate::catalog::{Action, ModeSpec};
use crate::error::Error;
use crate::params::Params;
use crate::server::{After, BoxFuture, Conn, Disposition, Served};
use crate::tls::Profile;

/// What a server does: a catalog mode with its parameters, validated.
///
/// ```
/// use hamms_core::Behavior;
/// let drip = Behavior::mode("slow_drip")?.param("interval_ms", 50)?;
/// assert_eq!(drip.to_string(), "slow_drip(interval_ms=50)");
/// assert!(Behavior::mode("slow_drp").unwrap_err().to_string().contains("did you mean `slow_drip`?"));
/// # Ok::<(), hamms_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Behavior {
    params: Params,
}

impl Behavior {
    /// The catalog mode `name` with its default parameters.
    ///
    /// # Errors
    /// [`Error::UnknownMode`] naming the valid modes and the closest one.
    pub fn mode(name: &str) -> Result<Behavior, Error> {
        Ok(Behavior {
            params: Params::defaults(ModeSpec::named(name)?),
        })
    }

    /// The fixture: answers with the responses the test programs on the server handle
    /// ([`FaultServer::respond_with`](crate::FaultServer::respond_with) and friends), `200` with an
    /// empty body until then.
    pub fn fixture() -> Behavior {
        // The catalog's unit tests pin the entry.
        Behavior::mode("fixture").expect("the catalog has a `fixture` entry")
    }

    /// Sets one parameter of the mode, given as a user would write it (`50`, `0.5`, `"key"`).
    ///
    /// # Errors
    /// [`Error::UnknownParam`] or [`Error::InvalidParam`], naming the valid names or range.
    pub fn param(mut self, name: &str, value: impl fmt::Display) -> Result<Behavior, Error> {
        self.params.set(name, &value.to_string())?;
        Ok(self)
    }

    /// The mode's name, e.g. `slow_drip`.
    pub fn name(&self) -> &'static str {
        self.params.mode().name()
    }

    /// The catalog entry of the mode.
    pub fn spec(&self) -> &'static ModeSpec {
        self.params.mode()
    }

    /// Whether clients must speak TLS to this behavior.
    pub fn serves_tls(&self) -> bool {
        self.spec().speaks_tls() || self.wants_engine_tls()
    }

    /// Whether the engine performs a TLS handshake before the mode serves (the `tls` parameter);
    /// the TLS block's modes handle their handshakes themselves.
    pub(crate) fn wants_engine_tls(&self) -> bool {
        self.params.flag("tls")
    }

    /// The TLS profile of the engine's handshake: ALPN offers `h2` to modes that speak it.
    pub(crate) fn engine_tls_profile(&self) -> Profile {
        if self.speaks_http2() {
            Profile::BASELINE.offering_http2()
        } else {
            Profile::BASELINE
        }
    }

    /// Whether the behavior serves HTTP/2 as well as HTTP/1.1.
    pub(crate) fn speaks_http2(&self) -> bool {
        matches!(self.params.mode().action(), Action::ServeHttp2Too(_))
    }

    /// Whether new connections get through at all (not `refused`, not `connect_timeout`).
    pub(crate) fn accepts_connections(&self) -> bool {
        self.disposition() == Disposition::Accept
    }

    /// What the behavior wants of the listening socket.
    pub(crate) fn disposition(&self) -> Disposition {
        match self.params.mode().action() {
            Action::Refuse => Disposition::Refuse,
            Action::Stall => Disposition::Stall,
            Action::Serve(_) | Action::ServeHttp2Too(_) | Action::ServeTls(_) => {
                Disposition::Accept
            }
        }
    }

    pub(crate) fn serve<'a>(&'a self, conn: &'a mut Conn) -> BoxFuture<'a, Served> {
        match self.params.mode().action() {
            Action::Serve(serve) | Action::ServeHttp2Too(serve) | Action::ServeTls(serve) => {
                serve(conn, &self.params)
            }
            // The server now refuses or stalls connections; one accepted earlier that sends
            // another request is closed without an answer.
            Action::Refuse | Action::Stall => Box::pin(async { Ok(After::Close) }),
        }
    }
}

impl fmt::Display for Behavior {
    /// `name(param=value, ...)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.params.fmt(f)
    }
}
