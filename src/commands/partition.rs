//! `topo partition`: which partition a key lands on, with the hash the producers use, and
//! how many keys of a file move when the partition count changes.
//!
//! With `--partitions N` it is a pure calculation and runs without a runtime or a client;
//! only `--topic NAME` loads the topology and reads the topic's live partition count.

use std::path::{Path, PathBuf};

use super::output::{self, terminal_width};
use super::session;
use super::topology;
use crate::cli::{ClusterArgs, FileArgs};
use crate::cluster::Connection;
use crate::error::{Error, Status};
use crate::partition::{self, Partitioner};
use crate::render::partition::{all_partitioners, count_note, moves_report, partition_line};

/// `topo partition`'s flags as dispatch hands them over, free of clap types.
pub(super) struct PartitionArgs {
    pub key: Option<String>,
    pub topic: Option<String>,
    pub partitions: Option<i32>,
    pub partitioner: Option<Partitioner>,
    pub all: bool,
    pub keys: Option<PathBuf>,
    pub to: Option<i32>,
}

/// Where the partition count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count<'a> {
    /// `--topic NAME`: the topic's live count, the one producers hash against today.
    Topic(&'a str),
    /// `--partitions N`, already checked to be positive.
    Fixed(i32),
}

/// A `topo partition` invocation whose flags have been checked for consistency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Request<'a> {
    key: Option<&'a str>,
    count: Count<'a>,
    /// `--keys FILE --to-partitions M`, with M already checked to be positive.
    keys: Option<(&'a Path, i32)>,
}

/// A partition count from `flag`, which must be positive.
fn positive(n: i32, flag: &str) -> Result<i32, String> {
    if n > 0 {
        Ok(n)
    } else {
        Err(format!("{flag} must be greater than 0, not {n}"))
    }
}

/// Checks flag combinations before anything is read, so a mistyped command fails without
/// touching the topology file or the cluster.
fn check_args(args: &PartitionArgs) -> Result<Request<'_>, String> {
    let keys = match (&args.keys, args.to) {
        (Some(path), Some(to)) => Some((path.as_path(), positive(to, "--to-partitions")?)),
        (Some(_), None) => {
            return Err(
                "--keys FILE needs --to-partitions M, the partition count to compare with".into(),
            )
        }
        (None, Some(_)) => {
            return Err("--to-partitions M compares key placements and needs --keys FILE".into())
        }
        (None, None) => None,
    };
    let key = args.key.as_deref();
    if key.is_none() && keys.is_none() {
        return Err(
            "give a KEY to map (`topo partition tenant-42 --partitions 6`) or --keys FILE \
             --to-partitions M"
                .into(),
        );
    }
    let count = match (&args.topic, args.partitions) {
        (Some(topic), _) => Count::Topic(topic.as_str()),
        (None, Some(n)) => Count::Fixed(positive(n, "--partitions")?),
        (None, None) => {
            return Err(
                "--partitions N is required without --topic; or pass --topic NAME to \
                 use a declared topic's partitioner and live partition count"
                    .into(),
            )
        }
    };
    Ok(Request { key, count, keys })
}

/// The flag wins, then the topic's declaration, then md5.
fn choose_partitioner(flag: Option<Partitioner>, declared: Option<Partitioner>) -> Partitioner {
    flag.or(declared).unwrap_or(Partitioner::DEFAULT)
}

/// `topo partition`: see the module docs.
pub(super) fn run(
    args: &PartitionArgs,
    file: &FileArgs,
    cluster: &ClusterArgs,
) -> Result<Status, Error> {
    let request = check_args(args).map_err(Error::Usage)?;
    let (partitioner, partitions, context) = match request.count {
        Count::Fixed(n) => (choose_partitioner(args.partitioner, None), n, String::new()),
        Count::Topic(topic) => {
            session::block_on(async { live_count(topic, args.partitioner, file, cluster) })?
        }
    };

    let mut out = String::new();
    if let Some(key) = request.key {
        let text = if args.all {
            all_partitioners(key, partitions, &context, terminal_width())
        } else {
            partition_line(partitioner, key, partitions)
        };
        out.push_str(&text.map_err(Error::Usage)?);
    }
    if let Some((path, to)) = request.keys {
        let text = crate::files::read_text_limited(path, crate::files::KEYS_LIMIT)?;
        let keys = partition::parse_keys(&text);
        let partitioners: &[Partitioner] = if args.all {
            &Partitioner::ALL
        } else {
            std::slice::from_ref(&partitioner)
        };
        let source = path.display().to_string();
        let report = moves_report(&source, &keys, partitioners, partitions, to);
        out.push_str(&report.map_err(Error::Usage)?);
    }
    output::write(&out)?;
    Ok(Status::Clean)
}

/// `--topic NAME`: the partitioner (flag, else the topic's declaration, else md5), the
/// topic's live partition count, and the context line the side-by-side table shows.
fn live_count(
    topic: &str,
    flag: Option<Partitioner>,
    file: &FileArgs,
    cluster: &ClusterArgs,
) -> Result<(Partitioner, i32, String), Error> {
    let desired = topology::load(file)?.desired;
    let declared = desired.topics.get(topic);
    let conn = Connection::connect(session::settings(Some(&desired), cluster))?;
    let live = conn.topic_partitions();
    let bootstrap = conn.bootstrap().to_string();
    // One read is all this command asks; the process ends soon after (see `leave`).
    conn.leave();
    let live = live?;
    let Some(&n) = live.get(topic) else {
        return Err(Error::Usage(format!(
            "topic \"{topic}\" does not exist on the cluster at {bootstrap}; create it with \
             `topo apply`, or pass --partitions N instead of --topic"
        )));
    };
    if declared.is_none() {
        eprintln!(
            "note: topic \"{topic}\" is not declared in {}; using its live partition count",
            topology::display_name(&file.file)
        );
    }
    if let Some(note) = count_note(topic, declared.map(|t| t.partitions), n) {
        eprintln!("{note}");
    }
    let p = choose_partitioner(flag, declared.and_then(|t| t.partitioner()));
    let context = match declared.and_then(|t| t.partitioner()) {
        Some(d) => format!(" (topic \"{topic}\", live count; declared partitioner {d})"),
        None => format!(" (topic \"{topic}\", live count)"),
    };
    Ok((p, n, context))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> PartitionArgs {
        PartitionArgs {
            key: Some("tenant-42".into()),
            topic: None,
            partitions: Some(6),
            partitioner: None,
            all: false,
            keys: None,
            to: None,
        }
    }

    #[test]
    fn check_args_accepts_the_plain_forms() {
        let a = args();
        assert_eq!(
            check_args(&a),
            Ok(Request {
                key: Some("tenant-42"),
                count: Count::Fixed(6),
                keys: None
            })
        );
        let a = PartitionArgs {
            topic: Some("orders".into()),
            partitions: None,
            ..args()
        };
        assert_eq!(check_args(&a).map(|r| r.count), Ok(Count::Topic("orders")));
        let a = PartitionArgs {
            key: None,
            keys: Some("keys.txt".into()),
            to: Some(8),
            ..args()
        };
        assert_eq!(
            check_args(&a),
            Ok(Request {
                key: None,
                count: Count::Fixed(6),
                keys: Some((Path::new("keys.txt"), 8))
            })
        );
    }

    #[test]
    fn check_args_rejects_non_positive_counts_naming_the_flag() {
        for n in [0, -3] {
            let a = PartitionArgs {
                partitions: Some(n),
                ..args()
            };
            let err = check_args(&a).unwrap_err();
            assert_eq!(err, format!("--partitions must be greater than 0, not {n}"));
        }
        let a = PartitionArgs {
            keys: Some("k".into()),
            to: Some(0),
            ..args()
        };
        assert!(check_args(&a)
            .unwrap_err()
            .contains("--to-partitions must be greater than 0, not 0"));
    }

    #[test]
    fn check_args_explains_missing_flags() {
        let a = PartitionArgs {
            partitions: None,
            ..args()
        };
        assert!(check_args(&a)
            .unwrap_err()
            .contains("--partitions N is required"));
        let a = PartitionArgs {
            key: None,
            ..args()
        };
        assert!(check_args(&a).unwrap_err().contains("give a KEY"));
        let a = PartitionArgs {
            keys: Some("k".into()),
            ..args()
        };
        assert!(check_args(&a)
            .unwrap_err()
            .contains("needs --to-partitions"));
        let a = PartitionArgs {
            to: Some(8),
            ..args()
        };
        assert!(check_args(&a).unwrap_err().contains("needs --keys"));
    }

    #[test]
    fn partitioner_precedence_is_flag_then_topic_then_md5() {
        use Partitioner::*;
        assert_eq!(choose_partitioner(None, None), Md5);
        assert_eq!(choose_partitioner(None, Some(Crc32)), Crc32);
        assert_eq!(choose_partitioner(Some(Murmur2), Some(Crc32)), Murmur2);
    }
}
