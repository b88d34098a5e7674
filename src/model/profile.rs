//! What the connected broker is and can do, as the probe at the start of every read found
//! it: family, version range, admin APIs, and how far its DescribeConfigs and
//! `validate_only` answers can be believed. Plain data; the probe lives in `cluster::probe`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Which implementation of the Kafka protocol answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    ApacheKafka,
    Redpanda,
    Tansu,
    /// Speaks Kafka, but matches none of the known signatures.
    #[default]
    Unknown,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::ApacheKafka => "Apache Kafka",
            Family::Redpanda => "Redpanda",
            Family::Tansu => "Tansu",
            Family::Unknown => "Kafka-compatible broker",
        }
    }
}

/// An Apache Kafka release line, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Release {
    pub major: u16,
    pub minor: u16,
}

impl Release {
    pub const fn new(major: u16, minor: u16) -> Release {
        Release { major, minor }
    }
}

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The Kafka releases whose protocol the broker matches, inclusive; `max: None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRange {
    pub min: Release,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Release>,
}

impl VersionRange {
    pub fn contains(&self, r: Release) -> bool {
        r >= self.min && self.max.is_none_or(|m| r <= m)
    }
}

impl std::fmt::Display for VersionRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{}", self.min),
            Some(max) if self.min == Release::new(0, 0) => write!(f, "≤ {max}"),
            Some(max) => write!(f, "{}–{max}", self.min),
            // Every 4.x release so far shares one topic config catalogue.
            None if self.min.minor == 0 => write!(f, "{}.x", self.min.major),
            None => write!(f, "≥ {}", self.min),
        }
    }
}

/// Admin APIs a plan or apply may need, as the broker's ApiVersions listed them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminApis {
    pub create_topics: bool,
    pub delete_topics: bool,
    pub create_partitions: bool,
    pub describe_configs: bool,
    pub incremental_alter_configs: bool,
    pub describe_cluster: bool,
    /// ListGroups, DescribeGroups and OffsetFetch/OffsetCommit.
    pub consumer_groups: bool,
}

impl Default for AdminApis {
    /// Nothing known: assume everything, and let the broker say no.
    fn default() -> Self {
        AdminApis {
            create_topics: true,
            delete_topics: true,
            create_partitions: true,
            describe_configs: true,
            incremental_alter_configs: true,
            describe_cluster: true,
            consumer_groups: true,
        }
    }
}

/// How a broker's DescribeConfigs tells a topic's own settings from defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSources {
    /// Every entry with a source Kafka's way: DYNAMIC_TOPIC_CONFIG marks a topic's own.
    #[default]
    Trusted,
    /// Only the keys set on the topic are listed, all labelled as defaults (Tansu): a
    /// listed key is a set key.
    ListedKeysAreSet,
}

/// Everything the probe learned; part of every `LiveState` and plan header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerProfile {
    pub family: Family,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionRange>,
    pub brokers: u32,
    pub apis: AdminApis,
    pub config_sources: ConfigSources,
    /// `Some(false)`: the broker performs writes sent with `validate_only`. `None`: not
    /// known, which is treated as honoured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate_only_honoured: Option<bool>,
    /// The topic config keys the broker itself lists (DescribeConfigs of a topic), when
    /// it lists them all. Not part of the plan document: the plan's own checks used it.
    #[serde(skip)]
    pub topic_config_keys: Option<BTreeSet<String>>,
    /// Keys the broker accepts on a topic but never reports back (Redpanda's no-op
    /// Kafka keys): a declared value cannot be compared, so it is never drift.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unreported_keys: BTreeSet<String>,
}

impl BrokerProfile {
    /// `Apache Kafka 3.9`, `Tansu`, `Kafka-compatible broker`.
    pub fn label(&self) -> String {
        match (self.family, self.version) {
            (Family::ApacheKafka, Some(v)) => format!("{} {v}", self.family.name()),
            (family, _) => family.name().to_string(),
        }
    }

    /// Whether a Kafka release's topic configs apply (any release when nothing is known).
    pub fn runs(&self, release: Release) -> bool {
        self.version.is_none_or(|v| v.contains(release))
    }
}
