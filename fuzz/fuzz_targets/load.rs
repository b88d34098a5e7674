//! Fuzz target over the whole topology load path: UTF-8 check, TOML parse, walk,
//! interpolation, validation, expansion, and rendering of the diagnostics. Besides
//! panics and overflows, it fails when the rendered report outgrows its bound.
#![no_main]

use topo::spec;
use libfuzzer_sys::fuzz_target;

/// A fixed environment: set, empty and numeric variables, so interpolation takes every
/// branch.
fn env(name: &str) -> Option<String> {
    match name {
        "A" => Some("a".into()),
        "TOPIC" => Some("orders".into()),
        "EMPTY" => Some(String::new()),
        "NUM" => Some("6".into()),
        "BOOL" => Some("true".into()),
        "DOLLAR" => Some("$".into()),
        _ => None,
    }
}

/// Largest rendering of one diagnostic (message and help at 400 characters, the line
/// window at 160, four bytes a character at worst) plus the summary lines.
const MAX_RENDERED: usize = spec::MAX_DIAGNOSTICS * 6_000 + 1_000;

fuzz_target!(|data: &[u8]| {
    match spec::load_bytes("fuzz.toml", data, &env) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                let _ = w.to_string();
            }
        }
        Err(d) => {
            let text = d.to_string();
            assert!(
                text.len() <= MAX_RENDERED,
                "diagnostics rendered to {} bytes",
                text.len()
            );
        }
    }
});
