//! The layout the docs promise, checked against the source: every file under `src/` has a
//! row in docs/architecture.md's module table (and every row a file), no command imports
//! another, and nothing outside `commands` imports one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(base).unwrap();
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn the_module_table_lists_every_file_under_src() {
    let src = root().join("src");
    let mut files = BTreeSet::new();
    rust_files(&src, &src, &mut files);
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let rows: BTreeSet<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    let missing: Vec<_> = files.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&files).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/architecture.md: no row for {missing:?}; rows without a file: {stale:?}"
    );
}

/// Modules under `src/commands/` that commands share; every other file there is a command.
const SHARED: &[&str] = &["mod", "session", "output", "topology"];

#[test]
fn no_command_imports_another_and_nothing_imports_a_command() {
    let dir = root().join("src/commands");
    let commands: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .filter(|stem| !SHARED.contains(&stem.as_str()))
        .collect();
    assert!(commands.len() >= 8, "{commands:?}");
    // Shared modules may not import commands either.
    let shared = SHARED
        .iter()
        .filter(|s| **s != "mod")
        .map(|s| s.to_string());
    for file in commands.iter().cloned().chain(shared) {
        let text = std::fs::read_to_string(dir.join(format!("{file}.rs"))).unwrap();
        for other in commands.iter().filter(|c| **c != file) {
            for pattern in [format!("super::{other}"), format!("commands::{other}")] {
                assert!(
                    !text.contains(&pattern),
                    "src/commands/{file}.rs uses {pattern}"
                );
            }
        }
    }
    let src = root().join("src");
    let mut files = BTreeSet::new();
    rust_files(&src, &src, &mut files);
    for file in files
        .iter()
        .filter(|f| !f.starts_with("commands/") && *f != "main.rs")
    {
        let text = std::fs::read_to_string(src.join(file)).unwrap();
        assert!(
            !text.contains("crate::commands"),
            "src/{file} depends on the shell"
        );
    }
}
