//! Saved plans are sealed: `topo apply PLAN` runs only what a fresh plan from the same
//! topology and the same cluster would run. Each tampering a release pipeline could suffer
//! (an edited value, an added delete, an internal topic, an undeclared group, removed
//! refusals, another cluster, another topology) is refused with exit 1, and the broker
//! shows that nothing was written.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use serde_json::{json, Value};

use crate::support::{config_value, create_topic, partitions, unique, Run, Workspace};

fn topology(topic: &str, partitions: i32, retention: &str) -> String {
    format!(
        "[topics.\"{topic}\"]\npartitions = {partitions}\nreplication_factor = 1\nconfig = {{ \"retention.ms\" = \"{retention}\" }}\n"
    )
}

/// Saves a plan for the workspace's topology and returns it as JSON.
fn save(ws: &Workspace) -> Value {
    let run = ws.topo(&["plan", "--out", "plan.json"]);
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    let text = std::fs::read_to_string(ws.file("plan.json")).expect("saved plan");
    serde_json::from_str(&text).expect("plan json")
}

fn write_plan(ws: &Workspace, plan: &Value) {
    std::fs::write(
        ws.file("plan.json"),
        serde_json::to_string_pretty(plan).expect("json"),
    )
    .expect("write plan");
}

fn apply_saved(ws: &Workspace) -> Run {
    ws.topo(&["apply", "plan.json", "--auto-approve"])
}

fn refused(run: &Run, expected: &str) {
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(expected),
        "expected `{expected}`: {run:?}"
    );
    assert!(!run.stderr.contains("Applying"), "something ran: {run:?}");
}

fn group_exists(group: &str) -> bool {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", crate::broker::bootstrap())
        .create()
        .expect("consumer");
    consumer
        .fetch_group_list(Some(group), Duration::from_secs(10))
        .expect("group list")
        .groups()
        .iter()
        .any(|g| g.name() == group && g.state() != "Dead")
}

#[test]
fn an_untouched_saved_plan_applies_and_names_the_cluster() {
    let topic = unique("sealed-ok");
    let ws = Workspace::new(&topology(&topic, 2, "7d"));
    let plan = save(&ws);
    assert_eq!(plan["format_version"], 2);
    assert_eq!(plan["topology_sha256"].as_str().map(str::len), Some(64));
    assert_eq!(plan["actions_sha256"].as_str().map(str::len), Some(64));
    let id = plan["cluster"]["id"]
        .as_str()
        .expect("cluster id recorded")
        .to_string();
    let run = apply_saved(&ws);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(&format!("to cluster {id} at")),
        "{run:?}"
    );
    assert_eq!(partitions(&topic), Some(2));
}

#[test]
fn an_edited_value_is_refused() {
    let topic = unique("sealed-value");
    create_topic(&topic, 2, &[("retention.ms", "604800000")]);
    let ws = Workspace::new(&topology(&topic, 2, "1d"));
    let mut plan = save(&ws);
    assert_eq!(plan["actions"][0]["set"]["retention.ms"], "86400000");
    // The reviewed change said 1d; the artifact now says 1 ms, summary and display intact.
    plan["actions"][0]["set"]["retention.ms"] = json!("1");
    write_plan(&ws, &plan);
    let run = apply_saved(&ws);
    refused(
        &run,
        "retention.ms: \"1\" in the saved plan, \"86400000\" now",
    );
    assert_eq!(
        config_value(&topic, "retention.ms").as_deref(),
        Some("604800000")
    );
}

#[test]
fn an_added_delete_is_refused() {
    let topic = unique("sealed-keep");
    let bystander = unique("sealed-bystander");
    create_topic(&bystander, 1, &[]);
    let ws = Workspace::new(&topology(&topic, 1, "7d"));
    let mut plan = save(&ws);
    let actions = plan["actions"].as_array_mut().expect("actions");
    actions.push(json!({
        "phase": "deletes",
        "resource": { "kind": "topic", "name": bystander },
        "op": "delete_topic",
        "changes": []
    }));
    write_plan(&ws, &plan);
    let run = apply_saved(&ws);
    refused(
        &run,
        &format!("topic \"{bystander}\": the saved plan would delete"),
    );
    assert_eq!(partitions(&bystander), Some(1));
    assert_eq!(
        partitions(&topic),
        None,
        "the reviewed create did not run either"
    );
}

#[test]
fn a_delete_of_an_internal_topic_is_refused() {
    // Not every Kafka-compatible broker has the topic: whatever it had, it keeps.
    let before = partitions("__consumer_offsets");
    let topic = unique("sealed-internal");
    let ws = Workspace::new(&topology(&topic, 1, "7d"));
    let mut plan = save(&ws);
    plan["actions"]
        .as_array_mut()
        .expect("actions")
        .push(json!({
            "phase": "deletes",
            "resource": { "kind": "topic", "name": "__consumer_offsets" },
            "op": "delete_topic",
            "changes": []
        }));
    write_plan(&ws, &plan);
    let run = apply_saved(&ws);
    refused(
        &run,
        "topic \"__consumer_offsets\": the saved plan would delete",
    );
    assert_eq!(partitions("__consumer_offsets"), before);
    assert_eq!(partitions(&topic), None);
}

#[test]
fn offsets_for_an_undeclared_group_are_refused() {
    let topic = unique("sealed-group");
    let group = unique("sealed-intruder");
    create_topic(&topic, 1, &[("retention.ms", "604800000")]);
    let ws = Workspace::new(&topology(&topic, 1, "7d"));
    let mut plan = save(&ws);
    assert_eq!(plan["actions"].as_array().map(Vec::len), Some(0));
    plan["actions"]
        .as_array_mut()
        .expect("actions")
        .push(json!({
            "phase": "group_offsets",
            "resource": { "kind": "group", "name": group },
            "op": "commit_group_offsets",
            "policy": "earliest",
            "topics": { topic.clone(): 1 },
            "changes": []
        }));
    write_plan(&ws, &plan);
    let run = apply_saved(&ws);
    refused(
        &run,
        &format!("group \"{group}\": the saved plan would commit start offsets"),
    );
    assert!(!group_exists(&group));
}

#[test]
fn removed_refusals_are_refused() {
    let topic = unique("sealed-shrink");
    let other = unique("sealed-other");
    create_topic(&topic, 4, &[("retention.ms", "604800000")]);
    let ws = Workspace::new(&format!(
        "{}{}",
        topology(&topic, 2, "7d"),
        topology(&other, 1, "7d")
    ));
    let mut plan = save(&ws);
    assert_eq!(plan["refused"].as_array().map(Vec::len), Some(1));
    plan["refused"] = json!([]);
    plan["summary"]["refused"] = json!(0);
    write_plan(&ws, &plan);
    let run = apply_saved(&ws);
    refused(&run, "refusals differ");
    assert_eq!(partitions(&other), None);
    assert_eq!(partitions(&topic), Some(4));
}

#[test]
fn another_cluster_is_refused_whatever_the_bootstrap() {
    let topic = unique("sealed-cluster");
    let ws = Workspace::new(&topology(&topic, 1, "7d"));
    let mut plan = save(&ws);
    let real = plan["cluster"]["id"].as_str().expect("id").to_string();
    // A plan made on another cluster that happens to be reachable at the same address.
    plan["cluster"]["id"] = json!("Kx7nQ2ProductionClusterId");
    write_plan(&ws, &plan);
    let run = apply_saved(&ws);
    refused(
        &run,
        &format!(
            "made for cluster Kx7nQ2ProductionClusterId (at {}",
            crate::broker::bootstrap()
        ),
    );
    assert!(
        run.stderr.contains(&format!("is cluster {real}")),
        "{run:?}"
    );
    assert_eq!(partitions(&topic), None);
}

#[test]
fn a_changed_topology_is_refused() {
    let topic = unique("sealed-file");
    let ws = Workspace::new(&topology(&topic, 2, "7d"));
    save(&ws);
    ws.write(&topology(&topic, 5, "7d"));
    let run = apply_saved(&ws);
    refused(&run, "differs from the topology the plan was made from");
    assert_eq!(partitions(&topic), None);
}
