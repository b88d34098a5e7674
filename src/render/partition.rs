//! What `topo partition` prints: the partition of a key, every partitioner side by side,
//! how many keys of a file move when the partition count changes, and the note shown when a
//! topic's declared and live counts differ.
//!
//! Pure: the numbers come from `crate::partition`, the table width from the caller.

use crate::partition::{self, Partitioner};
use crate::units::{percent, plural};

use super::table::{align_right, grid};

/// What a producer behind each partitioner is, for the side-by-side table.
fn producer_of(p: Partitioner) -> &'static str {
    match p {
        Partitioner::Md5 => {
            "producers that set the partition themselves: md5 digest, big-endian, mod N"
        }
        Partitioner::Murmur2 => "Kafka Java clients' default partitioner for keyed records",
        Partitioner::Crc32 => {
            "librdkafka `consistent`, and its default `consistent_random` for non-empty keys"
        }
    }
}

/// Printed under the side-by-side table: md5 is topo's default, but no Kafka client
/// computes it, so keyed records only land on the md5 partition when a producer passes
/// that partition explicitly.
pub(crate) const CLIENT_NOTE: &str = "note: Java clients use murmur2 and librdkafka clients \
(confluent-kafka, rdkafka) default to crc32-based `consistent_random`, so the md5 mapping \
is only where keys land if producers set the partition explicitly.";

/// The partition of `key`: the bare number and a newline, so scripts can use it as is.
pub(crate) fn partition_line(p: Partitioner, key: &str, partitions: i32) -> Result<String, String> {
    let n = partition::partition_for(p, key.as_bytes(), partitions).map_err(|e| e.to_string())?;
    Ok(format!("{n}\n"))
}

/// Every partitioner side by side for one key, followed by [`CLIENT_NOTE`].
pub(crate) fn all_partitioners(
    key: &str,
    partitions: i32,
    context: &str,
    width: Option<u16>,
) -> Result<String, String> {
    let mut table = grid(&["partitioner", "partition", "description"], width);
    for p in Partitioner::ALL {
        let n =
            partition::partition_for(p, key.as_bytes(), partitions).map_err(|e| e.to_string())?;
        table.add_row(vec![
            p.name().to_string(),
            n.to_string(),
            producer_of(p).to_string(),
        ]);
    }
    align_right(&mut table, &[1]);
    Ok(format!(
        "key {key:?} on {partitions} partitions{context}\n{table}\n{CLIENT_NOTE}\n"
    ))
}

/// How many of `keys` change partition from `from` to `to` partitions under each of
/// `partitioners`, next to the share expected for uniformly hashed keys, with the first
/// few moves as examples.
pub(crate) fn moves_report(
    source: &str,
    keys: &[&str],
    partitioners: &[Partitioner],
    from: i32,
    to: i32,
) -> Result<String, String> {
    let uniform = partition::moved_share(from, to).map_err(|e| e.to_string())?;
    let mut out = format!(
        "{} from {source}, {from} -> {to} partitions\n",
        plural(keys.len(), "key", "keys")
    );
    for &p in partitioners {
        let moves =
            partition::key_moves(p, keys.iter().copied(), from, to).map_err(|e| e.to_string())?;
        out.push_str(&format!(
            "  {p}: {} of {} keys move ({}); uniformly hashed keys: {} move\n",
            moves.moved,
            moves.total,
            percent(moves.share()),
            percent(uniform),
        ));
        if !moves.examples.is_empty() {
            if moves.examples.len() < moves.moved {
                out.push_str(&format!(
                    "    first {} of {} moves:\n",
                    moves.examples.len(),
                    moves.moved
                ));
            } else {
                out.push_str("    moves:\n");
            }
            for (key, old, new) in &moves.examples {
                out.push_str(&format!("      {key:?}: {old} -> {new}\n"));
            }
        }
    }
    Ok(out)
}

/// Said on stderr when `--topic` names a topic whose declaration and cluster disagree:
/// the live count is what producers hash against until `topo apply` runs.
pub(crate) fn count_note(topic: &str, declared: Option<i32>, live: i32) -> Option<String> {
    match declared {
        Some(d) if d != live => Some(format!(
            "note: topic \"{topic}\" declares {d} partitions but has {live} on the cluster; \
             showing the live mapping (keys remap when `topo apply` changes the count)"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::snapshot;

    #[test]
    fn default_output_is_the_bare_partition() {
        // tenant-42: md5 mod 6 = 4, murmur2 mod 6 = 2, crc32 mod 6 = 2 (partition.rs vectors).
        assert_eq!(
            partition_line(Partitioner::Md5, "tenant-42", 6),
            Ok("4\n".to_string())
        );
        assert_eq!(
            partition_line(Partitioner::Murmur2, "tenant-42", 6),
            Ok("2\n".to_string())
        );
        assert_eq!(
            partition_line(Partitioner::Crc32, "tenant-42", 6),
            Ok("2\n".to_string())
        );
    }

    #[test]
    fn all_partitioners_side_by_side() {
        let text = all_partitioners("tenant-42", 6, "", None).unwrap();
        assert!(text.ends_with(&format!("{CLIENT_NOTE}\n")));
        snapshot!("partition-all", text);
    }

    #[test]
    fn moves_report_counts_real_keys_and_the_uniform_share() {
        let keys = ["tenant-1", "tenant-42", "acme", "tenant-7", UNICODE];
        let text = moves_report("keys.txt", &keys, &[Partitioner::Md5], 6, 12).unwrap();
        let moves = partition::key_moves(Partitioner::Md5, keys, 6, 12).unwrap();
        assert!(
            text.contains(&format!("md5: {} of 5 keys move", moves.moved)),
            "{text}"
        );
        assert!(text.contains("uniformly hashed keys: 50% move"), "{text}");
        snapshot!("partition-moves", text);

        let all = moves_report("keys.txt", &keys, &Partitioner::ALL, 6, 8).unwrap();
        for p in Partitioner::ALL {
            assert!(all.contains(&format!("  {p}: ")), "{all}");
        }
        let none = moves_report("empty.txt", &[], &[Partitioner::Md5], 6, 6).unwrap();
        assert_eq!(
            none,
            "0 keys from empty.txt, 6 -> 6 partitions\n  md5: 0 of 0 keys move (0%); \
             uniformly hashed keys: 0% move\n"
        );
    }

    const UNICODE: &str = "ünïcødé-テナント";

    #[test]
    fn count_note_only_when_declaration_and_cluster_differ() {
        assert_eq!(count_note("t", Some(6), 6), None);
        assert_eq!(count_note("t", None, 6), None);
        let note = count_note("t", Some(8), 6).unwrap();
        assert!(note.contains("declares 8 partitions but has 6"), "{note}");
    }

    #[test]
    fn side_by_side_table_wraps_to_a_given_width() {
        let all = all_partitioners("tenant-42", 6, "", Some(60)).unwrap();
        assert!(all
            .lines()
            .filter(|l| l.starts_with('│'))
            .all(|l| l.chars().count() <= 60));
    }
}
