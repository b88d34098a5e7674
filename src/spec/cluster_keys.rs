//! Topic config keys checked against the connected cluster: a file may declare any key of
//! any supported Kafka version (`topo validate` has no cluster to ask), but a plan only
//! what the cluster knows, by its own list of keys where it gives one, else by the
//! catalogue of its version. Problems are located at the key in the file, so they read
//! like every other validation error and come before anything is written.

use std::collections::BTreeSet;
use std::ops::Range;

use super::catalogue;
use super::config::{self, Raw};
use super::diagnostic::{Diagnostic, Diagnostics, Severity, SourceMap};
use super::tree::{self, Table};
use super::SourceFile;
use crate::model::{BrokerProfile, DesiredState, Family, Release};

/// What decides acceptance: the cluster's own key list, else its release.
struct Rules<'a> {
    label: String,
    listed: Option<&'a BTreeSet<String>>,
    release: Option<Release>,
}

impl Rules<'_> {
    fn knows(&self, key: &str) -> bool {
        match (self.listed, self.release) {
            (Some(listed), _) => listed.contains(key),
            (None, Some(r)) => catalogue::kind_in(key, r).is_some(),
            (None, None) => true,
        }
    }
}

/// One key a topic declares that the cluster would refuse, before it is located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProblem {
    pub topic: String,
    pub key: String,
    pub message: String,
    pub help: Option<String>,
}

/// Every declared topic config the connected cluster does not know or would refuse the
/// value of. Vendor-prefixed keys are the vendor's business and pass.
pub fn problems(desired: &DesiredState, profile: &BrokerProfile) -> Vec<KeyProblem> {
    let rules = Rules {
        label: profile.label(),
        listed: profile.topic_config_keys.as_ref(),
        // Only Apache Kafka's releases have a catalogue here; other families are checked
        // by their own key list alone.
        release: (profile.family == Family::ApacheKafka)
            .then(|| profile.version.map(|v| v.min))
            .flatten(),
    };
    let mut out = Vec::new();
    for topic in desired.topics.values() {
        for (key, value) in &topic.config {
            if catalogue::is_vendor_key(key) {
                continue;
            }
            if !rules.knows(key) {
                out.push(KeyProblem {
                    topic: topic.name.clone(),
                    key: key.clone(),
                    message: format!(
                        "topic config `{key}` is not known to the cluster ({})",
                        rules.label
                    ),
                    help: catalogue::versions_of(key).map(|v| format!("`{key}` exists in {v}")),
                });
                continue;
            }
            let Some(kind) = rules.release.and_then(|r| catalogue::kind_in(key, r)) else {
                continue;
            };
            if let Err(p) = config::check(key, kind, &Raw::Str(value.clone())) {
                out.push(KeyProblem {
                    topic: topic.name.clone(),
                    key: key.clone(),
                    message: format!("{} on {}", p.message, rules.label),
                    help: p.help,
                });
            }
        }
    }
    out
}

/// Notes for `topo validate`, which has no cluster: each declared key or value that only
/// some supported releases accept, and which those are.
pub fn version_notes(desired: &DesiredState) -> Vec<String> {
    let mut notes = BTreeSet::new();
    for topic in desired.topics.values() {
        for (key, value) in &topic.config {
            if let Some(v) = catalogue::versions_of(key) {
                notes.insert(format!(
                    "note: `{key}` exists in {v}; a plan checks it against the cluster"
                ));
            } else if let Some(kind) = catalogue::kind_in(key, Release::new(4, 0)) {
                if config::check(key, kind, &Raw::Str(value.clone())).is_err() {
                    notes.insert(format!(
                        "note: `{key}` = {value} is accepted by Kafka 3.x only (topic \"{}\")",
                        topic.name
                    ));
                }
            }
        }
    }
    notes.into_iter().collect()
}

/// [`problems`], each located at the key in the file that declares it (the topic's own
/// `config` table, else any `config` table naming the key: defaults, an environment).
pub fn check(
    files: &[SourceFile<'_>],
    desired: &DesiredState,
    profile: &BrokerProfile,
) -> Result<(), Diagnostics> {
    let found = problems(desired, profile);
    if found.is_empty() {
        return Ok(());
    }
    let mut seen = BTreeSet::new();
    let mut diagnostics = Vec::new();
    for p in found {
        let located = locate(files, &p.topic, &p.key);
        // One diagnostic per place: a key in [defaults] would otherwise repeat per topic.
        let place = located
            .as_ref()
            .map(|(i, span)| (*i, span.start))
            .unwrap_or((usize::MAX, 0));
        if !seen.insert((place, p.key.clone())) {
            continue;
        }
        let message = format!("{} (topic \"{}\")", p.message, p.topic);
        diagnostics.push(match located {
            Some((i, span)) => SourceMap::new(files[i].name, files[i].text).diagnostic(
                Severity::Error,
                span,
                message,
                p.help,
            ),
            None => {
                let first = files.first().map_or(("", ""), |f| (f.name, f.text));
                SourceMap::new(first.0, first.1).diagnostic(Severity::Error, 0..0, message, p.help)
            }
        });
    }
    diagnostics.sort_by(|a: &Diagnostic, b: &Diagnostic| {
        (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col))
    });
    Err(Diagnostics(diagnostics, Default::default()))
}

/// Index of the file and the span of `key` inside a `config` table, preferring
/// `topics.<topic>.config`.
fn locate(files: &[SourceFile<'_>], topic: &str, key: &str) -> Option<(usize, Range<usize>)> {
    let mut fallback = None;
    for (i, file) in files.iter().enumerate() {
        let (doc, errors) = tree::parse(file.text);
        if errors.iter().any(|e| !e.is_duplicate()) {
            continue;
        }
        let mut hits = Vec::new();
        find(doc.root(), &mut Vec::new(), key, &mut hits);
        for (path, span) in hits {
            let own = path.len() >= 2 && path[0] == "topics" && path[1] == topic;
            if own {
                return Some((i, span));
            }
            fallback.get_or_insert((i, span));
        }
    }
    fallback
}

/// Spans of `key` in every table named `config`, with the path of that table's parent.
fn find(
    table: Table<'_>,
    path: &mut Vec<String>,
    key: &str,
    hits: &mut Vec<(Vec<String>, Range<usize>)>,
) {
    for (k, v) in table.iter() {
        let name = k.text();
        if let Some(inner) = v.as_table() {
            if name == "config" {
                if let Some((found, _)) = inner.iter().find(|(ik, _)| ik.text() == key) {
                    hits.push((path.clone(), found.span()));
                }
            } else {
                path.push(name.into_owned());
                find(inner, path, key, hits);
                path.pop();
            }
        }
    }
}
