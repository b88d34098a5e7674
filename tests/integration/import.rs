//! `topo import` on a real broker: topics created by another tool, with a spread of
//! configs, a dead-letter pair and a consumer group, come back as a topology that
//! validates and plans empty against the cluster it was read from.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::support::{assert_snapshot, create_topic, regex_escape, unique, Workspace};

/// Commits `offset` for `group` on one partition, as a consumer that read that far would.
pub fn commit_offset(group: &str, topic: &str, partition: i32, offset: i64) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", crate::broker::bootstrap())
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut list = TopicPartitionList::new();
    list.add_partition_offset(topic, partition, Offset::Offset(offset))
        .expect("partition offset");
    // The group coordinator may still be loading right after the group's first use.
    let mut last = None;
    for _ in 0..50 {
        match consumer.commit(&list, CommitMode::Sync) {
            Ok(()) => return,
            Err(e) => last = Some(e),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("commit for {group} failed: {last:?}");
}

#[test]
fn imported_cluster_validates_and_plans_empty() {
    // Pairing a dead-letter topic compares it with its parent's effective values.
    if !crate::support::has(crate::support::Need::EffectiveConfigValues) {
        return;
    }
    let p = unique("import");
    create_topic(
        &format!("{p}-events"),
        6,
        &[
            ("retention.ms", "604800000"),
            ("compression.type", "zstd"),
            ("max.message.bytes", "2097152"),
        ],
    );
    // Its dead-letter topic: fewer partitions, longer retention, same compression.
    create_topic(
        &format!("{p}-events-dlq"),
        2,
        &[("retention.ms", "2592000000"), ("compression.type", "zstd")],
    );
    create_topic(
        &format!("{p}-audit"),
        1,
        &[("retention.ms", "123456"), ("segment.bytes", "536870912")],
    );
    create_topic(
        &format!("{p}-state"),
        3,
        &[("cleanup.policy", "compact"), ("min.insync.replicas", "1")],
    );
    create_topic(
        &format!("{p}-ledger"),
        2,
        &[
            ("cleanup.policy", "compact,delete"),
            ("retention.bytes", "1073741824"),
            ("retention.ms", "-1"),
        ],
    );
    create_topic(&format!("{p}.v1"), 1, &[]);
    commit_offset(&format!("{p}-workers"), &format!("{p}-events"), 0, 0);

    let ws = Workspace::new("");
    let pattern = format!("{p}*");
    let run = ws.topo(&["import", "--include", &pattern, "-o", "topology.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("Imported 6 topics (1 dead-letter) and 1 consumer group"),
        "{run:?}"
    );
    let text = std::fs::read_to_string(ws.file("topology.toml")).expect("imported file");
    assert!(
        !text.contains("__consumer_offsets") && !text.contains("_schemas"),
        "{text}"
    );

    let bootstrap = crate::broker::bootstrap();
    let (prefix, bootstrap) = (regex_escape(&p), regex_escape(&bootstrap));
    assert_snapshot(
        "import-cluster",
        &text,
        &[(&prefix, "[PREFIX]"), (&bootstrap, "[BOOTSTRAP]")],
    );

    let validate = ws.topo_raw(&["validate"]);
    assert_eq!(validate.code, 0, "{validate:?}");
    let plan = ws.topo(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.code, 0,
        "the import must round-trip to an empty plan\n{text}\n{plan:?}"
    );
    let json = ws.topo(&["plan", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("json plan");
    assert_eq!(value["actions"], serde_json::json!([]), "{json:?}");
    assert_eq!(value["refused"], serde_json::json!([]), "{json:?}");
    assert_eq!(value["warnings"], serde_json::json!([]), "{json:?}");
}

#[test]
fn excluded_and_internal_topics_are_never_imported() {
    let p = unique("import-sel");
    create_topic(&format!("{p}-kept"), 1, &[]);
    create_topic(&format!("{p}-scratch"), 1, &[]);

    let ws = Workspace::new("");
    let pattern = format!("{p}*");
    let run = ws.topo(&["import", "--include", &pattern, "--exclude", "*-scratch"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(&format!("[topics.{p}-kept]")),
        "{run:?}"
    );
    assert!(!run.stdout.contains("-scratch"), "{run:?}");

    // Asking for them by name still leaves Kafka's own topics out.
    let run = ws.topo(&["import", "--include", "__*", "--include", "_schemas"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("[topics."), "{run:?}");
    assert!(run.stderr.contains("Imported 0 topics"), "{run:?}");
}
