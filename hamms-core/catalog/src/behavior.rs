//! [`Behavior`]: what a server does with connections, swappable at run time.
//!
//! Design note: a behavior is validated data (a catalog mode with its parameters, or a proxy
//! mix); the engine (`server/session.rs`) decides how to serve it. Being data, it compiles
//! without the engine, so the attribute macro validates its arguments with it.

use std::fmt;

use crate::catalog::{Action, ModeSpec};
use crate::error::Error;
use crate::mix::Mix;
use crate::params::Params;

/// What a behavior wants of the server's listening socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Listen and accept.
    Accept,
    /// Keep the port, refuse connections (`refused`, `down`).
    Refuse,
    /// Keep the listen queue full, never accept (`connect_timeout`).
    Stall,
}

/// What a server does: a catalog mode with its parameters, or what a chaos proxy does to the
/// traffic it relays. Validated when built.
///
/// ```
/// use hamms_catalog::Behavior;
/// let drip = Behavior::mode("slow_drip")?.param("interval_ms", 50)?;
/// assert_eq!(drip.to_string(), "slow_drip(interval_ms=50)");
/// assert!(Behavior::mode("slow_drp").unwrap_err().to_string().contains("did you mean `slow_drip`?"));
///
/// let slow_backend = Behavior::proxy("delay")?.param("sleep", 0.5)?;
/// assert_eq!(slow_backend.to_string(), "delay(sleep=0.5)");
/// # Ok::<(), hamms_catalog::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Behavior {
    kind: Kind,
}

/// The two kinds of behavior, for the engine to match on.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A catalog mode (the fixture included).
    Mode(Params),
    /// A proxy behavior.
    Proxy(Mix),
}

impl Behavior {
    /// The catalog mode `name` with its default parameters.
    ///
    /// # Errors
    /// [`Error::UnknownMode`] naming the valid modes and the closest one.
    pub fn mode(name: &str) -> Result<Behavior, Error> {
        Ok(Behavior {
            kind: Kind::Mode(Params::defaults(ModeSpec::named(name)?)),
        })
    }

    /// The fixture: answers with the responses the test programs on the server handle
    /// (`FaultServer::respond_with` and friends), `200` with an
    /// empty body until then.
    pub fn fixture() -> Behavior {
        // The catalog's unit tests pin the entry.
        Behavior::mode("fixture").expect("the catalog has a `fixture` entry")
    }

    /// A chaos proxy behavior (for servers started with
    /// `FaultServer::proxy`): a name (`dummy`, `blackout`, `delay`,
    /// `error`, `hang`, `transient`, `abort`, or a toxic: `latency`, `bandwidth`, `slow_close`,
    /// `timeout`, `reset_peer`, `slicer`, `limit_data`, `down`), toxics stacked with `+`
    /// (`latency+bandwidth`), or weighted choices (`20:delay,80:dummy`), chosen per connection
    /// (tcp) or per request (http) from the server's seeded sequence.
    ///
    /// ```
    /// use hamms_catalog::Behavior;
    /// let mix = Behavior::proxy("20:delay,80:dummy")?.param("delay.sleep", 0.2)?;
    /// assert_eq!(mix.to_string(), "20:delay(sleep=0.2),80:dummy");
    /// let toxics = Behavior::proxy("latency+bandwidth")?
    ///     .param("latency", 100)?
    ///     .param("rate", 50)?
    ///     .param("direction", "upstream")?;
    /// assert_eq!(toxics.name(), "latency");
    /// # Ok::<(), hamms_catalog::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnknownProxyBehavior`] naming the valid names and the closest one;
    /// [`Error::InvalidProxySpec`] for a mix that does not parse.
    pub fn proxy(spec: &str) -> Result<Behavior, Error> {
        Ok(Behavior {
            kind: Kind::Proxy(Mix::parse(spec)?),
        })
    }

    /// One stack of proxy behaviors, in order, each with options of its own: what a list of
    /// Toxiproxy's named toxics makes (two of the same type may differ). An empty list is
    /// `dummy` (pass-through).
    ///
    /// ```
    /// use hamms_catalog::Behavior;
    /// let fast = Behavior::proxy("latency")?.param("latency", 100)?;
    /// let slow = Behavior::proxy("latency")?.param("latency", 300)?.param("direction", "upstream")?;
    /// let both = Behavior::stacked([fast, slow])?;
    /// assert_eq!(both.to_string(), "latency(latency=100)+latency(latency=300, direction=\"upstream\")");
    /// assert_eq!(Behavior::stacked([])?.to_string(), "dummy");
    /// # Ok::<(), hamms_catalog::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidProxySpec`] for a part that is a catalog mode or a weighted mix, or for
    /// `down` with anything else (it stands alone).
    pub fn stacked(parts: impl IntoIterator<Item = Behavior>) -> Result<Behavior, Error> {
        let mixes = parts
            .into_iter()
            .map(|part| match part.kind {
                Kind::Proxy(mix) => Ok(mix),
                Kind::Mode(params) => Err(Error::InvalidProxySpec {
                    spec: params.to_string(),
                    reason: "a catalog mode is not a proxy behavior, so it cannot be stacked"
                        .to_owned(),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Behavior {
            kind: Kind::Proxy(Mix::stacked(mixes)?),
        })
    }

    /// Sets one parameter, given as a user would write it (`50`, `0.5`, `"key"`). For a proxy
    /// behavior it is an option of every stage that takes it, or, written `stage.option`
    /// (`delay.sleep`), of that stage only.
    ///
    /// # Errors
    /// [`Error::UnknownParam`] or [`Error::InvalidParam`], naming the valid names or range.
    pub fn param(mut self, name: &str, value: impl fmt::Display) -> Result<Behavior, Error> {
        let value = value.to_string();
        match &mut self.kind {
            Kind::Mode(params) => params.set(name, &value)?,
            Kind::Proxy(mix) => mix.set(name, &value)?,
        }
        Ok(self)
    }

    /// The mode's name, e.g. `slow_drip`; for a proxy behavior, its first stage's (`delay` for
    /// `delay`, `20:delay,80:dummy` and `delay+latency`). The whole behavior is its `Display`.
    pub fn name(&self) -> &'static str {
        self.spec().name()
    }

    /// The catalog entry of the mode, or the table entry of the proxy behavior's first stage.
    pub fn spec(&self) -> &'static ModeSpec {
        match &self.kind {
            Kind::Mode(params) => params.mode(),
            Kind::Proxy(mix) => mix.first_stage().mode(),
        }
    }

    /// Whether this is a chaos proxy behavior.
    pub fn is_proxy(&self) -> bool {
        matches!(self.kind, Kind::Proxy(_))
    }

    /// Whether clients must speak TLS to this behavior.
    pub fn serves_tls(&self) -> bool {
        self.spec().speaks_tls() || self.wants_engine_tls()
    }

    /// Whether the engine performs a TLS handshake before the mode serves (the `tls` parameter);
    /// the TLS block's modes handle their handshakes themselves.
    pub fn wants_engine_tls(&self) -> bool {
        match &self.kind {
            Kind::Mode(params) => params.flag("tls"),
            Kind::Proxy(_) => false,
        }
    }

    /// Whether this is the fixture, which speaks HTTP/2 as well as HTTP/1.1.
    pub fn is_fixture(&self) -> bool {
        matches!(&self.kind, Kind::Mode(params) if params.mode().action() == Action::Fixture)
    }

    /// What the behavior is, for the engine to match on.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// Whether new connections get through at all (not `refused`, `connect_timeout`, `down`).
    pub fn accepts_connections(&self) -> bool {
        self.disposition() == Disposition::Accept
    }

    /// What the behavior wants of the listening socket.
    pub fn disposition(&self) -> Disposition {
        match &self.kind {
            Kind::Proxy(mix) if mix.is_down() => Disposition::Refuse,
            Kind::Proxy(_) => Disposition::Accept,
            Kind::Mode(params) => match params.mode().action() {
                Action::Refuse => Disposition::Refuse,
                Action::Stall => Disposition::Stall,
                Action::Serve(_) | Action::Fixture | Action::ServeTls(_) | Action::Relay(_) => {
                    Disposition::Accept
                }
            },
        }
    }
}

impl fmt::Display for Behavior {
    /// `name(param=value, ...)`, listing the parameters that differ from their defaults; for a
    /// proxy mix, `20:delay(sleep=0.5),80:dummy`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Mode(params) => params.fmt(f),
            Kind::Proxy(mix) => mix.fmt(f),
        }
    }
}
