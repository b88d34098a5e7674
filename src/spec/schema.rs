//! The JSON Schema (draft-07) of the topology file, for editor completion and inline
//! checks (taplo / Even Better TOML read it through the `#:schema` directive). Topic
//! config properties come from the same catalogue validation uses.
//!
//! The schema is a convenience, looser than `topo` itself: anything a `${VAR}` could
//! produce is accepted where the loader would accept it after interpolation.

use serde_json::{json, Map, Value};

use crate::model::Partitioner;

use super::catalogue::{Kind, CATALOGUE, VENDOR_PREFIXES};
use crate::units::{is_duration_key, is_size_key};

use super::walk::{MAX_REPLICATION_FACTOR, OFFSET_POLICIES};

fn interpolated() -> Value {
    json!({ "$ref": "#/definitions/interpolated" })
}

fn integer(min: i64, max: i64) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), json!("integer"));
    if min != i64::MIN {
        o.insert("minimum".into(), json!(min));
    }
    if max != i64::MAX {
        o.insert("maximum".into(), json!(max));
    }
    Value::Object(o)
}

fn list_pattern(items: &[&str]) -> String {
    let one = format!("({})", items.join("|"));
    format!("^\\s*({one}(\\s*,\\s*{one})*)?\\s*$")
}

fn config_property(key: &str, kind: Kind, doc: &str) -> Value {
    let choices = match kind {
        Kind::Int { min, max, or } => {
            let mut choices = vec![integer(min, max)];
            if let Some(v) = or {
                choices.push(json!({ "const": v }));
            }
            if is_duration_key(key) {
                choices.push(json!({ "$ref": "#/definitions/duration" }));
            } else if is_size_key(key) {
                choices.push(json!({ "$ref": "#/definitions/size" }));
            } else {
                choices.push(json!({ "type": "string", "pattern": "^\\s*-?[0-9]+\\s*$" }));
                choices.push(interpolated());
            }
            choices
        }
        Kind::Double { min, max } => vec![
            json!({ "type": "number", "minimum": min, "maximum": max }),
            json!({ "type": "string" }),
        ],
        Kind::Bool => vec![
            json!({ "type": "boolean" }),
            json!({ "type": "string", "enum": ["true", "false"] }),
            interpolated(),
        ],
        Kind::OneOf(values) => vec![json!({ "type": "string", "enum": values }), interpolated()],
        Kind::SubsetOf(values) => vec![
            json!({ "type": "string", "pattern": list_pattern(values) }),
            json!({ "type": "array", "items": { "enum": values }, "uniqueItems": true }),
            interpolated(),
        ],
        Kind::Text => vec![json!({ "type": "string" }), interpolated()],
        Kind::ThrottledReplicas => vec![
            json!({ "type": "string", "pattern": "^\\s*(\\*|[0-9]+:[0-9]+(\\s*,\\s*[0-9]+:[0-9]+)*)?\\s*$" }),
            json!({ "type": "array", "items": { "type": "string", "pattern": "^[0-9]+:[0-9]+$" } }),
            interpolated(),
        ],
    };
    json!({ "description": doc, "anyOf": choices })
}

fn topic_config() -> Value {
    let mut properties = Map::new();
    for def in CATALOGUE {
        properties.insert(def.key.into(), config_property(def.key, def.kind, def.doc));
    }
    let vendor = VENDOR_PREFIXES
        .iter()
        .map(|p| p.trim_end_matches('.'))
        .collect::<Vec<_>>()
        .join("|");
    json!({
        "type": "object",
        "description": "Kafka topic configs (Kafka 4.x). Keys contain dots, so quote them: \"retention.ms\" = \"7d\". Durations (`.ms`) and sizes (`.bytes`) accept human units.",
        "properties": properties,
        "patternProperties": {
            format!("^({vendor})\\."): {
                "description": "Vendor config, passed through unvalidated.",
                "type": ["string", "integer", "number", "boolean", "array"]
            }
        },
        "additionalProperties": false
    })
}

/// The schema as pretty JSON, byte-for-byte deterministic. Without a trailing newline, so
/// `topo schema > docs/topology.schema.json` (which prints it as a line) reproduces the
/// committed file exactly.
pub fn json_schema() -> String {
    let partitioners: Vec<&str> = Partitioner::ALL.iter().map(|p| p.name()).collect();
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "topo topology",
        "description": "Kafka topics, dead-letter topics and consumer groups, reconciled by `topo plan` / `topo apply`. See docs/topology.md.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "cluster": {
                "type": "object",
                "description": "How to reach the cluster.",
                "additionalProperties": false,
                "properties": {
                    "bootstrap_servers": {
                        "type": "string",
                        "description": "HOST:PORT[,HOST:PORT...]; `topo --bootstrap-servers` overrides it.",
                        "examples": ["${KAFKA_BOOTSTRAP_SERVERS:-localhost:19092}"]
                    },
                    "client": {
                        "type": "object",
                        "description": "librdkafka client properties, passed through as strings (security.protocol, sasl.mechanism, sasl.username, ...). Write secrets as \"${VAR}\", never literally.",
                        "additionalProperties": { "type": ["string", "integer", "number", "boolean"] }
                    }
                }
            },
            "defaults": {
                "type": "object",
                "description": "Inherited by every topic that does not set the value itself; `config` merges key by key.",
                "additionalProperties": false,
                "properties": {
                    "partitions": { "$ref": "#/definitions/partitions" },
                    "replication_factor": { "$ref": "#/definitions/replication_factor" },
                    "config": { "$ref": "#/definitions/topic_config" }
                }
            },
            "topics": {
                "type": "object",
                "description": "Topics keyed by name: [topics.\"NAME\"]. Names may use ${VAR}.",
                "additionalProperties": { "$ref": "#/definitions/topic" }
            },
            "groups": {
                "type": "object",
                "description": "Consumer groups keyed by group id: [groups.\"NAME\"]. Names may use ${VAR}.",
                "additionalProperties": { "$ref": "#/definitions/group" }
            },
            "policy": {
                "type": "object",
                "description": "What topo may touch beyond the declared topics.",
                "additionalProperties": false,
                "properties": {
                    "prefixes": {
                        "type": "array",
                        "description": "Live topics starting with one of these are managed: undeclared ones are reported (and deleted with delete_undeclared).",
                        "items": { "type": "string" }
                    },
                    "patterns": {
                        "type": "array",
                        "description": "Like prefixes, as globs: `*` any run of characters, `?` one character.",
                        "items": { "type": "string" }
                    },
                    "protected": {
                        "type": "array",
                        "description": "Globs of topics topo never touches, in addition to Kafka's internal and platform topics (__*, _schemas, _confluent-*, Kafka Connect's storage topics).",
                        "items": { "type": "string" }
                    },
                    "delete_undeclared": {
                        "description": "Delete managed topics the file does not declare (default false: only report them).",
                        "anyOf": [{ "type": "boolean" }, interpolated()]
                    },
                    "remove_unmanaged_config": {
                        "description": "Remove topic config overrides the file does not set (default false: only report them).",
                        "anyOf": [{ "type": "boolean" }, interpolated()]
                    },
                    "remove_undeclared_acls": {
                        "description": "Revoke ACLs of principals the file declares that the file does not declare (default false: only report them). Principals the file never mentions are never touched.",
                        "anyOf": [{ "type": "boolean" }, interpolated()]
                    }
                }
            },
            "scope": {
                "type": "object",
                "description": "The names this file owns when several files make one topology (`-f DIR`): declaring a topic or group outside it, or one another file declares, is an error. Undeclared live topics in the scope are managed like [policy] prefixes/patterns.",
                "additionalProperties": false,
                "properties": {
                    "owner": { "type": "string", "description": "Who owns the file (a team), shown in plans." },
                    "prefixes": { "type": "array", "items": { "type": "string" }, "description": "Names starting with one of these." },
                    "patterns": { "type": "array", "items": { "type": "string" }, "description": "Globs: `*` any run of characters, `?` one character." }
                }
            },
            "default_environment": {
                "type": "string",
                "description": "The environment used when neither --env nor TOPO_ENV selects one."
            },
            "environments": {
                "type": "object",
                "description": "Named environments ([environments.NAME]), each overriding the base file for one cluster. See docs/environments.md.",
                "additionalProperties": { "$ref": "#/definitions/environment" }
            },
            "principals": {
                "type": "object",
                "description": "Access by intent, keyed by principal: [principals.\"User:NAME\"]. Expanded to exact ACLs. See docs/security.md.",
                "additionalProperties": { "$ref": "#/definitions/principal" }
            },
            "acls": {
                "type": "array",
                "description": "Raw ACLs: [[acls]] with principal, resource, name, pattern, operations, host, permission.",
                "items": { "$ref": "#/definitions/acl" }
            },
            "users": {
                "type": "object",
                "description": "SCRAM users keyed by user name: [users.\"NAME\"]. The password comes from an environment variable.",
                "additionalProperties": { "$ref": "#/definitions/user" }
            }
        },
        "definitions": {
            "interpolated": {
                "type": "string",
                "description": "A ${VAR} or ${VAR:-default} reference, resolved when the file is loaded.",
                "pattern": "\\$\\{"
            },
            "duration": {
                "type": "string",
                "description": "Milliseconds as text, or a duration such as \"7d\", \"36h\", \"15m\", \"500ms\".",
                "examples": ["7d", "36h", "500ms"]
            },
            "size": {
                "type": "string",
                "description": "Bytes as text, or a size such as \"1GiB\", \"512MiB\", \"10MB\".",
                "examples": ["1GiB", "512MiB"]
            },
            "partitions": {
                "description": "Number of partitions (at least 1).",
                "anyOf": [integer(1, i64::from(i32::MAX)), interpolated()]
            },
            "replication_factor": {
                "description": "Copies of each partition (1 on a single-broker cluster).",
                "anyOf": [integer(1, MAX_REPLICATION_FACTOR), interpolated()]
            },
            "topic_config": topic_config(),
            "topic": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "partitions": { "$ref": "#/definitions/partitions" },
                    "replication_factor": { "$ref": "#/definitions/replication_factor" },
                    "config": { "$ref": "#/definitions/topic_config" },
                    "key": {
                        "type": "string",
                        "description": "Name of the message key, for the reader (e.g. tenant_id)."
                    },
                    "partitioner": {
                        "description": "How producers map keys to partitions; lets plans predict key moves.",
                        "enum": partitioners
                    },
                    "keys_file": {
                        "type": "string",
                        "description": "File of sample keys, one per line, used to count keys that move when partitions change."
                    },
                    "dlq": {
                        "description": "Dead-letter topic: true, or a table overriding what it inherits from this topic.",
                        "anyOf": [{ "type": "boolean" }, { "$ref": "#/definitions/dlq" }]
                    }
                }
            },
            "dlq": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "name": { "type": "string", "description": "Defaults to NAME-dlq." },
                    "partitions": { "$ref": "#/definitions/partitions" },
                    "replication_factor": { "$ref": "#/definitions/replication_factor" },
                    "config": { "$ref": "#/definitions/topic_config" }
                }
            },
            "environment": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "cluster": { "$ref": "#/properties/cluster" },
                    "defaults": { "$ref": "#/properties/defaults" },
                    "topics": {
                        "type": "object",
                        "description": "Settings of declared topics, overridden in this environment.",
                        "additionalProperties": { "$ref": "#/definitions/topic" }
                    },
                    "groups": {
                        "type": "object",
                        "description": "Settings of declared groups, overridden in this environment.",
                        "additionalProperties": { "$ref": "#/definitions/group_override" }
                    }
                }
            },
            "group_override": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "initial_offsets": { "enum": OFFSET_POLICIES },
                    "lag_budget": { "anyOf": [integer(0, i64::MAX), interpolated()] }
                }
            },
            "group": {
                "type": "object",
                "additionalProperties": false,
                "required": ["topics"],
                "properties": {
                    "topics": {
                        "type": "array",
                        "description": "Topics the group consumes.",
                        "minItems": 1,
                        "items": { "type": "string" }
                    },
                    "initial_offsets": {
                        "description": "Where a new group starts reading (`none`: leave it to the consumer).",
                        "enum": OFFSET_POLICIES
                    },
                    "lag_budget": {
                        "description": "Total lag (messages, summed over a topic's partitions) above which the group counts as drifted.",
                        "anyOf": [integer(0, i64::MAX), interpolated()]
                    },
                    "principal": {
                        "type": "string",
                        "description": "Who consumes as this group (Type:name): granted READ and DESCRIBE on its topics and READ on the group.",
                        "examples": ["User:extraction-workers"]
                    },
                    "produces": {
                        "type": "array",
                        "description": "Topics the group's principal writes to (e.g. its dead-letter topic): granted WRITE and DESCRIBE.",
                        "items": { "type": "string" }
                    }
                }
            },
            "principal": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "consumes": { "type": "array", "items": { "type": "string" }, "description": "Topics read: READ and DESCRIBE." },
                    "groups": { "type": "array", "items": { "type": "string" }, "description": "Consumer groups used: READ." },
                    "produces": { "type": "array", "items": { "type": "string" }, "description": "Topics written: WRITE and DESCRIBE." },
                    "transactional_ids": { "type": "array", "items": { "type": "string" }, "description": "Transactional ids used: WRITE and DESCRIBE." },
                    "idempotent": { "type": "boolean", "description": "IDEMPOTENT_WRITE on the cluster; only brokers before Kafka 2.8 need it." },
                    "host": { "type": "string", "description": "Host the grants apply to (default \"*\")." }
                }
            },
            "acl": {
                "type": "object",
                "additionalProperties": false,
                "required": ["principal", "resource", "operations"],
                "properties": {
                    "principal": { "type": "string", "description": "Type:name, e.g. User:ops." },
                    "resource": { "enum": ["topic", "group", "cluster", "transactional_id"] },
                    "name": { "type": "string", "description": "Resource name or prefix; not set for cluster." },
                    "pattern": { "enum": ["literal", "prefixed"], "description": "Default literal." },
                    "operations": {
                        "type": "array",
                        "items": { "enum": ["all", "read", "write", "create", "delete", "alter", "describe", "cluster_action", "describe_configs", "alter_configs", "idempotent_write"] }
                    },
                    "host": { "type": "string", "description": "Default \"*\"." },
                    "permission": { "enum": ["allow", "deny"], "description": "Default allow." }
                }
            },
            "user": {
                "type": "object",
                "additionalProperties": false,
                "required": ["password"],
                "properties": {
                    "password": { "type": "string", "pattern": "^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$", "description": "\"${ENV_VAR}\"; read when apply writes the credential, never a literal." },
                    "mechanisms": { "type": "array", "items": { "enum": ["SCRAM-SHA-256", "SCRAM-SHA-512"] }, "description": "Default [\"SCRAM-SHA-512\"]." },
                    "iterations": { "type": "integer", "minimum": 4096, "maximum": 16384 },
                    "rotate": { "type": "boolean", "description": "Rewrite existing credentials with the current password (a password cannot be read back, so rotation is only done when asked)." }
                }
            }
        }
    });
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_deterministic_json_with_every_config() {
        let text = json_schema();
        assert_eq!(text, json_schema());
        let value: Value = serde_json::from_str(&text).unwrap();
        let configs = &value["definitions"]["topic_config"]["properties"];
        for def in CATALOGUE {
            assert!(configs.get(def.key).is_some(), "{}", def.key);
        }
    }

    #[test]
    fn list_pattern_shape() {
        assert_eq!(
            list_pattern(&["a", "b"]),
            "^\\s*((a|b)(\\s*,\\s*(a|b))*)?\\s*$"
        );
    }
}
