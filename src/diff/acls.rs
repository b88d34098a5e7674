//! ACL diffs: grants the file declares and the cluster lacks, and ACLs of declared
//! principals the file no longer declares (reported, revoked only by policy opt-in).
//! Principals the file never mentions are not looked at.

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::topics::Outcome;
use crate::model::{AclBinding, DesiredState, LiveAcls, LiveState, Policy};
use crate::plan::{Action, Change, Op, Phase, Resource, Warning, WarningKind};
use crate::units::plural;

/// The plan line of one ACL: who, what, from where; the permission is the value.
fn change_key(acl: &AclBinding) -> String {
    format!(
        "{} {} from {}",
        acl.principal,
        acl.operation.kafka_name(),
        acl.host
    )
}

fn by_resource<'a>(
    acls: impl Iterator<Item = &'a AclBinding>,
) -> BTreeMap<Resource, Vec<AclBinding>> {
    let mut out: BTreeMap<Resource, Vec<AclBinding>> = BTreeMap::new();
    for acl in acls {
        out.entry(Resource::protected_by(acl))
            .or_default()
            .push(acl.clone());
    }
    out
}

pub(crate) fn diff_acls(
    desired: &DesiredState,
    live: &LiveState,
    policy: &Policy,
    out: &mut Outcome,
) {
    let current = match &live.acls {
        LiveAcls::NotRead => return,
        LiveAcls::NoAuthorizer => {
            if !desired.acls.is_empty() {
                out.warnings.push(Warning {
                    kind: WarningKind::NoAuthorizer,
                    resource: Resource {
                        kind: crate::plan::ResourceKind::Cluster,
                        name: crate::model::CLUSTER_RESOURCE_NAME.to_string(),
                    },
                    keys: Vec::new(),
                    message: format!(
                        "{} not planned: the cluster enforces no ACLs (its brokers run \
                         without an authorizer)",
                        plural(desired.acls.len(), "declared ACL is", "declared ACLs are")
                    ),
                });
            }
            return;
        }
        LiveAcls::Unknown(why) => {
            if !desired.acls.is_empty() {
                out.warnings.push(Warning {
                    kind: WarningKind::AclsUnknown,
                    resource: Resource {
                        kind: crate::plan::ResourceKind::Cluster,
                        name: crate::model::CLUSTER_RESOURCE_NAME.to_string(),
                    },
                    keys: Vec::new(),
                    message: format!(
                        "{why}; the {} not planned",
                        plural(desired.acls.len(), "declared ACL is", "declared ACLs are")
                    ),
                });
            }
            return;
        }
        LiveAcls::Read(acls) => acls,
    };
    let missing = desired.acls.difference(current);
    for (resource, acls) in by_resource(missing) {
        let changes = acls
            .iter()
            .map(|a| Change::set(change_key(a), None, a.permission.name()))
            .collect();
        out.actions.push(Action {
            phase: Phase::Grants,
            resource,
            op: Op::CreateAcls { acls },
            changes,
            risks: Vec::new(),
            note: None,
        });
    }
    let undeclared: BTreeSet<&AclBinding> = current
        .iter()
        .filter(|a| desired.principals.contains(&a.principal) && !desired.acls.contains(*a))
        .collect();
    for (resource, acls) in by_resource(undeclared.into_iter()) {
        if policy.remove_undeclared_acls {
            let changes = acls
                .iter()
                .map(|a| Change::unset(change_key(a), Some(a.permission.name().to_string())))
                .collect();
            out.actions.push(Action {
                phase: Phase::Revokes,
                resource,
                op: Op::DeleteAcls { acls },
                changes,
                risks: Vec::new(),
                note: None,
            });
        } else {
            let keys: Vec<String> = acls
                .iter()
                .map(|a| format!("{} {}", change_key(a), a.permission.name()))
                .collect();
            out.warnings.push(Warning {
                kind: WarningKind::UndeclaredAcl,
                resource,
                message: format!(
                    "{} of declared principals not in the file: {}; left alone \
                     (policy.remove_undeclared_acls = true revokes them)",
                    plural(keys.len(), "ACL", "ACLs"),
                    keys.join(", ")
                ),
                keys,
            });
        }
    }
}
