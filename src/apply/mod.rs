//! Walks a `Plan` against a cluster, phase by phase, one batched request per phase, and
//! reports exactly what happened to every action.
//!
//! Apply never decides *what* to do (the plan did) and never prints: progress goes to a
//! `Reporter` the shell provides. A phase with a failure stops later phases, because they
//! may depend on it (configs of a topic that was not created); the report then lists what
//! was done, what failed with the broker's words, and what was not attempted. Nothing is
//! rolled back: re-running apply converges from wherever it stopped.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{ConfigMap, OffsetPolicy};
use crate::plan::{Action, Op, Phase, Plan};

/// Per-item results of one batched write: `Err` carries the broker's message.
pub type ItemResults = Vec<(String, Result<(), String>)>;

/// The broker operations apply needs, in domain types. `cluster::Connection` implements it;
/// tests may use a fake to exercise ordering and failure handling.
#[allow(async_fn_in_trait)]
pub trait ClusterOps {
    async fn create_topics(
        &self,
        topics: &[(String, i32, i16, ConfigMap)],
    ) -> Result<ItemResults, String>;
    async fn wait_for_topics(&self, want: &BTreeMap<String, i32>) -> Result<(), String>;
    async fn create_partitions(&self, topics: &[(String, i32)]) -> Result<ItemResults, String>;
    fn alter_configs(
        &self,
        changes: &[(String, ConfigMap, BTreeSet<String>)],
    ) -> Result<ItemResults, String>;
    fn commit_start_offsets(
        &self,
        group: &str,
        policy: OffsetPolicy,
        topics: &BTreeMap<String, i32>,
    ) -> Result<(), String>;
    async fn delete_topics(&self, names: &[String]) -> Result<ItemResults, String>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed(String),
    NotAttempted,
}

/// Receives progress as it happens; the shell prints lines or drives a progress bar.
pub trait Reporter {
    fn phase_started(&mut self, _phase: Phase, _actions: usize) {}
    fn action_finished(&mut self, action: &Action, outcome: &Outcome);
}

/// What happened to each action, in plan order.
#[derive(Debug, Clone, Default)]
pub struct ApplyReport {
    pub results: Vec<(Action, Outcome)>,
}

impl ApplyReport {
    pub fn failed(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Failed(_)))
            .count()
    }

    pub fn succeeded(&self) -> bool {
        self.results.iter().all(|(_, o)| *o == Outcome::Done)
    }

    /// Distinct resources per category among completed actions, as the plan counts them.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut sets: [BTreeSet<&crate::plan::Resource>; 3] = Default::default();
        for (a, o) in &self.results {
            if *o == Outcome::Done {
                let i = match a.op.category() {
                    crate::plan::Category::Create => 0,
                    crate::plan::Category::Update => 1,
                    crate::plan::Category::Delete => 2,
                };
                sets[i].insert(&a.resource);
            }
        }
        (sets[0].len(), sets[1].len(), sets[2].len())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the plan has {0} refusal(s); nothing was applied")]
    Refused(usize),
}

/// Executes the plan's actions in phase order. Refused plans are rejected before any write.
pub async fn apply<C: ClusterOps, R: Reporter>(
    plan: &Plan,
    cluster: &C,
    reporter: &mut R,
) -> Result<ApplyReport, ApplyError> {
    if plan.is_refused() {
        return Err(ApplyError::Refused(plan.refused.len()));
    }
    let mut phases: Vec<Phase> = plan.actions.iter().map(|a| a.phase).collect();
    phases.sort_by_key(|p| p.rank());
    phases.dedup();
    let mut report = ApplyReport::default();
    let mut stopped = false;
    for phase in phases {
        let actions: Vec<&Action> = plan.actions.iter().filter(|a| a.phase == phase).collect();
        if stopped {
            for a in actions {
                reporter.action_finished(a, &Outcome::NotAttempted);
                report.results.push((a.clone(), Outcome::NotAttempted));
            }
            continue;
        }
        reporter.phase_started(phase, actions.len());
        let outcomes = run_phase(phase, &actions, cluster).await;
        for (a, o) in actions.into_iter().zip(outcomes) {
            if matches!(o, Outcome::Failed(_)) {
                stopped = true;
            }
            reporter.action_finished(a, &o);
            report.results.push((a.clone(), o));
        }
    }
    Ok(report)
}

/// Maps per-item broker results back onto the phase's actions by resource name.
fn by_name(actions: &[&Action], results: Result<ItemResults, String>) -> Vec<Outcome> {
    match results {
        Err(e) => actions.iter().map(|_| Outcome::Failed(e.clone())).collect(),
        Ok(items) => {
            let map: BTreeMap<String, Result<(), String>> = items.into_iter().collect();
            actions
                .iter()
                .map(|a| match map.get(&a.resource.name) {
                    Some(Ok(())) => Outcome::Done,
                    Some(Err(e)) => Outcome::Failed(e.clone()),
                    None => {
                        Outcome::Failed("the broker returned no result for this resource".into())
                    }
                })
                .collect()
        }
    }
}

async fn run_phase<C: ClusterOps>(phase: Phase, actions: &[&Action], cluster: &C) -> Vec<Outcome> {
    match phase {
        Phase::CreateTopics => {
            let topics: Vec<(String, i32, i16, ConfigMap)> = actions
                .iter()
                .filter_map(|a| match &a.op {
                    Op::CreateTopic {
                        partitions,
                        replication_factor,
                        config,
                    } => Some((
                        a.resource.name.clone(),
                        *partitions,
                        *replication_factor,
                        config.clone(),
                    )),
                    _ => None,
                })
                .collect();
            let mut outcomes = by_name(actions, cluster.create_topics(&topics).await);
            // Later phases act on these topics: wait until metadata shows them with leaders.
            let created: BTreeMap<String, i32> = actions
                .iter()
                .zip(&outcomes)
                .filter(|(_, o)| **o == Outcome::Done)
                .filter_map(|(a, _)| match &a.op {
                    Op::CreateTopic { partitions, .. } => {
                        Some((a.resource.name.clone(), *partitions))
                    }
                    _ => None,
                })
                .collect();
            if let Err(e) = cluster.wait_for_topics(&created).await {
                for o in outcomes.iter_mut().filter(|o| **o == Outcome::Done) {
                    *o = Outcome::Failed(format!("created, but not visible in metadata: {e}"));
                }
            }
            outcomes
        }
        Phase::Partitions => {
            let topics: Vec<(String, i32)> = actions
                .iter()
                .filter_map(|a| match &a.op {
                    Op::CreatePartitions { to, .. } => Some((a.resource.name.clone(), *to)),
                    _ => None,
                })
                .collect();
            by_name(actions, cluster.create_partitions(&topics).await)
        }
        Phase::Configs => {
            let changes: Vec<(String, ConfigMap, BTreeSet<String>)> = actions
                .iter()
                .filter_map(|a| match &a.op {
                    Op::AlterConfigs { set, delete } => {
                        Some((a.resource.name.clone(), set.clone(), delete.clone()))
                    }
                    _ => None,
                })
                .collect();
            by_name(actions, cluster.alter_configs(&changes))
        }
        Phase::GroupOffsets => actions
            .iter()
            .map(|a| match &a.op {
                Op::CommitGroupOffsets { policy, topics } => {
                    match cluster.commit_start_offsets(&a.resource.name, *policy, topics) {
                        Ok(()) => Outcome::Done,
                        Err(e) => Outcome::Failed(e),
                    }
                }
                _ => Outcome::Failed("unexpected operation in the group phase".into()),
            })
            .collect(),
        Phase::Deletes => {
            let names: Vec<String> = actions
                .iter()
                .filter(|a| matches!(a.op, Op::DeleteTopic))
                .map(|a| a.resource.name.clone())
                .collect();
            by_name(actions, cluster.delete_topics(&names).await)
        }
    }
}

impl ClusterOps for crate::cluster::Connection {
    async fn create_topics(
        &self,
        topics: &[(String, i32, i16, ConfigMap)],
    ) -> Result<ItemResults, String> {
        crate::cluster::Connection::create_topics(self, topics, false)
            .await
            .map_err(|e| e.to_string())
    }
    async fn wait_for_topics(&self, want: &BTreeMap<String, i32>) -> Result<(), String> {
        crate::cluster::Connection::wait_for_topics(self, want)
            .await
            .map_err(|e| e.to_string())
    }
    async fn create_partitions(&self, topics: &[(String, i32)]) -> Result<ItemResults, String> {
        crate::cluster::Connection::create_partitions(self, topics, false)
            .await
            .map_err(|e| e.to_string())
    }
    fn alter_configs(
        &self,
        changes: &[(String, ConfigMap, BTreeSet<String>)],
    ) -> Result<ItemResults, String> {
        crate::cluster::Connection::alter_configs(self, changes, false).map_err(|e| e.to_string())
    }
    fn commit_start_offsets(
        &self,
        group: &str,
        policy: OffsetPolicy,
        topics: &BTreeMap<String, i32>,
    ) -> Result<(), String> {
        crate::cluster::Connection::commit_start_offsets(self, group, policy, topics)
    }
    async fn delete_topics(&self, names: &[String]) -> Result<ItemResults, String> {
        crate::cluster::Connection::delete_topics(self, names)
            .await
            .map_err(|e| e.to_string())
    }
}
