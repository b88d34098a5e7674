//! Normalising one topic config value to the exact string Kafka stores, and checking it
//! against the catalogue: `"7d"` and `604800000` both become `"604800000"`, so a plan
//! never shows a change that is only a change of notation.
//!
//! Works on an already-interpolated [`Raw`] value and returns a located-free [`Problem`];
//! the tree walk attaches the location.

use crate::units::{is_duration_key, is_size_key, parse_duration_ms, parse_size_bytes};

use super::catalogue::{self, Kind};
use super::suggest;

/// A config value as written, after interpolation, before normalisation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// An array of strings (allowed for list-valued configs).
    List(Vec<String>),
    /// Anything else (tables, datetimes, arrays of non-strings): named by its TOML type.
    Other(&'static str),
}

impl Raw {
    fn type_name(&self) -> &'static str {
        match self {
            Raw::Str(_) => "a string",
            Raw::Int(_) => "an integer",
            Raw::Float(_) => "a float",
            Raw::Bool(_) => "a boolean",
            Raw::List(_) => "an array",
            Raw::Other(t) => t,
        }
    }
}

/// Why a value was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub message: String,
    pub help: Option<String>,
}

/// A normalised value, plus a warning for values that are valid but rarely intended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Normalised {
    pub value: String,
    pub warning: Option<Problem>,
}

fn problem(message: String, help: Option<String>) -> Problem {
    Problem { message, help }
}

fn plain(value: String) -> Normalised {
    Normalised {
        value,
        warning: None,
    }
}

#[derive(Clone, Copy)]
enum Unit {
    None,
    Duration,
    Size,
}

fn unit_of(key: &str) -> Unit {
    if is_duration_key(key) {
        Unit::Duration
    } else if is_size_key(key) {
        Unit::Size
    } else {
        Unit::None
    }
}

/// Shortest string that parses back to the same `f64` (Rust's `Display`), so `0.50`
/// and `0.5` normalise alike.
pub(crate) fn float_text(f: f64) -> String {
    f.to_string()
}

/// Normalises `raw` for `key`. Keys outside the catalogue are only accepted under a
/// vendor prefix; the caller reports other unknown keys before calling this.
pub(crate) fn normalise(key: &str, raw: &Raw) -> Result<Normalised, Problem> {
    match catalogue::kind_any(key) {
        Some(kind) => checked(key, kind, raw),
        None => passthrough(key, raw).map(plain),
    }
}

/// Checks an already normalised value against one release's rule for `key`.
pub(crate) fn check(key: &str, kind: Kind, raw: &Raw) -> Result<(), Problem> {
    checked(key, kind, raw).map(|_| ())
}

fn checked(key: &str, kind: Kind, raw: &Raw) -> Result<Normalised, Problem> {
    match kind {
        Kind::Int { min, max, or } => {
            let n = integer(key, raw)?;
            in_range(key, n, min, max, or)?;
            Ok(plain(n.to_string()))
        }
        Kind::Double { min, max } => {
            let f = double(key, raw)?;
            if f < min || f > max {
                return Err(problem(
                    format!(
                        "`{key}` must be between {} and {}, got {}",
                        float_text(min),
                        float_text(max),
                        float_text(f)
                    ),
                    None,
                ));
            }
            Ok(plain(float_text(f)))
        }
        Kind::Bool => boolean(key, raw).map(|b| plain(b.to_string())),
        Kind::OneOf(allowed) => one_of(key, raw, allowed).map(plain),
        Kind::SubsetOf(allowed) => subset_of(key, raw, allowed),
        Kind::ThrottledReplicas => throttled_replicas(key, raw).map(plain),
        Kind::Text => passthrough(key, raw).map(plain),
    }
}

fn type_error(key: &str, expected: &str, raw: &Raw) -> Problem {
    problem(
        format!("`{key}` must be {expected}, found {}", raw.type_name()),
        None,
    )
}

/// Integers, numeric strings (Kafka configs are strings, and `${VAR}` yields one), and
/// for `.ms` / size keys also human durations and sizes.
fn integer(key: &str, raw: &Raw) -> Result<i64, Problem> {
    let unit = unit_of(key);
    match raw {
        Raw::Int(n) => Ok(*n),
        Raw::Str(s) => {
            if let Ok(n) = s.trim().parse::<i64>() {
                return Ok(n);
            }
            match unit {
                Unit::Duration => parse_duration_ms(s).map_err(|e| {
                    problem(
                        format!("invalid duration `{s}` for `{key}`: {e}"),
                        Some(
                            "write milliseconds (604800000) or a duration such as \"7d\", \
                             \"36h\", \"15m\" or \"500ms\""
                                .into(),
                        ),
                    )
                }),
                Unit::Size => parse_size_bytes(s).map_err(|e| {
                    problem(
                        format!("invalid size `{s}` for `{key}`: {e}"),
                        Some(
                            "write bytes (1073741824) or a size such as \"1GiB\", \"512MiB\" \
                             or \"10MB\""
                                .into(),
                        ),
                    )
                }),
                Unit::None => Err(problem(
                    format!("`{key}` must be an integer, got `{s}`"),
                    None,
                )),
            }
        }
        Raw::Float(_) => Err(type_error(key, "an integer", raw)),
        _ => {
            let expected = match unit {
                Unit::Duration => "an integer (milliseconds) or a duration string",
                Unit::Size => "an integer (bytes) or a size string",
                Unit::None => "an integer",
            };
            Err(type_error(key, expected, raw))
        }
    }
}

fn in_range(key: &str, n: i64, min: i64, max: i64, or: Option<i64>) -> Result<(), Problem> {
    if (min..=max).contains(&n) || or == Some(n) {
        return Ok(());
    }
    // Types have natural limits (i32 for INT configs); only a tighter limit is worth
    // stating as a range.
    let natural_max = max == i64::MAX || max == i64::from(i32::MAX);
    let bounds = if min == i64::MIN || (n > max && natural_max) {
        format!("at most {max}")
    } else if natural_max && or.is_none() {
        format!("at least {min}")
    } else {
        format!("between {min} and {max}")
    };
    let or_text = or.map(|v| format!(" or {v}")).unwrap_or_default();
    Err(problem(
        format!("`{key}` must be {bounds}{or_text}, got {n}"),
        None,
    ))
}

fn double(key: &str, raw: &Raw) -> Result<f64, Problem> {
    let f = match raw {
        Raw::Float(f) => *f,
        Raw::Int(n) => *n as f64,
        Raw::Str(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| problem(format!("`{key}` must be a number, got `{s}`"), None))?,
        _ => return Err(type_error(key, "a number", raw)),
    };
    if f.is_finite() {
        Ok(f)
    } else {
        Err(problem(
            format!("`{key}` must be a finite number, got {f}"),
            None,
        ))
    }
}

fn boolean(key: &str, raw: &Raw) -> Result<bool, Problem> {
    match raw {
        Raw::Bool(b) => Ok(*b),
        // The broker accepts any case; storing lowercase keeps plans stable.
        Raw::Str(s) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Raw::Str(s) if s.trim().eq_ignore_ascii_case("false") => Ok(false),
        Raw::Str(s) => Err(problem(
            format!("`{key}` must be true or false, got `{s}`"),
            Some("write `true` or `false` without quotes".into()),
        )),
        _ => Err(type_error(key, "true or false", raw)),
    }
}

fn choices(allowed: &[&str]) -> String {
    allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn not_allowed(what: &str, got: &str, allowed: &[&str]) -> Problem {
    problem(
        format!("invalid {what} `{got}`"),
        Some(suggest::help(got, allowed.iter().copied())),
    )
}

fn one_of(key: &str, raw: &Raw, allowed: &[&str]) -> Result<String, Problem> {
    match raw {
        Raw::Str(s) if allowed.contains(&s.as_str()) => Ok(s.clone()),
        Raw::Str(s) => Err(not_allowed(&format!("value for `{key}`:"), s, allowed)),
        _ => Err(problem(
            format!("`{key}` must be a string, found {}", raw.type_name()),
            Some(format!("expected one of: {}", choices(allowed))),
        )),
    }
}

/// Items of a comma-separated list, written either as one string or as a TOML array.
fn list_items(key: &str, raw: &Raw, expected: &str) -> Result<Vec<String>, Problem> {
    match raw {
        Raw::Str(s) if s.trim().is_empty() => Ok(Vec::new()),
        Raw::Str(s) => Ok(s.split(',').map(|i| i.trim().to_string()).collect()),
        Raw::List(items) => Ok(items.iter().map(|i| i.trim().to_string()).collect()),
        _ => Err(type_error(key, expected, raw)),
    }
}

fn subset_of(key: &str, raw: &Raw, allowed: &[&str]) -> Result<Normalised, Problem> {
    let items = list_items(
        key,
        raw,
        "a string such as \"delete,compact\" or an array of strings",
    )?;
    if items.is_empty() {
        // Kafka 4.x accepts an empty policy list and keeps every segment forever; valid,
        // but far more often a variable that expanded to nothing.
        return Ok(Normalised {
            value: String::new(),
            warning: Some(problem(
                format!("empty `{key}`: segments are never deleted or compacted"),
                Some(format!("name {} or both", choices(allowed))),
            )),
        });
    }
    let mut seen: Vec<&str> = Vec::new();
    for item in &items {
        if !allowed.contains(&item.as_str()) {
            return Err(not_allowed(&format!("`{key}` entry"), item, allowed));
        }
        if seen.contains(&item.as_str()) {
            return Err(problem(
                format!("`{item}` is listed twice in `{key}`"),
                None,
            ));
        }
        seen.push(item);
    }
    Ok(plain(items.join(",")))
}

fn throttled_replicas(key: &str, raw: &Raw) -> Result<String, Problem> {
    let items = list_items(
        key,
        raw,
        "a string such as \"*\" or \"0:1,1:2\", or an array of strings",
    )?;
    if items.len() == 1 && items[0] == "*" {
        return Ok("*".into());
    }
    let is_pair = |item: &str| {
        item.split_once(':').is_some_and(|(p, b)| {
            [p, b]
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
        })
    };
    if let Some(bad) = items.iter().find(|i| !is_pair(i)) {
        return Err(problem(
            format!("invalid replica `{bad}` in `{key}`"),
            Some(
                "write `*` for all replicas, or PARTITION:BROKER pairs such as \"0:1,1:2\"".into(),
            ),
        ));
    }
    Ok(items.join(","))
}

/// Vendor configs: no catalogue, but the same unit conventions and scalar rendering.
fn passthrough(key: &str, raw: &Raw) -> Result<String, Problem> {
    match raw {
        Raw::Str(s) => match unit_of(key) {
            Unit::None => Ok(s.clone()),
            _ => integer(key, raw).map(|n| n.to_string()),
        },
        Raw::Int(n) => Ok(n.to_string()),
        Raw::Float(f) => Ok(float_text(*f)),
        Raw::Bool(b) => Ok(b.to_string()),
        Raw::List(items) => Ok(items.join(",")),
        Raw::Other(_) => Err(type_error(key, "a string, number or boolean", raw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(key: &str, raw: Raw) -> String {
        match normalise(key, &raw) {
            Ok(n) => {
                assert_eq!(n.warning, None, "{key}");
                n.value
            }
            Err(p) => panic!("{key} = {raw:?}: {p:?}"),
        }
    }

    fn err(key: &str, raw: Raw) -> String {
        match normalise(key, &raw) {
            Ok(n) => panic!("{key} = {raw:?} gave {n:?}"),
            Err(p) => p.message,
        }
    }

    fn s(text: &str) -> Raw {
        Raw::Str(text.into())
    }

    #[test]
    fn durations_and_integers_normalise_alike() {
        assert_eq!(ok("retention.ms", s("7d")), "604800000");
        assert_eq!(ok("retention.ms", Raw::Int(604_800_000)), "604800000");
        assert_eq!(ok("retention.ms", s("604800000")), "604800000");
        assert_eq!(ok("retention.ms", Raw::Int(-1)), "-1");
        assert_eq!(ok("retention.ms", s("-1")), "-1");
        assert_eq!(ok("segment.ms", s("36h")), "129600000");
        assert_eq!(ok("file.delete.delay.ms", s("500ms")), "500");
        assert_eq!(ok("retention.ms", s("1h 30m")), "5400000");
    }

    #[test]
    fn sizes_normalise_to_bytes() {
        assert_eq!(ok("retention.bytes", s("1GiB")), "1073741824");
        assert_eq!(ok("retention.bytes", Raw::Int(-1)), "-1");
        assert_eq!(ok("max.message.bytes", s("1MiB")), "1048576");
        assert_eq!(ok("segment.bytes", s("512 MiB")), "536870912");
        assert_eq!(ok("segment.index.bytes", Raw::Int(4096)), "4096");
    }

    #[test]
    fn invalid_units_explain_the_grammar() {
        assert!(err("retention.ms", s("7 dayz")).starts_with("invalid duration `7 dayz`"));
        assert!(err("retention.bytes", s("lots")).starts_with("invalid size `lots`"));
        assert_eq!(
            err("retention.ms", Raw::Float(1.5)),
            "`retention.ms` must be an integer, found a float"
        );
        assert_eq!(
            err("min.insync.replicas", s("two")),
            "`min.insync.replicas` must be an integer, got `two`"
        );
    }

    #[test]
    fn ranges_follow_the_broker() {
        assert_eq!(
            err("retention.ms", Raw::Int(-2)),
            "`retention.ms` must be at least -1, got -2"
        );
        assert_eq!(
            err("min.insync.replicas", Raw::Int(0)),
            "`min.insync.replicas` must be at least 1, got 0"
        );
        assert_eq!(
            err("max.message.bytes", Raw::Int(-1)),
            "`max.message.bytes` must be at least 0, got -1"
        );
        assert_eq!(
            err("max.message.bytes", Raw::Int(1 << 31)),
            "`max.message.bytes` must be at most 2147483647, got 2147483648"
        );
        // Without a cluster, the loosest supported release decides (Kafka 3.x: 14); a
        // plan against Kafka 4.x holds it to 1 MiB.
        assert_eq!(
            err("segment.bytes", Raw::Int(13)),
            "`segment.bytes` must be at least 14, got 13"
        );
        assert_eq!(ok("segment.bytes", Raw::Int(14)), "14");
        assert_eq!(
            err("compression.gzip.level", Raw::Int(0)),
            "`compression.gzip.level` must be between 1 and 9 or -1, got 0"
        );
        assert_eq!(ok("compression.gzip.level", Raw::Int(-1)), "-1");
        assert_eq!(
            err("compression.zstd.level", Raw::Int(23)),
            "`compression.zstd.level` must be between -131072 and 22, got 23"
        );
        assert_eq!(
            err("max.decompressed.message.bytes", Raw::Int(0)),
            "`max.decompressed.message.bytes` must be between 1 and 2147483639, got 0"
        );
        assert_eq!(
            ok("retention.bytes", Raw::Int(i64::MIN)),
            i64::MIN.to_string()
        );
    }

    #[test]
    fn ratios_use_the_shortest_representation() {
        assert_eq!(ok("min.cleanable.dirty.ratio", Raw::Float(0.5)), "0.5");
        assert_eq!(ok("min.cleanable.dirty.ratio", s("0.50")), "0.5");
        assert_eq!(ok("min.cleanable.dirty.ratio", Raw::Int(1)), "1");
        assert_eq!(ok("min.cleanable.dirty.ratio", Raw::Float(0.1)), "0.1");
        assert_eq!(
            err("min.cleanable.dirty.ratio", Raw::Float(1.5)),
            "`min.cleanable.dirty.ratio` must be between 0 and 1, got 1.5"
        );
        assert!(err("min.cleanable.dirty.ratio", Raw::Float(f64::NAN)).contains("finite"));
    }

    #[test]
    fn booleans_and_enums() {
        assert_eq!(ok("preallocate", Raw::Bool(true)), "true");
        assert_eq!(ok("preallocate", s("FALSE")), "false");
        assert_eq!(
            err("preallocate", s("yes")),
            "`preallocate` must be true or false, got `yes`"
        );
        assert_eq!(ok("compression.type", s("zstd")), "zstd");
        assert_eq!(
            err("compression.type", s("ZSTD")),
            "invalid value for `compression.type`: `ZSTD`"
        );
        let p = normalise("message.timestamp.type", &s("createtime")).unwrap_err();
        assert_eq!(p.help.as_deref(), Some("did you mean `CreateTime`?"));
        assert_eq!(
            err("compression.type", Raw::Int(1)),
            "`compression.type` must be a string, found an integer"
        );
    }

    #[test]
    fn cleanup_policies() {
        assert_eq!(ok("cleanup.policy", s("delete")), "delete");
        assert_eq!(ok("cleanup.policy", s("compact, delete")), "compact,delete");
        assert_eq!(
            ok(
                "cleanup.policy",
                Raw::List(vec!["delete".into(), "compact".into()])
            ),
            "delete,compact"
        );
        assert_eq!(
            err("cleanup.policy", s("delete,compcat")),
            "invalid `cleanup.policy` entry `compcat`"
        );
        assert_eq!(
            err("cleanup.policy", s("delete,delete")),
            "`delete` is listed twice in `cleanup.policy`"
        );
        let empty = normalise("cleanup.policy", &s("")).unwrap();
        assert_eq!(empty.value, "");
        assert!(empty.warning.is_some());
    }

    #[test]
    fn throttled_replicas_lists() {
        let key = "leader.replication.throttled.replicas";
        assert_eq!(ok(key, s("*")), "*");
        assert_eq!(ok(key, s("0:1, 1:2")), "0:1,1:2");
        assert_eq!(ok(key, s("")), "");
        assert_eq!(
            err(key, s("0:x")),
            format!("invalid replica `0:x` in `{key}`")
        );
    }

    #[test]
    fn vendor_keys_pass_through_with_units() {
        assert_eq!(ok("redpanda.remote.read", Raw::Bool(true)), "true");
        assert_eq!(ok("confluent.tier.local.hotset.ms", s("1d")), "86400000");
        assert_eq!(
            ok("confluent.placement.constraints", s("{\"v\":1}")),
            "{\"v\":1}"
        );
        assert_eq!(ok("confluent.x", Raw::Float(0.25)), "0.25");
        assert!(err("confluent.x", Raw::Other("a table")).contains("found a table"));
    }
}
