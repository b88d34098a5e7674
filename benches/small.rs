//! Small-plan benchmark: the pull-request check path. Times `topo plan` of the repository's
//! seed topology (2 topics, 2 groups) and of a one-topic file against a loopback broker,
//! next to a raw-call baseline doing the same reads through rdkafka directly, and
//! `topo validate` (no cluster at all), all in the same run with the runs interleaved, so
//! a burst of load on the machine hits every row alike. Then breaks one plan down into its
//! phases in-process.
//!
//! Not part of the test suite: `benches/run` (series `small`) builds it in release, starts
//! a broker for it and stops it. Run without arguments it only prints how to run it, so
//! `cargo test --all-targets` stays quick and needs no broker.
//!
//! Modes (the first argument):
//! - `run`: the benchmark itself.
//! - `baseline`: one raw-call read, as a child process so it is timed exactly like topo.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::TopicPartitionList;

type Res<T> = Result<T, Box<dyn Error>>;

const TIMEOUT: Duration = Duration::from_secs(30);
/// The one-topic file's topic.
const ONE: &str = "bench-small-one";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("baseline") => baseline(&args[1..]),
        _ => {
            println!("small: run it through benches/run (BENCH_SERIES=small)");
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("small: error: {e}");
        std::process::exit(1);
    }
}

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

/// The baseline's clients get the connection settings topo sets by default (no sparse
/// connections, a short `reconnect.backoff.ms`; see `cluster::quick_first_connection`):
/// without them they would wait up to 50 ms for their second connection, and the ratio
/// would measure those settings rather than topo's own work.
fn admin(bootstrap: &str) -> Res<AdminClient<DefaultClientContext>> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("log_level", "3")
        .set("enable.sparse.connections", "false")
        .set("reconnect.backoff.ms", "20")
        .create()?)
}

/// Wall time of one run of `program args` in `dir`, output discarded; fails unless it
/// exits with one of `ok`.
fn measure(program: &Path, args: &[String], dir: &Path, ok: &[i32]) -> Res<Duration> {
    let start = Instant::now();
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    let wall = start.elapsed();
    let code = out.status.code().unwrap_or(-1);
    if !ok.contains(&code) {
        return Err(format!(
            "{} {} exited {code}: {}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(wall)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn ms(d: f64) -> String {
    format!("{:.1} ms", d * 1000.0)
}

struct Scenario {
    label: &'static str,
    program: PathBuf,
    args: Vec<String>,
    /// Index of the baseline row this one is compared with.
    baseline: Option<usize>,
    walls: Vec<f64>,
}

fn run(args: &[String]) -> Res<()> {
    let opts = options(args)?;
    let bootstrap = opt(&opts, "bootstrap")?.to_string();
    let topo = std::fs::canonicalize(opt(&opts, "topo")?)?;
    let seed = std::fs::canonicalize(opt(&opts, "seed")?)?;
    let work = PathBuf::from(opt(&opts, "work")?);
    let reps: usize = opts.get("reps").map_or(Ok(15), |s| s.parse())?;
    std::fs::create_dir_all(&work)?;
    std::fs::copy(&seed, work.join("seed.toml"))?;
    std::fs::write(
        work.join("one.toml"),
        format!(
            "[topics.\"{ONE}\"]\npartitions = 3\nreplication_factor = 1\nconfig = {{ \"retention.ms\" = \"7d\" }}\n"
        ),
    )?;
    let me = std::env::current_exe()?;
    let topo_args = |cmd: &[&str], file: &str| -> Vec<String> {
        cmd.iter()
            .map(|s| s.to_string())
            .chain(["-f".into(), file.into()])
            .chain(["--bootstrap-servers".into(), bootstrap.clone()])
            .collect()
    };
    // Both files in sync with the cluster first (untimed): a plan then reads and diffs
    // everything and has nothing to change, the PR check's common case.
    for file in ["seed.toml", "one.toml"] {
        measure(
            &topo,
            &topo_args(&["apply", "--auto-approve"], file),
            &work,
            &[0],
        )?;
    }
    let seed_groups = "ingestion-events-extraction-workers:ingestion-events,\
                       ingestion-events-dlq-processor:ingestion-events-dlq";
    let baseline_args = |topics: &str, groups: &str| -> Vec<String> {
        ["baseline", "--bootstrap", &bootstrap, "--topics", topics]
            .iter()
            .map(|s| s.to_string())
            .chain(
                (!groups.is_empty())
                    .then(|| ["--groups".to_string(), groups.to_string()])
                    .into_iter()
                    .flatten(),
            )
            .collect()
    };
    let mut rows = [
        Scenario {
            label: "topo validate, seed (no cluster)",
            program: topo.clone(),
            args: vec!["validate".into(), "-f".into(), "seed.toml".into()],
            baseline: None,
            walls: Vec::new(),
        },
        Scenario {
            label: "baseline: raw reads of the 1-topic plan",
            program: me.clone(),
            args: baseline_args(ONE, ""),
            baseline: None,
            walls: Vec::new(),
        },
        Scenario {
            label: "topo plan, 1 topic",
            program: topo.clone(),
            args: topo_args(&["plan", "--detailed-exitcode"], "one.toml"),
            baseline: Some(1),
            walls: Vec::new(),
        },
        Scenario {
            label: "baseline: raw reads of the seed plan",
            program: me.clone(),
            args: baseline_args("ingestion-events,ingestion-events-dlq", seed_groups),
            baseline: None,
            walls: Vec::new(),
        },
        Scenario {
            label: "topo plan, seed (2 topics, 2 groups)",
            program: topo.clone(),
            args: topo_args(&["plan", "--detailed-exitcode"], "seed.toml"),
            baseline: Some(3),
            walls: Vec::new(),
        },
    ];
    // One untimed warm-up round, then `reps` rounds; each round starts at a different row
    // so no row always runs right after the same other one.
    let n = rows.len();
    for round in 0..=reps {
        for k in 0..n {
            let row = &mut rows[(round + k) % n];
            let wall = measure(&row.program, &row.args, &work, &[0])?;
            if round > 0 {
                row.walls.push(wall.as_secs_f64());
            }
        }
    }
    let medians: Vec<f64> = rows.iter_mut().map(|r| median(&mut r.walls)).collect();
    println!("| scenario | wall median | min–max | vs baseline |");
    println!("|---|---|---|---|");
    for (i, r) in rows.iter().enumerate() {
        let ratio = r
            .baseline
            .map(|b| format!("{:.2}×", medians[i] / medians[b]))
            .unwrap_or_default();
        println!(
            "| {} | {} | {}–{} | {ratio} |",
            r.label,
            ms(medians[i]),
            ms(r.walls.first().copied().unwrap_or(f64::NAN)),
            ms(r.walls.last().copied().unwrap_or(f64::NAN)),
        );
    }
    println!();
    println!("phases of `topo plan`, in-process, median of {reps} runs each:");
    for file in ["one.toml", "seed.toml"] {
        phases(&work.join(file), &bootstrap, reps)?;
    }
    Ok(())
}

/// topo's plan pipeline through the library, step by step as `topo plan` runs it, `reps`
/// times on a fresh client each; prints the median of every step.
fn phases(file: &Path, bootstrap: &str, reps: usize) -> Res<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let names = [
        "runtime (2 workers)",
        "load + validate topology",
        "connect (client + metadata)",
        "read (configs, groups, offsets)",
        "diff + render",
        "orderly client shutdown (skipped by topo)",
    ];
    let mut steps: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for _ in 0..reps {
        let mut mark = Instant::now();
        let mut lap = |i: usize, steps: &mut Vec<Vec<f64>>| {
            steps[i].push(mark.elapsed().as_secs_f64());
            mark = Instant::now();
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        drop(runtime);
        lap(0, &mut steps);
        let desired = topo::commands::session::load_topology(file)?;
        lap(1, &mut steps);
        let cluster = topo::cli::ClusterArgs {
            bootstrap_servers: Some(bootstrap.to_string()),
            timeout: TIMEOUT,
        };
        let conn = topo::cluster::Connection::connect(topo::commands::session::settings(
            Some(&desired),
            &cluster,
        ))?;
        lap(2, &mut steps);
        let scope = topo::diff::scope_of(&desired, &desired.policy);
        let live =
            rt.block_on(conn.read(&topo::commands::session::read_request(&desired, &scope)))?;
        lap(3, &mut steps);
        let ctx = topo::diff::DiffContext {
            topology: file.display().to_string(),
            sample_keys: BTreeMap::new(),
        };
        let plan = topo::diff::diff(&desired, &live, &desired.policy, &ctx);
        let text = topo::render::human(
            &plan,
            &topo::render::HumanOptions {
                color: false,
                next_step: true,
            },
        );
        std::hint::black_box(text);
        lap(4, &mut steps);
        drop(conn);
        lap(5, &mut steps);
    }
    println!(
        "  {}:",
        file.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    );
    for (name, mut v) in names.iter().zip(steps) {
        println!("    {name:<44} {:>9}", ms(median(&mut v)));
    }
    Ok(())
}

/// The reads a plan of `--topics` and `--groups` (`group:topic,...`) needs, through the
/// Kafka client's plain API: all-topics metadata, then at once the topics' configs, the
/// group listing with descriptions, each group's commits (through a client of that group:
/// the plain API has no admin call for them) and both log ends of every partition of the
/// groups' topics. Exits without the clients' orderly shutdown, as topo does, so both
/// sides time the reads.
fn baseline(args: &[String]) -> Res<()> {
    let opts = options(args)?;
    let bootstrap = opt(&opts, "bootstrap")?;
    let topics: Vec<String> = opt(&opts, "topics")?
        .split(',')
        .map(str::to_string)
        .collect();
    let groups: BTreeMap<String, String> = opts
        .get("groups")
        .map(|g| {
            g.split(',')
                .filter_map(|pair| pair.split_once(':'))
                .map(|(g, t)| (g.to_string(), t.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let admin = admin(bootstrap)?;
    let md = admin.inner().fetch_metadata(None, TIMEOUT)?;
    let partitions: BTreeMap<String, i32> = md
        .topics()
        .iter()
        .map(|t| (t.name().to_string(), t.partitions().len() as i32))
        .collect();
    drop(md);
    let parts: Vec<(String, i32)> = groups
        .values()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .flat_map(|t| (0..partitions.get(t).copied().unwrap_or(0)).map(move |p| (t.clone(), p)))
        .collect();
    let partitions = &partitions;
    let entries = std::thread::scope(|s| -> Res<usize> {
        // The client's plain API: the group listing with descriptions in one call, each
        // group's commits through a client of that group, both log ends per partition.
        let mut reads: Vec<std::thread::ScopedJoinHandle<'_, Result<(), String>>> = Vec::new();
        if !groups.is_empty() {
            let admin = &admin;
            reads.push(s.spawn(move || {
                admin
                    .inner()
                    .fetch_group_list(None, TIMEOUT)
                    .map_err(|e| e.to_string())?;
                Ok(())
            }));
            for (t, p) in &parts {
                reads.push(s.spawn(move || {
                    admin
                        .inner()
                        .fetch_watermarks(t, *p, TIMEOUT)
                        .map_err(|e| e.to_string())?;
                    Ok(())
                }));
            }
            for (group, topic) in &groups {
                let partitions = partitions.get(topic).copied().unwrap_or(0);
                reads.push(s.spawn(move || {
                    let consumer: BaseConsumer = ClientConfig::new()
                        .set("bootstrap.servers", bootstrap)
                        .set("group.id", group)
                        .set("enable.auto.commit", "false")
                        .set("log_level", "3")
                        .set("enable.sparse.connections", "false")
                        .set("reconnect.backoff.ms", "20")
                        .create()
                        .map_err(|e| e.to_string())?;
                    let mut list = TopicPartitionList::new();
                    for p in 0..partitions {
                        list.add_partition(topic, p);
                    }
                    consumer
                        .committed_offsets(list, TIMEOUT)
                        .map_err(|e| e.to_string())?;
                    std::mem::forget(consumer);
                    Ok(())
                }));
            }
        }
        let resources: Vec<ResourceSpecifier<'_>> =
            topics.iter().map(|t| ResourceSpecifier::Topic(t)).collect();
        let opts = AdminOptions::new().request_timeout(Some(TIMEOUT));
        let described = rt.block_on(admin.describe_configs(&resources, &opts))?;
        let mut entries = 0;
        for r in described {
            entries += r.map_err(|e| format!("{e:?}"))?.entries.len();
        }
        for h in reads {
            h.join().map_err(|_| "a read thread panicked")??;
        }
        Ok(entries)
    })?;
    println!("{} topics, {entries} config entries", topics.len());
    // As topo does: nothing is left for an admin client's shutdown to do.
    std::mem::forget(admin);
    Ok(())
}
