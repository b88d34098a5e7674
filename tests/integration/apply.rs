//! Apply on a real broker: config changes and removals, partition increases, deletes with
//! and without policy, and partial failures that a re-run converges from.

use crate::support::{config_value, create_topic, overrides, partitions, unique, Workspace};

#[test]
fn config_change_removal_and_partition_increase() {
    if !crate::support::has(crate::support::Need::CreatePartitions) {
        return;
    }
    let topic = unique("apply");
    let ws = Workspace::new(&format!(
        "[policy]\nremove_unmanaged_config = true\n\n[topics.\"{topic}\"]\npartitions = 2\nreplication_factor = 1\nconfig = {{ \"retention.ms\" = \"7d\", \"segment.ms\" = \"1h\" }}\n"
    ));
    let first = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(
        overrides(&topic).get("segment.ms").map(String::as_str),
        Some("3600000")
    );

    // Change retention, drop segment.ms (back to the broker default), grow to 4 partitions.
    ws.write(&format!(
        "[policy]\nremove_unmanaged_config = true\n\n[topics.\"{topic}\"]\npartitions = 4\nreplication_factor = 1\nconfig = {{ \"retention.ms\" = \"1d\" }}\n"
    ));
    let run = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Apply complete: 0 created, 1 changed, 0 deleted."),
        "{run:?}"
    );
    assert_eq!(partitions(&topic), Some(4));
    let now = overrides(&topic);
    assert_eq!(
        now.get("retention.ms").map(String::as_str),
        Some("86400000")
    );
    assert!(!now.contains_key("segment.ms"), "{now:?}");
    assert_eq!(
        config_value(&topic, "segment.ms").as_deref(),
        Some("604800000")
    );
    ws.must(&["plan", "--detailed-exitcode"]);
}

#[test]
fn delete_needs_policy_opt_in() {
    let prefix = unique("del");
    let keep = format!("{prefix}-keep");
    let orphan = format!("{prefix}-orphan");
    create_topic(&orphan, 1, &[]);
    let base = format!("[topics.\"{keep}\"]\npartitions = 1\nreplication_factor = 1\n");

    let ws = Workspace::new(&format!("[policy]\nprefixes = [\"{prefix}-\"]\n\n{base}"));
    let run = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("orphan"), "{run:?}");
    assert_eq!(partitions(&orphan), Some(1), "not deleted without opt-in");

    ws.write(&format!(
        "[policy]\nprefixes = [\"{prefix}-\"]\ndelete_undeclared = true\n\n{base}"
    ));
    // The delete says what it destroys: the messages the topic holds, counted on the broker.
    if crate::support::has(crate::support::Need::ExactOffsets) {
        crate::support::produce(&orphan, None, 5);
        let plan = ws.must(&["plan"]);
        let words = plan.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("messages 5 (deleted with the topic)"),
            "{plan:?}"
        );
    }
    let run = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("0 created, 0 changed, 1 deleted"),
        "{run:?}"
    );
    crate::support::wait_until(|| partitions(&orphan).is_none());
}

#[test]
fn a_failed_create_skips_only_what_depends_on_it_and_rerun_converges() {
    if !crate::support::has(crate::support::Need::ReplicationFactorCheck) {
        return;
    }
    let prefix = unique("partial");
    let good = format!("{prefix}-good");
    let bad = format!("{prefix}-bad");
    let existing = format!("{prefix}-existing");
    create_topic(&existing, 1, &[]);
    // One broker cannot hold three replicas: that create fails while the other succeeds.
    // The config change of another topic and the offsets of the group reading the good
    // topic do not depend on it and still run; only the group reading the bad one waits.
    let topology = |rf: i32| {
        format!(
            "[topics.\"{good}\"]\npartitions = 1\nreplication_factor = 1\n\n[topics.\"{bad}\"]\npartitions = 2\nreplication_factor = {rf}\n\n[topics.\"{existing}\"]\npartitions = 1\nreplication_factor = 1\nconfig = {{ \"retention.ms\" = \"2d\" }}\n\n[groups.\"{prefix}-on-bad\"]\ntopics = [\"{bad}\"]\ninitial_offsets = \"earliest\"\n\n[groups.\"{prefix}-on-good\"]\ntopics = [\"{good}\"]\ninitial_offsets = \"earliest\"\n"
        )
    };
    let ws = Workspace::new(&topology(3));
    // The 450-topic test may be keeping the same controller busy for a while.
    let run = ws.topo(&["apply", "--auto-approve", "--timeout", "60s"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("Apply failed: 3 done, 1 failed, 1 skipped."),
        "{run:?}"
    );
    assert!(run.stderr.contains("InvalidReplicationFactor"), "{run:?}");
    // The broker's own words, not only the code: Kafka says which factor it cannot reach.
    assert!(run.stderr.contains("replication factor of 3"), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "group \"{prefix}-on-bad\" commit start offsets: skipped: depends on topic \"{bad}\", whose create failed"
        )),
        "{run:?}"
    );
    // Every result once, grouped by outcome: failures first, then the skipped, then done.
    let failed_at = run.stderr.find("\nFailed (1):\n");
    let skipped_at = run
        .stderr
        .find("\nSkipped (depend on a failed action) (1):\n");
    let done_at = run.stderr.find("\nDone (3):\n");
    assert!(
        failed_at.is_some() && failed_at < skipped_at && skipped_at < done_at,
        "{run:?}"
    );
    for line in [
        format!("topic \"{good}\" create"),
        format!("topic \"{bad}\" create"),
        format!("topic \"{existing}\" update configs"),
        format!("group \"{prefix}-on-good\" commit start offsets"),
        format!("group \"{prefix}-on-bad\" commit start offsets"),
    ] {
        assert_eq!(run.stderr.matches(&line).count(), 1, "{line}: {run:?}");
    }
    assert_eq!(partitions(&good), Some(1), "the successful create stays");
    assert_eq!(partitions(&bad), None);
    assert_eq!(
        overrides(&existing).get("retention.ms").map(String::as_str),
        Some("172800000"),
        "an independent change in a later phase still runs"
    );

    // Fix the file; apply picks up from where it stopped.
    ws.write(&topology(1));
    let run = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Apply complete: 2 created, 0 changed, 0 deleted."),
        "{run:?}"
    );
    assert_eq!(partitions(&bad), Some(2));
    ws.must(&["plan", "--detailed-exitcode"]);
}

/// Config overrides set on every topic of `large_creation_is_split_under_the_controller_limit`:
/// with the topic and its partition, 25 controller records per topic.
const MANY_OVERRIDES: &[(&str, &str)] = &[
    ("cleanup.policy", "delete"),
    ("compression.gzip.level", "5"),
    ("compression.type", "zstd"),
    ("compression.zstd.level", "5"),
    ("delete.retention.ms", "3600000"),
    ("file.delete.delay.ms", "30000"),
    ("flush.messages", "100000"),
    ("flush.ms", "100000"),
    ("index.interval.bytes", "8192"),
    ("max.compaction.lag.ms", "86400000"),
    ("max.message.bytes", "2097152"),
    ("message.timestamp.after.max.ms", "3600000"),
    ("message.timestamp.before.max.ms", "86400000"),
    ("message.timestamp.type", "LogAppendTime"),
    ("min.cleanable.dirty.ratio", "0.6"),
    ("min.compaction.lag.ms", "1000"),
    ("retention.bytes", "1073741824"),
    ("retention.ms", "86400000"),
    ("segment.bytes", "16777216"),
    ("segment.index.bytes", "1048576"),
    ("segment.jitter.ms", "1000"),
    ("segment.ms", "3600000"),
    ("unclean.leader.election.enable", "true"),
];

/// A KRaft controller writes at most 10,000 records for one request and refuses a larger
/// CreateTopics as a whole (PolicyViolation). 450 topics with 23 overrides each are about
/// 11,000 records: apply must split them over several requests.
#[test]
fn large_creation_is_split_under_the_controller_limit() {
    if !crate::support::has(crate::support::Need::KraftController) {
        return;
    }
    // Its overrides include the compression levels Kafka 3.8 added.
    if !crate::support::has(crate::support::Need::Kafka38Keys) {
        return;
    }
    let prefix = unique("many");
    let config = MANY_OVERRIDES
        .iter()
        .map(|(k, v)| format!("\"{k}\" = \"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut topology = format!("[policy]\nprefixes = [\"{prefix}-\"]\n");
    let names: Vec<String> = (0..450).map(|i| format!("{prefix}-{i:03}")).collect();
    for name in &names {
        topology.push_str(&format!(
            "\n[topics.\"{name}\"]\npartitions = 1\nreplication_factor = 1\nconfig = {{ {config} }}\n"
        ));
    }
    let ws = Workspace::new(&topology);
    // A broker on a loaded machine may take more than the default 10s to show 450 new
    // topics; this test is about how the write is split, not how fast they appear.
    let run = ws.topo(&["apply", "--auto-approve", "--timeout", "60s"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Apply complete: 450 created, 0 changed, 0 deleted."),
        "{run:?}"
    );
    for name in [&names[0], &names[449]] {
        assert_eq!(partitions(name), Some(1), "{name}");
        assert_eq!(overrides(name).len(), MANY_OVERRIDES.len(), "{name}");
    }
    ws.must(&["plan", "--detailed-exitcode"]);

    // Removing them again is also one phase of several requests; the policy opts in.
    ws.write(&format!(
        "[policy]\nprefixes = [\"{prefix}-\"]\ndelete_undeclared = true\n"
    ));
    let run = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(partitions(&names[0]), None);
}
