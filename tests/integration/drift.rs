//! The nightly drift check as documented in docs/drift.md, run against a real broker:
//! `topo plan --detailed-exitcode --format json` exits 0 in sync, 2 on drift and 1 on
//! errors, and `--format prometheus` reports the same counts as gauges.

use crate::import::commit_offset;
use crate::support::{alter_config, create_topic, unique, Run, Workspace};

/// The command the documented cron job runs.
const CRON: &[&str] = &["plan", "--detailed-exitcode", "--format", "json"];

fn topology(topic: &str, policy: &str) -> String {
    format!(
        "[topics.\"{topic}\"]\npartitions = 2\nreplication_factor = 1\n\
         config = {{ \"retention.ms\" = \"7d\" }}\n{policy}"
    )
}

fn plan_json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not a JSON plan ({e}): {run:?}"))
}

#[test]
fn cron_contract_in_sync_drifted_and_invalid() {
    let topic = unique("cron");
    let ws = Workspace::new(&topology(&topic, ""));
    let applied = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(applied.code, 0, "{applied:?}");

    let clean = ws.topo(CRON);
    assert_eq!(clean.code, 0, "in sync exits 0: {clean:?}");
    let plan = plan_json(&clean);
    assert_eq!(plan["summary"]["update"], 0, "{clean:?}");
    assert_eq!(plan["summary"]["drift"], 0, "{clean:?}");

    // Someone shortens retention by hand.
    alter_config(&topic, "retention.ms", "86400000");
    let drifted = ws.topo(CRON);
    assert_eq!(drifted.code, 2, "drift exits 2: {drifted:?}");
    let plan = plan_json(&drifted);
    assert_eq!(plan["summary"]["update"], 1, "{drifted:?}");
    assert_eq!(plan["summary"]["create"], 0, "{drifted:?}");
    assert_eq!(plan["summary"]["delete"], 0, "{drifted:?}");
    assert_eq!(plan["summary"]["refused"], 0, "{drifted:?}");

    let metrics = ws.topo(&["plan", "--detailed-exitcode", "--format", "prometheus"]);
    assert_eq!(metrics.code, 2, "{metrics:?}");
    assert!(
        metrics.stdout.contains("\ntopo_drift_update 1\n"),
        "{metrics:?}"
    );
    assert!(
        metrics.stdout.contains("\ntopo_drift_create 0\n"),
        "{metrics:?}"
    );

    // A broken file is an error, never mistaken for "in sync" or "drift".
    ws.write(&format!(
        "[topics.\"{topic}\"]\npartitions = 0\nreplication_factor = 1\n"
    ));
    let invalid = ws.topo(CRON);
    assert_eq!(invalid.code, 1, "invalid file exits 1: {invalid:?}");
    assert!(
        invalid.stdout.trim().is_empty(),
        "no plan on stdout: {invalid:?}"
    );
}

#[test]
fn unmanaged_overrides_warn_unless_policy_removes_them() {
    let topic = unique("cron-unmanaged");
    let ws = Workspace::new(&topology(&topic, ""));
    ws.must(&["apply", "--auto-approve"]);

    // An override the file does not mention: reported, but not drift.
    alter_config(&topic, "segment.ms", "3600000");
    let run = ws.topo(CRON);
    assert_eq!(run.code, 0, "{run:?}");
    let plan = plan_json(&run);
    assert_eq!(plan["summary"]["warnings"], 1, "{run:?}");
    assert_eq!(plan["warnings"][0]["kind"], "unmanaged_override", "{run:?}");
    assert_eq!(
        plan["warnings"][0]["keys"],
        serde_json::json!(["segment.ms"]),
        "{run:?}"
    );
    let metrics = ws.topo(&["plan", "--format", "prometheus"]);
    assert!(
        metrics
            .stdout
            .contains("\ntopo_drift_unmanaged_overrides 1\n"),
        "{metrics:?}"
    );

    // With remove_unmanaged_config the same override is a planned removal, which counts.
    ws.write(&topology(
        &topic,
        "\n[policy]\nremove_unmanaged_config = true\n",
    ));
    let run = ws.topo(CRON);
    assert_eq!(run.code, 2, "{run:?}");
    let plan = plan_json(&run);
    assert_eq!(plan["summary"]["update"], 1, "{run:?}");
    assert_eq!(plan["summary"]["warnings"], 0, "{run:?}");
}

#[test]
fn lag_over_budget_is_drift() {
    if !crate::support::has(crate::support::Need::ExactOffsets) {
        return;
    }
    let topic = unique("cron-lag");
    let group = format!("{topic}-workers");
    create_topic(&topic, 1, &[]);
    let ws = Workspace::new(&format!(
        "[topics.\"{topic}\"]\npartitions = 1\nreplication_factor = 1\n\n\
         [groups.\"{group}\"]\ntopics = [\"{topic}\"]\nlag_budget = 2\n"
    ));
    crate::support::produce(&topic, Some(0), 5);
    // The group read one message and stopped: 4 behind, over its budget of 2.
    commit_offset(&group, &topic, 0, 1);

    let run = ws.topo(CRON);
    assert_eq!(run.code, 2, "{run:?}");
    let plan = plan_json(&run);
    assert_eq!(plan["summary"]["drift"], 1, "{run:?}");
    assert_eq!(plan["summary"]["update"], 0, "{run:?}");
    assert_eq!(plan["drift"][0]["kind"], "lag_over_budget", "{run:?}");
    assert_eq!(plan["drift"][0]["lag"], 4, "{run:?}");
    let metrics = ws.topo(&["plan", "--format", "prometheus"]);
    assert!(
        metrics.stdout.contains("\ntopo_drift_lag_over_budget 1\n"),
        "{metrics:?}"
    );
    assert!(
        metrics.stdout.contains(&format!(
            "topo_group_lag{{group=\"{group}\",topic=\"{topic}\"}} 4"
        )),
        "{metrics:?}"
    );

    // Catching up brings the check back to 0.
    commit_offset(&group, &topic, 0, 5);
    let run = ws.topo(CRON);
    assert_eq!(run.code, 0, "{run:?}");
}
