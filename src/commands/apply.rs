//! `topo apply`: computes the plan (or reads a saved one and checks it is not stale),
//! shows it, asks for confirmation, executes it and proves the cluster converged.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use super::output::{self, plan_text};
use super::session;
use super::topology;
use crate::apply::{self, Outcome, Reporter};
use crate::cli::{ClusterArgs, FileArgs, Format};
use crate::cluster::{self, Connection};
use crate::diff;
use crate::error::{Error, Status};
use crate::plan::{Action, Plan};
use crate::spec::Target;

/// `topo apply [PLAN]`: a saved plan when given, else a freshly computed one.
pub(super) async fn run(
    saved: Option<&Path>,
    file: &FileArgs,
    args: &ClusterArgs,
    targets: &[Target],
    auto_approve: bool,
) -> Result<Status, Error> {
    match saved {
        Some(_) if !targets.is_empty() => Err(Error::Usage(
            "a saved plan applies exactly what it holds; give --target to `topo plan --out` \
             instead"
                .into(),
        )),
        Some(path) => apply_saved(path, file, args, auto_approve).await,
        None => {
            let (conn, plan) = session::compute_plan(file, args, targets).await?;
            let result = review_and_execute(&conn, &plan, auto_approve).await;
            conn.leave();
            result
        }
    }
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

/// Applies a saved plan only if it is exactly what would be done now: same cluster (by
/// id), same topology (by digest), same live state (by fingerprint), and the same actions
/// and refusals as a plan recomputed from both. What runs is the recomputed plan, equal to
/// the saved one, so the printed plan, its summary and the writes are one value.
async fn apply_saved(
    path: &Path,
    file: &FileArgs,
    args: &ClusterArgs,
    auto_approve: bool,
) -> Result<Status, Error> {
    let saved = session::read_saved_plan(path)?;
    if let (Some(given), Some(planned)) = (file.env.as_deref(), saved.environment.as_deref()) {
        if given != planned {
            return Err(Error::Usage(format!(
                "the saved plan is for environment {planned}, not {given}"
            )));
        }
    }
    // The topology the plan was made from must be here, unchanged: it is what the plan
    // is recomputed from (and where the client settings come from).
    let env = saved.environment.as_deref().or(file.env.as_deref());
    let topology = topology::load_env(file, env)?;
    if topology.digest != saved.topology_sha256 {
        return Err(Error::PlanMismatch {
            differences: vec![format!(
                "{} differs from the topology the plan was made from (sha256 {} when planned, {} now)",
                topology.name,
                saved.topology_sha256.get(..12).unwrap_or(&saved.topology_sha256),
                topology.digest.get(..12).unwrap_or(&topology.digest)
            )],
        });
    }
    let targets = match &saved.partial {
        None => Vec::new(),
        Some(p) => p
            .targets
            .iter()
            .map(|t| t.parse::<Target>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|reason| Error::BadPlan {
                path: path.to_path_buf(),
                reason,
            })?,
    };
    let desired = session::restricted(&topology, &targets)?;
    // Without an address from the flag, the file or the environment, the plan's own
    // cluster is the one to check it against.
    let settings = session::settings_or(Some(&desired), args, &saved.cluster.bootstrap);
    let conn = Connection::connect(settings)?;
    let result = async {
        // An address says nothing about which cluster answers on it: the id does.
        let connected = conn.cluster_id();
        if connected != saved.cluster.id {
            return Err(Error::OtherCluster {
                planned: saved.cluster.id.clone(),
                planned_bootstrap: saved.cluster.bootstrap.clone(),
                connected,
                bootstrap: conn.bootstrap().to_string(),
            });
        }
        let fresh = session::plan_on(&conn, &topology, &desired, &targets).await?;
        if fresh.fingerprint != saved.fingerprint {
            return Err(Error::StalePlan {
                changes: crate::plan::fingerprint::describe_difference(
                    &saved.observed,
                    &fresh.observed,
                ),
            });
        }
        let differences = crate::plan::seal::differences(&saved, &fresh);
        if !differences.is_empty() {
            return Err(Error::PlanMismatch { differences });
        }
        review_and_execute(&conn, &fresh, auto_approve).await
    }
    .await;
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
    // No "save it, then apply it" hint here: this is the apply.
    output::write(&plan_text(plan, Format::Human, false))?;
    if plan.is_refused() {
        return Err(Error::Refused(plan.refused.len()));
    }
    if !plan.has_changes() {
        return Ok(Status::Clean);
    }
    // Every password must be at hand before the first write, not halfway through.
    let unset: Vec<&str> = apply::password_envs(plan)
        .into_iter()
        .filter(|v| std::env::var_os(v).is_none())
        .collect();
    if !unset.is_empty() {
        return Err(Error::Usage(format!(
            "the plan writes SCRAM credentials whose {} {} not set: {}; nothing was changed",
            crate::units::noun(unset.len(), "password variable", "password variables"),
            crate::units::noun(unset.len(), "is", "are"),
            unset.join(", ")
        )));
    }
    confirm(auto_approve)?;
    // Without a prompt the plan's read happened moments ago and stands for the first
    // phase's re-read; after a confirmation, however quick, the first phase reads again.
    execute(conn, plan, auto_approve).await
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
        Outcome::Skipped(why) => format!("  · {} {what}: {why}", action.resource),
        Outcome::NotAttempted => format!("  · {} {what}: not attempted", action.resource),
        Outcome::Unknown(e) => format!(
            "  ? {} {what}: outcome unknown: sent, but no answer came ({e}); run `topo plan` to see whether it took effect",
            action.resource
        ),
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
        crate::plan::Phase::Users => "writing SCRAM credentials",
        crate::plan::Phase::Grants => "granting ACLs",
        crate::plan::Phase::Revokes => "revoking ACLs",
    }
}

/// SIGINT / SIGTERM while apply writes: recorded, not fatal.
struct Interrupt {
    received: std::sync::Arc<std::sync::atomic::AtomicI32>,
}

impl Interrupt {
    fn install() -> Interrupt {
        let received = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(0));
        use tokio::signal::unix::{signal, SignalKind};
        for (kind, number) in [
            (SignalKind::interrupt(), libc::SIGINT),
            (SignalKind::terminate(), libc::SIGTERM),
        ] {
            // Without a handler the default (exit at once, no report) stays in force.
            if let Ok(mut stream) = signal(kind) {
                let received = received.clone();
                tokio::spawn(async move {
                    if stream.recv().await.is_some() {
                        received.store(number, std::sync::atomic::Ordering::SeqCst);
                        eprintln!(
                            "\nInterrupted: no new requests; waiting for the ones in flight..."
                        );
                    }
                });
            }
        }
        Interrupt { received }
    }

    fn received(&self) -> Option<i32> {
        match self.received.load(std::sync::atomic::Ordering::SeqCst) {
            0 => None,
            n => Some(n),
        }
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
        if count(K::Unknown) > 0 {
            counts.push(format!("{} unknown", count(K::Unknown)));
        }
        if count(K::Skipped) > 0 {
            counts.push(format!("{} skipped", count(K::Skipped)));
        }
        if count(K::NotAttempted) > 0 {
            counts.push(format!("{} not attempted", count(K::NotAttempted)));
        }
        let verdict = if count(K::Failed) + count(K::Unknown) > 0 {
            "Apply failed"
        } else {
            "Apply stopped"
        };
        eprintln!("\n{verdict}: {}.", counts.join(", "));
    }
    for (kind, results) in &groups {
        if !report.succeeded() {
            let title = match kind {
                K::Failed => "Failed",
                K::NotAttempted if !report.moved.is_empty() => {
                    "Not attempted (the cluster moved since the plan)"
                }
                K::NotAttempted => "Not attempted (interrupted)",
                K::Unknown => "Outcome unknown (no answer; `topo plan` shows what happened)",
                K::Skipped => "Skipped (depend on a failed action)",
                K::Done => "Done",
            };
            eprintln!("\n{title} ({}):", results.len());
        }
        for (a, o) in results {
            eprintln!("{}", outcome_line(a, o));
        }
    }
}

async fn execute(conn: &Connection, plan: &Plan, just_read: bool) -> Result<Status, Error> {
    eprintln!(
        "\nApplying {} action(s) to cluster {} at {}...",
        plan.actions.len(),
        plan.cluster.id.as_deref().unwrap_or("(no id reported)"),
        conn.bootstrap()
    );
    let mut reporter = TerminalReporter::new(plan.actions.len());
    // From here an interrupt does not kill the process: no new request starts, those in
    // flight finish (each bounded by the timeout), and the report says what happened.
    let interrupt = Interrupt::install();
    let stop = || interrupt.received().is_some();
    let report = apply::apply_until(plan, conn, &mut reporter, &stop, just_read).await?;
    if let Some(bar) = &reporter.bar {
        bar.finish_and_clear();
    }
    print_report(&report);
    let (failed, unknown) = (report.failed(), report.unknown());
    if let Some(signal) = interrupt.received() {
        return Err(Error::Interrupted { signal });
    }
    if !report.moved.is_empty() {
        return Err(Error::Moved(report.moved));
    }
    if failed + unknown > 0 {
        return Err(Error::ApplyFailed { failed, unknown });
    }
    // Prove convergence from a fresh read rather than trusting the broker's acks. Brokers
    // apply metadata changes asynchronously (deletes, new partitions, config updates reach
    // every broker a moment after the ack), so a difference only counts once it persists:
    // the check repeats while fewer differences remain each time, and gives up only when
    // none has gone away for the timeout.
    let done: Vec<&Action> = report.results.iter().map(|(a, _)| a).collect();
    let request = diff::verify_request(&done);
    let mut stall = cluster::Stall::new(conn.timeout());
    loop {
        let live = conn.read(&request).await?;
        let problems = diff::verify(report.results.iter().map(|(a, _)| a), &live);
        if problems.is_empty() {
            break;
        }
        // A third value is another writer's, not a change still propagating: waiting
        // would only delay saying so.
        let overwritten = diff::overwritten(done.iter().copied(), &live);
        if !overwritten.is_empty() {
            return Err(Error::Overwritten(overwritten));
        }
        if stall.stalled(done.len().saturating_sub(problems.len()), 0) {
            return Err(Error::NotConverged(problems));
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let (c, u, d) = report.counts();
    output::write(&format!(
        "Apply complete: {c} created, {u} changed, {d} deleted.\n"
    ))?;
    Ok(Status::Clean)
}
