//! After apply: what to read to check the actions that completed, and does the cluster
//! now show what each of them promised?

use std::collections::BTreeSet;

use crate::cluster::ReadRequest;
use crate::diff::topics::values_equal;
use crate::model::{ConfigSource, LiveAcls, LiveState};
use crate::plan::{Action, Op};

/// What proving convergence needs to read: only the resources apply touched, and only the
/// config keys it set, instead of the whole topology again.
pub(crate) fn verify_request(done: &[&Action]) -> ReadRequest {
    let mut request = ReadRequest::default();
    let mut keys = BTreeSet::new();
    for action in done {
        let name = action.resource.name.clone();
        match &action.op {
            Op::CommitGroupOffsets { topics, .. } => {
                request
                    .groups
                    .insert(name, topics.keys().cloned().collect());
            }
            Op::CreateTopic { config, .. } => {
                keys.extend(config.keys().cloned());
                request.topics.insert(name);
            }
            Op::AlterConfigs { set, delete } => {
                keys.extend(set.keys().cloned());
                keys.extend(delete.iter().cloned());
                request.topics.insert(name);
            }
            Op::CreatePartitions { .. } | Op::DeleteTopic => {
                request.topics.insert(name);
            }
            Op::CreateAcls { acls } | Op::DeleteAcls { acls } => {
                request
                    .acl_principals
                    .extend(acls.iter().map(|a| a.principal.clone()));
            }
            Op::SetScramCredentials { .. } => {
                request.users.insert(name);
            }
        }
    }
    request.config_keys = Some(keys);
    request
}

/// Differences between what completed actions promised and what the cluster shows.
pub(crate) fn verify<'a>(
    done: impl IntoIterator<Item = &'a Action>,
    live: &LiveState,
) -> Vec<String> {
    let mut problems = Vec::new();
    for action in done {
        let name = &action.resource.name;
        let topic = live.topics.get(name);
        match &action.op {
            Op::CreateTopic {
                partitions, config, ..
            } => match topic {
                None => problems.push(format!("topic \"{name}\" does not exist")),
                Some(t) => {
                    if t.partitions != *partitions {
                        problems.push(format!(
                            "topic \"{name}\" has {} partitions, expected {partitions}",
                            t.partitions
                        ));
                    }
                    problems.extend(check_set(name, config, t));
                }
            },
            Op::CreatePartitions { to, .. } => match topic {
                Some(t) if t.partitions >= *to => {}
                Some(t) => problems.push(format!(
                    "topic \"{name}\" has {} partitions, expected {to}",
                    t.partitions
                )),
                None => problems.push(format!("topic \"{name}\" does not exist")),
            },
            Op::AlterConfigs { set, delete } => match topic {
                None => problems.push(format!("topic \"{name}\" does not exist")),
                Some(t) => {
                    problems.extend(check_set(name, set, t));
                    for key in delete {
                        let still = t
                            .config
                            .as_ref()
                            .and_then(|c| c.get(key))
                            .is_some_and(|e| e.source == ConfigSource::DynamicTopic);
                        if still {
                            problems.push(format!("topic \"{name}\": {key} is still overridden"));
                        }
                    }
                }
            },
            Op::DeleteTopic => {
                if topic.is_some() {
                    problems.push(format!("topic \"{name}\" still exists"));
                }
            }
            Op::CreateAcls { acls } => {
                if let LiveAcls::Read(have) = &live.acls {
                    for acl in acls.iter().filter(|a| !have.contains(*a)) {
                        problems.push(format!(
                            "{}: ACL {} is missing",
                            action.resource,
                            acl.describe()
                        ));
                    }
                }
            }
            Op::DeleteAcls { acls } => {
                if let LiveAcls::Read(have) = &live.acls {
                    for acl in acls.iter().filter(|a| have.contains(*a)) {
                        problems.push(format!(
                            "{}: ACL {} is still there",
                            action.resource,
                            acl.describe()
                        ));
                    }
                }
            }
            Op::SetScramCredentials { credentials, .. } => {
                let have = live.scram.get(name);
                for c in credentials {
                    if !have.is_some_and(|h| h.contains_key(&c.mechanism)) {
                        problems.push(format!(
                            "user \"{name}\" has no {} credential",
                            c.mechanism.name()
                        ));
                    }
                }
            }
            Op::CommitGroupOffsets { topics, .. } => match live.groups.get(name) {
                None => problems.push(format!("group \"{name}\" has no committed offsets")),
                Some(g) => {
                    for t in topics.keys() {
                        let committed = g.offsets.get(t).is_some_and(|ps| {
                            !ps.is_empty() && ps.iter().all(|p| p.committed.is_some())
                        });
                        if !committed {
                            problems
                                .push(format!("group \"{name}\" lacks committed offsets on {t}"));
                        }
                    }
                }
            },
        }
    }
    problems
}

fn check_set(
    name: &str,
    want: &crate::model::ConfigMap,
    topic: &crate::model::LiveTopic,
) -> Vec<String> {
    let Some(live) = &topic.config else {
        return Vec::new();
    };
    want.iter()
        .filter_map(|(k, v)| {
            let have = live.get(k).and_then(|e| e.value.as_deref());
            match have {
                Some(h) if values_equal(h, v) => None,
                Some(h) => Some(format!("topic \"{name}\": {k} is {h}, expected {v}")),
                None => Some(format!(
                    "topic \"{name}\": {k} is not reported, expected {v}"
                )),
            }
        })
        .collect()
}

/// What a change expected to find (`before`) and leaves (`after`), by key, for an action
/// that writes topic configs.
fn config_changes(action: &Action) -> impl Iterator<Item = &crate::plan::Change> {
    let keys: BTreeSet<&str> = match &action.op {
        Op::AlterConfigs { set, delete } => set
            .keys()
            .map(String::as_str)
            .chain(delete.iter().map(String::as_str))
            .collect(),
        _ => BTreeSet::new(),
    };
    action
        .changes
        .iter()
        .filter(move |c| keys.contains(c.key.as_str()))
}

/// The live value of `key` on `topic`, and whether it is set on the topic itself.
fn live_value<'l>(topic: &'l crate::model::LiveTopic, key: &str) -> (Option<&'l str>, bool) {
    match topic.config.as_ref().and_then(|c| c.get(key)) {
        Some(e) => (e.value.as_deref(), e.source == ConfigSource::DynamicTopic),
        None => (None, false),
    }
}

fn same(live: Option<&str>, want: Option<&str>) -> bool {
    match (live, want) {
        (Some(l), Some(w)) => values_equal(l, w),
        _ => false,
    }
}

/// Resources a write phase is about to touch that moved since the plan was made: another
/// writer created the topic, changed the setting, added partitions or committed the group's
/// offsets in between. Writing anyway would overwrite a decision nobody reviewed, so apply
/// stops before the phase (optimistic concurrency: the plan's `before` values are the
/// version it expects). A setting already at its planned value is not "moved": writing it again is a
/// no-op.
pub(crate) fn moved<'a>(
    actions: impl IntoIterator<Item = &'a Action>,
    live: &LiveState,
) -> Vec<String> {
    let mut out = Vec::new();
    for action in actions {
        let name = &action.resource.name;
        let topic = live.topics.get(name);
        match &action.op {
            // Even an identical topic: the plan's create would fail on it, and the
            // configs it holds were set by someone else.
            Op::CreateTopic { .. } => {
                if let Some(t) = topic {
                    out.push(format!(
                        "topic \"{name}\" exists now ({} partitions); the plan expected to create it",
                        t.partitions
                    ));
                }
            }
            Op::CreatePartitions { from, to } => match topic {
                None => out.push(format!("topic \"{name}\" no longer exists")),
                Some(t) if t.partitions == *from || t.partitions == *to => {}
                Some(t) => out.push(format!(
                    "topic \"{name}\" has {} partitions now; the plan expected {from} \
                     (going to {to})",
                    t.partitions
                )),
            },
            Op::AlterConfigs { .. } => match topic {
                None => out.push(format!("topic \"{name}\" no longer exists")),
                // Configs not read (a broker that does not report them): nothing to compare.
                Some(t) if t.config.is_none() => {}
                Some(t) => {
                    for c in config_changes(action) {
                        let (value, on_topic) = live_value(t, &c.key);
                        let as_planned = if c.before_default || c.before.is_none() {
                            !on_topic || same(value, c.before.as_deref())
                        } else {
                            on_topic && same(value, c.before.as_deref())
                        };
                        let already = if c.to_default {
                            !on_topic
                        } else {
                            same(value, c.after.as_deref())
                        };
                        if !as_planned && !already {
                            out.push(format!(
                                "topic \"{name}\": {} is {} now; the plan expected {}",
                                c.key,
                                shown(value, on_topic),
                                c.before.as_deref().unwrap_or("it unset")
                            ));
                        }
                    }
                }
            },
            Op::CommitGroupOffsets { .. } => {
                if let Some(g) = live.groups.get(name) {
                    if g.has_commits() || g.members > 0 {
                        out.push(format!(
                            "group \"{name}\" has members or committed offsets now; the plan \
                             expected it not to exist yet"
                        ));
                    }
                }
            }
            Op::DeleteTopic
            | Op::CreateAcls { .. }
            | Op::DeleteAcls { .. }
            | Op::SetScramCredentials { .. } => {}
        }
    }
    out
}

fn shown(value: Option<&str>, on_topic: bool) -> String {
    match (value, on_topic) {
        (Some(v), true) => v.to_string(),
        (Some(v), false) => format!("{v} (not set on the topic)"),
        (None, _) => "not reported".to_string(),
    }
}

/// Settings apply wrote that the cluster now holds with a third value, neither the plan's
/// `before` nor its `after`: another writer changed them after this apply did. Unlike a
/// change still propagating (the old value lingers), this will not converge by waiting.
pub(crate) fn overwritten<'a>(
    done: impl IntoIterator<Item = &'a Action>,
    live: &LiveState,
) -> Vec<String> {
    let mut out = Vec::new();
    for action in done {
        let name = &action.resource.name;
        let Some(t) = live.topics.get(name).filter(|t| t.config.is_some()) else {
            continue;
        };
        for c in config_changes(action).filter(|c| !c.to_default) {
            let (value, on_topic) = live_value(t, &c.key);
            if value.is_some()
                && !same(value, c.after.as_deref())
                && !same(value, c.before.as_deref())
            {
                out.push(format!(
                    "topic \"{name}\": {} was set to {} by this apply, and is {} now: \
                     another writer changed it since",
                    c.key,
                    c.after.as_deref().unwrap_or_default(),
                    shown(value, on_topic)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{LiveConfigEntry, LiveTopic};
    use crate::plan::{Change, Phase, Resource};

    fn retention_change(before: &str, after: &str) -> Action {
        Action {
            phase: Phase::Configs,
            resource: Resource::topic("t"),
            op: Op::AlterConfigs {
                set: crate::model::ConfigMap::from_iter([(
                    "retention.ms".to_string(),
                    after.to_string(),
                )]),
                delete: BTreeSet::new(),
            },
            changes: vec![Change {
                key: "retention.ms".into(),
                before: Some(before.into()),
                after: Some(after.into()),
                to_default: false,
                before_default: false,
            }],
            risks: Vec::new(),
            note: None,
        }
    }

    fn live_retention(value: &str) -> LiveState {
        let entry = LiveConfigEntry {
            value: Some(value.into()),
            source: ConfigSource::DynamicTopic,
            read_only: false,
        };
        LiveState {
            topics: BTreeMap::from([(
                "t".to_string(),
                LiveTopic {
                    name: "t".into(),
                    partitions: 3,
                    replication_factor: 1,
                    config: Some(BTreeMap::from([("retention.ms".to_string(), entry)])),
                },
            )]),
            ..LiveState::default()
        }
    }

    #[test]
    fn a_setting_changed_by_another_writer_has_moved() {
        let a = retention_change("5000", "1000");
        assert!(moved([&a], &live_retention("5000")).is_empty());
        // Already where the plan takes it: writing again changes nothing.
        assert!(moved([&a], &live_retention("1000")).is_empty());
        assert_eq!(
            moved([&a], &live_retention("9000")),
            ["topic \"t\": retention.ms is 9000 now; the plan expected 5000"]
        );
        assert_eq!(
            moved([&a], &LiveState::default()),
            ["topic \"t\" no longer exists"]
        );
    }

    #[test]
    fn a_topic_created_meanwhile_or_resized_has_moved() {
        let mut create = retention_change("5000", "1000");
        create.op = Op::CreateTopic {
            partitions: 3,
            replication_factor: 1,
            config: crate::model::ConfigMap::new(),
        };
        assert!(moved([&create], &LiveState::default()).is_empty());
        assert_eq!(moved([&create], &live_retention("1")).len(), 1);
        let mut grow = retention_change("5000", "1000");
        grow.op = Op::CreatePartitions { from: 2, to: 4 };
        assert_eq!(
            moved([&grow], &live_retention("1")),
            ["topic \"t\" has 3 partitions now; the plan expected 2 (going to 4)"]
        );
    }

    #[test]
    fn a_third_value_after_apply_is_overwritten_not_pending() {
        let a = retention_change("5000", "1000");
        assert!(overwritten([&a], &live_retention("1000")).is_empty());
        // The old value lingering is propagation, not another writer.
        assert!(overwritten([&a], &live_retention("5000")).is_empty());
        assert_eq!(overwritten([&a], &live_retention("7")).len(), 1);
    }
}
