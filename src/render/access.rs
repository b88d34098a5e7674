//! The access-control part of what `topo import` writes: the ACLs that protect the imported
//! topics and groups, folded back into `[principals."Type:name"]` intent tables wherever
//! the expansion of the table gives back exactly those ACLs, and raw `[[acls]]` for the
//! rest (denies, other hosts, other operations). Pure: the caller reads the ACLs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::model::{AclBinding, AclOperation, AclPattern, AclPermission, AclResourceType};

use super::topology::{key, string};

/// The intent form of one principal.
#[derive(Debug, Default)]
struct Intent {
    consumes: BTreeSet<String>,
    groups: BTreeSet<String>,
    produces: BTreeSet<String>,
    transactional_ids: BTreeSet<String>,
}

fn plain(acl: &AclBinding) -> bool {
    acl.pattern == AclPattern::Literal && acl.host == "*" && acl.permission == AclPermission::Allow
}

/// `[principals]` and `[[acls]]` for every literal ACL on `topics` or `groups`.
pub fn acls_toml(
    acls: &BTreeSet<AclBinding>,
    topics: &BTreeSet<String>,
    groups: &BTreeSet<String>,
) -> String {
    let in_scope: BTreeSet<&AclBinding> = acls
        .iter()
        .filter(|a| a.pattern == AclPattern::Literal)
        .filter(|a| match a.resource_type {
            AclResourceType::Topic => topics.contains(&a.name),
            AclResourceType::Group => groups.contains(&a.name),
            AclResourceType::Cluster | AclResourceType::TransactionalId => false,
        })
        .collect();
    let by_principal: BTreeMap<&str, Vec<&AclBinding>> =
        in_scope.iter().fold(BTreeMap::new(), |mut m, a| {
            m.entry(a.principal.as_str()).or_default().push(*a);
            m
        });

    let mut intents = String::new();
    let mut raw = String::new();
    for (principal, acls) in by_principal {
        let has = |rt: AclResourceType, name: &str, op: AclOperation| {
            acls.iter()
                .any(|a| plain(a) && a.resource_type == rt && a.name == name && a.operation == op)
        };
        let mut intent = Intent::default();
        let mut folded: BTreeSet<&AclBinding> = BTreeSet::new();
        for a in acls.iter().filter(|a| plain(a)) {
            let (rt, name) = (a.resource_type, a.name.as_str());
            let topic = rt == AclResourceType::Topic;
            if topic && has(rt, name, AclOperation::Read) && has(rt, name, AclOperation::Describe) {
                intent.consumes.insert(name.to_string());
            }
            if topic && has(rt, name, AclOperation::Write) && has(rt, name, AclOperation::Describe)
            {
                intent.produces.insert(name.to_string());
            }
            if rt == AclResourceType::Group && a.operation == AclOperation::Read {
                intent.groups.insert(name.to_string());
            }
        }
        // What the intent table expands to is exactly what it takes off the raw list.
        for a in acls.iter().filter(|a| plain(a)) {
            let name = &a.name;
            let covered = match (a.resource_type, a.operation) {
                (AclResourceType::Topic, AclOperation::Read) => intent.consumes.contains(name),
                (AclResourceType::Topic, AclOperation::Write) => intent.produces.contains(name),
                (AclResourceType::Topic, AclOperation::Describe) => {
                    intent.consumes.contains(name) || intent.produces.contains(name)
                }
                (AclResourceType::Group, AclOperation::Read) => intent.groups.contains(name),
                _ => false,
            };
            if covered {
                folded.insert(a);
            }
        }
        if !folded.is_empty() {
            let _ = writeln!(intents, "\n[principals.{}]", key(principal));
            for (field, names) in [
                ("consumes", &intent.consumes),
                ("groups", &intent.groups),
                ("produces", &intent.produces),
                ("transactional_ids", &intent.transactional_ids),
            ] {
                if !names.is_empty() {
                    let list: Vec<String> = names.iter().map(|n| string(n)).collect();
                    let _ = writeln!(intents, "{field} = [{}]", list.join(", "));
                }
            }
        }
        // The rest, one table per resource, host and permission.
        let mut rest: BTreeMap<(AclResourceType, &str, &str, AclPermission), Vec<&str>> =
            BTreeMap::new();
        for a in acls.iter().filter(|a| !folded.contains(*a)) {
            rest.entry((a.resource_type, &a.name, &a.host, a.permission))
                .or_default()
                .push(a.operation.name());
        }
        for ((rt, name, host, permission), ops) in rest {
            let _ = writeln!(raw, "\n[[acls]]");
            let _ = writeln!(raw, "principal = {}", string(principal));
            let _ = writeln!(raw, "resource = \"{}\"", rt.name());
            let _ = writeln!(raw, "name = {}", string(name));
            let ops: Vec<String> = ops.iter().map(|o| format!("\"{o}\"")).collect();
            let _ = writeln!(raw, "operations = [{}]", ops.join(", "));
            if host != "*" {
                let _ = writeln!(raw, "host = {}", string(host));
            }
            if permission == AclPermission::Deny {
                let _ = writeln!(raw, "permission = \"deny\"");
            }
        }
    }
    format!("{intents}{raw}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(rt: AclResourceType, name: &str, op: AclOperation) -> AclBinding {
        AclBinding {
            resource_type: rt,
            name: name.into(),
            pattern: AclPattern::Literal,
            principal: "User:w".into(),
            host: "*".into(),
            operation: op,
            permission: AclPermission::Allow,
        }
    }

    #[test]
    fn exact_consumer_acls_fold_into_intent_and_the_rest_stays_raw() {
        use AclOperation::*;
        use AclResourceType::*;
        let mut acls: BTreeSet<AclBinding> = [
            acl(Topic, "events", Read),
            acl(Topic, "events", Describe),
            acl(Group, "workers", Read),
            acl(Topic, "events-dlq", Write),
            acl(Topic, "events-dlq", Describe),
            acl(Topic, "events", AlterConfigs),
            acl(Topic, "elsewhere", Read),
        ]
        .into_iter()
        .collect();
        let mut deny = acl(Topic, "events", Write);
        deny.permission = AclPermission::Deny;
        acls.insert(deny);
        let topics = ["events", "events-dlq"].map(String::from).into();
        let groups = ["workers"].map(String::from).into();
        assert_eq!(
            acls_toml(&acls, &topics, &groups),
            "\n[principals.\"User:w\"]\nconsumes = [\"events\"]\ngroups = [\"workers\"]\n\
             produces = [\"events-dlq\"]\n\n[[acls]]\nprincipal = \"User:w\"\n\
             resource = \"topic\"\nname = \"events\"\noperations = [\"alter_configs\"]\n\n\
             [[acls]]\nprincipal = \"User:w\"\nresource = \"topic\"\nname = \"events\"\n\
             operations = [\"write\"]\npermission = \"deny\"\n"
        );
    }
}
