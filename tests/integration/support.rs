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
            .arg(crate::broker::bootstrap())
            .current_dir(self.dir.path())
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

/// Explicit (dynamic topic) config overrides of a topic.
pub fn overrides(topic: &str) -> BTreeMap<String, String> {
    describe(topic)
        .into_iter()
        .filter(|e| e.source == rdkafka::admin::ConfigSource::DynamicTopic)
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

/// Changes a config out of band with the legacy AlterConfigs call, as a careless tool would.
pub fn alter_config(topic: &str, key: &str, value: &str) {
    let admin = admin();
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
    for _ in 0..100 {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("condition not reached within 10s");
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
