//! Sealing a saved plan: what it records so that `topo apply PLAN` executes exactly the
//! reviewed decision or nothing. A saved plan names the cluster it was made for (its id),
//! the topology it was computed from (a SHA-256 of the file's bytes), the policy in
//! force, and a SHA-256 over exactly the actions and refusals it holds.
//!
//! Apply never trusts those fields alone: it recomputes the plan from the same topology
//! and the live cluster, and [`differences`] compares the two. Only when nothing differs
//! does the fresh plan (equal to the saved one) run, so what was printed, what was
//! counted and what is executed are one value.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::{Action, Op, Plan, Refusal, Resource};

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of a file's bytes, as the plan records the topology.
pub(crate) fn file_digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 over the canonical JSON of the actions and refusals: exactly what apply would
/// execute, and what blocks it.
pub(crate) fn actions_digest(actions: &[Action], refused: &[Refusal]) -> String {
    // Plain data with string keys and BTreeMaps: serialisation is deterministic and
    // cannot fail; an empty document would still differ from any real digest.
    let canon = serde_json::to_string(&(actions, refused)).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(b"topo-actions-v1\n");
    h.update(canon.as_bytes());
    hex(&h.finalize())
}

/// Why a saved plan may not run against what a fresh plan from the same topology and the
/// live cluster says, one line per difference; empty when the saved plan is exactly what
/// would be done now.
pub(crate) fn differences(saved: &Plan, fresh: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    if actions_digest(&saved.actions, &saved.refused) != saved.actions_sha256 {
        out.push(
            "the plan's actions or refusals do not match its recorded digest: the file was \
             edited after `topo plan --out` wrote it"
                .to_string(),
        );
    }
    let mut resummarised = saved.clone();
    resummarised.resummarise();
    if resummarised.summary != saved.summary {
        out.push("the plan's summary does not match its actions: the file was edited".into());
    }
    if saved.topology_sha256 != fresh.topology_sha256 {
        out.push(format!(
            "the topology differs from the one the plan was made from (sha256 {} when planned, {} now)",
            short(&saved.topology_sha256),
            short(&fresh.topology_sha256)
        ));
    }
    if saved.policy != fresh.policy {
        out.push("the policy recorded in the plan differs from the topology's policy".into());
    }
    if saved.scope != fresh.scope {
        out.push("the scope recorded in the plan differs from the topology's".into());
    }
    out.extend(action_differences(&saved.actions, &fresh.actions));
    if saved.refused != fresh.refused {
        out.push(format!(
            "refusals differ: the saved plan has {}, a fresh plan has {}",
            saved.refused.len(),
            fresh.refused.len()
        ));
    }
    out
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

fn by_resource(actions: &[Action]) -> BTreeMap<&Resource, Vec<&Action>> {
    let mut map: BTreeMap<&Resource, Vec<&Action>> = BTreeMap::new();
    for a in actions {
        map.entry(&a.resource).or_default().push(a);
    }
    map
}

fn labels(actions: &[&Action]) -> String {
    actions
        .iter()
        .map(|a| a.label())
        .collect::<Vec<_>>()
        .join(" + ")
}

fn action_differences(saved: &[Action], fresh: &[Action]) -> Vec<String> {
    let (saved, fresh) = (by_resource(saved), by_resource(fresh));
    let mut out = Vec::new();
    let resources: std::collections::BTreeSet<&&Resource> =
        saved.keys().chain(fresh.keys()).collect();
    for r in resources {
        match (saved.get(*r), fresh.get(*r)) {
            (Some(s), None) => out.push(format!(
                "{r}: the saved plan would {}; a fresh plan would not touch it",
                labels(s)
            )),
            (None, Some(f)) => out.push(format!(
                "{r}: a fresh plan would {}; the saved plan does not",
                labels(f)
            )),
            (Some(s), Some(f)) if s != f => {
                let detail = config_detail(s, f);
                out.push(format!(
                    "{r}: the saved plan's {} differs from a fresh plan's {}{detail}",
                    labels(s),
                    labels(f)
                ));
            }
            _ => {}
        }
    }
    out
}

/// `(retention.ms: 1 in the saved plan, 604800000 now)` for differing config values.
fn config_detail(saved: &[&Action], fresh: &[&Action]) -> String {
    let sets = |actions: &[&Action]| -> BTreeMap<String, String> {
        actions
            .iter()
            .flat_map(|a| match &a.op {
                Op::AlterConfigs { set, .. } | Op::CreateTopic { config: set, .. } => {
                    set.clone().into_iter().collect::<Vec<_>>()
                }
                _ => Vec::new(),
            })
            .collect()
    };
    let (s, f) = (sets(saved), sets(fresh));
    let keys: std::collections::BTreeSet<&String> = s.keys().chain(f.keys()).collect();
    let parts: Vec<String> = keys
        .into_iter()
        .filter(|k| s.get(*k) != f.get(*k))
        .map(|k| {
            let show = |v: Option<&String>| v.map_or("unset".to_string(), |v| format!("\"{v}\""));
            format!(
                "{k}: {} in the saved plan, {} now",
                show(s.get(k)),
                show(f.get(k))
            )
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}
