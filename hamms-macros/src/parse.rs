//! The attribute's arguments, parsed into a typed form: which server (`port`, `fixture` or
//! `proxy`), the options every form reads (`tls`, `seed`, `behavior`, `protocol`), and the rest as
//! parameters. Only syntax is checked here, each key at most once; `validate` checks the values
//! against the catalog.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprPath, Ident, Lit, Token};

/// The forms, for messages.
pub(crate) const FORMS: &str = "`port = \"<mode>\"`, `fixture` or `proxy = \"<host:port>\"`";

/// `#[with_fault_server(...)]`, parsed.
pub(crate) struct Attribute {
    /// Which server, with the span of its key.
    pub(crate) form: Option<(Form, Span)>,
    /// `tls` or `tls = <bool>`: the value as written, and the key's span.
    pub(crate) tls: Option<(Expr, Span)>,
    pub(crate) seed: Option<Expr>,
    /// `behavior = ..`, with the key's span.
    pub(crate) behavior: Option<(Expr, Span)>,
    /// `protocol = ..`, with the key's span.
    pub(crate) protocol: Option<(Expr, Span)>,
    /// `mappings = "..."`, with the key's span.
    pub(crate) mappings: Option<(Expr, Span)>,
    /// Every other `key = value`: a mode's parameters or a proxy behavior's options, in order.
    pub(crate) params: Vec<Param>,
}

/// Which server an attribute starts.
pub(crate) enum Form {
    /// `port = "<mode>"`: the value as written.
    Port(Expr),
    /// `fixture`.
    Fixture,
    /// `proxy = <backend>`: any expression that displays as `host:port`.
    Proxy(Expr),
}

impl Form {
    pub(crate) fn key(&self) -> &'static str {
        match self {
            Form::Port(_) => "port",
            Form::Fixture => "fixture",
            Form::Proxy(_) => "proxy",
        }
    }
}

/// A `key = value` parameter.
pub(crate) struct Param {
    pub(crate) key: Ident,
    pub(crate) value: Expr,
}

/// One comma-separated argument: `key` or `key = value`.
struct Arg {
    key: Ident,
    value: Option<Expr>,
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Arg> {
        if input.peek(syn::Lit) {
            let lit: Lit = input.parse()?;
            let hint = match &lit {
                Lit::Str(s) => format!(
                    "; to start the mode `{0}`, write `port = \"{0}\"`",
                    s.value()
                ),
                _ => String::new(),
            };
            return Err(syn::Error::new(
                lit.span(),
                format!("a bare literal names nothing here: expected {FORMS}{hint}"),
            ));
        }
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                format!("expected {FORMS}, then `name = literal` parameters"),
            )
        })?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Arg { key, value })
    }
}

/// Parses the tokens between the attribute's parentheses.
pub(crate) fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<Attribute> {
    let args = syn::parse::Parser::parse2(Punctuated::<Arg, Token![,]>::parse_terminated, tokens)?;
    let mut attribute = Attribute {
        form: None,
        tls: None,
        seed: None,
        behavior: None,
        protocol: None,
        mappings: None,
        params: Vec::new(),
    };
    let mut seen: Vec<Ident> = Vec::new();
    for Arg { key, value } in args {
        if seen.contains(&key) {
            return Err(syn::Error::new(
                key.span(),
                format!("`{key}` is given twice; keep one"),
            ));
        }
        seen.push(key.clone());
        let name = key.to_string();
        let span = key.span();
        let form = match (name.as_str(), value) {
            ("fixture", None) => Some(Form::Fixture),
            ("fixture", Some(value)) => {
                return Err(syn::Error::new(
                    value.span(),
                    "`fixture` stands alone, e.g. `#[with_fault_server(fixture)]` or `#[with_fault_server(fixture, tls)]`",
                ));
            }
            ("tls", value) => {
                let value = value.unwrap_or_else(|| syn::parse_quote_spanned!(span=> true));
                attribute.tls = Some((value, span));
                None
            }
            (_, None) => {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`{name}` needs a value: `{name} = ...`; only `fixture` and `tls` stand alone"
                    ),
                ));
            }
            ("port", Some(value)) => Some(Form::Port(quoted_mode(value)?)),
            ("proxy", Some(value)) => Some(Form::Proxy(value)),
            ("seed", Some(value)) => {
                attribute.seed = Some(value);
                None
            }
            ("behavior", Some(value)) => {
                attribute.behavior = Some((value, span));
                None
            }
            ("protocol", Some(value)) => {
                attribute.protocol = Some((value, span));
                None
            }
            ("mappings", Some(value)) => {
                attribute.mappings = Some((value, span));
                None
            }
            (_, Some(value)) => {
                attribute.params.push(Param { key, value });
                None
            }
        };
        if let Some(form) = form {
            if let Some((chosen, _)) = &attribute.form {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`{}` conflicts with `{}`: one attribute starts one server ({FORMS}); stack attributes for several",
                        form.key(),
                        chosen.key()
                    ),
                ));
            }
            attribute.form = Some((form, span));
        }
    }
    Ok(attribute)
}

/// `port`'s value: a mode written without quotes (`port = slow_drip`) is a common slip; say how
/// to write it.
fn quoted_mode(value: Expr) -> syn::Result<Expr> {
    if let Expr::Path(ExprPath { path, .. }) = &value
        && let Some(ident) = path.get_ident()
    {
        return Err(syn::Error::new(
            value.span(),
            format!("`port` takes the mode's name in quotes: `port = \"{ident}\"`"),
        ));
    }
    if !matches!(
        value,
        Expr::Lit(ExprLit {
            lit: Lit::Str(_),
            ..
        })
    ) {
        return Err(syn::Error::new(
            value.span(),
            "`port` takes the name of a catalog mode, e.g. `port = \"slow_drip\"`",
        ));
    }
    Ok(value)
}
