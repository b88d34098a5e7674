//! Walking the parsed file (`spec::tree`) by hand: every key checked against what its
//! table may contain, every value against its expected type, strings interpolated, config
//! values normalised. Each section yields a declaration that keeps the source spans later
//! cross-checks (duplicates, inheritance, references) need to point at.
//!
//! Nothing here stops at a problem: a bad value is reported, treated as absent, and the
//! walk goes on, so one run lists every mistake in the file.

use std::ops::Range;

use crate::model::{ClusterSpec, OffsetPolicy, Partitioner, Policy, ScopePattern};

use super::catalogue;
use super::client_props;
use super::config::{self, Raw};
use super::diagnostic::{Diagnostic, Omitted, Severity, SourceMap, MAX_DIAGNOSTICS};
use super::interpolate;
use super::names;
use super::security::{self, SecurityDecl};
use super::suggest;
use super::tree::{Item, Key, Table, Value};

pub(crate) type Span = Range<usize>;

pub(crate) const ROOT_KEYS: &[&str] = &[
    "cluster",
    "defaults",
    "topics",
    "groups",
    "policy",
    "scope",
    "environments",
    "default_environment",
    "acls",
    "principals",
    "users",
];
pub(crate) const CLUSTER_KEYS: &[&str] = &["bootstrap_servers", "client"];
pub(crate) const DEFAULTS_KEYS: &[&str] = &["partitions", "replication_factor", "config"];
pub(crate) const TOPIC_KEYS: &[&str] = &[
    "partitions",
    "replication_factor",
    "config",
    "key",
    "partitioner",
    "keys_file",
    "dlq",
];
pub(crate) const DLQ_KEYS: &[&str] = &["name", "partitions", "replication_factor", "config"];
pub(crate) const GROUP_KEYS: &[&str] = &[
    "topics",
    "initial_offsets",
    "lag_budget",
    "principal",
    "produces",
];
pub(crate) const POLICY_KEYS: &[&str] = &[
    "prefixes",
    "patterns",
    "delete_undeclared",
    "remove_unmanaged_config",
    "remove_undeclared_acls",
    "protected",
];
pub(crate) const OFFSET_POLICIES: &[&str] = &["earliest", "latest", "none"];
pub(crate) const MAX_REPLICATION_FACTOR: i64 = i16::MAX as i64;

/// A setting that may be inherited: absent (inherit), invalid (already reported; do not
/// report again downstream), or set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field<T> {
    Absent,
    Invalid,
    Set(T),
}

impl<T: Copy> Field<T> {
    /// This value, or `fallback` when absent (the inheritance rule).
    pub(crate) fn or(self, fallback: Field<T>) -> Field<T> {
        match self {
            Field::Absent => fallback,
            other => other,
        }
    }

    pub(crate) fn get(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            _ => None,
        }
    }
}

/// One normalised config value and where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Setting {
    pub value: String,
    pub span: Span,
}

/// A table's config settings, sorted by name, each name once. A sorted vector rather
/// than a `BTreeMap`: a topic sets a handful of configs, and a `BTreeMap` spends a node of
/// eleven slots (about 700 bytes here) on even one, which made the settings most of the
/// memory a large topology costs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Config(Vec<(String, Setting)>);

impl Config {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// From entries in any order; a later entry for a name replaces an earlier one.
    fn from_entries(mut entries: Vec<(String, Setting)>) -> Self {
        // Reversed, a stable sort puts the latest entry of each name first, which is the
        // one `dedup` keeps. Sorting once keeps a table of many keys from costing
        // quadratic time.
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, kept| later.0 == kept.0);
        entries.shrink_to_fit();
        Config(entries)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Setting> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// This config with `over`'s settings added, replacing any of the same name.
    pub(crate) fn merged(&self, over: &Config) -> Config {
        if over.0.is_empty() {
            return self.clone();
        }
        let mut entries = self.0.clone();
        entries.extend(over.0.iter().cloned());
        Config::from_entries(entries)
    }

    /// Adds `over`'s settings, replacing any of the same name.
    pub(crate) fn extend_from(&mut self, over: &Config) {
        *self = self.merged(over);
    }
}

impl IntoIterator for Config {
    type Item = (String, Setting);
    type IntoIter = std::vec::IntoIter<(String, Setting)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Defaults {
    pub partitions: Option<Field<i32>>,
    pub replication_factor: Option<Field<i16>>,
    pub config: Config,
}

#[derive(Debug)]
pub(crate) struct DlqDecl {
    /// Where to point when the dead-letter topic as a whole is at fault.
    pub span: Span,
    /// Explicit name; `Field::Invalid` when it failed to interpolate.
    pub name: Field<(String, Span)>,
    pub partitions: Field<i32>,
    pub replication_factor: Field<i16>,
    pub config: Config,
}

/// One `[topics.NAME]` as written. Laid out small (a topology of a million topics holds
/// a million of these next to its parsed text): the name is not copied when it is the
/// key's own text, and the settings most topics leave out sit behind one pointer.
#[derive(Debug)]
pub(crate) struct TopicDecl {
    /// The topic's key.
    pub span: Span,
    /// The name, when it is not the key's text as written (a quoted, escaped or
    /// interpolated key).
    spelled: Option<Box<str>>,
    pub partitions: Field<i32>,
    pub replication_factor: Field<i16>,
    pub config: Config,
    more: Option<Box<TopicMore>>,
}

/// What most topic declarations do not have.
#[derive(Debug, Default)]
pub(crate) struct TopicMore {
    /// The key as written, when interpolation changed it or failed.
    raw: Option<Box<str>>,
    /// The name failed to interpolate (already reported).
    unnamed: bool,
    pub key: Option<String>,
    pub partitioner: Option<Partitioner>,
    pub keys_file: Option<String>,
    pub dlq: Option<DlqDecl>,
}

impl TopicDecl {
    /// A declaration under the key `raw` at `span` of `src`, named `name` after
    /// interpolation (`None`: it failed), with no settings yet.
    pub(crate) fn new(src: &str, span: Span, raw: &str, name: Option<String>) -> Self {
        let as_written = src.get(span.clone()) == Some(raw);
        let mut more = TopicMore::default();
        let spelled = match name {
            Some(name) if name == raw => (!as_written).then(|| name.into_boxed_str()),
            Some(name) => {
                more.raw = Some(raw.into());
                Some(name.into_boxed_str())
            }
            None => {
                more.unnamed = true;
                (!as_written).then(|| raw.into())
            }
        };
        TopicDecl {
            span,
            spelled,
            partitions: Field::Absent,
            replication_factor: Field::Absent,
            config: Config::new(),
            more: (more.raw.is_some() || more.unnamed).then(|| Box::new(more)),
        }
    }

    /// The key's text, or the name it was spelled as.
    fn spelling<'s>(&'s self, src: &'s str) -> &'s str {
        match &self.spelled {
            Some(s) => s,
            None => src.get(self.span.clone()).unwrap_or(""),
        }
    }

    /// The name after interpolation; `None` when that failed (already reported). `src` is
    /// the text of the file it was declared in.
    pub(crate) fn name<'s>(&'s self, src: &'s str) -> Option<&'s str> {
        if self.more.as_ref().is_some_and(|m| m.unnamed) {
            return None;
        }
        Some(self.spelling(src))
    }

    /// The key as written, before interpolation, for messages that must match the file.
    pub(crate) fn raw<'s>(&'s self, src: &'s str) -> &'s str {
        match self.more.as_ref().and_then(|m| m.raw.as_deref()) {
            Some(raw) => raw,
            None => self.spelling(src),
        }
    }

    pub(crate) fn more(&self) -> Option<&TopicMore> {
        self.more.as_deref()
    }

    pub(crate) fn more_mut(&mut self) -> &mut TopicMore {
        self.more.get_or_insert_with(Default::default)
    }
}

#[derive(Debug)]
pub(crate) struct GroupDecl {
    pub raw: String,
    pub span: Span,
    pub name: Option<String>,
    pub topics: Vec<(String, Span)>,
    pub initial_offsets: Option<OffsetPolicy>,
    pub lag_budget: Option<i64>,
    /// Who consumes as this group (intent form of its ACLs).
    pub principal: Option<(String, Span)>,
    /// Topics that principal produces to (e.g. the dead-letter topic).
    pub produces: Vec<(String, Span)>,
}

/// The file as declared, before defaults and DLQs are expanded.
#[derive(Debug, Default)]
pub(crate) struct Decl {
    pub cluster: ClusterSpec,
    pub defaults: Defaults,
    pub topics: Vec<TopicDecl>,
    pub groups: Vec<GroupDecl>,
    pub policy: Policy,
    pub security: SecurityDecl,
}

/// Collects diagnostics while the walk runs.
pub(crate) struct Ctx<'a> {
    map: SourceMap<'a>,
    env: &'a dyn Fn(&str) -> Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Topics declared by the other files of a composed topology, so a group here may
    /// consume them without a warning.
    pub elsewhere: std::collections::BTreeSet<String>,
    /// Every topic the expansion kept, with where it was declared.
    pub declared_topics: Vec<(String, Span)>,
    /// Every group the expansion kept, with where it was declared.
    pub declared_groups: Vec<(String, Span)>,
    /// Whether the expansion records `declared_topics` and `declared_groups` (needed only
    /// when files are composed or scoped).
    pub record_declared: bool,
    /// Source ranges of client property values, sorted: masked in every quoted line.
    pub secret_spans: Vec<Span>,
    /// Found after `diagnostics` was full: counted only, so a hostile file cannot make
    /// the report (or the memory holding it) grow without bound.
    pub omitted: Omitted,
    /// Whether an unset `${VAR}` is an error (plans, applies, `validate --strict-env`) or a
    /// warning that it is not set here (`topo validate`, e.g. in a fork's CI without secrets).
    pub strict_env: bool,
}

/// Keys whose values are credentials: writing them in clear defeats the point.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("password") || key.contains("secret")
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        file: &'a str,
        source: &'a str,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Self {
        Ctx {
            map: SourceMap::new(file, source),
            env,
            diagnostics: Vec::new(),
            elsewhere: std::collections::BTreeSet::new(),
            declared_topics: Vec::new(),
            declared_groups: Vec::new(),
            record_declared: true,
            secret_spans: Vec::new(),
            omitted: Omitted::default(),
            strict_env: true,
        }
    }

    /// Whether further diagnostics are only counted; callers skip costly help (similarity
    /// searches) for them.
    pub(crate) fn is_full(&self) -> bool {
        self.diagnostics.len() >= MAX_DIAGNOSTICS
    }

    /// Whether a declaration just checked should be dropped rather than kept: the report
    /// is full and holds an error, so the load fails whatever else is found, and keeping
    /// every later declaration for the checks across them (duplicates, inheritance) would
    /// let a file of a million broken topics cost memory out of proportion to its size.
    /// Later problems are still counted, as a lower bound.
    pub(crate) fn drop_declaration(&mut self) -> bool {
        let failing = self.is_full()
            && (self.omitted.errors > 0 || self.diagnostics.iter().any(Diagnostic::is_error));
        if failing {
            self.omitted.partial = true;
        }
        failing
    }

    pub(crate) fn error(&mut self, span: &Span, message: impl Into<String>, help: Option<String>) {
        if self.is_full() {
            self.omitted.errors += 1;
            return;
        }
        let d = self.map.diagnostic_masked(
            Severity::Error,
            span.clone(),
            message.into(),
            help,
            &self.secret_spans,
        );
        self.diagnostics.push(d);
    }

    pub(crate) fn warning(
        &mut self,
        span: &Span,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        if self.is_full() {
            self.omitted.warnings += 1;
            return;
        }
        let d = self.map.diagnostic_masked(
            Severity::Warning,
            span.clone(),
            message.into(),
            help,
            &self.secret_spans,
        );
        self.diagnostics.push(d);
    }

    /// 1-based line of a span, for "first declared on line N" hints.
    /// The text of the file being read.
    pub(crate) fn source(&self) -> &'a str {
        self.map.source()
    }

    pub(crate) fn line_of(&self, span: &Span) -> usize {
        self.map.line_of(span.start)
    }

    /// Narrows `range` (bytes of the decoded string) to the source, when the string is
    /// written without escapes so decoded and source bytes line up; otherwise the whole
    /// string is the best location there is.
    fn sub_span(&self, span: &Span, decoded: &str, range: &Range<usize>) -> Span {
        let raw = self.map.source().get(span.clone()).unwrap_or("");
        let prefix = ["\"\"\"", "'''", "\"", "'"]
            .iter()
            .find(|q| raw.starts_with(*q))
            .map_or(0, |q| q.len());
        match raw.get(prefix..prefix + decoded.len()) {
            Some(body) if body == decoded => {
                span.start + prefix + range.start..span.start + prefix + range.end
            }
            _ => span.clone(),
        }
    }

    /// Interpolates a string written at `span`; reports every problem and returns `None`
    /// if there was any.
    pub(crate) fn interpolate(&mut self, text: &str, span: &Span) -> Option<String> {
        match interpolate::expand(text, self.env) {
            Ok(s) => Some(s),
            Err(errors) => {
                for e in errors {
                    let at = self.sub_span(span, text, &e.range);
                    match e.unset {
                        Some(name) if !self.strict_env => self.warning(
                            &at,
                            format!("environment variable `{name}` is not set here"),
                            Some(format!(
                                "`topo plan` and `topo apply` need `{name}`; \
                                 `topo validate --strict-env` makes this an error"
                            )),
                        ),
                        _ => self.error(&at, e.message, e.help),
                    }
                }
                None
            }
        }
    }

    pub(crate) fn expect_table<'d>(&mut self, v: Item<'d>, what: &str) -> Option<Table<'d>> {
        match v.value() {
            Value::Table(t) => Some(t),
            other => {
                let found = other.type_name();
                self.error(
                    &v.span(),
                    format!("{what} must be a table, found {found}"),
                    None,
                );
                None
            }
        }
    }

    /// Reports every key of `t` not in `allowed`, suggesting the closest allowed key (or,
    /// where a `config` table is allowed, the topic config it resembles). Returns the
    /// keys suggested, so callers can avoid a second error for the key the typo was
    /// meant to be ("no partition count" after `partiton = 3`).
    ///
    /// `named` is `(section, name)` for tables keyed by a name (topics, groups): there an
    /// unknown sub-table usually means an unquoted dotted name, `[topics.orders.v1]`.
    pub(crate) fn check_keys(
        &mut self,
        t: Table<'_>,
        allowed: &[&'static str],
        place: &str,
        named: Option<(&str, &str)>,
    ) -> Vec<&'static str> {
        let mut suggested = Vec::new();
        for (k, v) in t.iter() {
            let key = k.text();
            if allowed.contains(&&*key) {
                continue;
            }
            if let (Some((section, name)), Some(_)) = (named, v.as_table()) {
                self.error(
                    &k.span(),
                    format!("unknown key `{key}` in {place}"),
                    Some(format!(
                        "a name containing dots must be quoted: [{section}.\"{name}.{key}\"]"
                    )),
                );
                continue;
            }
            let help = match suggest::closest(&key, allowed.iter().copied()) {
                Some(c) => {
                    suggested.push(c);
                    format!("did you mean `{c}`?")
                }
                None => match suggest::closest(&key, catalogue::keys()) {
                    Some(c) if allowed.contains(&"config") => format!(
                        "topic configs go in the `config` table: config = {{ \"{c}\" = ... }}"
                    ),
                    _ => format!(
                        "expected one of: {}",
                        suggest::list(allowed.iter().copied())
                    ),
                },
            };
            self.error(
                &k.span(),
                format!("unknown key `{key}` in {place}"),
                Some(help),
            );
        }
        suggested
    }

    /// A string value, interpolated.
    pub(crate) fn string(&mut self, v: Item<'_>, what: &str) -> Option<String> {
        match v.value() {
            Value::String(s) => self.interpolate(&s, &v.span()),
            other => {
                let found = other.type_name();
                self.error(
                    &v.span(),
                    format!("{what} must be a string, found {found}"),
                    None,
                );
                None
            }
        }
    }

    /// An integer. A string is accepted only when it interpolates (`"${PARTITIONS:-6}"`):
    /// environment variables are text, but a quoted literal number is a type mistake.
    pub(crate) fn integer(&mut self, v: Item<'_>, what: &str) -> Option<i64> {
        match v.value() {
            Value::Integer(i) => Some(i.to_i64()),
            Value::String(s) if interpolate::has_reference(&s) => {
                let text = self.interpolate(&s, &v.span())?;
                match text.trim().parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        self.error(
                            &v.span(),
                            format!("{what} must be an integer, but `{s}` expands to `{text}`"),
                            None,
                        );
                        None
                    }
                }
            }
            Value::String(s) => {
                let help = s
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .map(|n| format!("write the number without quotes: {n}"));
                self.error(
                    &v.span(),
                    format!("{what} must be an integer, found a string"),
                    help,
                );
                None
            }
            other => {
                let found = other.type_name();
                self.error(
                    &v.span(),
                    format!("{what} must be an integer, found {found}"),
                    None,
                );
                None
            }
        }
    }

    /// A boolean; like integers, a string only when it interpolates.
    pub(crate) fn boolean(&mut self, v: Item<'_>, what: &str) -> Option<bool> {
        match v.value() {
            Value::Boolean(b) => Some(b),
            Value::String(s) if interpolate::has_reference(&s) => {
                let text = self.interpolate(&s, &v.span())?;
                match text.trim().to_ascii_lowercase().as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => {
                        self.error(
                            &v.span(),
                            format!("{what} must be true or false, but `{s}` expands to `{text}`"),
                            None,
                        );
                        None
                    }
                }
            }
            other => {
                let found = other.type_name();
                let help = matches!(&other, Value::String(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"))
                    .then(|| "write `true` or `false` without quotes".to_string());
                self.error(
                    &v.span(),
                    format!("{what} must be true or false, found {found}"),
                    help,
                );
                None
            }
        }
    }

    /// An array of strings, each interpolated; elements that fail are reported and left
    /// out. `None` when the value is not an array at all.
    pub(crate) fn strings(&mut self, v: Item<'_>, what: &str) -> Option<Vec<(String, Span)>> {
        let Value::Array(items) = v.value() else {
            let found = v.type_name();
            let help = v
                .is_str()
                .then(|| "wrap it in brackets: [\"...\"]".to_string());
            self.error(
                &v.span(),
                format!("{what} must be an array of strings, found {found}"),
                help,
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            if let Some(s) = self.string(item, &format!("each entry of {what}")) {
                out.push((s, item.span()));
            }
        }
        Some(out)
    }

    pub(crate) fn partitions(&mut self, v: Item<'_>) -> Field<i32> {
        let Some(n) = self.integer(v, "`partitions`") else {
            return Field::Invalid;
        };
        match i32::try_from(n) {
            Ok(p) if p >= 1 => Field::Set(p),
            _ if n < 1 => {
                self.error(
                    &v.span(),
                    format!("`partitions` must be at least 1, got {n}"),
                    None,
                );
                Field::Invalid
            }
            _ => {
                self.error(
                    &v.span(),
                    format!("`partitions` must be at most {}, got {n}", i32::MAX),
                    None,
                );
                Field::Invalid
            }
        }
    }

    pub(crate) fn replication_factor(&mut self, v: Item<'_>) -> Field<i16> {
        let Some(n) = self.integer(v, "`replication_factor`") else {
            return Field::Invalid;
        };
        match i16::try_from(n) {
            Ok(rf) if rf >= 1 => Field::Set(rf),
            _ => {
                self.error(
                    &v.span(),
                    format!(
                        "`replication_factor` must be between 1 and {MAX_REPLICATION_FACTOR}, got {n}"
                    ),
                    None,
                );
                Field::Invalid
            }
        }
    }

    /// A config table: every key checked against the catalogue, every value normalised.
    pub(crate) fn config(&mut self, v: Item<'_>, place: &str) -> Config {
        let mut out = Vec::new();
        let Value::Table(table) = v.value() else {
            let found = v.type_name();
            self.error(
                &v.span(),
                format!("`config` of {place} must be a table, found {found}"),
                Some("write config = { \"retention.ms\" = \"7d\", ... }".into()),
            );
            return Config::new();
        };
        for (k, value) in table.iter() {
            let key = k.text();
            let known = catalogue::known_any(&key) || catalogue::is_vendor_key(&key);
            if !known {
                if let Some(nested) = value.as_table() {
                    self.dotted_config_keys(&key, &k.span(), nested);
                } else {
                    self.unknown_config(&key, &k.span());
                }
                continue;
            }
            let Some(raw) = self.raw(value, &key) else {
                continue;
            };
            match config::normalise(&key, &raw) {
                Ok(n) => {
                    if let Some(w) = n.warning {
                        self.warning(&value.span(), w.message, w.help);
                    }
                    out.push((
                        key.to_string(),
                        Setting {
                            value: n.value,
                            span: value.span(),
                        },
                    ));
                }
                Err(p) => self.error(&value.span(), p.message, p.help),
            }
        }
        Config::from_entries(out)
    }

    fn unknown_config(&mut self, key: &str, span: &Span) {
        let help = catalogue::removed_help(key)
            .map(str::to_string)
            .or_else(|| {
                suggest::closest(key, catalogue::keys()).map(|c| format!("did you mean `{c}`?"))
            })
            .unwrap_or_else(|| {
                "not a Kafka 4.x topic config; vendor configs need a `redpanda.` or \
                 `confluent.` prefix"
                    .to_string()
            });
        self.error(span, format!("unknown topic config `{key}`"), Some(help));
    }

    /// `config = { retention.ms = 1 }` is a nested table in TOML: the key needs quotes.
    fn dotted_config_keys(&mut self, prefix: &str, span: &Span, nested: Table<'_>) {
        let mut leaves = Vec::new();
        collect_leaves(prefix, nested, &mut leaves);
        for path in leaves {
            if catalogue::known_any(&path) || catalogue::is_vendor_key(&path) {
                self.error(
                    span,
                    format!("config key `{path}` must be quoted"),
                    Some(format!(
                        "write \"{path}\" = ...; unquoted dots nest tables in TOML"
                    )),
                );
            } else {
                self.unknown_config(&path, span);
            }
        }
    }

    /// Converts a config value to [`Raw`], interpolating strings. `None` once reported.
    fn raw(&mut self, v: Item<'_>, key: &str) -> Option<Raw> {
        Some(match v.value() {
            Value::String(s) => Raw::Str(self.interpolate(&s, &v.span())?),
            Value::Integer(i) => Raw::Int(i.to_i64()),
            Value::Float(f) => match f.text().parse::<f64>() {
                Ok(x) => Raw::Float(x),
                Err(_) => {
                    self.error(&v.span(), format!("`{key}` is not a valid number"), None);
                    return None;
                }
            },
            Value::Boolean(b) => Raw::Bool(b),
            Value::Array(items) if items.iter().all(|i| i.is_str()) => {
                let mut out = Vec::new();
                let mut ok = true;
                for item in items.iter() {
                    match item.value() {
                        Value::String(s) => match self.interpolate(&s, &item.span()) {
                            Some(s) => out.push(s),
                            None => ok = false,
                        },
                        _ => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Raw::List(out)
            }
            Value::Array(_) => Raw::Other("an array with non-string entries"),
            other => Raw::Other(other.type_name()),
        })
    }

    /// A client property value: librdkafka takes strings, so scalars become strings.
    fn client_value(&mut self, v: Item<'_>, key: &str) -> Option<String> {
        match v.value() {
            Value::String(s) => self.interpolate(&s, &v.span()),
            Value::Integer(i) => Some(i.to_i64().to_string()),
            Value::Float(f) => {
                let text = f.text();
                Some(
                    text.parse::<f64>()
                        .map(config::float_text)
                        .unwrap_or_else(|_| text.into_owned()),
                )
            }
            Value::Boolean(b) => Some(b.to_string()),
            other => {
                let found = other.type_name();
                self.error(
                    &v.span(),
                    format!("client property `{key}` must be a string, number or boolean, found {found}"),
                    None,
                );
                None
            }
        }
    }
}

fn collect_leaves(prefix: &str, table: Table<'_>, out: &mut Vec<String>) {
    for (k, v) in table.iter() {
        let path = format!("{prefix}.{}", k.text());
        match v.value() {
            Value::Table(t) => collect_leaves(&path, t, out),
            _ => out.push(path),
        }
    }
}

/// Spans sort the walk: diagnostics and "first declared" decisions follow the file,
/// whatever order a table keeps its entries in.
pub(crate) fn by_position<'d>(
    table: Table<'d>,
) -> Box<dyn Iterator<Item = (Key<'d>, Item<'d>)> + 'd> {
    // Entries almost always come in file order already; sorting a copy of a table of a
    // million topics would cost more than the declarations made from it.
    let starts = || table.iter().map(|(k, _)| k.start());
    if starts().zip(starts().skip(1)).all(|(a, b)| a <= b) {
        return Box::new(table.iter());
    }
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.start());
    Box::new(entries.into_iter())
}

/// Walks the whole document.
pub(crate) fn walk(ctx: &mut Ctx<'_>, root: Table<'_>) -> Decl {
    let mut decl = Decl::default();
    for (k, v) in by_position(root) {
        let name = k.text();
        let key: &str = &name;
        match key {
            "cluster" => decl.cluster = cluster(ctx, v),
            "defaults" => decl.defaults = defaults(ctx, v),
            "topics" => decl.topics = topics(ctx, v),
            "groups" => decl.groups = groups(ctx, v),
            "policy" => decl.policy = policy(ctx, v),
            // Read by `env` (the environment layer) and `compose` (file scopes).
            "scope" | "environments" | "default_environment" => {}
            "acls" => decl.security.grants.extend(security::raw_acls(ctx, v)),
            "principals" => security::principals(ctx, v, &mut decl.security),
            "users" => decl.security.users = security::users(ctx, v),
            _ => {
                let help = suggest::help(key, ROOT_KEYS.iter().copied());
                ctx.error(
                    &k.span(),
                    format!("unknown top-level key `{key}`"),
                    Some(help),
                );
            }
        }
    }
    decl
}

pub(crate) fn cluster(ctx: &mut Ctx<'_>, v: Item<'_>) -> ClusterSpec {
    let mut spec = ClusterSpec::default();
    let Some(t) = ctx.expect_table(v, "`cluster`") else {
        return spec;
    };
    ctx.check_keys(t, CLUSTER_KEYS, "[cluster]", None);
    if let Some(v) = t.get("bootstrap_servers") {
        if let Some(s) = ctx.string(v, "`bootstrap_servers`") {
            if s.trim().is_empty() {
                ctx.error(
                    &v.span(),
                    "`bootstrap_servers` is empty",
                    Some("give HOST:PORT[,HOST:PORT...], e.g. \"localhost:19092\"".into()),
                );
            } else {
                spec.bootstrap_servers = Some(s);
            }
        }
    }
    if let Some(v) = t.get("client") {
        if let Some(client) = ctx.expect_table(v, "`client`") {
            // Before any diagnostic: every quoted line hides these values.
            let mut secrets: Vec<Span> =
                by_position(client).map(|(_, value)| value.span()).collect();
            secrets.sort_by_key(|s| s.start);
            ctx.secret_spans.extend(secrets);
            ctx.secret_spans.sort_by_key(|s| s.start);
            for (k, value) in by_position(client) {
                let name = k.text();
                let key: &str = &name;
                if let Some(nested) = value.as_table() {
                    let mut leaves = Vec::new();
                    collect_leaves(key, nested, &mut leaves);
                    for path in leaves {
                        ctx.error(
                            &k.span(),
                            format!("client property `{path}` must be quoted"),
                            Some(format!(
                                "write \"{path}\" = ...; unquoted dots nest tables in TOML"
                            )),
                        );
                    }
                    continue;
                }
                if key == "bootstrap.servers" {
                    ctx.error(
                        &k.span(),
                        "`bootstrap.servers` does not belong in [cluster.client]",
                        Some("set `bootstrap_servers` in [cluster] instead".into()),
                    );
                    continue;
                }
                if !client_props::is_client_property(key) {
                    let trimmed = key.trim();
                    let help = if trimmed != key && client_props::is_client_property(trimmed) {
                        format!("the name has spaces around it: write `{trimmed}`")
                    } else {
                        match suggest::closest(key, client_props::CLIENT_PROPERTIES.iter().copied())
                        {
                            Some(c) => format!("did you mean `{c}`?"),
                            None => "librdkafka's CONFIGURATION.md lists the properties it knows"
                                .to_string(),
                        }
                    };
                    ctx.error(
                        &k.span(),
                        format!("unknown client property `{key}`"),
                        Some(help),
                    );
                    continue;
                }
                if let Value::String(s) = value.value() {
                    if is_secret_key(key) && !s.is_empty() && !interpolate::has_reference(&s) {
                        let var = key.to_ascii_uppercase().replace(['.', '-'], "_");
                        ctx.warning(
                            &value.span(),
                            format!("secret `{key}` is written in clear"),
                            Some(format!(
                                "read it from the environment: \"${{KAFKA_{var}}}\""
                            )),
                        );
                    }
                }
                if let Some(s) = ctx.client_value(value, key) {
                    spec.client.insert(key.to_string(), s);
                }
            }
        }
    }
    spec
}

pub(crate) fn defaults(ctx: &mut Ctx<'_>, v: Item<'_>) -> Defaults {
    let mut d = Defaults::default();
    let Some(t) = ctx.expect_table(v, "`defaults`") else {
        return d;
    };
    let meant = ctx.check_keys(t, DEFAULTS_KEYS, "[defaults]", None);
    // A misspelt default was reported once; topics relying on it need not repeat it.
    if meant.contains(&"partitions") {
        d.partitions = Some(Field::Invalid);
    }
    if meant.contains(&"replication_factor") {
        d.replication_factor = Some(Field::Invalid);
    }
    if let Some(v) = t.get("partitions") {
        d.partitions = Some(ctx.partitions(v));
    }
    if let Some(v) = t.get("replication_factor") {
        d.replication_factor = Some(ctx.replication_factor(v));
    }
    if let Some(v) = t.get("config") {
        d.config = ctx.config(v, "[defaults]");
    }
    d
}

pub(crate) fn topics(ctx: &mut Ctx<'_>, v: Item<'_>) -> Vec<TopicDecl> {
    let Value::Table(t) = v.value() else {
        let found = v.type_name();
        ctx.error(
            &v.span(),
            format!("`topics` must be a table keyed by topic name, found {found}"),
            Some("declare each topic as [topics.\"NAME\"]".into()),
        );
        return Vec::new();
    };
    // Sized once: grown by doubling, a large vector leaves copies of itself behind.
    let mut out = Vec::with_capacity(t.iter().count());
    for (k, value) in by_position(t) {
        let raw = k.text();
        let span = k.span();
        let name = ctx.interpolate(&raw, &span);
        let shown = name.clone().unwrap_or_else(|| raw.to_string());
        let mut decl = TopicDecl::new(ctx.source(), span, &raw, name);
        match value.value() {
            Value::Table(t) => topic_body(ctx, t, &shown, &mut decl),
            other => {
                let found = other.type_name();
                ctx.error(
                    &value.span(),
                    format!("topic `{shown}` must be a table, found {found}"),
                    Some(format!(
                        "declare it as [topics.\"{raw}\"] with `partitions = ...` and the rest below"
                    )),
                );
                // Its settings are unknown, not missing: say nothing more about them.
                decl.partitions = Field::Invalid;
                decl.replication_factor = Field::Invalid;
            }
        }
        if !ctx.drop_declaration() {
            out.push(decl);
        }
    }
    out
}

fn topic_body(ctx: &mut Ctx<'_>, t: Table<'_>, shown: &str, decl: &mut TopicDecl) {
    let place = format!("topic `{shown}`");
    let src = ctx.source();
    let meant = ctx.check_keys(t, TOPIC_KEYS, &place, Some(("topics", decl.raw(src))));
    if meant.contains(&"partitions") {
        decl.partitions = Field::Invalid;
    }
    if meant.contains(&"replication_factor") {
        decl.replication_factor = Field::Invalid;
    }
    // `[topics.orders.v1]` makes an implicit topic `orders`; its missing settings are
    // not the user's mistake, the unquoted name is (reported just above).
    let split_name = t
        .iter()
        .any(|(k, v)| !TOPIC_KEYS.contains(&&*k.text()) && v.as_table().is_some());
    if split_name {
        decl.partitions = decl.partitions.or(Field::Invalid);
        decl.replication_factor = decl.replication_factor.or(Field::Invalid);
    }
    if let Some(v) = t.get("partitions") {
        decl.partitions = ctx.partitions(v);
    }
    if let Some(v) = t.get("replication_factor") {
        decl.replication_factor = ctx.replication_factor(v);
    }
    if let Some(v) = t.get("config") {
        decl.config = ctx.config(v, &place);
    }
    if let Some(v) = t.get("key") {
        decl.more_mut().key = ctx.string(v, "`key`");
    }
    if let Some(v) = t.get("partitioner") {
        if let Some(s) = ctx.string(v, "`partitioner`") {
            match s.parse::<Partitioner>() {
                Ok(p) => decl.more_mut().partitioner = Some(p),
                Err(_) => {
                    let names = Partitioner::ALL.map(Partitioner::name);
                    ctx.error(
                        &v.span(),
                        format!("unknown partitioner `{s}`"),
                        Some(suggest::help(&s, names)),
                    );
                }
            }
        }
    }
    if let Some(v) = t.get("keys_file") {
        decl.more_mut().keys_file = ctx.string(v, "`keys_file`");
    }
    if let Some((k, v)) = t.get_key_value("dlq") {
        decl.more_mut().dlq = dlq(ctx, &k.span(), v, shown);
    }
}

fn dlq(ctx: &mut Ctx<'_>, key_span: &Span, v: Item<'_>, parent: &str) -> Option<DlqDecl> {
    let mut d = DlqDecl {
        span: key_span.clone(),
        name: Field::Absent,
        partitions: Field::Absent,
        replication_factor: Field::Absent,
        config: Config::new(),
    };
    match v.value() {
        Value::Boolean(true) => Some(d),
        Value::Boolean(false) => None,
        Value::Table(t) => {
            let place = format!("the dead-letter settings of `{parent}`");
            ctx.check_keys(t, DLQ_KEYS, &place, None);
            if let Some(v) = t.get("name") {
                d.name = match ctx.string(v, "`name`") {
                    Some(s) => Field::Set((s, v.span())),
                    None => Field::Invalid,
                };
            }
            if let Some(v) = t.get("partitions") {
                d.partitions = ctx.partitions(v);
            }
            if let Some(v) = t.get("replication_factor") {
                d.replication_factor = ctx.replication_factor(v);
            }
            if let Some(v) = t.get("config") {
                d.config = ctx.config(v, &place);
            }
            Some(d)
        }
        other => {
            let found = other.type_name();
            ctx.error(
                &v.span(),
                format!("`dlq` must be true, false or a table, found {found}"),
                Some(
                    "write `dlq = true`, or `dlq = { partitions = 3 }` to override settings".into(),
                ),
            );
            None
        }
    }
}

fn groups(ctx: &mut Ctx<'_>, v: Item<'_>) -> Vec<GroupDecl> {
    let mut out = Vec::new();
    let Value::Table(t) = v.value() else {
        let found = v.type_name();
        ctx.error(
            &v.span(),
            format!("`groups` must be a table keyed by group name, found {found}"),
            Some("declare each consumer group as [groups.\"NAME\"]".into()),
        );
        return out;
    };
    for (k, value) in by_position(t) {
        let raw = k.text();
        let span = k.span();
        let mut name = ctx.interpolate(&raw, &span);
        if let Some((message, help)) = name.as_deref().and_then(names::group_id_problem) {
            ctx.error(&span, message, help);
            // Reported here; a group that cannot exist has nothing further to check.
            name = None;
        }
        let shown = name.clone().unwrap_or_else(|| raw.to_string());
        let mut decl = GroupDecl {
            raw: raw.to_string(),
            span: span.clone(),
            name,
            topics: Vec::new(),
            initial_offsets: None,
            lag_budget: None,
            principal: None,
            produces: Vec::new(),
        };
        if let Some(t) = ctx.expect_table(value, &format!("group `{shown}`")) {
            group_body(ctx, t, &shown, &mut decl);
        }
        if !ctx.drop_declaration() {
            out.push(decl);
        }
    }
    out
}

fn group_body(ctx: &mut Ctx<'_>, t: Table<'_>, shown: &str, decl: &mut GroupDecl) {
    let place = format!("group `{shown}`");
    ctx.check_keys(t, GROUP_KEYS, &place, Some(("groups", &decl.raw)));
    let split_name = t
        .iter()
        .any(|(k, v)| !GROUP_KEYS.contains(&&*k.text()) && v.as_table().is_some());
    match t.get("topics") {
        None if split_name => {}
        None => ctx.error(
            &decl.span,
            format!("group `{shown}` does not say which topics it consumes"),
            Some("add `topics = [\"TOPIC\", ...]`".into()),
        ),
        Some(v) => {
            if let Some(topics) = ctx.strings(v, "`topics`") {
                let empty = v.as_array().is_some_and(|a| a.is_empty());
                if empty {
                    ctx.error(
                        &v.span(),
                        format!("group `{shown}` consumes no topics"),
                        Some("list at least one topic: `topics = [\"TOPIC\"]`".into()),
                    );
                }
                decl.topics = topics;
            }
        }
    }
    if let Some(v) = t.get("initial_offsets") {
        if let Some(s) = ctx.string(v, "`initial_offsets`") {
            match s.as_str() {
                "earliest" => decl.initial_offsets = Some(OffsetPolicy::Earliest),
                "latest" => decl.initial_offsets = Some(OffsetPolicy::Latest),
                "none" => decl.initial_offsets = None,
                _ => ctx.error(
                    &v.span(),
                    format!("unknown initial offset policy `{s}`"),
                    Some(suggest::help(&s, OFFSET_POLICIES.iter().copied())),
                ),
            }
        }
    }
    if let Some(v) = t.get("principal") {
        if let Some(p) = ctx.string(v, "`principal`") {
            if security::check_principal(ctx, &p, &v.span()) {
                decl.principal = Some((p, v.span()));
            }
        }
    }
    if let Some(v) = t.get("produces") {
        decl.produces = ctx.strings(v, "`produces`").unwrap_or_default();
        if decl.principal.is_none() && t.get("principal").is_none() {
            ctx.error(
                &v.span(),
                format!("group `{shown}` says what it produces but not who it is"),
                Some("add `principal = \"User:NAME\"`: the ACLs are granted to it".into()),
            );
        }
    }
    if let Some(v) = t.get("lag_budget") {
        if let Some(n) = ctx.integer(v, "`lag_budget`") {
            if n < 0 {
                ctx.error(
                    &v.span(),
                    format!("`lag_budget` must be at least 0, got {n}"),
                    None,
                );
            } else {
                decl.lag_budget = Some(n);
            }
        }
    }
}

pub(crate) fn policy(ctx: &mut Ctx<'_>, v: Item<'_>) -> Policy {
    let mut p = Policy::default();
    let Some(t) = ctx.expect_table(v, "`policy`") else {
        return p;
    };
    ctx.check_keys(t, POLICY_KEYS, "[policy]", None);
    for (key, glob) in [("prefixes", false), ("patterns", true)] {
        let Some(v) = t.get(key) else {
            continue;
        };
        for (text, span) in ctx.strings(v, &format!("`{key}`")).unwrap_or_default() {
            if let Some(problem) = names::scope_pattern_problem(&text, glob) {
                let help = if glob {
                    "patterns use topic-name characters plus `*` (any run) and `?` (one character)"
                } else {
                    "prefixes use topic-name characters only; use `patterns` for wildcards"
                };
                ctx.error(&span, problem, Some(help.to_string()));
                continue;
            }
            p.manage.push(if glob {
                ScopePattern::Glob(text)
            } else {
                ScopePattern::Prefix(text)
            });
        }
    }
    if let Some(v) = t.get("protected") {
        for (text, span) in ctx.strings(v, "`protected`").unwrap_or_default() {
            if let Some(problem) = names::scope_pattern_problem(&text, true) {
                ctx.error(
                    &span,
                    problem,
                    Some(
                        "patterns use topic-name characters plus `*` (any run) and `?` (one character)"
                            .to_string(),
                    ),
                );
                continue;
            }
            p.protected.push(ScopePattern::Glob(text));
        }
    }
    if let Some(v) = t.get("delete_undeclared") {
        p.delete_undeclared = ctx.boolean(v, "`delete_undeclared`").unwrap_or(false);
    }
    if let Some(v) = t.get("remove_unmanaged_config") {
        p.remove_unmanaged_config = ctx.boolean(v, "`remove_unmanaged_config`").unwrap_or(false);
    }
    if let Some(v) = t.get("remove_undeclared_acls") {
        p.remove_undeclared_acls = ctx.boolean(v, "`remove_undeclared_acls`").unwrap_or(false);
    }
    p
}
