//! The executor's own checks, made on every plan before any write whatever produced it:
//! apply never touches Kafka's internal or the platform's topics (nor those
//! `policy.protected` names), never acts outside the plan's recorded scope, never deletes
//! without the recorded `policy.delete_undeclared` opt-in, and never commits offsets for a
//! group the topology does not declare, and writes ACLs and SCRAM credentials only for
//! the principals and users the topology declares (revoking only with the recorded
//! `policy.remove_undeclared_acls` opt-in). The diff already keeps to these rules; these
//! checks hold even if a plan was edited or the diff has a bug.

use crate::plan::{Op, Phase, Plan, ResourceKind};

/// The expected phase of each operation, so an edited phase cannot reorder writes.
fn phase_of(op: &Op) -> Phase {
    match op {
        Op::CreateTopic { .. } => Phase::CreateTopics,
        Op::CreatePartitions { .. } => Phase::Partitions,
        Op::AlterConfigs { .. } => Phase::Configs,
        Op::CommitGroupOffsets { .. } => Phase::GroupOffsets,
        Op::DeleteTopic => Phase::Deletes,
        Op::SetScramCredentials { .. } => Phase::Users,
        Op::CreateAcls { .. } => Phase::Grants,
        Op::DeleteAcls { .. } => Phase::Revokes,
    }
}

/// Every rule the plan breaks, one line each; empty when it may run.
pub fn violations(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let scope = &plan.scope;
    let policy = &plan.policy;
    for a in &plan.actions {
        let name = &a.resource.name;
        let what = format!("{} ({})", a.resource, a.label());
        if a.phase != phase_of(&a.op) {
            out.push(format!("{what}: listed in the wrong phase"));
        }
        match &a.op {
            Op::CreateAcls { acls } | Op::DeleteAcls { acls } => {
                for acl in acls
                    .iter()
                    .filter(|b| !scope.principals.contains(&b.principal))
                {
                    out.push(format!(
                        "{what}: {} is not a principal the topology declares",
                        acl.principal
                    ));
                }
                if matches!(a.op, Op::DeleteAcls { .. }) && !policy.remove_undeclared_acls {
                    out.push(format!(
                        "{what}: revoking ACLs needs policy.remove_undeclared_acls = true, \
                         which the plan does not record"
                    ));
                }
                continue;
            }
            Op::SetScramCredentials { .. } => {
                if a.resource.kind != ResourceKind::User || !scope.users.contains(name) {
                    out.push(format!("{what}: the user is not declared in the topology"));
                }
                continue;
            }
            _ => {}
        }
        let is_group_op = matches!(a.op, Op::CommitGroupOffsets { .. });
        let expected = if is_group_op {
            ResourceKind::Group
        } else {
            ResourceKind::Topic
        };
        if a.resource.kind != expected {
            out.push(format!(
                "{what}: the operation does not apply to this kind of resource"
            ));
            continue;
        }
        match &a.op {
            Op::CommitGroupOffsets { topics, .. } => {
                if !scope.groups.contains(name) {
                    out.push(format!(
                        "{what}: the group is not declared in the topology; topo commits offsets only for declared groups"
                    ));
                }
                for t in topics.keys() {
                    if policy.is_protected(t) {
                        out.push(format!("{what}: `{t}` is an internal or protected topic"));
                    } else if !scope.topics.contains(t) {
                        out.push(format!("{what}: `{t}` is not a declared topic"));
                    }
                }
            }
            _ if policy.is_protected(name) => out.push(format!(
                "{what}: an internal, platform or protected topic; topo never touches it"
            )),
            Op::DeleteTopic => {
                if scope.topics.contains(name) {
                    out.push(format!("{what}: the topic is declared in the topology"));
                } else if !scope.manage.iter().any(|p| p.matches(name)) {
                    out.push(format!(
                        "{what}: outside the managed scope (policy.prefixes / policy.patterns)"
                    ));
                } else if policy
                    .delete_within
                    .as_ref()
                    .is_some_and(|within| !within.iter().any(|p| p.matches(name)))
                {
                    out.push(format!(
                        "{what}: outside the scopes whose files opted in to delete_undeclared"
                    ));
                } else if !policy.delete_undeclared {
                    out.push(format!(
                        "{what}: deletes need policy.delete_undeclared = true, which the plan does not record"
                    ));
                }
            }
            Op::CreateAcls { .. } | Op::DeleteAcls { .. } | Op::SetScramCredentials { .. } => {}
            Op::CreateTopic { .. } | Op::CreatePartitions { .. } | Op::AlterConfigs { .. } => {
                if !scope.topics.contains(name) {
                    out.push(format!("{what}: the topic is not declared in the topology"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::model::{OffsetPolicy, Policy, ScopePattern};
    use crate::plan::{Action, Resource, Scope};

    fn action(phase: Phase, resource: Resource, op: Op) -> Action {
        Action {
            phase,
            resource,
            op,
            changes: vec![],
            risks: vec![],
            note: None,
        }
    }

    fn plan(actions: Vec<Action>, delete_undeclared: bool) -> Plan {
        let mut p = Plan::new(
            "t.toml".into(),
            Default::default(),
            crate::plan::fingerprint::Observation {
                fingerprint: String::new(),
                parts: BTreeMap::new(),
            },
            Scope {
                topics: BTreeSet::from(["orders".to_string()]),
                groups: BTreeSet::from(["g".to_string()]),
                manage: vec![ScopePattern::Glob("*".into())],
                ..Scope::default()
            },
            actions,
            vec![],
            vec![],
            vec![],
            vec![],
        );
        p.policy = Policy {
            manage: vec![ScopePattern::Glob("*".into())],
            delete_undeclared,
            protected: vec![ScopePattern::Prefix("audit".into())],
            ..Policy::default()
        };
        p
    }

    fn delete(name: &str) -> Action {
        action(Phase::Deletes, Resource::topic(name), Op::DeleteTopic)
    }

    #[test]
    fn declared_work_and_opted_in_deletes_pass() {
        let p = plan(
            vec![
                action(
                    Phase::Partitions,
                    Resource::topic("orders"),
                    Op::CreatePartitions { from: 1, to: 2 },
                ),
                delete("legacy"),
            ],
            true,
        );
        assert_eq!(violations(&p), Vec::<String>::new());
    }

    #[test]
    fn each_forbidden_action_is_named() {
        let commit = |group: &str, topic: &str| {
            action(
                Phase::GroupOffsets,
                Resource::group(group),
                Op::CommitGroupOffsets {
                    policy: OffsetPolicy::Earliest,
                    topics: BTreeMap::from([(topic.to_string(), 1)]),
                },
            )
        };
        let cases: Vec<(Action, bool, &str)> = vec![
            (delete("__consumer_offsets"), true, "internal"),
            (delete("connect-offsets"), true, "internal"),
            (delete("_confluent-metrics"), true, "internal"),
            (delete("audit-log"), true, "protected"),
            (delete("legacy"), false, "delete_undeclared"),
            (delete("orders"), true, "declared in the topology"),
            (
                action(
                    Phase::Configs,
                    Resource::topic("elsewhere"),
                    Op::AlterConfigs {
                        set: crate::model::ConfigMap::from_iter([(
                            "retention.ms".into(),
                            "1".into(),
                        )]),
                        delete: BTreeSet::new(),
                    },
                ),
                true,
                "not declared",
            ),
            (
                commit("intruder", "orders"),
                true,
                "not declared in the topology",
            ),
            (commit("g", "__consumer_offsets"), true, "internal"),
            (
                action(
                    Phase::CreateTopics,
                    Resource::topic("legacy"),
                    Op::DeleteTopic,
                ),
                true,
                "wrong phase",
            ),
        ];
        for (a, opt_in, expected) in cases {
            let shown = format!("{:?}", a.resource);
            let v = violations(&plan(vec![a], opt_in));
            assert!(
                v.iter().any(|m| m.contains(expected)),
                "{shown}: expected `{expected}` in {v:?}"
            );
        }
        let mut outside = plan(vec![delete("legacy")], true);
        outside.scope.manage = vec![ScopePattern::Prefix("orders-".into())];
        assert!(violations(&outside)[0].contains("outside the managed scope"));
    }

    #[test]
    fn acls_and_credentials_only_for_declared_principals_and_users() {
        use crate::model::{AclOperation, AclPattern, AclPermission, AclResourceType};
        let binding = |principal: &str| crate::model::AclBinding {
            resource_type: AclResourceType::Topic,
            name: "orders".into(),
            pattern: AclPattern::Literal,
            principal: principal.into(),
            host: "*".into(),
            operation: AclOperation::Read,
            permission: AclPermission::Allow,
        };
        let grant = action(
            Phase::Grants,
            Resource::topic("orders"),
            Op::CreateAcls {
                acls: vec![binding("User:app"), binding("User:intruder")],
            },
        );
        let revoke = action(
            Phase::Revokes,
            Resource::topic("orders"),
            Op::DeleteAcls {
                acls: vec![binding("User:app")],
            },
        );
        let user = |name: &str| {
            action(
                Phase::Users,
                Resource::user(name),
                Op::SetScramCredentials {
                    credentials: vec![],
                    password_env: "P".into(),
                    rotation: false,
                },
            )
        };
        let mut p = plan(vec![grant, revoke, user("app"), user("stranger")], false);
        p.scope.principals = BTreeSet::from(["User:app".to_string()]);
        p.scope.users = BTreeSet::from(["app".to_string()]);
        assert_eq!(
            violations(&p),
            [
                "user \"stranger\" (create credentials): the user is not declared in the topology",
                "topic \"orders\" (grant access): User:intruder is not a principal the topology declares",
                "topic \"orders\" (revoke access): revoking ACLs needs policy.remove_undeclared_acls = true, which the plan does not record",
            ]
        );
        p.policy.remove_undeclared_acls = true;
        assert_eq!(violations(&p).len(), 2);
    }
}
