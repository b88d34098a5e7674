//! What `topo import` writes: an existing cluster described as a topology.toml.
//!
//! The file holds only what differs from the broker's defaults: partition counts,
//! replication factors, explicit topic overrides, dead-letter pairs (`NAME` + `NAME-dlq`)
//! and the groups that have committed offsets. It is meant to round-trip: planning it
//! against the same cluster changes nothing. Pure: the caller reads the cluster and writes
//! the text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::diff::values_equal;
use crate::model::{is_internal_topic, ConfigMap, LiveState, LiveTopic};
use crate::units::{is_duration_key, is_size_key, whole_duration, whole_size};

/// The suffix that pairs a topic with its dead-letter topic, as `dlq = true` names it.
const DLQ_SUFFIX: &str = "-dlq";

/// Writes the topology for `live`: every non-internal topic in it, and the groups in
/// `groups` restricted to those topics. `bootstrap` becomes the `[cluster]` fallback.
pub(crate) fn to_toml(
    live: &LiveState,
    groups: &BTreeMap<String, BTreeSet<String>>,
    bootstrap: Option<&str>,
) -> String {
    let topics: BTreeMap<&str, &LiveTopic> = live
        .topics
        .iter()
        .filter(|(name, _)| !is_internal_topic(name))
        .map(|(name, t)| (name.as_str(), t))
        .collect();
    let dlqs = pair_dead_letters(&topics);
    let folded: BTreeSet<&str> = dlqs.values().map(|(name, _)| *name).collect();
    let shared_rf = {
        let rfs: BTreeSet<i16> = topics.values().map(|t| t.replication_factor).collect();
        match (rfs.len(), rfs.first()) {
            (1, Some(rf)) => Some(*rf),
            _ => None,
        }
    };

    let mut out = String::new();
    out.push_str(
        "# Imported from the live cluster by `topo import`: only what differs from the\n\
         # broker's defaults. `topo plan` against the same cluster shows no changes.\n",
    );
    if let Some(b) = bootstrap {
        out.push_str("\n[cluster]\n");
        let _ = writeln!(out, "bootstrap_servers = {}", bootstrap_value(b));
    }
    if let Some(rf) = shared_rf {
        let _ = writeln!(out, "\n[defaults]\nreplication_factor = {rf}");
    }
    for (name, topic) in &topics {
        if folded.contains(name) {
            continue;
        }
        let _ = writeln!(out, "\n[topics.{}]", key(name));
        let _ = writeln!(out, "partitions = {}", topic.partitions);
        if shared_rf.is_none() {
            let _ = writeln!(out, "replication_factor = {}", topic.replication_factor);
        }
        let config = overrides(topic);
        if !config.is_empty() {
            let _ = writeln!(out, "config = {}", inline_config(&config));
        }
        if let Some((_, dlq)) = dlqs.get(name) {
            let _ = writeln!(out, "dlq = {}", dlq.render());
        }
    }
    for (group, consumed) in groups {
        let consumed: Vec<String> = consumed
            .iter()
            .filter(|t| topics.contains_key(t.as_str()))
            .map(|t| string(t))
            .collect();
        if consumed.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n[groups.{}]", key(group));
        let _ = writeln!(out, "topics = [{}]", consumed.join(", "));
    }
    out
}

/// The `[cluster]` address, still overridable by KAFKA_BOOTSTRAP_SERVERS: a literal would
/// win over the environment and pin CI jobs to the cluster the import happened to read.
fn bootstrap_value(bootstrap: &str) -> String {
    if bootstrap.contains('}') {
        // `}` would end the `${...:-default}`; such an address can only be written as is.
        return string(bootstrap);
    }
    quoted(&format!(
        "${{KAFKA_BOOTSTRAP_SERVERS:-{}}}",
        bootstrap.replace('$', "$$")
    ))
}

/// A dead-letter topic as the difference from its parent; `dlq = true` when nothing differs.
#[derive(Debug, Default)]
struct DlqTable {
    partitions: Option<i32>,
    replication_factor: Option<i16>,
    config: ConfigMap,
}

impl DlqTable {
    fn render(&self) -> String {
        let mut fields = Vec::new();
        if let Some(p) = self.partitions {
            fields.push(format!("partitions = {p}"));
        }
        if let Some(rf) = self.replication_factor {
            fields.push(format!("replication_factor = {rf}"));
        }
        if !self.config.is_empty() {
            fields.push(format!("config = {}", inline_config(&self.config)));
        }
        if fields.is_empty() {
            "true".to_string()
        } else {
            format!("{{ {} }}", fields.join(", "))
        }
    }
}

/// Parent name → (dead-letter name, its table) for every `NAME-dlq` whose parent is
/// imported too. A dead-letter topic cannot have its own, so `a-dlq-dlq` stays a plain
/// topic when `a-dlq` is folded into `a`; so does a `NAME-dlq` that cannot be written as a
/// difference from its parent.
fn pair_dead_letters<'a>(
    topics: &BTreeMap<&'a str, &'a LiveTopic>,
) -> BTreeMap<&'a str, (&'a str, DlqTable)> {
    let mut names: Vec<&str> = topics.keys().copied().collect();
    // Shorter names first, so a parent's own folding is decided before its children's.
    names.sort_by_key(|n| n.len());
    let mut pairs: BTreeMap<&str, (&str, DlqTable)> = BTreeMap::new();
    let mut folded: BTreeSet<&str> = BTreeSet::new();
    for name in names {
        let Some(parent) = name.strip_suffix(DLQ_SUFFIX).filter(|p| !p.is_empty()) else {
            continue;
        };
        let (Some((&parent, parent_topic)), Some(topic)) =
            (topics.get_key_value(parent), topics.get(name))
        else {
            continue;
        };
        if folded.contains(parent) {
            continue;
        }
        if let Some(table) = dlq_difference(parent_topic, topic) {
            folded.insert(name);
            pairs.insert(parent, (name, table));
        }
    }
    pairs
}

/// What the dead-letter topic sets differently from its parent, given that it inherits the
/// parent's partitions, replication factor and config. `None` when a key the parent sets
/// has no readable value on the dead-letter topic, so inheritance cannot be undone.
fn dlq_difference(parent: &LiveTopic, dlq: &LiveTopic) -> Option<DlqTable> {
    let parent_config = overrides(parent);
    let own = overrides(dlq);
    let mut config = ConfigMap::new();
    let keys: BTreeSet<&String> = parent_config.keys().chain(own.keys()).collect();
    for k in keys {
        // A key only the parent sets is inherited, so the dead-letter topic must state its
        // own (default) value unless that happens to be the same.
        let want = match own.get(k) {
            Some(v) => v.clone(),
            None => dlq.config.as_ref()?.get(k)?.value.clone()?,
        };
        if !parent_config.get(k).is_some_and(|p| values_equal(p, &want)) {
            config.insert(k.clone(), want);
        }
    }
    Some(DlqTable {
        partitions: (dlq.partitions != parent.partitions).then_some(dlq.partitions),
        replication_factor: (dlq.replication_factor != parent.replication_factor)
            .then_some(dlq.replication_factor),
        config,
    })
}

/// Explicit overrides with a readable value (sensitive values cannot be imported).
fn overrides(topic: &LiveTopic) -> ConfigMap {
    topic
        .overrides()
        .filter_map(|(k, e)| e.value.as_ref().map(|v| (k.clone(), v.clone())))
        .collect()
}

fn inline_config(config: &ConfigMap) -> String {
    let entries: Vec<String> = config
        .iter()
        .map(|(k, v)| format!("{} = {}", quoted(k), config_value(k, v)))
        .collect();
    format!("{{ {} }}", entries.join(", "))
}

/// A stored config value as a reader would write it: `"7d"` and `"1GiB"` where that is
/// exact, plain integers and booleans as TOML scalars, anything else as a string. The
/// loader normalises each of these back to the stored value.
fn config_value(key: &str, value: &str) -> String {
    if let Some(n) = value.parse::<i64>().ok().filter(|n| n.to_string() == value) {
        let human = if is_duration_key(key) {
            whole_duration(n)
        } else if is_size_key(key) {
            whole_size(n)
        } else {
            None
        };
        return human.map_or_else(|| n.to_string(), |h| quoted(&h));
    }
    match value {
        "true" | "false" => value.to_string(),
        _ => string(value),
    }
}

/// A table key: bare when TOML allows it, quoted otherwise (dots would nest tables).
pub(super) fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        name.to_string()
    } else {
        string(name)
    }
}

/// A string the loader interpolates: `$` is doubled so names and values stay literal.
pub(super) fn string(text: &str) -> String {
    quoted(&text.replace('$', "$$"))
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConfigSource, LiveConfigEntry};

    fn topic(
        name: &str,
        partitions: i32,
        rf: i16,
        config: &[(&str, &str, ConfigSource)],
    ) -> LiveTopic {
        LiveTopic {
            name: name.into(),
            partitions,
            replication_factor: rf,
            config: Some(
                config
                    .iter()
                    .map(|(k, v, source)| {
                        let entry = LiveConfigEntry {
                            value: Some((*v).into()),
                            source: *source,
                            read_only: false,
                        };
                        ((*k).to_string(), entry)
                    })
                    .collect(),
            ),
        }
    }

    use ConfigSource::{Default as D, DynamicTopic as T};

    /// Broker defaults every topic reports, as Kafka 4.x does.
    fn defaults() -> Vec<(&'static str, &'static str, ConfigSource)> {
        vec![
            ("cleanup.policy", "delete", D),
            ("compression.type", "producer", D),
            ("max.message.bytes", "1048588", D),
            ("min.insync.replicas", "1", D),
            ("retention.bytes", "-1", D),
            ("retention.ms", "604800000", D),
            ("min.cleanable.dirty.ratio", "0.5", D),
            ("segment.bytes", "1073741824", D),
            ("segment.ms", "604800000", D),
            ("unclean.leader.election.enable", "false", D),
        ]
    }

    fn with(
        overrides: &[(&'static str, &'static str)],
    ) -> Vec<(&'static str, &'static str, ConfigSource)> {
        let mut all: Vec<_> = defaults()
            .into_iter()
            .filter(|(k, _, _)| !overrides.iter().any(|(o, _)| o == k))
            .collect();
        all.extend(overrides.iter().map(|(k, v)| (*k, *v, T)));
        all
    }

    fn live(topics: Vec<LiveTopic>) -> LiveState {
        LiveState {
            bootstrap: "127.0.0.1:19092".into(),
            brokers: 1,
            topics: topics.into_iter().map(|t| (t.name.clone(), t)).collect(),
            ..LiveState::default()
        }
    }

    fn cluster() -> LiveState {
        live(vec![
            topic(
                "__consumer_offsets",
                50,
                1,
                &with(&[("cleanup.policy", "compact")]),
            ),
            topic("_schemas", 1, 1, &with(&[("cleanup.policy", "compact")])),
            topic(
                "orders",
                6,
                3,
                &with(&[
                    ("retention.ms", "604800000"),
                    ("compression.type", "zstd"),
                    ("max.message.bytes", "2097152"),
                ]),
            ),
            // Differs from its parent in partitions and retention; shares compression.
            topic(
                "orders-dlq",
                2,
                3,
                &with(&[("retention.ms", "2592000000"), ("compression.type", "zstd")]),
            ),
            // A dead-letter topic cannot have its own: this one stays a plain topic.
            topic("orders-dlq-dlq", 1, 3, &with(&[])),
            topic(
                "payments.v1",
                12,
                3,
                &with(&[
                    ("cleanup.policy", "compact,delete"),
                    ("retention.bytes", "1073741824"),
                    ("retention.ms", "-1"),
                    ("segment.ms", "5400000"),
                    ("min.cleanable.dirty.ratio", "0.25"),
                    ("unclean.leader.election.enable", "false"),
                ]),
            ),
            topic("payments.v1-dlq", 12, 3, &with(&[])),
            topic(
                "audit",
                1,
                3,
                &with(&[("retention.ms", "123456"), ("segment.bytes", "536870912")]),
            ),
            // Defaults only, and a dead-letter topic identical to its parent.
            topic("clicks", 3, 3, &with(&[])),
            topic("clicks-dlq", 3, 3, &with(&[])),
        ])
    }

    fn groups() -> BTreeMap<String, BTreeSet<String>> {
        let set = |ts: &[&str]| ts.iter().map(|t| t.to_string()).collect::<BTreeSet<_>>();
        BTreeMap::from([
            ("billing".to_string(), set(&["orders", "payments.v1"])),
            ("dlq-replayer".to_string(), set(&["orders-dlq"])),
            ("team $pecial".to_string(), set(&["clicks"])),
            (
                "offsets-only".to_string(),
                set(&["__consumer_offsets", "gone"]),
            ),
        ])
    }

    #[test]
    fn writes_only_what_differs_from_broker_defaults() {
        let text = to_toml(&cluster(), &groups(), Some("127.0.0.1:19092"));
        crate::testing::snapshot!("import-to_toml", text);
    }

    /// The promise of an import: loading the file and diffing it against the cluster it
    /// came from plans nothing.
    #[test]
    fn imported_file_loads_and_plans_empty() {
        let live = cluster();
        let text = to_toml(&live, &groups(), Some("127.0.0.1:19092"));
        let loaded = match crate::spec::load("imported.toml", &text, &|_| None) {
            Ok(l) => l,
            Err(d) => panic!(
                "{text}\n{}",
                d.0.iter().map(|d| d.to_string()).collect::<String>()
            ),
        };
        let desired = loaded.desired;
        assert!(!desired.topics.contains_key("__consumer_offsets"));
        assert!(!desired.topics.contains_key("_schemas"));
        assert_eq!(desired.topics["orders-dlq"].dlq_of(), Some("orders"));
        assert_eq!(desired.topics["orders-dlq-dlq"].dlq_of(), None);
        assert!(!desired.groups.contains_key("offsets-only"));
        assert!(desired.groups.contains_key("team $pecial"));
        let plan = crate::diff::diff(
            &desired,
            &live,
            &desired.policy,
            &crate::diff::DiffContext::default(),
        );
        assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
        assert!(plan.refused.is_empty(), "{:#?}", plan.refused);
        assert!(plan.warnings.is_empty(), "{:#?}", plan.warnings);
    }

    #[test]
    fn mixed_replication_factors_stay_per_topic() {
        let live = live(vec![
            topic("a", 1, 1, &with(&[])),
            topic("b", 1, 3, &with(&[])),
        ]);
        let text = to_toml(&live, &BTreeMap::new(), None);
        assert!(!text.contains("[defaults]"), "{text}");
        assert!(!text.contains("[cluster]"), "{text}");
        assert!(
            text.contains("[topics.a]\npartitions = 1\nreplication_factor = 1\n"),
            "{text}"
        );
        assert!(
            text.contains("[topics.b]\npartitions = 1\nreplication_factor = 3\n"),
            "{text}"
        );
    }

    #[test]
    fn dead_letter_without_readable_config_stays_a_topic() {
        let mut dlq = topic("a-dlq", 1, 1, &[]);
        dlq.config = None;
        let live = live(vec![
            topic("a", 1, 1, &with(&[("retention.ms", "86400000")])),
            dlq,
        ]);
        let text = to_toml(&live, &BTreeMap::new(), None);
        assert!(text.contains("[topics.a-dlq]"), "{text}");
        assert!(!text.contains("dlq ="), "{text}");
    }

    #[test]
    fn values_are_humanised_only_where_exact() {
        assert_eq!(config_value("retention.ms", "604800000"), "\"7d\"");
        assert_eq!(config_value("segment.ms", "129600000"), "\"36h\"");
        assert_eq!(config_value("retention.ms", "5400000"), "\"90m\"");
        assert_eq!(config_value("retention.ms", "123456"), "123456");
        assert_eq!(config_value("retention.ms", "-1"), "-1");
        assert_eq!(config_value("retention.ms", "0"), "0");
        assert_eq!(config_value("retention.bytes", "1073741824"), "\"1GiB\"");
        assert_eq!(config_value("max.message.bytes", "1048588"), "1048588");
        assert_eq!(config_value("retention.bytes", "-1"), "-1");
        assert_eq!(config_value("min.insync.replicas", "2"), "2");
        assert_eq!(config_value("preallocate", "true"), "true");
        assert_eq!(
            config_value("cleanup.policy", "compact,delete"),
            "\"compact,delete\""
        );
        assert_eq!(config_value("min.cleanable.dirty.ratio", "0.5"), "\"0.5\"");
        assert_eq!(config_value("confluent.x", "007"), "\"007\"");
        assert_eq!(config_value("confluent.x", "a$b"), "\"a$$b\"");
    }

    #[test]
    fn humanised_values_parse_back_to_the_stored_integer() {
        for ms in [
            1_000,
            60_000,
            5_400_000,
            129_600_000,
            604_800_000,
            2_592_000_000,
        ] {
            let Some(h) = whole_duration(ms) else {
                panic!("{ms}")
            };
            assert_eq!(crate::units::parse_duration_ms(&h), Ok(ms), "{h}");
        }
        for bytes in [1 << 10, 3 << 20, 1 << 30, 5 << 40, 2 << 50] {
            let Some(h) = whole_size(bytes) else {
                panic!("{bytes}")
            };
            assert_eq!(crate::units::parse_size_bytes(&h), Ok(bytes), "{h}");
        }
    }

    #[test]
    fn keys_are_quoted_when_toml_needs_it() {
        assert_eq!(key("orders"), "orders");
        assert_eq!(key("orders_v1-x"), "orders_v1-x");
        assert_eq!(key("orders.v1"), "\"orders.v1\"");
        assert_eq!(key("a \"b\"\\"), "\"a \\\"b\\\"\\\\\"");
        assert_eq!(key("$x"), "\"$$x\"");
        assert_eq!(key(""), "\"\"");
    }
}
