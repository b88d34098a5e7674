//! Shared helpers: run the real `topo` binary, write topologies, inspect the cluster with a
//! plain rdkafka client (independent of topo's own reading code).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// A unique, lowercase name prefix per call, so parallel tests and reruns never collide.
pub fn unique(label: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!("it-{label}-{:09}-{n:03}", t % 1_000_000_000)
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A scratch directory holding a topology file; `topo` runs inside it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub env: BTreeMap<String, String>,
}

impl Workspace {
    pub fn new(topology: &str) -> Workspace {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("topology.toml"), topology).expect("write topology");
        Workspace {
            dir,
            env: BTreeMap::new(),
        }
    }

    pub fn write(&self, topology: &str) {
        std::fs::write(self.dir.path().join("topology.toml"), topology).expect("write topology");
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `topo ARGS` against the test broker (via `--bootstrap-servers`).
    pub fn topo(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_topo"));
        cmd.args(args)
            .arg("--bootstrap-servers")
            .arg(crate::broker::bootstrap());
        // The default 10s is tight for a broker sharing two cores with other brokers and
        // parallel tests; no test here is about how fast the broker answers.
        if !args.contains(&"--timeout") {
            cmd.args(["--timeout", "30s"]);
        }
        cmd.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("KAFKA_BOOTSTRAP_SERVERS")
            .env_remove("INGESTION_TOPIC");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("run topo"))
    }

    /// Runs `topo ARGS` and fails the test, showing its output, unless it exits 0.
    pub fn must(&self, args: &[&str]) -> Run {
        let run = self.topo(args);
        assert_eq!(run.code, 0, "topo {}: {run:?}", args.join(" "));
        run
    }

    /// Runs `topo ARGS` exactly as given, killing it if it has not finished by `limit`:
    /// `None` means it hung. A hang detector, not a speed check.
    pub fn topo_or_hang(&self, args: &[&str], limit: Duration) -> Option<Run> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_topo"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn topo");
        let deadline = std::time::Instant::now() + limit;
        while child.try_wait().expect("wait").is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Run::from(child.wait_with_output().expect("output")))
    }

    /// Runs `topo ARGS` exactly as given (no bootstrap flag added).
    pub fn topo_raw(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_topo"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("run topo"))
    }
}

pub fn admin() -> AdminClient<DefaultClientContext> {
    ClientConfig::new()
        .set("bootstrap.servers", crate::broker::bootstrap())
        .create()
        .expect("admin client")
}

pub fn opts() -> AdminOptions {
    AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)))
}

/// Partition counts of the given topics, read with a plain metadata request.
pub fn partitions(topic: &str) -> Option<usize> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", crate::broker::bootstrap())
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

/// Every config entry of a topic, with its source, from a plain DescribeConfigs.
fn describe(topic: &str) -> Vec<rdkafka::admin::ConfigEntry> {
    let admin = admin();
    let rt = runtime();
    let result = rt
        .block_on(admin.describe_configs(&[ResourceSpecifier::Topic(topic)], &opts()))
        .expect("describe");
    result
        .into_iter()
        .next()
        .expect("one result")
        .expect("topic config")
        .entries
}

/// Explicit (dynamic topic) config overrides of a topic. A broker whose sources say
/// "default" for everything (Tansu) lists only the keys set on the topic, so there every
/// listed key is one.
pub fn overrides(topic: &str) -> BTreeMap<String, String> {
    let trusted = !lacks(&flavour()).contains(&Need::TrustworthyConfigSources);
    describe(topic)
        .into_iter()
        .filter(|e| !trusted || e.source == rdkafka::admin::ConfigSource::DynamicTopic)
        .filter_map(|e| e.value.map(|v| (e.name, v)))
        .collect()
}

/// Effective value of one config key.
pub fn config_value(topic: &str, key: &str) -> Option<String> {
    describe(topic)
        .into_iter()
        .find(|e| e.name == key)
        .and_then(|e| e.value)
}

/// Creates a topic out of band, as another team's tool would.
pub fn create_topic(name: &str, partitions: i32, config: &[(&str, &str)]) {
    let admin = admin();
    let rt = runtime();
    let topic = config.iter().fold(
        NewTopic::new(name, partitions, TopicReplication::Fixed(1)),
        |t, (k, v)| t.set(k, v),
    );
    let res = rt
        .block_on(admin.create_topics(&[topic], &opts()))
        .expect("create");
    for r in res {
        r.expect("topic created");
    }
    wait_until(|| self::partitions(name) == Some(partitions as usize));
}

/// Changes a config out of band with the legacy AlterConfigs call, as a careless tool would
/// (with IncrementalAlterConfigs on a broker that has only that: Tansu).
pub fn alter_config(topic: &str, key: &str, value: &str) {
    let admin = admin();
    if flavour() == "tansu" {
        let change = vec![(
            topic.to_string(),
            vec![(
                key.to_string(),
                crate::ffi_impl::AlterOp::Set(value.to_string()),
            )],
        )];
        let res = crate::ffi_impl::incremental_alter_topic_configs(
            &admin,
            &change,
            false,
            Duration::from_secs(10),
        )
        .expect("alter");
        for (_, r) in res {
            r.expect("altered");
        }
        wait_until(|| config_value(topic, key).as_deref() == Some(value));
        return;
    }
    let rt = runtime();
    let mut current = overrides(topic);
    current.insert(key.to_string(), value.to_string());
    let mut alter = rdkafka::admin::AlterConfig::new(ResourceSpecifier::Topic(topic));
    for (k, v) in &current {
        alter = alter.set(k, v);
    }
    let res = rt
        .block_on(admin.alter_configs(&[alter], &opts()))
        .expect("alter");
    for r in res {
        r.expect("altered");
    }
    // The broker answers DescribeConfigs from its metadata, which trails the controller
    // (by seconds while it creates another test's topics): wait until it shows the change.
    wait_until(|| overrides(topic).get(key).map(String::as_str) == Some(value));
}

pub fn wait_until(mut ok: impl FnMut() -> bool) {
    // Generous: on a loaded two-core machine a broker may lag its controller by seconds.
    for _ in 0..300 {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("condition not reached within 30s");
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The repository's own topology.toml.
pub fn seed_topology() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/topology.toml"))
        .expect("seed topology")
}

/// Produces `count` messages to one partition (or, with `None`, wherever the client puts
/// them), payloads `"{partition}-{i}"`, and waits until all are acknowledged.
pub fn produce(topic: &str, partition: Option<i32>, count: usize) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", crate::broker::bootstrap())
        .create()
        .expect("producer");
    for i in 0..count {
        let payload = format!(
            "{}-{i}",
            partition.map_or("any".to_string(), |p| p.to_string())
        );
        let key = format!("tenant-{i}");
        let mut record = BaseRecord::to(topic).key(&key).payload(&payload);
        if let Some(p) = partition {
            record = record.partition(p);
        }
        producer
            .send(record)
            .map_err(|(e, _)| e)
            .expect("enqueue message");
    }
    producer.flush(Duration::from_secs(10)).expect("flush");
}

/// Cells of one comfy-table row, trimmed; empty for border lines.
pub fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    if !line.starts_with('│') {
        return Vec::new();
    }
    // Outer borders are '│', inner column separators '┆' (UTF8_FULL_CONDENSED).
    line.trim_matches('│')
        .split(['│', '┆'])
        .map(|c| c.trim().to_string())
        .collect()
}

/// The one way this suite snapshots text: stored under the top-level
/// `snapshots/integration/` as `name`, without module prefixes, after each filter's regex
/// matches are replaced (what differs between runs: unique names, ports, ids).
pub fn assert_snapshot(name: &str, text: &str, filters: &[(&str, &str)]) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/snapshots/integration"
    ));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for (regex, replacement) in filters {
        settings.add_filter(regex, *replacement);
    }
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// Escapes a literal for use in an insta filter regex.
pub fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// The broker flavour under test (`TOPO_TEST_FLAVOUR`, as `scripts/test` sets it).
pub fn flavour() -> String {
    std::env::var("TOPO_TEST_FLAVOUR")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "kafka-4.4".to_string())
}

/// Something a test needs from the broker that not every flavour has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// CreatePartitions (Tansu has none).
    CreatePartitions,
    /// Writes with `validate_only` that change nothing (Tansu performs them).
    ValidateOnly,
    /// DescribeConfigs sources that tell a topic override from a default.
    TrustworthyConfigSources,
    /// Effective values of keys not set on a topic (Tansu lists only the set ones).
    EffectiveConfigValues,
    /// Topic configs as Kafka defines them (retention enforcement, Kafka's key list).
    KafkaTopicConfigs,
    /// Group listings and descriptions with Kafka's states and members.
    GroupAdmin,
    /// Consumer groups of the KIP-848 `consumer` protocol.
    ConsumerProtocolGroups,
    /// Log end offsets that count records.
    ExactOffsets,
    /// A KRaft controller, whose request limits the test is about.
    KraftController,
    /// CreateTopics refuses a replication factor above the broker count.
    ReplicationFactorCheck,
    /// The compression level keys Kafka 3.8 added (`compression.gzip.level`, ...).
    Kafka38Keys,
    /// A config key Kafka 4.x added (`max.decompressed.message.bytes`, ...).
    Kafka4Keys,
    /// The run that owns the secured broker's tests: they talk to `scripts/kafka-secure`,
    /// never to the flavour's broker, so one run of them is enough.
    SecuredBrokerRun,
}

impl Need {
    fn reason(self) -> &'static str {
        match self {
            Need::CreatePartitions => "the broker has no CreatePartitions",
            Need::ValidateOnly => "the broker ignores validate_only",
            Need::TrustworthyConfigSources => "the broker reports every config as a default",
            Need::EffectiveConfigValues => "the broker lists no values for keys not set on a topic",
            Need::KafkaTopicConfigs => "the broker does not implement Kafka's topic configs",
            Need::GroupAdmin => {
                "the broker's group listings and descriptions lack Kafka's states and members"
            }
            Need::ConsumerProtocolGroups => "the broker has no KIP-848 consumer groups",
            Need::ExactOffsets => "the broker's log end offsets do not count records",
            Need::KraftController => {
                "the broker has no KRaft controller (and creates 450 topics slower than the timeout)"
            }
            Need::ReplicationFactorCheck => "the broker accepts any replication factor",
            Need::Kafka38Keys => "the broker predates Kafka 3.8's compression level keys",
            Need::Kafka4Keys => "the broker predates Kafka 4.0's topic configs",
            Need::SecuredBrokerRun => {
                "the secured broker's tests run once, in the kafka-4.4 run (they do not use this flavour's broker)"
            }
        }
    }
}

/// What each flavour that `scripts/kafka-dev` starts lacks, as running this suite on it
/// showed.
pub fn lacks(flavour: &str) -> &'static [Need] {
    match flavour {
        "tansu" => &[
            Need::CreatePartitions,
            Need::ValidateOnly,
            Need::TrustworthyConfigSources,
            Need::EffectiveConfigValues,
            Need::KafkaTopicConfigs,
            Need::GroupAdmin,
            Need::ConsumerProtocolGroups,
            Need::ExactOffsets,
            Need::KraftController,
            Need::ReplicationFactorCheck,
            Need::Kafka4Keys,
            Need::SecuredBrokerRun,
        ],
        "kafka-3.9" => &[
            Need::Kafka4Keys,
            Need::ConsumerProtocolGroups,
            Need::SecuredBrokerRun,
        ],
        "kafka-3.7" => &[
            Need::Kafka38Keys,
            Need::Kafka4Keys,
            Need::ConsumerProtocolGroups,
            Need::SecuredBrokerRun,
        ],
        _ => &[],
    }
}

/// Whether the flavour under test has `need`. When it has not, the calling test should
/// return at once: this records the test, the flavour and why in `TOPO_TEST_SKIP_LOG`
/// (which `scripts/test` lists) and on stderr, so nothing is left out silently.
pub fn has(need: Need) -> bool {
    let flavour = flavour();
    if !lacks(&flavour).contains(&need) {
        return true;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed test")
        .to_string();
    let line = format!("{test}\t{}\n", need.reason());
    eprint!("TOPO-SKIP {flavour} {line}");
    if let Ok(path) = std::env::var("TOPO_TEST_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
    false
}
