//! Exit codes at the edges of output, through the real binary: a reader that has gone
//! away and a disk that is full. CI and cron read 0, 1 and 2 only, never a panic's 101.

use std::process::{Command, Output, Stdio};

fn topo(args: &[&str], stdout: impl Into<Stdio>) -> Output {
    Command::new(env!("CARGO_BIN_EXE_topo"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run topo")
}

/// Offline commands whose output is long enough to need several writes.
const OFFLINE: &[&[&str]] = &[
    &["schema"],
    &["completions", "bash"],
    &["partition", "tenant-42", "--partitions", "6", "--all"],
    &["--help"],
];

#[test]
fn a_closed_pipe_ends_quietly_with_the_exit_code_the_command_had() {
    for args in OFFLINE {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = topo(args, writer);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "topo {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "topo {args:?}: {stderr}");
    }
    // A failing command keeps its failure.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = topo(&["partition", "k", "--partitions", "0"], writer);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_full_disk_is_exit_1_with_a_message() {
    for args in OFFLINE.iter().filter(|a| a[0] != "--help") {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = topo(args, full);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "topo {args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output"),
            "topo {args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "topo {args:?}: {stderr}");
    }
}
