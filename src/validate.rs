//! Server-side validation for `topo plan --validate`: asks the broker to check creates,
//! partition changes and config changes with `validate_only`, and turns every rejection
//! into a refusal in the plan. Nothing is written to the cluster.

use crate::cluster::{ClusterError, Connection, ItemResults};
use crate::plan::{Op, Plan, Refusal, RefusalKind, Resource};

pub async fn server_side(conn: &Connection, plan: &mut Plan) -> Result<(), ClusterError> {
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
