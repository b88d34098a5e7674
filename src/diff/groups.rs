//! Consumer-group diffs: starting offsets for new groups, lag budgets, unmanaged groups.

use std::collections::BTreeMap;

use crate::diff::topics::Outcome;
use crate::model::{DesiredState, GroupSpec, LiveGroup, LiveState, PartitionLag};
use crate::plan::{
    Action, Change, Drift, GroupView, Op, Phase, Refusal, RefusalKind, Resource, TopicLagView,
    Warning, WarningKind,
};
use crate::units::{noun, plural};

pub(crate) fn diff_groups(desired: &DesiredState, live: &LiveState, out: &mut Outcome) {
    for spec in desired.groups.values() {
        let current = live.groups.get(&spec.name);
        out.groups.push(view(spec, current));
        if let Some(policy) = spec.initial_offsets {
            start_offsets(spec, policy, current, desired, live, out);
        }
        if let (Some(budget), Some(group)) = (spec.lag_budget, current) {
            for (topic, parts) in &group.offsets {
                if !spec.topics.contains(topic) {
                    continue;
                }
                let lag: i64 = parts.iter().map(|p| p.lag()).sum();
                if lag > budget {
                    out.drift.push(Drift::LagOverBudget {
                        group: spec.name.clone(),
                        topic: topic.clone(),
                        lag,
                        budget,
                    });
                }
            }
        }
    }
    for (group, topics) in &live.unmanaged_groups {
        out.warnings.push(Warning {
            kind: WarningKind::UnmanagedGroup,
            resource: Resource::group(group),
            keys: topics.iter().cloned().collect(),
            message: format!(
                "not declared, consumes managed {} {}",
                noun(topics.len(), "topic", "topics"),
                topics.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        });
    }
}

fn view(spec: &GroupSpec, current: Option<&LiveGroup>) -> GroupView {
    let topics = current
        .map(|g| {
            g.offsets
                .iter()
                .map(|(topic, parts)| {
                    let worst = PartitionLag::worst(parts);
                    let view = TopicLagView {
                        partitions: parts.len() as i32,
                        committed_partitions: parts.iter().filter(|p| p.committed.is_some()).count()
                            as i32,
                        lag: parts.iter().map(|p| p.lag()).sum(),
                        worst,
                    };
                    (topic.clone(), view)
                })
                .collect()
        })
        .unwrap_or_default();
    GroupView {
        name: spec.name.clone(),
        state: current.map(|g| g.state),
        members: current.map_or(0, |g| g.members),
        lag_budget: spec.lag_budget,
        topics,
    }
}

fn start_offsets(
    spec: &GroupSpec,
    policy: crate::model::OffsetPolicy,
    current: Option<&LiveGroup>,
    desired: &DesiredState,
    live: &LiveState,
    out: &mut Outcome,
) {
    let resource = Resource::group(&spec.name);
    if let Some(group) = current {
        // A group with commits is already positioned: initial_offsets only concerns new
        // groups, so there is nothing to do and nothing worth a warning on every plan.
        if group.has_commits() {
            return;
        }
        if group.members > 0 {
            out.refused.push(Refusal {
                kind: RefusalKind::ActiveGroup,
                resource,
                key: Some("initial_offsets".into()),
                before: None,
                after: Some(policy.name().into()),
                message: format!(
                    "group has {}; topo never moves offsets of a group with members",
                    plural(group.members as usize, "active member", "active members")
                ),
            });
            return;
        }
    }
    // Partition counts as they will be after this plan: declared counts for declared topics
    // (created or grown earlier in the same apply), live counts otherwise.
    let topics: BTreeMap<String, i32> = spec
        .topics
        .iter()
        .filter_map(|t| {
            let n = desired
                .topics
                .get(t)
                .map(|d| {
                    d.partitions
                        .max(live.topics.get(t).map_or(0, |l| l.partitions))
                })
                .or_else(|| live.topics.get(t).map(|l| l.partitions))?;
            Some((t.clone(), n))
        })
        .collect();
    if topics.is_empty() {
        return;
    }
    let changes = topics
        .iter()
        .map(|(t, n)| {
            Change::set(
                t,
                None,
                format!(
                    "{} on {}",
                    policy.name(),
                    plural((*n).max(0) as usize, "partition", "partitions")
                ),
            )
        })
        .collect();
    out.actions.push(Action {
        phase: Phase::GroupOffsets,
        resource,
        op: Op::CommitGroupOffsets { policy, topics },
        changes,
        risks: Vec::new(),
        note: Some("commit start offsets".into()),
    });
}
