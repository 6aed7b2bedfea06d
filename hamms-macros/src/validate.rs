//! The parsed attribute, checked against the catalog's data (read from `hamms-core` at expansion
//! time, built without its engine): mode names, parameters, their types and ranges, proxy
//! behaviors and their options. Every mistake is a `syn::Error` spanning the offending token and
//! naming the valid choices, with the engine's own wording.

use hamms_catalog::{Behavior, ModeSpec, ParamKind, Protocol};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Lit, UnOp};

use crate::parse::{Attribute, FORMS, Form, Param};

/// Which server to start, checked.
pub(crate) enum Server {
    /// A catalog mode with parameters (name, value as written).
    Mode {
        name: String,
        params: Vec<(String, String)>,
    },
    /// The fixture, with WireMock mapping files to load: the path as written (relative to the
    /// crate) and the files it holds, read and checked at expansion time.
    Fixture {
        tls: bool,
        mappings: Option<(String, Vec<String>)>,
    },
    /// A chaos proxy in front of `backend` (any expression that displays as `host:port`).
    Proxy {
        backend: Expr,
        behavior: String,
        protocol: String,
        options: Vec<(String, String)>,
    },
}

/// The checked attribute.
pub(crate) struct Args {
    pub(crate) server: Server,
    pub(crate) seed: Option<u64>,
}

/// Checks a parsed attribute.
pub(crate) fn validate(attribute: Attribute) -> syn::Result<Args> {
    let Attribute {
        form,
        tls,
        seed,
        behavior,
        protocol,
        mappings,
        params,
    } = attribute;
    if !matches!(form, Some((Form::Fixture, _)))
        && let Some((_, span)) = &mappings
    {
        return Err(syn::Error::new(
            *span,
            "`mappings` loads WireMock mappings into the fixture: `#[with_fault_server(fixture, mappings = \"tests/stubs\")]`",
        ));
    }
    let Some((form, _)) = form else {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("#[with_fault_server] needs {FORMS}"),
        ));
    };
    if !matches!(form, Form::Proxy(_))
        && let Some((_, span)) = behavior.as_ref().or(protocol.as_ref())
    {
        let key = if behavior.is_some() {
            "behavior"
        } else {
            "protocol"
        };
        return Err(syn::Error::new(
            *span,
            format!(
                "`{key}` belongs to `proxy = \"<host:port>\"`, not to `{}`",
                form.key()
            ),
        ));
    }
    let tls = tls
        .map(|(value, span)| match literal(&value)? {
            Lit::Bool(flag) => Ok((flag.value, span)),
            other => Err(syn::Error::new(
                other.span(),
                "`tls` takes `true` or `false`",
            )),
        })
        .transpose()?;
    let seed = seed
        .map(|value| match literal(&value)? {
            Lit::Int(int) => int.base10_parse::<u64>(),
            other => Err(syn::Error::new(
                other.span(),
                "`seed` takes an integer, e.g. `seed = 7`",
            )),
        })
        .transpose()?;
    let server = match form {
        Form::Port(mode) => mode_server(&mode, tls, &params)?,
        Form::Fixture => {
            if let Some(Param { key, .. }) = params.first() {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "the fixture takes no parameter `{key}`; it takes `tls`, `seed` and `mappings`"
                    ),
                ));
            }
            Server::Fixture {
                tls: tls.is_some_and(|(on, _)| on),
                mappings: mappings
                    .map(|(value, _)| crate::mappings::check(&value))
                    .transpose()?,
            }
        }
        Form::Proxy(backend) => {
            if let Some((_, span)) = tls {
                return Err(syn::Error::new(
                    span,
                    "a proxy relays its client's bytes as they are: TLS, if any, passes through; `tls` is for `port` and `fixture`",
                ));
            }
            proxy_server(backend, behavior, protocol, &params)?
        }
    };
    Ok(Args { server, seed })
}

fn mode_server(mode: &Expr, tls: Option<(bool, Span)>, params: &[Param]) -> syn::Result<Server> {
    let (name, span) = string(mode, "port", "the name of a catalog mode")?;
    let spec = ModeSpec::named(&name).map_err(|e| syn::Error::new(span, e))?;
    let mut behavior = Behavior::mode(&name).map_err(|e| syn::Error::new(span, e))?;
    let mut checked = Vec::new();
    if let Some((true, tls_span)) = tls {
        // Modes that refuse, stall or botch TLS themselves take no `tls`: the engine says so.
        behavior = behavior
            .param("tls", "true")
            .map_err(|e| syn::Error::new(tls_span, e))?;
        checked.push(("tls".to_owned(), "true".to_owned()));
    }
    for Param { key, value } in params {
        let key_name = key.to_string();
        let Some(param) = spec.params().iter().find(|p| p.name() == key_name) else {
            // The engine's own message: the valid parameters and the closest one.
            let error = behavior
                .clone()
                .param(&key_name, "")
                .err()
                .map_or_else(String::new, |e| e.to_string());
            return Err(syn::Error::new(key.span(), error));
        };
        let lit = literal(value)?;
        let text = typed(param.kind(), &key_name, param.default_value(), &lit)?;
        behavior = behavior
            .param(&key_name, &text)
            .map_err(|e| syn::Error::new(lit.span(), e))?;
        checked.push((key_name, text));
    }
    Ok(Server::Mode {
        name,
        params: checked,
    })
}

fn proxy_server(
    backend: Expr,
    behavior: Option<(Expr, Span)>,
    protocol: Option<(Expr, Span)>,
    params: &[Param],
) -> syn::Result<Server> {
    let (spec, span) = match &behavior {
        Some((value, _)) => string(value, "behavior", "a proxy behavior, e.g. `\"delay\"`")?,
        None => ("dummy".to_owned(), Span::call_site()),
    };
    let protocol = match &protocol {
        Some((value, _)) => {
            let (name, span) = string(value, "protocol", "`\"tcp\"` or `\"http\"`")?;
            name.parse::<Protocol>()
                .map_err(|e| syn::Error::new(span, e))?;
            name
        }
        None => "tcp".to_owned(),
    };
    let mut checked = Behavior::proxy(&spec).map_err(|e| syn::Error::new(span, e))?;
    let mut options = Vec::new();
    for Param { key, value } in params {
        let lit = literal(value)?;
        let text = match &lit {
            Lit::Str(s) => s.value(),
            Lit::Int(i) => i.base10_digits().to_owned(),
            Lit::Float(f) => f.base10_digits().to_owned(),
            Lit::Bool(b) => b.value.to_string(),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "expected a string, number or boolean",
                ));
            }
        };
        let key_name = key.to_string();
        checked = checked.param(&key_name, &text).map_err(|e| {
            let span = if matches!(e, hamms_catalog::Invalid::UnknownParam { .. }) {
                key.span()
            } else {
                lit.span()
            };
            syn::Error::new(span, e)
        })?;
        options.push((key_name, text));
    }
    Ok(Server::Proxy {
        backend,
        behavior: spec,
        protocol,
        options,
    })
}

/// A literal (a negative number included, so that the range check can name the range).
fn literal(expr: &Expr) -> syn::Result<Lit> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Ok(lit.clone()),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match literal(expr)? {
            Lit::Int(int) => Ok(Lit::Int(syn::LitInt::new(
                &format!("-{}", int.base10_digits()),
                expr.span(),
            ))),
            Lit::Float(float) => Ok(Lit::Float(syn::LitFloat::new(
                &format!("-{}", float.base10_digits()),
                expr.span(),
            ))),
            other => Err(syn::Error::new(other.span(), "expected a literal")),
        },
        other => Err(syn::Error::new(
            other.span(),
            "expected a literal, e.g. `503`, `0.5`, `true` or `\"text\"`",
        )),
    }
}

fn string(expr: &Expr, key: &str, expected: &str) -> syn::Result<(String, Span)> {
    match literal(expr)? {
        Lit::Str(s) => Ok((s.value(), s.span())),
        other => Err(syn::Error::new(
            other.span(),
            format!("`{key}` takes {expected}"),
        )),
    }
}

/// The literal as the parameter's text, if its type fits the parameter's kind.
fn typed(kind: ParamKind, key: &str, default: &str, lit: &Lit) -> syn::Result<String> {
    let (fits, text, expected) = match (kind, lit) {
        (ParamKind::Millis { .. } | ParamKind::Integer { .. }, Lit::Int(i)) => {
            (true, i.base10_digits().to_owned(), "")
        }
        (ParamKind::Millis { .. } | ParamKind::Integer { .. }, _) => {
            (false, String::new(), "an integer")
        }
        (ParamKind::Seconds { .. } | ParamKind::Probability, Lit::Int(i)) => {
            (true, i.base10_digits().to_owned(), "")
        }
        (ParamKind::Seconds { .. } | ParamKind::Probability, Lit::Float(f)) => {
            (true, f.base10_digits().to_owned(), "")
        }
        (ParamKind::Seconds { .. } | ParamKind::Probability, _) => {
            (false, String::new(), "a number")
        }
        (ParamKind::Flag, Lit::Bool(b)) => (true, b.value.to_string(), ""),
        (ParamKind::Flag, _) => (false, String::new(), "`true` or `false`"),
        (_, Lit::Str(s)) => (true, s.value(), ""),
        (_, _) => (false, String::new(), "a string"),
    };
    if fits {
        return Ok(text);
    }
    let example = match kind {
        ParamKind::Text { .. } | ParamKind::Choice { .. } => format!("\"{default}\""),
        _ => default.to_owned(),
    };
    Err(syn::Error::new(
        lit.span(),
        format!(
            "`{key}` takes {expected} ({}), e.g. `{key} = {example}`",
            kind.expected()
        ),
    ))
}
