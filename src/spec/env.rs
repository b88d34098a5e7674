//! Environments: `[environments.NAME]` sections that override the base file for one
//! cluster (its own `[cluster]`, defaults, and settings of declared topics and groups),
//! and `default_environment`, the selection used when none is given.
//!
//! Every environment section is walked on every load, whichever is selected, so a typo in
//! `prod` is reported while planning `dev`. Overrides keep the spans of the environment
//! section, so later checks (`min.insync.replicas` against the replication factor, ...)
//! point at the line that made the difference.

use crate::model::{ClusterSpec, OffsetPolicy};

use super::suggest;
use super::tree::{Item, Table, Value};
use super::walk::{self, by_position, Ctx, Decl, Defaults, Field, Span, TopicDecl};

pub(crate) const ENV_KEYS: &[&str] = &["cluster", "defaults", "topics", "groups"];
pub(crate) const GROUP_OVERRIDE_KEYS: &[&str] = &["initial_offsets", "lag_budget"];

/// A group's settings as one environment changes them.
#[derive(Debug)]
pub(crate) struct GroupOverride {
    pub span: Span,
    pub name: Option<String>,
    /// `Some(None)`: the environment sets `initial_offsets = "none"`.
    pub initial_offsets: Option<Option<OffsetPolicy>>,
    pub lag_budget: Option<i64>,
}

/// One `[environments.NAME]` section.
#[derive(Debug)]
pub(crate) struct EnvDecl {
    pub name: String,
    /// The environment's `[cluster]` and where it is written.
    pub cluster: Option<(ClusterSpec, Span)>,
    pub defaults: Option<Defaults>,
    pub topics: Vec<TopicDecl>,
    pub groups: Vec<GroupOverride>,
}

/// What a file says about environments.
#[derive(Debug, Default)]
pub(crate) struct Envs {
    /// The `environments` key, where "which one?" errors point.
    pub section: Option<Span>,
    pub default: Option<(String, Span)>,
    pub list: Vec<EnvDecl>,
}

impl Envs {
    pub(crate) fn get(&self, name: &str) -> Option<&EnvDecl> {
        self.list.iter().find(|e| e.name == name)
    }
}

/// Environment names: bare TOML keys, so they read well in file names, CI job names and
/// `--env` arguments, and `[environments.NAME]` needs no quotes.
fn env_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("environment name is empty".into());
    }
    if name == "all" {
        return Some(
            "`all` is reserved: `--env all` selects every environment at once".to_string(),
        );
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    {
        return Some(format!(
            "environment name `{name}` may only use letters, digits, `-` and `_`"
        ));
    }
    None
}

/// Whether `name` is a usable environment name (invalid ones are reported by the load).
pub(crate) fn is_valid_name(name: &str) -> bool {
    env_name_problem(name).is_none()
}

/// Reads `default_environment` and every `[environments.NAME]` section of `root`.
pub(crate) fn read(ctx: &mut Ctx<'_>, root: Table<'_>) -> Envs {
    let mut envs = Envs::default();
    if let Some(v) = root.get("default_environment") {
        if let Some(name) = ctx.string(v, "`default_environment`") {
            envs.default = Some((name, v.span()));
        }
    }
    let Some((key, v)) = root.get_key_value("environments") else {
        return envs;
    };
    envs.section = Some(key.span());
    let Value::Table(t) = v.value() else {
        ctx.error(
            &v.span(),
            "`environments` must be a table keyed by environment name",
            Some("declare each environment as [environments.NAME]".into()),
        );
        return envs;
    };
    for (k, value) in by_position(t) {
        let text = k.text();
        let name: &str = &text;
        if let Some(problem) = env_name_problem(name) {
            ctx.error(&k.span(), problem, None);
            continue;
        }
        let mut decl = EnvDecl {
            name: name.to_string(),
            cluster: None,
            defaults: None,
            topics: Vec::new(),
            groups: Vec::new(),
        };
        let Some(body) = ctx.expect_table(value, &format!("environment `{name}`")) else {
            envs.list.push(decl);
            continue;
        };
        ctx.check_keys(body, ENV_KEYS, &format!("environment `{name}`"), None);
        for (k, v) in by_position(body) {
            match &*k.text() {
                "cluster" => decl.cluster = Some((walk::cluster(ctx, v), k.span())),
                "defaults" => decl.defaults = Some(walk::defaults(ctx, v)),
                "topics" => decl.topics = walk::topics(ctx, v),
                "groups" => decl.groups = group_overrides(ctx, v),
                _ => {}
            }
        }
        envs.list.push(decl);
    }
    if let Some((name, span)) = &envs.default {
        if envs.get(name).is_none() {
            let names: Vec<&str> = envs.list.iter().map(|e| e.name.as_str()).collect();
            let help = if names.is_empty() {
                "declare it as [environments.NAME], or remove `default_environment`".to_string()
            } else {
                suggest::help(name, names.iter().copied())
            };
            ctx.error(
                span,
                format!("default environment `{name}` is not declared"),
                Some(help),
            );
        }
    }
    envs
}

fn group_overrides(ctx: &mut Ctx<'_>, v: Item<'_>) -> Vec<GroupOverride> {
    let mut out = Vec::new();
    let Value::Table(t) = v.value() else {
        ctx.error(
            &v.span(),
            "`groups` must be a table keyed by group name",
            Some("override a group as [environments.NAME.groups.\"GROUP\"]".into()),
        );
        return out;
    };
    for (k, value) in by_position(t) {
        let text = k.text();
        let raw: &str = &text;
        let name = ctx.interpolate(raw, &k.span());
        let shown = name.clone().unwrap_or_else(|| raw.to_string());
        let mut o = GroupOverride {
            span: k.span(),
            name,
            initial_offsets: None,
            lag_budget: None,
        };
        if let Some(body) = ctx.expect_table(value, &format!("group `{shown}`")) {
            let place = format!("the environment's settings of group `{shown}`");
            for (k, _) in body.iter() {
                if k.text() == "topics" {
                    ctx.error(
                        &k.span(),
                        format!("an environment cannot change which topics `{shown}` consumes"),
                        Some(
                            "environments change settings of declared groups: `lag_budget`, \
                             `initial_offsets`"
                                .into(),
                        ),
                    );
                }
            }
            let allowed: Vec<&'static str> = GROUP_OVERRIDE_KEYS
                .iter()
                .copied()
                .chain(std::iter::once("topics"))
                .collect();
            ctx.check_keys(body, &allowed, &place, None);
            if let Some(v) = body.get("initial_offsets") {
                if let Some(s) = ctx.string(v, "`initial_offsets`") {
                    match s.as_str() {
                        "earliest" => o.initial_offsets = Some(Some(OffsetPolicy::Earliest)),
                        "latest" => o.initial_offsets = Some(Some(OffsetPolicy::Latest)),
                        "none" => o.initial_offsets = Some(None),
                        _ => ctx.error(
                            &v.span(),
                            format!("unknown initial offset policy `{s}`"),
                            Some(suggest::help(&s, walk::OFFSET_POLICIES.iter().copied())),
                        ),
                    }
                }
            }
            if let Some(v) = body.get("lag_budget") {
                if let Some(n) = ctx.integer(v, "`lag_budget`") {
                    if n < 0 {
                        ctx.error(
                            &v.span(),
                            format!("`lag_budget` must be at least 0, got {n}"),
                            None,
                        );
                    } else {
                        o.lag_budget = Some(n);
                    }
                }
            }
        }
        out.push(o);
    }
    out
}

fn set<T>(base: &mut Field<T>, over: Field<T>) {
    if !matches!(over, Field::Absent) {
        *base = over;
    }
}

/// Layers one environment over the base declaration: the environment wins key by key,
/// and a more specific base setting still beats an environment default (a topic's own
/// `partitions` beats the environment's `[defaults]`), as in the base file itself.
pub(crate) fn apply(ctx: &mut Ctx<'_>, decl: &mut Decl, env: &EnvDecl) {
    if let Some((cluster, _)) = &env.cluster {
        if cluster.bootstrap_servers.is_some() {
            decl.cluster
                .bootstrap_servers
                .clone_from(&cluster.bootstrap_servers);
        }
        decl.cluster
            .client
            .extend(cluster.client.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if let Some(d) = &env.defaults {
        if d.partitions.is_some() {
            decl.defaults.partitions = d.partitions;
        }
        if d.replication_factor.is_some() {
            decl.defaults.replication_factor = d.replication_factor;
        }
        decl.defaults.config.extend_from(&d.config);
    }
    let src = ctx.source();
    for over in &env.topics {
        let Some(name) = over.name(src) else {
            continue;
        };
        let Some(base) = decl.topics.iter_mut().find(|t| t.name(src) == Some(name)) else {
            let declared = decl.topics.iter().filter_map(|t| t.name(src));
            let help = match suggest::closest(name, declared) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "environments change declared topics; declare it under [topics] first"
                    .to_string(),
            };
            ctx.error(
                &over.span,
                format!(
                    "environment `{}` overrides topic `{name}`, which this file does not declare",
                    env.name
                ),
                Some(help),
            );
            continue;
        };
        set(&mut base.partitions, over.partitions);
        set(&mut base.replication_factor, over.replication_factor);
        base.config.extend_from(&over.config);
        let Some(over) = over.more() else {
            continue;
        };
        let base = base.more_mut();
        if over.key.is_some() {
            base.key.clone_from(&over.key);
        }
        if over.partitioner.is_some() {
            base.partitioner = over.partitioner;
        }
        if over.keys_file.is_some() {
            base.keys_file.clone_from(&over.keys_file);
        }
        if let Some(d) = &over.dlq {
            match &mut base.dlq {
                Some(b) => {
                    if !matches!(d.name, Field::Absent) {
                        b.name = d.name.clone();
                    }
                    set(&mut b.partitions, d.partitions);
                    set(&mut b.replication_factor, d.replication_factor);
                    b.config.extend_from(&d.config);
                }
                None => {
                    base.dlq = Some(walk::DlqDecl {
                        span: d.span.clone(),
                        name: d.name.clone(),
                        partitions: d.partitions,
                        replication_factor: d.replication_factor,
                        config: d.config.clone(),
                    })
                }
            }
        }
    }
    for over in &env.groups {
        let Some(name) = &over.name else {
            continue;
        };
        let Some(base) = decl
            .groups
            .iter_mut()
            .find(|g| g.name.as_deref() == Some(name.as_str()))
        else {
            let declared: Vec<String> = decl.groups.iter().filter_map(|g| g.name.clone()).collect();
            let help = match suggest::closest(name, declared.iter().map(String::as_str)) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "environments change declared groups; declare it under [groups] first"
                    .to_string(),
            };
            ctx.error(
                &over.span,
                format!(
                    "environment `{}` overrides group `{name}`, which this file does not declare",
                    env.name
                ),
                Some(help),
            );
            continue;
        };
        if let Some(policy) = over.initial_offsets {
            base.initial_offsets = policy;
        }
        if over.lag_budget.is_some() {
            base.lag_budget = over.lag_budget;
        }
    }
}
