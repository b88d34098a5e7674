//! The plan: an ordered, self-contained value describing what apply will do, what it
//! refuses to do and why, and what it noticed but leaves alone.
//!
//! Renderers and apply both consume this type and nothing else, so a saved plan renders
//! and applies exactly as it was reviewed. No IO here; the JSON form is the serde form.

pub(crate) mod fingerprint;
pub(crate) mod seal;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{
    AclBinding, AclResourceType, ConfigMap, GroupState, OffsetPolicy, Origins, Policy,
    ScopePattern, ScramMechanism,
};

/// Bumped whenever the JSON document changes incompatibly. 2: sealed plans (cluster id,
/// topology and actions digests, the policy in force).
pub(crate) const FORMAT_VERSION: u32 = 2;

/// Execution order of actions. The explicit rank (not declaration order) is what apply and
/// every renderer sort by: topics must exist before their partitions or configs change,
/// offsets can only be committed on existing partitions, and deletes go last. Access is
/// granted before anything is revoked, so a consumer whose ACLs are being reshaped never
/// loses access halfway through an apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    CreateTopics,
    Partitions,
    Configs,
    /// SCRAM credentials, before the grants that name their users.
    Users,
    Grants,
    GroupOffsets,
    Revokes,
    Deletes,
}

impl Phase {
    pub(crate) fn rank(self) -> u8 {
        match self {
            Phase::CreateTopics => 10,
            Phase::Partitions => 20,
            Phase::Configs => 30,
            Phase::Users => 33,
            Phase::Grants => 35,
            Phase::GroupOffsets => 40,
            Phase::Revokes => 45,
            Phase::Deletes => 50,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Topic,
    Group,
    Cluster,
    TransactionalId,
    /// A SCRAM user.
    User,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Resource {
    pub kind: ResourceKind,
    pub name: String,
}

impl Resource {
    pub(crate) fn topic(name: impl Into<String>) -> Self {
        Resource {
            kind: ResourceKind::Topic,
            name: name.into(),
        }
    }
    pub(crate) fn group(name: impl Into<String>) -> Self {
        Resource {
            kind: ResourceKind::Group,
            name: name.into(),
        }
    }
    pub fn user(name: impl Into<String>) -> Self {
        Resource {
            kind: ResourceKind::User,
            name: name.into(),
        }
    }
    /// The resource an ACL protects; a prefixed pattern is named with a trailing `*`.
    pub fn protected_by(acl: &AclBinding) -> Self {
        let kind = match acl.resource_type {
            AclResourceType::Topic => ResourceKind::Topic,
            AclResourceType::Group => ResourceKind::Group,
            AclResourceType::Cluster => ResourceKind::Cluster,
            AclResourceType::TransactionalId => ResourceKind::TransactionalId,
        };
        Resource {
            kind,
            name: acl.resource_name(),
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            ResourceKind::Topic => "topic",
            ResourceKind::Group => "group",
            ResourceKind::Cluster => "cluster",
            ResourceKind::TransactionalId => "transactional_id",
            ResourceKind::User => "user",
        };
        write!(f, "{kind} \"{}\"", self.name)
    }
}

/// The broker operation an action performs, with everything apply needs to perform it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CreateTopic {
        partitions: i32,
        replication_factor: i16,
        #[serde(serialize_with = "crate::model::config_map_as_object")]
        config: ConfigMap,
    },
    /// IncrementalAlterConfigs: SET these keys, DELETE those (back to the broker default).
    AlterConfigs {
        #[serde(serialize_with = "crate::model::config_map_as_object")]
        set: ConfigMap,
        delete: BTreeSet<String>,
    },
    CreatePartitions {
        from: i32,
        to: i32,
    },
    /// Commit starting offsets of a group that does not exist yet; offsets are resolved
    /// at apply time because the log start and end move.
    CommitGroupOffsets {
        policy: OffsetPolicy,
        /// topic → partition count it will be committed on
        topics: BTreeMap<String, i32>,
    },
    DeleteTopic,
    /// CreateAcls: these exact bindings, all protecting the action's resource.
    CreateAcls {
        acls: Vec<AclBinding>,
    },
    /// DeleteAcls with one exact filter per binding, so nothing else can match.
    DeleteAcls {
        acls: Vec<AclBinding>,
    },
    /// AlterUserScramCredentials upserts. The password is read from `password_env` when
    /// apply runs; it is never part of a plan.
    SetScramCredentials {
        credentials: Vec<ScramCredential>,
        password_env: String,
        /// Some of these credentials exist already and are replaced (an explicit rotation).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        rotation: bool,
    },
}

/// One SCRAM credential to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScramCredential {
    pub mechanism: ScramMechanism,
    pub iterations: u32,
}

impl Op {
    pub(crate) fn category(&self) -> Category {
        match self {
            Op::CreateTopic { .. } | Op::CommitGroupOffsets { .. } | Op::CreateAcls { .. } => {
                Category::Create
            }
            Op::SetScramCredentials {
                rotation: false, ..
            } => Category::Create,
            Op::AlterConfigs { .. }
            | Op::CreatePartitions { .. }
            | Op::SetScramCredentials { rotation: true, .. } => Category::Update,
            Op::DeleteTopic | Op::DeleteAcls { .. } => Category::Delete,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Create,
    Update,
    Delete,
}

/// One line a reviewer reads: a key going from `before` to `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// `after` is absent because the key returns to the broker default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub to_default: bool,
    /// `before` is the broker's default (or a broker-wide setting), not set on the topic.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub before_default: bool,
}

impl Change {
    pub(crate) fn set(
        key: impl Into<String>,
        before: Option<String>,
        after: impl Into<String>,
    ) -> Self {
        Change {
            key: key.into(),
            before,
            after: Some(after.into()),
            to_default: false,
            before_default: false,
        }
    }
    pub(crate) fn unset(key: impl Into<String>, before: Option<String>) -> Self {
        Change {
            key: key.into(),
            before,
            after: None,
            to_default: true,
            before_default: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskKind {
    /// Keys move to other partitions; per-key ordering breaks across the change.
    KeyRemap,
    RetentionDecrease,
    CleanupPolicyChange,
    /// Deleting a topic deletes its data.
    DataLoss,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    pub kind: RiskKind,
    /// The change key the risk is attached to (`partitions`, `retention.ms`, ...).
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub phase: Phase,
    pub resource: Resource,
    #[serde(flatten)]
    pub op: Op,
    pub changes: Vec<Change>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<Risk>,
    /// Context for the reviewer, e.g. "dead-letter of ingestion-events".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Action {
    /// Short verb phrase for progress lines and reports.
    pub(crate) fn label(&self) -> &'static str {
        match self.op {
            Op::CreateTopic { .. } => "create",
            Op::AlterConfigs { .. } => "update configs",
            Op::CreatePartitions { .. } => "add partitions",
            Op::CommitGroupOffsets { .. } => "commit start offsets",
            Op::DeleteTopic => "delete",
            Op::CreateAcls { .. } => "grant access",
            Op::DeleteAcls { .. } => "revoke access",
            Op::SetScramCredentials {
                rotation: false, ..
            } => "create credentials",
            Op::SetScramCredentials { rotation: true, .. } => "rotate credentials",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    PartitionDecrease,
    ReplicationFactorChange,
    /// Offsets of a group with members or commits are never moved.
    ActiveGroup,
    /// The broker said no during `--validate`.
    BrokerRejected,
    /// The broker lacks the admin call the change needs.
    Unsupported,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub kind: RefusalKind,
    pub resource: Resource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A live override not in the file, left alone by policy.
    UnmanagedOverride,
    /// A live topic in scope but not declared, left alone by policy.
    Orphan,
    /// A group consuming managed topics that the file does not declare.
    UnmanagedGroup,
    /// A declared config the broker accepts but never reports, so it is not compared.
    Unreported,
    /// An ACL of a declared principal that the file does not declare, left alone by policy.
    UndeclaredAcl,
    /// The file declares ACLs but the cluster has no authorizer to hold them.
    NoAuthorizer,
    /// The file declares ACLs but the cluster's could not be read reliably.
    AclsUnknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub resource: Resource,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    pub message: String,
}

/// Observed divergence that is not an action: apply cannot fix it, but a drift check must
/// count it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Drift {
    LagOverBudget {
        group: String,
        topic: String,
        lag: i64,
        budget: i64,
    },
}

/// Lag of one group on one topic, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicLagView {
    pub partitions: i32,
    pub committed_partitions: i32,
    pub lag: i64,
    /// Partition with the highest lag and that lag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst: Option<(i32, i64)>,
}

/// Live view of a declared group, carried in the plan so renderings show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub name: String,
    /// `None`: the group does not exist on the cluster.
    pub state: Option<GroupState>,
    pub members: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_budget: Option<i64>,
    pub topics: BTreeMap<String, TopicLagView>,
}

/// What the fingerprint covers, recorded so a saved plan can recompute it later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub topics: BTreeSet<String>,
    pub groups: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manage: Vec<ScopePattern>,
    /// Principals whose ACLs the plan covers.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub principals: BTreeSet<String>,
    /// SCRAM users whose credentials the plan covers.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub users: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub refused: usize,
    pub drift: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    /// The topology file the plan was computed from (as given on the command line).
    pub topology: String,
    /// SHA-256 of the topology file's bytes; a saved plan applies only with that file.
    #[serde(default)]
    pub topology_sha256: String,
    pub cluster: ClusterInfo,
    /// The policy in force when the plan was made.
    #[serde(default)]
    pub policy: Policy,
    /// SHA-256 over exactly the actions and refusals (see [`seal::actions_digest`]).
    #[serde(default)]
    pub actions_sha256: String,
    pub fingerprint: String,
    pub scope: Scope,
    /// Per-resource digests behind the fingerprint, so a stale plan can say what moved.
    pub observed: BTreeMap<String, String>,
    pub actions: Vec<Action>,
    pub refused: Vec<Refusal>,
    pub warnings: Vec<Warning>,
    pub drift: Vec<Drift>,
    pub groups: Vec<GroupView>,
    pub summary: Summary,
    /// The environment the topology was loaded for, when it declares environments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Set when the plan covers only some resources (`--target`): it says nothing about
    /// the rest of the topology, and applying it changes nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<Partial>,
    /// Which file declared each resource, for a topology composed of several files.
    #[serde(default, skip_serializing_if = "Origins::is_empty")]
    pub origins: Origins,
    /// Messages each deleted topic holds (log end minus log start over its partitions),
    /// where the broker said. Outside the actions and their digest: producers move it
    /// every second, and a saved plan must still match its re-derivation at apply.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<String, i64>,
}

/// What a partial plan was restricted to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partial {
    /// The `--target` arguments, as given.
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// The cluster's id as the broker reports it (`None` for brokers that report none):
    /// a saved plan applies only to the cluster with this id.
    #[serde(default)]
    pub id: Option<String>,
    pub bootstrap: String,
    pub brokers: u32,
    /// The broker the plan was made against, as the probe found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::model::BrokerProfile>,
}

impl Plan {
    /// Builds a plan with actions in execution order and the summary derived from content.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        topology: String,
        cluster: ClusterInfo,
        observation: fingerprint::Observation,
        scope: Scope,
        mut actions: Vec<Action>,
        mut refused: Vec<Refusal>,
        mut warnings: Vec<Warning>,
        drift: Vec<Drift>,
        groups: Vec<GroupView>,
    ) -> Plan {
        actions.sort_by(|a, b| (a.phase.rank(), &a.resource).cmp(&(b.phase.rank(), &b.resource)));
        refused.sort_by(|a, b| (&a.resource, &a.key).cmp(&(&b.resource, &b.key)));
        warnings.sort_by(|a, b| (a.kind, &a.resource).cmp(&(b.kind, &b.resource)));
        let mut plan = Plan {
            format_version: FORMAT_VERSION,
            topology,
            topology_sha256: String::new(),
            cluster,
            policy: Policy::default(),
            actions_sha256: String::new(),
            fingerprint: observation.fingerprint,
            scope,
            observed: observation.parts,
            actions,
            refused,
            warnings,
            drift,
            groups,
            summary: Summary::default(),
            environment: None,
            partial: None,
            origins: Origins::default(),
            messages: BTreeMap::new(),
        };
        plan.resummarise();
        plan
    }

    /// Recomputes the summary and the actions digest; call after adding refusals (e.g.
    /// from server-side validation).
    pub(crate) fn resummarise(&mut self) {
        self.actions_sha256 = seal::actions_digest(&self.actions, &self.refused);
        let mut per_category: BTreeMap<Category, BTreeSet<&Resource>> = BTreeMap::new();
        for action in &self.actions {
            per_category
                .entry(action.op.category())
                .or_default()
                .insert(&action.resource);
        }
        let count = |c| per_category.get(&c).map_or(0, |s| s.len());
        self.summary = Summary {
            create: count(Category::Create),
            update: count(Category::Update),
            delete: count(Category::Delete),
            refused: self.refused.len(),
            drift: self.drift.len(),
            warnings: self.warnings.len(),
        };
    }

    pub(crate) fn has_changes(&self) -> bool {
        !self.actions.is_empty()
    }

    pub(crate) fn is_refused(&self) -> bool {
        !self.refused.is_empty()
    }

    /// Whether a drift check should report a difference (exit 2).
    pub(crate) fn has_drift(&self) -> bool {
        self.has_changes() || !self.drift.is_empty()
    }

    pub(crate) fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail; fall back defensively anyway.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    pub fn from_json(text: &str) -> Result<Plan, serde_json::Error> {
        serde_json::from_str(text)
    }
}
