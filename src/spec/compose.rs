//! Composition: one topology from several files (a platform file and one file per team,
//! say), each optionally owning a `[scope]` of names. A name declared in two files, or
//! outside its file's scope, is an error located in the file that should not have it and
//! naming the other place; undeclared live topics are managed (and, by opt-in, deleted)
//! only inside the union of the files' scopes, so adding a team's file can never delete
//! another team's topics.
//!
//! The environment selection is applied to every file before composing, so each file's
//! overrides of its own topics take part.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{DesiredState, Origin, Origins, Policy, ScopePattern};
use crate::units::noun;

use super::diagnostic::{Diagnostic, Omitted};
use super::env::{self, Envs};
use super::names;
use super::tree::{self, Table};
use super::walk::{self, Ctx, Decl, Field, Span};
use super::{Diagnostics, Loaded};

pub(crate) const SCOPE_KEYS: &[&str] = &["owner", "prefixes", "patterns"];

/// One topology file handed to the loader: its name (for diagnostics and provenance) and
/// its text.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// A file's `[scope]`: the names it owns.
#[derive(Debug)]
struct FileScope {
    owner: Option<String>,
    patterns: Vec<ScopePattern>,
    span: Span,
}

impl FileScope {
    fn owns(&self, name: &str) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(name))
    }

    fn describe(&self) -> String {
        let list: Vec<String> = self
            .patterns
            .iter()
            .map(|p| match p {
                ScopePattern::Prefix(t) => format!("`{t}*`"),
                ScopePattern::Glob(t) => format!("`{t}`"),
            })
            .collect();
        list.join(", ")
    }
}

/// One file on its way through the loader.
struct Part<'a> {
    ctx: Ctx<'a>,
    file: &'a str,
    decl: Decl,
    envs: Envs,
    scope: Option<FileScope>,
    /// `[cluster]` of the base file, and of the selected environment.
    cluster_span: Option<Span>,
    policy_span: Option<Span>,
    /// `[policy]` sets `prefixes` or `patterns`.
    policy_patterns: Option<Span>,
    desired: DesiredState,
}

fn read_scope(ctx: &mut Ctx<'_>, root: Table<'_>) -> Option<FileScope> {
    let (key, v) = root.get_key_value("scope")?;
    let mut scope = FileScope {
        owner: None,
        patterns: Vec::new(),
        span: key.span(),
    };
    let t = ctx.expect_table(v, "`scope`")?;
    ctx.check_keys(t, SCOPE_KEYS, "[scope]", None);
    if let Some(v) = t.get("owner") {
        scope.owner = ctx.string(v, "`owner`");
    }
    for (key, glob) in [("prefixes", false), ("patterns", true)] {
        let Some(v) = t.get(key) else {
            continue;
        };
        for (text, span) in ctx.strings(v, &format!("`{key}`")).unwrap_or_default() {
            if let Some(problem) = names::scope_pattern_problem(&text, glob) {
                ctx.error(&span, problem, None);
                continue;
            }
            scope.patterns.push(if glob {
                ScopePattern::Glob(text)
            } else {
                ScopePattern::Prefix(text)
            });
        }
    }
    Some(scope)
}

fn read_part<'a>(
    file: SourceFile<'a>,
    env: &'a dyn Fn(&str) -> Option<String>,
    strict_env: bool,
) -> Part<'a> {
    let mut ctx = Ctx::new(file.name, file.text, env);
    ctx.strict_env = strict_env;
    let (doc, parse_errors) = tree::parse(file.text);
    for e in &parse_errors {
        match e {
            tree::ParseError::Duplicate { span } => {
                let key = file.text.get(span.clone()).unwrap_or("").to_string();
                ctx.error(
                    span,
                    format!("`{key}` is defined twice"),
                    Some("TOML allows each key and each [table] only once; merge the two".into()),
                );
            }
            tree::ParseError::Syntax { span, message } => {
                let message = message.replace('\n', "; ");
                ctx.error(span, format!("invalid TOML: {message}"), None);
            }
        }
    }
    // Errors past the parser's cap are counted there; the report counts them too.
    ctx.omitted.errors += doc.omitted_errors();
    let mut part = Part {
        file: file.name,
        decl: Decl::default(),
        envs: Envs::default(),
        scope: None,
        cluster_span: None,
        policy_span: None,
        policy_patterns: None,
        desired: DesiredState::default(),
        ctx,
    };
    if !parse_errors.iter().all(tree::ParseError::is_duplicate) {
        return part;
    }
    let root = doc.root();
    part.decl = walk::walk(&mut part.ctx, root);
    part.envs = env::read(&mut part.ctx, root);
    part.scope = read_scope(&mut part.ctx, root);
    part.cluster_span = root.get_key_value("cluster").map(|(k, _)| k.span());
    if let Some((k, v)) = root.get_key_value("policy") {
        part.policy_span = Some(k.span());
        if let Some(t) = v.as_table() {
            part.policy_patterns = t
                .get_key_value("prefixes")
                .or_else(|| t.get_key_value("patterns"))
                .map(|(k, _)| k.span());
        }
    }
    part
}

/// Every environment name declared in any file, in order.
fn names_of(parts: &[Part<'_>]) -> BTreeSet<String> {
    parts
        .iter()
        .flat_map(|p| p.envs.list.iter().map(|e| e.name.clone()))
        .collect()
}

fn quoted(names: &BTreeSet<String>) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decides which environment applies, reporting a missing or unknown selection.
fn select(parts: &mut [Part<'_>], selection: Option<&str>) -> Option<String> {
    let names = names_of(parts);
    // The first file with an `environments` section is where selection errors point.
    let anchor = parts
        .iter()
        .position(|p| p.envs.section.is_some())
        .map(|i| (i, parts[i].envs.section.clone().unwrap_or(0..0)));
    let mut default: Option<(String, String)> = None;
    for p in parts.iter_mut() {
        let Some((name, span)) = p.envs.default.clone() else {
            continue;
        };
        match &default {
            Some((first, place)) if *first != name => p.ctx.error(
                &span,
                format!("default environment `{name}` disagrees with `{first}` set in {place}"),
                Some("set `default_environment` in one file only".into()),
            ),
            Some(_) => {}
            None => {
                let place = format!("{}:{}", p.file, p.ctx.line_of(&span));
                default = Some((name, place));
            }
        }
    }
    match selection {
        Some(name) => {
            if !names.contains(name) {
                let (i, span) = anchor.unwrap_or((0, 0..0));
                let help = if names.is_empty() {
                    "this topology declares no environments; leave out --env / TOPO_ENV, or \
                     declare one as [environments.NAME]"
                        .to_string()
                } else {
                    format!("declared environments: {}", quoted(&names))
                };
                if let Some(p) = parts.get_mut(i) {
                    p.ctx.error(
                        &span,
                        format!("environment `{name}` is not declared"),
                        Some(help),
                    );
                }
            }
            Some(name.to_string())
        }
        None => match default {
            Some((name, _)) => Some(name),
            None => {
                if let Some((i, span)) = anchor {
                    parts[i].ctx.error(
                        &span,
                        format!(
                            "this topology declares environments ({}) but none is selected",
                            quoted(&names)
                        ),
                        Some(
                            "choose one with --env NAME or TOPO_ENV=NAME, or set \
                             `default_environment = \"NAME\"` at the top of the file"
                                .into(),
                        ),
                    );
                }
                None
            }
        },
    }
}

/// Topic names a file declares (and the dead-letter topics they imply), before expansion.
fn topic_names(decl: &Decl, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in &decl.topics {
        let Some(name) = t.name(src) else {
            continue;
        };
        if let Some(d) = t.more().and_then(|m| m.dlq.as_ref()) {
            match &d.name {
                Field::Set((n, _)) => out.push(n.clone()),
                _ => out.push(format!("{name}-dlq")),
            }
        }
        out.push(name.to_string());
    }
    out
}

/// Loads a topology made of one or more files, with `selection` (or the declared default
/// environment) applied. Diagnostics come file by file, each file's in source order.
pub fn load_files(
    files: &[SourceFile<'_>],
    env: &dyn Fn(&str) -> Option<String>,
    selection: Option<&str>,
) -> Result<Loaded, Diagnostics> {
    load_inner(files, env, Some(selection), true)
}

/// [`load_files`] for `topo validate --env NAME`: unless `strict_env`, a `${VAR}` that is
/// not set is a warning, as in [`validate_all`].
pub fn validate_one(
    files: &[SourceFile<'_>],
    env: &dyn Fn(&str) -> Option<String>,
    selection: &str,
    strict_env: bool,
) -> Result<Loaded, Diagnostics> {
    load_inner(files, env, Some(Some(selection)), strict_env)
}

/// Loads the files as written, without applying any environment (not even the default):
/// the base that `topo import --env` describes a cluster against.
pub fn load_base(
    files: &[SourceFile<'_>],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, Diagnostics> {
    load_inner(files, env, None, true)
}

/// `selection`: `None` for the base alone, `Some(choice)` to apply an environment.
fn load_inner(
    files: &[SourceFile<'_>],
    env: &dyn Fn(&str) -> Option<String>,
    selection: Option<Option<&str>>,
    strict_env: bool,
) -> Result<Loaded, Diagnostics> {
    let mut parts: Vec<Part<'_>> = files
        .iter()
        .map(|f| read_part(*f, env, strict_env))
        .collect();
    let selected = match selection {
        Some(choice) => select(&mut parts, choice),
        None => None,
    };
    if let Some(name) = &selected {
        for p in &mut parts {
            if let Some(e) = p.envs.get(name) {
                if e.cluster.is_some() {
                    p.cluster_span = e.cluster.as_ref().map(|(_, s)| s.clone());
                }
                env::apply(&mut p.ctx, &mut p.decl, e);
            }
        }
    }
    // What the other files declare, and where each name was declared, matter only to
    // composed files and file scopes; one plain file skips both lists (a copy of every
    // topic name each).
    let many = parts.len() > 1;
    let declared: Vec<Vec<String>> = if many {
        parts
            .iter()
            .map(|p| topic_names(&p.decl, p.ctx.source()))
            .collect()
    } else {
        Vec::new()
    };
    for (i, p) in parts.iter_mut().enumerate() {
        p.ctx.record_declared = many || p.scope.is_some();
        for (j, names) in declared.iter().enumerate() {
            if i != j {
                p.ctx.elsewhere.extend(names.iter().cloned());
            }
        }
        let decl = std::mem::take(&mut p.decl);
        p.desired = super::expand::expand(&mut p.ctx, decl);
    }
    let desired = compose(&mut parts);
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut omitted = Omitted::default();
    for p in parts {
        let mut own = p.ctx.diagnostics;
        // Stable: problems found at the same place keep the order they were found in.
        own.sort_by_key(|d| (d.line, d.col));
        diagnostics.extend(own);
        omitted.errors += p.ctx.omitted.errors;
        omitted.warnings += p.ctx.omitted.warnings;
        omitted.partial |= p.ctx.omitted.partial;
    }
    if diagnostics.iter().any(Diagnostic::is_error) || omitted.errors > 0 {
        Err(Diagnostics(diagnostics, omitted))
    } else {
        Ok(Loaded {
            desired,
            warnings: diagnostics,
            environment: selected,
        })
    }
}

/// Where a name was first declared: file index, and `file:line` for messages.
struct First {
    part: usize,
    place: String,
}

fn scope_help(parts: &[Part<'_>], name: &str, except: usize) -> Option<String> {
    parts.iter().enumerate().find_map(|(j, other)| {
        let scope = other.scope.as_ref()?;
        (j != except && !scope.patterns.is_empty() && scope.owns(name)).then(|| {
            format!(
                "it belongs to the scope of {} ([scope] at {}:{})",
                other.file,
                other.file,
                other.ctx.line_of(&scope.span)
            )
        })
    })
}

/// Merges the files' desired states, checking ownership across them.
fn compose(parts: &mut [Part<'_>]) -> DesiredState {
    let many = parts.len() > 1;
    let mut out = DesiredState::default();
    let mut origins = Origins::default();
    for kind in ["topic", "group"] {
        let mut first: BTreeMap<String, First> = BTreeMap::new();
        for i in 0..parts.len() {
            // Taken, not copied: nothing reads them after this.
            let entries = if kind == "topic" {
                std::mem::take(&mut parts[i].ctx.declared_topics)
            } else {
                std::mem::take(&mut parts[i].ctx.declared_groups)
            };
            for (name, span) in entries {
                let outside = parts[i]
                    .scope
                    .as_ref()
                    .filter(|s| !s.owns(&name))
                    .map(|s| s.describe());
                if let Some(owned) = outside {
                    let help = scope_help(parts, &name, i).unwrap_or_else(|| {
                        format!("this file's [scope] owns {owned}; rename it or widen the scope")
                    });
                    let file = parts[i].file;
                    parts[i].ctx.error(
                        &span,
                        format!("{kind} `{name}` is outside the scope of {file} ({owned})"),
                        Some(help),
                    );
                }
                // One file cannot declare a name twice (its expansion already said so),
                // and records no origins: the cross-file map is for composed files only.
                if !many {
                    continue;
                }
                if let Some(earlier) = first.get(&name) {
                    if earlier.part != i {
                        let here = format!("{}:{}", parts[i].file, parts[i].ctx.line_of(&span));
                        parts[i].ctx.error(
                            &span,
                            format!(
                                "{kind} `{name}` is declared in two files: {} and {here}",
                                earlier.place
                            ),
                            Some(format!(
                                "each {kind} belongs to one file; remove it from one of them"
                            )),
                        );
                    }
                    continue;
                }
                let origin = Origin {
                    file: parts[i].file.to_string(),
                    line: parts[i].ctx.line_of(&span),
                    owner: parts[i].scope.as_ref().and_then(|s| s.owner.clone()),
                };
                first.insert(
                    name.clone(),
                    First {
                        part: i,
                        place: format!("{}:{}", origin.file, origin.line),
                    },
                );
                if many {
                    if kind == "topic" {
                        origins.topics.insert(name, origin);
                    } else {
                        origins.groups.insert(name, origin);
                    }
                }
            }
        }
    }
    // Revoking undeclared ACLs only when every file that grants access opted in: one
    // file's opt-in must not revoke what another file's principals hold.
    let with_principals = parts.iter().filter(|p| !p.desired.principals.is_empty());
    let revoke = with_principals.clone().count() > 0
        && with_principals
            .clone()
            .all(|p| p.desired.policy.remove_undeclared_acls);
    for p in parts.iter_mut() {
        out.topics.append(&mut p.desired.topics);
        out.groups.append(&mut p.desired.groups);
        out.acls.append(&mut p.desired.acls);
        out.principals.append(&mut p.desired.principals);
        out.users.append(&mut p.desired.users);
    }
    out.cluster = cluster(parts);
    out.policy = policy(parts);
    out.policy.remove_undeclared_acls = revoke;
    out.origins = origins;
    out
}

fn cluster(parts: &mut [Part<'_>]) -> crate::model::ClusterSpec {
    let mut chosen: Option<(usize, String)> = None;
    for (i, part) in parts.iter_mut().enumerate() {
        let Some(span) = part.cluster_span.clone() else {
            continue;
        };
        match &chosen {
            Some((_, place)) => {
                let place = place.clone();
                part.ctx.error(
                    &span,
                    format!("[cluster] is already declared in {place}"),
                    Some("declare the cluster (and each environment's cluster) in one file".into()),
                );
            }
            None => chosen = Some((i, format!("{}:{}", part.file, part.ctx.line_of(&span)))),
        }
    }
    match chosen {
        Some((i, _)) => parts[i].desired.cluster.clone(),
        // No file declares one: the first file's (empty) settings.
        None => parts
            .first()
            .map(|p| p.desired.cluster.clone())
            .unwrap_or_default(),
    }
}

fn policy(parts: &mut [Part<'_>]) -> Policy {
    let many = parts.len() > 1;
    let mut merged = Policy::default();
    let mut delete_within: Vec<ScopePattern> = Vec::new();
    let mut remove_unmanaged: Option<(bool, String)> = None;
    for p in parts.iter_mut() {
        if let (Some(scope), Some(span)) = (&p.scope, &p.policy_patterns) {
            let line = p.ctx.line_of(&scope.span);
            p.ctx.error(
                span,
                "a file with a [scope] manages exactly its scope",
                Some(format!(
                    "move these names into [scope] (line {line}) and remove them from [policy]"
                )),
            );
        }
        let own: Vec<ScopePattern> = match &p.scope {
            Some(scope) => scope.patterns.clone(),
            None => p.desired.policy.manage.clone(),
        };
        for pattern in &own {
            if !merged.manage.contains(pattern) {
                merged.manage.push(pattern.clone());
            }
        }
        if p.desired.policy.delete_undeclared {
            merged.delete_undeclared = true;
            delete_within.extend(own.iter().cloned());
        }
        if let Some(span) = p.policy_span.clone() {
            let value = p.desired.policy.remove_unmanaged_config;
            match &remove_unmanaged {
                Some((first, place)) if *first != value => {
                    let place = place.clone();
                    p.ctx.error(
                        &span,
                        format!("`remove_unmanaged_config` is {value} here but {first} in {place}"),
                        Some("the files of one topology must agree on it".into()),
                    );
                }
                Some(_) => {}
                None => {
                    let place = format!("{}:{}", p.file, p.ctx.line_of(&span));
                    remove_unmanaged = Some((value, place));
                }
            }
        }
    }
    merged.remove_unmanaged_config = remove_unmanaged.is_some_and(|(v, _)| v);
    if many {
        merged.delete_within = Some(delete_within);
    }
    merged
}

/// Every environment the files declare, in name order (empty when there are none).
/// Problems are left to the real load.
pub fn environment_names(
    files: &[SourceFile<'_>],
    _env: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    // Only the keys of each `environments` table: no walk, no expansion, so asking costs
    // one parse rather than a whole load.
    let mut names = BTreeSet::new();
    for f in files {
        let (doc, _) = tree::parse(f.text);
        if let Some(t) = doc.root().get("environments").and_then(|v| v.as_table()) {
            names.extend(
                t.iter()
                    .map(|(k, _)| k.text().into_owned())
                    .filter(|n| env::is_valid_name(n)),
            );
        }
    }
    names.into_iter().collect()
}

/// A topology checked in every environment: each environment's desired state and the
/// warnings of all of them.
#[derive(Debug, Clone)]
pub struct Validated {
    /// `(None, state)` when the topology declares no environments.
    pub environments: Vec<(Option<String>, DesiredState)>,
    pub warnings: Vec<Diagnostic>,
}

/// Loads the topology once per declared environment and reports every problem of every
/// environment together; a problem found in only some environments says which. Unless
/// `strict_env`, a `${VAR}` that is not set is a warning ("not set here"), not an error.
pub fn validate_all(
    files: &[SourceFile<'_>],
    env: &dyn Fn(&str) -> Option<String>,
    strict_env: bool,
) -> Result<Validated, Diagnostics> {
    let names = environment_names(files, env);
    let selections: Vec<Option<&str>> = if names.is_empty() {
        vec![None]
    } else {
        names.iter().map(|n| Some(n.as_str())).collect()
    };
    let mut found: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    let mut environments = Vec::new();
    // Each environment's load is capped on its own; what none of them kept is counted
    // once, as the largest count, since environments mostly repeat the same problems.
    let mut omitted = Omitted::default();
    for selection in &selections {
        let diagnostics = match load_inner(files, env, Some(*selection), strict_env) {
            Ok(loaded) => {
                environments.push((selection.map(str::to_string), loaded.desired));
                loaded.warnings
            }
            Err(d) => {
                omitted.errors = omitted.errors.max(d.1.errors);
                omitted.warnings = omitted.warnings.max(d.1.warnings);
                omitted.partial |= d.1.partial;
                d.0
            }
        };
        for d in diagnostics {
            let name = selection.unwrap_or_default().to_string();
            match found.iter_mut().find(|(seen, _)| *seen == d) {
                Some((_, envs)) => envs.push(name),
                None => found.push((d, vec![name])),
            }
        }
    }
    let all = selections.len();
    let file_rank = |f: &str| files.iter().position(|s| s.name == f).unwrap_or(usize::MAX);
    let mut diagnostics: Vec<Diagnostic> = found
        .into_iter()
        .map(|(mut d, envs)| {
            let named =
                envs.len() == 1 && d.message.contains(&format!("environment `{}`", envs[0]));
            if envs.len() < all && !named {
                let which = envs
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let noun = noun(envs.len(), "environment", "environments");
                d.message = format!("{} (in {noun} {which})", d.message);
            }
            d
        })
        .collect();
    diagnostics.sort_by_key(|d| (file_rank(&d.file), d.line, d.col));
    if diagnostics.iter().any(Diagnostic::is_error) || omitted.errors > 0 {
        Err(Diagnostics(diagnostics, omitted))
    } else {
        Ok(Validated {
            environments,
            warnings: diagnostics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "[cluster]\nbootstrap_servers = \"${KAFKA_AT}\"\n\n\
                        [topics.orders]\npartitions = 3\nreplication_factor = 1\n";

    fn files() -> [SourceFile<'static>; 1] {
        [SourceFile {
            name: "t.toml",
            text: FILE,
        }]
    }

    #[test]
    fn an_unset_variable_is_not_set_here_unless_strict() {
        let unset = |_: &str| None;
        let validated = validate_all(&files(), &unset, false).expect("valid without the variable");
        let notes: Vec<String> = validated
            .warnings
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.col, d.message))
            .collect();
        assert_eq!(
            notes,
            ["2:22 environment variable `KAFKA_AT` is not set here"]
        );
        assert_eq!(validated.environments[0].1.topics.len(), 1);

        let strict = validate_all(&files(), &unset, true).expect_err("strict needs it");
        assert!(strict.0[0].is_error());
        assert_eq!(
            strict.0[0].message,
            "environment variable `KAFKA_AT` is not set"
        );
        // Plans load strictly whatever validate does.
        assert!(load_files(&files(), &unset, None).is_err());
        let set = |_: &str| Some("127.0.0.1:9092".to_string());
        assert!(validate_all(&files(), &set, true)
            .expect("set")
            .warnings
            .is_empty());
    }
}
