//! The capability and flavour probe run before a read: the broker's ApiVersions as
//! librdkafka reports them, the broker count, and how DescribeConfigs answers for one
//! topic, folded by [`classify`] into a [`BrokerProfile`].
//!
//! librdkafka has no call that returns ApiVersions; it logs them (debug context
//! `feature`), so the connection's client is created with that context and its lines are
//! parsed here. The classification itself is pure and tested on recorded answers of every
//! flavour.

use crate::model::{
    AdminApis, BrokerProfile, ConfigSource, ConfigSources, Family, Release, VersionRange,
};
use std::collections::{BTreeMap, BTreeSet};

/// ApiKey → (min, max) version, as one broker listed them.
pub type ApiVersions = BTreeMap<i16, (i16, i16)>;

// ApiKeys the profile looks at (Kafka protocol numbering).
const FETCH: i16 = 1;
const OFFSET_COMMIT: i16 = 8;
const OFFSET_FETCH: i16 = 9;
const DESCRIBE_GROUPS: i16 = 15;
const LIST_GROUPS: i16 = 16;
const CREATE_TOPICS: i16 = 19;
const DELETE_TOPICS: i16 = 20;
const DESCRIBE_CONFIGS: i16 = 32;
const ALTER_CONFIGS: i16 = 33;
const CREATE_PARTITIONS: i16 = 37;
const INCREMENTAL_ALTER_CONFIGS: i16 = 44;
const DESCRIBE_CLUSTER: i16 = 60;
/// Kafka 3.7 (KIP-714, later renamed ListConfigResources).
const LIST_CLIENT_METRICS_RESOURCES: i16 = 74;
/// Kafka 3.8 (KIP-966).
const DESCRIBE_TOPIC_PARTITIONS: i16 = 75;
/// Kafka 3.9 (KIP-853).
const ADD_RAFT_VOTER: i16 = 80;

/// Fewer entries than this for a topic, none of them marked as the topic's own, means
/// the broker lists only the keys set on it: Kafka lists every key (over 30).
const SET_KEYS_ONLY_BELOW: usize = 10;

/// Kafka topic configs Redpanda accepts in CreateTopics and IncrementalAlterConfigs but
/// ignores and never lists in DescribeConfigs (its `allowlist_topic_noop_confs`).
pub const REDPANDA_UNREPORTED: &[&str] = &[
    "file.delete.delay.ms",
    "flush.messages",
    "follower.replication.throttled.replicas",
    "index.interval.bytes",
    "leader.replication.throttled.replicas",
    "message.downconversion.enable",
    "message.format.version",
    "message.timestamp.difference.max.ms",
    "min.insync.replicas",
    "preallocate",
    "segment.index.bytes",
    "segment.jitter.ms",
    "unclean.leader.election.enable",
];

/// What DescribeConfigs said about one topic: each key with its source.
pub type DescribedKeys = Vec<(String, ConfigSource)>;

/// Folds what the probe saw into a profile. `apis` empty means ApiVersions were not
/// seen (then every API is assumed present, and the broker will say no).
pub fn classify(
    apis: &ApiVersions,
    described: Option<&DescribedKeys>,
    brokers: u32,
) -> BrokerProfile {
    let has = |k: i16| apis.contains_key(&k);
    let keys: Option<BTreeSet<&str>> =
        described.map(|d| d.iter().map(|(k, _)| k.as_str()).collect());
    let key = |k: &str| keys.as_ref().is_some_and(|s| s.contains(k));

    let family = if keys
        .as_ref()
        .is_some_and(|s| s.iter().any(|k| k.starts_with("redpanda.")))
    {
        Family::Redpanda
    } else if apis.is_empty() {
        Family::Unknown
    } else if !has(CREATE_PARTITIONS) && !has(ALTER_CONFIGS) && has(INCREMENTAL_ALTER_CONFIGS) {
        Family::Tansu
    } else if has(CREATE_PARTITIONS) && has(ALTER_CONFIGS) {
        Family::ApacheKafka
    } else {
        Family::Unknown
    };

    let version = (family == Family::ApacheKafka).then(|| {
        let only = |major, minor| VersionRange {
            min: Release::new(major, minor),
            max: Some(Release::new(major, minor)),
        };
        // Kafka 4.0 dropped Fetch below v4 (KIP-896) and the pre-v2 message format keys.
        let four = apis.get(&FETCH).is_some_and(|(min, _)| *min >= 4)
            || (keys.is_some() && !key("message.format.version"));
        if four {
            VersionRange {
                min: Release::new(4, 0),
                max: None,
            }
        } else if has(ADD_RAFT_VOTER) || key("remote.log.copy.disable") {
            only(3, 9)
        } else if has(DESCRIBE_TOPIC_PARTITIONS) || key("compression.gzip.level") {
            only(3, 8)
        } else if has(LIST_CLIENT_METRICS_RESOURCES) {
            only(3, 7)
        } else {
            VersionRange {
                min: Release::new(0, 0),
                max: Some(Release::new(3, 6)),
            }
        }
    });

    let apis_profile = if apis.is_empty() {
        AdminApis::default()
    } else {
        AdminApis {
            create_topics: has(CREATE_TOPICS),
            delete_topics: has(DELETE_TOPICS),
            create_partitions: has(CREATE_PARTITIONS),
            describe_configs: has(DESCRIBE_CONFIGS),
            incremental_alter_configs: has(INCREMENTAL_ALTER_CONFIGS),
            describe_cluster: has(DESCRIBE_CLUSTER),
            consumer_groups: has(LIST_GROUPS)
                && has(DESCRIBE_GROUPS)
                && has(OFFSET_FETCH)
                && has(OFFSET_COMMIT),
        }
    };

    let lists_set_keys_only = described.is_some_and(|d| {
        d.len() < SET_KEYS_ONLY_BELOW && d.iter().all(|(_, s)| *s != ConfigSource::DynamicTopic)
    });
    let config_sources =
        if family == Family::Tansu || (family == Family::Unknown && lists_set_keys_only) {
            ConfigSources::ListedKeysAreSet
        } else {
            ConfigSources::Trusted
        };

    // Only a broker that lists every key it knows gives the list that decides what a
    // plan may set.
    let topic_config_keys = match (family, described) {
        (Family::ApacheKafka, Some(d)) if !d.is_empty() => {
            Some(d.iter().map(|(k, _)| k.clone()).collect())
        }
        // Redpanda lists its own keys but not the Kafka keys it accepts and ignores.
        (Family::Redpanda, Some(d)) => Some(
            d.iter()
                .map(|(k, _)| k.clone())
                .chain(REDPANDA_UNREPORTED.iter().map(|k| k.to_string()))
                .collect(),
        ),
        _ => None,
    };
    let unreported_keys = if family == Family::Redpanda {
        REDPANDA_UNREPORTED.iter().map(|k| k.to_string()).collect()
    } else {
        BTreeSet::new()
    };

    BrokerProfile {
        family,
        version,
        brokers,
        apis: apis_profile,
        config_sources,
        // Tansu performs creates and config changes sent with validate_only.
        validate_only_honoured: (family == Family::Tansu).then_some(false),
        topic_config_keys,
        unreported_keys,
    }
}

/// Parses librdkafka's `APIVERSION` debug lines (`...  ApiKey Produce (0) Versions 0..11`)
/// into the versions of the first broker that reported any.
pub fn parse_api_versions<'a>(lines: impl IntoIterator<Item = &'a str>) -> ApiVersions {
    let mut first_broker: Option<String> = None;
    let mut out = ApiVersions::new();
    for line in lines {
        let Some(at) = line.find("ApiKey ") else {
            continue;
        };
        let broker = line[..at].trim().to_string();
        if first_broker.get_or_insert_with(|| broker.clone()) != &broker {
            continue;
        }
        let rest = &line[at..];
        let parsed = (|| {
            let open = rest.rfind(" (")?;
            let close = rest[open..].find(')')? + open;
            let key: i16 = rest[open + 2..close].trim().parse().ok()?;
            let versions = rest[close..].split("Versions ").nth(1)?;
            let (min, max) = versions.trim().split_once("..")?;
            Some((key, (min.trim().parse().ok()?, max.trim().parse().ok()?)))
        })();
        if let Some((key, range)) = parsed {
            out.insert(key, range);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(key, min, max)` rows as Kafka's BrokerApiVersionsCommand printed them for each
    /// broker `scripts/kafka-dev` runs; only the keys the profile reads matter.
    fn apis(rows: &[(i16, i16, i16)]) -> ApiVersions {
        rows.iter().map(|(k, a, b)| (*k, (*a, *b))).collect()
    }

    fn common() -> Vec<(i16, i16, i16)> {
        vec![
            (8, 0, 9),
            (9, 0, 9),
            (15, 0, 5),
            (16, 0, 5),
            (19, 0, 7),
            (20, 0, 6),
            (32, 0, 4),
            (44, 0, 1),
            (60, 0, 1),
        ]
    }

    fn kafka(fetch_min: i16, extra: &[i16]) -> ApiVersions {
        let mut rows = common();
        rows.push((1, fetch_min, 17));
        rows.push((33, 0, 2));
        rows.push((37, 0, 3));
        rows.extend(extra.iter().map(|k| (*k, 0, 0)));
        apis(&rows)
    }

    fn all_keys(extra: &[&str]) -> DescribedKeys {
        let mut keys: Vec<(String, ConfigSource)> = [
            "cleanup.policy",
            "compression.type",
            "delete.retention.ms",
            "file.delete.delay.ms",
            "flush.messages",
            "flush.ms",
            "index.interval.bytes",
            "max.message.bytes",
            "min.insync.replicas",
            "retention.bytes",
            "retention.ms",
            "segment.bytes",
        ]
        .iter()
        .map(|k| (k.to_string(), ConfigSource::Default))
        .collect();
        keys.extend(extra.iter().map(|k| (k.to_string(), ConfigSource::Default)));
        keys
    }

    #[test]
    fn kafka_versions_from_api_versions() {
        let p = classify(&kafka(4, &[74, 75, 80]), None, 1);
        assert_eq!(p.label(), "Apache Kafka 4.x");
        let p = classify(&kafka(0, &[74, 75, 80]), None, 1);
        assert_eq!(p.label(), "Apache Kafka 3.9");
        let p = classify(&kafka(0, &[74, 75]), None, 1);
        assert_eq!(p.label(), "Apache Kafka 3.8");
        let p = classify(&kafka(0, &[74]), None, 3);
        assert_eq!(p.label(), "Apache Kafka 3.7");
        assert_eq!(p.brokers, 3);
        let p = classify(&kafka(0, &[]), None, 1);
        assert_eq!(p.label(), "Apache Kafka ≤ 3.6");
        assert!(p.apis.create_partitions);
        assert_eq!(p.config_sources, ConfigSources::Trusted);
        assert_eq!(p.validate_only_honoured, None);
    }

    #[test]
    fn kafka_versions_from_the_topic_keys() {
        // A 3.9 broker-only node may not list the controller's APIs; its keys still tell.
        let keys = all_keys(&["message.format.version", "remote.log.copy.disable"]);
        let p = classify(&kafka(0, &[]), Some(&keys), 1);
        assert_eq!(p.label(), "Apache Kafka 3.9");
        let listed = p.topic_config_keys.expect("kafka lists its keys");
        assert!(listed.contains("message.format.version"));
        let keys = all_keys(&["max.decompressed.message.bytes"]);
        let p = classify(&kafka(0, &[]), Some(&keys), 1);
        assert_eq!(p.label(), "Apache Kafka 4.x");
    }

    #[test]
    fn tansu_lacks_create_partitions_and_its_sources_lie() {
        // Recorded from Tansu 0.6: no AlterConfigs, no CreatePartitions, and a topic's
        // DescribeConfigs lists just the keys set on it, each as a default.
        let mut rows = common();
        rows.push((1, 0, 17));
        let described = vec![
            ("cleanup.policy".to_string(), ConfigSource::Default),
            ("retention.ms".to_string(), ConfigSource::Default),
        ];
        let p = classify(&apis(&rows), Some(&described), 1);
        assert_eq!(p.family, Family::Tansu);
        assert_eq!(p.label(), "Tansu");
        assert!(!p.apis.create_partitions);
        assert!(p.apis.incremental_alter_configs);
        assert_eq!(p.config_sources, ConfigSources::ListedKeysAreSet);
        assert_eq!(p.validate_only_honoured, Some(false));
        assert_eq!(p.topic_config_keys, None);
    }

    /// The keys Redpanda's DescribeConfigs handler lists for a topic (its
    /// `make_topic_configs`), sources as it reports them for a topic with retention set.
    fn redpanda_topic() -> DescribedKeys {
        [
            ("cleanup.policy", ConfigSource::Default),
            ("compression.type", ConfigSource::Default),
            ("flush.bytes", ConfigSource::Default),
            ("flush.ms", ConfigSource::Default),
            ("max.message.bytes", ConfigSource::Default),
            ("message.timestamp.type", ConfigSource::Default),
            ("redpanda.remote.delete", ConfigSource::Default),
            ("redpanda.remote.read", ConfigSource::Default),
            ("redpanda.remote.write", ConfigSource::Default),
            ("retention.bytes", ConfigSource::Default),
            ("retention.local.target.bytes", ConfigSource::Default),
            ("retention.local.target.ms", ConfigSource::Default),
            ("retention.ms", ConfigSource::DynamicTopic),
            ("segment.bytes", ConfigSource::Default),
            ("segment.ms", ConfigSource::Default),
            ("write.caching", ConfigSource::Default),
        ]
        .iter()
        .map(|(k, s)| (k.to_string(), *s))
        .collect()
    }

    #[test]
    fn redpanda_is_known_by_its_keys_and_its_unreported_keys_are_accepted() {
        // Redpanda answers ApiVersions much like Kafka; its topic keys give it away.
        let p = classify(&kafka(0, &[]), Some(&redpanda_topic()), 3);
        assert_eq!(p.family, Family::Redpanda);
        assert_eq!(p.label(), "Redpanda");
        assert_eq!(p.version, None);
        assert_eq!(p.config_sources, ConfigSources::Trusted);
        let keys = p.topic_config_keys.expect("redpanda lists keys");
        assert!(keys.contains("write.caching"), "its own unprefixed keys");
        assert!(
            keys.contains("min.insync.replicas"),
            "accepted though never listed"
        );
        assert!(p.unreported_keys.contains("min.insync.replicas"));
        assert!(!p.unreported_keys.contains("retention.ms"));
    }

    #[test]
    fn nothing_seen_assumes_everything() {
        let p = classify(&ApiVersions::new(), None, 2);
        assert_eq!(p.family, Family::Unknown);
        assert_eq!(p.label(), "Kafka-compatible broker");
        assert_eq!(p.apis, AdminApis::default());
        assert_eq!(p.config_sources, ConfigSources::Trusted);
    }

    #[test]
    fn api_version_lines_of_the_first_broker() {
        let lines = [
            "[thrd:127.0.0.1:9092/bootstrap]: 127.0.0.1:9092/bootstrap: Broker API support:",
            "[thrd:127.0.0.1:9092/bootstrap]: 127.0.0.1:9092/bootstrap:   ApiKey Produce (0) Versions 0..11",
            "[thrd:127.0.0.1:9092/bootstrap]: 127.0.0.1:9092/bootstrap:   ApiKey CreatePartitions (37) Versions 0..3",
            "[thrd:127.0.0.1:9092/bootstrap]: 127.0.0.1:9092/bootstrap:   ApiKey Unknown-94? (94) Versions 0..0",
            "[thrd:127.0.0.1:9092/1]: 127.0.0.1:9092/1:   ApiKey DescribeCluster (60) Versions 0..1",
            "unrelated",
        ];
        let v = parse_api_versions(lines);
        assert_eq!(v, apis(&[(0, 0, 11), (37, 0, 3), (94, 0, 0)]));
    }
}
