//! The topology file: the repository's own `topology.toml`, a corpus of broken files
//! (each one's diagnostics snapshotted), inheritance and normalisation rules, and the
//! JSON Schema shipped in `docs/`.

use std::collections::BTreeMap;
use std::path::Path;

use topo::model::{OffsetPolicy, Partitioner, ScopePattern};
use topo::spec::{self, Loaded, Severity};

const SEED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/topology.toml"));

/// The environment every corpus case sees: fixed, never the real one.
fn corpus_env(name: &str) -> Option<String> {
    match name {
        "X" => Some("a".into()),
        "GROUP" => Some("billing".into()),
        "TOPIC" => Some("orders".into()),
        "EMPTY" => Some(String::new()),
        _ => None,
    }
}

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn load_ok(source: &str, env: &dyn Fn(&str) -> Option<String>) -> Loaded {
    match spec::load("topology.toml", source, env) {
        Ok(loaded) => loaded,
        Err(d) => panic!("expected the file to load:\n{d}"),
    }
}

fn load_err(source: &str) -> String {
    match spec::load("topology.toml", source, &corpus_env) {
        Ok(loaded) => panic!("expected errors, loaded {:?}", loaded.desired),
        Err(d) => d.to_string(),
    }
}

#[test]
fn corpus_of_broken_files_reports_every_problem() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/core/corpus");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "corpus has only {} cases", cases.len());
    for path in cases {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&path).unwrap();
        let file = format!("{name}.toml");
        let outcome =
            std::panic::catch_unwind(|| spec::load(&file, &source, &corpus_env).map(|_| ()));
        let diagnostics = match outcome {
            Err(_) => panic!("{name}: loading panicked"),
            Ok(Ok(())) => panic!("{name}: loaded without errors"),
            Ok(Err(d)) => d,
        };
        assert!(diagnostics.has_errors(), "{name}: no errors");
        assert!(
            diagnostics
                .0
                .iter()
                .all(|d| d.file == file && d.line >= 1 && d.col >= 1),
            "{name}: unlocated diagnostic"
        );
        crate::snapshot!(format!("spec-corpus-{name}"), diagnostics.to_string());
    }
}

#[test]
fn seed_topology_expands_to_the_ingestion_pipeline() {
    let loaded = load_ok(SEED, &|_| None);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let desired = &loaded.desired;
    crate::snapshot!(
        "spec-seed-desired-state",
        serde_json::to_string_pretty(desired).unwrap()
    );

    assert_eq!(
        desired.cluster.bootstrap_servers.as_deref(),
        Some("localhost:19092")
    );
    let names: Vec<&str> = desired.topics.keys().map(String::as_str).collect();
    assert_eq!(names, ["ingestion-events", "ingestion-events-dlq"]);

    let main = &desired.topics["ingestion-events"];
    assert_eq!((main.partitions, main.replication_factor), (6, 1));
    assert_eq!(main.key(), Some("tenant_id"));
    assert_eq!(main.partitioner(), Some(Partitioner::Md5));
    assert_eq!(main.dlq_of(), None);
    let expected: BTreeMap<String, String> = [
        ("cleanup.policy", "delete"),
        ("compression.type", "snappy"),
        ("retention.bytes", "-1"),
        ("retention.ms", "604800000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(main.config, expected.clone().into_iter().collect());

    let dlq = &desired.topics["ingestion-events-dlq"];
    assert_eq!((dlq.partitions, dlq.replication_factor), (3, 1));
    assert_eq!(dlq.dlq_of(), Some("ingestion-events"));
    assert_eq!(dlq.key(), Some("tenant_id"));
    assert_eq!(dlq.partitioner(), Some(Partitioner::Md5));
    let mut expected_dlq = expected.clone();
    expected_dlq.insert("retention.ms".into(), "2592000000".into());
    assert_eq!(dlq.config, expected_dlq.into_iter().collect());

    let groups: Vec<(&str, Vec<&str>)> = desired
        .groups
        .values()
        .map(|g| {
            (
                g.name.as_str(),
                g.topics.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (
                "ingestion-events-dlq-processor",
                vec!["ingestion-events-dlq"]
            ),
            (
                "ingestion-events-extraction-workers",
                vec!["ingestion-events"]
            ),
        ]
    );
    assert!(desired
        .groups
        .values()
        .all(|g| g.initial_offsets == Some(topo::model::OffsetPolicy::Earliest)));
    assert!(desired.policy.manage.is_empty());
    assert!(!desired.policy.delete_undeclared);
}

#[test]
fn seed_topology_follows_the_environment() {
    let env = env_of(&[
        ("INGESTION_TOPIC", "orders"),
        ("KAFKA_BOOTSTRAP_SERVERS", "h:1"),
    ]);
    let desired = load_ok(SEED, &env).desired;
    assert_eq!(desired.cluster.bootstrap_servers.as_deref(), Some("h:1"));
    let topics: Vec<&str> = desired.topics.keys().map(String::as_str).collect();
    assert_eq!(topics, ["orders", "orders-dlq"]);
    assert_eq!(desired.topics["orders-dlq"].dlq_of(), Some("orders"));
    let groups: Vec<&str> = desired.groups.keys().map(String::as_str).collect();
    assert_eq!(
        groups,
        ["orders-dlq-processor", "orders-extraction-workers"]
    );
    assert!(desired.groups["orders-dlq-processor"]
        .topics
        .contains("orders-dlq"));
}

#[test]
fn durations_sizes_and_integers_normalise_to_the_same_strings() {
    let human = r#"
        [defaults]
        partitions = 1
        replication_factor = 1
        [topics.a.config]
        "retention.ms" = "7d"
        "retention.bytes" = "1GiB"
        "segment.ms" = "36h"
        "max.message.bytes" = "1MiB"
        "min.cleanable.dirty.ratio" = 0.50
        "preallocate" = "TRUE"
        "cleanup.policy" = ["compact", "delete"]
        "flush.messages" = 0x10
        "confluent.tier.enable" = true
    "#;
    let exact = r#"
        [defaults]
        partitions = 1
        replication_factor = 1
        [topics.a.config]
        "retention.ms" = 604800000
        "retention.bytes" = 1073741824
        "segment.ms" = "129600000"
        "max.message.bytes" = 1048576
        "min.cleanable.dirty.ratio" = "0.5"
        "preallocate" = true
        "cleanup.policy" = "compact, delete"
        "flush.messages" = 16
        "confluent.tier.enable" = "true"
    "#;
    let a = load_ok(human, &|_| None).desired.topics["a"].config.clone();
    let b = load_ok(exact, &|_| None).desired.topics["a"].config.clone();
    assert_eq!(a, b);
    assert_eq!(a[&"retention.ms".to_string()], "604800000");
    assert_eq!(a[&"retention.bytes".to_string()], "1073741824");
    assert_eq!(a[&"min.cleanable.dirty.ratio".to_string()], "0.5");
    assert_eq!(a[&"cleanup.policy".to_string()], "compact,delete");
}

#[test]
fn dead_letter_topics_inherit_and_override() {
    let source = r#"
        [defaults]
        partitions = 2
        replication_factor = 1
        config = { "cleanup.policy" = "delete", "retention.ms" = "1d" }

        [topics.orders]
        partitions = 12
        key = "order_id"
        partitioner = "murmur2"
        keys_file = "keys/orders.txt"
        config = { "compression.type" = "zstd", "retention.ms" = "7d" }
        dlq = { name = "orders.failed", config = { "retention.ms" = "30d" } }

        [topics.payments]
        dlq = true
    "#;
    let desired = load_ok(source, &|_| None).desired;
    let dlq = &desired.topics["orders.failed"];
    assert_eq!(dlq.dlq_of(), Some("orders"));
    assert_eq!((dlq.partitions, dlq.replication_factor), (12, 1));
    assert_eq!(dlq.key(), Some("order_id"));
    assert_eq!(dlq.partitioner(), Some(Partitioner::Murmur2));
    assert_eq!(dlq.keys_file(), None);
    assert_eq!(dlq.config[&"retention.ms".to_string()], "2592000000");
    assert_eq!(dlq.config[&"compression.type".to_string()], "zstd");
    assert_eq!(dlq.config[&"cleanup.policy".to_string()], "delete");
    assert_eq!(
        desired.topics["orders"].keys_file(),
        Some("keys/orders.txt")
    );

    // `dlq = true` takes the name NAME-dlq and everything else from the parent, which
    // itself inherits from [defaults].
    let dlq = &desired.topics["payments-dlq"];
    assert_eq!((dlq.partitions, dlq.replication_factor), (2, 1));
    assert_eq!(dlq.config, desired.topics["payments"].config);
    assert_eq!(dlq.config[&"retention.ms".to_string()], "86400000");
    assert_eq!(desired.topics.len(), 4);
}

#[test]
fn interpolation_reaches_keys_arrays_and_config_values() {
    let source = r#"
        [cluster]
        bootstrap_servers = "${HOST}:${PORT:-9092}"
        client = { "sasl.username" = "${USER}", "sasl.password" = "${PASSWORD}", "socket.timeout.ms" = 60000, "client.id" = "topo$$1" }

        [defaults]
        partitions = "${PARTITIONS:-3}"
        replication_factor = 1

        [topics."${TOPIC}"]
        config = { "retention.ms" = "${RETENTION:-7d}", "compression.type" = "${CODEC}" }

        [groups."${TOPIC}-workers"]
        topics = ["${TOPIC}"]
        lag_budget = "${BUDGET}"

        [policy]
        prefixes = ["${TOPIC}"]
        patterns = ["cost-*"]
        delete_undeclared = "${DELETE:-false}"
    "#;
    let env = env_of(&[
        ("HOST", "broker"),
        ("USER", "svc"),
        ("PASSWORD", "s3cr$t"),
        ("TOPIC", "orders"),
        ("CODEC", "lz4"),
        ("BUDGET", "500"),
        ("DELETE", "true"),
    ]);
    let desired = load_ok(source, &env).desired;
    assert_eq!(
        desired.cluster.bootstrap_servers.as_deref(),
        Some("broker:9092")
    );
    assert_eq!(
        desired.cluster.client[&"sasl.password".to_string()],
        "s3cr$t"
    );
    assert_eq!(
        desired.cluster.client[&"socket.timeout.ms".to_string()],
        "60000"
    );
    assert_eq!(desired.cluster.client[&"client.id".to_string()], "topo$1");
    let orders = &desired.topics["orders"];
    assert_eq!(orders.partitions, 3);
    assert_eq!(orders.config[&"retention.ms".to_string()], "604800000");
    assert_eq!(orders.config[&"compression.type".to_string()], "lz4");
    let group = &desired.groups["orders-workers"];
    assert_eq!(group.lag_budget, Some(500));
    assert!(group.topics.contains("orders"));
    assert_eq!(
        desired.policy.manage,
        [
            ScopePattern::Prefix("orders".into()),
            ScopePattern::Glob("cost-*".into())
        ]
    );
    assert!(desired.policy.delete_undeclared);
    assert!(!desired.policy.remove_unmanaged_config);
}

#[test]
fn groups_and_policy_fields() {
    let source = r#"
        [topics.a]
        partitions = 1
        replication_factor = 1

        [groups.early]
        topics = ["a"]
        initial_offsets = "earliest"

        [groups.late]
        topics = ["a"]
        initial_offsets = "latest"
        lag_budget = 0

        [groups.unset]
        topics = ["a"]
        initial_offsets = "none"

        [policy]
        remove_unmanaged_config = true
    "#;
    let desired = load_ok(source, &|_| None).desired;
    assert_eq!(
        desired.groups["early"].initial_offsets,
        Some(OffsetPolicy::Earliest)
    );
    assert_eq!(
        desired.groups["late"].initial_offsets,
        Some(OffsetPolicy::Latest)
    );
    assert_eq!(desired.groups["late"].lag_budget, Some(0));
    assert_eq!(desired.groups["unset"].initial_offsets, None);
    assert!(desired.policy.remove_unmanaged_config);
}

#[test]
fn warnings_do_not_block_loading() {
    let source = r#"
        [cluster]
        client = { "sasl.password" = "hunter2" }

        [defaults]
        partitions = 1
        replication_factor = 1

        [topics."metrics.events"]
        [topics."metrics_events"]
        [topics."archive"]
        config = { "cleanup.policy" = "" }

        [groups.workers]
        topics = ["metrics.events", "metrics-events", "elsewhere", "archive", "archive"]
    "#;
    let loaded = load_ok(source, &|_| None);
    assert_eq!(loaded.desired.topics.len(), 3);
    assert!(loaded
        .warnings
        .iter()
        .all(|w| w.severity == Severity::Warning));
    let rendered: Vec<String> = loaded.warnings.iter().map(|w| w.to_string()).collect();
    crate::snapshot!("spec-warnings", rendered.join("\n\n"));
    assert_eq!(loaded.warnings.len(), 6, "{rendered:#?}");
}

#[test]
fn all_errors_and_warnings_are_reported_together() {
    let source = r#"
[topics.a]
partitions = 0
replication_factor = 1
[groups.g]
topics = ["missing"]
lag_budget = -1
"#;
    let text = load_err(source);
    assert!(text.ends_with("2 errors, 1 warning"), "{text}");
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "topology.toml:3:14: error: `partitions` must be at least 1, got 0"
    );
}

#[test]
fn empty_file_is_an_empty_topology() {
    let desired = load_ok("", &|_| None).desired;
    assert!(desired.topics.is_empty() && desired.groups.is_empty());
    assert_eq!(desired.cluster.bootstrap_servers, None);
}

#[test]
fn json_schema_is_valid_and_describes_every_section() {
    let text = spec::json_schema();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["$schema"], "http://json-schema.org/draft-07/schema#");
    for key in ["cluster", "defaults", "topics", "groups", "policy"] {
        assert!(value["properties"].get(key).is_some(), "{key} missing");
    }
    let config = &value["definitions"]["topic_config"]["properties"];
    assert!(config.get("retention.ms").is_some());
    assert!(config.get("min.insync.replicas").is_some());
}

/// `docs/topology.schema.json` is generated: it is what `topo schema` prints (the schema
/// plus a newline). `TOPO_BLESS=1 cargo test --test core spec` rewrites it; otherwise a
/// stale copy fails this test.
#[test]
fn committed_schema_matches_json_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/topology.schema.json");
    let generated = format!("{}\n", spec::json_schema());
    if std::env::var_os("TOPO_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/topology.schema.json is stale; regenerate it with \
         `TOPO_BLESS=1 cargo test --test core spec`"
    );
}

#[test]
fn a_plan_reads_groups_only_when_the_file_can_use_them() {
    let request = |source: &str| {
        let desired = load_ok(source, &env_of(&[])).desired;
        let scope = topo::diff::scope_of(&desired, &desired.policy);
        topo::commands::session::read_request(&desired, &scope)
    };
    // Topics alone: no consumer-group request at all.
    let topics_only = request("[topics.orders]\npartitions = 1\nreplication_factor = 1\n");
    assert!(topics_only.groups.is_empty());
    assert!(!topics_only.find_unmanaged_groups);
    // Declared groups: their state, and undeclared consumers of the same topics.
    let with_groups = request(
        "[topics.orders]\npartitions = 1\nreplication_factor = 1\n\n[groups.billing]\ntopics = [\"orders\"]\n",
    );
    assert_eq!(with_groups.groups.len(), 1);
    assert!(with_groups.find_unmanaged_groups);
    // Deletes possible: who still consumes a topic about to go.
    let deleting = request(
        "[policy]\nprefixes = [\"orders\"]\ndelete_undeclared = true\n\n[topics.orders]\npartitions = 1\nreplication_factor = 1\n",
    );
    assert!(deleting.find_unmanaged_groups);
}

#[test]
fn checks_across_topics_report_in_file_order_whatever_the_names_sort_as() {
    // Names chosen so that sorting by name, by metric name and by position all differ:
    // the first declared of each clash is the one the others are reported against.
    let source = r#"
[defaults]
partitions = 1
replication_factor = 1
config = { "min.insync.replicas" = 2 }

[topics."z_y"]
[topics."a.b"]
[topics."z.y"]
dlq = { name = "a_b" }
[topics."${X}"]
[topics.a]
"#;
    let report = load_err(source);
    let lines: Vec<&str> = report
        .lines()
        .filter(|l| l.contains(": error:") || l.contains(": warning:"))
        .collect();
    assert_eq!(
        lines,
        [
            "topology.toml:5:36: error: `min.insync.replicas` is 2, more than the replication factors of `z_y` (1), `a.b` (1), `z.y` (1), `a_b` (1) and `a` (1)",
            "topology.toml:9:9: warning: topic `z.y` collides with `z_y` in Kafka's metric names",
            "topology.toml:10:16: warning: topic `a_b` collides with `a.b` in Kafka's metric names",
            "topology.toml:12:9: error: topic `a` is declared twice",
        ],
        "{report}"
    );
    assert!(report.contains("already declared on line 11"), "{report}");
}
