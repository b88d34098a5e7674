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
mod cluster_keys;
mod compose;
mod config;
mod diagnostic;
mod env;
mod expand;
mod interpolate;
mod names;
mod overrides;
mod schema;
mod security;
mod suggest;
mod target;
mod walk;

use crate::model::DesiredState;

pub use cluster_keys::{
    check as check_cluster_keys, problems as cluster_key_problems, version_notes, KeyProblem,
};
pub use compose::{environment_names, load_base, load_files, validate_all, SourceFile, Validated};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use overrides::with_environment;
pub use schema::json_schema;
pub use target::{restrict, Target, TargetError, TargetKind};

/// A topology that loaded without errors, and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub desired: DesiredState,
    pub warnings: Vec<Diagnostic>,
    /// The environment applied, when the topology declares environments.
    pub environment: Option<String>,
}

/// toml reports redefinitions as "duplicate key"; the tree it recovers is still sound
/// (the second definition is dropped or merged), so validation can continue and report
/// the rest of the file too. Any other syntax error leaves a tree not worth validating.
fn is_structural(error: &toml::de::Error) -> bool {
    error.message().starts_with("duplicate key")
}

/// Parses, validates and expands a topology file. `file` is only used in diagnostics;
/// `env` resolves `${VAR}` references. A file declaring environments loads its
/// `default_environment` (see [`load_files`] to choose another).
///
/// Returns every error and warning on failure (in source order), or the desired state
/// and any warnings on success.
pub fn load(
    file: &str,
    source: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Diagnostics> {
    load_files(
        &[SourceFile {
            name: file,
            text: source,
        }],
        env,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    /// `(line, col, message)` of every diagnostic, errors and warnings alike.
    fn problems(source: &str) -> Vec<(usize, usize, String)> {
        let all = match load("t.toml", source, &no_env) {
            Ok(loaded) => loaded.warnings,
            Err(d) => d.0,
        };
        all.into_iter()
            .map(|d| (d.line, d.col, d.message))
            .collect()
    }

    #[test]
    fn a_table_defined_twice_does_not_stop_validation() {
        let p = problems("[topics.a]\npartitions = 1\n[topics.a]\nreplication_factor = 0\n");
        assert_eq!(
            p,
            vec![
                (3, 9, "`a` is defined twice".to_string()),
                (
                    4,
                    22,
                    "`replication_factor` must be between 1 and 32767, got 0".to_string()
                ),
            ]
        );
    }

    #[test]
    fn other_syntax_errors_stop_before_validation() {
        let p = problems("a = [\n[topics.x]\npartitions = 0\n");
        assert!(
            p.iter().all(|(_, _, m)| m.starts_with("invalid TOML")),
            "{p:?}"
        );
    }

    #[test]
    fn a_typo_is_reported_once() {
        let p = problems("[topics.a]\npartiton = 1\nreplication_factr = 1\n");
        assert_eq!(p.len(), 2, "{p:?}");
        let p = problems(
            "[defaults]\npartitions = 0\nreplication_factor = 1\n[topics.a]\n[topics.b]\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
    }

    #[test]
    fn interpolation_errors_point_inside_plain_strings_only() {
        let p = problems("[cluster]\nbootstrap_servers = \"h:${PORT}\"\n");
        assert_eq!((p[0].0, p[0].1), (2, 24), "{p:?}");
        // With an escape before it, source and decoded offsets differ: the whole string.
        let p = problems("[cluster]\nbootstrap_servers = \"\\u0068:${PORT}\"\n");
        assert_eq!(p[0].1, 21);
    }

    #[test]
    fn diagnostics_come_in_source_order() {
        let p = problems(
            "[topics.z]\npartitions = 0\nreplication_factor = 1\n\
             [topics.a]\npartitions = 1\nreplication_factor = 0\n",
        );
        let lines: Vec<usize> = p.iter().map(|(l, _, _)| *l).collect();
        assert_eq!(lines, vec![2, 6]);
    }

    #[test]
    fn warnings_alone_do_not_fail() {
        let loaded = load("t.toml", "[groups.g]\ntopics = [\"elsewhere\"]\n", &no_env);
        let loaded = match loaded {
            Ok(l) => l,
            Err(d) => panic!("{d}"),
        };
        assert_eq!(loaded.warnings.len(), 1);
        assert_eq!(loaded.warnings[0].severity, Severity::Warning);
        assert!(loaded.desired.groups.contains_key("g"));
    }
}
