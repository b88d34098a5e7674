//! Plan scenarios: each directory under `tests/core/scenarios/` holds a desired state
//! (`topology.toml`), a live cluster (`live.toml`) and optionally sample keys (`keys.txt`).
//! The diff runs on them and every rendering is snapshotted under `snapshots/core/`;
//! those snapshots are the contract of what a plan says. The facts that matter most are
//! also asserted in code, so a wrongly accepted snapshot cannot hide them.
//!
//! `topology.toml` is a real topology file, loaded by `topo::spec::load` with no
//! environment variables set, so a scenario says what a user would write.
//!
//! `live.toml` is a test-only description of what the cluster reports, small enough to
//! read at a glance; every key but a topic's `partitions` and a group's `state`,
//! `members` and `log_end` may be left out:
//!
//! ```toml
//! brokers = 3                      # default 1; the bootstrap is always 127.0.0.1:19092
//!
//! [topics.orders]
//! partitions = 6
//! replication = 3                  # default 1
//! # Values set on the topic (source dynamic_topic), as the broker stores them. Every
//! # other key of `BROKER_DEFAULTS` is reported with source `default`.
//! config = { "retention.ms" = "604800000" }
//!
//! [topics.billing]
//! partitions = 3
//! configs_read = false             # out of scope: the reader did not describe its configs
//!
//! [groups.orders-workers]
//! state = "stable"                 # empty, stable, rebalancing, dead or unknown
//! members = 2
//! # One entry per partition, from partition 0. Without `committed` the group has no
//! # commit on the topic; without `log_start` every log starts at 0.
//! offsets.orders = { committed = [10, 12], log_start = [0, 0], log_end = [10, 15] }
//!
//! [unmanaged_groups]               # undeclared groups with commits on managed topics
//! orders-audit = ["orders"]
//! ```
//!
//! A top-level `acls = [...]` says the cluster runs an authorizer and lists the ACLs of
//! the declared principals, each as the plan JSON writes a binding (`resource_type`,
//! `name`, `pattern`, `principal`, `host`, `operation`, `permission`); `acls = []` is an
//! authorizer with none of them. Without it, ACLs were not read.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use topo::diff::{diff, DiffContext};
use topo::model::{
    AclBinding, ConfigSource, DesiredState, GroupState, LiveAcls, LiveConfigEntry, LiveGroup,
    LiveState, LiveTopic, PartitionLag,
};
use topo::plan::{Drift, Op, Plan, RefusalKind, RiskKind, WarningKind};
use topo::render::{self, HumanOptions};

/// What the scenarios' broker reports for a config nobody set: Kafka 4's defaults for the
/// keys a plan compares.
const BROKER_DEFAULTS: [(&str, &str); 8] = [
    ("cleanup.policy", "delete"),
    ("compression.type", "producer"),
    ("max.message.bytes", "1048588"),
    ("min.insync.replicas", "1"),
    ("retention.bytes", "-1"),
    ("retention.ms", "604800000"),
    ("segment.bytes", "1073741824"),
    ("segment.ms", "604800000"),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveFile {
    #[serde(default = "one")]
    brokers: u32,
    #[serde(default)]
    topics: BTreeMap<String, LiveTopicFile>,
    #[serde(default)]
    groups: BTreeMap<String, LiveGroupFile>,
    #[serde(default)]
    unmanaged_groups: BTreeMap<String, BTreeSet<String>>,
    acls: Option<BTreeSet<AclBinding>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveTopicFile {
    partitions: i32,
    #[serde(default = "one")]
    replication: i16,
    #[serde(default)]
    config: BTreeMap<String, String>,
    #[serde(default = "yes")]
    configs_read: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveGroupFile {
    state: GroupState,
    members: u32,
    #[serde(default)]
    offsets: BTreeMap<String, OffsetsFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OffsetsFile {
    committed: Option<Vec<i64>>,
    log_start: Option<Vec<i64>>,
    log_end: Vec<i64>,
}

fn one<T: From<u8>>() -> T {
    T::from(1)
}

fn yes() -> bool {
    true
}

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/core/scenarios")
}

fn scenario_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(scenarios_dir())
        .expect("scenarios directory")
        .map(|e| e.expect("scenario entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A scenario's `topology.toml`, loaded like `topo plan` loads it.
fn desired_state(dir: &Path) -> DesiredState {
    let path = dir.join("topology.toml");
    let loaded = topo::spec::load("topology.toml", &read(&path), &|_| None)
        .unwrap_or_else(|d| panic!("{}:\n{d}", path.display()));
    assert!(
        loaded.warnings.is_empty(),
        "{}: {:?}",
        path.display(),
        loaded.warnings
    );
    loaded.desired
}

/// A scenario's `live.toml` (format in the module comment) as the cluster reader would
/// have returned it.
fn live_state(dir: &Path) -> LiveState {
    let path = dir.join("live.toml");
    let file: LiveFile =
        toml::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let topics = file
        .topics
        .into_iter()
        .map(|(name, t)| {
            assert!(
                t.configs_read || t.config.is_empty(),
                "{name}: config of a topic whose configs were not read"
            );
            let config = t.configs_read.then(|| {
                let entry = |value: &str, source| LiveConfigEntry {
                    value: Some(value.to_string()),
                    source,
                    read_only: false,
                };
                let mut config: BTreeMap<String, LiveConfigEntry> = BROKER_DEFAULTS
                    .iter()
                    .map(|(k, v)| (k.to_string(), entry(v, ConfigSource::Default)))
                    .collect();
                for (k, v) in &t.config {
                    config.insert(k.clone(), entry(v, ConfigSource::DynamicTopic));
                }
                config
            });
            let topic = LiveTopic {
                name: name.clone(),
                partitions: t.partitions,
                replication_factor: t.replication,
                config,
            };
            (name, topic)
        })
        .collect();
    let groups = file
        .groups
        .into_iter()
        .map(|(name, g)| {
            let offsets = g
                .offsets
                .into_iter()
                .map(|(topic, o)| {
                    let n = o.log_end.len();
                    let committed = o
                        .committed
                        .map_or(vec![None; n], |c| c.into_iter().map(Some).collect());
                    let log_start = o.log_start.unwrap_or_else(|| vec![0; n]);
                    assert!(
                        committed.len() == n && log_start.len() == n,
                        "{name}/{topic}: one entry per partition in each list"
                    );
                    let partitions = (0..)
                        .zip(committed.into_iter().zip(log_start).zip(o.log_end))
                        .map(
                            |(partition, ((committed, log_start), log_end))| PartitionLag {
                                partition,
                                committed,
                                log_start,
                                log_end,
                            },
                        )
                        .collect();
                    (topic, partitions)
                })
                .collect();
            let group = LiveGroup {
                name: name.clone(),
                state: g.state,
                members: g.members,
                offsets,
            };
            (name, group)
        })
        .collect();
    LiveState {
        bootstrap: "127.0.0.1:19092".into(),
        brokers: file.brokers,
        topics,
        groups,
        unmanaged_groups: file.unmanaged_groups,
        acls: file.acls.map_or(LiveAcls::NotRead, LiveAcls::Read),
        ..LiveState::default()
    }
}

/// The plan of one scenario, computed the way `topo plan` computes it.
fn plan(name: &str) -> Plan {
    let dir = scenarios_dir().join(name);
    let desired = desired_state(&dir);
    let live = live_state(&dir);
    let mut sample_keys = BTreeMap::new();
    let keys_path = dir.join("keys.txt");
    if keys_path.exists() {
        let text = read(&keys_path);
        let keys: Vec<String> = topo::partition::parse_keys(&text)
            .into_iter()
            .map(str::to_string)
            .collect();
        for topic in desired.topics.values().filter(|t| t.keys_file().is_some()) {
            sample_keys.insert(topic.name.clone(), keys.clone());
        }
    }
    let ctx = DiffContext {
        topology: "topology.toml".into(),
        sample_keys,
    };
    diff(&desired, &live, &desired.policy, &ctx)
}

/// The text with every run of spaces (and line breaks with their indent) as one space, so
/// an assertion on a sentence holds however the plan wraps it.
fn unwrapped(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn human(plan: &Plan) -> String {
    render::human(
        plan,
        &HumanOptions {
            color: false,
            next_step: true,
        },
    )
}

/// Every rendering of one scenario's plan, snapshotted.
fn snapshot_scenario(name: &str) {
    let plan = plan(name);
    crate::snapshot!(format!("plan-{name}"), render::json(&plan));
    crate::snapshot!(format!("render-{name}-human"), human(&plan));
    crate::snapshot!(format!("render-{name}-markdown"), render::markdown(&plan));
    crate::snapshot!(
        format!("render-{name}-summary"),
        render::summary_table(&plan)
    );
}

/// One test per scenario, so one failing scenario does not hide the others.
macro_rules! scenarios {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                snapshot_scenario($dir);
            }
        )*

        /// Every scenario directory has its test, and every test its directory.
        #[test]
        fn every_scenario_directory_has_a_test() {
            assert_eq!(scenario_names(), [$($dir),*]);
        }
    };
}

scenarios! {
    acls_granted => "acls-granted",
    cleanup_policy_change => "cleanup-policy-change",
    config_change => "config-change",
    config_set => "config-set",
    config_unset => "config-unset",
    default_equal => "default-equal",
    delete_allowed => "delete-allowed",
    dlq_expansion => "dlq-expansion",
    drift_retention => "drift-retention",
    empty_cluster => "empty-cluster",
    group_active_refused => "group-active-refused",
    group_lag_over_budget => "group-lag-over-budget",
    group_new_earliest => "group-new-earliest",
    internal_topics_ignored => "internal-topics-ignored",
    mixed => "mixed",
    noop => "noop",
    orphan_listed => "orphan-listed",
    partition_decrease_refused => "partition-decrease-refused",
    partition_increase_remap => "partition-increase-remap",
    partition_increase_remap_keys => "partition-increase-remap-keys",
    retention_decrease => "retention-decrease",
    rf_change_refused => "rf-change-refused",
    unmanaged_override => "unmanaged-override",
}

#[test]
fn plan_json_reads_back_identically() {
    for name in scenario_names() {
        let plan = plan(&name);
        let back = Plan::from_json(&render::json(&plan)).expect("plan json parses");
        assert_eq!(back, plan, "{name}");
        assert_eq!(
            render::human(
                &back,
                &HumanOptions {
                    color: false,
                    next_step: true
                }
            ),
            human(&plan),
            "{name}"
        );
    }
}

#[test]
fn plan_renderings_close_with_counts_and_fingerprint() {
    for name in scenario_names() {
        let plan = plan(&name);
        let text = human(&plan);
        assert!(
            text.starts_with("topo plan · cluster 127.0.0.1:19092 ("),
            "{name}: {text}"
        );
        assert!(!text.contains('\u{1b}'), "{name}: colour without asking");
        for line in text.lines() {
            assert!(
                line.chars().count() <= 100,
                "{name}: longer than 100 columns: {line}"
            );
        }
        // The fingerprint closes the plan, or comes just before the hint on what to do next.
        let mut tail = text.lines().rev().take(2);
        let (last, before) = (
            tail.next().unwrap_or_default(),
            tail.next().unwrap_or_default(),
        );
        let fingerprint = format!("Fingerprint {}", plan.fingerprint);
        assert!(
            last.starts_with(&fingerprint) || (last.starts_with("Next: ") && before == fingerprint),
            "{name}: {last}"
        );
        let s = &plan.summary;
        let counts = format!(
            "Plan: {} to create, {} to change, {} to delete, {} refused.",
            s.create, s.update, s.delete, s.refused
        );
        let quiet = plan.actions.is_empty() && plan.refused.is_empty() && plan.drift.is_empty();
        if quiet {
            assert!(
                text.contains("No changes. The cluster matches topology.toml."),
                "{name}"
            );
            assert!(!text.contains("Plan: "), "{name}");
        } else {
            assert!(text.contains(&counts), "{name}: {text}");
            assert!(render::summary_table(&plan).contains(&counts), "{name}");
        }
        assert!(
            render::markdown(&plan).contains(&plan.fingerprint),
            "{name}"
        );
        if !plan.actions.is_empty() {
            let coloured = render::human(
                &plan,
                &HumanOptions {
                    color: true,
                    next_step: true,
                },
            );
            assert!(coloured.contains("\u{1b}["), "{name}: no colour when asked");
        }
    }
}

#[test]
fn plan_noop_says_no_changes() {
    let plan = plan("noop");
    assert!(plan.actions.is_empty() && plan.refused.is_empty() && plan.warnings.is_empty());
    let text = human(&plan);
    assert!(text.contains("No changes. The cluster matches topology.toml."));
    assert!(text.contains("groups:"));
    assert!(!text.contains("to apply exactly this"));
}

#[test]
fn plan_empty_cluster_creates_the_seed_topology() {
    let plan = plan("empty-cluster");
    assert_eq!(
        (
            plan.summary.create,
            plan.summary.update,
            plan.summary.delete
        ),
        (2, 0, 0)
    );
    let text = human(&plan);
    assert!(text.contains("  + topic \"ingestion-events\" "));
    assert!(text.contains("      retention.ms         604800000 (7d)\n"));
    assert!(text.contains("      retention.ms         2592000000 (30d)\n"));
    assert!(text.contains("dead-letter of ingestion-events\n"));
    assert!(text.contains("Plan: 2 to create, 0 to change, 0 to delete, 0 refused.\n"));
    assert!(text.contains("absent (not on the cluster yet)"));
}

#[test]
fn plan_partition_increase_warns_about_key_moves() {
    let plan = plan("partition-increase-remap");
    assert_eq!(plan.summary.update, 1);
    let action = &plan.actions[0];
    assert_eq!(action.op, Op::CreatePartitions { from: 6, to: 8 });
    assert_eq!(action.risks[0].kind, RiskKind::KeyRemap);
    let text = human(&plan);
    assert!(
        text.contains("      ~ partitions         6 → 8\n"),
        "{text}"
    );
    assert!(unwrapped(&text)
        .contains("! keyed by tenant_id (md5): 75% of keys move to another partition"));

    let with_keys = human(&self::plan("partition-increase-remap-keys"));
    assert!(
        unwrapped(&with_keys).contains("sample keys from keys.txt"),
        "{with_keys}"
    );
}

#[test]
fn plan_refusals_name_their_kind() {
    let cases = [
        ("partition-decrease-refused", RefusalKind::PartitionDecrease),
        ("rf-change-refused", RefusalKind::ReplicationFactorChange),
        ("group-active-refused", RefusalKind::ActiveGroup),
    ];
    for (name, kind) in cases {
        let plan = plan(name);
        assert_eq!(plan.refused.len(), 1, "{name}");
        assert_eq!(plan.refused[0].kind, kind, "{name}");
        assert_eq!(plan.summary.refused, 1, "{name}");
        let text = human(&plan);
        assert!(text.contains("  ✗ "), "{name}: {text}");
        // Apply never takes a plan with a refusal, so the plan must not suggest it.
        assert!(
            text.contains("apply is blocked by 1 refused change; change topology.toml"),
            "{name}: {text}"
        );
        assert!(!text.contains("to apply exactly this"), "{name}: {text}");
        let table = render::summary_table(&plan);
        assert!(table.contains("refused"), "{name}: {table}");
        let md = render::markdown(&plan);
        assert!(
            md.contains("#### ✗ Refused") && md.contains("<details open>"),
            "{name}"
        );
    }
    // A refusal next to an applicable change stays in that resource's one block.
    let text = human(&plan("rf-change-refused"));
    assert!(text.contains("update in place, 1 refused"), "{text}");
    assert!(
        text.contains("      ✗ replication_factor  1 → 3\n"),
        "{text}"
    );
}

#[test]
fn plan_config_changes_show_raw_and_human_values() {
    let text = human(&plan("config-set"));
    assert!(
        text.contains("      ~ compression.type   broker default producer → snappy\n"),
        "{text}"
    );

    let text = human(&plan("config-unset"));
    assert!(
        text.contains("      - segment.ms         3600000 (1h) → broker default\n"),
        "{text}"
    );
    assert!(
        text.contains("      - max.message.bytes  2097152 (2MiB) → broker default\n"),
        "{text}"
    );

    let text = human(&plan("config-change"));
    assert!(
        text.contains("12 → 12 items (2 removed, 2 added)"),
        "{text}"
    );
    assert!(text.contains("          - 2:102, 5:102\n"), "{text}");
    assert!(text.contains("          + 2:103, 5:103\n"), "{text}");

    let plan = plan("retention-decrease");
    let kinds: Vec<RiskKind> = plan
        .actions
        .iter()
        .flat_map(|a| &a.risks)
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        [RiskKind::RetentionDecrease, RiskKind::RetentionDecrease]
    );
    let text = human(&plan);
    // Risky lines come first, each followed by its risk.
    let ms = text.find("~ retention.ms").unwrap_or(usize::MAX);
    let risk = text
        .find("! retention decrease: messages older than 1d")
        .unwrap_or(0);
    assert!(ms < risk, "{text}");

    let plan = self::plan("cleanup-policy-change");
    assert_eq!(plan.actions[0].risks[0].kind, RiskKind::CleanupPolicyChange);
}

#[test]
fn plan_quiet_scenarios_stay_quiet() {
    for name in [
        "default-equal",
        "unmanaged-override",
        "internal-topics-ignored",
        "noop",
    ] {
        let plan = plan(name);
        assert!(plan.actions.is_empty() && plan.refused.is_empty(), "{name}");
    }
    let plan = plan("unmanaged-override");
    assert_eq!(plan.warnings[0].kind, WarningKind::UnmanagedOverride);
    let text = human(&plan);
    assert!(unwrapped(&text).contains("unmanaged: 2 live overrides not in the file (ingestion-events: flush.ms, max.message.bytes), left alone (policy.remove_unmanaged_config = false)"), "{text}");
    assert!(self::plan("internal-topics-ignored").warnings.is_empty());
}

#[test]
fn plan_orphans_are_listed_or_deleted_by_policy() {
    let listed = plan("orphan-listed");
    assert!(listed.actions.is_empty());
    let text = human(&listed);
    assert!(unwrapped(&text).contains("orphans: 1 topic in scope not declared (ingestion-events-v0), not deleted (policy.delete_undeclared = false)"), "{text}");
    assert!(text.contains("unmanaged groups: 1 group"), "{text}");
    assert!(!text.contains("billing"));

    let deleted = plan("delete-allowed");
    assert_eq!(deleted.summary.delete, 1);
    assert_eq!(deleted.actions[0].risks[0].kind, RiskKind::DataLoss);
    let text = human(&deleted);
    assert!(
        text.contains("  - topic \"ingestion-events-v0\" "),
        "{text}"
    );
    assert!(text.contains("Plan: 0 to create, 0 to change, 1 to delete, 0 refused."));
}

#[test]
fn plan_groups_show_offsets_and_drift() {
    let plan = plan("group-new-earliest");
    assert_eq!(plan.summary.create, 1);
    let text = human(&plan);
    assert!(text.contains("commit start offsets\n"), "{text}");
    assert!(
        text.contains("      ingestion-events     earliest on 6 partitions\n"),
        "{text}"
    );

    let plan = self::plan("group-lag-over-budget");
    assert_eq!(plan.drift.len(), 1);
    assert!(matches!(
        &plan.drift[0],
        Drift::LagOverBudget {
            lag: 24500,
            budget: 10000,
            ..
        }
    ));
    let text = human(&plan);
    assert!(text.contains("Drift: 1 lag budget exceeded.\n"), "{text}");
    assert!(text.contains("! ingestion-events"), "{text}");
    assert!(
        text.contains("lag 24500 (over budget 10000) across 6 partitions"),
        "{text}"
    );
    assert!(render::summary_table(&plan).contains("Drift: 1 lag budget exceeded."));
}

#[test]
fn plan_dlq_expansion_creates_the_dead_letter_topic() {
    let plan = plan("dlq-expansion");
    assert_eq!(plan.summary.create, 1);
    assert_eq!(
        plan.actions[0].note.as_deref(),
        Some("dead-letter of ingestion-events")
    );
    assert!(human(&plan).contains("+ topic \"ingestion-events-dlq\""));
}

#[test]
fn plan_markdown_leads_with_risks_and_refusals() {
    let md = render::markdown(&plan("mixed"));
    let refused = md.find("#### ✗ Refused").unwrap_or(usize::MAX);
    let risks = md.find("#### ! Risks").unwrap_or(usize::MAX);
    let resources = md.find("#### Resources").unwrap_or(0);
    assert!(refused < risks && risks < resources, "{md}");
    // The first open block is the refused topic, then the risky one; creations stay closed.
    let first = md
        .find("<details open>\n<summary><code>✗ topic &quot;payments&quot;")
        .or_else(|| md.find("<details open>\n<summary><code>✗ topic \"payments\""));
    assert!(first.is_some(), "{md}");
    assert!(
        md.contains("<details>\n<summary><code>+ topic \"ingestion-events-dlq\""),
        "{md}"
    );
}

#[test]
fn plan_acls_are_granted_under_the_resource_they_protect() {
    let plan = plan("acls-granted");
    let granted: Vec<usize> = plan
        .actions
        .iter()
        .filter_map(|a| match &a.op {
            Op::CreateAcls { acls } => Some(acls.len()),
            _ => None,
        })
        .collect();
    // READ and DESCRIBE on the topic, READ on the group.
    assert_eq!(granted, [2, 1]);
    let text = human(&plan);
    assert!(text.contains("grant access\n"), "{text}");
}
