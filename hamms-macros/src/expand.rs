//! The rewrite: the test function loses its first parameter, which becomes a local bound to a
//! started server (or its URL) before the body runs, so it lives exactly as long as the body.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, ItemFn, Pat, Stmt, Type};

use crate::parse;
use crate::validate::{self, Args, Server};

/// What the injected parameter receives.
enum Injected {
    /// The handle itself.
    Handle,
    /// Something built from the handle (a URL), while a hidden local keeps the server alive.
    FromHandle,
}

pub(crate) fn with_fault_server(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "#[with_fault_server] goes on a test function",
            );
            return with_error(error, item);
        }
    };
    match rewrite(attr, &mut function) {
        Ok(()) => quote!(#function),
        Err(error) => {
            // One mistake, one error: the function stays, minus what would run or expand it
            // again and report the same mistake in other words.
            function.attrs.retain(|a| !is_test(a) && !is_ours(a));
            let function = quote! {
                #[allow(dead_code, unused_variables)]
                #function
            };
            with_error(error, function)
        }
    }
}

fn with_error(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #item)
}

fn rewrite(attr: TokenStream, function: &mut ItemFn) -> syn::Result<()> {
    if tokio_test_ran_first(function) {
        return Err(syn::Error::new(
            Span::call_site(),
            "move #[with_fault_server] above #[tokio::test]: attributes run top to bottom, and \
             #[tokio::test] has already turned this async fn into a sync one",
        ));
    }
    let Args { server, seed } = validate::validate(parse::parse(attr)?)?;
    let Some(first) = function.sig.inputs.first() else {
        return Err(syn::Error::new(
            function.sig.ident.span(),
            "add a parameter to receive the server, e.g. `server: FaultServer`, or `url: String` \
             for just its URL",
        ));
    };
    let FnArg::Typed(parameter) = first else {
        return Err(syn::Error::new(
            first.span(),
            "#[with_fault_server] goes on a free function, not a method",
        ));
    };
    let Pat::Ident(_) = &*parameter.pat else {
        return Err(syn::Error::new(
            parameter.pat.span(),
            "name the injected parameter, e.g. `server`",
        ));
    };
    let injected = injected(&parameter.ty)?;
    let (pattern, ty) = (&parameter.pat, &parameter.ty);
    let seed = match seed {
        Some(seed) => quote!(::core::option::Option::Some(#seed)),
        None => quote!(::core::option::Option::None),
    };
    let start = match &server {
        Server::Mode { name, params } => {
            let (keys, values): (Vec<_>, Vec<_>) = params.iter().cloned().unzip();
            quote!(::hamms_test::__private::start_mode(#name, &[#((#keys, #values)),*], #seed))
        }
        Server::Fixture { tls } => quote!(::hamms_test::__private::start_fixture(#tls, #seed)),
        Server::Proxy {
            backend,
            behavior,
            protocol,
            options,
        } => {
            let (keys, values): (Vec<_>, Vec<_>) = options.iter().cloned().unzip();
            quote!(::hamms_test::__private::start_proxy(
                &(#backend), #behavior, #protocol, &[#((#keys, #values)),*], #seed
            ))
        }
    };
    let hidden = syn::Ident::new("__hamms_server", Span::mixed_site());
    let binding: Vec<Stmt> = match injected {
        Injected::Handle => syn::parse_quote! { let #pattern: #ty = #start; },
        Injected::FromHandle => syn::parse_quote! {
            let #hidden = #start;
            let #pattern: #ty = ::hamms_test::__private::Inject::inject(&#hidden);
        },
    };
    function.sig.inputs = function.sig.inputs.iter().skip(1).cloned().collect();
    if let Some(at) = after_earlier_servers(&function.block) {
        // A #[with_fault_server] above this one already wrapped the body: start this server
        // after its, so this attribute's arguments can use the servers injected before.
        function.block.stmts.splice(at..at, binding);
    } else {
        let body = &function.block;
        *function.block = syn::parse_quote!({ #(#binding)* #body });
    }
    if !function.attrs.iter().any(is_test) {
        // Appended last, so that stacked #[with_fault_server] attributes below this one expand
        // before it.
        let test: Attribute = if function.sig.asyncness.is_some() {
            syn::parse_quote!(#[::hamms_test::__private::tokio::test(crate = "::hamms_test::__private::tokio")])
        } else {
            syn::parse_quote!(#[::core::prelude::v1::test])
        };
        function.attrs.push(test);
    }
    Ok(())
}

/// Where the servers of attributes above this one have been started, if they have: the index
/// after the last of their `let` statements.
fn after_earlier_servers(block: &syn::Block) -> Option<usize> {
    let count = block
        .stmts
        .iter()
        .take_while(|stmt| match stmt {
            Stmt::Local(local) => local.init.as_ref().is_some_and(|init| {
                let expr = &init.expr;
                quote!(#expr).to_string().contains("__private")
            }),
            _ => false,
        })
        .count();
    (count > 0).then_some(count)
}

/// What the parameter's type asks for: the handle, or its URL as `String` or `http::Uri`.
fn injected(ty: &Type) -> syn::Result<Injected> {
    let name = match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    match name.as_deref() {
        Some("FaultServer") => Ok(Injected::Handle),
        Some("String" | "Uri") => Ok(Injected::FromHandle),
        _ => Err(syn::Error::new(
            ty.span(),
            "the injected parameter is a `FaultServer`, or its URL as `String` or `http::Uri`",
        )),
    }
}

/// `#[test]`, `#[tokio::test]` and every other `...::test` attribute.
fn is_test(attribute: &Attribute) -> bool {
    attribute
        .path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "test")
}

fn is_ours(attribute: &Attribute) -> bool {
    attribute
        .path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "with_fault_server")
}

/// `#[tokio::test]` above this attribute has already run: the function is no longer async, and
/// its body starts with tokio's `let body = async { ... };`.
fn tokio_test_ran_first(function: &ItemFn) -> bool {
    function.sig.asyncness.is_none()
        && function.block.stmts.first().is_some_and(|stmt| {
            let Stmt::Local(local) = stmt else {
                return false;
            };
            let named_body = matches!(&local.pat, Pat::Ident(p) if p.ident == "body");
            let is_async = local
                .init
                .as_ref()
                .is_some_and(|init| matches!(*init.expr, syn::Expr::Async(_)));
            named_body && is_async
        })
}
