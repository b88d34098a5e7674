//! Docs are pinned to the code they describe: the README's sample plan is what
//! `topo plan` prints for the bundled topology.toml on an empty cluster, kept as a snapshot
//! that the README must quote exactly; every other quoted plan names the snapshot it
//! quotes; every `--flag` and every topology key the docs mention exists.

use topo::diff::{diff, DiffContext};
use topo::model::LiveState;
use topo::render::{self, HumanOptions};

const SEED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/topology.toml"));
const MARKER: &str = "<!-- sample plan: snapshots/core/readme-sample-plan.snap -->";

#[test]
fn readme_sample_plan_is_the_bundled_topology_planned_on_an_empty_cluster() {
    let loaded = match topo::spec::load("topology.toml", SEED, &|_| None) {
        Ok(l) => l,
        Err(d) => panic!("{d}"),
    };
    let desired = loaded.desired;
    let live = LiveState {
        bootstrap: "127.0.0.1:19092".into(),
        brokers: 1,
        ..LiveState::default()
    };
    let ctx = DiffContext {
        topology: "topology.toml".into(),
        ..DiffContext::default()
    };
    let mut plan = diff(&desired, &live, &desired.policy, &ctx);
    // As the shell records it (commands::session).
    plan.environment = loaded.environment;
    let text = render::human(
        &plan,
        &HumanOptions {
            color: false,
            next_step: true,
        },
    );
    crate::snapshot!("readme-sample-plan", text.clone());

    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let quoted = readme
        .split_once(MARKER)
        .and_then(|(_, rest)| rest.trim_start().strip_prefix("```\n"))
        .and_then(|rest| rest.split_once("\n```"))
        .map(|(block, _)| block)
        .unwrap_or_else(|| panic!("README.md has no fenced block after {MARKER}"));
    assert_eq!(
        quoted,
        text.trim_end(),
        "README.md's sample plan differs from what topo prints (snapshots/core/readme-sample-plan.snap)"
    );
}

/// Every long flag of `topo` and its subcommands, aliases included.
fn topo_flags() -> std::collections::BTreeSet<String> {
    use clap::CommandFactory;
    fn collect(cmd: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
        for arg in cmd.get_arguments() {
            out.extend(arg.get_long().map(str::to_string));
            out.extend(
                arg.get_all_aliases()
                    .into_iter()
                    .flatten()
                    .map(str::to_string),
            );
        }
        for sub in cmd.get_subcommands() {
            collect(sub, out);
        }
    }
    let mut flags = std::collections::BTreeSet::from(["help".to_string(), "version".to_string()]);
    collect(&topo::cli::Cli::command(), &mut flags);
    flags
}

/// The `--flags` of every `topo ...` command line quoted in the README and docs/ (up to the
/// end of the code span, a pipe, a redirection or a comment).
#[test]
fn every_topo_flag_the_docs_mention_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let flags = topo_flags();
    let mut unknown = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (start, _) in line.match_indices("topo ") {
                let command = line[start..]
                    .split(['`', '|', '>', '#', ';', ')'])
                    .next()
                    .unwrap_or_default();
                for word in command.split_whitespace().filter(|w| w.starts_with("--")) {
                    let name = word
                        .trim_start_matches("--")
                        .split(['=', ',', '.', ':', '"', '\''])
                        .next()
                        .unwrap_or_default();
                    if !name.is_empty() && !flags.contains(name) {
                        unknown.push(format!("{}:{}: --{name}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "flags topo does not have:\n{}",
        unknown.join("\n")
    );
}

fn doc_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// A snapshot's text, without insta's header; any other file (a scenario's topology) whole.
fn snapshot_text(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_none_or(|e| e != "snap") {
        return text.trim_end().to_string();
    }
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, body)| body)
        .unwrap_or_else(|| panic!("{}: not an insta snapshot", path.display()));
    body.trim_end().to_string()
}

/// Plans quoted in the docs are output that tests produce: a fenced block right after
/// `<!-- snapshot: snapshots/core/NAME.snap -->` is the whole snapshot, and one after
/// `<!-- snapshot excerpt: snapshots/core/NAME.snap -->` is a run of its lines. A change
/// to the output then fails here until the docs quote it again. The marker may also name
/// a scenario's input file, which the block then quotes whole.
#[test]
fn plans_quoted_in_the_docs_are_snapshots() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let mut quotes = 0;
    for file in doc_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (start, _) in text.match_indices("<!-- snapshot") {
            let line = text[..start].lines().count() + 1;
            let at = format!("{}:{line}", file.display());
            let (marker, rest) = text[start..].split_once("-->").unwrap_or_default();
            let (excerpt, snap) = match marker.trim_start_matches("<!-- ").split_once(':') {
                Some(("snapshot", path)) => (false, path.trim()),
                Some(("snapshot excerpt", path)) => (true, path.trim()),
                _ => {
                    problems.push(format!("{at}: unknown marker {marker}-->"));
                    continue;
                }
            };
            let block = rest
                .trim_start()
                .strip_prefix("```")
                .and_then(|rest| rest.split_once('\n'))
                .and_then(|(_, rest)| rest.split_once("\n```"))
                .map(|(block, _)| block);
            let Some(block) = block else {
                problems.push(format!("{at}: no fenced block after the marker"));
                continue;
            };
            let snapshot = snapshot_text(&root.join(snap));
            let quoted = if excerpt {
                let lines: Vec<&str> = snapshot.lines().collect();
                let wanted: Vec<&str> = block.lines().collect();
                !wanted.is_empty() && lines.windows(wanted.len()).any(|w| w == wanted)
            } else {
                block == snapshot
            };
            if !quoted {
                problems.push(format!(
                    "{at}: the block differs from {snap}; quote it again:\n{snapshot}"
                ));
            }
            quotes += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(quotes >= 3, "only {quotes} pinned quotes found");
}

/// Where a key may stand in the topology file, by the schema `topo schema` prints.
struct Schema(serde_json::Value);

impl Schema {
    fn resolve<'a>(&'a self, mut node: &'a serde_json::Value) -> &'a serde_json::Value {
        while let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
            let path = r.strip_prefix("#/").expect("local reference");
            node = path.split('/').fold(&self.0, |n, part| &n[part]);
        }
        node
    }

    /// The object schema among a node's alternatives (`dlq = true` or a table, ...).
    fn object<'a>(&'a self, node: &'a serde_json::Value) -> Option<&'a serde_json::Value> {
        let node = self.resolve(node);
        if node.get("properties").is_some() || node.get("additionalProperties").is_some() {
            return Some(node);
        }
        for alternatives in ["anyOf", "oneOf"] {
            if let Some(list) = node.get(alternatives).and_then(|l| l.as_array()) {
                if let Some(found) = list.iter().find_map(|n| self.object(n)) {
                    return Some(found);
                }
            }
        }
        node.get("items").and_then(|items| self.object(items))
    }

    /// The schema of `key` inside the table `node`, or None when the key is not allowed.
    fn child<'a>(
        &'a self,
        node: &'a serde_json::Value,
        key: &str,
    ) -> Option<&'a serde_json::Value> {
        let node = self.object(node)?;
        if let Some(child) = node.get("properties").and_then(|p| p.get(key)) {
            return Some(child);
        }
        if let Some(patterns) = node.get("patternProperties").and_then(|p| p.as_object()) {
            for (pattern, child) in patterns {
                if pattern_prefixes(pattern)
                    .iter()
                    .any(|p| key.starts_with(p.as_str()))
                {
                    return Some(child);
                }
            }
        }
        match node.get("additionalProperties") {
            Some(serde_json::Value::Bool(false)) => None,
            Some(serde_json::Value::Bool(true)) | None => Some(&serde_json::Value::Null),
            Some(child) => Some(child),
        }
    }

    /// Every key of a parsed TOML value that the schema has no place for, as dotted paths.
    fn unknown_keys(
        &self,
        node: &serde_json::Value,
        value: &toml::Value,
        path: &str,
        out: &mut Vec<String>,
    ) {
        // `Null` stands for a place the schema leaves open.
        if node.is_null() {
            return;
        }
        match value {
            toml::Value::Table(table) => {
                for (key, value) in table {
                    let here = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    match self.child(node, key) {
                        Some(child) => self.unknown_keys(child, value, &here, out),
                        None => out.push(here),
                    }
                }
            }
            toml::Value::Array(items) => {
                let item = self
                    .resolve(node)
                    .get("items")
                    .unwrap_or(&serde_json::Value::Null);
                for value in items {
                    self.unknown_keys(item, value, path, out);
                }
            }
            _ => {}
        }
    }
}

/// The literal prefixes a schema pattern such as `^(redpanda|confluent)\.` admits.
fn pattern_prefixes(pattern: &str) -> Vec<String> {
    let alternatives = pattern
        .strip_prefix("^(")
        .and_then(|rest| rest.strip_suffix(")\\."))
        .unwrap_or_else(|| panic!("schema pattern {pattern} is not of the form ^(a|b)\\."));
    alternatives.split('|').map(|a| format!("{a}.")).collect()
}

/// Every topology key the docs show exists in the file model: the keys of each ```toml
/// block (parsed, so tables, dotted keys and inline tables all count), the first column of
/// each `| key | ...` table, and backticked `section.key` mentions such as
/// `policy.delete_undeclared`. The schema `topo schema` prints is the reference.
#[test]
fn every_topology_key_the_docs_mention_exists() {
    let schema = Schema(serde_json::from_str(&topo::spec::json_schema()).unwrap());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut everywhere = std::collections::BTreeSet::new();
    collect_property_names(&schema.0, &mut everywhere);
    let sections: Vec<&str> = schema.0["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let files = [
        "README.md",
        "docs/topology.md",
        "docs/environments.md",
        "docs/groups.md",
        "docs/security.md",
        "docs/drift.md",
        "docs/ci.md",
    ];
    let mut unknown = Vec::new();
    let mut checked = 0;
    for name in files {
        let text = std::fs::read_to_string(root.join(name)).unwrap();
        let line_of = |offset: usize| text[..offset].lines().count() + 1;

        for (start, _) in text.match_indices("```toml\n") {
            let body = &text[start + 8..];
            let block = &body[..body.find("```").unwrap_or(body.len())];
            let value: toml::Value = toml::from_str(block)
                .unwrap_or_else(|e| panic!("{name}:{}: not TOML: {e}", line_of(start)));
            let mut found = Vec::new();
            schema.unknown_keys(&schema.0, &value, "", &mut found);
            unknown.extend(
                found
                    .into_iter()
                    .map(|k| format!("{name}:{}: {k}", line_of(start))),
            );
            checked += 1;
        }

        let mut in_key_table = false;
        for (n, line) in text.lines().enumerate() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 3 || !line.starts_with('|') {
                in_key_table = false;
                continue;
            }
            if cells[1] == "key" {
                in_key_table = true;
                continue;
            }
            if !in_key_table {
                continue;
            }
            if let Some(key) = cells[1].strip_prefix('`').and_then(|k| k.strip_suffix('`')) {
                if !key.contains(['.', ' ', '[', '=']) && !everywhere.contains(key) {
                    unknown.push(format!("{name}:{}: {key}", n + 1));
                }
                checked += 1;
            }
        }

        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                continue;
            }
            // Code spans stay on one line: the odd pieces between backticks are spans.
            for span in line.split('`').skip(1).step_by(2) {
                let Some((section, rest)) = span.split_once('.') else {
                    continue;
                };
                if !sections.contains(&section) {
                    continue;
                }
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if key.is_empty() {
                    continue;
                }
                checked += 1;
                if schema
                    .child(&schema.0["properties"][section], &key)
                    .is_none()
                {
                    unknown.push(format!("{name}:{}: {section}.{key}", n + 1));
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} keys checked");
    assert!(
        unknown.is_empty(),
        "keys the topology file does not have:\n{}",
        unknown.join("\n")
    );
}

fn collect_property_names(node: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match node {
        serde_json::Value::Object(map) => {
            if let Some(props) = map.get("properties").and_then(|p| p.as_object()) {
                out.extend(props.keys().cloned());
            }
            map.values().for_each(|v| collect_property_names(v, out));
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|v| collect_property_names(v, out))
        }
        _ => {}
    }
}
