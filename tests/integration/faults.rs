//! Honest outcomes under faults: a broker that stops answering in the middle of an apply
//! leaves requests whose outcome nobody knows, and the report must say "unknown" (not
//! "failed"), and a plan made afterwards must tell the truth about what took effect.
//!
//! Pausing a broker would stall every other test sharing it, so this test starts a broker
//! of its own (`scripts/kafka-dev` on TOPO_KAFKA_PORT + 70, its own data directory) and
//! always resumes and stops it, also when the test fails.

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{unique, Run};

const TOPICS: usize = 40;

/// The test's own broker: resumed (SIGCONT) and stopped when dropped, whatever happened.
struct OwnBroker {
    data: PathBuf,
    port_base: u16,
    bootstrap: String,
}

impl OwnBroker {
    fn kafka_dev(&self, action: &str) -> std::process::Output {
        Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka-dev"))
            .args(["kafka-4.4", action])
            .env("TOPO_KAFKA_PORT", self.port_base.to_string())
            .env("TOPO_KAFKA_DATA", &self.data)
            .output()
            .expect("run scripts/kafka-dev")
    }

    fn start() -> OwnBroker {
        let base: u16 = std::env::var("TOPO_KAFKA_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(19092);
        let port_base = base + 70;
        let broker = OwnBroker {
            data: Path::new(env!("CARGO_MANIFEST_DIR")).join(".kafka-dev-fault"),
            port_base,
            bootstrap: format!("127.0.0.1:{port_base}"),
        };
        let out = broker.kafka_dev("start");
        assert!(
            out.status.success(),
            "fault broker did not start:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        broker
    }

    fn pid(&self) -> i32 {
        std::fs::read_to_string(self.data.join("broker.pid"))
            .expect("pid file")
            .trim()
            .parse()
            .expect("pid")
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill only sends a signal to the broker process this test started.
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        self.signal(libc::SIGCONT);
        let _ = self.kafka_dev("stop");
    }
}

fn topo(dir: &Path, bootstrap: &str, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_topo"))
        .args(args)
        .args(["--bootstrap-servers", bootstrap])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .output()
        .expect("run topo");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn topology(prefix: &str, retention: &str) -> String {
    (0..TOPICS)
        .map(|i| {
            format!(
                "[topics.\"{prefix}-{i:02}\"]\npartitions = 1\nreplication_factor = 1\nconfig = {{ \"retention.ms\" = \"{retention}\" }}\n"
            )
        })
        .collect()
}

/// A pipe whose buffer is full but for a few bytes: the first write of more than that
/// blocks until the reader drains it. Returns (read end, write end).
fn nearly_full_pipe() -> (std::fs::File, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe fills the two descriptors, each owned exactly once below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fresh descriptors from pipe, not owned elsewhere.
    let (read, write) = unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            OwnedFd::from_raw_fd(fds[1]),
        )
    };
    let w = write.as_raw_fd();
    // SAFETY: fcntl and write on a descriptor this function owns.
    unsafe {
        let flags = libc::fcntl(w, libc::F_GETFL);
        libc::fcntl(w, libc::F_SETFL, flags | libc::O_NONBLOCK);
        let chunk = [b'#'; 4096];
        while libc::write(w, chunk.as_ptr().cast(), chunk.len()) > 0 {}
        while libc::write(w, chunk.as_ptr().cast(), 1) > 0 {}
        libc::fcntl(w, libc::F_SETFL, flags);
    }
    let mut read = read;
    let mut room = [0u8; 8];
    read.read_exact(&mut room).expect("make room");
    (read, write)
}

/// A topic's effective retention.ms, read with a plain rdkafka client.
fn retention(bootstrap: &str, topic: &str) -> Option<String> {
    use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
    use rdkafka::client::DefaultClientContext;
    let admin: AdminClient<DefaultClientContext> = rdkafka::config::ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let rt = crate::support::runtime();
    let opts = AdminOptions::new().request_timeout(Some(Duration::from_secs(30)));
    let result = rt
        .block_on(admin.describe_configs(&[ResourceSpecifier::Topic(topic)], &opts))
        .expect("describe");
    result
        .into_iter()
        .next()
        .and_then(Result::ok)?
        .entries
        .into_iter()
        .find(|e| e.name == "retention.ms")
        .and_then(|e| e.value)
}

#[test]
fn a_broker_paused_mid_apply_gives_unknown_outcomes_and_a_truthful_replan() {
    if crate::support::flavour() != "kafka-4.4" {
        // The test brings its own Kafka 4.4 broker: once per suite run is enough.
        eprintln!("TOPO-SKIP: fault test runs with the kafka-4.4 flavour only");
        return;
    }
    let broker = OwnBroker::start();
    let prefix = unique("fault");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("topology.toml"), topology(&prefix, "7d")).expect("write");
    let created = topo(dir.path(), &broker.bootstrap, &["apply", "--auto-approve"]);
    assert_eq!(created.code, 0, "{created:?}");

    // Every topic's retention decreases: one IncrementalAlterConfigs request.
    std::fs::write(dir.path().join("topology.toml"), topology(&prefix, "1d")).expect("write");
    // topo writes "Applying ..." to stderr right before its first write request, and
    // cannot go on until that line is written: with stderr a nearly full pipe, it waits
    // there while the broker is paused, so the request goes out to a paused broker.
    let (mut stderr_read, stderr_write) = nearly_full_pipe();
    let mut child = Command::new(env!("CARGO_BIN_EXE_topo"))
        .args(["apply", "--auto-approve", "--timeout", "5s"])
        .args(["--bootstrap-servers", &broker.bootstrap])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr_write))
        .spawn()
        .expect("spawn topo");
    let stdout = child.stdout.take().expect("stdout");
    let (printed, plan_done) = std::sync::mpsc::channel();
    let out_thread = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.starts_with("Fingerprint") {
                let _ = printed.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    // The plan is printed in full before "Applying": once it is, topo is at (or on its
    // way to) the blocked write; it cannot send anything before that write completes.
    plan_done
        .recv_timeout(Duration::from_secs(120))
        .expect("topo printed its plan");
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        let wchan =
            std::fs::read_to_string(format!("/proc/{}/wchan", child.id())).unwrap_or_default();
        if wchan.contains("pipe") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    broker.signal(libc::SIGSTOP);
    let drain = std::thread::spawn(move || {
        let mut text = Vec::new();
        stderr_read.read_to_end(&mut text).ok();
        String::from_utf8_lossy(&text)
            .trim_start_matches('#')
            .to_string()
    });
    let status = child.wait().expect("topo ends");
    let stderr = drain.join().expect("stderr");
    let stdout = out_thread.join().expect("stdout");
    broker.signal(libc::SIGCONT);
    let report = format!("exit {:?}\n{stdout}\n{stderr}", status.code());
    assert_eq!(status.code(), Some(1), "{report}");
    assert!(stderr.contains("outcome unknown"), "{report}");
    assert!(stderr.contains(&format!("{TOPICS} unknown")), "{report}");
    assert!(!stderr.contains("0 done, 40 failed"), "{report}");
    assert!(stderr.contains("topo plan"), "{report}");

    // After the broker resumes, a plan tells the truth: exactly the topics whose
    // retention is not yet 1d, read independently.
    let truth = |prefix: &str| -> Vec<String> {
        (0..TOPICS)
            .map(|i| format!("{prefix}-{i:02}"))
            .filter(|t| retention(&broker.bootstrap, t).as_deref() != Some("86400000"))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let before = truth(&prefix);
        let run = topo(dir.path(), &broker.bootstrap, &["plan", "--format", "json"]);
        let after = truth(&prefix);
        if before == after {
            let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("plan json");
            let planned: Vec<String> = json["actions"]
                .as_array()
                .expect("actions")
                .iter()
                .map(|a| {
                    a["resource"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            assert_eq!(planned, after, "the plan after the fault: {run:?}");
            break;
        }
        assert!(Instant::now() < deadline, "the cluster never settled");
        std::thread::sleep(Duration::from_millis(500));
    }
}
