//! Domain types every layer shares: the desired state a topology file expands to and the
//! live state read from a cluster. Plain data only: no IO, no parsing, no rdkafka.
//!
//! Maps are `BTreeMap`/`BTreeSet` on purpose: everything downstream (plans, renderings,
//! fingerprints, snapshots) inherits their ordering and stays deterministic.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

mod security;

pub use crate::partition::Partitioner;
pub use security::*;

mod profile;
mod topics;
pub use profile::{AdminApis, BrokerProfile, ConfigSources, Family, Release, VersionRange};
pub use topics::{TopicExtras, TopicSpec, Topics};

/// Topic config as Kafka stores it: key → exact string value.
pub type ConfigMap = litemap::LiteMap<String, String>;

/// Writes a config map as an object even when empty: litemap writes an empty map as a
/// list in human-readable formats, and saved plans (and their digests) must not change
/// shape with the map type behind them.
pub(crate) fn config_map_as_object<S: serde::Serializer>(
    map: &ConfigMap,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter())
}

/// How to reach the cluster, as declared in `[cluster]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSpec {
    pub bootstrap_servers: Option<String>,
    /// librdkafka client properties passed through unchanged (`security.protocol`, ...).
    #[serde(serialize_with = "config_map_as_object")]
    pub client: ConfigMap,
}

/// Where a brand-new group starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OffsetPolicy {
    Earliest,
    Latest,
}

impl OffsetPolicy {
    pub(crate) fn name(self) -> &'static str {
        match self {
            OffsetPolicy::Earliest => "earliest",
            OffsetPolicy::Latest => "latest",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSpec {
    pub name: String,
    pub topics: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_offsets: Option<OffsetPolicy>,
    /// Total lag (messages, summed over partitions of one topic) above which the group drifts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_budget: Option<i64>,
}

/// One entry of `policy.manage`: which live topics topo considers its own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum ScopePattern {
    /// Topic names starting with this prefix.
    Prefix(String),
    /// Shell-style glob: `*` any run of characters, `?` one character.
    Glob(String),
}

impl ScopePattern {
    /// The pattern as written.
    pub(crate) fn text(&self) -> &str {
        match self {
            ScopePattern::Prefix(p) | ScopePattern::Glob(p) => p,
        }
    }

    pub(crate) fn matches(&self, name: &str) -> bool {
        match self {
            ScopePattern::Prefix(p) => name.starts_with(p.as_str()),
            ScopePattern::Glob(g) => glob_match(g.as_bytes(), name.as_bytes()),
        }
    }
}

/// Iterative glob matcher with single backtrack point: linear in practice, no recursion.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// `[policy]`: what topo may touch beyond the declared topics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Live topics inside this scope are managed (orphans are reported, deletable by opt-in).
    /// Empty means: only the declared topics are managed.
    pub manage: Vec<ScopePattern>,
    /// Undeclared managed topics are deleted (otherwise only listed).
    pub delete_undeclared: bool,
    /// Live config overrides not in the file are removed (otherwise reported as unmanaged).
    pub remove_unmanaged_config: bool,
    /// Where `delete_undeclared` may delete, when narrower than `manage`: in a topology
    /// composed of several files, only the scopes of the files that opted in. `None`
    /// (one file) means all of `manage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_within: Option<Vec<ScopePattern>>,
    /// ACLs of declared principals that the file does not declare are removed (otherwise
    /// reported). ACLs of principals the file never mentions are out of reach either way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove_undeclared_acls: bool,
    /// Topics topo never touches in addition to Kafka's and the platform's own
    /// ([`is_internal_topic`]), whatever the scope says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected: Vec<ScopePattern>,
}

/// Kafka Connect's storage topics under their documented and usual names (the defaults
/// of the distributed worker, of the Confluent and Strimzi images, and of the Debezium
/// examples): `connect-configs`, `docker-connect-offsets`, `my_connect_statuses`, ...
const CONNECT_SUFFIXES: [&str; 11] = [
    "connect-cluster-configs",
    "connect-cluster-offsets",
    "connect-cluster-status",
    "connect-configs",
    "connect-offsets",
    "connect-status",
    "connect-statuses",
    "connect_configs",
    "connect_offsets",
    "connect_status",
    "connect_statuses",
];

/// Kafka-internal and platform topics that topo never manages, whatever the scope says:
/// Kafka's own (`__consumer_offsets`, `__transaction_state`, any `__*`), Schema
/// Registry's (`_schemas`, `_schemas_*`), Confluent Platform's (`_confluent-*`,
/// `_confluent_*`, ksqlDB's `_confluent-ksql-*`), Kafka Connect's storage topics and
/// MirrorMaker 2's internal topics (`mm2-*.internal`, `*.checkpoints.internal`).
pub(crate) fn is_internal_topic(name: &str) -> bool {
    if name.starts_with("__")
        || name.starts_with("_confluent")
        || name == "_schemas"
        || name.starts_with("_schemas_")
        || name.ends_with(".internal")
            && (name.starts_with("mm2-") || name.contains(".checkpoints."))
    {
        return true;
    }
    CONNECT_SUFFIXES.iter().any(|suffix| {
        name.strip_suffix(suffix)
            .is_some_and(|head| head.is_empty() || head.ends_with(['-', '_', '.']))
    })
}

impl Policy {
    /// Whether a live, undeclared topic falls inside the managed scope.
    pub(crate) fn in_scope(&self, name: &str) -> bool {
        !self.is_protected(name) && self.manage.iter().any(|p| p.matches(name))
    }

    /// Internal, platform, or protected by `policy.protected`: never touched.
    pub(crate) fn is_protected(&self, name: &str) -> bool {
        is_internal_topic(name) || self.protected.iter().any(|p| p.matches(name))
    }

    /// The scope rule that makes an undeclared topic managed, for messages that must say
    /// why a topic is affected (`policy.patterns "legacy-*"`).
    pub(crate) fn matching_rule(&self, name: &str) -> Option<String> {
        self.manage
            .iter()
            .find(|p| p.matches(name))
            .map(|p| match p {
                ScopePattern::Prefix(t) => format!("policy.prefixes \"{t}\""),
                ScopePattern::Glob(t) => format!("policy.patterns \"{t}\""),
            })
    }

    /// Whether an undeclared live topic may be deleted: in scope, opted in, and (in a
    /// composed topology) inside the scope of a file that opted in.
    pub fn may_delete(&self, name: &str) -> bool {
        self.delete_undeclared
            && self.in_scope(name)
            && self
                .delete_within
                .as_ref()
                .is_none_or(|within| within.iter().any(|p| p.matches(name)))
    }
}

/// Where a declared resource comes from, in a topology composed of several files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    /// The `owner` label of the file's `[scope]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(owner) = &self.owner {
            write!(f, " (owner {owner})")?;
        }
        Ok(())
    }
}

/// Which file declared each topic and group; empty for a single-file topology, where the
/// plan's `topology` already says it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origins {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub topics: BTreeMap<String, Origin>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, Origin>,
}

impl Origins {
    pub fn is_empty(&self) -> bool {
        self.topics.is_empty() && self.groups.is_empty()
    }
}

/// Everything the topology file asks for, validated and fully expanded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredState {
    pub cluster: ClusterSpec,
    pub topics: Topics,
    pub groups: BTreeMap<String, GroupSpec>,
    pub policy: Policy,
    #[serde(default, skip_serializing_if = "Origins::is_empty")]
    pub origins: Origins,
    /// Every ACL the file declares, intent forms expanded.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub acls: BTreeSet<AclBinding>,
    /// Principals whose ACLs topo manages: every principal the file grants anything to.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub principals: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub users: BTreeMap<String, UserSpec>,
}

/// Where a broker says a config value comes from (DescribeConfigs `source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSource {
    /// Set on this topic: the only source that counts as an override.
    DynamicTopic,
    DynamicBroker,
    DynamicDefaultBroker,
    StaticBroker,
    Default,
    /// The broker did not say (some Kafka-compatible brokers): compare values instead.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveConfigEntry {
    /// `None` for sensitive or null values.
    pub value: Option<String>,
    pub source: ConfigSource,
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTopic {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    /// Effective configs; absent when the topic's configs were not read (out of scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<BTreeMap<String, LiveConfigEntry>>,
}

impl LiveTopic {
    /// Keys explicitly set on this topic (dynamic topic configs).
    pub(crate) fn overrides(&self) -> impl Iterator<Item = (&String, &LiveConfigEntry)> {
        self.config
            .iter()
            .flat_map(|c| c.iter())
            .filter(|(_, e)| e.source == ConfigSource::DynamicTopic)
    }
}

/// Consumer group state as the broker names it, folded to what an operator cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupState {
    Empty,
    Stable,
    Rebalancing,
    Dead,
    Unknown,
}

impl GroupState {
    pub(crate) fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "empty",
            GroupState::Stable => "stable",
            GroupState::Rebalancing => "rebalancing",
            GroupState::Dead => "dead",
            GroupState::Unknown => "unknown",
        }
    }
}

/// Per-partition position of a group on one topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionLag {
    pub partition: i32,
    /// Committed offset, `None` when the group has no commit for this partition.
    pub committed: Option<i64>,
    pub log_start: i64,
    pub log_end: i64,
}

impl PartitionLag {
    /// Messages not yet consumed; without a commit, everything still in the log counts.
    pub(crate) fn lag(&self) -> i64 {
        let from = self.committed.unwrap_or(self.log_start).max(self.log_start);
        (self.log_end - from).max(0)
    }

    /// The partition furthest behind and its lag (zero when none lags); ties go to the
    /// lowest partition so the plan and `topo status` name the same one.
    pub(crate) fn worst(parts: &[PartitionLag]) -> Option<(i32, i64)> {
        parts
            .iter()
            .map(|p| (p.partition, p.lag()))
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveGroup {
    pub name: String,
    pub state: GroupState,
    pub members: u32,
    /// topic → partitions (sorted by partition) for every topic the group is declared to
    /// consume or has commits on.
    pub offsets: BTreeMap<String, Vec<PartitionLag>>,
}

impl LiveGroup {
    pub(crate) fn has_commits(&self) -> bool {
        self.offsets
            .values()
            .flatten()
            .any(|p| p.committed.is_some())
    }
}

/// What the cluster looks like, as far as a plan needs to know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveState {
    /// Bootstrap address used (for display only; not part of the fingerprint).
    pub bootstrap: String,
    /// The cluster's id, when the broker reports one: what identifies a cluster, unlike
    /// an address, which any cluster can answer on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    pub brokers: u32,
    pub topics: BTreeMap<String, LiveTopic>,
    /// Declared groups as found (absent groups are simply missing).
    pub groups: BTreeMap<String, LiveGroup>,
    /// Groups not declared that hold commits on managed topics: group → topics.
    pub unmanaged_groups: BTreeMap<String, BTreeSet<String>>,
    /// What the broker is and can do; `None` when not probed (a recorded state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<BrokerProfile>,
    /// ACLs of the declared principals.
    #[serde(default)]
    pub acls: LiveAcls,
    /// SCRAM credentials of the declared users.
    #[serde(default)]
    pub scram: LiveScram,
    /// Messages held by each managed topic the file does not declare (what a delete would
    /// destroy), read only when the policy may delete such topics.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<String, i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_like_a_shell() {
        let g = |p: &str, t: &str| ScopePattern::Glob(p.into()).matches(t);
        assert!(g("ingestion-*", "ingestion-events"));
        assert!(g("*-dlq", "ingestion-events-dlq"));
        assert!(!g("*-dlq", "ingestion-events"));
        assert!(g("a?c", "abc"));
        assert!(!g("a?c", "abbc"));
        assert!(g("*", ""));
        assert!(g("a*b*c", "axxbyyc"));
    }

    #[test]
    fn internal_topics_are_never_in_scope() {
        let policy = Policy {
            manage: vec![ScopePattern::Glob("*".into())],
            ..Policy::default()
        };
        assert!(!policy.in_scope("__consumer_offsets"));
        assert!(!policy.in_scope("_schemas"));
        assert!(policy.in_scope("orders"));
        for platform in [
            "_confluent-command",
            "_confluent-ksql-default__command_topic",
            "_confluent_balancer_api_state",
            "connect-configs",
            "connect-offsets",
            "connect-status",
            "docker-connect-offsets",
            "connect-cluster-configs",
            "my_connect_statuses",
            "mm2-offset-syncs.east.internal",
            "east.checkpoints.internal",
        ] {
            assert!(is_internal_topic(platform), "{platform}");
            assert!(!policy.in_scope(platform), "{platform}");
        }
        for user in [
            "connectors",
            "reconnect-statuses-x",
            "orders.internal",
            "schemas",
        ] {
            assert!(!is_internal_topic(user), "{user}");
        }
        let protected = Policy {
            protected: vec![ScopePattern::Glob("audit-*".into())],
            ..policy
        };
        assert!(!protected.in_scope("audit-log"));
        assert!(protected.is_protected("audit-log"));
        assert_eq!(
            protected.matching_rule("orders").as_deref(),
            Some("policy.patterns \"*\"")
        );
    }

    #[test]
    fn lag_without_commit_counts_whole_log() {
        let p = PartitionLag {
            partition: 0,
            committed: None,
            log_start: 5,
            log_end: 9,
        };
        assert_eq!(p.lag(), 4);
        let p = PartitionLag {
            partition: 0,
            committed: Some(8),
            log_start: 5,
            log_end: 9,
        };
        assert_eq!(p.lag(), 1);
    }
}
