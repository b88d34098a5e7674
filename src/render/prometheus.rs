//! Drift as metrics: the Prometheus text exposition of a plan, one gauge per drift kind, so
//! a cron job can feed a dashboard (node_exporter's textfile collector or a pushgateway).
//! Pure, like every renderer.

use std::fmt::Write as _;

use crate::plan::{Category, Plan, WarningKind};

pub fn prometheus(plan: &Plan) -> String {
    let count_ops = |c: Category| plan.actions.iter().filter(|a| a.op.category() == c).count();
    let warnings = |k: WarningKind| plan.warnings.iter().filter(|w| w.kind == k).count();
    let gauges: [(&str, &str, usize); 9] = [
        (
            "topo_drift_create",
            "Resources the plan would create.",
            plan.summary.create,
        ),
        (
            "topo_drift_update",
            "Resources the plan would change in place.",
            plan.summary.update,
        ),
        (
            "topo_drift_delete",
            "Resources the plan would delete.",
            plan.summary.delete,
        ),
        (
            "topo_drift_refused",
            "Changes the plan refuses.",
            plan.summary.refused,
        ),
        (
            "topo_drift_lag_over_budget",
            "Group/topic pairs whose lag exceeds the declared budget.",
            plan.drift.len(),
        ),
        (
            "topo_drift_unmanaged_overrides",
            "Topics with live config overrides not in the file.",
            warnings(WarningKind::UnmanagedOverride),
        ),
        (
            "topo_drift_orphan_topics",
            "Topics in the managed scope but not declared.",
            warnings(WarningKind::Orphan),
        ),
        (
            "topo_drift_unmanaged_groups",
            "Undeclared groups consuming managed topics.",
            warnings(WarningKind::UnmanagedGroup),
        ),
        (
            "topo_drift_actions",
            "Actions in the plan.",
            count_ops(Category::Create) + count_ops(Category::Update) + count_ops(Category::Delete),
        ),
    ];
    let mut out = String::new();
    for (name, help, value) in gauges {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    }
    let _ = writeln!(out, "# HELP topo_group_lag Lag of a declared group on a topic (messages).\n# TYPE topo_group_lag gauge");
    for g in &plan.groups {
        for (topic, view) in &g.topics {
            let _ = writeln!(
                out,
                "topo_group_lag{{group=\"{}\",topic=\"{}\"}} {}",
                label_value(&g.name),
                label_value(topic),
                view.lag
            );
        }
    }
    let risky = plan.actions.iter().filter(|a| !a.risks.is_empty()).count();
    let _ = writeln!(out, "# HELP topo_drift_risky_actions Actions carrying a risk note.\n# TYPE topo_drift_risky_actions gauge\ntopo_drift_risky_actions {risky}");
    out
}

/// A label value as the text format requires it: backslash, double quote and line feed
/// escaped. Group names may hold any of them; topic names cannot, but are escaped alike.
fn label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}
