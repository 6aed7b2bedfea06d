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
        Server::Fixture {
            tls,
            mappings: None,
        } => quote!(::hamms_test::__private::start_fixture(#tls, #seed)),
        Server::Fixture {
            tls,
            mappings: Some((written, files)),
        } => quote!({
            // Each file is an input of the test: editing it rebuilds the test.
            #(const _: &[u8] = include_bytes!(#files);)*
            ::hamms_test::__private::start_fixture_with_mappings(
                #tls,
                concat!(env!("CARGO_MANIFEST_DIR"), "/", #written),
                #seed,
            )
        }),
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
    start_servers(&mut function.block, binding)?;
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

/// Starts this attribute's server at the top of the body, after the servers of the attributes
/// above this one (its arguments may name them).
///
/// Design note: every server is started inside one statement the attribute emits itself, an
/// invocation of `::hamms_test::__private::servers!`, which expands to the `let`s it holds. The
/// first attribute to expand puts it first in the body; each one below finds it there by its
/// path and adds its own `let`s at its end. A `#[tokio::test]` above the attributes has already
/// wrapped the body in its runtime: the servers start before the runtime, and its async block
/// uses them as it would the parameters.
fn start_servers(block: &mut syn::Block, binding: Vec<Stmt>) -> syn::Result<()> {
    if let Some(Stmt::Macro(earlier)) = block.stmts.first_mut()
        && is_servers_macro(&earlier.mac.path)
    {
        let mut started: Vec<Stmt> = earlier.mac.parse_body_with(syn::Block::parse_within)?;
        started.extend(binding);
        earlier.mac.tokens = quote!(#(#started)*);
        return Ok(());
    }
    let servers: Stmt = syn::parse_quote! {
        ::hamms_test::__private::servers! { #(#binding)* }
    };
    block.stmts.insert(0, servers);
    Ok(())
}

/// Whether `path` is `::hamms_test::__private::servers`, the statement this macro emits.
fn is_servers_macro(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    path.leading_colon.is_some() && segments == ["hamms_test", "__private", "servers"]
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
