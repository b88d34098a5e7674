//! The pure heart of topo: desired state vs live state → `Plan`.
//!
//! No IO, no printing, no clock: the same inputs always give the same plan. Everything the
//! plan shows (before/after values, risks, refusals) is decided here so renderers and apply
//! never have to look at the cluster again.

mod acls;
mod groups;
mod topics;
mod users;
mod verify;

pub(crate) use topics::values_equal;
pub(crate) use verify::{moved, overwritten, verify, verify_request};

use std::collections::BTreeMap;

use crate::model::{DesiredState, LiveState, Policy};
use crate::plan::{fingerprint, ClusterInfo, Plan, Scope};

/// Inputs to the diff that come from outside the topology and the cluster.
#[derive(Debug, Clone, Default)]
pub struct DiffContext {
    /// The topology file's name as the user gave it, shown in renderings.
    pub topology: String,
    /// Sample keys per topic (from each topic's `keys_file`), read by the shell beforehand,
    /// to count real key moves on a partition change.
    pub sample_keys: BTreeMap<String, Vec<String>>,
}

/// What the plan depends on: declared topics and groups plus the managed scope.
pub fn scope_of(desired: &DesiredState, policy: &Policy) -> Scope {
    Scope {
        topics: desired.topics.keys().cloned().collect(),
        groups: desired.groups.keys().cloned().collect(),
        manage: policy.manage.clone(),
        principals: desired.principals.clone(),
        users: desired.users.keys().cloned().collect(),
    }
}

pub fn diff(desired: &DesiredState, live: &LiveState, policy: &Policy, ctx: &DiffContext) -> Plan {
    let scope = scope_of(desired, policy);
    let observation = fingerprint::observe(live, &scope);
    let mut out = topics::Outcome::default();
    topics::diff_topics(desired, live, policy, ctx, &mut out);
    groups::diff_groups(desired, live, &mut out);
    acls::diff_acls(desired, live, policy, &mut out);
    users::diff_users(desired, live, &mut out);
    let mut plan = Plan::new(
        ctx.topology.clone(),
        ClusterInfo {
            id: live.cluster_id.clone(),
            bootstrap: live.bootstrap.clone(),
            brokers: live.brokers,
            profile: live.profile.clone(),
        },
        observation,
        scope,
        out.actions,
        out.refused,
        out.warnings,
        out.drift,
        out.groups,
    );
    plan.origins = desired.origins.clone();
    plan.policy = policy.clone();
    plan.messages = plan
        .actions
        .iter()
        .filter(|a| matches!(a.op, crate::plan::Op::DeleteTopic))
        .filter_map(|a| {
            let name = &a.resource.name;
            live.messages.get(name).map(|n| (name.clone(), *n))
        })
        .collect();
    plan
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{LiveState, LiveTopic};

    #[test]
    fn a_delete_carries_the_messages_it_destroys_outside_the_sealed_actions() {
        let file = "[policy]\nprefixes = [\"app-\"]\ndelete_undeclared = true\n";
        let desired = match crate::spec::load("t.toml", file, &|_| None) {
            Ok(l) => l.desired,
            Err(d) => panic!("{d}"),
        };
        let topic = |name: &str| {
            (
                name.to_string(),
                LiveTopic {
                    name: name.into(),
                    partitions: 2,
                    replication_factor: 1,
                    config: None,
                },
            )
        };
        let mut live = LiveState {
            topics: BTreeMap::from([topic("app-old")]),
            messages: BTreeMap::from([("app-old".to_string(), 1234)]),
            ..LiveState::default()
        };
        let plan = diff(&desired, &live, &desired.policy, &DiffContext::default());
        assert_eq!(
            plan.messages,
            BTreeMap::from([("app-old".to_string(), 1234)])
        );
        let text = crate::render::human(&plan, &crate::render::HumanOptions::default());
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("messages 1234 (deleted with the topic)"),
            "{text}"
        );
        // Producers keep writing: the count changes, the sealed actions do not.
        live.messages.insert("app-old".into(), 99_999);
        let later = diff(&desired, &live, &desired.policy, &DiffContext::default());
        assert_eq!(later.actions_sha256, plan.actions_sha256);
    }
}
