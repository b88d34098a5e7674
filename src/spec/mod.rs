//! The topology file (`topology.toml`): parsing, validation and expansion into the
//! [`DesiredState`] every later stage works from. This layer is pure: it is handed the
//! file name, the source text and an environment lookup, and never reads files, the
//! process environment or the network, so every outcome is reproducible in a test.
//!
//! Loading reports every problem at once, each located by file, line and column in the
//! compiler style (see [`Diagnostic`]). The file is walked by hand over toml's spanned
//! document rather than deserialised with serde, because serde stops at the first error
//! and forgets where values came from.

mod catalogue;
mod config;
mod diagnostic;
mod expand;
mod interpolate;
mod names;
mod schema;
mod suggest;
mod walk;

use toml::de::DeTable;

use crate::model::DesiredState;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use schema::json_schema;

/// A topology that loaded without errors, and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub desired: DesiredState,
    pub warnings: Vec<Diagnostic>,
}

/// toml reports redefinitions as "duplicate key"; the tree it recovers is still sound
/// (the second definition is dropped or merged), so validation can continue and report
/// the rest of the file too. Any other syntax error leaves a tree not worth validating.
fn is_structural(error: &toml::de::Error) -> bool {
    error.message().starts_with("duplicate key")
}

/// Parses, validates and expands a topology file. `file` is only used in diagnostics;
/// `env` resolves `${VAR}` references.
///
/// Returns every error and warning on failure (in source order), or the desired state
/// and any warnings on success.
pub fn load(
    file: &str,
    source: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Diagnostics> {
    let mut ctx = walk::Ctx::new(file, source, env);
    let (root, syntax_errors) = DeTable::parse_recoverable(source);
    for e in &syntax_errors {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().replace('\n', "; ");
        if is_structural(e) {
            let key = source.get(span.clone()).unwrap_or("").to_string();
            ctx.error(
                &span,
                format!("`{key}` is defined twice"),
                Some("TOML allows each key and each [table] only once; merge the two".into()),
            );
        } else {
            ctx.error(&span, format!("invalid TOML: {message}"), None);
        }
    }
    let desired = if syntax_errors.iter().all(is_structural) {
        let decl = walk::walk(&mut ctx, root.get_ref());
        expand::expand(&mut ctx, decl)
    } else {
        DesiredState::default()
    };
    let mut diagnostics = ctx.diagnostics;
    // Stable: problems found at the same place keep the order they were found in.
    diagnostics.sort_by_key(|d| (d.line, d.col));
    if diagnostics.iter().any(Diagnostic::is_error) {
        Err(Diagnostics(diagnostics))
    } else {
        Ok(Loaded {
            desired,
            warnings: diagnostics,
        })
    }
}
