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
    plan
}
