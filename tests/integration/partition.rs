//! `topo partition` end to end: a Python `get_partition_for_tenant` reproduced from the
//! command line, the other producers' partitioners beside it, and `--topic` reading the
//! live partition count rather than the declared one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use topo::partition::{crc32_partition, key_moves, md5_partition, murmur2_partition, Partitioner};

use crate::support::{cells, create_topic, unique, Workspace};

#[test]
fn key_maps_to_the_seeds_md5_partition() {
    let ws = Workspace::new("");
    let run = ws.topo(&["partition", "tenant-42", "--partitions", "6"]);
    assert_eq!(run.code, 0, "{run:?}");
    let expected = md5_partition(b"tenant-42", 6).unwrap();
    assert_eq!(run.stdout, format!("{expected}\n"), "{run:?}");

    for (name, f) in [
        ("murmur2", murmur2_partition as fn(&[u8], i32) -> _),
        ("crc32", crc32_partition),
    ] {
        let run = ws.topo(&[
            "partition",
            "tenant-42",
            "--partitions",
            "6",
            "--partitioner",
            name,
        ]);
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(
            run.stdout,
            format!("{}\n", f(b"tenant-42", 6).unwrap()),
            "{name}: {run:?}"
        );
    }
}

#[test]
fn all_shows_every_partitioner_and_the_client_gap() {
    let ws = Workspace::new("");
    let run = ws.topo(&["partition", "tenant-7", "--partitions", "12", "--all"]);
    assert_eq!(run.code, 0, "{run:?}");
    for (name, n) in [
        ("md5", md5_partition(b"tenant-7", 12).unwrap()),
        ("murmur2", murmur2_partition(b"tenant-7", 12).unwrap()),
        ("crc32", crc32_partition(b"tenant-7", 12).unwrap()),
    ] {
        let row = run
            .stdout
            .lines()
            .find(|l| cells(l).first().map(String::as_str) == Some(name))
            .unwrap_or_else(|| panic!("no {name} row: {run:?}"));
        assert_eq!(cells(row)[1], n.to_string(), "{row}");
    }
    assert!(run.stdout.contains("Java clients use murmur2"), "{run:?}");
    assert!(run.stdout.contains("consistent_random"), "{run:?}");
}

#[test]
fn non_positive_and_missing_counts_are_usage_errors() {
    let ws = Workspace::new("");
    let run = ws.topo(&["partition", "tenant-42", "--partitions", "0"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("--partitions must be greater than 0, not 0"),
        "{run:?}"
    );
    assert!(run.stdout.is_empty(), "{run:?}");

    let run = ws.topo(&["partition", "tenant-42"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--partitions N is required"), "{run:?}");
}

#[test]
fn topic_uses_its_declared_partitioner_and_live_count() {
    let topic = unique("partition-topic");
    // Live with 5 partitions while the file declares 8: producers hash against 5 until an
    // apply grows the topic, so 5 is the answer.
    create_topic(&topic, 5, &[]);
    let ws = Workspace::new(&format!(
        "[topics.\"{topic}\"]\npartitions = 8\nreplication_factor = 1\nkey = \"tenant_id\"\npartitioner = \"crc32\"\n"
    ));
    let run = ws.topo(&["partition", "tenant-42", "--topic", &topic]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("{}\n", crc32_partition(b"tenant-42", 5).unwrap()),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("declares 8 partitions but has 5"),
        "{run:?}"
    );

    // The flag overrides the declaration.
    let run = ws.topo(&[
        "partition",
        "tenant-42",
        "--topic",
        &topic,
        "--partitioner",
        "md5",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("{}\n", md5_partition(b"tenant-42", 5).unwrap()),
        "{run:?}"
    );

    let missing = unique("partition-missing");
    let run = ws.topo(&["partition", "tenant-42", "--topic", &missing]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("topic \"{missing}\" does not exist")),
        "{run:?}"
    );
}

#[test]
fn keys_file_counts_moves_on_a_partition_change() {
    let ws = Workspace::new("");
    let keys: Vec<String> = (0..200).map(|i| format!("tenant-{i}")).collect();
    std::fs::write(ws.file("tenants.txt"), keys.join("\n") + "\n").unwrap();
    let run = ws.topo(&[
        "partition",
        "--partitions",
        "6",
        "--keys",
        "tenants.txt",
        "--to-partitions",
        "8",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let moves = key_moves(Partitioner::Md5, keys.iter().map(String::as_str), 6, 8).unwrap();
    assert!(
        run.stdout
            .contains(&format!("md5: {} of 200 keys move", moves.moved)),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("uniformly hashed keys: 75% move"),
        "{run:?}"
    );
    let (key, old, new) = &moves.examples[0];
    assert!(
        run.stdout.contains(&format!("{key:?}: {old} -> {new}")),
        "{run:?}"
    );

    let run = ws.topo(&["partition", "--partitions", "6", "--keys", "tenants.txt"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("needs --to-partitions"), "{run:?}");
}
