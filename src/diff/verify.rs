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
