//! `topo import --env NAME`: how a cluster differs from an existing base topology,
//! written as an `[environments.NAME]` section, so adopting a second cluster adds a
//! section to the file instead of a copy of it.
//!
//! Pure: handed the base file's text, its desired state and the live cluster, returns the
//! new text. Only what differs is written (partition counts, replication factors, config
//! values); environments change declared topics only, so a declared topic missing from
//! the cluster, or a live topic the file does not declare, becomes a comment.

use std::fmt::Write as _;

use crate::diff::values_equal;
use crate::model::{DesiredState, LiveState, LiveTopic, TopicSpec};

/// A TOML string literal (names and values come from a broker and may hold anything).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// What one topic needs in the environment to match the live topic.
fn differences(spec: &TopicSpec, live: &LiveTopic) -> Vec<String> {
    let mut lines = Vec::new();
    if spec.partitions != live.partitions {
        lines.push(format!("partitions = {}", live.partitions));
    }
    if spec.replication_factor != live.replication_factor {
        lines.push(format!("replication_factor = {}", live.replication_factor));
    }
    let mut config: Vec<(String, String)> = Vec::new();
    // Declared keys whose live value differs (whether set on the topic or inherited from
    // the broker), then live overrides the file does not declare.
    for (key, want) in &spec.config {
        let got = live
            .config
            .as_ref()
            .and_then(|c| c.get(key))
            .and_then(|e| e.value.clone());
        if let Some(got) = got {
            if !values_equal(want, &got) {
                config.push((key.clone(), got));
            }
        }
    }
    for (key, entry) in live.overrides() {
        if spec.config.contains_key(key) {
            continue;
        }
        if let Some(value) = &entry.value {
            config.push((key.clone(), value.clone()));
        }
    }
    if !config.is_empty() {
        config.sort();
        let body: Vec<String> = config
            .iter()
            .map(|(k, v)| format!("{} = {}", quoted(k), quoted(v)))
            .collect();
        lines.push(format!("config = {{ {} }}", body.join(", ")));
    }
    lines
}

/// The base file's text with a new `[environments.NAME]` section describing `live`.
///
/// `has_environments` says whether the base file already declares environments: if not,
/// the file as written becomes the `base` environment and the default, so commands that
/// ran without `--env` before still do.
pub fn with_environment(
    base_text: &str,
    name: &str,
    base: &DesiredState,
    live: &LiveState,
    bootstrap: &str,
    has_environments: bool,
) -> String {
    let mut section = String::new();
    let _ = writeln!(
        section,
        "\n# How the cluster at {bootstrap} differs from the file above (topo import --env {name})."
    );
    let _ = writeln!(section, "[environments.{name}.cluster]");
    let _ = writeln!(section, "bootstrap_servers = {}", quoted(bootstrap));
    let mut missing = Vec::new();
    for spec in base.topics.values() {
        let Some(current) = live.topics.get(&spec.name) else {
            missing.push(spec.name.clone());
            continue;
        };
        let lines = differences(spec, current);
        if lines.is_empty() {
            continue;
        }
        let header = match spec.dlq_of() {
            Some(parent) => format!("[environments.{name}.topics.{}.dlq]", quoted(parent)),
            None => format!("[environments.{name}.topics.{}]", quoted(&spec.name)),
        };
        let _ = writeln!(section, "\n{header}");
        for line in lines {
            let _ = writeln!(section, "{line}");
        }
    }
    if !missing.is_empty() {
        let _ = writeln!(
            section,
            "\n# Declared above but not on this cluster (created by `topo apply --env {name}`):"
        );
        for m in &missing {
            let _ = writeln!(section, "#   {m}");
        }
    }
    let undeclared: Vec<&String> = live
        .topics
        .keys()
        .filter(|t| !base.topics.contains_key(t) && base.policy.in_scope(t))
        .collect();
    if !undeclared.is_empty() {
        let _ = writeln!(
            section,
            "\n# On this cluster in the managed scope but not declared (environments do not add topics):"
        );
        for t in undeclared {
            let _ = writeln!(section, "#   {t}");
        }
    }

    let mut text = base_text.to_string();
    if !has_environments {
        text = with_default_environment(&text, "base");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("\n# The file above as written.\n[environments.base]\n");
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&section);
    text
}

/// Inserts `default_environment = "NAME"` among the root keys: before the first table
/// header, since anything after one belongs to that table.
fn with_default_environment(text: &str, env: &str) -> String {
    let line = format!("default_environment = {}\n", quoted(env));
    let mut offset = 0;
    for l in text.split_inclusive('\n') {
        if l.trim_start().starts_with('[') {
            let mut out = String::with_capacity(text.len() + line.len() + 1);
            out.push_str(&text[..offset]);
            out.push_str(&line);
            out.push('\n');
            out.push_str(&text[offset..]);
            return out;
        }
        offset += l.len();
    }
    let mut out = line;
    out.push_str(text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_goes_before_the_first_table() {
        let text = "# comment\nx = 1\n\n[cluster]\na = 1\n";
        assert_eq!(
            with_default_environment(text, "base"),
            "# comment\nx = 1\n\ndefault_environment = \"base\"\n\n[cluster]\na = 1\n"
        );
        assert_eq!(
            with_default_environment("", "base"),
            "default_environment = \"base\"\n"
        );
    }
}
