//! The plan's fingerprint: an MD5 over exactly the observed state a plan depends on, so a
//! saved plan can tell whether the cluster moved underneath it, and say where.
//!
//! Covered: every in-scope topic's existence, partition count, replication factor and
//! explicit overrides; each declared group's existence, coarse state, member count and
//! whether it has commits. Not covered: lag, offsets and log positions, which move
//! constantly and would make every saved plan stale at once.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use md5::{Digest, Md5};

use crate::model::{is_internal_topic, ConfigSource, LiveAcls, LiveState};
use crate::plan::Scope;

/// Per-resource digests (`"topic NAME"` → 8 hex chars) plus the overall fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Observation {
    pub fingerprint: String,
    pub parts: BTreeMap<String, String>,
}

/// Topic names the plan depends on: declared ones plus live ones inside the managed scope.
pub(crate) fn observed_topics<'a>(live: &'a LiveState, scope: &'a Scope) -> BTreeSet<&'a str> {
    let mut names: BTreeSet<&str> = scope.topics.iter().map(String::as_str).collect();
    names.extend(
        live.topics
            .keys()
            .map(String::as_str)
            .filter(|n| !is_internal_topic(n) && scope.manage.iter().any(|p| p.matches(n))),
    );
    names
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn observe(live: &LiveState, scope: &Scope) -> Observation {
    let mut parts = BTreeMap::new();
    // Line-oriented canonical forms are unambiguous: Kafka names cannot hold tabs or newlines.
    for name in observed_topics(live, scope) {
        let mut canon = String::new();
        match live.topics.get(name) {
            None => canon.push_str("absent\n"),
            Some(t) => {
                let _ = writeln!(canon, "{}\t{}", t.partitions, t.replication_factor);
                for (key, entry) in t.config.iter().flatten() {
                    // Overrides always matter; other values only where the broker cannot
                    // tell us the source, because then the value is all we compare.
                    if matches!(
                        entry.source,
                        ConfigSource::DynamicTopic | ConfigSource::Unknown
                    ) {
                        let value = entry.value.as_deref().unwrap_or("<null>");
                        let _ = writeln!(canon, "{key}\t{value}");
                    }
                }
            }
        }
        parts.insert(format!("topic {name}"), canon);
    }
    for name in &scope.groups {
        let canon = match live.groups.get(name) {
            None => "absent\n".to_string(),
            Some(g) => format!("{}\t{}\t{}\n", g.state.name(), g.members, g.has_commits()),
        };
        parts.insert(format!("group {name}"), canon);
    }
    // Only when ACLs are declared, so a plan without any keeps the fingerprint it had.
    for principal in &scope.principals {
        let canon = match &live.acls {
            LiveAcls::NotRead => "not read\n".to_string(),
            LiveAcls::NoAuthorizer => "no authorizer\n".to_string(),
            LiveAcls::Unknown(_) => "unknown\n".to_string(),
            LiveAcls::Read(acls) => {
                acls.iter()
                    .filter(|a| &a.principal == principal)
                    .fold(String::new(), |mut s, a| {
                        let _ = writeln!(
                            s,
                            "{}\t{}\t{}\t{}\t{}\t{}",
                            a.resource_type.name(),
                            a.pattern.name(),
                            a.name,
                            a.host,
                            a.operation.name(),
                            a.permission.name()
                        );
                        s
                    })
            }
        };
        parts.insert(format!("acls {principal}"), canon);
    }
    for user in &scope.users {
        let canon =
            live.scram
                .get(user)
                .into_iter()
                .flatten()
                .fold(String::new(), |mut s, (m, i)| {
                    let _ = writeln!(s, "{}\t{i}", m.name());
                    s
                });
        parts.insert(format!("user {user}"), canon);
    }
    let mut whole = Md5::new();
    whole.update(b"topo-fingerprint-v1\n");
    let parts: BTreeMap<String, String> = parts
        .into_iter()
        .map(|(k, canon)| {
            whole.update(k.as_bytes());
            whole.update(b"\n");
            whole.update(canon.as_bytes());
            let short = hex(&Md5::digest(canon.as_bytes())[..4]);
            (k, short)
        })
        .collect();
    Observation {
        fingerprint: hex(&whole.finalize()),
        parts,
    }
}

/// What differs between the observation a plan was made from and a fresh one.
pub(crate) fn describe_difference(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<String> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter_map(|k| match (before.get(k), after.get(k)) {
            (Some(a), Some(b)) if a == b => None,
            (Some(_), Some(_)) => Some(format!("{k}: changed since the plan was made")),
            (None, Some(_)) => Some(format!("{k}: appeared in the managed scope")),
            (Some(_), None) => Some(format!("{k}: left the managed scope")),
            (None, None) => None,
        })
        .collect()
}
