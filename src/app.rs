//! The thin shell: turns parsed command-line values into reads, pure computations and
//! writes, and owns every bit of terminal IO (printing, prompting, progress).
//!
//! Nothing here decides what a plan contains or how it looks; it wires `spec`, `cluster`,
//! `diff`, `render` and `apply` together and returns a `Status` or an `Error` for
//! `error::exit_code` to judge.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::apply::{self, Outcome, Reporter};
use crate::cli::{ClusterArgs, Command, FileArgs, Format};
use crate::cluster::{self, Connection, ReadRequest};
use crate::diff::{self, DiffContext};
use crate::error::{Error, Status};
use crate::model::DesiredState;
use crate::plan::{Action, Plan, Scope};
use crate::{render, spec};

/// The seed's default: the local broker's external port.
pub const DEFAULT_BOOTSTRAP: &str = "localhost:19092";

pub async fn run(command: Command) -> Result<Status, Error> {
    match command {
        Command::Plan {
            file,
            cluster,
            format,
            summary,
            out,
            detailed_exitcode,
            validate,
        } => {
            let opts = PlanOpts {
                format,
                summary,
                out,
                detailed_exitcode,
                validate,
            };
            plan_command(&file, &cluster, &opts).await
        }
        Command::Apply {
            plan: Some(path),
            file,
            cluster,
            auto_approve,
        } => apply_saved(&path, &file, &cluster, auto_approve).await,
        Command::Apply {
            plan: None,
            file,
            cluster,
            auto_approve,
        } => apply_command(&file, &cluster, auto_approve).await,
        Command::Validate { file } => {
            let loaded = load_topology(&file.file)?;
            let plural = |n: usize, one: &str, many: &str| {
                format!("{n} {}", if n == 1 { one } else { many })
            };
            println!(
                "{}: valid ({}, {})",
                file.file.display(),
                plural(loaded.topics.len(), "topic", "topics"),
                plural(loaded.groups.len(), "group", "groups")
            );
            Ok(Status::Clean)
        }
        Command::Schema => {
            println!("{}", spec::json_schema());
            Ok(Status::Clean)
        }
        Command::Completions { shell } => {
            print!("{}", crate::cli::completions(shell));
            Ok(Status::Clean)
        }
        Command::Partition {
            key,
            topic,
            partitions,
            partitioner,
            all,
            keys,
            to,
            file,
            cluster,
        } => {
            let args = crate::tenancy::PartitionArgs {
                key,
                topic,
                partitions,
                partitioner: partitioner.map(crate::cli::to_partitioner),
                all,
                keys,
                to,
            };
            crate::tenancy::partition_command(&args, &file, &cluster).await
        }
        Command::Status { file, cluster } => crate::tenancy::status_command(&file, &cluster).await,
        Command::Import {
            cluster,
            file,
            include,
            exclude,
            output,
        } => {
            let desired = file.as_deref().map(load_topology).transpose()?;
            let settings = settings(desired.as_ref(), &cluster);
            crate::import::import_command(settings, &include, &exclude, output.as_deref()).await
        }
    }
}

struct PlanOpts {
    format: Format,
    summary: bool,
    out: Option<PathBuf>,
    detailed_exitcode: bool,
    validate: bool,
}

/// Reads and validates the topology; warnings go to stderr, errors become `Error::Spec`.
pub fn load_topology(path: &Path) -> Result<DesiredState, Error> {
    let source = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path.display().to_string();
    let loaded = spec::load(&name, &source, &|k| std::env::var(k).ok());
    drop(source);
    crate::memory::release_free();
    let loaded = loaded?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok(loaded.desired)
}

/// Bootstrap precedence: `--bootstrap-servers`, then the file's `[cluster]` (which reads
/// KAFKA_BOOTSTRAP_SERVERS through interpolation), then the seed's local default.
pub fn settings(desired: Option<&DesiredState>, args: &ClusterArgs) -> cluster::Settings {
    let from_file = desired.and_then(|d| d.cluster.bootstrap_servers.clone());
    let from_env = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
        .ok()
        .filter(|s| !s.is_empty());
    let bootstrap = args
        .bootstrap_servers
        .clone()
        .or(from_file)
        .or(from_env)
        .unwrap_or_else(|| DEFAULT_BOOTSTRAP.to_string());
    cluster::Settings {
        bootstrap,
        client: desired
            .map(|d| d.cluster.client.clone())
            .unwrap_or_default(),
        timeout: args.timeout,
    }
}

/// What a plan reads. Groups are read only when the plan can use them: when the file
/// declares groups (their state and lag, and undeclared consumers of the same topics), or
/// when it may delete undeclared topics (who still consumes them). A file of topics alone
/// sends no group-coordinator request at all.
pub fn read_request(desired: &DesiredState, scope: &Scope) -> ReadRequest {
    ReadRequest {
        topics: scope.topics.clone(),
        manage: scope.manage.clone(),
        groups: desired
            .groups
            .iter()
            .map(|(n, g)| (n.clone(), g.topics.clone()))
            .collect(),
        find_unmanaged_groups: !desired.groups.is_empty() || desired.policy.delete_undeclared,
        config_keys: Some(
            desired
                .topics
                .values()
                .flat_map(|t| t.config.keys().cloned())
                .chain(STATUS_KEYS.iter().map(|k| k.to_string()))
                .collect(),
        ),
    }
}

/// Effective values `topo status` shows even where the file does not declare them.
const STATUS_KEYS: [&str; 3] = ["cleanup.policy", "retention.bytes", "retention.ms"];

/// What proving convergence needs to read: only the resources apply touched, and only the
/// config keys it set, instead of the whole topology again.
fn verify_request(done: &[&Action]) -> ReadRequest {
    let mut request = ReadRequest::default();
    let mut keys = std::collections::BTreeSet::new();
    for action in done {
        let name = action.resource.name.clone();
        match &action.op {
            crate::plan::Op::CommitGroupOffsets { topics, .. } => {
                request
                    .groups
                    .insert(name, topics.keys().cloned().collect());
            }
            crate::plan::Op::CreateTopic { config, .. } => {
                keys.extend(config.keys().cloned());
                request.topics.insert(name);
            }
            crate::plan::Op::AlterConfigs { set, delete } => {
                keys.extend(set.keys().cloned());
                keys.extend(delete.iter().cloned());
                request.topics.insert(name);
            }
            crate::plan::Op::CreatePartitions { .. } | crate::plan::Op::DeleteTopic => {
                request.topics.insert(name);
            }
        }
    }
    request.config_keys = Some(keys);
    request
}

/// Loads sample keys for topics that name a keys file, relative to the topology file.
fn sample_keys(
    desired: &DesiredState,
    topology: &Path,
) -> Result<BTreeMap<String, Vec<String>>, Error> {
    let base = topology.parent().unwrap_or(Path::new("."));
    let mut out = BTreeMap::new();
    for t in desired.topics.values() {
        if let Some(file) = &t.keys_file {
            let path = base.join(file);
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            let keys = crate::partition::parse_keys(&text)
                .into_iter()
                .map(str::to_string)
                .collect();
            out.insert(t.name.clone(), keys);
        }
    }
    Ok(out)
}

/// Loads, connects, reads and diffs: the shared front half of plan and apply.
async fn compute_plan(file: &FileArgs, args: &ClusterArgs) -> Result<(Connection, Plan), Error> {
    let desired = load_topology(&file.file)?;
    let ctx = DiffContext {
        topology: file.file.display().to_string(),
        sample_keys: sample_keys(&desired, &file.file)?,
    };
    let conn = Connection::connect(settings(Some(&desired), args))?;
    let scope = diff::scope_of(&desired, &desired.policy);
    let live = conn.read(&read_request(&desired, &scope)).await?;
    let plan = diff::diff(&desired, &live, &desired.policy, &ctx);
    Ok((conn, plan))
}

fn color_stdout() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

fn print_plan(plan: &Plan, format: Format, summary: bool) {
    let text = if summary {
        render::summary_table(plan)
    } else {
        match format {
            Format::Human => render::human(
                plan,
                &render::HumanOptions {
                    color: color_stdout(),
                },
            ),
            Format::Json => render::json(plan),
            Format::Markdown => render::markdown(plan),
            Format::Prometheus => crate::drift::prometheus(plan),
        }
    };
    let mut out = anstream::stdout();
    let _ = writeln!(out, "{}", text.trim_end());
}

async fn plan_command(
    file: &FileArgs,
    args: &ClusterArgs,
    opts: &PlanOpts,
) -> Result<Status, Error> {
    let (conn, mut plan) = compute_plan(file, args).await?;
    if opts.validate {
        crate::validate::server_side(&conn, &mut plan).await?;
    }
    // Everything needed from the cluster has been read.
    conn.leave();
    print_plan(&plan, opts.format, opts.summary);
    if let Some(path) = &opts.out {
        std::fs::write(path, render::json(&plan)).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        eprintln!(
            "Saved the plan to {}; `topo apply {}` applies exactly this plan.",
            path.display(),
            path.display()
        );
    }
    if plan.is_refused() {
        return Err(Error::Refused(plan.refused.len()));
    }
    Ok(if opts.detailed_exitcode && plan.has_drift() {
        Status::Changes
    } else {
        Status::Clean
    })
}

fn confirm(auto_approve: bool) -> Result<(), Error> {
    if auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::NoTerminal);
    }
    eprint!("\nDo you want to perform these actions? Only 'yes' will be accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::Cancelled)
    }
}

async fn apply_command(
    file: &FileArgs,
    args: &ClusterArgs,
    auto_approve: bool,
) -> Result<Status, Error> {
    let (conn, plan) = compute_plan(file, args).await?;
    let result = review_and_execute(&conn, &plan, auto_approve).await;
    conn.leave();
    result
}

async fn apply_saved(
    path: &Path,
    file: &FileArgs,
    args: &ClusterArgs,
    auto_approve: bool,
) -> Result<Status, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let plan = Plan::from_json(&text).map_err(|e| Error::BadPlan {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if plan.format_version != crate::plan::FORMAT_VERSION {
        return Err(Error::BadPlan {
            path: path.to_path_buf(),
            reason: format!(
                "format_version {} is not supported (this topo reads {})",
                plan.format_version,
                crate::plan::FORMAT_VERSION
            ),
        });
    }
    // The saved plan holds no credentials: client settings (TLS, SASL) come from the
    // topology file when it is there, as they did when the plan was made.
    let desired = if file.file.exists() {
        Some(load_topology(&file.file)?)
    } else {
        None
    };
    let mut settings = settings(desired.as_ref(), args);
    let bootstrap_given = args.bootstrap_servers.is_some()
        || desired
            .as_ref()
            .is_some_and(|d| d.cluster.bootstrap_servers.is_some())
        || std::env::var("KAFKA_BOOTSTRAP_SERVERS").is_ok();
    if !bootstrap_given {
        settings.bootstrap = plan.cluster.bootstrap.clone();
    }
    let conn = Connection::connect(settings)?;
    let request = ReadRequest {
        topics: plan.scope.topics.clone(),
        manage: plan.scope.manage.clone(),
        groups: plan
            .scope
            .groups
            .iter()
            .map(|g| (g.clone(), Default::default()))
            .collect(),
        find_unmanaged_groups: false,
        config_keys: None,
    };
    let live = conn.read(&request).await?;
    let now = crate::plan::fingerprint::observe(&live, &plan.scope);
    if now.fingerprint != plan.fingerprint {
        return Err(Error::StalePlan {
            changes: crate::plan::fingerprint::describe_difference(&plan.observed, &now.parts),
        });
    }
    let result = review_and_execute(&conn, &plan, auto_approve).await;
    conn.leave();
    result
}

/// Shows the plan, stops on refusals or when there is nothing to do, asks for
/// confirmation, then executes.
async fn review_and_execute(
    conn: &Connection,
    plan: &Plan,
    auto_approve: bool,
) -> Result<Status, Error> {
    print_plan(plan, Format::Human, false);
    if plan.is_refused() {
        return Err(Error::Refused(plan.refused.len()));
    }
    if !plan.has_changes() {
        return Ok(Status::Clean);
    }
    confirm(auto_approve)?;
    execute(conn, plan).await
}

/// Shows progress on a terminal (a bar over the actions, and what a wait after a write is
/// waiting for); elsewhere stays quiet, since the report at the end lists every result once.
struct TerminalReporter {
    bar: Option<indicatif::ProgressBar>,
}

impl TerminalReporter {
    fn new(actions: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(actions as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        TerminalReporter { bar }
    }
}

fn outcome_line(action: &Action, outcome: &Outcome) -> String {
    let what = action.label();
    match outcome {
        Outcome::Done => format!("  ✓ {} {what}: done", action.resource),
        Outcome::Failed(e) => format!("  ✗ {} {what}: failed: {e}", action.resource),
        Outcome::NotAttempted => format!("  · {} {what}: not attempted", action.resource),
        Outcome::Skipped(why) => format!("  · {} {what}: {why}", action.resource),
    }
}

impl Reporter for TerminalReporter {
    fn phase_started(&mut self, phase: crate::plan::Phase, actions: usize) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} ({actions})", phase_name(phase)));
        }
    }
    fn waiting(&mut self, phase: crate::plan::Phase, ready: usize, wanted: usize) {
        if let Some(bar) = &self.bar {
            let what = match phase {
                crate::plan::Phase::Partitions => "with their new partitions",
                _ => "with leaders",
            };
            bar.set_message(format!(
                "waiting for the cluster: {ready}/{wanted} topics {what}"
            ));
        }
    }
    fn action_finished(&mut self, _: &Action, _: &Outcome) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}

fn phase_name(phase: crate::plan::Phase) -> &'static str {
    match phase {
        crate::plan::Phase::CreateTopics => "creating topics",
        crate::plan::Phase::Partitions => "adding partitions",
        crate::plan::Phase::Configs => "changing configs",
        crate::plan::Phase::GroupOffsets => "committing start offsets",
        crate::plan::Phase::Deletes => "deleting topics",
    }
}

/// The apply report: counts first, then every result once, grouped by outcome.
fn print_report(report: &apply::ApplyReport) {
    let groups = report.grouped();
    let count = |kind| {
        groups
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, r)| r.len())
    };
    use apply::OutcomeKind as K;
    if !report.succeeded() {
        let mut counts = vec![
            format!("{} done", count(K::Done)),
            format!("{} failed", count(K::Failed)),
        ];
        if count(K::Skipped) > 0 {
            counts.push(format!("{} skipped", count(K::Skipped)));
        }
        if count(K::NotAttempted) > 0 {
            counts.push(format!("{} not attempted", count(K::NotAttempted)));
        }
        eprintln!("\nApply failed: {}.", counts.join(", "));
    }
    for (kind, results) in &groups {
        if !report.succeeded() {
            let title = match kind {
                K::Failed => "Failed",
                K::Skipped => "Skipped (depend on a failed action)",
                K::NotAttempted => "Not attempted",
                K::Done => "Done",
            };
            eprintln!("\n{title} ({}):", results.len());
        }
        for (a, o) in results {
            eprintln!("{}", outcome_line(a, o));
        }
    }
}

async fn execute(conn: &Connection, plan: &Plan) -> Result<Status, Error> {
    eprintln!("\nApplying {} action(s)...", plan.actions.len());
    let mut reporter = TerminalReporter::new(plan.actions.len());
    let report = apply::apply(plan, conn, &mut reporter).await?;
    if let Some(bar) = &reporter.bar {
        bar.finish_and_clear();
    }
    print_report(&report);
    let failed = report.failed();
    if failed > 0 {
        return Err(Error::ApplyFailed { failed });
    }
    // Prove convergence from a fresh read rather than trusting the broker's acks. Brokers
    // apply metadata changes asynchronously (deletes, new partitions, config updates reach
    // every broker a moment after the ack), so a difference only counts once it persists:
    // the check repeats while fewer differences remain each time, and gives up only when
    // none has gone away for the timeout.
    let done: Vec<&Action> = report.results.iter().map(|(a, _)| a).collect();
    let request = verify_request(&done);
    let mut stall = cluster::Stall::new(conn.timeout());
    loop {
        let live = conn.read(&request).await?;
        let problems = diff::verify(report.results.iter().map(|(a, _)| a), &live);
        if problems.is_empty() {
            break;
        }
        if stall.stalled(done.len().saturating_sub(problems.len()), 0) {
            return Err(Error::NotConverged(problems));
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let (c, u, d) = report.counts();
    println!("Apply complete: {c} created, {u} changed, {d} deleted.");
    Ok(Status::Clean)
}
