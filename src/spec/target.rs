//! Targeted plans (`--target topic:NAME`, `--target group:NAME`): the desired state cut
//! down to the named resources and what they depend on, a topic's dead-letter topic and a
//! group's topics. Nothing outside the cut is read, diffed or touched; in particular no
//! undeclared topic is ever deleted by a partial plan.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::model::{DesiredState, Policy, ScopePattern};

use super::suggest;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetKind {
    Topic,
    Group,
}

/// One `--target` argument: a kind and a name or glob (`*`, `?`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    pub kind: TargetKind,
    pub pattern: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            TargetKind::Topic => "topic",
            TargetKind::Group => "group",
        };
        write!(f, "{kind}:{}", self.pattern)
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (kind, pattern) = match text.split_once(':') {
            Some(("topic", p)) => (TargetKind::Topic, p),
            Some(("group", p)) => (TargetKind::Group, p),
            _ => {
                return Err(format!(
                    "`{text}` is not a target; write topic:NAME or group:NAME (globs allowed)"
                ))
            }
        };
        if pattern.is_empty() {
            return Err(format!("`{text}` names nothing after the colon"));
        }
        Ok(Target {
            kind,
            pattern: pattern.to_string(),
        })
    }
}

impl Target {
    fn matches(&self, name: &str) -> bool {
        ScopePattern::Glob(self.pattern.clone()).matches(name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("--target {target} matches no declared {kind}{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    NoMatch {
        target: String,
        kind: &'static str,
        suggestion: Option<String>,
    },
}

/// The desired state restricted to `targets` and their dependencies. Every target must
/// match at least one declared resource: a typo must not plan "nothing to do".
pub fn restrict(desired: &DesiredState, targets: &[Target]) -> Result<DesiredState, TargetError> {
    let mut topics: BTreeSet<String> = BTreeSet::new();
    let mut groups: BTreeSet<String> = BTreeSet::new();
    for target in targets {
        let (names, kind): (Vec<&String>, _) = match target.kind {
            TargetKind::Topic => (desired.topics.keys().collect(), "topic"),
            TargetKind::Group => (desired.groups.keys().collect(), "group"),
        };
        let hits: Vec<&String> = names
            .iter()
            .copied()
            .filter(|n| target.matches(n))
            .collect();
        if hits.is_empty() {
            return Err(TargetError::NoMatch {
                target: target.to_string(),
                kind,
                suggestion: suggest::closest(&target.pattern, names.iter().map(|n| n.as_str()))
                    .map(str::to_string),
            });
        }
        match target.kind {
            TargetKind::Topic => topics.extend(hits.into_iter().cloned()),
            TargetKind::Group => groups.extend(hits.into_iter().cloned()),
        }
    }
    for g in &groups {
        if let Some(spec) = desired.groups.get(g) {
            topics.extend(
                spec.topics
                    .iter()
                    .filter(|t| desired.topics.contains_key(t))
                    .cloned(),
            );
        }
    }
    // A topic's dead-letter topic travels with it.
    let dlqs: Vec<String> = desired
        .topics
        .values()
        .filter(|t| t.dlq_of().is_some_and(|p| topics.contains(p)))
        .map(|t| t.name.clone())
        .collect();
    topics.extend(dlqs);

    let mut out = DesiredState {
        cluster: desired.cluster.clone(),
        topics: desired
            .topics
            .values()
            .filter(|t| topics.contains(&t.name))
            .cloned()
            .collect(),
        groups: desired
            .groups
            .iter()
            .filter(|(n, _)| groups.contains(*n))
            .map(|(n, g)| (n.clone(), g.clone()))
            .collect(),
        // Only declared resources are in a partial plan's reach: no orphans, no deletes.
        policy: Policy {
            manage: Vec::new(),
            delete_undeclared: false,
            remove_unmanaged_config: desired.policy.remove_unmanaged_config,
            delete_within: None,
            remove_undeclared_acls: false,
            protected: desired.policy.protected.clone(),
        },
        origins: desired.origins.clone(),
        // The grants that protect the targeted topics and groups; nothing is revoked.
        acls: desired
            .acls
            .iter()
            .filter(|a| match a.resource_type {
                crate::model::AclResourceType::Topic => topics.contains(&a.name),
                crate::model::AclResourceType::Group => groups.contains(&a.name),
                _ => false,
            })
            .cloned()
            .collect(),
        principals: Default::default(),
        users: Default::default(),
    };
    out.principals = out.acls.iter().map(|a| a.principal.clone()).collect();
    out.origins.topics.retain(|n, _| topics.contains(n));
    out.origins.groups.retain(|n, _| groups.contains(n));
    Ok(out)
}
