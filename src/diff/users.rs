//! SCRAM user diffs: a declared mechanism without a credential is created; an existing
//! credential is rewritten only when the file asks for a rotation, since a password can
//! never be read back to compare.

use crate::diff::topics::Outcome;
use crate::model::{DesiredState, LiveState};
use crate::plan::{Action, Change, Op, Phase, Resource, ScramCredential};

pub(crate) fn diff_users(desired: &DesiredState, live: &LiveState, out: &mut Outcome) {
    for user in desired.users.values() {
        let existing = live.scram.get(&user.name);
        let has = |m| existing.is_some_and(|e| e.contains_key(m));
        let mut credentials = Vec::new();
        let mut changes = Vec::new();
        let mut rotation = false;
        for m in &user.mechanisms {
            if has(m) && !user.rotate {
                continue;
            }
            let before = existing
                .and_then(|e| e.get(m))
                .map(|i| format!("{i} iterations"));
            rotation |= before.is_some();
            let after = if before.is_some() {
                format!("new password from ${}", user.password_env)
            } else {
                format!(
                    "{} iterations, password from ${}",
                    user.iterations, user.password_env
                )
            };
            changes.push(Change::set(m.name(), before, after));
            credentials.push(ScramCredential {
                mechanism: *m,
                iterations: user.iterations,
            });
        }
        if credentials.is_empty() {
            continue;
        }
        out.actions.push(Action {
            phase: Phase::Users,
            resource: Resource::user(&user.name),
            op: Op::SetScramCredentials {
                credentials,
                password_env: user.password_env.clone(),
                rotation,
            },
            changes,
            risks: Vec::new(),
            note: None,
        });
    }
}
