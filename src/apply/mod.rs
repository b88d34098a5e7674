//! Walks a `Plan` against a cluster, phase by phase, one batched write per phase (split by
//! the cluster layer only where the controller caps a request's size), and reports exactly
//! what happened to every action.
//!
//! Apply never decides *what* to do (the plan did) and never prints: progress goes to a
//! `Reporter` the shell provides. A failure skips only the later actions that depend on the
//! failed resource (configs of a topic that was not created, offsets on its partitions);
//! unrelated actions still run. The report then lists what was done, what failed with the
//! broker's words, and what was skipped and why. Nothing is rolled back: re-running apply
//! converges from wherever it stopped.

pub mod guard;

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::ReadRequest;
use crate::model::{AclBinding, ConfigMap, LiveState, OffsetPolicy};
use crate::plan::{Action, Op, Phase, Plan, ScramCredential};

pub(crate) use crate::cluster::ItemResults;

/// The broker operations apply needs, in domain types. `cluster::Connection` implements it;
/// tests may use a fake to exercise ordering and failure handling.
#[allow(async_fn_in_trait)]
pub(crate) trait ClusterOps {
    /// Creates the topics; `progress` hears `(shown, topics)` as the cluster shows them.
    async fn create_topics(
        &self,
        topics: &[(String, i32, i16, ConfigMap)],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ItemResults, String>;
    /// Waits until metadata shows `want`, for as long as more of it keeps showing up;
    /// returns the topics it still does not show once nothing has moved for the timeout.
    /// `progress` hears `(ready, wanted)` after every look.
    async fn wait_for_topics(
        &self,
        want: &BTreeMap<String, i32>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<BTreeSet<String>, String>;
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
    /// The current state of what `request` names, for the check before each write phase
    /// that nothing moved since the plan; `None` where the implementation holds no state
    /// to compare (a fake that does not model it).
    async fn current(&self, request: &ReadRequest) -> Result<Option<LiveState>, String>;
    /// One result per binding, in order.
    fn create_acls(&self, acls: &[AclBinding]) -> Result<Vec<Result<(), String>>, String>;
    /// One result per binding, in order.
    fn delete_acls(&self, acls: &[AclBinding]) -> Result<Vec<Result<(), String>>, String>;
    /// Writes the credentials of one user with the password held by `password_env`.
    fn set_scram_credentials(
        &self,
        user: &str,
        credentials: &[ScramCredential],
        password_env: &str,
    ) -> Result<(), String>;
}

/// Environment variables holding the passwords a plan's user actions need; the shell
/// checks them all before the first write.
pub fn password_envs(plan: &Plan) -> BTreeSet<&str> {
    plan.actions
        .iter()
        .filter_map(|a| match &a.op {
            Op::SetScramCredentials { password_env, .. } => Some(password_env.as_str()),
            _ => None,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Done,
    Failed(String),
    /// Not attempted because it depends on a resource whose action failed: why.
    Skipped(String),
    /// Not started: apply was interrupted before its phase.
    NotAttempted,
    /// Sent, but no answer came (a timeout or a lost connection): the broker may or may
    /// not have carried it out. Only a fresh read (`topo plan`) can tell.
    Unknown(String),
}

/// Whether a failure means "no answer came" rather than "the broker said no": timeouts
/// and transport failures, in librdkafka's and Kafka's words.
pub fn unanswered(message: &str) -> bool {
    [
        "TimedOut",
        "Timed out",
        "timed out",
        "_TIMED_OUT",
        "Transport",
        "AllBrokersDown",
        "all brokers down",
        "Disconnected",
        "NetworkException",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// A failure as an outcome: unknown when no answer came, failed when the broker refused.
fn failure(message: String) -> Outcome {
    if unanswered(&message) {
        Outcome::Unknown(message)
    } else {
        Outcome::Failed(message)
    }
}

/// Receives progress as it happens; the shell prints lines or drives a progress bar.
pub(crate) trait Reporter {
    fn phase_started(&mut self, _phase: Phase, _actions: usize) {}
    /// After a write, while the cluster catches up: `ready` of `wanted` resources show.
    fn waiting(&mut self, _phase: Phase, _ready: usize, _wanted: usize) {}
    fn action_finished(&mut self, action: &Action, outcome: &Outcome);
}

/// What happened to each action, in plan order.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApplyReport {
    pub results: Vec<(Action, Outcome)>,
    /// What had moved since the plan when apply stopped before a phase (empty when it
    /// did not): the later actions are `NotAttempted`.
    pub moved: Vec<String>,
}

impl ApplyReport {
    pub(crate) fn failed(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Failed(_)))
            .count()
    }

    /// Actions sent without an answer: their effect is unknown until the cluster is read.
    pub(crate) fn unknown(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Unknown(_)))
            .count()
    }

    pub(crate) fn succeeded(&self) -> bool {
        self.results.iter().all(|(_, o)| *o == Outcome::Done)
    }

    /// Every result once, grouped by outcome: failed, skipped, done (the
    /// groups a reader acts on first), each in plan order; empty groups are left out.
    pub(crate) fn grouped(&self) -> Vec<(OutcomeKind, Vec<&(Action, Outcome)>)> {
        [
            OutcomeKind::Failed,
            OutcomeKind::Unknown,
            OutcomeKind::Skipped,
            OutcomeKind::NotAttempted,
            OutcomeKind::Done,
        ]
        .into_iter()
        .map(|kind| {
            let results: Vec<_> = self
                .results
                .iter()
                .filter(|(_, o)| o.kind() == kind)
                .collect();
            (kind, results)
        })
        .filter(|(_, results)| !results.is_empty())
        .collect()
    }

    /// Distinct resources per category among completed actions, as the plan counts them.
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
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

/// An outcome without its reason, for grouping and counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutcomeKind {
    Done,
    Failed,
    Unknown,
    NotAttempted,
    Skipped,
}

impl Outcome {
    pub(crate) fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Done => OutcomeKind::Done,
            Outcome::Failed(_) => OutcomeKind::Failed,
            Outcome::Skipped(_) => OutcomeKind::Skipped,
            Outcome::NotAttempted => OutcomeKind::NotAttempted,
            Outcome::Unknown(_) => OutcomeKind::Unknown,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("the plan has {0} refusal(s); nothing was applied")]
    Refused(usize),
    #[error("the plan asks for what apply never does; nothing was applied:\n{}", .0.iter().map(|v| format!("  - {v}")).collect::<Vec<_>>().join("\n"))]
    Forbidden(Vec<String>),
}

/// Executes the plan's actions in phase order. Refused plans are rejected before any write.
#[cfg(test)]
pub(crate) async fn apply<C: ClusterOps, R: Reporter>(
    plan: &Plan,
    cluster: &C,
    reporter: &mut R,
) -> Result<ApplyReport, ApplyError> {
    apply_until(plan, cluster, reporter, &|| false, false).await
}

/// [`apply`], checking `stop` before each phase: once it answers true (an interrupt), no
/// new request starts, requests already sent finish (each bounded by the timeout), and
/// the rest of the plan is reported as not attempted.
///
/// Before each phase the resources it writes are read again (`moved_since_plan`); with
/// `just_read`, the plan's own read, made moments before without a prompt in between,
/// stands for the first phase's.
pub(crate) async fn apply_until<C: ClusterOps, R: Reporter>(
    plan: &Plan,
    cluster: &C,
    reporter: &mut R,
    stop: &dyn Fn() -> bool,
    just_read: bool,
) -> Result<ApplyReport, ApplyError> {
    if plan.is_refused() {
        return Err(ApplyError::Refused(plan.refused.len()));
    }
    let forbidden = guard::violations(plan);
    if !forbidden.is_empty() {
        return Err(ApplyError::Forbidden(forbidden));
    }
    let mut phases: Vec<Phase> = plan.actions.iter().map(|a| a.phase).collect();
    phases.sort_by_key(|p| p.rank());
    phases.dedup();
    let mut report = ApplyReport::default();
    // Resources whose action failed, with what failed, for the actions depending on them.
    let mut failed: BTreeMap<&crate::plan::Resource, &'static str> = BTreeMap::new();
    let mut phase_ran = false;
    for phase in phases {
        if !report.moved.is_empty() || stop() {
            for a in plan.actions.iter().filter(|a| a.phase == phase) {
                reporter.action_finished(a, &Outcome::NotAttempted);
                report.results.push((a.clone(), Outcome::NotAttempted));
            }
            continue;
        }
        let mut actions: Vec<&Action> = Vec::new();
        for a in plan.actions.iter().filter(|a| a.phase == phase) {
            match blocked_by(a, &failed) {
                Some(why) => {
                    let outcome = Outcome::Skipped(why);
                    reporter.action_finished(a, &outcome);
                    report.results.push((a.clone(), outcome));
                }
                None => actions.push(a),
            }
        }
        if actions.is_empty() {
            continue;
        }
        if !just_read || phase_ran {
            report.moved = moved_since_plan(cluster, &actions).await;
        }
        phase_ran = true;
        if !report.moved.is_empty() {
            for a in actions {
                reporter.action_finished(a, &Outcome::NotAttempted);
                report.results.push((a.clone(), Outcome::NotAttempted));
            }
            continue;
        }
        reporter.phase_started(phase, actions.len());
        let outcomes = run_phase(phase, &actions, cluster, reporter).await;
        for (a, o) in actions.into_iter().zip(outcomes) {
            let o = explain_denial(a, o);
            if matches!(o, Outcome::Failed(_) | Outcome::Unknown(_)) {
                failed.insert(&a.resource, a.label());
            }
            reporter.action_finished(a, &o);
            report.results.push((a.clone(), o));
        }
    }
    Ok(report)
}

/// Re-reads what a phase is about to write and compares it with what the plan saw
/// (`diff::moved`). A read that fails counts as moved: nothing can be said about the
/// state the write would land on.
async fn moved_since_plan<C: ClusterOps>(cluster: &C, actions: &[&Action]) -> Vec<String> {
    let checked: Vec<&Action> = actions
        .iter()
        .copied()
        .filter(|a| {
            matches!(
                a.op,
                Op::CreateTopic { .. }
                    | Op::CreatePartitions { .. }
                    | Op::AlterConfigs { .. }
                    | Op::CommitGroupOffsets { .. }
            )
        })
        .collect();
    if checked.is_empty() {
        return Vec::new();
    }
    match cluster
        .current(&crate::diff::verify_request(&checked))
        .await
    {
        Ok(Some(live)) => crate::diff::moved(checked, &live),
        Ok(None) => Vec::new(),
        Err(e) => vec![format!("could not re-read the cluster before writing: {e}")],
    }
}

/// Why `action` cannot run after the failures so far, if it cannot: it acts on a resource
/// whose earlier action failed (configs of a topic whose create failed), or commits
/// offsets on such a topic's partitions. Everything else is independent and runs.
fn blocked_by(
    action: &Action,
    failed: &BTreeMap<&crate::plan::Resource, &'static str>,
) -> Option<String> {
    let because = |r: &crate::plan::Resource, what: &str| {
        format!("skipped: depends on {r}, whose {what} failed")
    };
    if let Some(what) = failed.get(&action.resource) {
        return Some(because(&action.resource, what));
    }
    // A revocation may take away what a failed grant was to replace: a consumer must never
    // be left without access halfway through, so no revocation runs after a failed grant.
    if matches!(action.op, Op::DeleteAcls { .. }) {
        if let Some((r, _)) = failed.iter().find(|(_, what)| **what == "grant access") {
            return Some(because(r, "grant access"));
        }
    }
    if let Op::CommitGroupOffsets { topics, .. } = &action.op {
        for t in topics.keys() {
            let topic = crate::plan::Resource::topic(t.as_str());
            if let Some(what) = failed.get(&topic) {
                return Some(because(&topic, what));
            }
        }
    }
    None
}

/// Kafka answers a missing ACL with "Authorization failed.", naming neither operation nor
/// resource; the action knows both, so a denial says what the principal lacks.
fn explain_denial(action: &Action, outcome: Outcome) -> Outcome {
    let Outcome::Failed(message) = outcome else {
        return outcome;
    };
    if !message.contains("AuthorizationFailed") || message.contains("principal lacks") {
        return Outcome::Failed(message);
    }
    let needs = match &action.op {
        Op::CreateTopic { .. } => "CREATE on this topic (or on the cluster)",
        Op::CreatePartitions { .. } => "ALTER on this topic",
        Op::AlterConfigs { .. } => "ALTER_CONFIGS on this topic",
        Op::DeleteTopic => "DELETE on this topic",
        Op::CommitGroupOffsets { .. } => "READ on this group and READ on its topics",
        Op::CreateAcls { .. } | Op::DeleteAcls { .. } | Op::SetScramCredentials { .. } => {
            "ALTER on the cluster"
        }
    };
    Outcome::Failed(format!(
        "{message}: the client's principal lacks {needs} ({})",
        action.resource
    ))
}

/// Maps per-item broker results back onto the phase's actions by resource name.
fn by_name(actions: &[&Action], results: Result<ItemResults, String>) -> Vec<Outcome> {
    match results {
        Err(e) => actions.iter().map(|_| failure(e.clone())).collect(),
        Ok(items) => {
            let map: BTreeMap<String, Result<(), String>> = items.into_iter().collect();
            actions
                .iter()
                .map(|a| match map.get(&a.resource.name) {
                    Some(Ok(())) => Outcome::Done,
                    Some(Err(e)) => failure(e.clone()),
                    None => {
                        Outcome::Failed("the broker returned no result for this resource".into())
                    }
                })
                .collect()
        }
    }
}

/// Waits until metadata shows what a phase just wrote. A topic it never shows becomes a
/// failure, since later phases would act on something not there; the others stay done.
async fn wait_visible<C: ClusterOps, R: Reporter>(
    cluster: &C,
    reporter: &mut R,
    phase: Phase,
    want: &BTreeMap<String, i32>,
    actions: &[&Action],
    outcomes: &mut [Outcome],
    done: &str,
) {
    if want.is_empty() {
        return;
    }
    let mut progress = |ready: usize, wanted: usize| reporter.waiting(phase, ready, wanted);
    let (missing, reason) = match cluster.wait_for_topics(want, &mut progress).await {
        Ok(missing) if missing.is_empty() => return,
        Ok(missing) => (
            missing,
            "the broker showed no further progress for the timeout; `topo plan` shows \
             whether it has finished since, and a larger --timeout waits longer"
                .to_string(),
        ),
        Err(e) => (want.keys().cloned().collect(), e),
    };
    for (a, o) in actions.iter().zip(outcomes.iter_mut()) {
        if *o == Outcome::Done && missing.contains(&a.resource.name) {
            *o = Outcome::Failed(format!("{done}, but not visible in metadata: {reason}"));
        }
    }
}

async fn run_phase<C: ClusterOps, R: Reporter>(
    phase: Phase,
    actions: &[&Action],
    cluster: &C,
    reporter: &mut R,
) -> Vec<Outcome> {
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
            let mut shown = |ready: usize, wanted: usize| reporter.waiting(phase, ready, wanted);
            let created = cluster.create_topics(&topics, &mut shown).await;
            let mut outcomes = by_name(actions, created);
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
            wait_visible(
                cluster,
                reporter,
                phase,
                &created,
                actions,
                &mut outcomes,
                "created",
            )
            .await;
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
            let mut outcomes = by_name(actions, cluster.create_partitions(&topics).await);
            // Group offsets may be committed on the new partitions next: wait for them.
            let grown: BTreeMap<String, i32> = topics
                .into_iter()
                .zip(&outcomes)
                .filter(|(_, o)| **o == Outcome::Done)
                .map(|(t, _)| t)
                .collect();
            wait_visible(
                cluster,
                reporter,
                phase,
                &grown,
                actions,
                &mut outcomes,
                "added",
            )
            .await;
            outcomes
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
                        Err(e) => failure(e),
                    }
                }
                _ => Outcome::Failed("unexpected operation in the group phase".into()),
            })
            .collect(),
        Phase::Users => actions
            .iter()
            .map(|a| match &a.op {
                Op::SetScramCredentials {
                    credentials,
                    password_env,
                    ..
                } => {
                    match cluster.set_scram_credentials(&a.resource.name, credentials, password_env)
                    {
                        Ok(()) => Outcome::Done,
                        Err(e) => Outcome::Failed(e),
                    }
                }
                _ => Outcome::Failed("unexpected operation in the users phase".into()),
            })
            .collect(),
        Phase::Grants | Phase::Revokes => {
            // One request for the whole phase; each action is done when all its bindings are.
            let mut all: Vec<AclBinding> = Vec::new();
            let mut spans = Vec::new();
            for a in actions {
                let acls = match &a.op {
                    Op::CreateAcls { acls } | Op::DeleteAcls { acls } => acls.as_slice(),
                    _ => &[],
                };
                spans.push(all.len()..all.len() + acls.len());
                all.extend(acls.iter().cloned());
            }
            let results = if phase == Phase::Grants {
                cluster.create_acls(&all)
            } else {
                cluster.delete_acls(&all)
            };
            match results {
                Err(e) => actions.iter().map(|_| Outcome::Failed(e.clone())).collect(),
                Ok(results) => spans
                    .into_iter()
                    .map(|span| {
                        let failed: Vec<String> = span
                            .filter_map(|i| match results.get(i) {
                                Some(Ok(())) => None,
                                Some(Err(e)) => Some(format!("{}: {e}", all[i].describe())),
                                None => Some(format!(
                                    "{}: the broker returned no result",
                                    all[i].describe()
                                )),
                            })
                            .collect();
                        if failed.is_empty() {
                            Outcome::Done
                        } else {
                            Outcome::Failed(failed.join("; "))
                        }
                    })
                    .collect(),
            }
        }
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
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ItemResults, String> {
        crate::cluster::Connection::create_topics(self, topics, false, progress)
            .await
            .map_err(|e| e.to_string())
    }
    async fn wait_for_topics(
        &self,
        want: &BTreeMap<String, i32>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<BTreeSet<String>, String> {
        crate::cluster::Connection::wait_for_topics(self, want, progress)
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
    async fn current(&self, request: &ReadRequest) -> Result<Option<LiveState>, String> {
        crate::cluster::Connection::read(self, request)
            .await
            .map(Some)
            .map_err(|e| e.to_string())
    }
    fn create_acls(&self, acls: &[AclBinding]) -> Result<Vec<Result<(), String>>, String> {
        crate::cluster::Connection::create_acls(self, acls).map_err(|e| e.to_string())
    }
    fn delete_acls(&self, acls: &[AclBinding]) -> Result<Vec<Result<(), String>>, String> {
        crate::cluster::Connection::delete_acls(self, acls).map_err(|e| e.to_string())
    }
    fn set_scram_credentials(
        &self,
        user: &str,
        credentials: &[ScramCredential],
        password_env: &str,
    ) -> Result<(), String> {
        // Read here, at the last moment, so the password lives only for this request.
        let password = std::env::var(password_env)
            .map_err(|_| format!("the password variable {password_env} is not set"))?;
        let credentials: Vec<_> = credentials
            .iter()
            .map(|c| (c.mechanism, c.iterations))
            .collect();
        let results = crate::cluster::Connection::set_scram_credentials(
            self,
            user,
            &credentials,
            password.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
        match results.into_iter().find_map(Result::err) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The executor against a fake cluster: ordering, batching and failure handling. The
    //! broker behaviour itself is proven by the integration tests on a real Kafka.

    use std::cell::RefCell;

    use super::*;
    use crate::plan::{fingerprint::Observation, Change, ClusterInfo, Resource, Scope};

    #[derive(Default)]
    struct FakeCluster {
        calls: RefCell<Vec<String>>,
        /// What `current` answers; `None` skips the check.
        live: Option<LiveState>,
        fail_create: Option<&'static str>,
        /// A topic metadata never shows before the timeout.
        never_visible: Option<&'static str>,
    }

    impl FakeCluster {
        fn log(&self, s: String) {
            self.calls.borrow_mut().push(s);
        }
        fn ok(names: impl Iterator<Item = String>) -> ItemResults {
            names.map(|n| (n, Ok(()))).collect()
        }
    }

    impl ClusterOps for FakeCluster {
        async fn create_topics(
            &self,
            topics: &[(String, i32, i16, ConfigMap)],
            _: &mut dyn FnMut(usize, usize),
        ) -> Result<ItemResults, String> {
            self.log(format!(
                "create {}",
                topics
                    .iter()
                    .map(|t| t.0.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
            Ok(topics
                .iter()
                .map(|t| {
                    let r = if Some(t.0.as_str()) == self.fail_create {
                        Err("InvalidReplicationFactor".to_string())
                    } else {
                        Ok(())
                    };
                    (t.0.clone(), r)
                })
                .collect())
        }
        async fn wait_for_topics(
            &self,
            want: &BTreeMap<String, i32>,
            progress: &mut dyn FnMut(usize, usize),
        ) -> Result<BTreeSet<String>, String> {
            progress(want.len(), want.len());
            self.log(format!(
                "wait {}",
                want.keys().cloned().collect::<Vec<_>>().join(",")
            ));
            Ok(want
                .keys()
                .filter(|n| Some(n.as_str()) == self.never_visible)
                .cloned()
                .collect())
        }
        async fn create_partitions(&self, topics: &[(String, i32)]) -> Result<ItemResults, String> {
            self.log(format!("partitions {}", topics.len()));
            Ok(Self::ok(topics.iter().map(|t| t.0.clone())))
        }
        fn alter_configs(
            &self,
            changes: &[(String, ConfigMap, BTreeSet<String>)],
        ) -> Result<ItemResults, String> {
            self.log(format!("configs {}", changes.len()));
            Ok(Self::ok(changes.iter().map(|t| t.0.clone())))
        }
        fn commit_start_offsets(
            &self,
            group: &str,
            _: OffsetPolicy,
            _: &BTreeMap<String, i32>,
        ) -> Result<(), String> {
            self.log(format!("offsets {group}"));
            Ok(())
        }
        async fn delete_topics(&self, names: &[String]) -> Result<ItemResults, String> {
            self.log(format!("delete {}", names.join(",")));
            Ok(Self::ok(names.iter().cloned()))
        }
        async fn current(&self, _: &ReadRequest) -> Result<Option<LiveState>, String> {
            if self.live.is_some() {
                self.log("read".to_string());
            }
            Ok(self.live.clone())
        }
        fn create_acls(&self, acls: &[AclBinding]) -> Result<Vec<Result<(), String>>, String> {
            self.log(format!("grant {}", acls.len()));
            Ok(acls
                .iter()
                .map(|a| {
                    if a.name == "refused" {
                        Err("Authorization failed (TopicAuthorizationFailed)".to_string())
                    } else {
                        Ok(())
                    }
                })
                .collect())
        }
        fn delete_acls(&self, acls: &[AclBinding]) -> Result<Vec<Result<(), String>>, String> {
            self.log(format!("revoke {}", acls.len()));
            Ok(acls.iter().map(|_| Ok(())).collect())
        }
        fn set_scram_credentials(
            &self,
            user: &str,
            credentials: &[ScramCredential],
            _: &str,
        ) -> Result<(), String> {
            self.log(format!("user {user} {}", credentials.len()));
            Ok(())
        }
    }

    fn acl(topic: &str, op: crate::model::AclOperation) -> AclBinding {
        AclBinding {
            resource_type: crate::model::AclResourceType::Topic,
            name: topic.into(),
            pattern: crate::model::AclPattern::Literal,
            principal: "User:w".into(),
            host: "*".into(),
            operation: op,
            permission: crate::model::AclPermission::Allow,
        }
    }

    #[test]
    fn grants_go_before_revocations_each_in_one_request() {
        use crate::model::AclOperation::{Describe, Read, Write};
        let p = plan(vec![
            action(
                Phase::Revokes,
                "old",
                Op::DeleteAcls {
                    acls: vec![acl("old", Read)],
                },
            ),
            action(
                Phase::Grants,
                "a",
                Op::CreateAcls {
                    acls: vec![acl("a", Read), acl("a", Describe)],
                },
            ),
            action(
                Phase::Grants,
                "b",
                Op::CreateAcls {
                    acls: vec![acl("b", Write)],
                },
            ),
            action(
                Phase::Users,
                "u",
                Op::SetScramCredentials {
                    credentials: vec![ScramCredential {
                        mechanism: crate::model::ScramMechanism::Sha512,
                        iterations: 4096,
                    }],
                    password_env: "P".into(),
                    rotation: false,
                },
            ),
        ]);
        let fake = FakeCluster::default();
        let report = block_on(apply(&p, &fake, &mut Quiet)).expect("not refused");
        assert!(report.succeeded());
        assert_eq!(*fake.calls.borrow(), ["user u 1", "grant 3", "revoke 1"]);
        assert_eq!(password_envs(&p).into_iter().collect::<Vec<_>>(), ["P"]);
    }

    #[test]
    fn a_refused_grant_fails_its_action_with_the_binding_and_stops_revocations() {
        use crate::model::AclOperation::Read;
        let p = plan(vec![
            action(
                Phase::Grants,
                "refused",
                Op::CreateAcls {
                    acls: vec![acl("refused", Read)],
                },
            ),
            action(
                Phase::Revokes,
                "old",
                Op::DeleteAcls {
                    acls: vec![acl("old", Read)],
                },
            ),
        ]);
        let fake = FakeCluster::default();
        let report = block_on(apply(&p, &fake, &mut Quiet)).expect("not refused");
        let outcomes: Vec<&Outcome> = report.results.iter().map(|(_, o)| o).collect();
        assert_eq!(
            outcomes,
            [
                &Outcome::Failed(
                    "User:w allow READ from *: Authorization failed (TopicAuthorizationFailed): \
                     the client's principal lacks ALTER on the cluster (topic \"refused\")"
                        .into()
                ),
                &Outcome::Skipped(
                    "skipped: depends on topic \"refused\", whose grant access failed".into()
                )
            ]
        );
        assert_eq!(*fake.calls.borrow(), ["grant 1"]);
    }

    struct Quiet;
    impl Reporter for Quiet {
        fn action_finished(&mut self, _: &Action, _: &Outcome) {}
    }

    fn action(phase: Phase, name: &str, op: Op) -> Action {
        let resource = match op {
            Op::CommitGroupOffsets { .. } => Resource::group(name),
            Op::SetScramCredentials { .. } => Resource::user(name),
            _ => Resource::topic(name),
        };
        Action {
            phase,
            resource,
            op,
            changes: vec![Change::set("k", None, "v")],
            risks: vec![],
            note: None,
        }
    }

    /// A plan whose recorded scope and policy allow its actions, as the diff makes them.
    fn plan(actions: Vec<Action>) -> Plan {
        let scope = Scope {
            topics: actions
                .iter()
                .filter(|a| a.resource.kind == crate::plan::ResourceKind::Topic)
                .filter(|a| !matches!(a.op, Op::DeleteTopic))
                .map(|a| a.resource.name.clone())
                .collect(),
            groups: actions
                .iter()
                .filter(|a| a.resource.kind == crate::plan::ResourceKind::Group)
                .map(|a| a.resource.name.clone())
                .collect(),
            manage: vec![crate::model::ScopePattern::Glob("*".into())],
            principals: actions
                .iter()
                .flat_map(|a| match &a.op {
                    Op::CreateAcls { acls } | Op::DeleteAcls { acls } => acls.as_slice(),
                    _ => &[],
                })
                .map(|b| b.principal.clone())
                .collect(),
            users: actions
                .iter()
                .filter(|a| a.resource.kind == crate::plan::ResourceKind::User)
                .map(|a| a.resource.name.clone())
                .collect(),
        };
        let mut plan = Plan::new(
            "topology.toml".into(),
            ClusterInfo::default(),
            Observation {
                fingerprint: "f".into(),
                parts: BTreeMap::new(),
            },
            scope,
            actions,
            vec![],
            vec![],
            vec![],
            vec![],
        );
        plan.policy.manage = plan.scope.manage.clone();
        plan.policy.delete_undeclared = true;
        plan.policy.remove_undeclared_acls = true;
        plan
    }

    fn create(name: &str) -> Action {
        action(
            Phase::CreateTopics,
            name,
            Op::CreateTopic {
                partitions: 1,
                replication_factor: 1,
                config: ConfigMap::new(),
            },
        )
    }

    fn configs(name: &str) -> Action {
        action(
            Phase::Configs,
            name,
            Op::AlterConfigs {
                set: ConfigMap::new(),
                delete: BTreeSet::new(),
            },
        )
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn phases_run_in_order_with_one_batch_each() {
        let p = plan(vec![
            action(Phase::Deletes, "old", Op::DeleteTopic),
            configs("b"),
            create("a2"),
            action(
                Phase::GroupOffsets,
                "g",
                Op::CommitGroupOffsets {
                    policy: OffsetPolicy::Earliest,
                    topics: BTreeMap::new(),
                },
            ),
            create("a1"),
            action(
                Phase::Partitions,
                "c",
                Op::CreatePartitions { from: 1, to: 2 },
            ),
        ]);
        let fake = FakeCluster::default();
        let report = block_on(apply(&p, &fake, &mut Quiet)).expect("not refused");
        assert!(report.succeeded());
        assert_eq!(
            *fake.calls.borrow(),
            [
                "create a1,a2",
                "wait a1,a2",
                "partitions 1",
                "wait c",
                "configs 1",
                "offsets g",
                "delete old"
            ]
        );
        assert_eq!(report.counts(), (3, 2, 1));
    }

    fn offsets(group: &str, topic: &str) -> Action {
        action(
            Phase::GroupOffsets,
            group,
            Op::CommitGroupOffsets {
                policy: OffsetPolicy::Earliest,
                topics: BTreeMap::from([(topic.to_string(), 1)]),
            },
        )
    }

    fn outcomes(report: &ApplyReport) -> Vec<(&str, &Outcome)> {
        report
            .results
            .iter()
            .map(|(a, o)| (a.resource.name.as_str(), o))
            .collect()
    }

    #[test]
    fn a_failure_skips_only_what_depends_on_it() {
        let p = plan(vec![
            create("good"),
            create("bad"),
            configs("x"),
            offsets("on-bad", "bad"),
            offsets("on-good", "good"),
            action(Phase::Deletes, "old", Op::DeleteTopic),
        ]);
        let fake = FakeCluster {
            fail_create: Some("bad"),
            ..Default::default()
        };
        let report = block_on(apply(&p, &fake, &mut Quiet)).expect("not refused");
        let skipped =
            Outcome::Skipped("skipped: depends on topic \"bad\", whose create failed".to_string());
        assert_eq!(
            outcomes(&report),
            [
                ("bad", &Outcome::Failed("InvalidReplicationFactor".into())),
                ("good", &Outcome::Done),
                ("x", &Outcome::Done),
                ("on-bad", &skipped),
                ("on-good", &Outcome::Done),
                ("old", &Outcome::Done),
            ]
        );
        assert_eq!(
            *fake.calls.borrow(),
            [
                "create bad,good",
                "wait good",
                "configs 1",
                "offsets on-good",
                "delete old"
            ]
        );
        assert_eq!(report.failed(), 1);
        assert!(!report.succeeded());
    }

    #[test]
    fn a_failed_report_lists_each_result_once_grouped_by_outcome() {
        let p = plan(vec![
            create("bad"),
            create("good"),
            configs("x"),
            offsets("on-bad", "bad"),
        ]);
        let fake = FakeCluster {
            fail_create: Some("bad"),
            ..Default::default()
        };
        let report = block_on(apply(&p, &fake, &mut Quiet)).expect("not refused");
        let grouped: Vec<(OutcomeKind, Vec<&str>)> = report
            .grouped()
            .into_iter()
            .map(|(kind, results)| {
                let names = results
                    .iter()
                    .map(|(a, _)| a.resource.name.as_str())
                    .collect();
                (kind, names)
            })
            .collect();
        assert_eq!(
            grouped,
            [
                (OutcomeKind::Failed, vec!["bad"]),
                (OutcomeKind::Skipped, vec!["on-bad"]),
                (OutcomeKind::Done, vec!["good", "x"]),
            ]
        );
    }

    #[test]
    fn only_topics_metadata_never_shows_fail_after_creation() {
        let p = plan(vec![create("seen"), create("slow"), configs("x")]);
        let fake = FakeCluster {
            never_visible: Some("slow"),
            ..Default::default()
        };
        let report = block_on(apply(&p, &fake, &mut Quiet)).expect("not refused");
        let outcomes: Vec<(&str, String)> = report
            .results
            .iter()
            .map(|(a, o)| (a.resource.name.as_str(), format!("{o:?}")))
            .collect();
        assert_eq!(outcomes[0], ("seen", "Done".to_string()));
        assert_eq!(outcomes[1].0, "slow");
        assert!(
            outcomes[1].1.contains(
                "created, but not visible in metadata: the broker showed no further progress"
            ),
            "{outcomes:?}"
        );
        // The config change of another topic does not depend on it.
        assert_eq!(outcomes[2], ("x", "Done".to_string()));
        assert_eq!(
            *fake.calls.borrow(),
            ["create seen,slow", "wait seen,slow", "configs 1"]
        );
    }

    #[test]
    fn unanswered_requests_are_unknown_not_failed() {
        assert!(unanswered(
            "CreateTopics failed: Local: Timed out (OperationTimedOut)"
        ));
        assert!(unanswered("RequestTimedOut (Broker: Request timed out)"));
        assert!(!unanswered(
            "InvalidReplicationFactor (Broker: Invalid replication factor)"
        ));
        assert_eq!(
            by_name(&[&create("a")], Err("Local: Timed out".into())),
            [Outcome::Unknown("Local: Timed out".into())]
        );
    }

    #[test]
    fn a_stop_between_phases_starts_no_new_request() {
        let p = plan(vec![create("a"), configs("b")]);
        let fake = FakeCluster::default();
        let calls = std::cell::Cell::new(0);
        let stop = || {
            calls.set(calls.get() + 1);
            calls.get() > 1
        };
        let report =
            block_on(apply_until(&p, &fake, &mut Quiet, &stop, false)).expect("not refused");
        let outcomes: Vec<&Outcome> = report.results.iter().map(|(_, o)| o).collect();
        assert_eq!(outcomes, [&Outcome::Done, &Outcome::NotAttempted]);
        assert!(fake
            .calls
            .borrow()
            .iter()
            .all(|c| !c.starts_with("configs")));
    }

    #[test]
    fn a_resource_moved_since_the_plan_stops_apply_before_its_phase() {
        use crate::model::{ConfigSource, LiveConfigEntry, LiveTopic};
        let mut change = configs("b");
        change.op = Op::AlterConfigs {
            set: ConfigMap::from_iter([("retention.ms".to_string(), "1000".to_string())]),
            delete: BTreeSet::new(),
        };
        change.changes = vec![Change {
            key: "retention.ms".into(),
            before: Some("5000".into()),
            after: Some("1000".into()),
            to_default: false,
            before_default: false,
        }];
        let p = plan(vec![
            create("a"),
            change,
            action(Phase::Deletes, "old", Op::DeleteTopic),
        ]);
        // Another writer set b's retention.ms to 9000 after the plan read 5000.
        let entry = LiveConfigEntry {
            value: Some("9000".into()),
            source: ConfigSource::DynamicTopic,
            read_only: false,
        };
        let live = LiveState {
            topics: BTreeMap::from([(
                "b".to_string(),
                LiveTopic {
                    name: "b".into(),
                    partitions: 1,
                    replication_factor: 1,
                    config: Some(BTreeMap::from([("retention.ms".to_string(), entry)])),
                },
            )]),
            ..LiveState::default()
        };
        let fake = FakeCluster {
            live: Some(live),
            ..FakeCluster::default()
        };
        let report = block_on(apply(&p, &fake, &mut Quiet)).expect("not refused");
        assert_eq!(
            report.moved,
            ["topic \"b\": retention.ms is 9000 now; the plan expected 5000"]
        );
        let outcomes: Vec<&Outcome> = report.results.iter().map(|(_, o)| o).collect();
        assert_eq!(
            outcomes,
            [
                &Outcome::Done,
                &Outcome::NotAttempted,
                &Outcome::NotAttempted
            ]
        );
        // Read before the create (a absent: as planned), write it, read before the configs,
        // and write nothing after.
        assert_eq!(*fake.calls.borrow(), ["read", "create a", "wait a", "read"]);
    }

    #[test]
    fn forbidden_actions_write_nothing() {
        let mut p = plan(vec![create("a")]);
        p.actions.push(action(
            Phase::Deletes,
            "__consumer_offsets",
            Op::DeleteTopic,
        ));
        p.policy.delete_undeclared = false;
        p.actions
            .push(action(Phase::Deletes, "legacy", Op::DeleteTopic));
        let fake = FakeCluster::default();
        match block_on(apply(&p, &fake, &mut Quiet)) {
            Err(ApplyError::Forbidden(v)) => assert_eq!(v.len(), 2, "{v:?}"),
            other => panic!("not forbidden: {other:?}"),
        }
        assert!(fake.calls.borrow().is_empty());
    }

    #[test]
    fn refused_plans_write_nothing() {
        let mut p = plan(vec![create("a")]);
        p.refused.push(crate::plan::Refusal {
            kind: crate::plan::RefusalKind::PartitionDecrease,
            resource: Resource::topic("a"),
            key: None,
            before: None,
            after: None,
            message: "no".into(),
        });
        let fake = FakeCluster::default();
        assert!(matches!(
            block_on(apply(&p, &fake, &mut Quiet)),
            Err(ApplyError::Refused(1))
        ));
        assert!(fake.calls.borrow().is_empty());
    }
}
