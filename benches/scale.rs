//! Scale benchmark: `topo plan` and `topo apply` against a real broker holding thousands of
//! topics, next to the raw-call baseline (the same metadata and DescribeConfigs requests
//! issued directly through rdkafka, with no diffing or rendering).
//!
//! Not part of the test suite and not meant for `cargo bench` on its own: `benches/run`
//! builds it in release, starts a separate broker for it, runs it and stops the broker.
//! Run without `--bootstrap` it only prints how to run it, so `cargo test --all-targets`
//! (which executes bench targets once) stays quick and needs no broker.
//!
//! Modes (the first argument):
//! - `run`: the benchmark itself; grows the cluster size by size, times each scenario
//!   `--reps` times (after one untimed warm-up) and prints a table of medians and spreads.
//! - `baseline`: one raw-call read, as a child process so it is timed exactly like topo.
//! - `alter`: the config change of a config-change apply sent raw, as the same
//!   IncrementalAlterConfigs requests topo sends, as a child process, optionally with the
//!   reads such an apply needs; it also reports the in-process time of the requests alone.
//! - `phases`: topo's own plan pipeline in-process through the library, timing each phase
//!   and sampling RSS after each, to attribute time and memory.
//! - `apply-phases`: topo's config-change apply in-process through the library, timing the
//!   reads, the write and the verification apart, so the write compares with the raw
//!   requests alone.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;

type Res<T> = Result<T, Box<dyn Error>>;

/// Topics per CreateTopics request when building the cluster.
const CREATE_BATCH: usize = 500;
/// Same chunk size as topo's DescribeConfigs reads, so the baseline sends the same requests.
const DESCRIBE_CHUNK: usize = 200;
/// Topics whose config the drifted topology changes: one in this many (1%).
const DRIFT_EVERY: usize = 100;
/// Generous client timeout: a slow read should show up as a slow figure, not a failure.
const TIMEOUT: Duration = Duration::from_secs(300);
/// Topo's config-write batching (`RECORDS_PER_REQUEST` and `WRITES_IN_FLIGHT` in the
/// cluster layer): a record per key, at most 5,000 per request, two requests in flight.
const ALTER_RECORDS_PER_REQUEST: usize = 5_000;
const ALTER_IN_FLIGHT: usize = 2;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("baseline") => baseline(&args[1..]),
        Some("phases") => phases(&args[1..]),
        Some("alter") => alter(&args[1..]),
        Some("apply-phases") => apply_phases(&args[1..]),
        _ => {
            println!("scale: run it through benches/run (it needs its own Kafka broker)");
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("scale: error: {e}");
        std::process::exit(1);
    }
}

/// `--key value` options; every option takes a value.
fn options(args: &[String]) -> Res<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut it = args.iter();
    while let Some(k) = it.next() {
        let key = k
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {k}"))?;
        let value = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
        out.insert(key.to_string(), value.clone());
    }
    Ok(out)
}

fn opt<'a>(opts: &'a BTreeMap<String, String>, key: &str) -> Res<&'a str> {
    opts.get(key)
        .map(String::as_str)
        .ok_or_else(|| format!("--{key} is required").into())
}

fn runtime() -> Res<tokio::runtime::Runtime> {
    // The same shape as topo's own runtime.
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn admin(bootstrap: &str) -> Res<AdminClient<DefaultClientContext>> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("log_level", "3")
        .create()?)
}

fn admin_opts() -> AdminOptions {
    AdminOptions::new()
        .request_timeout(Some(TIMEOUT))
        .operation_timeout(Some(TIMEOUT))
}

// ---------------------------------------------------------------------------------------
// The synthetic cluster
// ---------------------------------------------------------------------------------------

fn topic_name(i: usize) -> String {
    format!("bench-{i:05}")
}

const RETENTIONS: [i64; 4] = [3_600_000, 86_400_000, 604_800_000, 2_592_000_000];
const CODECS: [&str; 5] = ["producer", "zstd", "lz4", "snappy", "gzip"];

/// A spread of configs: retention variants, compaction on some, codecs, a larger message
/// size on a third. `variant` shifts retention.ms (1% drift and the apply runs use it).
fn topic_config(i: usize, variant: u32) -> Vec<(&'static str, String)> {
    let mut retention = RETENTIONS[i % RETENTIONS.len()];
    if variant > 0 {
        retention += i64::from(variant) * 60_000;
    }
    let mut config = vec![
        ("retention.ms", retention.to_string()),
        (
            "cleanup.policy",
            if i.is_multiple_of(10) {
                "compact"
            } else {
                "delete"
            }
            .to_string(),
        ),
        ("compression.type", CODECS[i % CODECS.len()].to_string()),
    ];
    if i.is_multiple_of(3) {
        config.push(("max.message.bytes", "2097152".to_string()));
    }
    config
}

/// One declared topic of a generated topology.
struct Declared {
    name: String,
    partitions: i32,
    config: Vec<(&'static str, String)>,
}

fn declared(
    range: std::ops::Range<usize>,
    partitions: i32,
    variant: impl Fn(usize) -> u32,
) -> Vec<Declared> {
    range
        .map(|i| Declared {
            name: topic_name(i),
            partitions,
            config: topic_config(i, variant(i)),
        })
        .collect()
}

fn write_topology(path: &Path, topics: &[Declared]) -> Res<()> {
    let mut text = String::from("[defaults]\nreplication_factor = 1\n\n");
    for t in topics {
        let _ = writeln!(
            text,
            "[topics.\"{}\"]\npartitions = {}",
            t.name, t.partitions
        );
        let entries: Vec<String> = t
            .config
            .iter()
            .map(|(k, v)| match v.parse::<i64>() {
                Ok(n) => format!("\"{k}\" = {n}"),
                Err(_) => format!("\"{k}\" = \"{v}\""),
            })
            .collect();
        let _ = writeln!(text, "config = {{ {} }}\n", entries.join(", "));
    }
    std::fs::write(path, text)?;
    Ok(())
}

/// Creates topics in batches of `CREATE_BATCH` per request, then waits until metadata shows
/// every one of them with a leader on each partition.
fn create_topics(bootstrap: &str, topics: &[Declared]) -> Res<()> {
    let rt = runtime()?;
    let admin = admin(bootstrap)?;
    for batch in topics.chunks(CREATE_BATCH) {
        let new: Vec<NewTopic<'_>> = batch
            .iter()
            .map(|t| {
                t.config.iter().fold(
                    NewTopic::new(&t.name, t.partitions, TopicReplication::Fixed(1)),
                    |n, (k, v)| n.set(k, v),
                )
            })
            .collect();
        let results = rt.block_on(admin.create_topics(&new, &admin_opts()))?;
        for r in results {
            match r {
                Ok(_) => {}
                Err((_, rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => return Err(format!("creating {name}: {code:?}").into()),
            }
        }
    }
    let want: BTreeMap<&str, usize> = topics
        .iter()
        .map(|t| (t.name.as_str(), usize::try_from(t.partitions).unwrap_or(0)))
        .collect();
    wait_metadata(&admin, |md| {
        let ready = md
            .topics()
            .iter()
            .filter(|t| {
                t.error().is_none()
                    && want.get(t.name()) == Some(&t.partitions().len())
                    && t.partitions().iter().all(|p| p.leader() >= 0)
            })
            .count();
        ready == want.len()
    })
}

fn delete_topics(bootstrap: &str, names: &[String]) -> Res<()> {
    let rt = runtime()?;
    let admin = admin(bootstrap)?;
    for batch in names.chunks(CREATE_BATCH) {
        let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
        rt.block_on(admin.delete_topics(&refs, &admin_opts()))?;
    }
    let gone: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    wait_metadata(&admin, |md| {
        !md.topics().iter().any(|t| gone.contains(t.name()))
    })
}

fn wait_metadata(
    admin: &AdminClient<DefaultClientContext>,
    done: impl Fn(&rdkafka::metadata::Metadata) -> bool,
) -> Res<()> {
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let md = admin.inner().fetch_metadata(None, TIMEOUT)?;
        if done(&md) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the cluster did not reach the expected metadata in time".into());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Waits until the brokers have created a log directory for every partition of every bench
/// topic: metadata shows a leader well before a broker has created the partition's log,
/// and measuring while it still creates them would time the broker's backlog. `log_dirs`
/// holds every broker's log directory (one per broker); none means no wait.
fn wait_logs(bootstrap: &str, log_dirs: &[PathBuf]) -> Res<()> {
    if log_dirs.is_empty() {
        return Ok(());
    }
    let admin = admin(bootstrap)?;
    let md = admin.inner().fetch_metadata(None, TIMEOUT)?;
    let want: usize = md
        .topics()
        .iter()
        .filter(|t| t.name().starts_with("bench-"))
        .map(|t| t.partitions().len())
        .sum();
    let deadline = Instant::now() + Duration::from_secs(3600);
    loop {
        let mut have = 0;
        for dir in log_dirs {
            have += std::fs::read_dir(dir)?
                .filter_map(|e| e.ok())
                .filter(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    name.starts_with("bench-") && !name.ends_with("-delete")
                })
                .count();
        }
        if have >= want {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("the broker created {have} of {want} partition logs").into());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// CPU time (user + system, in clock ticks) the given processes have used so far.
fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| {
            // Fields after the command name: state is the first, utime the 12th, stime the 13th.
            let rest = stat.rsplit_once(") ")?.1;
            let mut fields = rest.split(' ').skip(11);
            let utime: u64 = fields.next()?.parse().ok()?;
            let stime: u64 = fields.next()?.parse().ok()?;
            Some(utime + stime)
        })
        .sum()
}

/// Waits until the brokers are quiet: after creating many partitions they keep working in
/// the background (applying metadata, loading and checkpointing the new logs) for minutes
/// on a small machine, and timing plans meanwhile would time that backlog. Quiet means the
/// brokers together used under a fifth of one core over 10 s; gives up after 15 minutes.
fn wait_quiet(pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    const WINDOW: Duration = Duration::from_secs(10);
    const TICKS_PER_SEC: f64 = 100.0; // USER_HZ on Linux
    let start = Instant::now();
    let deadline = start + Duration::from_secs(900);
    let mut before = cpu_ticks(pids);
    loop {
        std::thread::sleep(WINDOW);
        let after = cpu_ticks(pids);
        let cores = after.saturating_sub(before) as f64 / TICKS_PER_SEC / WINDOW.as_secs_f64();
        before = after;
        if cores < 0.2 {
            eprintln!(
                "   brokers quiet after {:.0} s (using {cores:.2} cores)",
                start.elapsed().as_secs_f64()
            );
            return;
        }
        if Instant::now() > deadline {
            eprintln!(
                "   brokers still busy ({cores:.2} cores) after 15 minutes; measuring anyway"
            );
            return;
        }
    }
}

/// Total partitions on the cluster and open file descriptors of the broker processes (the
/// most any one of them holds, since the open-files limit applies per process).
fn cluster_size(bootstrap: &str, broker_pids: &[u32]) -> Res<(usize, usize, Option<usize>)> {
    let admin = admin(bootstrap)?;
    let md = admin.inner().fetch_metadata(None, TIMEOUT)?;
    let topics = md.topics().len();
    let partitions = md.topics().iter().map(|t| t.partitions().len()).sum();
    let fds = broker_pids
        .iter()
        .filter_map(|pid| std::fs::read_dir(format!("/proc/{pid}/fd")).ok())
        .map(|d| d.count())
        .max();
    Ok((topics, partitions, fds))
}

// ---------------------------------------------------------------------------------------
// Timing child processes
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    /// Peak RSS in KiB, when /usr/bin/time is available.
    rss_kib: Option<u64>,
}

const GNU_TIME: &str = "/usr/bin/time";

/// Runs a program with stdout and stderr discarded, timing its wall clock and reading its
/// peak RSS from GNU time. Fails unless the exit code is one of `ok_codes`.
fn measure(program: &Path, args: &[String], work: &Path, ok_codes: &[i32]) -> Res<Sample> {
    let rss_file = work.join("rss.txt");
    let _ = std::fs::remove_file(&rss_file);
    let with_time = Path::new(GNU_TIME).exists();
    let mut cmd = if with_time {
        let mut c = Command::new(GNU_TIME);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args)
        .current_dir(work)
        .env("NO_COLOR", "1")
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd.output()?;
    let wall = start.elapsed();
    let code = out.status.code().unwrap_or(-1);
    if !ok_codes.contains(&code) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "{} {} exited {code}:\n{}",
            program.display(),
            args.join(" "),
            tail.join("\n")
        )
        .into());
    }
    let rss_kib = if with_time {
        std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
    } else {
        None
    };
    Ok(Sample { wall, rss_kib })
}

#[derive(Debug, Clone)]
struct Row {
    scenario: String,
    declared: usize,
    cluster_topics: usize,
    cluster_partitions: usize,
    samples: Vec<Sample>,
}

impl Row {
    fn walls(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.samples.iter().map(|s| s.wall.as_secs_f64()).collect();
        v.sort_by(f64::total_cmp);
        v
    }
    fn median_wall(&self) -> f64 {
        median(&self.walls())
    }
    fn rss_mib(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self
            .samples
            .iter()
            .filter_map(|s| s.rss_kib)
            .map(|k| k as f64 / 1024.0)
            .collect();
        v.sort_by(f64::total_cmp);
        v
    }
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn fmt_secs(s: f64) -> String {
    if s < 0.9995 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn fmt_spread(sorted: &[f64], f: impl Fn(f64) -> String) -> String {
    match (sorted.first(), sorted.last()) {
        (Some(a), Some(b)) => format!("{}–{}", f(*a), f(*b)),
        _ => "n/a".into(),
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_table(rows: &[Row], baselines: &BTreeMap<(usize, usize), f64>) {
    let header = [
        "scenario",
        "declared",
        "cluster topics / partitions",
        "wall median",
        "wall min–max",
        "peak RSS median",
        "RSS min–max",
        "vs baseline",
    ];
    let mut cells: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for r in rows {
        let walls = r.walls();
        let rss = r.rss_mib();
        let mib = |m: f64| format!("{m:.1}");
        let ratio = if r.scenario.starts_with("plan") {
            baselines
                .get(&(r.declared, r.cluster_partitions))
                .map(|b| format!("{:.2}×", r.median_wall() / b))
                .unwrap_or_default()
        } else {
            String::new()
        };
        cells.push(vec![
            r.scenario.clone(),
            thousands(r.declared),
            format!(
                "{} / {}",
                thousands(r.cluster_topics),
                thousands(r.cluster_partitions)
            ),
            fmt_secs(median(&walls)),
            fmt_spread(&walls, fmt_secs),
            if rss.is_empty() {
                "n/a".into()
            } else {
                format!("{:.1} MiB", median(&rss))
            },
            fmt_spread(&rss, mib),
            ratio,
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, row) in cells.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        println!("| {} |", line.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            println!("| {} |", rule.join(" | "));
        }
    }
}

// ---------------------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------------------

struct Bench {
    bootstrap: String,
    topo: PathBuf,
    me: PathBuf,
    work: PathBuf,
    reps: usize,
    broker_pids: Vec<u32>,
    log_dirs: Vec<PathBuf>,
    rows: Vec<Row>,
    baselines: BTreeMap<(usize, usize), f64>,
}

impl Bench {
    fn plan_args(&self, file: &str, format: &str) -> Vec<String> {
        [
            "plan",
            "-f",
            file,
            "--bootstrap-servers",
            &self.bootstrap,
            "--timeout",
            "300s",
            "--format",
            format,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// Times a scenario: one untimed warm-up, then `reps` timed runs; `before` runs
    /// untimed ahead of every run (including the warm-up) with the run's index.
    /// A scenario that changes nothing on the cluster and must exit 0 (plans, baseline).
    fn read_only(
        &mut self,
        label: &str,
        declared: usize,
        program: &Path,
        args: &[String],
    ) -> Res<Row> {
        self.scenario(label, declared, program, args, &[0], |_, _| Ok(()))
    }

    fn scenario(
        &mut self,
        label: &str,
        declared: usize,
        program: &Path,
        args: &[String],
        ok_codes: &[i32],
        mut before: impl FnMut(&Bench, usize) -> Res<()>,
    ) -> Res<Row> {
        let (topics, partitions, _) = cluster_size(&self.bootstrap, &[])?;
        let mut samples = Vec::new();
        for rep in 0..=self.reps {
            before(self, rep)?;
            let s = measure(program, args, &self.work, ok_codes)?;
            if rep > 0 {
                samples.push(s);
            }
        }
        let row = Row {
            scenario: label.to_string(),
            declared,
            cluster_topics: topics,
            cluster_partitions: partitions,
            samples,
        };
        eprintln!(
            "  {label:<34} declared {declared:>6}: median {} (RSS {:.1} MiB)",
            fmt_secs(row.median_wall()),
            median(&row.rss_mib())
        );
        self.rows.push(row.clone());
        Ok(row)
    }

    fn plan_scenarios(
        &mut self,
        declared: usize,
        sync_file: &str,
        drift_file: Option<&str>,
    ) -> Res<()> {
        let topo = self.topo.clone();
        let names = self.work.join(format!("names-{declared}.txt"));
        let list: Vec<String> = (0..declared).map(topic_name).collect();
        std::fs::write(&names, list.join("\n"))?;
        let me = self.me.clone();
        let base_args: Vec<String> = [
            "baseline",
            "--bootstrap",
            &self.bootstrap,
            "--names",
            &names.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let base = self.read_only("baseline (raw rdkafka calls)", declared, &me, &base_args)?;
        let args = self.plan_args(sync_file, "json");
        let sync = self.read_only("plan in sync, json", declared, &topo, &args)?;
        self.baselines
            .insert((declared, sync.cluster_partitions), base.median_wall());
        if let Some(drift) = drift_file {
            let args = self.plan_args(drift, "json");
            self.read_only("plan 1% drifted, json", declared, &topo, &args)?;
            let args = self.plan_args(drift, "human");
            self.read_only("plan 1% drifted, human", declared, &topo, &args)?;
        }
        Ok(())
    }

    /// Runs `apply-phases` as a child process and returns its parts' times in order.
    fn apply_phases(&self, file: &str, expect: usize) -> Res<Vec<(String, Duration)>> {
        let args: Vec<String> = [
            "apply-phases",
            "--bootstrap",
            &self.bootstrap,
            "--file",
            file,
            "--expect",
            &expect.to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let out = Command::new(&self.me)
            .args(&args)
            .current_dir(&self.work)
            .output()?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let (part, secs) = l
                    .rsplit_once('\t')
                    .ok_or_else(|| format!("unexpected apply-phases line {l:?}"))?;
                Ok((part.to_string(), Duration::from_secs_f64(secs.parse()?)))
            })
            .collect()
    }

    fn phases(&self, file: &str) -> Res<()> {
        let args: Vec<String> = ["phases", "--bootstrap", &self.bootstrap, "--file", file]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = Command::new(&self.me)
            .args(&args)
            .current_dir(&self.work)
            .output()?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
        }
        eprint!("{}", String::from_utf8_lossy(&out.stdout));
        Ok(())
    }
}

fn run(args: &[String]) -> Res<()> {
    let opts = options(args)?;
    let bootstrap = opt(&opts, "bootstrap")?.to_string();
    let topo = std::fs::canonicalize(opt(&opts, "topo")?)?;
    let work = PathBuf::from(opt(&opts, "work")?);
    let partitions: i32 = opt(&opts, "partitions")?.parse()?;
    let sizes: Vec<usize> = opt(&opts, "sizes")?
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let reps: usize = opts.get("reps").map_or(Ok(5), |s| s.parse())?;
    let apply_count: usize = opts.get("apply").map_or(Ok(0), |s| s.parse())?;
    // Both take a comma-separated list, one entry per broker.
    let broker_pids: Vec<u32> = opts
        .get("broker-pid")
        .map(|s| s.split(',').filter_map(|p| p.trim().parse().ok()).collect())
        .unwrap_or_default();
    let log_dirs: Vec<PathBuf> = opts
        .get("log-dirs")
        .map(|s| {
            s.split(',')
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default();
    std::fs::create_dir_all(&work)?;
    let me = std::env::current_exe()?;
    let mut bench = Bench {
        bootstrap,
        topo,
        me,
        work: work.clone(),
        reps,
        broker_pids,
        log_dirs,
        rows: Vec::new(),
        baselines: BTreeMap::new(),
    };

    // The small topology, timed on every cluster size: its cost should not follow the cluster.
    let small = 10;
    write_topology(
        &work.join("small.toml"),
        &declared(0..small, partitions, |_| 0),
    )?;

    // First the cluster holds only the small topology's topics, then it grows size by size.
    let mut steps = vec![small];
    steps.extend(sizes.iter().copied().filter(|&n| n > small));
    let mut created = 0;
    for &n in &steps {
        eprintln!("== creating topics {created}..{n} ({partitions} partitions each)");
        let start = Instant::now();
        create_topics(&bench.bootstrap, &declared(created..n, partitions, |_| 0))?;
        wait_logs(&bench.bootstrap, &bench.log_dirs)?;
        created = created.max(n);
        let (topics, parts, fds) = cluster_size(&bench.bootstrap, &bench.broker_pids)?;
        eprintln!(
            "   cluster now {topics} topics / {parts} partitions (took {:.1} s){}",
            start.elapsed().as_secs_f64(),
            fds.map(|f| format!(", busiest broker holds {f} open files"))
                .unwrap_or_default()
        );
        wait_quiet(&bench.broker_pids);

        write_topology(
            &work.join(format!("sync-{n}.toml")),
            &declared(0..n, partitions, |_| 0),
        )?;
        write_topology(
            &work.join(format!("drift-{n}.toml")),
            &declared(0..n, partitions, |i| u32::from(i % DRIFT_EVERY == 0)),
        )?;
        bench.plan_scenarios(small, "small.toml", None)?;
        if n == small {
            continue;
        }
        let drift = format!("drift-{n}.toml");
        bench.plan_scenarios(n, &format!("sync-{n}.toml"), Some(&drift))?;
        eprintln!("   phases (in-process, one run) for {n} declared, 1% drifted:");
        bench.phases(&drift)?;
    }

    if apply_count > 0 {
        let n = created;
        apply_scenarios(&mut bench, n, partitions, apply_count)?;
    }

    println!();
    print_table(&bench.rows, &bench.baselines);
    print_apply_ratios(&bench.rows);
    Ok(())
}

/// The apply comparisons, medians against medians: topo's whole apply against the raw
/// workflow (both child processes), and topo's write against the raw requests alone (both
/// in-process, on a connected client).
fn print_apply_ratios(rows: &[Row]) {
    let find = |pred: &dyn Fn(&str) -> bool| {
        rows.iter()
            .find(|r| pred(&r.scenario))
            .map(Row::median_wall)
    };
    let pairs = [
        (
            "topo apply (process, changed topics declared) / raw reads + write + verify (process)",
            find(&|s| s.starts_with("apply: change") && s.ends_with("declared")),
            find(&|s| s.starts_with("raw reads + IncrementalAlterConfigs")),
        ),
        (
            "topo apply (process, whole cluster declared) / raw reads + write + verify (process)",
            find(&|s| s.starts_with("apply: change") && s.ends_with("configs")),
            find(&|s| s.starts_with("raw reads + IncrementalAlterConfigs")),
        ),
        (
            "topo apply write (in-process) / raw IncrementalAlterConfigs requests alone (in-process)",
            find(&|s| s == "topo apply in-process: write (IncrementalAlterConfigs)"),
            find(&|s| s.starts_with("raw IncrementalAlterConfigs requests alone")),
        ),
    ];
    for (what, topo, raw) in pairs {
        if let (Some(t), Some(r)) = (topo, raw) {
            println!("{what}: {} / {} = {:.2}×", fmt_secs(t), fmt_secs(r), t / r);
        }
    }
}

/// `topo apply --auto-approve` creating `count` new topics next to the `n` existing ones,
/// and changing one config on `count` of the existing topics.
fn apply_scenarios(bench: &mut Bench, n: usize, partitions: i32, count: usize) -> Res<()> {
    let topo = bench.topo.clone();
    let args: Vec<String> = [
        "apply",
        "--auto-approve",
        "-f",
        "apply.toml",
        "--bootstrap-servers",
        &bench.bootstrap,
        "--timeout",
        "300s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let path = bench.work.join("apply.toml");

    // Creates: each run declares the existing topics plus `count` new ones; the new ones
    // are deleted again (untimed) before the next run.
    let new_names = |rep: usize| -> Vec<String> {
        (0..count)
            .map(|i| format!("bench-new-r{rep}-{i:05}"))
            .collect()
    };
    let mut previous: Option<Vec<String>> = None;
    eprintln!("== apply: create {count} topics next to {n}");
    let p = path.clone();
    bench.scenario(
        &format!("apply: create {count} topics"),
        n + count,
        &topo,
        &args,
        &[0],
        |b, rep| {
            // The broker creates the previous run's logs in the background; let it finish.
            wait_logs(&b.bootstrap, &b.log_dirs)?;
            if let Some(names) = previous.take() {
                delete_topics(&b.bootstrap, &names)?;
            }
            let mut topics = declared(0..n, partitions, |_| 0);
            let names = new_names(rep);
            topics.extend(names.iter().enumerate().map(|(i, name)| {
                let mut config = topic_config(i, 0);
                // Deleted again right after; do not hold their files for a minute.
                config.push(("file.delete.delay.ms", "1000".to_string()));
                Declared {
                    name: name.clone(),
                    partitions,
                    config,
                }
            }));
            write_topology(&p, &topics)?;
            previous = Some(names);
            Ok(())
        },
    )?;
    wait_logs(&bench.bootstrap, &bench.log_dirs)?;
    if let Some(names) = previous.take() {
        delete_topics(&bench.bootstrap, &names)?;
    }

    // Config changes: `count` topics spread over the cluster flip retention.ms between two
    // values, so every run changes exactly `count` topics.
    let every = (n / count).max(1);
    eprintln!("== apply: change configs on {count} of {n} topics");
    let p = path.clone();
    bench.scenario(
        &format!("apply: change {count} configs"),
        n,
        &topo,
        &args,
        &[0],
        |_, rep| {
            let variant = |i: usize| {
                if i.is_multiple_of(every) && i / every < count {
                    1 + u32::from(rep % 2 == 1)
                } else {
                    0
                }
            };
            write_topology(&p, &declared(0..n, partitions, variant))?;
            Ok(())
        },
    )?;
    // The same `count` changes with a file declaring only the changed topics, next to the
    // same change sent raw: once alone, once with the reads the
    // apply needs around them (metadata and the topics' configs before, the configs again
    // after, to verify).
    let changed: Vec<usize> = (0..n).filter(|i| i % every == 0).take(count).collect();
    let names = bench.work.join("alter-names.txt");
    std::fs::write(
        &names,
        changed
            .iter()
            .map(|&i| topic_name(i))
            .collect::<Vec<_>>()
            .join("\n"),
    )?;
    let variant_of = |rep: usize| 1 + u32::from(rep % 2 == 1);
    let declared_changed = |rep: usize| -> Vec<Declared> {
        changed
            .iter()
            .map(|&i| Declared {
                name: topic_name(i),
                partitions,
                config: topic_config(i, variant_of(rep)),
            })
            .collect()
    };
    let me = bench.me.clone();
    let timing = bench.work.join("alter-timing.txt");
    // Each child's in-process times, by part; `write` is the requests alone.
    let in_process = |text: &str, part: &str| -> Option<Duration> {
        text.lines()
            .find_map(|l| l.strip_prefix(part)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(Duration::from_secs_f64)
    };
    for (label, reads, parts) in [
        (
            "raw IncrementalAlterConfigs, same change (process)",
            "0",
            &[(
                "write",
                "raw IncrementalAlterConfigs requests, connecting included (in-process)",
            )][..],
        ),
        (
            "raw reads + IncrementalAlterConfigs + verify reads (process)",
            "1",
            &[
                (
                    "reads",
                    "raw reads: metadata + DescribeConfigs (in-process)",
                ),
                (
                    "write",
                    "raw IncrementalAlterConfigs requests alone, client connected (in-process)",
                ),
                ("verify", "raw verify reads: DescribeConfigs (in-process)"),
            ][..],
        ),
    ] {
        eprintln!("== {label}");
        let alter_args = |rep: usize| -> Vec<String> {
            let retention = RETENTIONS[0] + i64::from(variant_of(rep)) * 60_000;
            [
                "alter",
                "--bootstrap",
                &bench.bootstrap,
                "--names",
                &names.display().to_string(),
                "--retention-base",
                &retention.to_string(),
                "--reads",
                reads,
                "--timing",
                &timing.display().to_string(),
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        let mut samples = Vec::new();
        let mut part_samples: Vec<Vec<Sample>> = vec![Vec::new(); parts.len()];
        for rep in 0..=bench.reps {
            let _ = std::fs::remove_file(&timing);
            let s = measure(&me, &alter_args(rep), &bench.work, &[0])?;
            let text = std::fs::read_to_string(&timing)?;
            if rep > 0 {
                samples.push(s);
                for ((part, _), out) in parts.iter().zip(&mut part_samples) {
                    let wall = in_process(&text, part)
                        .ok_or_else(|| format!("the alter child reported no {part} time"))?;
                    out.push(Sample {
                        wall,
                        rss_kib: None,
                    });
                }
            }
        }
        let (topics, parts_on_cluster, _) = cluster_size(&bench.bootstrap, &[])?;
        let row = |scenario: &str, samples: Vec<Sample>| Row {
            scenario: scenario.to_string(),
            declared: count,
            cluster_topics: topics,
            cluster_partitions: parts_on_cluster,
            samples,
        };
        let process = row(label, samples);
        eprintln!("  {label}: median {}", fmt_secs(process.median_wall()));
        bench.rows.push(process);
        for ((_, part_label), samples) in parts.iter().zip(part_samples) {
            let r = row(part_label, samples);
            eprintln!("  {part_label}: median {}", fmt_secs(r.median_wall()));
            bench.rows.push(r);
        }
    }
    let p = path.clone();
    bench.scenario(
        &format!("apply: change {count} configs, {count} declared"),
        count,
        &topo,
        &args,
        &[0],
        |_, rep| write_topology(&p, &declared_changed(rep)),
    )?;
    // The same apply in-process through the library, its parts timed apart: the write
    // here is what compares with the raw requests alone above.
    eprintln!("== topo apply in-process, {count} declared, by part");
    let mut by_part: Vec<(String, Vec<Sample>)> = Vec::new();
    for rep in 0..=bench.reps {
        write_topology(&path, &declared_changed(rep))?;
        let parts = bench.apply_phases("apply.toml", count)?;
        if rep == 0 {
            continue;
        }
        for (part, took) in parts {
            let sample = Sample {
                wall: took,
                rss_kib: None,
            };
            match by_part.iter_mut().find(|(p, _)| *p == part) {
                Some((_, samples)) => samples.push(sample),
                None => by_part.push((part, vec![sample])),
            }
        }
    }
    let (topics, parts_on_cluster, _) = cluster_size(&bench.bootstrap, &[])?;
    for (part, samples) in by_part {
        let row = Row {
            scenario: format!("topo apply in-process: {part}"),
            declared: count,
            cluster_topics: topics,
            cluster_partitions: parts_on_cluster,
            samples,
        };
        eprintln!("  {}: median {}", row.scenario, fmt_secs(row.median_wall()));
        bench.rows.push(row);
    }
    // Back to the original configs so a later plan run sees the cluster in sync.
    write_topology(&path, &declared(0..n, partitions, |_| 0))?;
    measure(&topo, &args, &bench.work, &[0])?;
    Ok(())
}

/// Sets `retention.ms` on every topic named in `--names` with IncrementalAlterConfigs,
/// batched as topo batches its config writes (one key per topic here, so 5,000 topics per
/// request, two requests in flight). The value is the topic's benchmark retention shifted
/// as `--retention-base` says: the first topic gets exactly that value, the others their
/// own base plus the same shift, matching the topology topo applies in the same run. With
/// `--reads 1`, also the reads a config-change apply needs: all-topics metadata and the
/// topics' configs first, the configs again after. With `--timing FILE`, writes the
/// in-process time of each part there (`reads`, `write`, `verify`, seconds), `write`
/// running from building the first request to the last answer.
fn alter(args: &[String]) -> Res<()> {
    let opts = options(args)?;
    let bootstrap = opt(&opts, "bootstrap")?;
    let names_text = std::fs::read_to_string(opt(&opts, "names")?)?;
    let names: Vec<String> = names_text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let shift: i64 = opt(&opts, "retention-base")?.parse::<i64>()? - RETENTIONS[0];
    let reads = opt(&opts, "reads")? == "1";
    let timing = opts.get("timing").map(PathBuf::from);
    let rt = runtime()?;
    let admin = admin(bootstrap)?;
    let describe = |admin: &AdminClient<DefaultClientContext>| -> Res<usize> {
        let chunks: Vec<Vec<ResourceSpecifier<'_>>> = names
            .chunks(DESCRIBE_CHUNK)
            .map(|c| c.iter().map(|n| ResourceSpecifier::Topic(n)).collect())
            .collect();
        rt.block_on(async {
            let futures: Vec<_> = chunks
                .iter()
                .map(|c| admin.describe_configs(c, &admin_opts()))
                .collect();
            let mut entries = 0;
            for f in futures {
                for r in f.await? {
                    entries += r.map_err(|e| format!("{e:?}"))?.entries.len();
                }
            }
            Ok(entries)
        })
    };
    let mut times: Vec<(&str, Duration)> = Vec::new();
    if reads {
        let start = Instant::now();
        admin.inner().fetch_metadata(None, TIMEOUT)?;
        describe(&admin)?;
        times.push(("reads", start.elapsed()));
    }
    let changes: Vec<(String, String)> = names
        .iter()
        .map(|name| {
            let i: usize = name
                .strip_prefix("bench-")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            (
                name.clone(),
                (RETENTIONS[i % RETENTIONS.len()] + shift).to_string(),
            )
        })
        .collect();
    let start = Instant::now();
    let confirmed = incremental::set(
        &admin,
        "retention.ms",
        &changes,
        ALTER_RECORDS_PER_REQUEST,
        ALTER_IN_FLIGHT,
        TIMEOUT,
    )?;
    times.push(("write", start.elapsed()));
    if confirmed != changes.len() {
        return Err(format!(
            "the broker answered for {confirmed} of {} topics",
            changes.len()
        )
        .into());
    }
    if reads {
        let start = Instant::now();
        describe(&admin)?;
        times.push(("verify", start.elapsed()));
    }
    if let Some(path) = timing {
        let text: String = times
            .iter()
            .map(|(name, took)| format!("{name} {:.6}\n", took.as_secs_f64()))
            .collect();
        std::fs::write(path, text)?;
    }
    // As topo does: nothing is left for an admin client's shutdown to do.
    std::mem::forget(admin);
    Ok(())
}

/// IncrementalAlterConfigs through librdkafka's C API: rdkafka's safe admin client offers
/// only the legacy AlterConfigs, a different request (every override of a topic restated,
/// the rest reset), so the raw side of the apply comparison could not send what topo
/// sends. Every librdkafka object is owned by a [`Guard`] from creation, so it is
/// destroyed once on every path; pointers read from a result event are used only while
/// the event's guard lives.
mod incremental {
    use std::ffi::{c_char, c_int, CStr, CString};
    use std::time::{Duration, Instant};

    use rdkafka::admin::AdminClient;
    use rdkafka::bindings as rd;
    use rdkafka::client::DefaultClientContext;

    // Error codes read as plain integers: a broker code newer than the bindings' enum
    // must not become an invalid enum value.
    extern "C" {
        fn rd_kafka_event_error(rkev: *mut rd::rd_kafka_event_t) -> c_int;
        fn rd_kafka_ConfigResource_error(config: *const rd::rd_kafka_ConfigResource_t) -> c_int;
    }

    /// Owns one librdkafka object and destroys it on drop.
    struct Guard<T> {
        ptr: *mut T,
        destroy: unsafe extern "C" fn(*mut T),
    }

    impl<T> Guard<T> {
        fn new(
            ptr: *mut T,
            destroy: unsafe extern "C" fn(*mut T),
            what: &str,
        ) -> Result<Self, String> {
            if ptr.is_null() {
                Err(format!("librdkafka did not create the {what}"))
            } else {
                Ok(Guard { ptr, destroy })
            }
        }
    }

    impl<T> Drop for Guard<T> {
        fn drop(&mut self) {
            // SAFETY: `ptr` came non-NULL from the constructor `destroy` belongs to, and
            // this guard is its only owner.
            unsafe { (self.destroy)(self.ptr) }
        }
    }

    /// Copies a C string owned by a live librdkafka object; NULL reads as empty.
    ///
    /// # Safety
    /// `p` must be NULL or a NUL-terminated string valid for the call.
    unsafe fn text(p: *const c_char) -> String {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: guaranteed by the caller.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    }

    fn c_string(s: &str) -> Result<CString, String> {
        CString::new(s).map_err(|_| format!("{s:?} contains a NUL byte"))
    }

    /// Sets `key` to each topic's value with IncrementalAlterConfigs (operation SET),
    /// `per_request` topics per request and at most `in_flight` requests outstanding, and
    /// waits for every answer. Fails on a request-level error, on any topic's error and
    /// when `timeout` passes; returns how many topics the broker confirmed.
    pub(super) fn set(
        admin: &AdminClient<DefaultClientContext>,
        key: &str,
        changes: &[(String, String)],
        per_request: usize,
        in_flight: usize,
        timeout: Duration,
    ) -> Result<usize, String> {
        let deadline = Instant::now() + timeout;
        // The borrow of `admin` keeps the handle alive until this returns.
        let rk = admin.inner().native_ptr();
        // SAFETY: `rk` is a live client handle.
        let queue = Guard::new(
            unsafe { rd::rd_kafka_queue_new(rk) },
            rd::rd_kafka_queue_destroy,
            "result queue",
        )?;
        let key = c_string(key)?;
        let mut batches = changes.chunks(per_request.max(1));
        let (mut pending, mut confirmed) = (0usize, 0usize);
        let mut errors = Vec::new();
        loop {
            while pending < in_flight.max(1) {
                let Some(batch) = batches.next() else { break };
                send(rk, queue.ptr, &key, batch, timeout)?;
                pending += 1;
            }
            if pending == 0 {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("no answer within {timeout:?}"));
            }
            let wait_ms = c_int::try_from(left.as_millis().max(1)).unwrap_or(c_int::MAX);
            // SAFETY: the queue is live; an event it returns is ours and guarded at once.
            let raw = unsafe { rd::rd_kafka_queue_poll(queue.ptr, wait_ms) };
            if raw.is_null() {
                continue;
            }
            let event = Guard::new(raw, rd::rd_kafka_event_destroy, "event")?;
            // SAFETY: the event is live.
            if unsafe { rd::rd_kafka_event_type(event.ptr) }
                != rd::RD_KAFKA_EVENT_INCREMENTALALTERCONFIGS_RESULT
            {
                continue;
            }
            pending -= 1;
            // SAFETY: the event is live; its error string is owned by it and copied.
            let (code, message) = unsafe {
                (
                    rd_kafka_event_error(event.ptr),
                    text(rd::rd_kafka_event_error_string(event.ptr)),
                )
            };
            if code != 0 {
                return Err(format!(
                    "IncrementalAlterConfigs failed: {message} (code {code})"
                ));
            }
            // SAFETY: the event is live and of the IncrementalAlterConfigs result type.
            let result = unsafe { rd::rd_kafka_event_IncrementalAlterConfigs_result(event.ptr) };
            if result.is_null() {
                return Err("IncrementalAlterConfigs: the event carried no result".into());
            }
            let mut cnt = 0usize;
            // SAFETY: `result` belongs to the live event; `cnt` is a valid out pointer.
            let array =
                unsafe { rd::rd_kafka_IncrementalAlterConfigs_result_resources(result, &mut cnt) };
            if array.is_null() {
                continue;
            }
            for i in 0..cnt {
                // SAFETY: librdkafka returned `cnt` live resource pointers owned by the
                // event, which outlives this loop; their strings are copied at once.
                let (name, code, message) = unsafe {
                    let resource = *array.add(i);
                    (
                        text(rd::rd_kafka_ConfigResource_name(resource)),
                        rd_kafka_ConfigResource_error(resource),
                        text(rd::rd_kafka_ConfigResource_error_string(resource)),
                    )
                };
                if code == 0 {
                    confirmed += 1;
                } else {
                    errors.push(format!("{name}: {message} (code {code})"));
                }
            }
        }
        if errors.is_empty() {
            Ok(confirmed)
        } else {
            Err(format!(
                "IncrementalAlterConfigs refused {} topic(s), first: {}",
                errors.len(),
                errors[0]
            ))
        }
    }

    /// Enqueues one IncrementalAlterConfigs request for `batch` on `queue`. librdkafka
    /// copies the request objects and the options on enqueue, so the guards may drop
    /// when this returns.
    fn send(
        rk: *mut rd::rd_kafka_t,
        queue: *mut rd::rd_kafka_queue_t,
        key: &CStr,
        batch: &[(String, String)],
        timeout: Duration,
    ) -> Result<(), String> {
        let mut resources = Vec::with_capacity(batch.len());
        for (topic, value) in batch {
            let name = c_string(topic)?;
            let value = c_string(value)?;
            // SAFETY: `name` is NUL-terminated and copied by librdkafka.
            let resource = Guard::new(
                unsafe {
                    rd::rd_kafka_ConfigResource_new(
                        rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_TOPIC,
                        name.as_ptr(),
                    )
                },
                rd::rd_kafka_ConfigResource_destroy,
                "config resource",
            )?;
            // SAFETY: the resource is live and ours; key and value are NUL-terminated
            // strings that librdkafka copies.
            let error = unsafe {
                rd::rd_kafka_ConfigResource_add_incremental_config(
                    resource.ptr,
                    key.as_ptr(),
                    rd::rd_kafka_AlterConfigOpType_t::RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET,
                    value.as_ptr(),
                )
            };
            if !error.is_null() {
                let error = Guard::new(error, rd::rd_kafka_error_destroy, "error")?;
                // SAFETY: the error is live; its string is copied at once.
                let message = unsafe { text(rd::rd_kafka_error_string(error.ptr)) };
                return Err(format!("{topic}: {message}"));
            }
            resources.push(resource);
        }
        // SAFETY: `rk` is live (the caller borrows its client).
        let options = Guard::new(
            unsafe {
                rd::rd_kafka_AdminOptions_new(
                    rk,
                    rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS,
                )
            },
            rd::rd_kafka_AdminOptions_destroy,
            "admin options",
        )?;
        let mut errbuf = [0 as c_char; 512];
        let timeout_ms = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
        // SAFETY: the options are live and `errbuf` is writable for its length.
        let err = unsafe {
            rd::rd_kafka_AdminOptions_set_request_timeout(
                options.ptr,
                timeout_ms,
                errbuf.as_mut_ptr(),
                errbuf.len(),
            )
        };
        if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
            // SAFETY: librdkafka wrote a NUL-terminated message into the zeroed buffer.
            return Err(unsafe { text(errbuf.as_ptr()) });
        }
        let mut raw: Vec<*mut rd::rd_kafka_ConfigResource_t> =
            resources.iter().map(|r| r.ptr).collect();
        // SAFETY: `rk`, the options and `queue` are live; `raw` holds `len` live resources
        // owned by `resources`, which outlives the call.
        unsafe {
            rd::rd_kafka_IncrementalAlterConfigs(
                rk,
                raw.as_mut_ptr(),
                raw.len(),
                options.ptr,
                queue,
            );
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// The raw-call baseline
// ---------------------------------------------------------------------------------------

/// One all-topics metadata request, then DescribeConfigs of the named topics that exist,
/// in chunks of `DESCRIBE_CHUNK`, spread round robin over the brokers as topo spreads
/// them, all in flight at once: what topo's read asks the broker, without diffing or
/// rendering, and without the client's shutdown.
fn baseline(args: &[String]) -> Res<()> {
    let opts = options(args)?;
    let bootstrap = opt(&opts, "bootstrap")?;
    let names_text = std::fs::read_to_string(opt(&opts, "names")?)?;
    let wanted: BTreeSet<&str> = names_text.lines().filter(|l| !l.is_empty()).collect();
    let rt = runtime()?;
    let admin = admin(bootstrap)?;
    let md = admin.inner().fetch_metadata(None, TIMEOUT)?;
    let present: Vec<String> = md
        .topics()
        .iter()
        .filter(|t| t.error().is_none() && wanted.contains(t.name()))
        .map(|t| t.name().to_string())
        .collect();
    let partitions: usize = md.topics().iter().map(|t| t.partitions().len()).sum();
    let brokers: Vec<i32> = md.brokers().iter().map(|b| b.id()).collect();
    drop(md);
    let chunks: Vec<Vec<ResourceSpecifier<'_>>> = present
        .chunks(DESCRIBE_CHUNK)
        .map(|c| c.iter().map(|n| ResourceSpecifier::Topic(n)).collect())
        .collect();
    let entries = rt.block_on(async {
        // All requests are in flight before the first is awaited.
        let futures: Vec<_> = chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut opts = admin_opts();
                if brokers.len() > 1 {
                    opts = opts.broker_id(brokers[i % brokers.len()]);
                }
                admin.describe_configs(c, &opts)
            })
            .collect();
        let mut entries = 0usize;
        for f in futures {
            for r in f.await? {
                entries += r.map_err(|e| format!("{e:?}"))?.entries.len();
            }
        }
        Ok::<usize, Box<dyn Error>>(entries)
    })?;
    println!(
        "{} topics described, {entries} config entries, {partitions} partitions",
        present.len()
    );
    // Exits without the client's orderly shutdown, as topo does (see
    // `Connection::leave`), so both sides time the reads, not the shutdown.
    std::mem::forget(admin);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Where topo's time and memory go
// ---------------------------------------------------------------------------------------

/// Resident and peak resident set of this process, in KiB, from /proc/self/status.
fn rss_now() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

extern "C" {
    /// glibc: returns freed heap memory to the system.
    fn malloc_trim(pad: usize) -> i32;
}

/// Resets this process's peak RSS (VmHWM) to its current RSS.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn trim_heap() {
    // SAFETY: malloc_trim only releases free memory held by the allocator.
    unsafe {
        malloc_trim(0);
    }
}

/// The first three steps of a plan in-process, as `topo plan` takes them (load the
/// topology, connect, read what the plan needs), calling `step` after each with its label.
fn load_connect_read(
    file: &Path,
    bootstrap: String,
    rt: &tokio::runtime::Runtime,
    read_label: &'static str,
    mut step: impl FnMut(&'static str),
) -> Res<(
    topo::model::DesiredState,
    topo::cluster::Connection,
    topo::model::LiveState,
)> {
    let desired = topo::commands::session::load_topology(file)?;
    step("load + validate topology");
    let cluster = topo::cli::ClusterArgs {
        bootstrap_servers: Some(bootstrap),
        timeout: TIMEOUT,
    };
    let conn = topo::cluster::Connection::connect(topo::commands::session::settings(
        Some(&desired),
        &cluster,
    ))?;
    step("connect (client + probe metadata)");
    let scope = topo::diff::scope_of(&desired, &desired.policy);
    let request = topo::commands::session::read_request(&desired, &scope);
    let live = rt.block_on(conn.read(&request))?;
    step(read_label);
    Ok((desired, conn, live))
}

/// Runs topo's plan pipeline in-process, step by step, the way `topo plan` does it. Per
/// step: wall time, RSS at its end, its own peak (each step starts from a trimmed heap with
/// the peak reset), and RSS after `malloc_trim` (roughly what stays live). Trimming between
/// steps makes the process leaner than a real `topo plan`; the columns attribute memory,
/// the child-process figures are the ones to quote.
fn phases(args: &[String]) -> Res<()> {
    let opts = options(args)?;
    let bootstrap = opt(&opts, "bootstrap")?.to_string();
    let file = PathBuf::from(opt(&opts, "file")?);
    let rt = runtime()?;
    // What one all-topics metadata request costs on its own: a warm, separate client.
    let metadata_cost = {
        let client = admin(&bootstrap)?;
        client.inner().fetch_metadata(None, TIMEOUT)?;
        let start = Instant::now();
        client.inner().fetch_metadata(None, TIMEOUT)?;
        start.elapsed()
    };
    trim_heap();
    reset_peak();
    let mut lines: Vec<(String, Duration, (u64, u64), u64)> = Vec::new();
    let mut mark = Instant::now();
    let mut step = |name: &str, lines: &mut Vec<(String, Duration, (u64, u64), u64)>| {
        let took = mark.elapsed();
        let rss = rss_now();
        // What is still live, as opposed to freed but kept by the allocator; then the next
        // step's peak is measured from there.
        trim_heap();
        lines.push((name.to_string(), took, rss, rss_now().0));
        reset_peak();
        mark = Instant::now();
    };
    step("start", &mut lines);
    let (desired, conn, live) = load_connect_read(
        &file,
        bootstrap,
        &rt,
        "read (metadata + DescribeConfigs + groups)",
        |name| step(name, &mut lines),
    )?;
    let ctx = topo::diff::DiffContext {
        topology: file.display().to_string(),
        sample_keys: BTreeMap::new(),
    };
    let plan = topo::diff::diff(&desired, &live, &desired.policy, &ctx);
    step("diff (incl. fingerprint)", &mut lines);
    let json = topo::render::json(&plan);
    step("render json", &mut lines);
    let human = topo::render::human(
        &plan,
        &topo::render::HumanOptions {
            color: false,
            next_step: true,
        },
    );
    step("render human", &mut lines);
    drop(conn);
    step("close client", &mut lines);
    let entries: usize = live
        .topics
        .values()
        .filter_map(|t| t.config.as_ref())
        .map(BTreeMap::len)
        .sum();
    let described = live.topics.values().filter(|t| t.config.is_some()).count();
    let mib = |kib: u64| kib as f64 / 1024.0;
    for (name, took, (rss, hwm), live) in &lines {
        println!(
            "     {name:<44} {:>9}   RSS {:>6.1} MiB, step peak {:>6.1} MiB, after malloc_trim {:>6.1} MiB",
            fmt_secs(took.as_secs_f64()),
            mib(*rss),
            mib(*hwm),
            mib(*live)
        );
    }
    println!(
        "     one all-topics metadata request alone (warm client): {}",
        fmt_secs(metadata_cost.as_secs_f64())
    );
    println!(
        "     live config entries held: {entries} for {described} topics ({:.1} per topic); plan: {} actions, json {} KiB, human {} KiB",
        entries as f64 / described.max(1) as f64,
        plan.actions.len(),
        json.len() / 1024,
        human.len() / 1024
    );
    Ok(())
}

/// Runs topo's config-change apply in-process through the library, the way
/// `topo apply --auto-approve` does it, and prints each part's wall time (`part<TAB>seconds`):
/// load, connect, read, diff and render the plan, the write, the verification read, and
/// the total. The apply executor is not public, so the write is its configs phase's one
/// call, `Connection::alter_configs`, after the same checks (no refusal, nothing the guard
/// forbids); with `--auto-approve` the executor re-reads nothing before its first phase,
/// so for a configs-only plan that call is the whole write. The verification reads what
/// topo's does (the changed topics, the keys set) until every value shows. Fails unless
/// the plan changes exactly `--expect` topics' configs and nothing else.
fn apply_phases(args: &[String]) -> Res<()> {
    use topo::plan::Op;

    let opts = options(args)?;
    let bootstrap = opt(&opts, "bootstrap")?.to_string();
    let file = PathBuf::from(opt(&opts, "file")?);
    let expect: usize = opt(&opts, "expect")?.parse()?;
    let rt = runtime()?;
    let total = Instant::now();
    let mut parts: Vec<(&str, Duration)> = Vec::new();
    let mut mark = Instant::now();
    let mut lap = |name: &'static str, parts: &mut Vec<(&str, Duration)>| {
        parts.push((name, mark.elapsed()));
        mark = Instant::now();
    };
    let (desired, conn, live) = load_connect_read(
        &file,
        bootstrap,
        &rt,
        "read (metadata + DescribeConfigs)",
        |name| lap(name, &mut parts),
    )?;
    let ctx = topo::diff::DiffContext {
        topology: file.display().to_string(),
        sample_keys: BTreeMap::new(),
    };
    let plan = topo::diff::diff(&desired, &live, &desired.policy, &ctx);
    let shown = topo::render::human(
        &plan,
        &topo::render::HumanOptions {
            color: false,
            next_step: false,
        },
    );
    lap("diff + render the plan", &mut parts);
    drop(live);
    if !plan.refused.is_empty() {
        return Err(format!("the plan has {} refusal(s)", plan.refused.len()).into());
    }
    let forbidden = topo::apply::guard::violations(&plan);
    if !forbidden.is_empty() {
        return Err(format!("the guard forbids: {}", forbidden.join("; ")).into());
    }
    let mut changes = Vec::new();
    for action in &plan.actions {
        match &action.op {
            Op::AlterConfigs { set, delete } => {
                changes.push((action.resource.name.clone(), set.clone(), delete.clone()))
            }
            other => return Err(format!("unexpected action {other:?}").into()),
        }
    }
    if changes.len() != expect {
        return Err(format!(
            "the plan changes {} topics' configs, not {expect}",
            changes.len()
        )
        .into());
    }
    // Inside the runtime, as the executor calls it: the call blocks in place.
    let results = rt.block_on(async { conn.alter_configs(&changes, false) })?;
    lap("write (IncrementalAlterConfigs)", &mut parts);
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {e}")))
        .collect();
    if !failed.is_empty() || results.len() != changes.len() {
        return Err(format!(
            "{} of {} changes confirmed; failures: {}",
            results.len() - failed.len(),
            changes.len(),
            failed.join("; ")
        )
        .into());
    }
    let verify = topo::cluster::ReadRequest {
        topics: changes.iter().map(|(t, _, _)| t.clone()).collect(),
        config_keys: Some(
            changes
                .iter()
                .flat_map(|(_, set, delete)| set.keys().chain(delete.iter()).cloned())
                .collect(),
        ),
        ..Default::default()
    };
    let deadline = Instant::now() + TIMEOUT;
    let mut verify_reads = 0;
    loop {
        let live = rt.block_on(conn.read(&verify))?;
        verify_reads += 1;
        let pending = changes
            .iter()
            .filter(|(topic, set, _)| {
                let config = live.topics.get(topic).and_then(|t| t.config.as_ref());
                set.iter().any(|(k, v)| {
                    config.and_then(|c| c.get(k)).and_then(|e| e.value.as_ref()) != Some(v)
                })
            })
            .count();
        if pending == 0 {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("{pending} changes still not visible after {TIMEOUT:?}").into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    lap("verify read", &mut parts);
    parts.push(("total", total.elapsed()));
    // As `topo apply` ends: without the client's shutdown.
    std::mem::forget(conn);
    for (name, took) in &parts {
        println!("{name}\t{:.6}", took.as_secs_f64());
    }
    eprintln!(
        "{} actions, plan text {} KiB, {verify_reads} verification read(s)",
        plan.actions.len(),
        shown.len() / 1024
    );
    Ok(())
}
