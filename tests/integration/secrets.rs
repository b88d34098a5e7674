//! No command ever prints or writes a client property's value. Every command that reads
//! the topology is driven through a misspelt secret property, one librdkafka does not
//! support in this build, one whose value librdkafka rejects, and a valid one; every
//! output and every file written is searched for the secret.

use std::path::Path;

use crate::support::{unique, Run, Workspace};

/// What the environment holds; never printed, never written.
const SECRET: &str = "S3cr3t-Hunter2-Value";

fn topology(topic: &str, client: &str) -> String {
    format!(
        "[cluster.client]\n{client}\n\n[topics.\"{topic}\"]\npartitions = 1\nreplication_factor = 1\n"
    )
}

/// The commands a topology reaches, each writing what it writes into the workspace.
fn commands(topic: &str) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        s(&["validate"]),
        s(&["plan"]),
        s(&["plan", "--format", "markdown"]),
        s(&["plan", "--format", "json", "--out", "plan.json"]),
        s(&["apply", "plan.json", "--auto-approve"]),
        s(&["apply", "--auto-approve"]),
        s(&["status"]),
        s(&[
            "import",
            "-f",
            "topology.toml",
            "--include",
            topic,
            "-o",
            "imported.toml",
        ]),
        s(&["partition", "tenant-1", "--topic", topic]),
    ]
}

fn assert_clean(what: &str, run: &Run, dir: &Path) {
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "{what} printed the secret: {run:?}"
    );
    for entry in std::fs::read_dir(dir).expect("workspace") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n == "topology.toml") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "{what} wrote the secret into {}",
            path.display()
        );
    }
}

/// `topo validate` is offline and takes no cluster flags.
fn validate(ws: &Workspace) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_topo"))
        .arg("validate")
        .current_dir(ws.dir.path())
        .env("NO_COLOR", "1")
        .envs(&ws.env)
        .output()
        .expect("run topo validate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn drive(label: &str, client: &str) -> Vec<(String, Run)> {
    let topic = unique(label);
    let mut ws = Workspace::new(&topology(&topic, client));
    ws.env.insert("SECRET_PW".into(), SECRET.into());
    let mut runs = Vec::new();
    for args in commands(&topic) {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        // `validate` is offline and takes no cluster flags.
        let run = if refs[0] == "validate" {
            validate(&ws)
        } else {
            ws.topo(&refs)
        };
        let what = format!("{label}: topo {}", args.join(" "));
        assert_clean(&what, &run, ws.dir.path());
        runs.push((what, run));
    }
    runs
}

#[test]
fn a_misspelt_secret_property_is_located_and_never_printed() {
    for (label, client, expected) in [
        (
            "secret-typo",
            "\"sasl.pasword\" = \"${SECRET_PW}\"",
            "did you mean `sasl.password`?",
        ),
        (
            "secret-space",
            "\"sasl.password \" = \"${SECRET_PW}\"",
            "write `sasl.password`",
        ),
    ] {
        for (what, run) in drive(label, client) {
            assert_eq!(run.code, 1, "{what}: {run:?}");
            // No plan could be saved, so applying one fails before reading the topology.
            if !run.stderr.contains("cannot read plan.json") {
                assert!(
                    run.stderr.contains("unknown client property"),
                    "{what}: {run:?}"
                );
                assert!(run.stderr.contains(expected), "{what}: {run:?}");
            }
        }
    }
}

#[test]
fn librdkafka_rejections_are_redacted() {
    for (label, client) in [
        // Valid names whose values librdkafka refuses when the client is built: the
        // errors it gives quote the value.
        ("secret-enum", "\"security.protocol\" = \"${SECRET_PW}\""),
        (
            "secret-oidc",
            "\"sasl.oauthbearer.method\" = \"oidc\"\n\"sasl.oauthbearer.client.secret\" = \"${SECRET_PW}\"\n\"sasl.oauthbearer.token.endpoint.url\" = \"${SECRET_PW}\"",
        ),
    ] {
        let runs = drive(label, client);
        let (what, validate) = &runs[0];
        assert_eq!(validate.code, 0, "{what}: names are valid offline: {validate:?}");
        if label == "secret-enum" {
            // librdkafka quotes the value it rejects: the message names the property and
            // shows no value.
            let (what, plan) = &runs[1];
            assert_eq!(plan.code, 1, "{what}: {plan:?}");
            assert!(
                plan.stderr.contains("client property `security.protocol`"),
                "{what}: {plan:?}"
            );
        }
    }
}

#[test]
fn a_valid_secret_property_is_used_and_never_printed() {
    let runs = drive(
        "secret-ok",
        "\"security.protocol\" = \"plaintext\"\n\"sasl.password\" = \"${SECRET_PW}\"",
    );
    for (what, run) in &runs {
        // Every command works (the saved plan is empty after the apply before it).
        assert_eq!(run.code, 0, "{what}: {run:?}");
    }
}
