//! Topic diffs: creation, partition counts, replication, configs, orphans.

use std::collections::BTreeSet;

use crate::diff::DiffContext;
use crate::model::{
    BrokerProfile, ConfigSource, DesiredState, LiveState, LiveTopic, Policy, TopicSpec,
};
use crate::partition;
use crate::plan::{
    Action, Change, Drift, GroupView, Op, Phase, Refusal, RefusalKind, Resource, Risk, RiskKind,
    Warning, WarningKind,
};
use crate::units;

/// Everything a diff pass produces, gathered before the plan is assembled.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub actions: Vec<Action>,
    pub refused: Vec<Refusal>,
    pub warnings: Vec<Warning>,
    pub drift: Vec<Drift>,
    pub groups: Vec<GroupView>,
}

pub(crate) fn diff_topics(
    desired: &DesiredState,
    live: &LiveState,
    policy: &Policy,
    ctx: &DiffContext,
    out: &mut Outcome,
) {
    for spec in desired.topics.values() {
        match live.topics.get(&spec.name) {
            None => out.actions.push(create(spec)),
            Some(current) => update(spec, current, live.profile.as_ref(), policy, ctx, out),
        }
    }
    for (name, topic) in &live.topics {
        if desired.topics.contains_key(name) || !policy.in_scope(name) {
            continue;
        }
        if policy.may_delete(name) {
            out.actions.push(Action {
                phase: Phase::Deletes,
                resource: Resource::topic(name),
                op: Op::DeleteTopic,
                changes: vec![Change {
                    key: "partitions".into(),
                    before: Some(topic.partitions.to_string()),
                    after: None,
                    to_default: false,
                    before_default: false,
                }],
                risks: vec![Risk {
                    kind: RiskKind::DataLoss,
                    key: "partitions".into(),
                    message: delete_message(name, topic.partitions, policy, live),
                }],
                note: None,
            });
        } else {
            out.warnings.push(Warning {
                kind: WarningKind::Orphan,
                resource: Resource::topic(name),
                keys: Vec::new(),
                message: if policy.delete_undeclared {
                    "in the managed scope but not declared; not deleted (outside the scope of every file that sets policy.delete_undeclared)".into()
                } else {
                    "in the managed scope but not declared; not deleted (policy.delete_undeclared = false)".into()
                },
            });
        }
    }
}

/// What a delete destroys and why it is planned: the data, the consumer groups that still
/// hold offsets on the topic (named on the delete itself, not in a separate list), and the
/// scope rule that made the topic managed.
fn delete_message(name: &str, partitions: i32, policy: &Policy, live: &LiveState) -> String {
    let mut groups: Vec<&str> = live
        .unmanaged_groups
        .iter()
        .filter(|(_, topics)| topics.contains(name))
        .map(|(g, _)| g.as_str())
        .chain(
            live.groups
                .values()
                .filter(|g| {
                    g.offsets
                        .get(name)
                        .is_some_and(|parts| parts.iter().any(|p| p.committed.is_some()))
                })
                .map(|g| g.name.as_str()),
        )
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let mut message = format!(
        "deletes the topic and all data in its {}",
        crate::units::plural(
            usize::try_from(partitions).unwrap_or(0),
            "partition",
            "partitions"
        )
    );
    if !groups.is_empty() {
        message.push_str(&format!(
            "; {} with committed offsets on it: {}",
            crate::units::noun(groups.len(), "consumer group", "consumer groups"),
            groups.join(", ")
        ));
    }
    let rule = policy
        .matching_rule(name)
        .unwrap_or_else(|| "the managed scope".to_string());
    message.push_str(&format!(
        "; not declared in the file, matched by {rule}, and policy.delete_undeclared = true"
    ));
    message
}

fn create(spec: &TopicSpec) -> Action {
    let mut changes = vec![
        Change::set("partitions", None, spec.partitions.to_string()),
        Change::set(
            "replication_factor",
            None,
            spec.replication_factor.to_string(),
        ),
    ];
    changes.extend(spec.config.iter().map(|(k, v)| Change::set(k, None, v)));
    Action {
        phase: Phase::CreateTopics,
        resource: Resource::topic(&spec.name),
        op: Op::CreateTopic {
            partitions: spec.partitions,
            replication_factor: spec.replication_factor,
            config: spec.config.clone(),
        },
        changes,
        risks: Vec::new(),
        note: spec.dlq_of().map(|p| format!("dead-letter of {p}")),
    }
}

fn update(
    spec: &TopicSpec,
    current: &LiveTopic,
    profile: Option<&BrokerProfile>,
    policy: &Policy,
    ctx: &DiffContext,
    out: &mut Outcome,
) {
    let resource = Resource::topic(&spec.name);
    if spec.replication_factor != current.replication_factor {
        out.refused.push(Refusal {
            kind: RefusalKind::ReplicationFactorChange,
            resource: resource.clone(),
            key: Some("replication_factor".into()),
            before: Some(current.replication_factor.to_string()),
            after: Some(spec.replication_factor.to_string()),
            message: "changing the replication factor needs a partition reassignment, which topo does not perform yet".into(),
        });
    }
    if spec.partitions < current.partitions {
        out.refused.push(Refusal {
            kind: RefusalKind::PartitionDecrease,
            resource: resource.clone(),
            key: Some("partitions".into()),
            before: Some(current.partitions.to_string()),
            after: Some(spec.partitions.to_string()),
            message: "Kafka cannot reduce partitions; topo never recreates topics".into(),
        });
    } else if let Some(p) =
        profile.filter(|p| spec.partitions > current.partitions && !p.apis.create_partitions)
    {
        out.refused.push(Refusal {
            kind: RefusalKind::Unsupported,
            resource: resource.clone(),
            key: Some("partitions".into()),
            before: Some(current.partitions.to_string()),
            after: Some(spec.partitions.to_string()),
            message: format!(
                "{} has no CreatePartitions: this broker cannot add partitions",
                p.label()
            ),
        });
    } else if spec.partitions > current.partitions {
        out.actions.push(Action {
            phase: Phase::Partitions,
            resource: resource.clone(),
            op: Op::CreatePartitions {
                from: current.partitions,
                to: spec.partitions,
            },
            changes: vec![Change::set(
                "partitions",
                Some(current.partitions.to_string()),
                spec.partitions.to_string(),
            )],
            risks: remap_risk(spec, current.partitions, ctx)
                .into_iter()
                .collect(),
            note: None,
        });
    }
    configs(spec, current, profile, policy, out);
}

/// The share of keys a partition change moves, with the exact count when sample keys exist.
fn remap_risk(spec: &TopicSpec, from: i32, ctx: &DiffContext) -> Option<Risk> {
    if !spec.is_keyed() {
        return None;
    }
    let to = spec.partitions;
    let partitioner = spec
        .partitioner()
        .unwrap_or(partition::Partitioner::DEFAULT);
    let key = spec.key().unwrap_or("key");
    let share = partition::moved_share(from, to).ok()?;
    let mut message = format!(
        "keyed by {key} ({partitioner}): {} of keys move to another partition",
        units::percent(share)
    );
    if let Some(keys) = ctx.sample_keys.get(&spec.name) {
        if let Ok(moves) =
            partition::key_moves(partitioner, keys.iter().map(String::as_str), from, to)
        {
            message.push_str(&format!(
                " ({} of {} sample keys from {})",
                moves.moved,
                moves.total,
                spec.keys_file().unwrap_or("the keys file")
            ));
        }
    }
    message.push_str("; per-key ordering is not preserved across the change");
    Some(Risk {
        kind: RiskKind::KeyRemap,
        key: "partitions".into(),
        message,
    })
}

/// Compares two config values the way Kafka means them: lists ignore spacing, numbers
/// ignore formatting, booleans ignore case.
pub(crate) fn values_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a == b {
        return true;
    }
    if a.contains(',') || b.contains(',') {
        // Kafka's list configs (cleanup.policy, throttled replicas) are sets: order and
        // spacing carry no meaning.
        fn norm(s: &str) -> Vec<&str> {
            let mut items: Vec<&str> = s.split(',').map(str::trim).collect();
            items.sort_unstable();
            items
        }
        return norm(a) == norm(b);
    }
    if let (Some(x), Some(y)) = (Decimal::parse(a), Decimal::parse(b)) {
        return x == y;
    }
    a.eq_ignore_ascii_case(b) && matches!(a.to_ascii_lowercase().as_str(), "true" | "false")
}

/// A number as exact decimal digits: `9007199254740993` and `...992` differ although
/// both round to the same `f64`, and `0.50`, `.5` and `5E-1` are the same value. Kafka
/// prints doubles with Java's `Double.toString`, hence the exponent form.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    /// Significant digits without leading or trailing zeros; empty for zero.
    digits: String,
    /// Value = 0.digits × 10^exponent.
    exponent: i64,
}

impl Decimal {
    fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let all: String = int.chars().chain(frac.chars()).collect();
        let lead = all.len() - all.trim_start_matches('0').len();
        let digits = all
            .trim_start_matches('0')
            .trim_end_matches('0')
            .to_string();
        if digits.is_empty() {
            return Some(Decimal {
                negative: false,
                digits,
                exponent: 0,
            });
        }
        let exponent = (int.len() as i64 - lead as i64).checked_add(exp)?;
        Some(Decimal {
            negative,
            digits,
            exponent,
        })
    }
}

fn configs(
    spec: &TopicSpec,
    current: &LiveTopic,
    profile: Option<&BrokerProfile>,
    policy: &Policy,
    out: &mut Outcome,
) {
    let Some(live_config) = &current.config else {
        return;
    };
    let resource = Resource::topic(&spec.name);
    let mut set = crate::model::ConfigMap::new();
    let mut delete = BTreeSet::new();
    let mut changes = Vec::new();
    let mut risks = Vec::new();
    let mut unreported = Vec::new();
    for (key, want) in &spec.config {
        let entry = live_config.get(key);
        // A key the broker accepts but never reports cannot be compared: setting it again
        // on every plan would be drift that never converges.
        if entry.is_none() && profile.is_some_and(|p| p.unreported_keys.contains(key)) {
            unreported.push(key.clone());
            continue;
        }
        let have = entry.and_then(|e| e.value.as_deref());
        if have.is_some_and(|h| values_equal(h, want)) {
            continue;
        }
        risks.extend(config_risk(key, have, want));
        set.insert(key.clone(), want.clone());
        let mut change = Change::set(key, have.map(str::to_string), want);
        change.before_default = entry.is_some_and(|e| e.source != ConfigSource::DynamicTopic);
        changes.push(change);
    }
    let mut unmanaged = Vec::new();
    for (key, entry) in live_config {
        if entry.source != ConfigSource::DynamicTopic || spec.config.contains_key(key) {
            continue;
        }
        if policy.remove_unmanaged_config {
            delete.insert(key.clone());
            changes.push(Change::unset(key, entry.value.clone()));
        } else {
            unmanaged.push(key.clone());
        }
    }
    if let Some(p) = profile.filter(|_| !unreported.is_empty()) {
        out.warnings.push(Warning {
            kind: WarningKind::Unreported,
            resource: resource.clone(),
            message: format!(
                "{} accepts but ignores and never reports {}; not compared",
                p.label(),
                unreported.join(", ")
            ),
            keys: unreported,
        });
    }
    if !unmanaged.is_empty() {
        out.warnings.push(Warning {
            kind: WarningKind::UnmanagedOverride,
            resource: resource.clone(),
            message: format!(
                "{} not in the file, left alone (policy.remove_unmanaged_config = false): {}",
                crate::units::plural(unmanaged.len(), "live override", "live overrides"),
                unmanaged.join(", ")
            ),
            keys: unmanaged,
        });
    }
    if changes.is_empty() {
        return;
    }
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    out.actions.push(Action {
        phase: Phase::Configs,
        resource,
        op: Op::AlterConfigs { set, delete },
        changes,
        risks,
        note: None,
    });
}

fn config_risk(key: &str, have: Option<&str>, want: &str) -> Option<Risk> {
    let have = have?;
    match key {
        "retention.ms" | "retention.bytes" => {
            let (old, new) = (
                have.trim().parse::<i64>().ok()?,
                want.trim().parse::<i64>().ok()?,
            );
            // -1 is unlimited: any finite value is a decrease from it.
            let decrease = new >= 0 && (old < 0 || new < old);
            if !decrease {
                return None;
            }
            let shown = units::humanize(key, want).unwrap_or_else(|| want.to_string());
            let message = if key == "retention.ms" {
                format!("retention decrease: messages older than {shown} will be deleted")
            } else {
                format!("retention decrease: partitions larger than {shown} will drop their oldest segments")
            };
            Some(Risk {
                kind: RiskKind::RetentionDecrease,
                key: key.into(),
                message,
            })
        }
        "cleanup.policy" => Some(Risk {
            kind: RiskKind::CleanupPolicyChange,
            key: key.into(),
            message: format!(
                "cleanup.policy {have} → {want}: {}",
                if want.contains("compact") && !have.contains("compact") {
                    "compaction keeps only the latest record per key; older values of each key will be removed"
                } else if have.contains("compact") && !want.contains("compact") {
                    "records are no longer compacted per key; time/size retention now deletes whole segments, including the latest value of each key"
                } else {
                    "retention semantics change"
                }
            ),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod exact_tests {
    use super::values_equal;

    #[test]
    fn numbers_compare_exactly() {
        assert!(!values_equal("9007199254740993", "9007199254740992"));
        assert!(values_equal("9007199254740993", "9007199254740993"));
        assert!(!values_equal("0.1000000000000000001", "0.1"));
        for (a, b) in [
            ("0.5", "0.50"),
            ("0.5", ".5"),
            ("5E-1", "0.5"),
            ("1.0E-4", "0.0001"),
            ("100", "1e2"),
            ("-0", "0"),
            ("0.0", "0"),
            ("007", "7"),
            ("-1", "-1.0"),
        ] {
            assert!(values_equal(a, b), "{a} {b}");
        }
        assert!(!values_equal("-1", "1"));
        assert!(!values_equal("1e999999999999999999999", "1"));
        assert!(!values_equal("abc", "1"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_compare_as_kafka_means_them() {
        assert!(values_equal("compact, delete", "compact,delete"));
        assert!(values_equal("delete,compact", "compact,delete"));
        assert!(values_equal("0.50", "0.5"));
        assert!(values_equal("TRUE", "true"));
        assert!(!values_equal("snappy", "SNAPPY"));
        assert!(!values_equal("604800000", "86400000"));
    }

    use crate::model::{ConfigSources, Family, LiveConfigEntry};

    /// A topic as Redpanda describes it (recorded shape: its own keys listed, the Kafka
    /// keys it ignores absent), with retention set on the topic.
    fn redpanda_topic(name: &str) -> LiveTopic {
        let entry = |v: &str, source| LiveConfigEntry {
            value: Some(v.to_string()),
            source,
            read_only: false,
        };
        LiveTopic {
            name: name.to_string(),
            partitions: 3,
            replication_factor: 3,
            config: Some(
                [
                    (
                        "retention.ms",
                        entry("86400000", ConfigSource::DynamicTopic),
                    ),
                    ("cleanup.policy", entry("delete", ConfigSource::Default)),
                    ("write.caching", entry("false", ConfigSource::Default)),
                ]
                .into_iter()
                .map(|(k, e)| (k.to_string(), e))
                .collect(),
            ),
        }
    }

    fn redpanda() -> BrokerProfile {
        BrokerProfile {
            family: Family::Redpanda,
            brokers: 3,
            config_sources: ConfigSources::Trusted,
            unreported_keys: ["min.insync.replicas", "segment.jitter.ms"]
                .iter()
                .map(|k| k.to_string())
                .collect(),
            ..BrokerProfile::default()
        }
    }

    #[test]
    fn keys_redpanda_accepts_but_never_reports_are_not_drift() {
        let config = [("retention.ms", "86400000"), ("min.insync.replicas", "2")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let spec = TopicSpec::new("orders", 3, 3, config);
        let profile = redpanda();
        let mut out = Outcome::default();
        configs(
            &spec,
            &redpanda_topic("orders"),
            Some(&profile),
            &Policy::default(),
            &mut out,
        );
        assert!(out.actions.is_empty(), "{:?}", out.actions);
        assert_eq!(out.warnings.len(), 1);
        assert_eq!(out.warnings[0].kind, WarningKind::Unreported);
        assert_eq!(
            out.warnings[0].keys,
            vec!["min.insync.replicas".to_string()]
        );

        // On a broker that reports everything, a missing key is a change like any other.
        let mut out = Outcome::default();
        configs(
            &spec,
            &redpanda_topic("orders"),
            None,
            &Policy::default(),
            &mut out,
        );
        assert_eq!(out.actions.len(), 1);
    }
}
