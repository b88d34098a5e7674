//! What differs between broker flavours, proven on each: the probe's profile, refusals for
//! what a broker cannot do, `--validate` on a broker that ignores `validate_only`, config
//! overrides on a broker whose sources say "default" for everything, and the topic config
//! keys of each Kafka version. Every test here asserts on every flavour; where flavours
//! differ, each branch asserts what that flavour must do.

use crate::support::{alter_config, create_topic, flavour, has, overrides, partitions, unique};
use crate::support::{Need, Run, Workspace};

fn plan_json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not a JSON plan ({e}): {run:?}"))
}

fn topic_toml(topic: &str, partitions: i32, config: &str) -> String {
    format!(
        "[topics.\"{topic}\"]\npartitions = {partitions}\nreplication_factor = 1\nconfig = {{ {config} }}\n"
    )
}

fn is_kafka3() -> bool {
    flavour().starts_with("kafka-3.")
}

#[test]
fn the_probe_names_the_flavour_in_the_header_and_the_json() {
    let topic = unique("probe");
    create_topic(&topic, 1, &[]);
    let ws = Workspace::new(&topic_toml(&topic, 1, ""));
    let run = ws.must(&["plan", "--format", "json"]);
    let profile = &plan_json(&run)["cluster"]["profile"];
    let want = match flavour().as_str() {
        "kafka-4.4" => ("apache_kafka", "Apache Kafka 4.x"),
        "kafka-3.9" => ("apache_kafka", "Apache Kafka 3.9"),
        "kafka-3.7" => ("apache_kafka", "Apache Kafka 3.7"),
        "tansu" => ("tansu", "Tansu"),
        other => panic!("no expectation for flavour {other}"),
    };
    assert_eq!(profile["family"], want.0, "{run:?}");
    assert_eq!(profile["brokers"], 1, "{run:?}");
    // The profile agrees with what this suite assumes of the flavour.
    assert_eq!(
        profile["apis"]["create_partitions"],
        !crate::support::lacks(&flavour()).contains(&Need::CreatePartitions),
        "{run:?}"
    );
    assert_eq!(
        profile["config_sources"] == "trusted",
        !crate::support::lacks(&flavour()).contains(&Need::TrustworthyConfigSources),
        "{run:?}"
    );
    let human = ws.must(&["plan"]);
    let header = format!(
        "topo plan · cluster {} · {} · 1 broker",
        crate::broker::bootstrap(),
        want.1
    );
    assert!(human.stdout.starts_with(&header), "{human:?}");
}

#[test]
fn validate_writes_nothing_on_every_flavour() {
    let existing = unique("validate-existing");
    let fresh = unique("validate-new");
    create_topic(&existing, 1, &[("retention.ms", "3600000")]);
    let ws = Workspace::new(&format!(
        "{}\n{}",
        topic_toml(&existing, 1, "\"retention.ms\" = \"2h\""),
        topic_toml(&fresh, 1, "")
    ));
    let run = ws.topo(&["plan", "--validate"]);
    if has(Need::ValidateOnly) {
        assert_eq!(run.code, 0, "{run:?}");
    } else {
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stderr.contains("--validate refused")
                && run.stderr.contains("validate_only")
                && run.stderr.contains("nothing was sent"),
            "{run:?}"
        );
    }
    // Give a broker that wrote anyway the time to show it.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(partitions(&fresh), None, "created by --validate: {run:?}");
    assert_eq!(
        overrides(&existing).get("retention.ms").map(String::as_str),
        Some("3600000"),
        "changed by --validate: {run:?}"
    );
}

#[test]
fn a_partition_increase_the_broker_cannot_make_is_a_refusal() {
    let topic = unique("grow");
    create_topic(&topic, 1, &[]);
    let ws = Workspace::new(&topic_toml(&topic, 2, ""));
    let run = ws.topo(&["plan", "--format", "json"]);
    let plan = plan_json(&run);
    if has(Need::CreatePartitions) {
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(plan["actions"][0]["op"], "create_partitions", "{run:?}");
    } else {
        assert_eq!(run.code, 1, "{run:?}");
        assert_eq!(plan["actions"], serde_json::json!([]), "{run:?}");
        assert_eq!(plan["refused"][0]["kind"], "unsupported", "{run:?}");
        let message = plan["refused"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("cannot add partitions"), "{run:?}");
        // Apply refuses the same plan and writes nothing.
        let apply = ws.topo(&["apply", "--auto-approve"]);
        assert_eq!(apply.code, 1, "{apply:?}");
        assert_eq!(partitions(&topic), Some(1));
    }
}

#[test]
fn import_keeps_every_set_config_and_replans_clean() {
    let p = unique("keep");
    let topic = format!("{p}-events");
    let set = [
        ("cleanup.policy", "compact"),
        ("retention.ms", "86400000"),
        ("segment.ms", "3600000"),
        ("max.message.bytes", "2097152"),
        ("compression.type", "zstd"),
    ];
    create_topic(&topic, 2, &set);
    let ws = Workspace::new("");
    let pattern = format!("{p}*");
    let run = ws.must(&["import", "--include", &pattern, "-o", "topology.toml"]);
    let text = std::fs::read_to_string(ws.file("topology.toml")).expect("imported file");
    for (key, _) in set {
        assert!(
            text.contains(&format!("\"{key}\"")),
            "{key} lost\n{text}\n{run:?}"
        );
    }
    let plan = ws.topo(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{text}\n{plan:?}");
}

#[test]
fn removing_a_key_with_remove_unmanaged_config_unsets_it() {
    let topic = unique("unset");
    let with = |config: &str| {
        format!(
            "[policy]\nremove_unmanaged_config = true\n\n{}",
            topic_toml(&topic, 1, config)
        )
    };
    let ws = Workspace::new(&with("\"retention.ms\" = \"1d\", \"segment.ms\" = \"1h\""));
    ws.must(&["apply", "--auto-approve"]);
    assert_eq!(
        overrides(&topic).get("segment.ms").map(String::as_str),
        Some("3600000")
    );
    ws.write(&with("\"retention.ms\" = \"1d\""));
    let plan = ws.topo(&["plan", "--format", "json"]);
    let value = plan_json(&plan);
    assert_eq!(
        value["actions"][0]["delete"],
        serde_json::json!(["segment.ms"]),
        "{plan:?}"
    );
    ws.must(&["apply", "--auto-approve"]);
    crate::support::wait_until(|| !overrides(&topic).contains_key("segment.ms"));
    assert_eq!(
        overrides(&topic).get("retention.ms").map(String::as_str),
        Some("86400000")
    );
    let again = ws.topo(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:?}");
}

#[test]
fn an_out_of_band_config_change_makes_a_saved_plan_stale() {
    let topic = unique("oob");
    let ws = Workspace::new(&topic_toml(&topic, 1, "\"retention.ms\" = \"1d\""));
    ws.must(&["apply", "--auto-approve"]);
    ws.write(&topic_toml(&topic, 1, "\"retention.ms\" = \"2d\""));
    ws.must(&["plan", "--out", "plan.json"]);
    alter_config(&topic, "segment.ms", "7200000");
    let run = ws.topo(&["apply", "plan.json", "--auto-approve"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("stale"), "{run:?}");
    assert_eq!(
        overrides(&topic).get("retention.ms").map(String::as_str),
        Some("86400000"),
        "nothing applied"
    );
}

/// Keys Kafka 4.0 removed, and a segment size only 3.x accepts.
const LEGACY: &str = "\"message.format.version\" = \"3.0-IV1\", \
     \"message.downconversion.enable\" = false, \
     \"message.timestamp.difference.max.ms\" = \"1h\", \
     \"segment.bytes\" = 524288";

#[test]
fn keys_removed_in_kafka_4_plan_apply_and_replan_clean_on_kafka_3() {
    if !has(Need::KafkaTopicConfigs) {
        return;
    }
    let topic = unique("legacy");
    let ws = Workspace::new(&topic_toml(&topic, 1, LEGACY));
    if !is_kafka3() {
        // Kafka 4.x does not know them: a located error, nothing written.
        let run = ws.topo(&["plan"]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains("topology.toml:"), "{run:?}");
        assert!(run.stderr.contains("message.format.version"), "{run:?}");
        return;
    }
    ws.must(&["apply", "--auto-approve"]);
    let set = overrides(&topic);
    assert_eq!(set.get("segment.bytes").map(String::as_str), Some("524288"));
    assert_eq!(
        set.get("message.downconversion.enable").map(String::as_str),
        Some("false")
    );
    assert_eq!(
        set.get("message.timestamp.difference.max.ms")
            .map(String::as_str),
        Some("3600000")
    );
    assert!(set.contains_key("message.format.version"), "{set:?}");
    let again = ws.topo(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:?}");

    // Import of such a cluster loads and re-plans clean.
    let imported = Workspace::new("");
    imported.must(&["import", "--include", &topic, "-o", "topology.toml"]);
    let text = std::fs::read_to_string(imported.file("topology.toml")).expect("imported");
    assert!(text.contains("message.downconversion.enable"), "{text}");
    let replan = imported.topo(&["plan", "--detailed-exitcode"]);
    assert_eq!(replan.code, 0, "{text}\n{replan:?}");
}

#[test]
fn a_key_the_cluster_does_not_know_is_a_located_error_before_any_write() {
    if !has(Need::KafkaTopicConfigs) {
        return;
    }
    let topic = unique("unknown-key");
    let ws = Workspace::new(&topic_toml(
        &topic,
        1,
        "\"retention.ms\" = \"1d\", \"max.decompressed.message.bytes\" = 1048576",
    ));
    let run = ws.topo(&["apply", "--auto-approve"]);
    if has(Need::Kafka4Keys) {
        assert_eq!(run.code, 0, "{run:?}");
        return;
    }
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("topology.toml:4:"), "{run:?}");
    assert!(
        run.stderr.contains("max.decompressed.message.bytes")
            && run.stderr.contains("Apache Kafka 3."),
        "{run:?}"
    );
    assert_eq!(partitions(&topic), None, "nothing may be written");
}
