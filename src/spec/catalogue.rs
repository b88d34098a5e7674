//! The catalogue of Kafka topic configs: every key a topic may set on Kafka 4.x, its type
//! and the values the broker accepts, as one data table, plus what differs on the 3.x
//! releases topo supports (3.7, 3.9): keys 4.0 removed, keys added since 3.7, and value
//! rules that changed. Validation and the JSON Schema are both derived from it, so the two
//! cannot disagree.
//!
//! Source of truth: `LogConfig.configKeys()` of Apache Kafka 4.4.0 (type and validator of
//! each non-internal key), cross-checked against `kafka-configs --describe --all` on a
//! 4.4 broker. Broker-side cross-field rules (e.g. local retention ≤ retention) are left
//! to the broker: they depend on broker settings this file cannot see.

/// What a config's value must look like. Integer bounds are inclusive; `INT` configs are
/// capped at `i32::MAX` because the broker parses them as Java ints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// An integer in `min..=max`, or exactly `or` (gzip's "-1 = codec default").
    Int {
        min: i64,
        max: i64,
        or: Option<i64>,
    },
    /// A floating-point number in `min..=max`.
    Double {
        min: f64,
        max: f64,
    },
    Bool,
    /// Exactly one of these strings (case-sensitive, as the broker checks them).
    OneOf(&'static [&'static str]),
    /// A comma-separated subset of these strings, each at most once.
    SubsetOf(&'static [&'static str]),
    /// `*` or `PARTITION:BROKER` pairs, comma-separated.
    ThrottledReplicas,
    /// Any string the broker itself judges (`message.format.version`).
    Text,
}

/// One topic config the broker accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConfigDef {
    pub key: &'static str,
    pub kind: Kind,
    /// One line for editor tooltips (the JSON Schema's `description`).
    pub doc: &'static str,
}

use crate::model::Release;

const INT_MAX: i64 = i32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;

const fn int(min: i64) -> Kind {
    Kind::Int {
        min,
        max: INT_MAX,
        or: None,
    }
}

const fn long(min: i64) -> Kind {
    Kind::Int {
        min,
        max: LONG_MAX,
        or: None,
    }
}

pub(crate) const CLEANUP_POLICIES: &[&str] = &["delete", "compact"];
pub(crate) const COMPRESSION_TYPES: &[&str] =
    &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];
pub(crate) const TIMESTAMP_TYPES: &[&str] = &["CreateTime", "LogAppendTime"];

/// Sorted by key (a unit test keeps it so).
pub(crate) const CATALOGUE: &[ConfigDef] = &[
    ConfigDef {
        key: "cleanup.policy",
        kind: Kind::SubsetOf(CLEANUP_POLICIES),
        doc: "`delete` (discard old segments by retention), `compact` (keep the latest value per key), or both: \"delete,compact\".",
    },
    ConfigDef {
        key: "compression.gzip.level",
        kind: Kind::Int { min: 1, max: 9, or: Some(-1) },
        doc: "gzip level when compression.type is gzip: 1..9, or -1 for the codec default.",
    },
    ConfigDef {
        key: "compression.lz4.level",
        kind: Kind::Int { min: 1, max: 17, or: None },
        doc: "lz4 level when compression.type is lz4: 1..17.",
    },
    ConfigDef {
        key: "compression.type",
        kind: Kind::OneOf(COMPRESSION_TYPES),
        doc: "Final compression codec; `producer` keeps what the producer sent.",
    },
    ConfigDef {
        key: "compression.zstd.level",
        kind: Kind::Int { min: -131_072, max: 22, or: None },
        doc: "zstd level when compression.type is zstd: -131072..22.",
    },
    ConfigDef {
        key: "delete.retention.ms",
        kind: long(0),
        doc: "How long delete tombstones are kept on compacted topics.",
    },
    ConfigDef {
        key: "errors.deadletterqueue.group.enable",
        kind: Kind::Bool,
        doc: "Allow share groups to write undeliverable records to this topic as their dead-letter queue.",
    },
    ConfigDef {
        key: "file.delete.delay.ms",
        kind: long(0),
        doc: "Wait before deleting a file from the filesystem.",
    },
    ConfigDef {
        key: "flush.messages",
        kind: long(1),
        doc: "Force an fsync every this many messages (normally left to replication and the OS).",
    },
    ConfigDef {
        key: "flush.ms",
        kind: long(0),
        doc: "Force an fsync at this interval (normally left to replication and the OS).",
    },
    ConfigDef {
        key: "follower.replication.throttled.replicas",
        kind: Kind::ThrottledReplicas,
        doc: "Replicas throttled on the follower side: `*` or \"PARTITION:BROKER,...\".",
    },
    ConfigDef {
        key: "index.interval.bytes",
        kind: int(0),
        doc: "Bytes between offset index entries.",
    },
    ConfigDef {
        key: "leader.replication.throttled.replicas",
        kind: Kind::ThrottledReplicas,
        doc: "Replicas throttled on the leader side: `*` or \"PARTITION:BROKER,...\".",
    },
    ConfigDef {
        key: "local.retention.bytes",
        kind: long(-2),
        doc: "Tiered storage: local size limit per partition; -2 means use retention.bytes.",
    },
    ConfigDef {
        key: "local.retention.ms",
        kind: long(-2),
        doc: "Tiered storage: local retention time; -2 means use retention.ms.",
    },
    ConfigDef {
        key: "max.compaction.lag.ms",
        kind: long(1),
        doc: "Longest time a record stays ineligible for compaction.",
    },
    ConfigDef {
        key: "max.decompressed.message.bytes",
        kind: Kind::Int { min: 1, max: 2_147_483_639, or: None },
        doc: "Largest decompressed size of a single record the broker accepts.",
    },
    ConfigDef {
        key: "max.message.bytes",
        kind: int(0),
        doc: "Largest record batch the broker accepts (after compression).",
    },
    ConfigDef {
        key: "message.timestamp.after.max.ms",
        kind: long(0),
        doc: "How far a CreateTime timestamp may be ahead of the broker's clock.",
    },
    ConfigDef {
        key: "message.timestamp.before.max.ms",
        kind: long(0),
        doc: "How far a CreateTime timestamp may be behind the broker's clock.",
    },
    ConfigDef {
        key: "message.timestamp.type",
        kind: Kind::OneOf(TIMESTAMP_TYPES),
        doc: "Record timestamps: the producer's CreateTime or the broker's LogAppendTime.",
    },
    ConfigDef {
        key: "min.cleanable.dirty.ratio",
        kind: Kind::Double { min: 0.0, max: 1.0 },
        doc: "Share of uncompacted log (0..1) that triggers compaction.",
    },
    ConfigDef {
        key: "min.compaction.lag.ms",
        kind: long(0),
        doc: "Shortest time a record stays uncompacted.",
    },
    ConfigDef {
        key: "min.insync.replicas",
        kind: int(1),
        doc: "In-sync replicas needed for an acks=all write; at most the replication factor.",
    },
    ConfigDef {
        key: "preallocate",
        kind: Kind::Bool,
        doc: "Preallocate segment files on disk.",
    },
    ConfigDef {
        key: "remote.copy.lag.bytes",
        kind: long(-1),
        doc: "Tiered storage: newer local data after a segment before it may be uploaded; -1 derives it from local retention.",
    },
    ConfigDef {
        key: "remote.copy.lag.ms",
        kind: long(-1),
        doc: "Tiered storage: age of a segment's latest record before it may be uploaded; -1 derives it from local retention.",
    },
    ConfigDef {
        key: "remote.log.copy.disable",
        kind: Kind::Bool,
        doc: "Tiered storage: stop uploading; tiered data becomes read-only.",
    },
    ConfigDef {
        key: "remote.log.delete.on.disable",
        kind: Kind::Bool,
        doc: "Tiered storage: delete tiered data when tiered storage is turned off.",
    },
    ConfigDef {
        key: "remote.storage.enable",
        kind: Kind::Bool,
        doc: "Enable tiered storage for the topic.",
    },
    ConfigDef {
        key: "retention.bytes",
        kind: long(i64::MIN),
        doc: "Size limit per partition before old segments are deleted; -1 means no limit.",
    },
    ConfigDef {
        key: "retention.ms",
        kind: long(-1),
        doc: "How long records are kept; -1 means forever.",
    },
    ConfigDef {
        key: "segment.bytes",
        kind: int(1_048_576),
        doc: "Segment file size (at least 1 MiB).",
    },
    ConfigDef {
        key: "segment.index.bytes",
        kind: int(4),
        doc: "Size of the offset index per segment.",
    },
    ConfigDef {
        key: "segment.jitter.ms",
        kind: long(0),
        doc: "Random jitter subtracted from the segment roll time.",
    },
    ConfigDef {
        key: "segment.ms",
        kind: long(1),
        doc: "Roll a new segment after this long even if it is not full.",
    },
    ConfigDef {
        key: "unclean.leader.election.enable",
        kind: Kind::Bool,
        doc: "Allow an out-of-sync replica to become leader (may lose data).",
    },
];

/// Kafka 3.x topic configs that Kafka 4.0 removed. Sorted by key.
pub(crate) const LEGACY: &[ConfigDef] = &[
    ConfigDef {
        key: "message.downconversion.enable",
        kind: Kind::Bool,
        doc: "Kafka 3.x: down-convert records for consumers on old fetch versions.",
    },
    ConfigDef {
        key: "message.format.version",
        kind: Kind::Text,
        doc:
            "Kafka 3.x: record format version (ignored since 3.0 with inter-broker protocol 3.0+).",
    },
    ConfigDef {
        key: "message.timestamp.difference.max.ms",
        kind: long(0),
        doc: "Kafka 3.x: largest difference between a CreateTime timestamp and the broker's clock.",
    },
];

/// The first release of a key younger than the oldest supported release (3.7). Checked
/// against `kafka-configs --describe --all` on 3.7.2, 3.9.1 and 4.4.0 brokers.
pub(crate) const SINCE: &[(&str, Release)] = &[
    ("compression.gzip.level", Release::new(3, 8)),
    ("compression.lz4.level", Release::new(4, 0)),
    ("compression.zstd.level", Release::new(3, 8)),
    ("errors.deadletterqueue.group.enable", Release::new(4, 0)),
    ("max.decompressed.message.bytes", Release::new(4, 0)),
    ("remote.copy.lag.bytes", Release::new(4, 0)),
    ("remote.copy.lag.ms", Release::new(4, 0)),
    ("remote.log.copy.disable", Release::new(3, 9)),
    ("remote.log.delete.on.disable", Release::new(3, 9)),
];

/// Value rules of Kafka 3.x where 4.0 tightened them.
pub(crate) const BEFORE_4: &[(&str, Kind)] = &[("segment.bytes", int(14))];

const FOUR: Release = Release::new(4, 0);

/// A key's kind on `release`, or `None` when that release does not know the key.
pub(crate) fn kind_in(key: &str, release: Release) -> Option<Kind> {
    if let Some(def) = lookup(key) {
        if SINCE.iter().any(|(k, since)| *k == key && release < *since) {
            return None;
        }
        if release < FOUR {
            if let Some((_, kind)) = BEFORE_4.iter().find(|(k, _)| *k == key) {
                return Some(*kind);
            }
        }
        return Some(def.kind);
    }
    let legacy = LEGACY.iter().find(|d| d.key == key)?;
    (release < FOUR).then_some(legacy.kind)
}

/// The kind a file may use without a cluster: the loosest any supported release accepts.
pub(crate) fn kind_any(key: &str) -> Option<Kind> {
    BEFORE_4
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, kind)| *kind)
        .or_else(|| lookup(key).map(|d| d.kind))
        .or_else(|| LEGACY.iter().find(|d| d.key == key).map(|d| d.kind))
}

/// Redpanda's own topic configs that carry no `redpanda.` prefix. Accepted without a
/// cluster; a plan accepts them only where the cluster lists them (Redpanda).
pub(crate) const REDPANDA_KEYS: &[&str] = &[
    "flush.bytes",
    "initial.retention.local.target.bytes",
    "initial.retention.local.target.ms",
    "retention.local.target.bytes",
    "retention.local.target.ms",
    "write.caching",
];

/// Whether any supported release or broker knows the key.
pub(crate) fn known_any(key: &str) -> bool {
    kind_any(key).is_some() || REDPANDA_KEYS.contains(&key)
}

/// Which releases know a key, when not all supported ones do: "Kafka 3.x (removed in
/// 4.0)", "Kafka 3.8 and later".
pub(crate) fn versions_of(key: &str) -> Option<String> {
    if REDPANDA_KEYS.contains(&key) {
        return Some("Redpanda only".to_string());
    }
    if LEGACY.iter().any(|d| d.key == key) {
        return Some("Kafka 3.x only (removed in 4.0)".to_string());
    }
    SINCE
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, since)| format!("Kafka {since} and later"))
}

/// Vendor namespaces passed through without validation: Redpanda and Confluent Server
/// add their own topic configs under these prefixes.
pub(crate) const VENDOR_PREFIXES: &[&str] = &["redpanda.", "confluent."];

/// Configs that Kafka 4.0 removed, with what to do instead: a bare "unknown config"
/// would leave the reader wondering whether it is a typo.
pub(crate) const REMOVED: &[(&str, &str)] = &[
    (
        "message.downconversion.enable",
        "Kafka 4.0 removed message down-conversion; delete this setting",
    ),
    (
        "message.format.version",
        "Kafka 4.0 always writes the v2 message format; delete this setting",
    ),
    (
        "message.timestamp.difference.max.ms",
        "Kafka 4.0 replaced it with `message.timestamp.before.max.ms` and `message.timestamp.after.max.ms`",
    ),
];

pub(crate) fn lookup(key: &str) -> Option<&'static ConfigDef> {
    CATALOGUE
        .binary_search_by(|d| d.key.cmp(key))
        .ok()
        .map(|i| &CATALOGUE[i])
}

pub(crate) fn is_vendor_key(key: &str) -> bool {
    VENDOR_PREFIXES.iter().any(|p| key.starts_with(p))
}

pub(crate) fn removed_help(key: &str) -> Option<&'static str> {
    REMOVED.iter().find(|(k, _)| *k == key).map(|(_, h)| *h)
}

pub(crate) fn keys() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().map(|d| d.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kafka-configs --describe --all` on a scratch topic of a Kafka 4.4.0 broker lists
    /// exactly these keys (`internal.segment.bytes` is internal and not listed).
    const BROKER_4_4_KEYS: &[&str] = &[
        "cleanup.policy",
        "compression.gzip.level",
        "compression.lz4.level",
        "compression.type",
        "compression.zstd.level",
        "delete.retention.ms",
        "errors.deadletterqueue.group.enable",
        "file.delete.delay.ms",
        "flush.messages",
        "flush.ms",
        "follower.replication.throttled.replicas",
        "index.interval.bytes",
        "leader.replication.throttled.replicas",
        "local.retention.bytes",
        "local.retention.ms",
        "max.compaction.lag.ms",
        "max.decompressed.message.bytes",
        "max.message.bytes",
        "message.timestamp.after.max.ms",
        "message.timestamp.before.max.ms",
        "message.timestamp.type",
        "min.cleanable.dirty.ratio",
        "min.compaction.lag.ms",
        "min.insync.replicas",
        "preallocate",
        "remote.copy.lag.bytes",
        "remote.copy.lag.ms",
        "remote.log.copy.disable",
        "remote.log.delete.on.disable",
        "remote.storage.enable",
        "retention.bytes",
        "retention.ms",
        "segment.bytes",
        "segment.index.bytes",
        "segment.jitter.ms",
        "segment.ms",
        "unclean.leader.election.enable",
    ];

    #[test]
    fn catalogue_matches_the_broker_and_is_sorted() {
        let keys: Vec<&str> = keys().collect();
        assert_eq!(keys, BROKER_4_4_KEYS);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn lookup_and_prefixes() {
        assert!(lookup("retention.ms").is_some());
        assert!(lookup("retension.ms").is_none());
        assert!(is_vendor_key("redpanda.remote.read"));
        assert!(is_vendor_key("confluent.placement.constraints"));
        assert!(!is_vendor_key("confluentx"));
        assert!(removed_help("message.format.version").is_some());
        for (key, _) in REMOVED {
            assert!(lookup(key).is_none(), "{key} is both removed and current");
            assert!(
                kind_in(key, Release::new(3, 9)).is_some(),
                "{key} is live on 3.x"
            );
            assert!(
                kind_in(key, Release::new(4, 0)).is_none(),
                "{key} is gone in 4.0"
            );
        }
    }

    /// `kafka-configs --describe --all` on a scratch topic of a Kafka 3.9.1 broker.
    const BROKER_3_9_KEYS: &[&str] = &[
        "cleanup.policy",
        "compression.gzip.level",
        "compression.type",
        "compression.zstd.level",
        "delete.retention.ms",
        "file.delete.delay.ms",
        "flush.messages",
        "flush.ms",
        "follower.replication.throttled.replicas",
        "index.interval.bytes",
        "leader.replication.throttled.replicas",
        "local.retention.bytes",
        "local.retention.ms",
        "max.compaction.lag.ms",
        "max.message.bytes",
        "message.downconversion.enable",
        "message.format.version",
        "message.timestamp.after.max.ms",
        "message.timestamp.before.max.ms",
        "message.timestamp.difference.max.ms",
        "message.timestamp.type",
        "min.cleanable.dirty.ratio",
        "min.compaction.lag.ms",
        "min.insync.replicas",
        "preallocate",
        "remote.log.copy.disable",
        "remote.log.delete.on.disable",
        "remote.storage.enable",
        "retention.bytes",
        "retention.ms",
        "segment.bytes",
        "segment.index.bytes",
        "segment.jitter.ms",
        "segment.ms",
        "unclean.leader.election.enable",
    ];

    fn keys_of(release: Release) -> Vec<&'static str> {
        let mut keys: Vec<&str> = CATALOGUE
            .iter()
            .chain(LEGACY)
            .map(|d| d.key)
            .filter(|k| kind_in(k, release).is_some())
            .collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn each_release_knows_what_its_broker_lists() {
        assert_eq!(keys_of(Release::new(3, 9)), BROKER_3_9_KEYS);
        assert_eq!(keys_of(Release::new(4, 0)), BROKER_4_4_KEYS);
        let k37 = keys_of(Release::new(3, 7));
        assert!(!k37.contains(&"compression.gzip.level"));
        assert!(!k37.contains(&"remote.log.copy.disable"));
        assert!(k37.contains(&"message.format.version"));
    }

    #[test]
    fn value_rules_follow_the_release() {
        let three = kind_in("segment.bytes", Release::new(3, 9));
        let four = kind_in("segment.bytes", Release::new(4, 4));
        assert!(
            matches!(three, Some(Kind::Int { min: 14, .. })),
            "{three:?}"
        );
        assert!(
            matches!(four, Some(Kind::Int { min: 1_048_576, .. })),
            "{four:?}"
        );
        assert!(matches!(
            kind_any("segment.bytes"),
            Some(Kind::Int { min: 14, .. })
        ));
        assert_eq!(
            versions_of("compression.lz4.level").as_deref(),
            Some("Kafka 4.0 and later")
        );
    }

    #[test]
    fn bounds_are_consistent() {
        for d in CATALOGUE {
            match d.kind {
                Kind::Int { min, max, .. } => assert!(min <= max, "{}", d.key),
                Kind::Double { min, max } => assert!(min <= max, "{}", d.key),
                _ => {}
            }
            assert!(!d.doc.is_empty());
        }
    }
}
