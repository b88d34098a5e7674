//! Tenant partitioning and the status view: `topo partition` and `topo status`.
//!
//! `topo partition` answers "which partition does this tenant land on?" with the same hash
//! the producers use, and "how many tenants move if the partition count changes?" for a
//! file of real keys. `topo status` is the seed's monitoring list made concrete: every
//! declared topic with its message count (dead-letter topics included) and every declared
//! consumer group with its lag against its budget.
//!
//! The two `*_command` functions are the only IO: they load the topology, talk to the
//! cluster and print. Everything they print is built by the pure functions below, so the
//! output is tested without a broker.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};

use crate::app;
use crate::cli::{ClusterArgs, FileArgs};
use crate::cluster::{Connection, ReadRequest};
use crate::error::{Error, Status};
use crate::model::{DesiredState, LiveGroup, LiveState, PartitionLag};
use crate::partition::{self, Partitioner};
use crate::units;

/// `topo partition`'s flags as `app` hands them over, free of clap types.
pub struct PartitionArgs {
    pub key: Option<String>,
    pub topic: Option<String>,
    pub partitions: Option<i32>,
    pub partitioner: Option<Partitioner>,
    pub all: bool,
    pub keys: Option<PathBuf>,
    pub to: Option<i32>,
}

/// `(log start, log end)` per `(topic, partition)`, as `Connection::log_positions` reads them.
pub type Positions = BTreeMap<(String, i32), (i64, i64)>;

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
    /// `--keys FILE --to M`, with M already checked to be positive.
    keys: Option<(&'a Path, i32)>,
}

/// The seed's own wording (`get_partition_for_tenant`), so users of the ingestion service
/// recognise the error.
fn positive(n: i32, flag: &str) -> Result<i32, String> {
    if n > 0 {
        Ok(n)
    } else {
        Err(format!(
            "num_partitions must be greater than 0 ({flag} {n})"
        ))
    }
}

/// Checks flag combinations before anything is read, so a mistyped command fails without
/// touching the topology file or the cluster.
fn check_args(args: &PartitionArgs) -> Result<Request<'_>, String> {
    let keys = match (&args.keys, args.to) {
        (Some(path), Some(to)) => Some((path.as_path(), positive(to, "--to")?)),
        (Some(_), None) => {
            return Err("--keys FILE needs --to M, the partition count to compare with".into())
        }
        (None, Some(_)) => {
            return Err("--to M compares key placements and needs --keys FILE".into())
        }
        (None, None) => None,
    };
    let key = args.key.as_deref();
    if key.is_none() && keys.is_none() {
        return Err(
            "give a KEY to map (`topo partition tenant-42 --partitions 6`) or --keys FILE --to M"
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

/// The flag wins, then the topic's declaration, then md5: the ingestion service's scheme.
fn choose_partitioner(flag: Option<Partitioner>, declared: Option<Partitioner>) -> Partitioner {
    flag.or(declared).unwrap_or(Partitioner::DEFAULT)
}

/// What a producer behind each partitioner is, for the side-by-side table.
fn producer_of(p: Partitioner) -> &'static str {
    match p {
        Partitioner::Md5 => {
            "ingestion service's get_partition_for_tenant (md5 digest, big-endian, mod N)"
        }
        Partitioner::Murmur2 => "Kafka Java clients' default partitioner for keyed records",
        Partitioner::Crc32 => {
            "librdkafka `consistent`, and its default `consistent_random` for non-empty keys"
        }
    }
}

/// Printed under the side-by-side table: md5 is the seed's scheme, but no Kafka client
/// computes it, so keyed records only land on the md5 partition when a producer passes
/// that partition explicitly.
pub const CLIENT_NOTE: &str = "note: Java clients use murmur2 and librdkafka clients \
(confluent-kafka, rdkafka) default to crc32-based `consistent_random`, so the md5 mapping \
is only where keys land if producers set the partition explicitly.";

/// A table laid out for `width` columns, or unwrapped without one. The width is decided by
/// the caller (the terminal's, at the IO edge), never detected here, so the same inputs
/// always render the same text.
fn new_table(header: &[&str], width: Option<u16>) -> Table {
    let mut table = Table::new();
    table.force_no_tty();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    if let Some(width) = width {
        table.set_content_arrangement(ContentArrangement::Dynamic);
        table.set_width(width);
    }
    table.set_header(header.iter().copied());
    table
}

/// The width of the terminal standard output goes to, if it is one: tables then wrap to
/// fit instead of breaking every line; piped output stays unwrapped for tools.
fn terminal_width() -> Option<u16> {
    Table::new().width()
}

fn align_right(table: &mut Table, columns: &[usize]) {
    for &i in columns {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// The partition of `key`: the bare number and a newline, so scripts can use it as is.
fn partition_line(p: Partitioner, key: &str, partitions: i32) -> Result<String, String> {
    let n = partition::partition_for(p, key.as_bytes(), partitions).map_err(|e| e.to_string())?;
    Ok(format!("{n}\n"))
}

/// Every partitioner side by side for one key, followed by [`CLIENT_NOTE`].
fn all_partitioners(
    key: &str,
    partitions: i32,
    context: &str,
    width: Option<u16>,
) -> Result<String, String> {
    let mut table = new_table(&["partitioner", "partition", "description"], width);
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

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// How many of `keys` change partition from `from` to `to` partitions under each of
/// `partitioners`, next to the share expected for uniformly hashed keys, with the first
/// few moves as examples.
fn moves_report(
    source: &str,
    keys: &[&str],
    partitioners: &[Partitioner],
    from: i32,
    to: i32,
) -> Result<String, String> {
    let uniform = partition::moved_share(from, to).map_err(|e| e.to_string())?;
    let mut out = format!(
        "{} key{} from {source}, {from} -> {to} partitions\n",
        keys.len(),
        if keys.len() == 1 { "" } else { "s" }
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
fn count_note(topic: &str, declared: Option<i32>, live: i32) -> Option<String> {
    match declared {
        Some(d) if d != live => Some(format!(
            "note: topic \"{topic}\" declares {d} partitions but has {live} on the cluster; \
             showing the live mapping (keys remap when `topo apply` changes the count)"
        )),
        _ => None,
    }
}

/// `topo partition`: see the module docs. Reads the topology and the cluster only for
/// `--topic`; with `--partitions` it is a pure calculation.
pub async fn partition_command(
    args: &PartitionArgs,
    file: &FileArgs,
    cluster: &ClusterArgs,
) -> Result<Status, Error> {
    let request = check_args(args).map_err(Error::Usage)?;
    let (partitioner, partitions, context) = match request.count {
        Count::Fixed(n) => (choose_partitioner(args.partitioner, None), n, String::new()),
        Count::Topic(topic) => {
            let desired = app::load_topology(&file.file)?;
            let declared = desired.topics.get(topic);
            let conn = Connection::connect(app::settings(Some(&desired), cluster))?;
            let live = conn.topic_partitions()?;
            let Some(&n) = live.get(topic) else {
                return Err(Error::Usage(format!(
                    "topic \"{topic}\" does not exist on the cluster at {}; create it with \
                     `topo apply`, or pass --partitions N instead of --topic",
                    conn.bootstrap()
                )));
            };
            if declared.is_none() {
                eprintln!(
                    "note: topic \"{topic}\" is not declared in {}; using its live partition count",
                    file.file.display()
                );
            }
            if let Some(note) = count_note(topic, declared.map(|t| t.partitions), n) {
                eprintln!("{note}");
            }
            let p = choose_partitioner(args.partitioner, declared.and_then(|t| t.partitioner));
            let context = match declared.and_then(|t| t.partitioner) {
                Some(d) => format!(" (topic \"{topic}\", live count; declared partitioner {d})"),
                None => format!(" (topic \"{topic}\", live count)"),
            };
            (p, n, context)
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
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
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
    print!("{out}");
    Ok(Status::Clean)
}

/// `topo status`: reads what a plan reads, plus the log positions of every declared topic,
/// and prints the two tables. Informational only: it never exits 2.
pub async fn status_command(file: &FileArgs, cluster: &ClusterArgs) -> Result<Status, Error> {
    let desired = app::load_topology(&file.file)?;
    let conn = Connection::connect(app::settings(Some(&desired), cluster))?;
    let scope = crate::diff::scope_of(&desired, &desired.policy);
    // Status lists undeclared consumers of managed topics even for a file of topics only.
    let request = ReadRequest {
        find_unmanaged_groups: true,
        ..app::read_request(&desired, &scope)
    };
    let live = conn.read(&request).await?;
    let positions = conn.log_positions(&counted_partitions(&desired, &live))?;
    print!(
        "{}",
        render_status(&desired, &live, &positions, terminal_width())
    );
    Ok(Status::Clean)
}

/// Every live partition of every declared topic: the ones whose messages are counted.
pub fn counted_partitions(desired: &DesiredState, live: &LiveState) -> Vec<(String, i32)> {
    desired
        .topics
        .keys()
        .filter_map(|name| live.topics.get(name))
        .flat_map(|t| (0..t.partitions).map(move |p| (t.name.clone(), p)))
        .collect()
}

/// Messages a topic holds: the sum of `log end - log start` over its partitions, or `None`
/// when a partition's positions are unknown (a partial sum would understate a DLQ).
pub fn message_count(topic: &str, partitions: i32, positions: &Positions) -> Option<i64> {
    (0..partitions)
        .map(|p| {
            positions
                .get(&(topic.to_string(), p))
                .map(|(start, end)| (end - start).max(0))
        })
        .sum()
}

/// The partition furthest behind and its lag, when any partition lags at all; ties go to
/// the lowest partition, as in the plan's group view.
pub fn worst_partition(parts: &[PartitionLag]) -> Option<(i32, i64)> {
    parts
        .iter()
        .map(|p| (p.partition, p.lag()))
        .filter(|(_, lag)| *lag > 0)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
}

/// A live value with its declared value alongside when they differ.
fn live_vs_declared<T: PartialEq + std::fmt::Display>(live: T, declared: T) -> String {
    if live == declared {
        live.to_string()
    } else {
        format!("{live} (declares {declared})")
    }
}

fn topics_table(
    desired: &DesiredState,
    live: &LiveState,
    positions: &Positions,
    width: Option<u16>,
) -> Table {
    let mut table = new_table(
        &[
            "topic",
            "partitions",
            "replication",
            "retention",
            "cleanup.policy",
            "messages",
            "notes",
        ],
        width,
    );
    for spec in desired.topics.values() {
        let mut notes = Vec::new();
        if let Some(parent) = &spec.dlq_of {
            notes.push(format!("dlq of {parent}"));
        }
        match (&spec.key, spec.partitioner) {
            (Some(key), Some(p)) => notes.push(format!("key {key} ({p})")),
            (Some(key), None) => notes.push(format!("key {key}")),
            (None, Some(p)) => notes.push(format!("keyed ({p})")),
            (None, None) => {}
        }
        let Some(topic) = live.topics.get(&spec.name) else {
            notes.push("not on the cluster".into());
            let dash = || "-".to_string();
            table.add_row(vec![
                spec.name.clone(),
                dash(),
                dash(),
                dash(),
                dash(),
                dash(),
                notes.join("; "),
            ]);
            continue;
        };
        let config = |key: &str| {
            topic
                .config
                .as_ref()
                .and_then(|c| c.get(key))
                .and_then(|e| e.value.clone())
        };
        let retention = match config("retention.ms") {
            Some(raw) => match units::humanize("retention.ms", &raw) {
                Some(human) => format!("{raw} ({human})"),
                None => raw,
            },
            None => "-".into(),
        };
        let messages = message_count(&spec.name, topic.partitions, positions)
            .map_or_else(|| "unknown".to_string(), |n| n.to_string());
        table.add_row(vec![
            spec.name.clone(),
            live_vs_declared(topic.partitions, spec.partitions),
            live_vs_declared(topic.replication_factor, spec.replication_factor),
            retention,
            config("cleanup.policy").unwrap_or_else(|| "-".into()),
            messages,
            notes.join("; "),
        ]);
    }
    align_right(&mut table, &[1, 2, 5]);
    table
}

/// One row of the groups table: a declared group on one topic.
fn group_row(
    name: &str,
    group: Option<&LiveGroup>,
    topic: &str,
    declared: bool,
    budget: Option<i64>,
) -> Vec<String> {
    let state = group.map_or("absent", |g| g.state.name()).to_string();
    let members = group.map_or(0, |g| g.members).to_string();
    let parts = group.and_then(|g| g.offsets.get(topic));
    let lag = parts.map(|ps| ps.iter().map(PartitionLag::lag).sum::<i64>());
    let lag_cell = match parts {
        None => "-".to_string(),
        Some(ps) => {
            let uncommitted = ps.iter().filter(|p| p.committed.is_none()).count();
            let total: i64 = ps.iter().map(PartitionLag::lag).sum();
            if uncommitted == 0 {
                total.to_string()
            } else {
                // Without a commit the whole log counts as lag; say so, or the number misleads.
                format!("{total} ({uncommitted} of {} uncommitted)", ps.len())
            }
        }
    };
    let worst = parts
        .and_then(|ps| worst_partition(ps))
        .map_or_else(|| "-".to_string(), |(p, l)| format!("p{p}: {l}"));
    // Budgets apply to declared topics only, exactly as the plan's drift check counts them.
    let budget = budget.filter(|_| declared);
    let over = match (lag, budget) {
        (Some(lag), Some(b)) => if lag > b { "yes" } else { "no" }.to_string(),
        _ => "-".to_string(),
    };
    let topic_cell = if declared {
        topic.to_string()
    } else {
        format!("{topic} (not declared)")
    };
    vec![
        name.to_string(),
        state,
        members,
        topic_cell,
        lag_cell,
        worst,
        budget.map_or_else(|| "-".to_string(), |b| b.to_string()),
        over,
    ]
}

fn groups_table(desired: &DesiredState, live: &LiveState, width: Option<u16>) -> Table {
    let mut table = new_table(
        &[
            "group",
            "state",
            "members",
            "topic",
            "lag",
            "worst partition",
            "lag budget",
            "over budget",
        ],
        width,
    );
    for spec in desired.groups.values() {
        let group = live.groups.get(&spec.name);
        // Declared topics first, then any other topic the group has commits on.
        let extra = group
            .into_iter()
            .flat_map(|g| g.offsets.keys())
            .filter(|t| !spec.topics.contains(*t));
        for topic in &spec.topics {
            table.add_row(group_row(&spec.name, group, topic, true, spec.lag_budget));
        }
        for topic in extra {
            table.add_row(group_row(&spec.name, group, topic, false, spec.lag_budget));
        }
    }
    align_right(&mut table, &[2, 4, 6]);
    table
}

/// The whole `topo status` output: the cluster line, the topics table, the groups table and
/// any undeclared groups that consume managed topics.
pub fn render_status(
    desired: &DesiredState,
    live: &LiveState,
    positions: &Positions,
    width: Option<u16>,
) -> String {
    let mut out = format!(
        "Cluster {} ({} broker{})\n\nTopics\n",
        live.bootstrap,
        live.brokers,
        if live.brokers == 1 { "" } else { "s" }
    );
    if desired.topics.is_empty() {
        out.push_str("  none declared\n");
    } else {
        out.push_str(&format!(
            "{}\n",
            topics_table(desired, live, positions, width)
        ));
    }
    out.push_str("\nConsumer groups\n");
    if desired.groups.is_empty() {
        out.push_str("  none declared\n");
    } else {
        out.push_str(&format!("{}\n", groups_table(desired, live, width)));
    }
    if !live.unmanaged_groups.is_empty() {
        out.push_str("\nUndeclared groups consuming managed topics:\n");
        for (group, topics) in &live.unmanaged_groups {
            let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
            out.push_str(&format!("  {group}: {}\n", topics.join(", ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::{
        ConfigSource, GroupSpec, GroupState, LiveConfigEntry, LiveTopic, OffsetPolicy, TopicSpec,
    };

    macro_rules! snapshot {
        ($name:expr, $value:expr) => {
            insta::with_settings!(
                { snapshot_path => "../snapshots/core", prepend_module_to_snapshot => false, omit_expression => true },
                { insta::assert_snapshot!($name, $value) }
            )
        };
    }

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
    fn check_args_rejects_non_positive_counts_with_the_seeds_wording() {
        for n in [0, -3] {
            let a = PartitionArgs {
                partitions: Some(n),
                ..args()
            };
            let err = check_args(&a).unwrap_err();
            assert!(
                err.starts_with("num_partitions must be greater than 0"),
                "{err}"
            );
            assert!(err.contains(&format!("--partitions {n}")), "{err}");
        }
        let a = PartitionArgs {
            keys: Some("k".into()),
            to: Some(0),
            ..args()
        };
        assert!(check_args(&a).unwrap_err().contains("--to 0"));
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
        assert!(check_args(&a).unwrap_err().contains("needs --to"));
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
        snapshot!("tenancy-partition-all", text);
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
        assert!(text.contains("uniformly hashed keys: 50.0% move"), "{text}");
        snapshot!("tenancy-partition-moves", text);

        let all = moves_report("keys.txt", &keys, &Partitioner::ALL, 6, 8).unwrap();
        for p in Partitioner::ALL {
            assert!(all.contains(&format!("  {p}: ")), "{all}");
        }
        let none = moves_report("empty.txt", &[], &[Partitioner::Md5], 6, 6).unwrap();
        assert_eq!(
            none,
            "0 keys from empty.txt, 6 -> 6 partitions\n  md5: 0 of 0 keys move (0.0%); \
             uniformly hashed keys: 0.0% move\n"
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

    fn positions(entries: &[(&str, i32, i64, i64)]) -> Positions {
        entries
            .iter()
            .map(|(t, p, s, e)| ((t.to_string(), *p), (*s, *e)))
            .collect()
    }

    #[test]
    fn message_count_sums_partitions_and_refuses_partial_sums() {
        let pos = positions(&[("dlq", 0, 0, 2), ("dlq", 1, 5, 6), ("dlq", 2, 3, 3)]);
        assert_eq!(message_count("dlq", 3, &pos), Some(3));
        assert_eq!(message_count("dlq", 4, &pos), None);
        assert_eq!(message_count("other", 0, &pos), Some(0));
    }

    fn lag(partition: i32, committed: Option<i64>, end: i64) -> PartitionLag {
        PartitionLag {
            partition,
            committed,
            log_start: 0,
            log_end: end,
        }
    }

    #[test]
    fn worst_partition_prefers_the_highest_lag_then_the_lowest_partition() {
        assert_eq!(
            worst_partition(&[lag(0, Some(5), 5), lag(1, Some(5), 5)]),
            None
        );
        let parts = [lag(0, Some(1), 5), lag(1, Some(0), 9), lag(2, Some(1), 9)];
        assert_eq!(worst_partition(&parts), Some((1, 9)));
    }

    fn topic(name: &str, partitions: i32, retention: &str, dlq_of: Option<&str>) -> TopicSpec {
        TopicSpec {
            name: name.into(),
            partitions,
            replication_factor: 1,
            config: [("retention.ms".to_string(), retention.to_string())].into(),
            key: dlq_of.is_none().then(|| "tenant_id".to_string()),
            partitioner: dlq_of.is_none().then_some(Partitioner::Md5),
            keys_file: None,
            dlq_of: dlq_of.map(str::to_string),
        }
    }

    fn live_topic(name: &str, partitions: i32, retention: &str) -> LiveTopic {
        let entry = |v: &str| LiveConfigEntry {
            value: Some(v.to_string()),
            source: ConfigSource::DynamicTopic,
            read_only: false,
        };
        LiveTopic {
            name: name.into(),
            partitions,
            replication_factor: 1,
            config: Some(
                [
                    ("retention.ms".to_string(), entry(retention)),
                    ("cleanup.policy".to_string(), entry("delete")),
                ]
                .into(),
            ),
        }
    }

    fn group(name: &str, topic: &str, budget: Option<i64>) -> GroupSpec {
        GroupSpec {
            name: name.into(),
            topics: BTreeSet::from([topic.to_string()]),
            initial_offsets: Some(OffsetPolicy::Earliest),
            lag_budget: budget,
        }
    }

    /// The seed's topology after an apply, with traffic: the main topic grown out of band,
    /// three dead letters, one stable group over budget, one never started, one more topic
    /// declared but not yet created.
    fn seed_like() -> (DesiredState, LiveState, Positions) {
        let mut desired = DesiredState::default();
        for t in [
            topic("ingestion-events", 6, "604800000", None),
            topic(
                "ingestion-events-dlq",
                3,
                "2592000000",
                Some("ingestion-events"),
            ),
            topic("ingestion-audit", 1, "86400000", None),
        ] {
            desired.topics.insert(t.name.clone(), t);
        }
        for g in [
            group(
                "ingestion-events-extraction-workers",
                "ingestion-events",
                Some(100),
            ),
            group(
                "ingestion-events-dlq-processor",
                "ingestion-events-dlq",
                None,
            ),
        ] {
            desired.groups.insert(g.name.clone(), g);
        }
        let mut live = LiveState {
            bootstrap: "localhost:19092".into(),
            brokers: 1,
            ..LiveState::default()
        };
        for t in [
            live_topic("ingestion-events", 8, "604800000"),
            live_topic("ingestion-events-dlq", 3, "2592000000"),
        ] {
            live.topics.insert(t.name.clone(), t);
        }
        // Every partition 5 behind its commit except p3 (90 behind) and p7 (never committed).
        let end = |p: i32| 10 * i64::from(p) + if p == 3 { 90 } else { 5 };
        let offsets: Vec<PartitionLag> = (0..8)
            .map(|p| PartitionLag {
                partition: p,
                committed: (p < 7).then_some(10 * i64::from(p)),
                log_start: 0,
                log_end: end(p),
            })
            .collect();
        live.groups.insert(
            "ingestion-events-extraction-workers".into(),
            LiveGroup {
                name: "ingestion-events-extraction-workers".into(),
                state: GroupState::Stable,
                members: 2,
                offsets: BTreeMap::from([
                    ("ingestion-events".to_string(), offsets),
                    ("legacy-events".to_string(), vec![lag(0, Some(3), 3)]),
                ]),
            },
        );
        live.unmanaged_groups.insert(
            "adhoc-debugger".into(),
            BTreeSet::from([
                "ingestion-events".to_string(),
                "ingestion-events-dlq".to_string(),
            ]),
        );
        let mut pos: Positions = (0..8)
            .map(|p| (("ingestion-events".to_string(), p), (0, end(p))))
            .collect();
        pos.extend(positions(&[
            ("ingestion-events-dlq", 0, 0, 1),
            ("ingestion-events-dlq", 1, 4, 6),
            ("ingestion-events-dlq", 2, 0, 0),
        ]));
        (desired, live, pos)
    }

    #[test]
    fn status_of_a_seed_like_cluster() {
        let (desired, live, pos) = seed_like();
        assert_eq!(counted_partitions(&desired, &live).len(), 11);
        let text = render_status(&desired, &live, &pos, None);
        assert!(text.contains("604800000 (7d)"), "{text}");
        assert!(text.contains("2592000000 (30d)"), "{text}");
        assert!(text.contains("dlq of ingestion-events"), "{text}");
        snapshot!("tenancy-status", text);
    }

    #[test]
    fn tables_wrap_to_a_given_width() {
        let (desired, live, pos) = seed_like();
        let text = render_status(&desired, &live, &pos, Some(80));
        for line in text.lines().filter(|l| l.starts_with(['┌', '│', '╞', '└'])) {
            assert!(line.chars().count() <= 80, "{line}");
        }
        let all = all_partitioners("tenant-42", 6, "", Some(60)).unwrap();
        assert!(all
            .lines()
            .filter(|l| l.starts_with('│'))
            .all(|l| l.chars().count() <= 60));
    }

    #[test]
    fn status_without_declarations_or_positions() {
        let (mut desired, live, _) = seed_like();
        desired.groups.clear();
        let text = render_status(&desired, &live, &Positions::new(), None);
        assert!(
            text.contains("Consumer groups\n  none declared\n"),
            "{text}"
        );
        assert!(text.contains("unknown"), "{text}");
        let empty = render_status(
            &DesiredState::default(),
            &LiveState::default(),
            &Positions::new(),
            None,
        );
        assert_eq!(
            empty,
            "Cluster  (0 brokers)\n\nTopics\n  none declared\n\nConsumer groups\n  none declared\n"
        );
    }
}
