//! Consumer groups as declared resources on a real broker: topo commits starting offsets
//! for a group that does not exist yet (and a real consumer then starts exactly there),
//! reports lag over budget as drift, never touches a group that has members or commits,
//! and `topo status` shows topics, dead-letter message counts and groups.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::Message;
use rdkafka::{Offset, TopicPartitionList};

use crate::support::{cells, create_topic, produce, seed_topology, unique, Workspace};

const TIMEOUT: Duration = Duration::from_secs(30);

/// One topic (matching what `create_topic` made, so the plan has no topic changes) and one
/// group on it with the given extra settings.
fn topology(topic: &str, partitions: i32, group: &str, group_settings: &str) -> String {
    format!(
        "[topics.\"{topic}\"]\npartitions = {partitions}\nreplication_factor = 1\n\n\
         [groups.\"{group}\"]\ntopics = [\"{topic}\"]\n{group_settings}"
    )
}

/// A client of `group` that never joins it: commits and commit lookups only.
fn bystander(group: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", crate::broker::bootstrap())
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer")
}

/// The group's committed offsets on `topic` as `(topic, partition, offset)`, read with a
/// plain client rather than topo's reader.
fn committed(group: &str, topic: &str) -> Vec<(String, i32, i64)> {
    let client = bystander(group);
    let metadata = client
        .fetch_metadata(Some(topic), TIMEOUT)
        .expect("metadata");
    let mut partitions = TopicPartitionList::new();
    for t in metadata.topics() {
        for p in t.partitions() {
            partitions.add_partition(topic, p.id());
        }
    }
    let commits = client
        .committed_offsets(partitions, TIMEOUT)
        .expect("committed offsets");
    let mut out: Vec<(String, i32, i64)> = commits
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(n) => Some((e.topic().to_string(), e.partition(), n)),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// Commits `offsets` for `group` as an operator's tool would, with no member joined.
fn commit(group: &str, offsets: &[(String, i32, i64)]) {
    let mut list = TopicPartitionList::new();
    for (topic, partition, offset) in offsets {
        list.add_partition_offset(topic, *partition, Offset::Offset(*offset))
            .expect("offset");
    }
    bystander(group)
        .commit(&list, CommitMode::Sync)
        .expect("commit offsets");
}

/// State and member count of a group, as the broker describes it (empty and 0 before the
/// group exists).
fn describe(group: &str) -> (String, usize) {
    let groups = bystander(group)
        .fetch_group_list(Some(group), TIMEOUT)
        .expect("describe group");
    // A group the coordinator does not know yet is not listed at all.
    groups.groups().first().map_or((String::new(), 0), |g| {
        (g.state().to_string(), g.members().len())
    })
}

fn consumer(group: &str, topic: &str) -> BaseConsumer {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", crate::broker::bootstrap())
        .set("group.id", group)
        // Without a commit this consumer would start at the end and see nothing that was
        // produced before it joined, so receiving old messages proves the commit was used.
        .set("auto.offset.reset", "latest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    consumer
}

fn plan_json(run: &crate::support::Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("json plan ({e}): {run:?}"))
}

#[test]
fn earliest_commits_the_log_start_and_a_consumer_starts_there() {
    let topic = unique("grp-earliest");
    let group = format!("{topic}-workers");
    create_topic(&topic, 3, &[]);
    for p in 0..3 {
        produce(&topic, Some(p), 3);
    }
    let ws = Workspace::new(&topology(
        &topic,
        3,
        &group,
        "initial_offsets = \"earliest\"\n",
    ));

    let plan = ws.topo(&["plan", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    let json = plan_json(&plan);
    let actions = json["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 1, "{plan:?}");
    assert_eq!(actions[0]["op"], "commit_group_offsets", "{plan:?}");
    assert_eq!(actions[0]["policy"], "earliest", "{plan:?}");
    assert_eq!(actions[0]["resource"]["name"], group.as_str(), "{plan:?}");
    assert_eq!(actions[0]["topics"][topic.as_str()], 3, "{plan:?}");
    let human = ws.topo(&["plan"]);
    assert!(human.stdout.contains(&group), "{human:?}");

    let apply = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(
        committed(&group, &topic),
        (0..3).map(|p| (topic.clone(), p, 0)).collect::<Vec<_>>(),
        "every partition committed at its log start"
    );

    let consumer = consumer(&group, &topic);
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = BTreeSet::new();
    while seen.len() < 9 && Instant::now() < deadline {
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let m = message.expect("consume");
            let payload = String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned();
            seen.insert((m.partition(), m.offset(), payload));
        }
    }
    let expected: BTreeSet<(i32, i64, String)> = (0..3)
        .flat_map(|p| (0..3).map(move |i| (p, i64::from(i), format!("{p}-{i}"))))
        .collect();
    assert_eq!(
        seen, expected,
        "the consumer read every message from offset 0"
    );

    // The group now has commits: the policy is satisfied and nothing is left to do.
    drop(consumer);
    let again = ws.topo(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:?}");
}

#[test]
fn latest_commits_the_log_end() {
    if !crate::support::has(crate::support::Need::ExactOffsets) {
        return;
    }
    let topic = unique("grp-latest");
    let group = format!("{topic}-workers");
    create_topic(&topic, 2, &[]);
    produce(&topic, Some(0), 3);
    produce(&topic, Some(1), 5);
    let ws = Workspace::new(&topology(
        &topic,
        2,
        &group,
        "initial_offsets = \"latest\"\n",
    ));

    let apply = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(
        committed(&group, &topic),
        vec![(topic.clone(), 0, 3), (topic.clone(), 1, 5)]
    );
}

#[test]
fn lag_over_budget_is_drift_and_under_budget_is_not() {
    if !crate::support::has(crate::support::Need::ExactOffsets) {
        return;
    }
    let topic = unique("grp-lag");
    let group = format!("{topic}-workers");
    create_topic(&topic, 2, &[]);
    let ws = Workspace::new(&topology(
        &topic,
        2,
        &group,
        "initial_offsets = \"earliest\"\nlag_budget = 5\n",
    ));
    let apply = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(
        committed(&group, &topic),
        vec![(topic.clone(), 0, 0), (topic.clone(), 1, 0)]
    );

    // At the budget is still within it.
    produce(&topic, Some(0), 5);
    let under = ws.topo(&["plan", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(under.code, 0, "{under:?}");
    assert_eq!(
        plan_json(&under)["drift"],
        serde_json::json!([]),
        "{under:?}"
    );

    produce(&topic, Some(1), 5);
    let over = ws.topo(&["plan", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(over.code, 2, "{over:?}");
    assert_eq!(
        plan_json(&over)["drift"],
        serde_json::json!([{
            "kind": "lag_over_budget",
            "group": group,
            "topic": topic,
            "lag": 10,
            "budget": 5,
        }]),
        "{over:?}"
    );

    let status = ws.topo(&["status"]);
    assert_eq!(status.code, 0, "{status:?}");
    let row = row(&status.stdout, &group).unwrap_or_else(|| panic!("no group row: {status:?}"));
    assert_eq!(row[1], "empty", "{status:?}");
    assert_eq!(row[3], topic, "{status:?}");
    assert_eq!(row[4], "10", "{status:?}");
    assert_eq!(row[5], "p0: 5", "{status:?}");
    assert_eq!(row[6], "5", "{status:?}");
    assert_eq!(row[7], "yes", "{status:?}");
}

#[test]
fn group_with_an_active_member_is_refused_and_left_alone() {
    if !crate::support::has(crate::support::Need::GroupAdmin) {
        return;
    }
    let topic = unique("grp-active");
    let group = format!("{topic}-workers");
    create_topic(&topic, 2, &[]);
    produce(&topic, Some(0), 2);

    // A running worker that has joined but never committed.
    let member = consumer(&group, &topic);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let _ = member.poll(Duration::from_millis(100));
        let d = describe(&group);
        let assigned = member.assignment().map_or(0, |a| a.count());
        if d.0 == "Stable" && assigned == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "group never settled: {d:?}");
    }
    assert!(committed(&group, &topic).is_empty());

    let ws = Workspace::new(&topology(
        &topic,
        2,
        &group,
        "initial_offsets = \"earliest\"\n",
    ));
    let plan = ws.topo(&["plan", "--format", "json"]);
    assert_eq!(plan.code, 1, "{plan:?}");
    let json = plan_json(&plan);
    assert_eq!(json["refused"][0]["kind"], "active_group", "{plan:?}");
    assert_eq!(
        json["refused"][0]["resource"]["name"],
        group.as_str(),
        "{plan:?}"
    );
    assert!(
        json["actions"].as_array().is_some_and(Vec::is_empty),
        "{plan:?}"
    );

    let apply = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 1, "{apply:?}");
    assert!(
        committed(&group, &topic).is_empty(),
        "apply must not commit for a group with members"
    );
    assert_eq!(describe(&group).1, 1, "the member is still there");
    drop(member);
}

#[test]
fn group_with_commits_gets_no_action_and_keeps_its_offsets() {
    let topic = unique("grp-positioned");
    let group = format!("{topic}-workers");
    create_topic(&topic, 2, &[]);
    produce(&topic, Some(0), 4);
    // Positioned by someone else (a previous deployment, an operator's reset).
    let offsets = vec![(topic.clone(), 0, 2), (topic.clone(), 1, 0)];
    commit(&group, &offsets);

    let ws = Workspace::new(&topology(
        &topic,
        2,
        &group,
        "initial_offsets = \"latest\"\n",
    ));
    let plan = ws.topo(&["plan", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let json = plan_json(&plan);
    assert!(
        json["actions"].as_array().is_some_and(Vec::is_empty),
        "{plan:?}"
    );
    assert!(
        json["refused"].as_array().is_some_and(Vec::is_empty),
        "{plan:?}"
    );

    let apply = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(
        committed(&group, &topic),
        offsets,
        "apply left the commits alone"
    );
}

#[test]
fn undeclared_consumers_are_warned_about_when_the_file_declares_groups() {
    let topic = unique("grp-undeclared");
    let declared = format!("{topic}-declared");
    let other = format!("{topic}-other");
    create_topic(&topic, 2, &[]);
    let offsets = vec![(topic.clone(), 0, 0), (topic.clone(), 1, 0)];
    for group in [&declared, &other] {
        commit(group, &offsets);
    }
    let unmanaged = |json: &serde_json::Value| -> Vec<String> {
        json["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|w| w["kind"] == "unmanaged_group")
            .map(|w| {
                w["resource"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };

    // The file declares one of the two groups: the other one is read and warned about,
    // with the declared one's commits read in the same pass.
    let ws = Workspace::new(&topology(&topic, 2, &declared, ""));
    let plan = ws.topo(&["plan", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let json = plan_json(&plan);
    assert_eq!(unmanaged(&json), std::slice::from_ref(&other), "{plan:?}");
    let group = &json["groups"][0];
    assert_eq!(group["name"], declared.as_str(), "{plan:?}");

    // A file of topics alone reads no groups at all, so it has nothing to warn about.
    ws.write(&format!(
        "[topics.\"{topic}\"]\npartitions = 2\nreplication_factor = 1\n"
    ));
    let plan = ws.topo(&["plan", "--detailed-exitcode", "--format", "json"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(unmanaged(&plan_json(&plan)).is_empty(), "{plan:?}");
}

#[test]
fn status_shows_seed_topics_dlq_messages_and_groups() {
    let topic = unique("status-events");
    let dlq = format!("{topic}-dlq");
    let mut ws = Workspace::new(&seed_topology());
    ws.env.insert("INGESTION_TOPIC".into(), topic.clone());
    let apply = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");

    produce(&dlq, None, 3);
    let status = ws.topo(&["status"]);
    assert_eq!(status.code, 0, "{status:?}");
    let out = &status.stdout;

    let main = row(out, &topic).unwrap_or_else(|| panic!("no row for {topic}: {status:?}"));
    assert_eq!(main[1], "6", "{status:?}");
    assert_eq!(main[2], "1", "{status:?}");
    assert_eq!(main[3], "604800000 (7d)", "{status:?}");
    assert_eq!(main[4], "delete", "{status:?}");
    assert_eq!(main[5], "0", "{status:?}");

    let dead = row(out, &dlq).unwrap_or_else(|| panic!("no row for {dlq}: {status:?}"));
    assert_eq!(dead[1], "3", "{status:?}");
    assert_eq!(dead[3], "2592000000 (30d)", "{status:?}");
    assert_eq!(dead[5], "3", "three dead letters: {status:?}");
    assert!(dead[6].contains(&format!("dlq of {topic}")), "{status:?}");

    // The bundled topology declares both groups with initial_offsets = "earliest", so the apply
    // created them, committed at the log start: the three dead letters are the processor's lag.
    for (group, consumed, lag) in [
        (format!("{topic}-extraction-workers"), topic.clone(), "0"),
        (format!("{topic}-dlq-processor"), dlq.clone(), "3"),
    ] {
        let g = row(out, &group).unwrap_or_else(|| panic!("no row for {group}: {status:?}"));
        assert_eq!(g[1], "empty", "{status:?}");
        assert_eq!(g[2], "0", "{status:?}");
        assert_eq!(g[3], consumed, "{status:?}");
        assert_eq!(g[4], lag, "{status:?}");
    }
}

/// The cells of the table row whose first cell is exactly `first`.
fn row(text: &str, first: &str) -> Option<Vec<String>> {
    text.lines()
        .map(cells)
        .find(|c| c.first().map(String::as_str) == Some(first))
}
