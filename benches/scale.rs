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
//! - `alter`: the config change of a config-change apply sent raw (one AlterConfigs request
//!   per 5,000 topics), as a child process, optionally with the reads such an apply needs.
//! - `phases`: topo's own plan pipeline in-process through the library, timing each phase
//!   and sampling RSS after each, to attribute time and memory.

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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("baseline") => baseline(&args[1..]),
        Some("phases") => phases(&args[1..]),
        Some("alter") => alter(&args[1..]),
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
    Ok(())
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
    for (label, reads) in [
        ("raw AlterConfigs, same change", "0"),
        ("raw reads + AlterConfigs + verify reads", "1"),
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
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        let mut samples = Vec::new();
        for rep in 0..=bench.reps {
            let s = measure(&me, &alter_args(rep), &bench.work, &[0])?;
            if rep > 0 {
                samples.push(s);
            }
        }
        let (topics, parts, _) = cluster_size(&bench.bootstrap, &[])?;
        bench.rows.push(Row {
            scenario: label.to_string(),
            declared: count,
            cluster_topics: topics,
            cluster_partitions: parts,
            samples,
        });
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
    // Back to the original configs so a later plan run sees the cluster in sync.
    write_topology(&path, &declared(0..n, partitions, |_| 0))?;
    measure(&topo, &args, &bench.work, &[0])?;
    Ok(())
}

/// Sets `retention.ms` on every topic named in `--names` in one request per 5,000 topics,
/// as topo sends it (one key per topic here). The value is
/// the topic's benchmark retention shifted as `--retention-base` says: the first topic
/// gets exactly that value, the others their own base plus the same shift, matching the
/// topology topo applies in the same run. With `--reads 1`, also the reads a config-change
/// apply needs: all-topics metadata and the topics' configs first, the configs again after.
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
    if reads {
        admin.inner().fetch_metadata(None, TIMEOUT)?;
        describe(&admin)?;
    }
    // The client's plain API has no IncrementalAlterConfigs: the same change as one
    // AlterConfigs request naming each topic's full set of overrides (what the legacy call
    // needs so nothing else is reset), for up to 5,000 topics per request as topo sends.
    let configs: Vec<(String, Vec<(&'static str, String)>)> = names
        .iter()
        .map(|name| {
            let i: usize = name
                .strip_prefix("bench-")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let mut config = topic_config(i, 0);
            for (k, v) in &mut config {
                if *k == "retention.ms" {
                    *v = (RETENTIONS[i % RETENTIONS.len()] + shift).to_string();
                }
            }
            (name.clone(), config)
        })
        .collect();
    for batch in configs.chunks(5_000) {
        let alters: Vec<rdkafka::admin::AlterConfig<'_>> = batch
            .iter()
            .map(|(name, config)| {
                config.iter().fold(
                    rdkafka::admin::AlterConfig::new(ResourceSpecifier::Topic(name)),
                    |a, (k, v)| a.set(k, v),
                )
            })
            .collect();
        for r in rt.block_on(admin.alter_configs(&alters, &admin_opts()))? {
            r.map_err(|(res, code)| format!("{res:?}: {code:?}"))?;
        }
    }
    if reads {
        describe(&admin)?;
    }
    // As topo does: nothing is left for an admin client's shutdown to do.
    std::mem::forget(admin);
    Ok(())
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
    let desired = topo::commands::session::load_topology(&file)?;
    step("load + validate topology", &mut lines);
    let cluster = topo::cli::ClusterArgs {
        bootstrap_servers: Some(bootstrap),
        timeout: TIMEOUT,
    };
    let conn = topo::cluster::Connection::connect(topo::commands::session::settings(
        Some(&desired),
        &cluster,
    ))?;
    step("connect (client + probe metadata)", &mut lines);
    let scope = topo::diff::scope_of(&desired, &desired.policy);
    let request = topo::commands::session::read_request(&desired, &scope);
    let live = rt.block_on(conn.read(&request))?;
    step("read (metadata + DescribeConfigs + groups)", &mut lines);
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
