//! Hostile topology files: inputs that once crashed or exhausted the loader (kept from
//! fuzzing in `tests/core/fuzz-regressions/`) and generated worst cases. Each must load
//! to a result, with a report whose size does not grow with the input.

use std::path::Path;

use topo::spec;

/// Largest rendering of one diagnostic (message and help cut at 400 characters, the line
/// window at 160, up to four bytes a character) times the cap, plus the summary lines;
/// the same bound the fuzz target asserts.
const MAX_RENDERED: usize = spec::MAX_DIAGNOSTICS * 6_000 + 1_000;

fn env(name: &str) -> Option<String> {
    match name {
        "A" => Some("a".into()),
        "TOPIC" => Some("orders".into()),
        "EMPTY" => Some(String::new()),
        _ => None,
    }
}

/// Loads `bytes` and returns the rendered report (empty when the file is valid).
fn report(bytes: &[u8]) -> String {
    match spec::load_bytes("hostile.toml", bytes, &env) {
        Ok(_) => String::new(),
        Err(d) => d.to_string(),
    }
}

#[test]
fn every_kept_regression_input_loads_with_a_bounded_report() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/core/fuzz-regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("regression directory") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read input");
        let text = report(&bytes);
        assert!(
            text.len() <= MAX_RENDERED,
            "{}: {}",
            path.display(),
            text.len()
        );
        seen += 1;
    }
    assert!(seen >= 1, "no regression inputs in {}", dir.display());
}

#[test]
fn deeply_nested_defaults_are_an_error_not_a_stack_overflow() {
    let n = 200_000;
    let source = format!(
        "[cluster]\nbootstrap_servers = \"{}x{}\"\n",
        "${A_UNSET:-".repeat(n),
        "}".repeat(n)
    );
    let text = report(source.as_bytes());
    assert!(
        text.contains("hostile.toml:2:"),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(
        text.contains("nest more than"),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(text.len() <= MAX_RENDERED);
}

#[test]
fn one_long_line_of_errors_gives_a_small_report() {
    let line: String = (0..20_000)
        .map(|i| format!("t{i} = {{ partitions = 0, replication_factor = 0 }}, "))
        .collect();
    let source = format!("topics = {{ {} }}\n", line.trim_end_matches(", "));
    let text = report(source.as_bytes());
    assert!(
        text.contains("and at least 39900 more not shown"),
        "{}",
        &text[text.len() - 300..]
    );
    assert!(text.len() <= MAX_RENDERED, "{}", text.len());
}

#[test]
fn binary_garbage_is_located() {
    let mut bytes = b"[topics.a]\npartitions = 1\n".to_vec();
    bytes.extend((0..=255u8).cycle().take(100_000));
    let text = report(&bytes);
    assert!(
        text.starts_with("hostile.toml:"),
        "{}",
        &text[..text.len().min(500)]
    );
    assert!(text.len() <= MAX_RENDERED);
}
