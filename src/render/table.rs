//! The summary table: one row per resource (what happens to it, in a few words, and whether
//! it carries a risk or a refusal), then the plan's totals.
//!
//! Pure: returns the text, no IO. The table is laid out for a fixed width with terminal
//! detection switched off, so it is the same in a terminal, a CI log and a snapshot.

use comfy_table::{presets, CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};

use super::{blocks, drift_line, is_noop, no_changes_line, plan_line, Block, Mark};
use crate::plan::{Op, Plan, RiskKind};
use crate::units::plural;

/// Columns wrap inside this width instead of following the terminal's.
const TABLE_WIDTH: u16 = 100;

/// A table for the status and partition reports, laid out for `width` columns or unwrapped
/// without one. The width is decided by the caller (the terminal's, at the IO edge), never
/// detected here, so the same inputs always render the same text.
pub(crate) fn grid(header: &[&str], width: Option<u16>) -> Table {
    let mut table = Table::new();
    table.force_no_tty();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    if let Some(width) = width {
        table.set_content_arrangement(ContentArrangement::Dynamic);
        table.set_width(width);
    }
    table.set_header(header.iter().copied());
    table
}

pub(crate) fn align_right(table: &mut Table, columns: &[usize]) {
    for &i in columns {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn risk_name(kind: RiskKind) -> &'static str {
    match kind {
        RiskKind::KeyRemap => "key remap",
        RiskKind::RetentionDecrease => "retention decrease",
        RiskKind::CleanupPolicyChange => "cleanup policy change",
        RiskKind::DataLoss => "data loss",
    }
}

/// One `! kind` per line, empty when the resource carries no risk.
fn flag(block: &Block<'_>) -> Vec<String> {
    let mut kinds: Vec<RiskKind> = block
        .actions
        .iter()
        .flat_map(|a| a.risks.iter().map(|r| r.kind))
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|k| format!("! {}", risk_name(k)))
        .collect()
}

/// The generic action word; the details column carries notes such as `dead-letter of X`.
fn action(block: &Block<'_>) -> String {
    let mut text = format!("{} {}", block.mark.glyph(), block.action);
    if block.mark != Mark::Refused && block.is_refused() {
        text.push_str(", refused");
    }
    text
}

/// What happens to the resource, one short entry per action or refusal: `partitions 6 → 8`,
/// `2 configs`, `refused: partitions 12 → 6`.
fn details(block: &Block<'_>) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for action in &block.actions {
        parts.push(match &action.op {
            Op::CreateTopic {
                partitions,
                replication_factor,
                config,
            } => {
                let mut text = format!(
                    "{}, rf {replication_factor}",
                    plural(*partitions as usize, "partition", "partitions")
                );
                if !config.is_empty() {
                    text.push_str(&format!(", {}", plural(config.len(), "config", "configs")));
                }
                if let Some(note) = &action.note {
                    text.push_str(&format!(", {note}"));
                }
                text
            }
            Op::CreatePartitions { from, to } => format!("partitions {from} → {to}"),
            Op::AlterConfigs { .. } => match action.changes.as_slice() {
                [one] if one.to_default => format!("unset {}", one.key),
                [one] => format!("config {}", one.key),
                many => plural(many.len(), "config", "configs"),
            },
            Op::CommitGroupOffsets { policy, topics } => {
                let names: Vec<&str> = topics.keys().map(String::as_str).collect();
                format!("start at {} on {}", policy.name(), names.join(", "))
            }
            Op::DeleteTopic => "deletes the topic and its data".to_string(),
            Op::CreateAcls { acls } => format!("grant {}", plural(acls.len(), "ACL", "ACLs")),
            Op::DeleteAcls { acls } => format!("revoke {}", plural(acls.len(), "ACL", "ACLs")),
            Op::SetScramCredentials { credentials, .. } => {
                let names: Vec<&str> = credentials.iter().map(|c| c.mechanism.name()).collect();
                format!("credentials {}", names.join(", "))
            }
        });
    }
    for refusal in &block.refusals {
        let what = match (&refusal.key, &refusal.before, &refusal.after) {
            (Some(k), Some(b), Some(a)) => format!("{k} {b} → {a}"),
            (Some(k), None, Some(v)) | (Some(k), Some(v), None) => format!("{k} {v}"),
            (Some(k), None, None) => k.clone(),
            (None, ..) => refusal.message.clone(),
        };
        // In a refused-only row the action column already says so.
        parts.push(if block.actions.is_empty() {
            what
        } else {
            format!("refused: {what}")
        });
    }
    parts
}

pub fn summary_table(plan: &Plan) -> String {
    let all = blocks(plan);
    let mut out = String::new();
    if !all.is_empty() {
        let rows: Vec<[String; 4]> = all
            .iter()
            .map(|b| {
                [
                    b.resource.to_string(),
                    action(b),
                    details(b).join("\n"),
                    flag(b).join("\n"),
                ]
            })
            .collect();
        // The action and risk columns are short and never wrap; resource names and details
        // share the rest of the width.
        let widest = |i: usize, header: &str| {
            rows.iter()
                .flat_map(|r| r[i].lines().map(|l| l.chars().count()))
                .chain(std::iter::once(header.len()))
                .max()
                .unwrap_or(0)
        };
        let fixed = |n: usize| {
            ColumnConstraint::Absolute(Width::Fixed(u16::try_from(n + 2).unwrap_or(u16::MAX)))
        };
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .force_no_tty()
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(TABLE_WIDTH)
            .set_header(vec!["resource", "action", "details", "risk"]);
        for (index, header) in [(1, "action"), (3, "risk")] {
            if let Some(column) = table.column_mut(index) {
                column.set_constraint(fixed(widest(index, header)));
            }
        }
        for row in rows {
            table.add_row(row.to_vec());
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    if is_noop(plan) {
        out.push_str(&no_changes_line(plan));
    } else {
        out.push_str(&plan_line(&plan.summary));
        if let Some(drift) = drift_line(plan) {
            out.push(' ');
            out.push_str(&drift);
        }
    }
    out.push('\n');
    out
}
