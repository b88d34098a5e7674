//! Expanding declarations into the desired state: defaults are inherited, dead-letter
//! topics become topics of their own, and the checks that need the whole file run here
//! (duplicate names after interpolation and DLQ expansion, metric-name collisions,
//! `min.insync.replicas` against the replication factor, groups reading undeclared
//! topics).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::{DesiredState, GroupSpec, TopicExtras, TopicSpec, Topics};
use crate::units::noun;

use super::names::{metric_name, topic_name_problem};
use super::suggest;
use super::walk::{Config, Ctx, Decl, Field, Span};

/// Declarations between two returns of the consumed vector's spare room to the allocator.
const RELEASE_EVERY: usize = 1 << 14;

/// Where an expanded topic was declared, kept beside its spec until the checks across
/// topics are done. Offsets are `u32`: files are read with a size limit far below 4 GiB.
#[derive(Clone, Copy)]
struct Place {
    start: u32,
    end: u32,
    /// Partitions and replication factor both resolved; otherwise the spec holds
    /// placeholders and the topic stays out of the desired state.
    complete: bool,
    /// False once a problem with this topic's name was reported.
    name_ok: bool,
    /// Not a second declaration of a name.
    first: bool,
}

impl Place {
    fn span(&self) -> Span {
        self.start as usize..self.end as usize
    }

    fn goes_in(&self) -> bool {
        self.first && self.complete && self.name_ok
    }
}

fn offset(at: usize) -> u32 {
    // Invariant: topology files are read with a size limit far below 4 GiB.
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// Topics after inheritance: each spec in its final form and, index for index, where it
/// was declared. Nothing is copied on the way to the desired state: the checks across
/// topics read these vectors, then the specs are filtered and sorted where they lie.
#[derive(Default)]
struct Expansion {
    specs: Vec<TopicSpec>,
    places: Vec<Place>,
    /// `(index, key as written)` of topics whose name interpolation changed, by index.
    raws: Vec<(usize, Box<str>)>,
    /// `min.insync.replicas` above the replication factor: `(setting, value, topic)`.
    insync: Vec<(Span, i64, usize)>,
}

/// One expanded topic, before it joins an [`Expansion`].
struct Topic<'a> {
    name: String,
    span: Span,
    /// The key as written, when it differs from `name`.
    raw: Option<&'a str>,
    partitions: Option<i32>,
    replication_factor: Option<i16>,
    config: Config,
    extras: TopicExtras,
    name_ok: bool,
}

impl Expansion {
    fn with_capacity(n: usize) -> Self {
        Expansion {
            specs: Vec::with_capacity(n),
            places: Vec::with_capacity(n),
            ..Expansion::default()
        }
    }

    fn push(&mut self, t: Topic<'_>) {
        let i = self.specs.len();
        if let (Some(rf), Some(setting)) =
            (t.replication_factor, t.config.get("min.insync.replicas"))
        {
            if let Ok(min) = setting.value.parse::<i64>() {
                if min > i64::from(rf) {
                    self.insync.push((setting.span.clone(), min, i));
                }
            }
        }
        if let Some(raw) = t.raw {
            self.raws.push((i, raw.into()));
        }
        self.places.push(Place {
            start: offset(t.span.start),
            end: offset(t.span.end),
            complete: t.partitions.is_some() && t.replication_factor.is_some(),
            name_ok: t.name_ok,
            first: true,
        });
        let config = t.config.into_iter().map(|(k, s)| (k, s.value)).collect();
        let spec = TopicSpec::new(
            t.name,
            t.partitions.unwrap_or(0),
            t.replication_factor.unwrap_or(0),
            config,
        );
        self.specs.push(spec.with_extras(t.extras));
    }

    fn append(&mut self, mut other: Expansion) {
        let base = self.specs.len();
        self.specs.append(&mut other.specs);
        self.places.append(&mut other.places);
        self.raws
            .extend(other.raws.into_iter().map(|(i, raw)| (base + i, raw)));
        self.insync.extend(
            other
                .insync
                .into_iter()
                .map(|(s, min, i)| (s, min, base + i)),
        );
    }

    fn raw(&self, i: usize) -> Option<&str> {
        let at = self.raws.binary_search_by_key(&i, |(j, _)| *j).ok()?;
        Some(&self.raws[at].1)
    }

    /// Indices of the topics for which `include` holds, in the order they were declared.
    fn in_file_order(&self, include: impl Fn(&Place, &TopicSpec) -> bool) -> Vec<usize> {
        let mut out: Vec<usize> = (0..self.specs.len())
            .filter(|&i| include(&self.places[i], &self.specs[i]))
            .collect();
        out.sort_unstable_by_key(|&i| (self.places[i].start, i));
        out
    }
}

/// Resolves an inherited setting; reports it when neither the topic nor `[defaults]` sets
/// it (an invalid value was already reported where it was written).
fn resolve<T: Copy>(
    ctx: &mut Ctx<'_>,
    field: Field<T>,
    topic: (&Span, &str),
    shown: &str,
    key: &str,
    what: &str,
) -> Field<T> {
    if matches!(field, Field::Absent) {
        let (span, raw) = topic;
        ctx.error(
            span,
            format!("topic `{shown}` has no {what}"),
            Some(format!(
                "set `{key}` under [topics.\"{raw}\"] or in [defaults]"
            )),
        );
    }
    field
}

pub(crate) fn expand(ctx: &mut Ctx<'_>, mut decl: Decl) -> DesiredState {
    let src = ctx.source();
    let default_partitions = decl.defaults.partitions.unwrap_or(Field::Absent);
    let default_rf = decl.defaults.replication_factor.unwrap_or(Field::Absent);

    // Declarations are consumed front to back, their vector handing memory back as it
    // empties, so a large topology does not hold every declaration and its expansion
    // at once.
    let mut pending = std::mem::take(&mut decl.topics);
    pending.reverse();
    let mut declared = Expansion::with_capacity(pending.len());
    let mut dlqs = Expansion::default();
    while let Some(mut t) = pending.pop() {
        if pending.capacity() - pending.len() >= RELEASE_EVERY {
            pending.shrink_to_fit();
        }
        let own_config = std::mem::take(&mut t.config);
        let raw = t.raw(src);
        let shown = t.name(src).unwrap_or(raw);
        let at = (&t.span, raw);
        let partitions = resolve(
            ctx,
            t.partitions.or(default_partitions),
            at,
            shown,
            "partitions",
            "partition count",
        );
        let rf = resolve(
            ctx,
            t.replication_factor.or(default_rf),
            at,
            shown,
            "replication_factor",
            "replication factor",
        );
        let config = if decl.defaults.config.is_empty() {
            own_config
        } else {
            decl.defaults.config.merged(&own_config)
        };
        let Some(name) = t.name(src) else {
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
        let more = t.more();
        let key = more.and_then(|m| m.key.clone());
        let partitioner = more.and_then(|m| m.partitioner);
        if let Some(d) = more.and_then(|m| m.dlq.as_ref()) {
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
                dlqs.push(Topic {
                    name: dlq_name,
                    span,
                    raw: None,
                    partitions: d.partitions.or(partitions).get(),
                    replication_factor: d.replication_factor.or(rf).get(),
                    config: config.merged(&d.config),
                    extras: TopicExtras {
                        key: key.clone(),
                        partitioner,
                        keys_file: None,
                        dlq_of: Some(name.to_string()),
                    },
                    name_ok: dlq_name_ok,
                });
            }
        }
        declared.push(Topic {
            name: name.to_string(),
            span: t.span.clone(),
            raw: (raw != name).then_some(raw),
            partitions: partitions.get(),
            replication_factor: rf.get(),
            config,
            extras: TopicExtras {
                key,
                partitioner,
                keys_file: more.and_then(|m| m.keys_file.clone()),
                dlq_of: None,
            },
            name_ok,
        });
    }
    drop(pending);
    declared.append(dlqs);
    let mut all = declared;

    deduplicate(ctx, &mut all);
    warn_metric_collisions(ctx, &all);
    check_min_insync(ctx, &all);

    // Declared, but not in the desired state: a group reading it is no typo.
    let skipped: BTreeSet<String> = (0..all.specs.len())
        .filter(|&i| all.places[i].first && !all.places[i].goes_in())
        .map(|i| all.specs[i].name.clone())
        .collect();
    if ctx.record_declared {
        for i in all.in_file_order(|p, _| p.goes_in()) {
            let entry = (all.specs[i].name.clone(), all.places[i].span());
            ctx.declared_topics.push(entry);
        }
    }
    let Expansion {
        mut specs, places, ..
    } = all;
    let mut i = 0;
    specs.retain(|_| {
        let keep = places[i].goes_in();
        i += 1;
        keep
    });
    drop(places);
    let topics = Topics::from_distinct(specs);
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
    kept: &'a Topics,
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

/// Drops second declarations of a name, reporting each. Declared topics come first, so
/// when a dead-letter topic's name is already taken the error lands on the `dlq`.
fn deduplicate(ctx: &mut Ctx<'_>, all: &mut Expansion) {
    // Indices sorted by name find equal names without a map of every name, which was a
    // large share of what a big topology costs at its peak.
    let specs = &all.specs;
    // `u32` indices: offsets into the file are `u32` too, and there are fewer topics.
    let name = |i: u32| specs[i as usize].name.as_str();
    let mut by_name: Vec<u32> = (0..offset(specs.len())).collect();
    by_name.sort_unstable_by(|&a, &b| name(a).cmp(name(b)).then(a.cmp(&b)));
    let mut seconds: Vec<(usize, usize)> = Vec::new();
    for run in by_name.chunk_by(|&a, &b| name(a) == name(b)) {
        seconds.extend(run[1..].iter().map(|&i| (i as usize, run[0] as usize)));
    }
    drop(by_name);
    seconds.sort_unstable();
    for (i, first) in seconds {
        all.places[i].first = false;
        let e = &all.specs[i];
        let span = all.places[i].span();
        let line = ctx.line_of(&all.places[first].span());
        match (e.dlq_of(), all.raw(i)) {
            (Some(parent), _) => ctx.error(
                &span,
                format!(
                    "dead-letter topic `{}` of `{parent}` is already declared on line {line}",
                    e.name
                ),
                Some("give the dead-letter topic another name: `dlq = { name = \"...\" }`".into()),
            ),
            (None, Some(raw)) => ctx.error(
                &span,
                format!("topic `{}` is declared twice", e.name),
                Some(format!(
                    "`{raw}` expands to `{}`, already declared on line {line}",
                    e.name
                )),
            ),
            (None, None) => ctx.error(
                &span,
                format!("topic `{}` is declared twice", e.name),
                Some(format!("already declared on line {line}")),
            ),
        }
    }
}

/// A topic name as Kafka's metrics spell it, compared without building it.
fn metric_order(a: &str, b: &str) -> std::cmp::Ordering {
    let metric = |c: u8| if c == b'.' { b'_' } else { c };
    a.bytes().map(metric).cmp(b.bytes().map(metric))
}

/// Kafka reports metrics under names where `.` became `_`: two such topics share them.
fn warn_metric_collisions(ctx: &mut Ctx<'_>, all: &Expansion) {
    // Only names with a `.` or `_` can meet another name there; the rest are distinct.
    // Ranked in file order, then sorted stably by metric name: the first of each run is
    // the one declared first.
    let specs = &all.specs;
    let mut ranked: Vec<(usize, usize)> = all
        .in_file_order(|p, t| p.first && t.name.contains(['.', '_']))
        .into_iter()
        .enumerate()
        .collect();
    ranked.sort_by(|(_, a), (_, b)| metric_order(&specs[*a].name, &specs[*b].name));
    let mut collisions: Vec<(usize, usize, usize)> = Vec::new();
    for run in
        ranked.chunk_by(|(_, a), (_, b)| metric_order(&specs[*a].name, &specs[*b].name).is_eq())
    {
        let first = run[0].1;
        collisions.extend(run[1..].iter().map(|&(rank, i)| (rank, i, first)));
    }
    collisions.sort_unstable();
    for (_, i, first) in collisions {
        let (name, other) = (&specs[i].name, &specs[first].name);
        let metric = metric_name(name);
        ctx.warning(
            &all.places[i].span(),
            format!("topic `{name}` collides with `{other}` in Kafka's metric names"),
            Some(format!(
                "Kafka writes `.` as `_` in metric names, so both report as `{metric}`; \
                 rename one of them"
            )),
        );
    }
}

/// `min.insync.replicas` above the replication factor makes every `acks=all` write fail.
/// One error per place the value was written, naming every topic it breaks (a value in
/// `[defaults]` can break many).
fn check_min_insync(ctx: &mut Ctx<'_>, all: &Expansion) {
    let mut found: Vec<&(Span, i64, usize)> = all
        .insync
        .iter()
        .filter(|(_, _, i)| all.places[*i].first)
        .collect();
    found.sort_by_key(|(_, _, i)| (all.places[*i].start, *i));
    let mut by_place: BTreeMap<(usize, usize), (Span, i64, Vec<String>)> = BTreeMap::new();
    for (setting, min, i) in found {
        let spec = &all.specs[*i];
        let entry = by_place
            .entry((setting.start, setting.end))
            .or_insert_with(|| (setting.clone(), *min, Vec::new()));
        entry
            .2
            .push(format!("`{}` ({})", spec.name, spec.replication_factor));
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
