//! What `topo status` prints: every declared topic with its partitions, retention and
//! message count (dead-letter topics included), and every declared consumer group with its
//! lag against its budget.
//!
//! Pure: the caller reads the cluster and passes the table width; the same inputs always
//! render the same text.

use std::collections::BTreeMap;

use comfy_table::Table;

use crate::model::{DesiredState, LiveGroup, LiveState, PartitionLag};
use crate::units::{self, plural};

use super::table::{align_right, grid};

/// `(log start, log end)` per `(topic, partition)`, as `Connection::log_positions` reads them.
pub(crate) type Positions = BTreeMap<(String, i32), (i64, i64)>;

/// Every live partition of every declared topic: the ones whose messages are counted.
pub(crate) fn counted_partitions(desired: &DesiredState, live: &LiveState) -> Vec<(String, i32)> {
    desired
        .topics
        .keys()
        .filter_map(|name| live.topics.get(name))
        .flat_map(|t| (0..t.partitions).map(move |p| (t.name.clone(), p)))
        .collect()
}

/// Messages a topic holds: the sum of `log end - log start` over its partitions, or `None`
/// when a partition's positions are unknown (a partial sum would understate a DLQ).
pub(crate) fn message_count(topic: &str, partitions: i32, positions: &Positions) -> Option<i64> {
    (0..partitions)
        .map(|p| {
            positions
                .get(&(topic.to_string(), p))
                .map(|(start, end)| (end - start).max(0))
        })
        .sum()
}

/// A live value with its declared value alongside when they differ.
fn live_vs_declared<T: PartialEq + std::fmt::Display>(live: T, declared: T) -> String {
    if live == declared {
        live.to_string()
    } else {
        format!("{live} (declares {declared})")
    }
}

fn topics_table(
    desired: &DesiredState,
    live: &LiveState,
    positions: &Positions,
    width: Option<u16>,
) -> Table {
    let mut table = grid(
        &[
            "topic",
            "partitions",
            "replication",
            "retention",
            "cleanup.policy",
            "messages",
            "notes",
        ],
        width,
    );
    for spec in desired.topics.values() {
        let mut notes = Vec::new();
        if let Some(parent) = spec.dlq_of() {
            notes.push(format!("dlq of {parent}"));
        }
        match (spec.key(), spec.partitioner()) {
            (Some(key), Some(p)) => notes.push(format!("key {key} ({p})")),
            (Some(key), None) => notes.push(format!("key {key}")),
            (None, Some(p)) => notes.push(format!("keyed ({p})")),
            (None, None) => {}
        }
        let Some(topic) = live.topics.get(&spec.name) else {
            notes.push("not on the cluster".into());
            let dash = || "-".to_string();
            table.add_row(vec![
                spec.name.clone(),
                dash(),
                dash(),
                dash(),
                dash(),
                dash(),
                notes.join("; "),
            ]);
            continue;
        };
        let config = |key: &str| {
            topic
                .config
                .as_ref()
                .and_then(|c| c.get(key))
                .and_then(|e| e.value.clone())
        };
        let retention = match config("retention.ms") {
            Some(raw) => match units::humanize("retention.ms", &raw) {
                Some(human) => format!("{raw} ({human})"),
                None => raw,
            },
            None => "-".into(),
        };
        let messages = message_count(&spec.name, topic.partitions, positions)
            .map_or_else(|| "unknown".to_string(), |n| n.to_string());
        table.add_row(vec![
            spec.name.clone(),
            live_vs_declared(topic.partitions, spec.partitions),
            live_vs_declared(topic.replication_factor, spec.replication_factor),
            retention,
            config("cleanup.policy").unwrap_or_else(|| "-".into()),
            messages,
            notes.join("; "),
        ]);
    }
    align_right(&mut table, &[1, 2, 5]);
    table
}

/// One row of the groups table: a declared group on one topic.
fn group_row(
    name: &str,
    group: Option<&LiveGroup>,
    topic: &str,
    declared: bool,
    budget: Option<i64>,
) -> Vec<String> {
    let state = group.map_or("absent", |g| g.state.name()).to_string();
    let members = group.map_or(0, |g| g.members).to_string();
    let parts = group.and_then(|g| g.offsets.get(topic));
    let lag = parts.map(|ps| ps.iter().map(PartitionLag::lag).sum::<i64>());
    let lag_cell = match parts {
        None => "-".to_string(),
        Some(ps) => {
            let uncommitted = ps.iter().filter(|p| p.committed.is_none()).count();
            let total: i64 = ps.iter().map(PartitionLag::lag).sum();
            if uncommitted == 0 {
                total.to_string()
            } else {
                // Without a commit the whole log counts as lag; say so, or the number misleads.
                format!("{total} ({uncommitted} of {} uncommitted)", ps.len())
            }
        }
    };
    let worst = parts
        .and_then(|ps| PartitionLag::worst(ps))
        .filter(|(_, lag)| *lag > 0)
        .map_or_else(|| "-".to_string(), |(p, l)| format!("p{p}: {l}"));
    // Budgets apply to declared topics only, exactly as the plan's drift check counts them.
    let budget = budget.filter(|_| declared);
    let over = match (lag, budget) {
        (Some(lag), Some(b)) => if lag > b { "yes" } else { "no" }.to_string(),
        _ => "-".to_string(),
    };
    let topic_cell = if declared {
        topic.to_string()
    } else {
        format!("{topic} (not declared)")
    };
    vec![
        name.to_string(),
        state,
        members,
        topic_cell,
        lag_cell,
        worst,
        budget.map_or_else(|| "-".to_string(), |b| b.to_string()),
        over,
    ]
}

fn groups_table(desired: &DesiredState, live: &LiveState, width: Option<u16>) -> Table {
    let mut table = grid(
        &[
            "group",
            "state",
            "members",
            "topic",
            "lag",
            "worst partition",
            "lag budget",
            "over budget",
        ],
        width,
    );
    for spec in desired.groups.values() {
        let group = live.groups.get(&spec.name);
        // Declared topics first, then any other topic the group has commits on.
        let extra = group
            .into_iter()
            .flat_map(|g| g.offsets.keys())
            .filter(|t| !spec.topics.contains(*t));
        for topic in &spec.topics {
            table.add_row(group_row(&spec.name, group, topic, true, spec.lag_budget));
        }
        for topic in extra {
            table.add_row(group_row(&spec.name, group, topic, false, spec.lag_budget));
        }
    }
    align_right(&mut table, &[2, 4, 6]);
    table
}

/// The whole `topo status` output: the cluster line, the topics table, the groups table and
/// any undeclared groups that consume managed topics.
pub(crate) fn render_status(
    desired: &DesiredState,
    live: &LiveState,
    positions: &Positions,
    width: Option<u16>,
) -> String {
    let mut out = format!(
        "Cluster {} ({})\n\nTopics\n",
        live.bootstrap,
        plural(live.brokers as usize, "broker", "brokers")
    );
    if desired.topics.is_empty() {
        out.push_str("  none declared\n");
    } else {
        out.push_str(&format!(
            "{}\n",
            topics_table(desired, live, positions, width)
        ));
    }
    out.push_str("\nConsumer groups\n");
    if desired.groups.is_empty() {
        out.push_str("  none declared\n");
    } else {
        out.push_str(&format!("{}\n", groups_table(desired, live, width)));
    }
    if !live.unmanaged_groups.is_empty() {
        out.push_str("\nUndeclared groups consuming managed topics:\n");
        for (group, topics) in &live.unmanaged_groups {
            let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
            out.push_str(&format!("  {group}: {}\n", topics.join(", ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::{
        ConfigSource, GroupSpec, GroupState, LiveConfigEntry, LiveTopic, OffsetPolicy, TopicExtras,
        TopicSpec,
    };
    use crate::partition::Partitioner;

    use crate::testing::snapshot;

    fn positions(entries: &[(&str, i32, i64, i64)]) -> Positions {
        entries
            .iter()
            .map(|(t, p, s, e)| ((t.to_string(), *p), (*s, *e)))
            .collect()
    }

    #[test]
    fn message_count_sums_partitions_and_refuses_partial_sums() {
        let pos = positions(&[("dlq", 0, 0, 2), ("dlq", 1, 5, 6), ("dlq", 2, 3, 3)]);
        assert_eq!(message_count("dlq", 3, &pos), Some(3));
        assert_eq!(message_count("dlq", 4, &pos), None);
        assert_eq!(message_count("other", 0, &pos), Some(0));
    }

    fn lag(partition: i32, committed: Option<i64>, end: i64) -> PartitionLag {
        PartitionLag {
            partition,
            committed,
            log_start: 0,
            log_end: end,
        }
    }

    #[test]
    fn worst_partition_prefers_the_highest_lag_then_the_lowest_partition() {
        assert_eq!(
            PartitionLag::worst(&[lag(0, Some(5), 5), lag(1, Some(5), 5)]),
            Some((0, 0))
        );
        assert_eq!(PartitionLag::worst(&[]), None);
        let parts = [lag(0, Some(1), 5), lag(1, Some(0), 9), lag(2, Some(1), 9)];
        assert_eq!(PartitionLag::worst(&parts), Some((1, 9)));
    }

    fn topic(name: &str, partitions: i32, retention: &str, dlq_of: Option<&str>) -> TopicSpec {
        let config = crate::model::ConfigMap::from_iter([(
            "retention.ms".to_string(),
            retention.to_string(),
        )]);
        TopicSpec::new(name, partitions, 1, config).with_extras(TopicExtras {
            key: dlq_of.is_none().then(|| "tenant_id".to_string()),
            partitioner: dlq_of.is_none().then_some(Partitioner::Md5),
            keys_file: None,
            dlq_of: dlq_of.map(str::to_string),
        })
    }

    fn live_topic(name: &str, partitions: i32, retention: &str) -> LiveTopic {
        let entry = |v: &str| LiveConfigEntry {
            value: Some(v.to_string()),
            source: ConfigSource::DynamicTopic,
            read_only: false,
        };
        LiveTopic {
            name: name.into(),
            partitions,
            replication_factor: 1,
            config: Some(
                [
                    ("retention.ms".to_string(), entry(retention)),
                    ("cleanup.policy".to_string(), entry("delete")),
                ]
                .into(),
            ),
        }
    }

    fn group(name: &str, topic: &str, budget: Option<i64>) -> GroupSpec {
        GroupSpec {
            name: name.into(),
            topics: BTreeSet::from([topic.to_string()]),
            initial_offsets: Some(OffsetPolicy::Earliest),
            lag_budget: budget,
        }
    }

    /// The bundled topology after an apply, with traffic: the main topic grown out of band,
    /// three dead letters, one stable group over budget, one never started, one more topic
    /// declared but not yet created.
    fn seed_like() -> (DesiredState, LiveState, Positions) {
        let mut desired = DesiredState::default();
        for t in [
            topic("ingestion-events", 6, "604800000", None),
            topic(
                "ingestion-events-dlq",
                3,
                "2592000000",
                Some("ingestion-events"),
            ),
            topic("ingestion-audit", 1, "86400000", None),
        ] {
            desired.topics.insert(t);
        }
        for g in [
            group(
                "ingestion-events-extraction-workers",
                "ingestion-events",
                Some(100),
            ),
            group(
                "ingestion-events-dlq-processor",
                "ingestion-events-dlq",
                None,
            ),
        ] {
            desired.groups.insert(g.name.clone(), g);
        }
        let mut live = LiveState {
            bootstrap: "localhost:19092".into(),
            brokers: 1,
            ..LiveState::default()
        };
        for t in [
            live_topic("ingestion-events", 8, "604800000"),
            live_topic("ingestion-events-dlq", 3, "2592000000"),
        ] {
            live.topics.insert(t.name.clone(), t);
        }
        // Every partition 5 behind its commit except p3 (90 behind) and p7 (never committed).
        let end = |p: i32| 10 * i64::from(p) + if p == 3 { 90 } else { 5 };
        let offsets: Vec<PartitionLag> = (0..8)
            .map(|p| PartitionLag {
                partition: p,
                committed: (p < 7).then_some(10 * i64::from(p)),
                log_start: 0,
                log_end: end(p),
            })
            .collect();
        live.groups.insert(
            "ingestion-events-extraction-workers".into(),
            LiveGroup {
                name: "ingestion-events-extraction-workers".into(),
                state: GroupState::Stable,
                members: 2,
                offsets: BTreeMap::from([
                    ("ingestion-events".to_string(), offsets),
                    ("legacy-events".to_string(), vec![lag(0, Some(3), 3)]),
                ]),
            },
        );
        live.unmanaged_groups.insert(
            "adhoc-debugger".into(),
            BTreeSet::from([
                "ingestion-events".to_string(),
                "ingestion-events-dlq".to_string(),
            ]),
        );
        let mut pos: Positions = (0..8)
            .map(|p| (("ingestion-events".to_string(), p), (0, end(p))))
            .collect();
        pos.extend(positions(&[
            ("ingestion-events-dlq", 0, 0, 1),
            ("ingestion-events-dlq", 1, 4, 6),
            ("ingestion-events-dlq", 2, 0, 0),
        ]));
        (desired, live, pos)
    }

    #[test]
    fn status_of_a_seed_like_cluster() {
        let (desired, live, pos) = seed_like();
        assert_eq!(counted_partitions(&desired, &live).len(), 11);
        let text = render_status(&desired, &live, &pos, None);
        assert!(text.contains("604800000 (7d)"), "{text}");
        assert!(text.contains("2592000000 (30d)"), "{text}");
        assert!(text.contains("dlq of ingestion-events"), "{text}");
        snapshot!("status-report", text);
    }

    #[test]
    fn tables_wrap_to_a_given_width() {
        let (desired, live, pos) = seed_like();
        let text = render_status(&desired, &live, &pos, Some(80));
        for line in text.lines().filter(|l| l.starts_with(['┌', '│', '╞', '└'])) {
            assert!(line.chars().count() <= 80, "{line}");
        }
    }

    #[test]
    fn status_without_declarations_or_positions() {
        let (mut desired, live, _) = seed_like();
        desired.groups.clear();
        let text = render_status(&desired, &live, &Positions::new(), None);
        assert!(
            text.contains("Consumer groups\n  none declared\n"),
            "{text}"
        );
        assert!(text.contains("unknown"), "{text}");
        let empty = render_status(
            &DesiredState::default(),
            &LiveState::default(),
            &Positions::new(),
            None,
        );
        assert_eq!(
            empty,
            "Cluster  (0 brokers)\n\nTopics\n  none declared\n\nConsumer groups\n  none declared\n"
        );
    }
}
