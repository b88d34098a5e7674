//! Environments, team files and targeted plans against real brokers: one file planned and
//! applied to two separate clusters, a team's apply that must leave another team's topics
//! alone, and `--target` touching only what it names. Every claim is checked with a plain
//! rdkafka client, independently of topo's own reading code.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::broker::{bootstrap, second_bootstrap};
use crate::support::{has, runtime, unique, wait_until, Need, Workspace};

fn admin_at(bootstrap: &str) -> AdminClient<DefaultClientContext> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client")
}

fn opts() -> AdminOptions {
    AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)))
}

fn partitions_at(bootstrap: &str, topic: &str) -> Option<usize> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("allow.auto.create.topics", "false")
        .create()
        .expect("consumer");
    let md = consumer
        .fetch_metadata(None, Duration::from_secs(10))
        .expect("metadata");
    md.topics()
        .iter()
        .find(|t| t.name() == topic)
        .map(|t| t.partitions().len())
}

fn overrides_at(bootstrap: &str, topic: &str) -> BTreeMap<String, String> {
    let admin = admin_at(bootstrap);
    let result = runtime()
        .block_on(admin.describe_configs(&[ResourceSpecifier::Topic(topic)], &opts()))
        .expect("describe");
    result
        .into_iter()
        .next()
        .expect("one result")
        .expect("topic config")
        .entries
        .into_iter()
        .filter(|e| e.source == rdkafka::admin::ConfigSource::DynamicTopic)
        .filter_map(|e| e.value.map(|v| (e.name, v)))
        .collect()
}

fn create_at(bootstrap: &str, name: &str) {
    let admin = admin_at(bootstrap);
    let topic = NewTopic::new(name, 1, TopicReplication::Fixed(1));
    for r in runtime()
        .block_on(admin.create_topics(&[topic], &opts()))
        .expect("create")
    {
        r.expect("topic created");
    }
    wait_until(|| partitions_at(bootstrap, name) == Some(1));
}

/// One file, two environments, two brokers: each apply reaches its own cluster only, each
/// cluster converges to its own environment, and the one-report plan covers both.
#[test]
fn two_environments_from_one_file_converge_on_two_brokers() {
    // The environments differ in topic configs, which the check reads back.
    if !has(Need::KafkaTopicConfigs) {
        return;
    }
    let first = bootstrap();
    let second = second_bootstrap();
    assert_ne!(first, second, "two separate brokers");
    let topic = unique("env");
    let ws = Workspace::new(&format!(
        r#"default_environment = "blue"

[cluster]
bootstrap_servers = "${{BLUE_BOOTSTRAP}}"

[defaults]
partitions = 2
replication_factor = 1
config = {{ "retention.ms" = "1d" }}

[topics."{topic}"]
dlq = true

[environments.blue]

[environments.green.cluster]
bootstrap_servers = "${{GREEN_BOOTSTRAP}}"

[environments.green.defaults]
config = {{ "retention.ms" = "7d" }}

[environments.green.topics."{topic}"]
partitions = 4
"#
    ));
    let mut ws = ws;
    ws.env.insert("BLUE_BOOTSTRAP".into(), first.clone());
    ws.env.insert("GREEN_BOOTSTRAP".into(), second.clone());
    let dlq = format!("{topic}-dlq");

    let run = ws.topo_raw(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("env blue"), "{run:?}");
    assert_eq!(partitions_at(&first, &topic), Some(2));
    assert_eq!(partitions_at(&first, &dlq), Some(2));
    assert_eq!(
        partitions_at(&second, &topic),
        None,
        "blue never reaches green"
    );

    let run = ws.topo_raw(&["apply", "--env", "green", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(partitions_at(&second, &topic), Some(4));
    assert_eq!(partitions_at(&second, &dlq), Some(4));
    assert_eq!(
        partitions_at(&first, &topic),
        Some(2),
        "green never reaches blue"
    );
    assert_eq!(overrides_at(&first, &topic)["retention.ms"], "86400000");
    assert_eq!(overrides_at(&second, &topic)["retention.ms"], "604800000");
    assert_eq!(overrides_at(&second, &dlq)["retention.ms"], "604800000");

    // Each converged: a drift check per environment is clean, TOPO_ENV selects too.
    ws.env.insert("TOPO_ENV".into(), "green".into());
    let run = ws.topo_raw(&["plan", "--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("env green"), "{run:?}");
    ws.env.remove("TOPO_ENV");
    let run = ws.topo_raw(&["plan", "--env", "blue", "--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{run:?}");

    // One report for every environment, each read from its own cluster.
    let run = ws.topo_raw(&["plan", "--env", "all", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("env `blue`"), "{run:?}");
    assert!(run.stdout.contains("env `green`"), "{run:?}");
    assert!(
        run.stdout.contains(&first) && run.stdout.contains(&second),
        "{run:?}"
    );

    // validate checks every environment at once, without a cluster.
    let run = ws.topo_raw(&["validate"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("blue") && run.stdout.contains("green"),
        "{run:?}"
    );
}

fn team_file(scope: &str, owner: &str, topics: &[&str], delete: bool) -> String {
    let mut text = format!("[scope]\nowner = \"{owner}\"\nprefixes = [\"{scope}\"]\n\n");
    if delete {
        text.push_str("[policy]\ndelete_undeclared = true\n\n");
    }
    text.push_str("[defaults]\npartitions = 1\nreplication_factor = 1\n");
    for t in topics {
        text.push_str(&format!("\n[topics.\"{t}\"]\n"));
    }
    text
}

/// Team B deletes undeclared topics in its own scope and never touches team A's, whether
/// the teams' files are applied together or team B's alone; and team B declaring a topic
/// in team A's scope is refused before anything reaches the broker.
#[test]
fn team_b_apply_never_touches_team_a_topics() {
    let p = unique("teams");
    let (a_scope, b_scope) = (format!("{p}.a."), format!("{p}.b."));
    let a_orders = format!("{a_scope}orders");
    let a_legacy = format!("{a_scope}legacy");
    let b_clicks = format!("{b_scope}clicks");
    let b_legacy = format!("{b_scope}legacy");
    let broker = bootstrap();
    create_at(&broker, &a_legacy);
    create_at(&broker, &b_legacy);

    let ws = Workspace::new("");
    std::fs::remove_file(ws.file("topology.toml")).unwrap();
    let teams = ws.file("teams");
    std::fs::create_dir(&teams).unwrap();
    std::fs::write(
        teams.join("a.toml"),
        team_file(&a_scope, "team-a", &[&a_orders], false),
    )
    .unwrap();
    std::fs::write(
        teams.join("b.toml"),
        team_file(&b_scope, "team-b", &[&b_clicks], true),
    )
    .unwrap();

    let run = ws.topo(&["plan", "-f", "teams/", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["origins"]["topics"][&a_orders]["file"], "teams/a.toml");
    assert_eq!(plan["origins"]["topics"][&b_clicks]["owner"], "team-b");

    let run = ws.topo(&["apply", "-f", "teams/", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("from teams/b.toml"), "{run:?}");
    wait_until(|| partitions_at(&broker, &b_legacy).is_none());
    assert_eq!(
        partitions_at(&broker, &a_legacy),
        Some(1),
        "team A's leftover stays"
    );
    assert_eq!(partitions_at(&broker, &a_orders), Some(1));
    assert_eq!(partitions_at(&broker, &b_clicks), Some(1));

    // Team B alone: team A's topics are outside its scope, so none is even an orphan.
    let run = ws.topo(&["apply", "-f", "teams/b.toml", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains(&a_scope), "{run:?}");
    assert_eq!(partitions_at(&broker, &a_orders), Some(1));
    assert_eq!(partitions_at(&broker, &a_legacy), Some(1));

    // Team B reaching into team A's scope: a located error naming both files, no write.
    let b_grab = format!("{a_scope}payments");
    let b_new = format!("{b_scope}views");
    std::fs::write(
        teams.join("b.toml"),
        team_file(
            &b_scope,
            "team-b",
            &[&b_clicks, &b_new, &a_orders, &b_grab],
            true,
        ),
    )
    .unwrap();
    let run = ws.topo(&["apply", "-f", "teams", "--auto-approve"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("teams/b.toml:"), "{run:?}");
    assert!(
        run.stderr
            .contains("is declared in two files: teams/a.toml:"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("it belongs to the scope of teams/a.toml"),
        "{run:?}"
    );
    assert_eq!(partitions_at(&broker, &b_new), None, "nothing applied");
    assert_eq!(partitions_at(&broker, &b_grab), None);
}

/// `--target` plans and applies the named topic and its dead-letter topic only; the plan
/// says it is partial in every format, and a saved partial plan keeps its targets.
#[test]
fn target_touches_only_the_topic_and_its_dlq() {
    let p = unique("target");
    let (orders, payments) = (format!("{p}-orders"), format!("{p}-payments"));
    let ws = Workspace::new(&format!(
        r#"[defaults]
partitions = 2
replication_factor = 1

[topics."{orders}"]
dlq = true

[topics."{payments}"]
dlq = true

[groups."{p}-billing"]
topics = ["{payments}"]
initial_offsets = "earliest"
"#
    ));
    let target = format!("topic:{p}-ord*");

    let run = ws.must(&["plan", "--target", &target]);
    assert!(run.stdout.contains("PARTIAL PLAN"), "{run:?}");
    assert!(!run.stdout.contains(&payments), "{run:?}");
    let run = ws.must(&["plan", "--target", &target, "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["partial"]["targets"][0], target.as_str());
    let touched: Vec<&str> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["resource"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(touched, [orders.as_str(), &format!("{orders}-dlq")]);

    let run = ws.must(&["plan", "--target", &target, "--out", "partial.json"]);
    assert!(run.stdout.contains("PARTIAL PLAN"), "{run:?}");
    let saved = std::fs::read_to_string(ws.file("partial.json")).unwrap();
    assert!(saved.contains("\"partial\""), "{saved}");
    let run = ws.must(&["apply", "partial.json", "--auto-approve"]);
    assert!(run.stdout.contains("PARTIAL PLAN"), "{run:?}");

    let broker = bootstrap();
    assert_eq!(partitions_at(&broker, &orders), Some(2));
    assert_eq!(partitions_at(&broker, &format!("{orders}-dlq")), Some(2));
    assert_eq!(
        partitions_at(&broker, &payments),
        None,
        "untargeted: untouched"
    );
    assert_eq!(partitions_at(&broker, &format!("{payments}-dlq")), None);

    // A group target brings its topics (and their dead-letter topics) along.
    let run = ws.must(&[
        "apply",
        "--target",
        &format!("group:{p}-billing"),
        "--auto-approve",
    ]);
    assert!(run.stdout.contains("PARTIAL PLAN"), "{run:?}");
    assert_eq!(partitions_at(&broker, &payments), Some(2));
    assert_eq!(partitions_at(&broker, &format!("{payments}-dlq")), Some(2));
    let run = ws.topo(&["plan", "--target", "topic:nothing-like-it"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("matches no declared topic"), "{run:?}");

    // Everything targeted converged; the whole topology has nothing left to do. (A new
    // group's state is read back through Kafka's group descriptions.)
    if has(Need::GroupAdmin) {
        ws.must(&["plan", "--detailed-exitcode"]);
    }
}

/// `topo import --env NAME` turns a second cluster's differences into an environment
/// section of the existing file: the file then plans clean against that cluster, and the
/// base stays the default.
#[test]
fn import_env_adds_the_second_cluster_as_an_environment() {
    let second = second_bootstrap();
    let topic = unique("import-env");
    let ws = Workspace::new(&format!(
        "[defaults]\npartitions = 2\nreplication_factor = 1\n\n[topics.\"{topic}\"]\nconfig = {{ \"retention.ms\" = \"1d\" }}\n"
    ));
    // The second cluster runs the same topic, grown and kept longer.
    let admin = admin_at(&second);
    let created = NewTopic::new(&topic, 4, TopicReplication::Fixed(1))
        .set("retention.ms", "604800000")
        .set("segment.ms", "3600000");
    for r in runtime()
        .block_on(admin.create_topics(&[created], &opts()))
        .expect("create")
    {
        r.expect("topic created");
    }
    wait_until(|| partitions_at(&second, &topic) == Some(4));

    let run = ws.topo_raw(&[
        "import",
        "--env",
        "east",
        "-f",
        "topology.toml",
        "--bootstrap-servers",
        &second,
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let text = std::fs::read_to_string(ws.file("topology.toml")).unwrap();
    assert!(text.contains("default_environment = \"base\""), "{text}");
    assert!(
        text.contains(&format!(
            "[environments.east.topics.\"{topic}\"]\npartitions = 4\n"
        )),
        "{text}"
    );
    assert!(text.contains("\"retention.ms\" = \"604800000\""), "{text}");
    assert!(text.contains("\"segment.ms\" = \"3600000\""), "{text}");

    // The new environment is that cluster, converged; the base is unchanged.
    let run = ws.topo_raw(&["plan", "--env", "east", "--detailed-exitcode"]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = ws.topo_raw(&["validate"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("valid in 2 environments"), "{run:?}");

    // Importing the same environment again is refused, and the file is left alone.
    let again = ws.topo_raw(&[
        "import",
        "--env",
        "east",
        "-f",
        "topology.toml",
        "--bootstrap-servers",
        &second,
    ]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(
        again.stderr.contains("already declares environment east"),
        "{again:?}"
    );
    assert_eq!(
        std::fs::read_to_string(ws.file("topology.toml")).unwrap(),
        text
    );
}

/// The repository's own topology.toml, dev and prod from the one file against two
/// brokers: each environment is read from its own cluster, prod asks for three replicas
/// with two in sync, and dev (the default) applies and converges as it did before.
#[test]
fn repository_topology_plans_dev_and_prod_against_two_brokers() {
    let first = bootstrap();
    let second = second_bootstrap();
    let topic = unique("seed-env");
    let mut ws = Workspace::new(&crate::support::seed_topology());
    ws.env.insert("INGESTION_TOPIC".into(), topic.clone());
    ws.env
        .insert("KAFKA_BOOTSTRAP_SERVERS".into(), first.clone());
    ws.env
        .insert("PROD_KAFKA_BOOTSTRAP_SERVERS".into(), second.clone());

    let run = ws.topo_raw(&["plan", "--env", "all", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let plans: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let plans = plans.as_array().unwrap();
    assert_eq!(plans.len(), 2);
    let create = |plan: &serde_json::Value| -> (String, serde_json::Value) {
        let action = plan["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["resource"]["name"] == topic.as_str())
            .cloned()
            .unwrap();
        (plan["environment"].as_str().unwrap().to_string(), action)
    };
    let (dev_env, dev) = create(&plans[0]);
    let (prod_env, prod) = create(&plans[1]);
    assert_eq!((dev_env.as_str(), prod_env.as_str()), ("dev", "prod"));
    assert_eq!(plans[0]["cluster"]["bootstrap"], first.as_str());
    assert_eq!(plans[1]["cluster"]["bootstrap"], second.as_str());
    assert_eq!(dev["replication_factor"], 1);
    assert!(dev["config"].get("min.insync.replicas").is_none(), "{dev}");
    assert_eq!(prod["replication_factor"], 3);
    assert_eq!(prod["config"]["min.insync.replicas"], "2");
    assert_eq!(dev["partitions"], prod["partitions"]);

    // Dev, the default, applies and converges exactly as before environments existed.
    let run = ws.topo_raw(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("env dev"), "{run:?}");
    assert_eq!(partitions_at(&first, &topic), Some(6));
    assert_eq!(
        partitions_at(&second, &topic),
        None,
        "dev never reaches prod"
    );
    // The drift check reads the topic configs and the new groups back.
    if has(Need::KafkaTopicConfigs) {
        let run = ws.topo_raw(&["plan", "--detailed-exitcode"]);
        assert_eq!(run.code, 0, "{run:?}");
    }
}
