//! The topology file (`topology.toml`): parsing, validation and expansion into the
//! [`DesiredState`] every later stage works from. This layer is pure: it is handed the
//! file name, the source text and an environment lookup, and never reads files, the
//! process environment or the network, so every outcome is reproducible in a test.
//!
//! Loading reports every problem at once, each located by file, line and column in the
//! compiler style (see [`Diagnostic`]). The file is parsed into a compact spanned tree
//! (`tree`) and walked by hand rather than deserialised with serde, because serde stops
//! at the first error and forgets where values came from.

mod catalogue;
mod client_props;
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
mod tree;
mod walk;

use crate::model::DesiredState;

pub use client_props::client_properties;
pub use cluster_keys::{
    check as check_cluster_keys, problems as cluster_key_problems, version_notes, KeyProblem,
};
pub use compose::{
    environment_names, load_base, load_files, validate_all, validate_one, SourceFile, Validated,
};
pub use diagnostic::{Diagnostic, Diagnostics, Omitted, Severity, MAX_DIAGNOSTICS};
pub use overrides::with_environment;
pub use schema::json_schema;
pub use target::{restrict, Target, TargetError, TargetKind};

/// How the topology parser and the `toml` crate differ on `src`, if they do: acceptance
/// or any value read. For the differential fuzz target; not part of the interface.
#[doc(hidden)]
pub fn toml_disagreement(src: &str) -> Option<String> {
    tree::reference::disagreement(src)
}

/// A topology that loaded without errors, and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub desired: DesiredState,
    pub warnings: Vec<Diagnostic>,
    /// The environment applied, when the topology declares environments.
    pub environment: Option<String>,
}

/// Like [`load`], for the file's bytes as read: text that is not UTF-8 is an error located
/// at the first byte that is not, instead of a read error with no place to look.
pub fn load_bytes(
    file: &str,
    bytes: &[u8],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Diagnostics> {
    load(file, check_utf8(file, bytes)?, env)
}

/// The file's bytes as text, or the located error of its first byte that is not UTF-8.
pub fn utf8_text(file: &str, bytes: Vec<u8>) -> Result<String, Diagnostics> {
    check_utf8(file, &bytes)?;
    String::from_utf8(bytes).map_err(|_| Diagnostics(Vec::new(), Omitted::default()))
}

fn check_utf8<'b>(file: &str, bytes: &'b [u8]) -> Result<&'b str, Diagnostics> {
    match std::str::from_utf8(bytes) {
        Ok(source) => Ok(source),
        Err(e) => {
            let at = e.valid_up_to();
            // The valid prefix locates the byte: its line and its column in characters.
            let valid = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
            let map = diagnostic::SourceMap::new(file, valid);
            let byte = bytes.get(at).copied().unwrap_or_default();
            let d = map.diagnostic(
                Severity::Error,
                at..at,
                format!(
                    "invalid UTF-8: byte 0x{byte:02x} cannot start or continue a character here"
                ),
                Some("topology files are UTF-8 text; re-save the file as UTF-8".into()),
            );
            Err(Diagnostics(vec![d], Omitted::default()))
        }
    }
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
    fn invalid_utf8_is_located() {
        let bytes = b"[topics.a]\npartitions = 1 # caf\xc3\xa9 \xff\n";
        let d = match load_bytes("t.toml", bytes, &no_env) {
            Ok(_) => panic!("accepted invalid UTF-8"),
            Err(d) => d,
        };
        assert_eq!(d.0.len(), 1);
        assert_eq!((d.0[0].line, d.0[0].col), (2, 23));
        assert!(d.0[0].message.contains("invalid UTF-8: byte 0xff"), "{d}");
    }

    #[test]
    fn diagnostics_are_capped_and_counted() {
        let mut source = String::new();
        for i in 0..1000 {
            source.push_str(&format!(
                "[topics.t{i}]\npartitions = 0\nreplication_factor = 1\n"
            ));
        }
        let d = match load("t.toml", &source, &no_env) {
            Ok(_) => panic!("accepted"),
            Err(d) => d,
        };
        assert_eq!(d.0.len(), MAX_DIAGNOSTICS);
        // Each topic's own problem is still counted once the report is full; the
        // declarations after that are not kept, so the count is a lower bound.
        assert_eq!(d.error_count(), 1000);
        assert!(d.1.partial);
        assert!(d
            .to_string()
            .contains("... and at least 900 more not shown"));
        assert!(d.to_string().ends_with("at least 1000 errors, 0 warnings"));
        // One line of inline topics: the report stays small whatever the line's length.
        let line: String = (0..2000)
            .map(|i| format!("t{i} = {{ partitions = 0 }}, "))
            .collect();
        let source = format!("topics = {{ {} }}\n", line.trim_end_matches(", "));
        let d = match load("t.toml", &source, &no_env) {
            Ok(_) => panic!("accepted"),
            Err(d) => d,
        };
        assert!(d.to_string().len() < 100_000, "{}", d.to_string().len());
    }

    #[test]
    fn a_full_report_of_warnings_keeps_every_declaration() {
        // Warnings alone do not fail the load, so nothing may be dropped for them.
        let mut source = String::new();
        for i in 0..150 {
            source.push_str(&format!("[groups.g{i}]\ntopics = [\"elsewhere\"]\n"));
        }
        source.push_str("[defaults]\npartitions = 1\nreplication_factor = 1\n[topics.kept]\n");
        let loaded = match load("t.toml", &source, &no_env) {
            Ok(l) => l,
            Err(d) => panic!("{d}"),
        };
        assert_eq!(loaded.warnings.len(), MAX_DIAGNOSTICS);
        assert_eq!(loaded.desired.groups.len(), 150);
        assert!(loaded.desired.topics.contains_key("kept"));
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
