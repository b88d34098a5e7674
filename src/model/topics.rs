//! The desired topics: one topic's spec, and the sorted collection of them a desired
//! state holds. Both are laid out for topologies of hundreds of thousands of topics,
//! where a topic's in-memory size, not the file's, decides what loading it costs.

use serde::{Deserialize, Serialize};

use super::{config_map_as_object, ConfigMap, Partitioner};

/// One topic as the user wants it, after defaults, interpolation and DLQ expansion.
///
/// The settings most topics leave out (key, partitioner, sample keys, DLQ parent) live
/// behind one pointer, so a plain topic is a name, two numbers and its config. Saved and
/// printed forms are unchanged by that: they go through [`TopicSpecRepr`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "TopicSpecRepr", from = "TopicSpecRepr")]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    /// Normalised to the exact strings Kafka stores (`"7d"` is already `604800000`).
    pub config: ConfigMap,
    /// `None` when every part of it would be `None`: there is one way to say "none".
    extras: Option<Box<TopicExtras>>,
}

/// The settings of a topic that most topics do not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicExtras {
    /// Name of the message key (documentary), e.g. `tenant_id`.
    pub key: Option<String>,
    pub partitioner: Option<Partitioner>,
    /// File with sample keys (one per line) used to count real key moves.
    pub keys_file: Option<String>,
    /// Set on a dead-letter topic: the topic it serves.
    pub dlq_of: Option<String>,
}

impl TopicExtras {
    fn is_empty(&self) -> bool {
        self.key.is_none()
            && self.partitioner.is_none()
            && self.keys_file.is_none()
            && self.dlq_of.is_none()
    }
}

impl TopicSpec {
    pub fn new(
        name: impl Into<String>,
        partitions: i32,
        replication_factor: i16,
        config: ConfigMap,
    ) -> Self {
        TopicSpec {
            name: name.into(),
            partitions,
            replication_factor,
            config,
            extras: None,
        }
    }

    /// This spec with `extras` in place of its own.
    pub fn with_extras(mut self, extras: TopicExtras) -> Self {
        self.extras = (!extras.is_empty()).then(|| Box::new(extras));
        self
    }

    pub fn key(&self) -> Option<&str> {
        self.extras.as_ref()?.key.as_deref()
    }

    pub fn partitioner(&self) -> Option<Partitioner> {
        self.extras.as_ref()?.partitioner
    }

    pub fn keys_file(&self) -> Option<&str> {
        self.extras.as_ref()?.keys_file.as_deref()
    }

    pub fn dlq_of(&self) -> Option<&str> {
        self.extras.as_ref()?.dlq_of.as_deref()
    }

    pub(crate) fn is_keyed(&self) -> bool {
        self.key().is_some() || self.partitioner().is_some()
    }
}

/// A topic spec as it is saved and printed: every setting a field of its own.
#[derive(Serialize, Deserialize)]
struct TopicSpecRepr {
    name: String,
    partitions: i32,
    replication_factor: i16,
    #[serde(serialize_with = "config_map_as_object")]
    config: ConfigMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partitioner: Option<Partitioner>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keys_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dlq_of: Option<String>,
}

impl From<TopicSpec> for TopicSpecRepr {
    fn from(spec: TopicSpec) -> Self {
        let extras = spec.extras.map(|e| *e).unwrap_or_default();
        TopicSpecRepr {
            name: spec.name,
            partitions: spec.partitions,
            replication_factor: spec.replication_factor,
            config: spec.config,
            key: extras.key,
            partitioner: extras.partitioner,
            keys_file: extras.keys_file,
            dlq_of: extras.dlq_of,
        }
    }
}

impl From<TopicSpecRepr> for TopicSpec {
    fn from(r: TopicSpecRepr) -> Self {
        TopicSpec::new(r.name, r.partitions, r.replication_factor, r.config).with_extras(
            TopicExtras {
                key: r.key,
                partitioner: r.partitioner,
                keys_file: r.keys_file,
                dlq_of: r.dlq_of,
            },
        )
    }
}

/// The desired topics, sorted by name, each name once.
///
/// A sorted vector rather than a map: the name is stored once (in the spec), there are no
/// tree nodes, and lookups by binary search are as fast as the map's. It reads like the
/// `BTreeMap<String, TopicSpec>` it replaces, and is saved as the same JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topics(Vec<TopicSpec>);

impl Topics {
    /// From specs in any order; of two specs with one name, the later wins (as inserting
    /// them into a map one by one would).
    pub fn from_specs(mut specs: Vec<TopicSpec>) -> Self {
        // Stable, so equal names keep their order and the last of them can be kept.
        specs.sort_by(|a, b| a.name.cmp(&b.name));
        specs.reverse();
        specs.dedup_by(|later, earlier| later.name == earlier.name);
        specs.reverse();
        specs.shrink_to_fit();
        Topics(specs)
    }

    /// From specs whose names are known to differ (a file's own expansion, already
    /// de-duplicated): sorted where they lie, with no buffer beside them.
    pub fn from_distinct(mut specs: Vec<TopicSpec>) -> Self {
        specs.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        // Should two share a name after all, one is kept: the collection's rule holds
        // whatever the caller did.
        specs.dedup_by(|a, b| a.name == b.name);
        specs.shrink_to_fit();
        Topics(specs)
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|t| t.name.as_str().cmp(name))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&TopicSpec> {
        self.position(name).ok().map(|i| &self.0[i])
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Adds `spec`, returning the spec it replaces.
    pub fn insert(&mut self, spec: TopicSpec) -> Option<TopicSpec> {
        match self.position(&spec.name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i], spec)),
            Err(i) => {
                self.0.insert(i, spec);
                None
            }
        }
    }

    /// Moves every spec of `other` in; its specs win on equal names.
    pub fn append(&mut self, other: &mut Topics) {
        if self.0.is_empty() {
            std::mem::swap(&mut self.0, &mut other.0);
            return;
        }
        let mut all = std::mem::take(&mut self.0);
        all.append(&mut other.0);
        *self = Topics::from_specs(all);
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.0.iter().map(|t| &t.name)
    }

    pub fn values(&self) -> std::slice::Iter<'_, TopicSpec> {
        self.0.iter()
    }

    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&String, &TopicSpec)> + ExactSizeIterator {
        self.0.iter().map(|t| (&t.name, t))
    }
}

impl std::ops::Index<&str> for Topics {
    type Output = TopicSpec;

    /// Panics when there is no such topic, as indexing a `BTreeMap` does: indexing
    /// states that the topic is there (tests, mostly); `get` is the question.
    fn index(&self, name: &str) -> &TopicSpec {
        match self.get(name) {
            Some(t) => t,
            None => panic!("no topic `{name}` in the desired state"),
        }
    }
}

impl FromIterator<TopicSpec> for Topics {
    fn from_iter<I: IntoIterator<Item = TopicSpec>>(iter: I) -> Self {
        Topics::from_specs(iter.into_iter().collect())
    }
}

impl Serialize for Topics {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Topics {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, TopicSpec>::deserialize(deserializer)?;
        // The spec's own name is the one that counts; a key that disagrees is an edit.
        if let Some((key, spec)) = map.iter().find(|(k, t)| **k != t.name) {
            return Err(serde::de::Error::custom(format!(
                "topic saved under `{key}` is named `{}`",
                spec.name
            )));
        }
        Ok(Topics::from_distinct(map.into_values().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, partitions: i32) -> TopicSpec {
        TopicSpec::new(name, partitions, 1, ConfigMap::new())
    }

    #[test]
    fn topics_stay_sorted_and_unique_whatever_the_order_they_come_in() {
        let mut topics: Topics = [spec("b", 1), spec("a", 1), spec("b", 2)]
            .into_iter()
            .collect();
        assert_eq!(topics.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(
            topics["b"].partitions, 2,
            "the later of two equal names wins"
        );
        assert_eq!(topics.insert(spec("a", 3)).map(|t| t.partitions), Some(1));
        assert!(topics.insert(spec("0", 1)).is_none());
        let mut more: Topics = [spec("a", 4), spec("c", 1)].into_iter().collect();
        topics.append(&mut more);
        assert!(more.is_empty());
        assert_eq!(topics.keys().collect::<Vec<_>>(), ["0", "a", "b", "c"]);
        assert_eq!(topics["a"].partitions, 4);
        assert!(topics.get("z").is_none() && !topics.contains_key("z"));
        let distinct = Topics::from_distinct(vec![spec("c", 1), spec("a", 1), spec("b", 1)]);
        assert_eq!(distinct.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
    }

    #[test]
    fn saved_form_is_a_map_of_flat_specs_and_reads_back_the_same() {
        let dlq = spec("a-dlq", 1).with_extras(TopicExtras {
            dlq_of: Some("a".into()),
            ..TopicExtras::default()
        });
        let topics: Topics = [spec("a", 3), dlq].into_iter().collect();
        let json = serde_json::to_string(&topics).unwrap();
        assert_eq!(
            json,
            r#"{"a":{"name":"a","partitions":3,"replication_factor":1,"config":{}},"a-dlq":{"name":"a-dlq","partitions":1,"replication_factor":1,"config":{},"dlq_of":"a"}}"#
        );
        let back: Topics = serde_json::from_str(&json).unwrap();
        assert_eq!(back, topics);
        assert_eq!(back["a-dlq"].dlq_of(), Some("a"));
        assert!(back["a"].extras.is_none(), "no settings, no box");
    }

    #[test]
    fn a_saved_topic_under_another_name_is_refused() {
        let json = r#"{"a":{"name":"b","partitions":3,"replication_factor":1,"config":{}}}"#;
        assert!(serde_json::from_str::<Topics>(json).is_err());
    }
}
