//! Parameter declarations: what a mode's (or proxy behavior's) parameters are called, what
//! values they accept, and their defaults.
//!
//! Design note: every value, whether it comes from the Rust builder, a query string, a form body,
//! the command line or the attribute macro, arrives as text and goes through [`ParamKind::parse`].
//! One parse path means one set of bounds and one wording of "what is valid", wherever the value
//! came from.

/// What values a parameter accepts. Drives parsing, validation and the text naming the valid range.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ParamKind {
    /// Whole milliseconds from 0 to `max`.
    Millis {
        /// Largest accepted value.
        max: u64,
    },
    /// Seconds as a decimal number from 0 to `max`.
    Seconds {
        /// Largest accepted value.
        max: f64,
    },
    /// An integer from `min` to `max`.
    Integer {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// A probability from 0 to 1.
    Probability,
    /// Text of at most `max_len` bytes.
    Text {
        /// Longest accepted value, in bytes.
        max_len: usize,
    },
    /// One of a fixed set of words.
    Choice {
        /// The accepted words.
        choices: &'static [&'static str],
    },
    /// `true` or `false`.
    Flag,
}

/// A parsed parameter value, as the kind of its parameter stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `Millis` (milliseconds) and `Integer`.
    Int(u64),
    /// `Seconds` and `Probability`.
    Float(f64),
    /// `Text` and `Choice`.
    Text(String),
    /// `Flag`.
    Bool(bool),
}

impl ParamKind {
    /// Parses `raw`, or says what would have been valid.
    pub(crate) fn parse(&self, raw: &str) -> Result<Value, String> {
        let raw = raw.trim();
        let value = match *self {
            ParamKind::Millis { max } => raw
                .parse::<u64>()
                .ok()
                .filter(|v| *v <= max)
                .map(Value::Int),
            ParamKind::Integer { min, max } => raw
                .parse::<u64>()
                .ok()
                .filter(|v| (min..=max).contains(v))
                .map(Value::Int),
            ParamKind::Seconds { max } => parse_float(raw, max).map(Value::Float),
            ParamKind::Probability => parse_float(raw, 1.0).map(Value::Float),
            ParamKind::Text { max_len } => {
                (raw.len() <= max_len).then(|| Value::Text(raw.to_owned()))
            }
            ParamKind::Choice { choices } => {
                choices.contains(&raw).then(|| Value::Text(raw.to_owned()))
            }
            ParamKind::Flag => match raw {
                "true" | "1" | "yes" | "on" => Some(Value::Bool(true)),
                "false" | "0" | "no" | "off" => Some(Value::Bool(false)),
                _ => None,
            },
        };
        value.ok_or_else(|| self.expected())
    }

    /// The valid range in words, e.g. "an integer from 100 to 599".
    pub fn expected(&self) -> String {
        match *self {
            ParamKind::Millis { max } => format!("whole milliseconds from 0 to {max}"),
            ParamKind::Seconds { max } => format!("seconds from 0 to {max} (decimals allowed)"),
            ParamKind::Integer { min, max } => format!("an integer from {min} to {max}"),
            ParamKind::Probability => "a probability from 0 to 1 (decimals allowed)".to_owned(),
            ParamKind::Text { max_len } => format!("text of at most {max_len} bytes"),
            ParamKind::Choice { choices } => format!("one of: {}", choices.join(", ")),
            ParamKind::Flag => "true or false".to_owned(),
        }
    }
}

fn parse_float(raw: &str, max: f64) -> Option<f64> {
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && (0.0..=max).contains(v))
}

/// One parameter of a catalog mode: its name (also its query-string key), kind, default and meaning.
#[derive(Debug)]
pub struct ParamSpec {
    name: &'static str,
    kind: ParamKind,
    default: &'static str,
    doc: &'static str,
    per_request: bool,
}

impl ParamSpec {
    /// A parameter a request may set too (query string, form body), as most are.
    pub(crate) const fn new(
        name: &'static str,
        kind: ParamKind,
        default: &'static str,
        doc: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            kind,
            default,
            doc,
            per_request: true,
        }
    }

    /// Marks a parameter that shapes the connection before any request is read (`tls`, the
    /// TLS profile, `act_on`): it is set when the server starts, and a request asking for it
    /// gets a 400 rather than being silently ignored.
    pub(crate) const fn at_start(mut self) -> Self {
        self.per_request = false;
        self
    }

    /// The name, as used in the builder, the query string and the CLI.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// What the parameter accepts.
    pub fn kind(&self) -> ParamKind {
        self.kind
    }

    /// The default, written as a user would write it.
    pub fn default_value(&self) -> &'static str {
        self.default
    }

    /// One line on what the parameter does.
    pub fn doc(&self) -> &'static str {
        self.doc
    }

    /// Whether a request can set it (query string, form body), or only the server's start.
    pub fn per_request(&self) -> bool {
        self.per_request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_reject_out_of_range_and_malformed_values_naming_the_range() {
        let status = ParamKind::Integer { min: 100, max: 599 };
        assert_eq!(status.parse("503"), Ok(Value::Int(503)));
        assert_eq!(status.parse("99"), Err("an integer from 100 to 599".into()));
        assert!(status.parse("abc").is_err());
        assert!(status.parse("-1").is_err());

        let sleep = ParamKind::Seconds { max: 3600.0 };
        assert_eq!(sleep.parse("0.25"), Ok(Value::Float(0.25)));
        for bad in ["-1", "1e9", "NaN", "inf", ""] {
            assert!(sleep.parse(bad).is_err(), "{bad} accepted");
        }
        assert!(ParamKind::Probability.parse("2").is_err());
        assert!(ParamKind::Millis { max: 10 }.parse("11").is_err());
        assert!(ParamKind::Text { max_len: 3 }.parse("abcd").is_err());
        let when = ParamKind::Choice {
            choices: &["connect", "request"],
        };
        assert_eq!(when.parse("request"), Ok(Value::Text("request".into())));
        assert_eq!(when.parse("later"), Err("one of: connect, request".into()));
        assert_eq!(ParamKind::Flag.parse("true"), Ok(Value::Bool(true)));
        assert_eq!(ParamKind::Flag.parse("0"), Ok(Value::Bool(false)));
        assert_eq!(ParamKind::Flag.parse("maybe"), Err("true or false".into()));
    }
}
