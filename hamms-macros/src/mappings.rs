//! `mappings = "..."`: the WireMock mapping files a fixture loads, read and checked while the
//! test compiles (a malformed file is a compile error naming the file, the member at fault and
//! the valid choices), and tracked, so editing one rebuilds the test.

use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit};

/// The path as written and the mapping files under it (absolute paths), every one checked.
pub(crate) fn check(value: &Expr) -> syn::Result<(String, Vec<String>)> {
    let Expr::Lit(ExprLit {
        lit: Lit::Str(path),
        ..
    }) = value
    else {
        return Err(syn::Error::new(
            value.span(),
            "`mappings` takes a path in quotes, relative to the crate: `mappings = \"tests/stubs\"`",
        ));
    };
    files(&path.value()).map_err(|message| syn::Error::new(path.span(), message))
}

#[cfg(feature = "wiremock")]
fn files(written: &str) -> Result<(String, Vec<String>), String> {
    use std::path::Path;

    use hamms_catalog::wiremock::{Mapping, mapping_files};

    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let path = Path::new(&crate_dir).join(written);
    if !path.exists() {
        return Err(format!(
            "`{written}` does not exist (paths are relative to the crate, {crate_dir})"
        ));
    }
    let (_, files) = mapping_files(&path).map_err(|e| format!("`{written}`: {e}"))?;
    let mut checked = Vec::new();
    for file in files {
        let shown = file
            .strip_prefix(&crate_dir)
            .unwrap_or(&file)
            .display()
            .to_string();
        let shown = shown.trim_start_matches('/').to_owned();
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{shown}: {e}"))?;
        Mapping::parse_file(&text).map_err(|e| format!("{shown}: {e}"))?;
        checked.push(file.display().to_string());
    }
    Ok((written.to_owned(), checked))
}

#[cfg(not(feature = "wiremock"))]
fn files(_: &str) -> Result<(String, Vec<String>), String> {
    Err("`mappings` needs hamms-test's `wiremock` feature: \
         hamms-test = { version = \"0.1\", features = [\"wiremock\"] }"
        .to_owned())
}
