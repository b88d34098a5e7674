//! The access-control sections of the file: raw `[[acls]]`, the intent forms
//! (`[principals."User:NAME"]` and a group's `principal`/`produces`) and SCRAM
//! `[users."NAME"]`. Walking reports every problem at its place; expansion turns the
//! intent forms into the exact ACL bindings Kafka stores.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{
    AclBinding, AclOperation, AclPattern, AclPermission, AclResourceType, ScramMechanism, UserSpec,
    CLUSTER_RESOURCE_NAME, DEFAULT_SCRAM_ITERATIONS,
};

use super::suggest;
use super::tree::{Item, Value};
use super::walk::{by_position, Ctx, Decl, Span};

pub(crate) const ACL_KEYS: &[&str] = &[
    "principal",
    "resource",
    "name",
    "pattern",
    "operations",
    "host",
    "permission",
];
pub(crate) const PRINCIPAL_KEYS: &[&str] = &[
    "consumes",
    "groups",
    "produces",
    "transactional_ids",
    "idempotent",
    "host",
];
pub(crate) const USER_KEYS: &[&str] = &["mechanisms", "password", "iterations", "rotate"];
const RESOURCE_TYPES: [&str; 4] = ["topic", "group", "cluster", "transactional_id"];
const PATTERNS: [&str; 2] = ["literal", "prefixed"];
const PERMISSIONS: [&str; 2] = ["allow", "deny"];
/// Kafka's bounds for SCRAM iterations.
const MIN_ITERATIONS: i64 = 4096;
const MAX_ITERATIONS: i64 = 16384;

/// One declared ACL and where its target is written, for cross-checks.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub binding: AclBinding,
    pub span: Span,
}

#[derive(Debug)]
pub(crate) struct UserDecl {
    pub span: Span,
    pub name: String,
    pub spec: Option<UserSpec>,
}

#[derive(Debug, Default)]
pub(crate) struct SecurityDecl {
    pub grants: Vec<Grant>,
    /// Principals declared by `[principals]` tables, even those granted nothing.
    pub principals: Vec<(String, Span)>,
    pub users: Vec<UserDecl>,
}

/// Reports a principal that is not `Type:name`; true when it is fine.
pub(crate) fn check_principal(ctx: &mut Ctx<'_>, principal: &str, span: &Span) -> bool {
    let ok = principal.split_once(':').is_some_and(|(kind, name)| {
        !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric()) && !name.is_empty()
    });
    if !ok {
        ctx.error(
            span,
            format!("principal `{principal}` is not of the form `Type:name`"),
            Some("Kafka principals name their type: \"User:orders-service\"".into()),
        );
    }
    ok
}

fn binding(
    resource_type: AclResourceType,
    name: &str,
    principal: &str,
    host: &str,
    operation: AclOperation,
) -> AclBinding {
    AclBinding {
        resource_type,
        name: name.to_string(),
        pattern: AclPattern::Literal,
        principal: principal.to_string(),
        host: host.to_string(),
        operation,
        permission: AclPermission::Allow,
    }
}

/// The exact bindings a consumer of `topics` in `groups` producing to `produces` needs.
pub(crate) struct Intent<'a> {
    pub principal: &'a str,
    pub host: &'a str,
    pub consumes: &'a [(String, Span)],
    pub groups: &'a [(String, Span)],
    pub produces: &'a [(String, Span)],
    pub transactional_ids: &'a [(String, Span)],
    pub idempotent: Option<&'a Span>,
}

impl Intent<'_> {
    pub(crate) fn expand(&self) -> Vec<Grant> {
        use AclOperation::*;
        let mut out = Vec::new();
        let mut add = |rt, (name, span): &(String, Span), ops: &[AclOperation]| {
            for op in ops {
                out.push(Grant {
                    binding: binding(rt, name, self.principal, self.host, *op),
                    span: span.clone(),
                });
            }
        };
        for t in self.consumes {
            add(AclResourceType::Topic, t, &[Read, Describe]);
        }
        for g in self.groups {
            add(AclResourceType::Group, g, &[Read]);
        }
        for t in self.produces {
            add(AclResourceType::Topic, t, &[Write, Describe]);
        }
        for t in self.transactional_ids {
            add(AclResourceType::TransactionalId, t, &[Write, Describe]);
        }
        if let Some(span) = self.idempotent {
            add(
                AclResourceType::Cluster,
                &(CLUSTER_RESOURCE_NAME.to_string(), span.clone()),
                &[IdempotentWrite],
            );
        }
        out
    }
}

fn host(ctx: &mut Ctx<'_>, v: Option<Item<'_>>) -> String {
    v.and_then(|v| {
        let h = ctx.string(v, "`host`")?;
        if h.trim().is_empty() {
            ctx.error(
                &v.span(),
                "`host` is empty",
                Some("\"*\" allows every host".into()),
            );
            return None;
        }
        Some(h)
    })
    .unwrap_or_else(|| "*".to_string())
}

/// `[[acls]]`: one table per resource pattern and principal, one binding per operation.
pub(crate) fn raw_acls(ctx: &mut Ctx<'_>, v: Item<'_>) -> Vec<Grant> {
    let mut out = Vec::new();
    let Value::Array(items) = v.value() else {
        let found = v.type_name();
        ctx.error(
            &v.span(),
            format!("`acls` must be an array of tables, found {found}"),
            Some("declare each ACL as [[acls]] with principal, resource, name, operations".into()),
        );
        return out;
    };
    for item in items.iter() {
        let Some(t) = ctx.expect_table(item, "each entry of `acls`") else {
            continue;
        };
        ctx.check_keys(t, ACL_KEYS, "[[acls]]", None);
        let principal = match t.get("principal") {
            Some(v) => ctx
                .string(v, "`principal`")
                .filter(|p| check_principal(ctx, p, &v.span())),
            None => {
                ctx.error(&item.span(), "ACL without a `principal`", None);
                None
            }
        };
        let resource = match t.get("resource") {
            Some(v) => ctx.string(v, "`resource`").and_then(|r| {
                let parsed = AclResourceType::parse(&r);
                if parsed.is_none() {
                    ctx.error(
                        &v.span(),
                        format!("unknown ACL resource type `{r}`"),
                        Some(suggest::help(&r, RESOURCE_TYPES)),
                    );
                }
                parsed
            }),
            None => {
                ctx.error(
                    &item.span(),
                    "ACL without a `resource`",
                    Some(format!("one of: {}", suggest::list(RESOURCE_TYPES))),
                );
                None
            }
        };
        let pattern = match t.get("pattern") {
            None => Some(AclPattern::Literal),
            Some(v) => ctx.string(v, "`pattern`").and_then(|p| match p.as_str() {
                "literal" => Some(AclPattern::Literal),
                "prefixed" => Some(AclPattern::Prefixed),
                _ => {
                    ctx.error(
                        &v.span(),
                        format!("unknown ACL pattern type `{p}`"),
                        Some(suggest::help(&p, PATTERNS)),
                    );
                    None
                }
            }),
        };
        if let (Some(AclResourceType::Cluster), Some(AclPattern::Prefixed), Some(v)) =
            (resource, pattern, t.get("pattern"))
        {
            ctx.error(
                &v.span(),
                "a cluster ACL cannot be prefixed",
                Some("the cluster is one resource; leave `pattern` out".into()),
            );
        }
        let name = match (resource, t.get("name")) {
            (Some(AclResourceType::Cluster), None) => {
                Some((CLUSTER_RESOURCE_NAME.to_string(), item.span()))
            }
            (Some(AclResourceType::Cluster), Some(v)) => {
                let n = ctx.string(v, "`name`");
                if n.as_deref() != Some(CLUSTER_RESOURCE_NAME) {
                    ctx.error(
                        &v.span(),
                        format!("the cluster resource is always named `{CLUSTER_RESOURCE_NAME}`"),
                        Some("leave `name` out for cluster ACLs".into()),
                    );
                }
                None
            }
            (_, Some(v)) => ctx.string(v, "`name`").and_then(|n| {
                if n.is_empty() {
                    ctx.error(
                        &v.span(),
                        "ACL resource name is empty",
                        Some(
                            "\"*\" with pattern \"literal\" means every resource of the type"
                                .into(),
                        ),
                    );
                    return None;
                }
                Some((n, v.span()))
            }),
            (_, None) => {
                ctx.error(&item.span(), "ACL without a resource `name`", None);
                None
            }
        };
        let mut operations = Vec::new();
        match t.get("operations") {
            None => ctx.error(
                &item.span(),
                "ACL without `operations`",
                Some("e.g. operations = [\"read\", \"describe\"]".into()),
            ),
            Some(v) => {
                for (op, span) in ctx.strings(v, "`operations`").unwrap_or_default() {
                    let Some(parsed) = AclOperation::parse(&op) else {
                        ctx.error(
                            &span,
                            format!("unknown ACL operation `{op}`"),
                            Some(suggest::help(
                                &op,
                                AclOperation::ALL.map(AclOperation::name),
                            )),
                        );
                        continue;
                    };
                    if let Some(rt) = resource {
                        if !rt.operations().contains(&parsed) {
                            ctx.error(
                                &span,
                                format!(
                                    "operation `{}` does not apply to a {} resource",
                                    parsed.name(),
                                    rt.name()
                                ),
                                Some(format!(
                                    "a {} takes: {}",
                                    rt.name(),
                                    suggest::list(rt.operations().iter().map(|o| o.name()))
                                )),
                            );
                            continue;
                        }
                    }
                    operations.push(parsed);
                }
            }
        }
        let permission = match t.get("permission") {
            None => Some(AclPermission::Allow),
            Some(v) => ctx
                .string(v, "`permission`")
                .and_then(|p| match p.as_str() {
                    "allow" => Some(AclPermission::Allow),
                    "deny" => Some(AclPermission::Deny),
                    _ => {
                        ctx.error(
                            &v.span(),
                            format!("unknown ACL permission `{p}`"),
                            Some(suggest::help(&p, PERMISSIONS)),
                        );
                        None
                    }
                }),
        };
        let host = host(ctx, t.get("host"));
        let (Some(principal), Some(rt), Some(pattern), Some((name, span)), Some(permission)) =
            (principal, resource, pattern, name, permission)
        else {
            continue;
        };
        for operation in operations {
            out.push(Grant {
                binding: AclBinding {
                    resource_type: rt,
                    name: name.clone(),
                    pattern,
                    principal: principal.clone(),
                    host: host.clone(),
                    operation,
                    permission,
                },
                span: span.clone(),
            });
        }
    }
    out
}

/// `[principals."User:NAME"]`: what a principal consumes and produces.
pub(crate) fn principals(ctx: &mut Ctx<'_>, v: Item<'_>, out: &mut SecurityDecl) {
    let Some(t) = ctx.expect_table(v, "`principals`") else {
        return;
    };
    for (k, value) in by_position(t) {
        let span = k.span();
        let Some(principal) = ctx.interpolate(&k.text(), &span) else {
            continue;
        };
        if !check_principal(ctx, &principal, &span) {
            continue;
        }
        let Some(body) = ctx.expect_table(value, &format!("principal `{principal}`")) else {
            continue;
        };
        ctx.check_keys(
            body,
            PRINCIPAL_KEYS,
            &format!("principal `{principal}`"),
            None,
        );
        let mut list = |key: &str| {
            body.get(key)
                .and_then(|v| ctx.strings(v, &format!("`{key}`")))
                .unwrap_or_default()
        };
        let consumes = list("consumes");
        let groups = list("groups");
        let produces = list("produces");
        let transactional_ids = list("transactional_ids");
        let idempotent = body.get("idempotent").and_then(|v| {
            ctx.boolean(v, "`idempotent`")
                .filter(|b| *b)
                .map(|_| v.span())
        });
        if !consumes.is_empty() && groups.is_empty() {
            ctx.warning(
                &span,
                format!("principal `{principal}` consumes topics but is granted no group"),
                Some(
                    "consumers that commit offsets need `groups = [\"GROUP\"]`; a group's \
                     `principal` grants it too"
                        .into(),
                ),
            );
        }
        let host = host(ctx, body.get("host"));
        let intent = Intent {
            principal: &principal,
            host: &host,
            consumes: &consumes,
            groups: &groups,
            produces: &produces,
            transactional_ids: &transactional_ids,
            idempotent: idempotent.as_ref(),
        };
        out.grants.extend(intent.expand());
        out.principals.push((principal, span));
    }
}

/// `[users."NAME"]`: SCRAM credentials whose password comes from the environment.
pub(crate) fn users(ctx: &mut Ctx<'_>, v: Item<'_>) -> Vec<UserDecl> {
    let mut out = Vec::new();
    let Some(t) = ctx.expect_table(v, "`users`") else {
        return out;
    };
    for (k, value) in by_position(t) {
        let span = k.span();
        let Some(name) = ctx.interpolate(&k.text(), &span) else {
            continue;
        };
        if name.is_empty() {
            ctx.error(&span, "user name is empty", None);
            continue;
        }
        let Some(body) = ctx.expect_table(value, &format!("user `{name}`")) else {
            continue;
        };
        ctx.check_keys(body, USER_KEYS, &format!("user `{name}`"), None);
        let password_env = match body.get("password") {
            None => {
                ctx.error(
                    &span,
                    format!("user `{name}` has no `password`"),
                    Some("add password = \"${ENV_VAR}\"; the value is read when apply runs".into()),
                );
                None
            }
            Some(v) => password_reference(ctx, v),
        };
        let mut mechanisms = BTreeSet::new();
        match body.get("mechanisms") {
            None => {
                mechanisms.insert(ScramMechanism::Sha512);
            }
            Some(v) => {
                for (m, span) in ctx.strings(v, "`mechanisms`").unwrap_or_default() {
                    match ScramMechanism::parse(&m) {
                        Some(parsed) => {
                            mechanisms.insert(parsed);
                        }
                        None => ctx.error(
                            &span,
                            format!("unknown SCRAM mechanism `{m}`"),
                            Some(suggest::help(
                                &m,
                                ScramMechanism::ALL.map(ScramMechanism::name),
                            )),
                        ),
                    }
                }
            }
        }
        let iterations = body
            .get("iterations")
            .and_then(|v| {
                let n = ctx.integer(v, "`iterations`")?;
                if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&n) {
                    ctx.error(
                        &v.span(),
                        format!(
                            "`iterations` must be between {MIN_ITERATIONS} and {MAX_ITERATIONS}, got {n}"
                        ),
                        None,
                    );
                    return None;
                }
                u32::try_from(n).ok()
            })
            .unwrap_or(DEFAULT_SCRAM_ITERATIONS);
        let rotate = body
            .get("rotate")
            .and_then(|v| ctx.boolean(v, "`rotate`"))
            .unwrap_or(false);
        let spec = password_env.map(|password_env| UserSpec {
            name: name.clone(),
            mechanisms,
            password_env,
            iterations,
            rotate,
        });
        out.push(UserDecl { span, name, spec });
    }
    out
}

/// The environment variable a password is read from. Only `"${NAME}"` is accepted: a
/// literal (or a default after `:-`) would put the secret in the file.
fn password_reference(ctx: &mut Ctx<'_>, v: Item<'_>) -> Option<String> {
    let Value::String(s) = v.value() else {
        let found = v.type_name();
        ctx.error(
            &v.span(),
            format!("`password` must be a string, found {found}"),
            None,
        );
        return None;
    };
    let var = s
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .filter(|n| {
            n.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    match var {
        Some(n) => Some(n.to_string()),
        None => {
            // The message never repeats the value: it may be the password itself.
            ctx.error(
                &v.span(),
                "`password` must name an environment variable, not hold the password",
                Some(
                    "write password = \"${USER_PASSWORD}\" and set USER_PASSWORD where apply runs"
                        .into(),
                ),
            );
            None
        }
    }
}

/// What the security sections expand to.
pub(crate) struct Expanded {
    pub acls: BTreeSet<AclBinding>,
    pub principals: BTreeSet<String>,
    pub users: BTreeMap<String, UserSpec>,
}

/// Adds the groups' intent forms, checks grants against the declared topics and groups,
/// and collects the principals and users.
pub(crate) fn expand(
    ctx: &mut Ctx<'_>,
    decl: &Decl,
    declared: &super::expand::TopicNames<'_>,
) -> Expanded {
    let mut grants = decl.security.grants.clone();
    for g in &decl.groups {
        let (Some(name), Some((principal, _))) = (&g.name, &g.principal) else {
            continue;
        };
        let group = [(name.clone(), g.span.clone())];
        let intent = Intent {
            principal,
            host: "*",
            consumes: &g.topics,
            groups: &group,
            produces: &g.produces,
            transactional_ids: &[],
            idempotent: None,
        };
        grants.extend(intent.expand());
    }
    let mut acls = BTreeSet::new();
    let mut warned = BTreeSet::new();
    for g in grants {
        let b = &g.binding;
        if b.resource_type == AclResourceType::Topic
            && b.pattern == AclPattern::Literal
            && b.name != "*"
            && !declared.contains(&b.name)
            && warned.insert((b.name.clone(), g.span.start))
        {
            let help = match suggest::closest(&b.name, declared.names()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "declare it under [topics], or check the name".to_string(),
            };
            ctx.warning(
                &g.span,
                format!(
                    "{} is granted access to topic `{}`, which this file does not declare",
                    b.principal, b.name
                ),
                Some(help),
            );
        }
        acls.insert(g.binding);
    }
    let mut principals: BTreeSet<String> = acls.iter().map(|b| b.principal.clone()).collect();
    principals.extend(decl.security.principals.iter().map(|(p, _)| p.clone()));
    let mut users = BTreeMap::new();
    let mut first: BTreeMap<String, Span> = BTreeMap::new();
    for u in &decl.security.users {
        if let Some(earlier) = first.get(&u.name) {
            let line = ctx.line_of(earlier);
            ctx.error(
                &u.span,
                format!("user `{}` is declared twice", u.name),
                Some(format!("already declared on line {line}")),
            );
            continue;
        }
        first.insert(u.name.clone(), u.span.clone());
        if let Some(spec) = &u.spec {
            users.insert(u.name.clone(), spec.clone());
        }
    }
    Expanded {
        acls,
        principals,
        users,
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{AclOperation, AclPattern, AclResourceType};
    use crate::spec::{load, Diagnostic};

    fn env(k: &str) -> Option<String> {
        (k == "SET").then(|| "value".to_string())
    }

    fn problems(source: &str) -> Vec<(usize, usize, String)> {
        let all: Vec<Diagnostic> = match load("t.toml", source, &env) {
            Ok(l) => l.warnings,
            Err(d) => d.0,
        };
        all.into_iter()
            .map(|d| (d.line, d.col, d.message))
            .collect()
    }

    const TOPIC: &str = "[topics.orders]\npartitions = 1\nreplication_factor = 1\n";

    #[test]
    fn a_group_principal_expands_to_the_exact_consumer_and_producer_acls() {
        let source = format!(
            "{TOPIC}[topics.orders-dlq]\npartitions = 1\nreplication_factor = 1\n\
             [groups.g]\ntopics = [\"orders\"]\nprincipal = \"User:w\"\nproduces = [\"orders-dlq\"]\n"
        );
        let loaded = load("t.toml", &source, &env).expect("valid");
        let got: Vec<(AclResourceType, &str, AclOperation)> = loaded
            .desired
            .acls
            .iter()
            .map(|a| (a.resource_type, a.name.as_str(), a.operation))
            .collect();
        use AclOperation::*;
        use AclResourceType::*;
        assert_eq!(
            got,
            [
                (Topic, "orders", Read),
                (Topic, "orders", Describe),
                (Topic, "orders-dlq", Write),
                (Topic, "orders-dlq", Describe),
                (Group, "g", Read),
            ]
        );
        assert!(loaded
            .desired
            .acls
            .iter()
            .all(|a| a.principal == "User:w" && a.host == "*" && a.pattern == AclPattern::Literal));
        assert_eq!(
            loaded.desired.principals.iter().collect::<Vec<_>>(),
            ["User:w"]
        );
    }

    #[test]
    fn raw_acl_mistakes_are_located() {
        let p = problems(
            "[[acls]]\nprincipal = \"workers\"\nresource = \"topik\"\nname = \"x\"\n\
             operations = [\"reed\"]\n\
             [[acls]]\nprincipal = \"User:a\"\nresource = \"cluster\"\npattern = \"prefixed\"\n\
             operations = [\"read\"]\n",
        );
        let messages: Vec<(usize, &str)> = p.iter().map(|(l, _, m)| (*l, m.as_str())).collect();
        assert_eq!(
            messages,
            [
                (2, "principal `workers` is not of the form `Type:name`"),
                (3, "unknown ACL resource type `topik`"),
                (5, "unknown ACL operation `reed`"),
                (9, "a cluster ACL cannot be prefixed"),
                (10, "operation `read` does not apply to a cluster resource"),
            ]
        );
    }

    #[test]
    fn a_grant_on_an_undeclared_topic_is_a_warning() {
        let p = problems(&format!(
            "{TOPIC}[principals.\"User:r\"]\nconsumes = [\"orderz\"]\ngroups = [\"g\"]\n"
        ));
        assert_eq!(
            p,
            [(
                5,
                13,
                "User:r is granted access to topic `orderz`, which this file does not declare"
                    .to_string()
            )]
        );
    }

    #[test]
    fn a_password_must_come_from_the_environment() {
        let p = problems("[users.u]\npassword = \"hunter2\"\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].0, p[0].1), (2, 12));
        assert!(p[0].2.contains("must name an environment variable"));
        assert!(!p[0].2.contains("hunter2"));
        let p = problems("[users.u]\npassword = \"${SET:-hunter2}\"\n");
        assert_eq!(p.len(), 1, "a default is a literal too: {p:?}");

        let loaded = load(
            "t.toml",
            "[users.u]\npassword = \"${UNSET_IS_FINE_UNTIL_APPLY}\"\nmechanisms = [\"SCRAM-SHA-256\"]\n",
            &env,
        )
        .expect("valid");
        let u = &loaded.desired.users["u"];
        assert_eq!(u.password_env, "UNSET_IS_FINE_UNTIL_APPLY");
        assert_eq!(u.iterations, 4096);
        assert!(!u.rotate);
    }

    #[test]
    fn produces_without_a_principal_is_an_error() {
        let p = problems(&format!(
            "{TOPIC}[groups.g]\ntopics = [\"orders\"]\nproduces = [\"orders\"]\n"
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].2.contains("says what it produces but not who it is"));
    }
}
