//! The bundled topology end to end: plan → apply → plan shows nothing left to do, and the
//! cluster holds exactly what the file declares.

use crate::support::{
    assert_snapshot, config_value, overrides, partitions, regex_escape, seed_topology, unique,
    Workspace,
};

#[test]
fn seed_topology_plans_applies_and_converges() {
    let topic = unique("ingestion-events");
    let mut ws = Workspace::new(&seed_topology());
    ws.env.insert("INGESTION_TOPIC".into(), topic.clone());

    let first = ws.topo(&["plan", "--detailed-exitcode"]);
    assert_eq!(first.code, 2, "{first:?}");
    assert!(
        first.stdout.contains(&format!("+ topic \"{topic}\"")),
        "{first:?}"
    );
    assert!(
        first.stdout.contains(&format!("+ topic \"{topic}-dlq\"")),
        "{first:?}"
    );
    assert!(
        first
            .stdout
            .contains("Plan: 4 to create, 0 to change, 0 to delete, 0 refused."),
        "{first:?}"
    );

    let apply = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert!(
        apply
            .stdout
            .contains("Apply complete: 4 created, 0 changed, 0 deleted."),
        "{apply:?}"
    );

    // Read back with a plain client, not topo's own reader.
    assert_eq!(partitions(&topic), Some(6));
    assert_eq!(partitions(&format!("{topic}-dlq")), Some(3));
    let main = overrides(&topic);
    assert_eq!(
        main.get("retention.ms").map(String::as_str),
        Some("604800000")
    );
    assert_eq!(main.get("retention.bytes").map(String::as_str), Some("-1"));
    assert_eq!(
        main.get("compression.type").map(String::as_str),
        Some("snappy")
    );
    assert_eq!(
        main.get("cleanup.policy").map(String::as_str),
        Some("delete")
    );
    assert_eq!(
        config_value(&format!("{topic}-dlq"), "retention.ms").as_deref(),
        Some("2592000000")
    );
    assert_eq!(
        config_value(&format!("{topic}-dlq"), "compression.type").as_deref(),
        Some("snappy")
    );

    let again = ws.topo(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("No changes."), "{again:?}");

    // Re-applying is a no-op.
    let reapply = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(reapply.code, 0, "{reapply:?}");
    assert!(!reapply.stdout.contains("Apply complete"), "{reapply:?}");
}

#[test]
fn unreachable_broker_fails_fast_with_a_clear_error() {
    let ws = Workspace::new(&seed_topology());
    let run = ws
        .topo_or_hang(
            &[
                "plan",
                "--bootstrap-servers",
                "127.0.0.1:1",
                "--timeout",
                "2s",
            ],
            std::time::Duration::from_secs(120),
        )
        .expect("topo must give up on an unreachable broker, not hang");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("cannot reach the cluster at 127.0.0.1:1"),
        "{run:?}"
    );
    assert!(run.stderr.contains("within 2s"), "{run:?}");
}

#[test]
fn invalid_topology_is_refused_before_any_broker_contact() {
    let ws = Workspace::new("[topics.\"x\"]\npartitions = 0\nreplication_factor = 1\n");
    // An unreachable address proves no connection is attempted: the error is the file's.
    let run = ws.topo_raw(&[
        "plan",
        "--bootstrap-servers",
        "127.0.0.1:1",
        "--timeout",
        "30s",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("topology.toml:2:"), "{run:?}");
    assert!(!run.stderr.contains("cannot reach"), "{run:?}");
}

#[test]
fn apply_output_snapshot() {
    let topic = unique("snap");
    let mut ws = Workspace::new(&seed_topology());
    ws.env.insert("INGESTION_TOPIC".into(), topic.clone());
    let run = ws.topo(&["apply", "--auto-approve"]);
    assert_eq!(run.code, 0, "{run:?}");
    // The seed's ACLs are not planned on a broker without an authorizer (or one that does
    // not say whether it has one); which of the two notes a flavour gets is its own.
    assert!(
        run.stdout.contains("8 declared ACLs are not planned"),
        "{run:?}"
    );
    let text = format!("--- stdout\n{}--- stderr\n{}", run.stdout, run.stderr);
    let topic = regex_escape(&topic);
    let filters = [
        (topic.as_str(), "[TOPIC]"),
        (r"127\.0\.0\.1:\d+", "[BOOTSTRAP]"),
        // The probed broker differs per flavour the suite runs on.
        (r"\[BOOTSTRAP\] · [^·]+ · ", "[BOOTSTRAP] · [BROKER] · "),
        (r"Fingerprint [0-9a-f]{32}", "Fingerprint [MD5]"),
        (
            // With the rows it wraps onto.
            r"  (no authorizer|ACLs not read): [^\n]*(\n {4,}\S[^\n]*)*",
            "  [ACLS NOT PLANNED]",
        ),
        // Each broker the suite starts has a cluster id of its own.
        (r"to cluster \S+ at", "to cluster [CLUSTER_ID] at"),
    ];
    assert_snapshot("apply-seed", &text, &filters);
}
