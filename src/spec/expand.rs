//! Expanding declarations into the desired state: defaults are inherited, dead-letter
//! topics become topics of their own, and the checks that need the whole file run here
//! (duplicate names after interpolation and DLQ expansion, metric-name collisions,
//! `min.insync.replicas` against the replication factor, groups reading undeclared
//! topics).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::{DesiredState, GroupSpec, Partitioner, TopicSpec};
use crate::units::noun;

use super::names::{metric_name, topic_name_problem};
use super::suggest;
use super::walk::{Config, Ctx, Decl, Field, Span, TopicDecl};

/// A topic after inheritance, still carrying where it was declared.
struct Expanded {
    name: String,
    span: Span,
    /// The key as written, when it differs from `name` (interpolated).
    raw: Option<String>,
    partitions: Option<i32>,
    replication_factor: Option<i16>,
    config: Config,
    key: Option<String>,
    partitioner: Option<Partitioner>,
    keys_file: Option<String>,
    dlq_of: Option<String>,
    /// False once a problem with this topic's name was reported.
    name_ok: bool,
}

/// Resolves an inherited setting; reports it when neither the topic nor `[defaults]` sets
/// it (an invalid value was already reported where it was written).
fn resolve<T: Copy>(
    ctx: &mut Ctx<'_>,
    field: Field<T>,
    topic: &TopicDecl,
    shown: &str,
    key: &str,
    what: &str,
) -> Field<T> {
    if matches!(field, Field::Absent) {
        ctx.error(
            &topic.span,
            format!("topic `{shown}` has no {what}"),
            Some(format!(
                "set `{key}` under [topics.\"{}\"] or in [defaults]",
                topic.raw
            )),
        );
    }
    field
}

pub(crate) fn expand(ctx: &mut Ctx<'_>, mut decl: Decl) -> DesiredState {
    let default_partitions = decl.defaults.partitions.unwrap_or(Field::Absent);
    let default_rf = decl.defaults.replication_factor.unwrap_or(Field::Absent);

    let mut declared: Vec<Expanded> = Vec::new();
    let mut dlqs: Vec<Expanded> = Vec::new();
    // Declarations are consumed as they are expanded, so a large topology does not hold
    // every topic's declaration and its expansion at once.
    for t in std::mem::take(&mut decl.topics) {
        let shown = t.name.clone().unwrap_or_else(|| t.raw.clone());
        let partitions = resolve(
            ctx,
            t.partitions.or(default_partitions),
            &t,
            &shown,
            "partitions",
            "partition count",
        );
        let rf = resolve(
            ctx,
            t.replication_factor.or(default_rf),
            &t,
            &shown,
            "replication_factor",
            "replication factor",
        );
        let config = if decl.defaults.config.is_empty() {
            t.config
        } else {
            decl.defaults.config.merged(&t.config)
        };
        let Some(name) = &t.name else {
            continue;
        };
        let problem = topic_name_problem("topic", name).or_else(|| {
            decl.policy
                .protected
                .iter()
                .find(|p| p.matches(name))
                .map(|p| {
                    (
                        format!(
                            "topic `{name}` is protected by policy.protected \"{}\"; topo never touches it",
                            p.text()
                        ),
                        Some("remove the topic or narrow the protected pattern".to_string()),
                    )
                })
        });
        let name_ok = problem.is_none();
        if let Some((message, help)) = problem {
            ctx.error(&t.span, message, help);
        }
        if let Some(d) = &t.dlq {
            let (dlq_name, span) = match &d.name {
                Field::Set((n, s)) => (Some(n.clone()), s.clone()),
                Field::Absent => (Some(format!("{name}-dlq")), d.span.clone()),
                Field::Invalid => (None, d.span.clone()),
            };
            if let Some(dlq_name) = dlq_name {
                // A default name built from an invalid parent name was already reported
                // through the parent.
                let check = name_ok || matches!(d.name, Field::Set(_));
                let problem = if check {
                    topic_name_problem("dead-letter topic", &dlq_name)
                } else {
                    None
                };
                let dlq_name_ok = check && problem.is_none();
                if let Some((message, help)) = problem {
                    ctx.error(&span, message, help);
                }
                dlqs.push(Expanded {
                    name: dlq_name,
                    span,
                    raw: None,
                    partitions: d.partitions.or(partitions).get(),
                    replication_factor: d.replication_factor.or(rf).get(),
                    config: config.merged(&d.config),
                    key: t.key.clone(),
                    partitioner: t.partitioner,
                    keys_file: None,
                    dlq_of: Some(name.clone()),
                    name_ok: dlq_name_ok,
                });
            }
        }
        declared.push(Expanded {
            name: name.clone(),
            span: t.span.clone(),
            raw: (t.raw != *name).then(|| t.raw.clone()),
            partitions: partitions.get(),
            replication_factor: rf.get(),
            config,
            key: t.key.clone(),
            partitioner: t.partitioner,
            keys_file: t.keys_file.clone(),
            dlq_of: None,
            name_ok,
        });
    }

    let unique = deduplicate(ctx, declared, dlqs);
    warn_metric_collisions(ctx, &unique);
    check_min_insync(ctx, &unique);

    // Taken from the back, the vector shrinking as it empties, so the expansions and the
    // desired state they become are not both held whole at the end.
    let mut unique = unique;
    let mut skipped: BTreeSet<String> = BTreeSet::new();
    let mut topics = BTreeMap::new();
    let first_declared = ctx.declared_topics.len();
    while let Some(e) = unique.pop() {
        if unique.len() < unique.capacity() / 2 {
            unique.shrink_to_fit();
        }
        let (Some(partitions), Some(replication_factor), true) =
            (e.partitions, e.replication_factor, e.name_ok)
        else {
            // Not in the desired state, but declared: a group reading it is no typo.
            skipped.insert(e.name);
            continue;
        };
        let config = e.config.into_iter().map(|(k, s)| (k, s.value)).collect();
        if ctx.record_declared {
            ctx.declared_topics.push((e.name.clone(), e.span.clone()));
        }
        topics.insert(
            e.name.clone(),
            TopicSpec {
                name: e.name,
                partitions,
                replication_factor,
                config,
                key: e.key,
                partitioner: e.partitioner,
                keys_file: e.keys_file,
                dlq_of: e.dlq_of,
            },
        );
    }

    ctx.declared_topics[first_declared..].reverse();
    let declared = TopicNames {
        kept: &topics,
        skipped: &skipped,
    };
    let groups = groups(ctx, &decl, &declared);
    let security = super::security::expand(ctx, &decl, &declared);
    DesiredState {
        cluster: decl.cluster,
        topics,
        groups,
        policy: decl.policy,
        origins: Default::default(),
        acls: security.acls,
        principals: security.principals,
        users: security.users,
    }
}

/// Every topic name the file declares: those in the desired state and those left out of
/// it for a problem already reported (a group naming one is not a typo).
pub(crate) struct TopicNames<'a> {
    kept: &'a BTreeMap<String, TopicSpec>,
    skipped: &'a BTreeSet<String>,
}

impl TopicNames<'_> {
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.kept.contains_key(name) || self.skipped.contains(name)
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.kept
            .keys()
            .chain(self.skipped.iter())
            .map(String::as_str)
    }
}

/// Drops second declarations of a name, reporting each. Declared topics are taken first,
/// so when a dead-letter topic's name is already taken the error lands on the `dlq`.
fn deduplicate(ctx: &mut Ctx<'_>, mut all: Vec<Expanded>, dlqs: Vec<Expanded>) -> Vec<Expanded> {
    // In place, with the names borrowed: a second vector of every topic (and a copy of
    // every name) was a large share of what a big topology costs at its peak.
    all.extend(dlqs);
    let mut keep = vec![true; all.len()];
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(all.len());
    for (i, e) in all.iter().enumerate() {
        let Some(&j) = first.get(e.name.as_str()) else {
            first.insert(&e.name, i);
            continue;
        };
        keep[i] = false;
        let line = ctx.line_of(&all[j].span);
        match (&e.dlq_of, &e.raw) {
            (Some(parent), _) => ctx.error(
                &e.span,
                format!(
                    "dead-letter topic `{}` of `{parent}` is already declared on line {line}",
                    e.name
                ),
                Some("give the dead-letter topic another name: `dlq = { name = \"...\" }`".into()),
            ),
            (None, Some(raw)) => ctx.error(
                &e.span,
                format!("topic `{}` is declared twice", e.name),
                Some(format!(
                    "`{raw}` expands to `{}`, already declared on line {line}",
                    e.name
                )),
            ),
            (None, None) => ctx.error(
                &e.span,
                format!("topic `{}` is declared twice", e.name),
                Some(format!("already declared on line {line}")),
            ),
        }
    }
    drop(first);
    let mut flags = keep.into_iter();
    all.retain(|_| flags.next().unwrap_or(true));
    all.sort_by_key(|e| e.span.start);
    all
}

/// Kafka reports metrics under names where `.` became `_`: two such topics share them.
fn warn_metric_collisions(ctx: &mut Ctx<'_>, topics: &[Expanded]) {
    let mut first: HashMap<String, &str> = HashMap::new();
    for e in topics {
        let metric = metric_name(&e.name);
        match first.get(&metric) {
            Some(other) => ctx.warning(
                &e.span,
                format!(
                    "topic `{}` collides with `{other}` in Kafka's metric names",
                    e.name
                ),
                Some(format!(
                    "Kafka writes `.` as `_` in metric names, so both report as `{metric}`; \
                     rename one of them"
                )),
            ),
            None => {
                first.insert(metric, &e.name);
            }
        }
    }
}

/// `min.insync.replicas` above the replication factor makes every `acks=all` write fail.
/// One error per place the value was written, naming every topic it breaks (a value in
/// `[defaults]` can break many).
fn check_min_insync(ctx: &mut Ctx<'_>, topics: &[Expanded]) {
    let mut by_place: BTreeMap<(usize, usize), (Span, i64, Vec<String>)> = BTreeMap::new();
    for e in topics {
        let (Some(rf), Some(setting)) = (e.replication_factor, e.config.get("min.insync.replicas"))
        else {
            continue;
        };
        let Ok(min) = setting.value.parse::<i64>() else {
            continue;
        };
        if min > i64::from(rf) {
            let entry = by_place
                .entry((setting.span.start, setting.span.end))
                .or_insert_with(|| (setting.span.clone(), min, Vec::new()));
            entry.2.push(format!("`{}` ({rf})", e.name));
        }
    }
    for (_, (span, min, topics)) in by_place {
        let list = match topics.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => topics.join(""),
        };
        let noun = noun(topics.len(), "factor", "factors");
        ctx.error(
            &span,
            format!("`min.insync.replicas` is {min}, more than the replication {noun} of {list}"),
            Some(
                "writes with acks=all would always fail; lower `min.insync.replicas` or raise \
                 `replication_factor`"
                    .into(),
            ),
        );
    }
}

fn groups(
    ctx: &mut Ctx<'_>,
    decl: &Decl,
    declared: &TopicNames<'_>,
) -> BTreeMap<String, GroupSpec> {
    let mut out = BTreeMap::new();
    let mut first: HashMap<String, Span> = HashMap::new();
    for g in &decl.groups {
        let Some(name) = &g.name else {
            continue;
        };
        if let Some(earlier) = first.get(name) {
            let line = ctx.line_of(earlier);
            let help = if g.raw != *name {
                format!(
                    "`{}` expands to `{name}`, already declared on line {line}",
                    g.raw
                )
            } else {
                format!("already declared on line {line}")
            };
            ctx.error(
                &g.span,
                format!("consumer group `{name}` is declared twice"),
                Some(help),
            );
            continue;
        }
        first.insert(name.clone(), g.span.clone());
        let mut consumed = BTreeSet::new();
        for (topic, span) in &g.topics {
            if !consumed.insert(topic.clone()) {
                ctx.warning(
                    span,
                    format!("`{topic}` is listed twice in the topics of group `{name}`"),
                    None,
                );
                continue;
            }
            if !declared.contains(topic) && !ctx.elsewhere.contains(topic) {
                // Past the diagnostics cap the warning is only counted: skip the search.
                let closest = if ctx.is_full() {
                    None
                } else {
                    suggest::closest(topic, declared.names())
                };
                let help = match closest {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "declare it under [topics], or check the name".to_string(),
                };
                ctx.warning(
                    span,
                    format!("group `{name}` consumes `{topic}`, which this file does not declare"),
                    Some(help),
                );
            }
        }
        if ctx.record_declared {
            ctx.declared_groups.push((name.clone(), g.span.clone()));
        }
        out.insert(
            name.clone(),
            GroupSpec {
                name: name.clone(),
                topics: consumed,
                initial_offsets: g.initial_offsets,
                lag_budget: g.lag_budget,
            },
        );
    }
    out
}
