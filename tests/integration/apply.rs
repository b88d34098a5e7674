//! Apply on a real broker: config changes and removals, partition increases, deletes with
//! and without policy, and partial failures that a re-run converges from.

use crate::support::{config_value, create_topic, overrides, partitions, unique, Workspace};

#[test]
fn config_change_removal_and_partition_increase() {
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
    let run = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("0 created, 0 changed, 1 deleted"),
        "{run:?}"
    );
    crate::support::wait_until(|| partitions(&orphan).is_none());
}

#[test]
fn partial_failure_reports_and_rerun_converges() {
    let prefix = unique("partial");
    let good = format!("{prefix}-good");
    let bad = format!("{prefix}-bad");
    let existing = format!("{prefix}-existing");
    create_topic(&existing, 1, &[]);
    // One broker cannot hold three replicas: that create fails while the other succeeds,
    // and the later config phase is not attempted.
    let topology = |rf: i32| {
        format!(
            "[topics.\"{good}\"]\npartitions = 1\nreplication_factor = 1\n\n[topics.\"{bad}\"]\npartitions = 2\nreplication_factor = {rf}\n\n[topics.\"{existing}\"]\npartitions = 1\nreplication_factor = 1\nconfig = {{ \"retention.ms\" = \"2d\" }}\n"
        )
    };
    let ws = Workspace::new(&topology(3));
    let run = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("Apply failed: 1 done, 1 failed, 1 not attempted."),
        "{run:?}"
    );
    assert!(run.stderr.contains("InvalidReplicationFactor"), "{run:?}");
    assert_eq!(partitions(&good), Some(1), "the successful create stays");
    assert_eq!(partitions(&bad), None);
    assert!(
        !overrides(&existing).contains_key("retention.ms"),
        "later phase not attempted"
    );

    // Fix the file; apply picks up from where it stopped.
    ws.write(&topology(1));
    let run = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Apply complete: 1 created, 1 changed, 0 deleted."),
        "{run:?}"
    );
    assert_eq!(partitions(&bad), Some(2));
    assert_eq!(
        overrides(&existing).get("retention.ms").map(String::as_str),
        Some("172800000")
    );
    ws.must(&["plan", "--detailed-exitcode"]);
}
