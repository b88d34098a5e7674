//! `topo plan`: reads the cluster, prints what apply would change, optionally saves the
//! plan and, with `--validate`, asks the broker to check the writes without making them.

use std::path::PathBuf;

use super::output::print_plan;
use super::session;
use crate::cli::{ClusterArgs, FileArgs, Format};
use crate::cluster::{ClusterError, Connection, ItemResults};
use crate::error::{Error, Status};
use crate::plan::{Op, Plan, Refusal, RefusalKind, Resource};
use crate::render;

/// `topo plan`'s flags beyond the file and the cluster, free of clap types.
pub struct PlanOpts {
    pub format: Format,
    pub summary: bool,
    pub out: Option<PathBuf>,
    pub detailed_exitcode: bool,
    pub validate: bool,
}

pub async fn run(file: &FileArgs, args: &ClusterArgs, opts: &PlanOpts) -> Result<Status, Error> {
    let (conn, mut plan) = session::compute_plan(file, args).await?;
    if opts.validate {
        broker_check(&conn, &mut plan).await?;
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
            Op::CommitGroupOffsets { .. } | Op::DeleteTopic => {}
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
