//! Access-control and credential types: ACL bindings as Kafka stores them, SCRAM users
//! as the file declares them, and what a cluster holds of both. Plain data only.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// What an ACL protects. Kafka's names, lower-cased in the file and the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AclResourceType {
    Topic,
    Group,
    Cluster,
    TransactionalId,
}

impl AclResourceType {
    pub const ALL: [AclResourceType; 4] = [
        AclResourceType::Topic,
        AclResourceType::Group,
        AclResourceType::Cluster,
        AclResourceType::TransactionalId,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AclResourceType::Topic => "topic",
            AclResourceType::Group => "group",
            AclResourceType::Cluster => "cluster",
            AclResourceType::TransactionalId => "transactional_id",
        }
    }

    pub fn parse(s: &str) -> Option<AclResourceType> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }

    /// Operations Kafka's authorizer checks on this resource type.
    pub fn operations(self) -> &'static [AclOperation] {
        use AclOperation::*;
        match self {
            AclResourceType::Topic => &[
                All,
                Read,
                Write,
                Create,
                Delete,
                Alter,
                Describe,
                DescribeConfigs,
                AlterConfigs,
            ],
            AclResourceType::Group => &[All, Read, Delete, Describe],
            AclResourceType::Cluster => &[
                All,
                Create,
                Alter,
                Describe,
                ClusterAction,
                DescribeConfigs,
                AlterConfigs,
                IdempotentWrite,
            ],
            AclResourceType::TransactionalId => &[All, Write, Describe],
        }
    }
}

/// The only name a cluster resource has.
pub const CLUSTER_RESOURCE_NAME: &str = "kafka-cluster";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AclPattern {
    Literal,
    Prefixed,
}

impl AclPattern {
    pub fn name(self) -> &'static str {
        match self {
            AclPattern::Literal => "literal",
            AclPattern::Prefixed => "prefixed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AclOperation {
    All,
    Read,
    Write,
    Create,
    Delete,
    Alter,
    Describe,
    ClusterAction,
    DescribeConfigs,
    AlterConfigs,
    IdempotentWrite,
}

impl AclOperation {
    pub const ALL: [AclOperation; 11] = [
        AclOperation::All,
        AclOperation::Read,
        AclOperation::Write,
        AclOperation::Create,
        AclOperation::Delete,
        AclOperation::Alter,
        AclOperation::Describe,
        AclOperation::ClusterAction,
        AclOperation::DescribeConfigs,
        AclOperation::AlterConfigs,
        AclOperation::IdempotentWrite,
    ];

    /// The file's spelling: `read`, `describe_configs`, ...
    pub fn name(self) -> &'static str {
        match self {
            AclOperation::All => "all",
            AclOperation::Read => "read",
            AclOperation::Write => "write",
            AclOperation::Create => "create",
            AclOperation::Delete => "delete",
            AclOperation::Alter => "alter",
            AclOperation::Describe => "describe",
            AclOperation::ClusterAction => "cluster_action",
            AclOperation::DescribeConfigs => "describe_configs",
            AclOperation::AlterConfigs => "alter_configs",
            AclOperation::IdempotentWrite => "idempotent_write",
        }
    }

    /// Kafka's spelling, as its tools and error messages show it: `READ`, `DESCRIBE_CONFIGS`.
    pub fn kafka_name(self) -> String {
        self.name().to_ascii_uppercase()
    }

    pub fn parse(s: &str) -> Option<AclOperation> {
        let s = s.to_ascii_lowercase().replace('-', "_");
        Self::ALL.into_iter().find(|o| o.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AclPermission {
    Allow,
    Deny,
}

impl AclPermission {
    pub fn name(self) -> &'static str {
        match self {
            AclPermission::Allow => "allow",
            AclPermission::Deny => "deny",
        }
    }
}

/// One ACL exactly as the authorizer stores it. Field order is the sort order: bindings
/// group by the resource they protect, then by principal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AclBinding {
    pub resource_type: AclResourceType,
    pub name: String,
    pub pattern: AclPattern,
    pub principal: String,
    pub host: String,
    pub operation: AclOperation,
    pub permission: AclPermission,
}

impl AclBinding {
    /// The resource as a reviewer names it; a prefixed pattern ends in `*`.
    pub fn resource_name(&self) -> String {
        match self.pattern {
            AclPattern::Literal => self.name.clone(),
            AclPattern::Prefixed => format!("{}*", self.name),
        }
    }

    /// One line naming who may (or may not) do what from where, e.g.
    /// `User:workers allow READ from *`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} {} from {}",
            self.principal,
            self.permission.name(),
            self.operation.kafka_name(),
            self.host
        )
    }
}

/// SCRAM mechanisms Kafka supports for user credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ScramMechanism {
    #[serde(rename = "SCRAM-SHA-256")]
    Sha256,
    #[serde(rename = "SCRAM-SHA-512")]
    Sha512,
}

impl ScramMechanism {
    pub const ALL: [ScramMechanism; 2] = [ScramMechanism::Sha256, ScramMechanism::Sha512];

    pub fn name(self) -> &'static str {
        match self {
            ScramMechanism::Sha256 => "SCRAM-SHA-256",
            ScramMechanism::Sha512 => "SCRAM-SHA-512",
        }
    }

    pub fn parse(s: &str) -> Option<ScramMechanism> {
        Self::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
    }
}

/// Iterations Kafka's own tools use when none are given.
pub const DEFAULT_SCRAM_ITERATIONS: u32 = 4096;

/// A SCRAM user as declared in `[users."NAME"]`. The password itself is never part of
/// the desired state: only the environment variable that holds it, read when apply
/// writes the credential, so no plan, saved or shown, can carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSpec {
    pub name: String,
    pub mechanisms: BTreeSet<ScramMechanism>,
    pub password_env: String,
    pub iterations: u32,
    /// Write the credential even where it exists (a password cannot be read back, so a
    /// rotation is only ever done when asked for).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rotate: bool,
}

/// What a read found of the ACLs the plan depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "acls", rename_all = "snake_case")]
pub enum LiveAcls {
    /// Not asked for: the file declares no ACLs.
    #[default]
    NotRead,
    /// The cluster runs without an authorizer (DescribeAcls: SecurityDisabled).
    NoAuthorizer,
    /// Whether ACLs are enforced cannot be told, so the ACLs read cannot be trusted: the
    /// broker shows no configs (a principal without DESCRIBE_CONFIGS on the cluster, or a
    /// Kafka-compatible broker that reports none). Why, for the plan.
    Unknown(String),
    /// Every ACL of the declared principals.
    Read(BTreeSet<AclBinding>),
}

/// SCRAM credentials found per declared user: mechanism → iterations.
pub type LiveScram = BTreeMap<String, BTreeMap<ScramMechanism, u32>>;
