//! The written form of a mode or proxy stage with parameters, `name(key=value, ...)`, as
//! `Params`' `Display` prints it, read back: what `GET /behavior` or `hamms ctl get-behavior`
//! answers (`delay(sleep=0.5, before=false)`) can be given again to `Behavior::proxy`,
//! `PUT /behavior` or `--behavior`.
//!
//! Text and choice values are written quoted with Rust's escapes (`key="a \"b\""`), numbers and
//! flags bare (`sleep=0.5`, `before=false`).

use std::fmt;

use super::spec::{ParamSpec, Value};

/// A name and the parameters written after it, values unquoted, not yet checked.
#[derive(Debug, PartialEq)]
pub(crate) struct Written<'a> {
    /// The mode's or stage's name.
    pub(crate) name: &'a str,
    /// Each `key=value`, in order.
    pub(crate) pairs: Vec<(&'a str, String)>,
}

impl Written<'_> {
    /// Parses `name` or `name(key=value, ...)`; the error says what is malformed.
    pub(crate) fn parse(text: &str) -> Result<Written<'_>, String> {
        let text = text.trim();
        let Some(open) = text.find('(') else {
            return Ok(Written {
                name: text,
                pairs: Vec::new(),
            });
        };
        let inner = text[open + 1..]
            .strip_suffix(')')
            .ok_or("the parameters in `(...)` must end the text with `)`")?;
        let mut pairs = Vec::new();
        for pair in split_outside(inner, ',') {
            if pair.trim().is_empty() && inner.trim().is_empty() {
                break;
            }
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{}` is not key=value", pair.trim()))?;
            let key = key.trim();
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(format!("`{key}` is given twice"));
            }
            pairs.push((key, unquote(value.trim())?));
        }
        Ok(Written {
            name: text[..open].trim(),
            pairs,
        })
    }
}

/// One parameter as `Params`' `Display` writes it, and [`Written::parse`] reads it back:
/// `key=value`, text and choices quoted.
pub(super) fn write_pair(
    f: &mut fmt::Formatter<'_>,
    spec: &ParamSpec,
    value: &Value,
) -> fmt::Result {
    match value {
        Value::Int(v) => write!(f, "{}={v}", spec.name()),
        Value::Float(v) => write!(f, "{}={v}", spec.name()),
        Value::Text(v) => write!(f, "{}={v:?}", spec.name()),
        Value::Bool(v) => write!(f, "{}={v}", spec.name()),
    }
}

/// `text` split at each `separator` that is outside parentheses and quoted values, so that a
/// mix (`20:delay(sleep=0.5, before=false),80:dummy`) splits into its choices.
pub(crate) fn split_outside(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    let mut start = 0;
    for (at, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            _ if c == separator && !quoted && depth == 0 => {
                parts.push(&text[start..at]);
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A value as written: bare, or quoted with the escapes Rust's `Debug` writes (`\"`, `\\`,
/// `\n`, `\r`, `\t`, `\0`, `\'`, `\u{..}`).
fn unquote(value: &str) -> Result<String, String> {
    let Some(inner) = value.strip_prefix('"') else {
        return Ok(value.to_owned());
    };
    let unterminated = || format!("the quoted value {value} has no closing quote");
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    loop {
        match chars.next().ok_or_else(unterminated)? {
            '"' if chars.as_str().is_empty() => return Ok(out),
            '"' => return Err(format!("{value} goes on after its closing quote")),
            '\\' => out.push(unescape(&mut chars).ok_or_else(|| {
                format!("the quoted value {value} has an escape Rust does not write")
            })?),
            c => out.push(c),
        }
    }
}

/// The character an escape after `\` stands for.
fn unescape(chars: &mut std::str::Chars<'_>) -> Option<char> {
    Some(match chars.next()? {
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        '0' => '\0',
        c @ ('\\' | '"' | '\'') => c,
        'u' => {
            let rest = chars.as_str().strip_prefix('{')?;
            let (hex, after) = rest.split_once('}')?;
            let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
            *chars = after.chars();
            c
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_alone_or_with_parameters_parses() {
        assert_eq!(
            Written::parse(" delay ").unwrap(),
            Written {
                name: "delay",
                pairs: vec![]
            }
        );
        let written = Written::parse(r#"retry_counter(key="a, \"b\")\n", tries=5)"#).unwrap();
        assert_eq!(written.name, "retry_counter");
        assert_eq!(
            written.pairs,
            vec![("key", "a, \"b\")\n".to_owned()), ("tries", "5".to_owned())]
        );
        assert_eq!(Written::parse("delay()").unwrap().pairs, vec![]);
    }

    #[test]
    fn malformed_parameters_say_what_is_wrong() {
        for (text, needle) in [
            ("delay(sleep=1", "must end the text with `)`"),
            ("delay(sleep)", "`sleep` is not key=value"),
            ("delay(sleep=1, sleep=2)", "given twice"),
            (r#"k(key="a)"#, "no closing quote"),
            (r#"k(key="a"b)"#, "after its closing quote"),
            (r#"k(key="\q")"#, "an escape Rust does not write"),
        ] {
            let error = Written::parse(text).unwrap_err();
            assert!(error.contains(needle), "{text}: {error}");
        }
    }

    #[test]
    fn splitting_skips_separators_inside_parentheses_and_quotes() {
        assert_eq!(
            split_outside(r#"20:a(x=1, y="2,)"),80:b"#, ','),
            vec![r#"20:a(x=1, y="2,)")"#, "80:b"]
        );
        assert_eq!(split_outside("a+b(c=\"+\")", '+'), vec!["a", "b(c=\"+\")"]);
    }
}
