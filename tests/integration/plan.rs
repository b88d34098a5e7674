//! Plan semantics on a real broker: drift made out of band shows up, stale saved plans are
//! refused, and refusals fail the plan.

use std::time::Duration;

use crate::support::{alter_config, create_topic, unique, Workspace};

fn topology(topic: &str, partitions: i32, retention: &str) -> String {
    format!(
        "[topics.\"{topic}\"]\npartitions = {partitions}\nreplication_factor = 1\nconfig = {{ \"retention.ms\" = \"{retention}\" }}\n"
    )
}

#[test]
fn out_of_band_config_change_is_drift() {
    let topic = unique("drift");
    let ws = Workspace::new(&topology(&topic, 2, "7d"));
    ws.must(&["apply", "--auto-approve"]);
    ws.must(&["plan", "--detailed-exitcode"]);

    alter_config(&topic, "retention.ms", "3600000");
    let run = ws.topo(&["plan", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect("json plan");
    assert_eq!(plan["summary"]["update"], 1, "{run:?}");
    let change = &plan["actions"][0]["changes"][0];
    assert_eq!(change["key"], "retention.ms");
    assert_eq!(change["before"], "3600000");
    assert_eq!(change["after"], "604800000");
}

#[test]
fn stale_saved_plan_is_refused() {
    if !crate::support::has(crate::support::Need::CreatePartitions) {
        return;
    }
    let topic = unique("stale");
    let ws = Workspace::new(&topology(&topic, 2, "7d"));
    ws.must(&["apply", "--auto-approve"]);
    ws.write(&topology(&topic, 4, "7d"));
    let saved = ws.topo(&["plan", "--out", "plan.json"]);
    assert_eq!(saved.code, 0, "{saved:?}");

    // Someone changes the topic between review and release.
    alter_config(&topic, "segment.ms", "3600000");
    let run = ws.topo(&["apply", "plan.json", "--auto-approve"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("stale"), "{run:?}");
    assert!(run.stderr.contains(&format!("topic {topic}")), "{run:?}");
    assert_eq!(
        crate::support::partitions(&topic),
        Some(2),
        "nothing applied"
    );
}

#[test]
fn fresh_saved_plan_applies_exactly() {
    let topic = unique("saved");
    let ws = Workspace::new(&topology(&topic, 2, "7d"));
    let saved = ws.topo(&["plan", "--out", "plan.json"]);
    assert_eq!(saved.code, 0, "{saved:?}");
    let run = ws.topo(&["apply", "plan.json", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(crate::support::partitions(&topic), Some(2));
}

#[test]
fn partition_decrease_is_refused_in_the_plan() {
    let topic = unique("shrink");
    create_topic(&topic, 4, &[]);
    let ws = Workspace::new(&topology(&topic, 2, "7d"));
    let run = ws.topo(&["plan", "--detailed-exitcode"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("refused"), "{run:?}");
    let apply = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 1, "{apply:?}");
    assert_eq!(crate::support::partitions(&topic), Some(4));
}

#[test]
fn server_side_validation_reports_broker_rejections() {
    if !crate::support::has(crate::support::Need::ValidateOnly) {
        return;
    }
    let topic = unique("validate");
    let ws = Workspace::new(&format!(
        "[topics.\"{topic}\"]\npartitions = 1\nreplication_factor = 3\n"
    ));
    // One broker cannot hold three replicas: the broker says so, nothing is created.
    let run = ws.topo(&["plan", "--validate"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("broker rejects"), "{run:?}");
    assert_eq!(crate::support::partitions(&topic), None);
}

/// `topo show` renders a saved plan exactly as `topo plan` printed it, in every format,
/// without contacting the cluster; `--summary` is `--format summary`, and cannot be
/// combined with another format.
#[test]
fn show_prints_a_saved_plan_exactly_as_plan_did() {
    let topic = unique("show");
    let ws = Workspace::new(&topology(&topic, 2, "7d"));
    for format in ["human", "json", "markdown", "prometheus", "summary"] {
        let planned = ws.must(&["plan", "--format", format, "--out", "plan.json"]);
        let shown = ws
            .topo_or_hang(
                &["show", "plan.json", "--format", format],
                Duration::from_secs(60),
            )
            .expect("topo show finishes");
        assert_eq!(shown.code, 0, "{shown:?}");
        assert_eq!(shown.stdout, planned.stdout, "--format {format}");
    }
    let table = ws.must(&["plan", "--format", "summary"]);
    let alias = ws.must(&["plan", "--summary"]);
    assert_eq!(alias.stdout, table.stdout);
    let both = ws.topo(&["plan", "--summary", "--format", "json"]);
    assert_eq!(both.code, 1, "{both:?}");
    assert!(both.stderr.contains("cannot be used with"), "{both:?}");
}
