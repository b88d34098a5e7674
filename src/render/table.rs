//! The summary table: one row per resource (what happens to it, in a few words, and whether
//! it carries a risk or a refusal), then the plan's totals.
//!
//! Pure: returns the text, no IO. The table is laid out for a fixed width with terminal
//! detection switched off, so it is the same in a terminal, a CI log and a snapshot.

use comfy_table::{presets, ContentArrangement, Table};

use super::{block_details, blocks, drift_line, is_noop, no_changes_line, plan_line, Block, Mark};
use crate::plan::{Plan, RiskKind};

/// Columns wrap inside this width instead of following the terminal's.
const TABLE_WIDTH: u16 = 100;

fn risk_name(kind: RiskKind) -> &'static str {
    match kind {
        RiskKind::KeyRemap => "key remap",
        RiskKind::RetentionDecrease => "retention decrease",
        RiskKind::CleanupPolicyChange => "cleanup policy change",
        RiskKind::DataLoss => "data loss",
    }
}

/// `! key remap, retention decrease`, `✗` for refused, empty when nothing is at stake.
fn flag(block: &Block<'_>) -> String {
    let mut kinds: Vec<RiskKind> = block
        .actions
        .iter()
        .flat_map(|a| a.risks.iter().map(|r| r.kind))
        .collect();
    kinds.sort();
    kinds.dedup();
    let mut parts = Vec::new();
    if block.is_refused() {
        parts.push("✗ refused".to_string());
    }
    if !kinds.is_empty() {
        let names: Vec<&str> = kinds.into_iter().map(risk_name).collect();
        parts.push(format!("! {}", names.join(", ")));
    }
    parts.join("; ")
}

fn action(block: &Block<'_>) -> String {
    // A resource with both actions and refusals keeps its action glyph: the label says the rest.
    let mark = if block.actions.is_empty() {
        Mark::Refused
    } else {
        block.mark
    };
    format!("{} {}", mark.glyph(), block.label)
}

pub fn summary_table(plan: &Plan) -> String {
    let all = blocks(plan);
    let mut out = String::new();
    if !all.is_empty() {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .force_no_tty()
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(TABLE_WIDTH)
            .set_header(vec!["resource", "action", "details", "risk"]);
        for block in &all {
            table.add_row(vec![
                block.resource.to_string(),
                action(block),
                block_details(block),
                flag(block),
            ]);
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
