//! `topo plan`: reads the cluster, prints what apply would change, optionally saves the
//! plan and, with `--validate`, asks the broker to check the writes without making them.

use std::path::PathBuf;

use super::output::{self, plan_text, print_plan};
use super::session;
use super::topology;
use crate::cli::{ClusterArgs, FileArgs, Format};
use crate::cluster::{ClusterError, Connection, ItemResults};
use crate::error::{Error, Status};
use crate::plan::{Op, Plan, Refusal, RefusalKind, Resource};
use crate::render;
use crate::spec::Target;

/// `topo plan`'s flags beyond the file and the cluster, free of clap types.
pub(super) struct PlanOpts {
    pub format: Format,
    pub out: Option<PathBuf>,
    pub detailed_exitcode: bool,
    pub validate: bool,
}

pub(super) async fn run(
    file: &FileArgs,
    args: &ClusterArgs,
    targets: &[Target],
    opts: &PlanOpts,
) -> Result<Status, Error> {
    let (conn, mut plan) = session::compute_plan(file, args, targets).await?;
    if opts.validate {
        if let Some(p) = plan
            .cluster
            .profile
            .as_ref()
            .filter(|p| p.validate_only_honoured == Some(false))
        {
            return Err(Error::Unsupported(format!(
                "--validate refused: {} performs creates and config changes sent with \
                 validate_only, so validating this plan there would apply it; nothing was \
                 sent. Run `topo plan` without --validate.",
                p.label()
            )));
        }
        broker_check(&conn, &mut plan).await?;
    }
    // Everything needed from the cluster has been read.
    conn.leave();
    print_plan(&plan, opts.format)?;
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

/// `topo plan --env all`: each environment planned against its own cluster and printed
/// as one report (Markdown: one document for one pull-request comment; JSON: an array of
/// plans); the exit code covers them all.
pub(super) async fn run_every_environment(
    file: &FileArgs,
    args: &ClusterArgs,
    targets: &[Target],
    opts: &PlanOpts,
) -> Result<Status, Error> {
    if opts.out.is_some() || opts.validate {
        return Err(Error::Usage(
            "--env all prints one report; --out and --validate take one environment".into(),
        ));
    }
    if args.bootstrap_servers.is_some() {
        return Err(Error::Usage(
            "--env all reads each environment's own [cluster]; drop --bootstrap-servers".into(),
        ));
    }
    let names = topology::environments(file)?;
    if names.is_empty() {
        return Err(Error::Usage(format!(
            "--env all: {} declares no environments",
            topology::display_name(&file.file)
        )));
    }
    let mut plans = Vec::new();
    let mut failed = Vec::new();
    let mut sections = Vec::new();
    for name in &names {
        let outcome = match topology::load_env(file, Some(name)) {
            Ok(loaded) => session::plan_topology(loaded, args, targets).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok((conn, plan)) => {
                conn.leave();
                sections.push(plan_text(&plan, opts.format, true));
                plans.push(plan);
            }
            Err(e) => {
                let text = e.to_string();
                if opts.format == Format::Json {
                    // The JSON array holds plans only; what failed goes to stderr.
                    eprintln!("env {name}: error: {text}");
                }
                sections.push(match opts.format {
                    Format::Markdown => {
                        format!("### topo plan · env `{name}`\n\n**failed:**\n\n```\n{text}\n```\n")
                    }
                    _ => format!("env {name}: error: {text}\n"),
                });
                failed.push(name.clone());
            }
        }
    }
    let text = match opts.format {
        Format::Json => {
            let docs: Vec<serde_json::Value> = plans
                .iter()
                .filter_map(|p| serde_json::from_str(&render::json(p)).ok())
                .collect();
            serde_json::to_string_pretty(&docs).unwrap_or_default()
        }
        Format::Markdown => format!(
            "## topo plan · {} · every environment ({})\n\n{}",
            topology::display_name(&file.file),
            names.join(", "),
            sections.join("\n---\n\n")
        ),
        _ => sections.join("\n"),
    };
    output::write(&format!("{}\n", text.trim_end()))?;
    if let Some(first) = failed.first() {
        return Err(Error::Usage(format!(
            "{} of {} environments failed (first: {first}); see above",
            failed.len(),
            names.len()
        )));
    }
    let refused: usize = plans.iter().map(|p| p.refused.len()).sum();
    if refused > 0 {
        return Err(Error::Refused(refused));
    }
    Ok(
        if opts.detailed_exitcode && plans.iter().any(Plan::has_drift) {
            Status::Changes
        } else {
            Status::Clean
        },
    )
}

/// `--validate`: asks the broker to check creates, partition changes and config changes
/// with `validate_only`, and turns every rejection into a refusal in the plan. Nothing is
/// written to the cluster.
async fn broker_check(conn: &Connection, plan: &mut Plan) -> Result<(), ClusterError> {
    let mut creates = Vec::new();
    let mut partitions = Vec::new();
    let mut configs = Vec::new();
    for a in &plan.actions {
        let name = a.resource.name.clone();
        match &a.op {
            Op::CreateTopic {
                partitions: p,
                replication_factor,
                config,
            } => creates.push((name, *p, *replication_factor, config.clone())),
            Op::CreatePartitions { to, .. } => partitions.push((name, *to)),
            Op::AlterConfigs { set, delete } => configs.push((name, set.clone(), delete.clone())),
            Op::CommitGroupOffsets { .. }
            | Op::DeleteTopic
            | Op::CreateAcls { .. }
            | Op::DeleteAcls { .. }
            | Op::SetScramCredentials { .. } => {}
        }
    }
    let mut rejected: Vec<(String, &'static str, String)> = Vec::new();
    let mut collect = |results: ItemResults, what: &'static str| {
        for (name, r) in results {
            if let Err(e) = r {
                rejected.push((name, what, e));
            }
        }
    };
    collect(
        conn.create_topics(&creates, true, &mut |_, _| {}).await?,
        "create",
    );
    collect(
        conn.create_partitions(&partitions, true).await?,
        "partition change",
    );
    collect(conn.alter_configs(&configs, true)?, "config change");
    for (name, what, e) in rejected {
        plan.refused.push(Refusal {
            kind: RefusalKind::BrokerRejected,
            resource: Resource::topic(name),
            key: None,
            before: None,
            after: None,
            message: format!("the broker rejects this {what}: {e}"),
        });
    }
    plan.resummarise();
    Ok(())
}
