//! Another writer between review and write: an interactive `topo apply` whose cluster
//! changes while its prompt waits must re-read before writing, stop, and leave the other
//! writer's change in place. The prompt needs a terminal, which `script` (util-linux)
//! provides; what is typed at it arrives through the terminal, as a person's answer would.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{alter_config, config_value, create_topic, unique, Workspace};

/// `topo apply` (no `--auto-approve`) on a terminal, with its combined output collected as
/// it arrives.
struct Interactive {
    child: std::process::Child,
    output: Arc<Mutex<String>>,
}

impl Interactive {
    fn start(ws: &Workspace) -> Interactive {
        let command = format!(
            "'{}' apply --bootstrap-servers '{}' --timeout 30s",
            env!("CARGO_BIN_EXE_topo"),
            crate::broker::bootstrap()
        );
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &command, "/dev/null"])
            .current_dir(ws.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("KAFKA_BOOTSTRAP_SERVERS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("script (util-linux) runs topo on a terminal");
        let output = Arc::new(Mutex::new(String::new()));
        let mut out = child.stdout.take().expect("piped stdout");
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .expect("output lock")
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Interactive { child, output }
    }

    fn text(&self) -> String {
        self.output.lock().expect("output lock").clone()
    }

    fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.text().contains(needle) {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("topo ended ({status}) before `{needle}`:\n{}", self.text());
            }
            assert!(
                Instant::now() < deadline,
                "no `{needle}` within 60s:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn answer(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .expect("type the answer");
        stdin.flush().expect("flush");
    }

    /// Exit code (`script -e` passes topo's on) and everything topo printed.
    fn finish(mut self) -> (i32, String) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the reader drain what the terminal still held.
                std::thread::sleep(Duration::from_millis(200));
                return (status.code().unwrap_or(-1), self.text());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("topo apply did not end:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn topology(topic: &str, retention: &str) -> String {
    format!(
        "[topics.\"{topic}\"]\npartitions = 1\nreplication_factor = 1\nconfig = {{ \"retention.ms\" = \"{retention}\" }}\n"
    )
}

#[test]
fn a_change_made_while_the_prompt_waits_stops_apply() {
    let topic = unique("prompt-moved");
    create_topic(&topic, 1, &[("retention.ms", "86400000")]);
    let ws = Workspace::new(&topology(&topic, "7d"));

    let mut apply = Interactive::start(&ws);
    apply.wait_for("Do you want to perform these actions?");
    assert!(apply.text().contains("retention.ms"), "{}", apply.text());
    // Someone else sets another retention while the reviewer reads the plan.
    alter_config(&topic, "retention.ms", "259200000");
    apply.answer("yes");
    let (code, out) = apply.finish();

    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the cluster changed since the plan"),
        "expected the moved refusal:\n{out}"
    );
    assert!(out.contains(&topic), "names the topic:\n{out}");
    assert_eq!(
        config_value(&topic, "retention.ms").as_deref(),
        Some("259200000"),
        "the other writer's value must stand"
    );
}

#[test]
fn an_unchanged_cluster_applies_after_the_prompt() {
    // The same path with nobody else writing: the re-read before the write finds what the
    // plan saw, and the answer `yes` applies it.
    let topic = unique("prompt-still");
    create_topic(&topic, 1, &[("retention.ms", "86400000")]);
    let ws = Workspace::new(&topology(&topic, "7d"));

    let mut apply = Interactive::start(&ws);
    apply.wait_for("Do you want to perform these actions?");
    apply.answer("yes");
    let (code, out) = apply.finish();

    assert_eq!(code, 0, "{out}");
    assert_eq!(
        config_value(&topic, "retention.ms").as_deref(),
        Some("604800000")
    );
}
