//! The attribute's arguments, parsed and checked against the catalog. Every mistake is a
//! `syn::Error` spanning the offending token and naming the valid choices.

use hamms_core::{Behavior, ModeSpec, ParamKind, Protocol};
use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Lit, Meta, Token, UnOp};

/// Which server to start, checked.
pub(crate) enum Server {
    /// A catalog mode with parameters (name, value as written).
    Mode {
        name: String,
        params: Vec<(String, String)>,
    },
    /// The fixture.
    Fixture { tls: bool },
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

const FORMS: &str = "`port = \"<mode>\"`, `fixture` or `proxy = \"<host:port>\"`";

/// Parses and checks `#[with_fault_server(...)]`'s arguments.
pub(crate) fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<Args> {
    let metas =
        syn::parse::Parser::parse2(Punctuated::<Meta, Token![,]>::parse_terminated, tokens)?;
    let mut form: Option<(&'static str, Span)> = None;
    let mut mode = None;
    let mut tls = false;
    // Where `tls`, `behavior` and `protocol` were written: each belongs to some forms only.
    let mut tls_span = None;
    let mut proxy_only: Option<(&'static str, Span)> = None;
    let mut backend = None;
    let mut behavior = None;
    let mut protocol = None;
    let mut seed = None;
    let mut rest = Vec::new();
    let mut choose = |name: &'static str, span: Span| match form {
        Some((chosen, _)) if chosen != name => Err(syn::Error::new(
            span,
            format!(
                "`{name}` conflicts with `{chosen}`: one attribute starts one server ({FORMS}); stack attributes for several"
            ),
        )),
        _ => {
            form = Some((name, span));
            Ok(())
        }
    };
    for meta in metas {
        let key = meta
            .path()
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        match (&meta, key.as_str()) {
            (Meta::Path(path), "fixture") => choose("fixture", path.span())?,
            (Meta::Path(path), "tls") => {
                tls = true;
                tls_span = Some(path.span());
            }
            (Meta::NameValue(nv), "tls") => {
                tls_span = Some(nv.path.span());
                tls = match literal(&nv.value)? {
                    Lit::Bool(flag) => flag.value,
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "`tls` takes `true` or `false`",
                        ));
                    }
                };
            }
            (Meta::NameValue(nv), "port") => {
                choose("port", nv.path.span())?;
                mode = Some(string(
                    &nv.value,
                    "port",
                    "the name of a catalog mode, e.g. `port = \"slow_drip\"`",
                )?);
            }
            (Meta::NameValue(nv), "proxy") => {
                choose("proxy", nv.path.span())?;
                backend = Some(nv.value.clone());
            }
            (Meta::NameValue(nv), "behavior") => {
                behavior = Some(string(
                    &nv.value,
                    "behavior",
                    "a proxy behavior, e.g. `behavior = \"delay\"`",
                )?);
                proxy_only = Some(("behavior", nv.path.span()));
            }
            (Meta::NameValue(nv), "protocol") => {
                let (name, span) = string(&nv.value, "protocol", "`\"tcp\"` or `\"http\"`")?;
                name.parse::<Protocol>()
                    .map_err(|e| syn::Error::new(span, e))?;
                protocol = Some(name);
                proxy_only = Some(("protocol", nv.path.span()));
            }
            (Meta::NameValue(nv), "seed") => {
                seed = Some(match literal(&nv.value)? {
                    Lit::Int(int) => int.base10_parse::<u64>()?,
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "`seed` takes an integer, e.g. `seed = 7`",
                        ));
                    }
                });
            }
            (Meta::NameValue(nv), _) if !key.is_empty() => {
                rest.push((key, nv.value.clone(), nv.path.span()))
            }
            _ => {
                return Err(syn::Error::new(
                    meta.span(),
                    format!("expected {FORMS}, then `name = literal` parameters"),
                ));
            }
        }
    }
    match (form, proxy_only, tls_span) {
        (Some((form, _)), Some((key, span)), _) if form != "proxy" => {
            return Err(syn::Error::new(
                span,
                format!("`{key}` belongs to `proxy = \"<host:port>\"`, not to `{form}`"),
            ));
        }
        (Some(("proxy", _)), _, Some(span)) => {
            return Err(syn::Error::new(
                span,
                "a proxy relays its client's bytes as they are: TLS, if any, passes through; `tls` is for `port` and `fixture`",
            ));
        }
        _ => {}
    }
    let server = match form {
        None => {
            return Err(syn::Error::new(
                Span::call_site(),
                format!("#[with_fault_server] needs {FORMS}"),
            ));
        }
        Some(("port", _)) => {
            let (name, span) = mode.expect("set with the form");
            mode_server(&name, span, tls.then_some(tls_span).flatten(), &rest)?
        }
        Some(("fixture", _)) => {
            if let Some((key, _, key_span)) = rest.first() {
                return Err(syn::Error::new(
                    *key_span,
                    format!("the fixture takes no parameter `{key}`; it takes `tls` and `seed`"),
                ));
            }
            Server::Fixture { tls }
        }
        Some((_, _)) => proxy_server(
            backend.expect("set with the form"),
            behavior,
            protocol,
            &rest,
        )?,
    };
    Ok(Args { server, seed })
}

fn mode_server(
    name: &str,
    span: Span,
    tls: Option<Span>,
    rest: &[(String, Expr, Span)],
) -> syn::Result<Server> {
    let spec = ModeSpec::named(name).map_err(|e| syn::Error::new(span, e))?;
    let mut behavior = Behavior::mode(name).map_err(|e| syn::Error::new(span, e))?;
    let mut params = Vec::new();
    if let Some(tls_span) = tls {
        // Modes that refuse, stall or botch TLS themselves take no `tls`: the engine says so.
        behavior = behavior
            .param("tls", "true")
            .map_err(|e| syn::Error::new(tls_span, e))?;
        params.push(("tls".to_owned(), "true".to_owned()));
    }
    for (key, value, key_span) in rest {
        let Some(param) = spec.params().iter().find(|p| p.name() == key) else {
            // The engine's own message: the valid parameters and the closest one.
            let error = behavior
                .clone()
                .param(key, "")
                .err()
                .map_or_else(String::new, |e| e.to_string());
            return Err(syn::Error::new(*key_span, error));
        };
        let lit = literal(value)?;
        let text = typed(param.kind(), key, param.default_value(), &lit)?;
        behavior = behavior
            .param(key, &text)
            .map_err(|e| syn::Error::new(lit.span(), e))?;
        params.push((key.clone(), text));
    }
    Ok(Server::Mode {
        name: name.to_owned(),
        params,
    })
}

fn proxy_server(
    backend: Expr,
    behavior: Option<(String, Span)>,
    protocol: Option<String>,
    rest: &[(String, Expr, Span)],
) -> syn::Result<Server> {
    let (spec, span) = behavior.unwrap_or_else(|| ("dummy".to_owned(), Span::call_site()));
    let mut checked = Behavior::proxy(&spec).map_err(|e| syn::Error::new(span, e))?;
    let mut options = Vec::new();
    for (key, value, key_span) in rest {
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
        checked = checked.param(key, &text).map_err(|e| {
            let span = if matches!(e, hamms_core::Error::UnknownParam { .. }) {
                *key_span
            } else {
                lit.span()
            };
            syn::Error::new(span, e)
        })?;
        options.push((key.clone(), text));
    }
    Ok(Server::Proxy {
        backend,
        behavior: spec,
        protocol: protocol.unwrap_or_else(|| "tcp".to_owned()),
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
