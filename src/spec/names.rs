//! Kafka's naming rules for topics, and the metric-name collision Kafka warns about: the
//! checks the broker would make at creation time, made early so a plan never proposes a
//! topic the broker will refuse.

use crate::model::is_internal_topic;
use crate::units::noun;

/// Kafka's limit: 249, so that `NAME-PARTITION` directory names fit in 255 bytes.
pub(crate) const MAX_TOPIC_NAME_LEN: usize = 249;

/// Why `name` cannot be a topic topo manages: `(message, help)`. `what` names the topic
/// in messages ("topic", "dead-letter topic").
pub(crate) fn topic_name_problem(what: &str, name: &str) -> Option<(String, Option<String>)> {
    if name.is_empty() {
        return Some((format!("{what} name is empty"), None));
    }
    if is_internal_topic(name) {
        return Some((
            format!("`{name}` is an internal topic; topo never manages internal topics"),
            Some("`__*`, `_schemas`, `_confluent-*`, Kafka Connect's storage topics and MirrorMaker 2's internal topics belong to Kafka and its platform; remove this entry".into()),
        ));
    }
    if name == "." || name == ".." {
        return Some((
            format!("`{name}` is not a valid {what} name"),
            Some("Kafka reserves `.` and `..`".into()),
        ));
    }
    let len = name.chars().count();
    if len > MAX_TOPIC_NAME_LEN {
        return Some((
            format!(
                "{what} name is {len} characters long; Kafka allows at most {MAX_TOPIC_NAME_LEN}"
            ),
            None,
        ));
    }
    let mut bad: Vec<char> = name
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .collect();
    bad.dedup();
    if !bad.is_empty() {
        let shown: Vec<String> = bad.iter().map(|c| format!("{c:?}")).collect();
        return Some((
            format!(
                "{what} name `{name}` contains {} which Kafka does not allow",
                shown.join(", ")
            ),
            Some("topic names use only ASCII letters, digits, `.`, `_` and `-`".into()),
        ));
    }
    None
}

/// Kafka's protocol writes a group id as a string of at most `i16::MAX` bytes.
pub(crate) const MAX_GROUP_ID_BYTES: usize = i16::MAX as usize;

/// Why `id` cannot be a consumer group id: `(message, help)`. Kafka accepts almost any
/// text, but not an empty id, and ids with NUL or control characters cannot be passed
/// through librdkafka's C strings or shown in any tool; finding them here keeps a bad id
/// from failing mid-apply after topics were created.
pub(crate) fn group_id_problem(id: &str) -> Option<(String, Option<String>)> {
    if id.is_empty() {
        return Some(("consumer group name is empty".into(), None));
    }
    if id.len() > MAX_GROUP_ID_BYTES {
        return Some((
            format!(
                "consumer group name is {} bytes long; Kafka allows at most {MAX_GROUP_ID_BYTES}",
                id.len()
            ),
            None,
        ));
    }
    let mut bad: Vec<char> = id.chars().filter(|c| c.is_control()).collect();
    bad.sort_unstable();
    bad.dedup();
    if bad.is_empty() {
        return None;
    }
    let shown: Vec<String> = bad.iter().map(|c| format!("{c:?}")).collect();
    Some((
        format!(
            "consumer group name contains the {} {}",
            noun(bad.len(), "control character", "control characters"),
            shown.join(", ")
        ),
        Some("group names cannot hold NUL, newlines, tabs or other control characters".into()),
    ))
}

/// The name Kafka's metrics use for a topic: `.` becomes `_`, so `a.b` and `a_b` share
/// one set of metrics.
pub(crate) fn metric_name(name: &str) -> String {
    name.replace('.', "_")
}

/// Whether a policy prefix or glob could ever match a valid topic name.
pub(crate) fn scope_pattern_problem(text: &str, glob: bool) -> Option<String> {
    if text.is_empty() {
        return Some("an empty pattern matches every topic".into());
    }
    let bad: Vec<String> = text
        .chars()
        .filter(|c| {
            !(c.is_ascii_alphanumeric()
                || matches!(c, '.' | '_' | '-')
                || (glob && matches!(c, '*' | '?')))
        })
        .map(|c| format!("{c:?}"))
        .collect();
    if bad.is_empty() {
        None
    } else {
        Some(format!(
            "`{text}` contains {}, which no topic name can contain",
            bad.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(name: &str) -> String {
        match topic_name_problem("topic", name) {
            Some((m, _)) => m,
            None => panic!("{name} accepted"),
        }
    }

    #[test]
    fn accepts_legal_names() {
        for name in [
            "a",
            "ingestion-events",
            "a.b_c-D9",
            &"x".repeat(249),
            "_private",
        ] {
            assert_eq!(topic_name_problem("topic", name), None, "{name}");
        }
    }

    #[test]
    fn rejects_what_kafka_rejects() {
        assert_eq!(bad(""), "topic name is empty");
        assert_eq!(bad("."), "`.` is not a valid topic name");
        assert_eq!(bad(".."), "`..` is not a valid topic name");
        assert_eq!(
            bad(&"x".repeat(250)),
            "topic name is 250 characters long; Kafka allows at most 249"
        );
        assert_eq!(
            bad("orders/v1 x"),
            "topic name `orders/v1 x` contains '/', ' ' which Kafka does not allow"
        );
        assert!(bad("__consumer_offsets").contains("internal topic"));
        assert!(bad("_schemas").contains("internal topic"));
    }

    #[test]
    fn group_ids_without_control_characters() {
        assert_eq!(group_id_problem("orders-consumers v2/ü"), None);
        assert!(group_id_problem("").is_some());
        let (m, _) = group_id_problem("a\0b\nc\0").unwrap_or_default();
        assert_eq!(
            m,
            "consumer group name contains the control characters '\\0', '\\n'"
        );
        assert!(group_id_problem(&"g".repeat(40_000)).is_some());
    }

    #[test]
    fn metric_names_fold_dots() {
        assert_eq!(metric_name("a.b"), metric_name("a_b"));
        assert_ne!(metric_name("a-b"), metric_name("a_b"));
    }

    #[test]
    fn scope_patterns() {
        assert_eq!(scope_pattern_problem("ingestion-", false), None);
        assert_eq!(scope_pattern_problem("*-dlq", true), None);
        assert!(scope_pattern_problem("*-dlq", false).is_some());
        assert!(scope_pattern_problem("", true).is_some());
        assert!(scope_pattern_problem("a b", true).is_some());
    }
}
