//! Renderings of a plan for people and machines: Terraform-style text for terminals, a
//! Markdown comment for pull requests, a fixed-width summary table, the Prometheus
//! exposition and the versioned JSON document that apply reads back. The other commands'
//! output is rendered here too: `status` (the status tables), `partition` (keys and
//! moves) and `topology` (the file `topo import` writes).
//!
//! Every function here is pure: it takes a `&Plan` (or the values a command read) and
//! returns a `String`. No IO, no
//! terminal or environment detection, no clock. The caller decides about colour and where
//! the text goes, so the same plan always renders to the same bytes and a plan saved today
//! reads the same in a pull request next week.
//!
//! This module holds what the renderings share: the per-resource blocks (one block per
//! resource, however many actions and refusals it has), the layout of their lines, the
//! wording of warnings, groups and closing lines. The submodules only arrange and style.

mod access;
mod human;
mod markdown;
pub(crate) mod partition;
mod prometheus;
pub(crate) mod status;
mod table;
mod textdiff;
pub(crate) mod topology;

use std::collections::{BTreeMap, BTreeSet};

pub use access::acls_toml;
pub use human::{human, HumanOptions};
pub use markdown::markdown;
pub use prometheus::prometheus;
pub use table::summary_table;

use crate::plan::{
    Action, Change, Drift, GroupView, Op, Plan, Refusal, Resource, ResourceKind, Summary,
    TopicLagView, WarningKind,
};
use crate::units::{self, plural};

/// The versioned JSON document: exactly the serde form of the plan, so `Plan::from_json`
/// reads back what this writes. Ends with a newline because it usually lands in a file.
pub fn json(plan: &Plan) -> String {
    let mut text = plan.to_json();
    text.push('\n');
    text
}

/// Where a line's text ends, by default: the key/value lines and right-aligned labels are
/// laid out for this width; a longer value makes a longer line rather than being cut.
const WIDTH: usize = 100;

/// The column at which block labels end in the terminal rendering.
const LABEL_EDGE: usize = 80;

/// What a piece of text means; the terminal renderer maps meanings to colours, the plain
/// renderings ignore them. Glyphs always carry the same meaning without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Plain,
    Header,
    Create,
    Change,
    Delete,
    Refused,
    Risk,
    Removed,
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    role: Role,
    text: String,
}

fn span(role: Role, text: impl Into<String>) -> Span {
    Span {
        role,
        text: text.into(),
    }
}

fn plain(text: impl Into<String>) -> Span {
    span(Role::Plain, text)
}

/// One output line as styled pieces.
type TextLine = Vec<Span>;

/// The text of a line without styling.
fn unstyled(line: &[Span]) -> String {
    line.iter().map(|s| s.text.as_str()).collect()
}

fn width_of(line: &[Span]) -> usize {
    line.iter().map(|s| s.text.chars().count()).sum()
}

/// Drops trailing blanks (padding of an empty value) so no line ends in spaces.
fn trim_end(mut line: TextLine) -> TextLine {
    while let Some(last) = line.last_mut() {
        let trimmed = last.text.trim_end().len();
        last.text.truncate(trimmed);
        if !last.text.is_empty() {
            break;
        }
        line.pop();
    }
    line
}

/// What a block or a line does to its resource, shown as a glyph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Create,
    Change,
    Unset,
    Delete,
    Refused,
}

impl Mark {
    fn glyph(self) -> &'static str {
        match self {
            Mark::Create => "+",
            Mark::Change => "~",
            Mark::Unset | Mark::Delete => "-",
            Mark::Refused => "✗",
        }
    }

    fn role(self) -> Role {
        match self {
            Mark::Create => Role::Create,
            Mark::Change => Role::Change,
            Mark::Unset | Mark::Delete => Role::Delete,
            Mark::Refused => Role::Refused,
        }
    }
}

/// One key of a resource: what it is now and what it becomes, with what that risks.
#[derive(Debug, Clone)]
struct Line {
    /// Own glyph, set only where lines of one block differ (an update mixes changes,
    /// new keys and unsets); in a create, delete or refused block the block's glyph says it.
    mark: Option<Mark>,
    key: String,
    value: TextLine,
    /// Why a refused change is refused.
    reason: Option<String>,
    /// Removed and added parts of a long value, below the line.
    detail: Vec<TextLine>,
    risks: Vec<String>,
}

impl Line {
    fn new(mark: Option<Mark>, key: impl Into<String>, value: TextLine) -> Line {
        Line {
            mark,
            key: key.into(),
            value,
            reason: None,
            detail: Vec::new(),
            risks: Vec::new(),
        }
    }
}

/// Everything the plan does or refuses to do to one resource.
#[derive(Debug)]
struct Block<'p> {
    resource: &'p Resource,
    mark: Mark,
    /// What happens in one or two words: `create`, `update in place`, `refused`, ...
    action: &'static str,
    /// The action as the terminal shows it, e.g. `dead-letter of X`, `update in place, 1 refused`.
    label: String,
    /// Refused lines first, then lines carrying risks, then the rest in execution order.
    lines: Vec<Line>,
    /// Risks whose key matches no line of the block.
    loose_risks: Vec<String>,
    actions: Vec<&'p Action>,
    refusals: Vec<&'p Refusal>,
}

impl Block<'_> {
    fn risk_count(&self) -> usize {
        self.actions.iter().map(|a| a.risks.len()).sum()
    }

    fn is_refused(&self) -> bool {
        !self.refusals.is_empty()
    }
}

/// A raw value with its human form when its key has a unit: `604800000 (7d)`.
fn value_text(resource: &Resource, key: &str, raw: &str) -> String {
    // Group lines are keyed by topic name, whose suffix says nothing about units.
    if resource.kind != ResourceKind::Topic {
        return raw.to_string();
    }
    match units::humanize(key, raw) {
        Some(human) if human != raw => format!("{raw} ({human})"),
        _ => raw.to_string(),
    }
}

/// Blocks in the order a reviewer reads them: resources with actions in execution order
/// (a resource appears where its first action runs), then resources that are only refused.
fn blocks(plan: &Plan) -> Vec<Block<'_>> {
    type Entry<'p> = (Vec<&'p Action>, Vec<&'p Refusal>);
    let mut order: Vec<&Resource> = Vec::new();
    let mut by_resource: BTreeMap<&Resource, Entry<'_>> = BTreeMap::new();
    for action in &plan.actions {
        let entry = by_resource.entry(&action.resource).or_insert_with(|| {
            order.push(&action.resource);
            (Vec::new(), Vec::new())
        });
        entry.0.push(action);
    }
    for refusal in &plan.refused {
        let entry = by_resource.entry(&refusal.resource).or_insert_with(|| {
            order.push(&refusal.resource);
            (Vec::new(), Vec::new())
        });
        entry.1.push(refusal);
    }
    order
        .into_iter()
        .filter_map(|resource| {
            let (actions, refusals) = by_resource.remove(resource)?;
            let mut block = block(resource, actions, refusals);
            // What the delete destroys, counted when the plan was made.
            if block.mark == Mark::Delete {
                if let Some(n) = plan.messages.get(&resource.name) {
                    block.lines.push(Line::new(
                        None,
                        "messages",
                        vec![plain(format!("{n} (deleted with the topic)"))],
                    ));
                }
            }
            Some(block)
        })
        .collect()
}

fn block<'p>(
    resource: &'p Resource,
    actions: Vec<&'p Action>,
    refusals: Vec<&'p Refusal>,
) -> Block<'p> {
    // ACL changes ride along on the resource they protect; its own note says more.
    let is_acl = |op: &Op| matches!(op, Op::CreateAcls { .. } | Op::DeleteAcls { .. });
    let note = actions
        .iter()
        .filter(|a| !is_acl(&a.op))
        .find_map(|a| a.note.clone());
    let has = |f: fn(&Op) -> bool| actions.iter().any(|a| f(&a.op));
    let all = |f: fn(&Op) -> bool| actions.iter().all(|a| f(&a.op));
    let (mark, action) = if actions.is_empty() {
        (Mark::Refused, "refused")
    } else if has(|op| matches!(op, Op::CreateTopic { .. })) {
        (Mark::Create, "create")
    } else if has(|op| matches!(op, Op::DeleteTopic)) {
        (Mark::Delete, "delete")
    } else if has(|op| matches!(op, Op::CommitGroupOffsets { .. }))
        && all(|op| matches!(op, Op::CommitGroupOffsets { .. } | Op::CreateAcls { .. }))
    {
        (Mark::Create, "commit start offsets")
    } else if all(|op| matches!(op, Op::CreateAcls { .. })) {
        (Mark::Change, "grant access")
    } else if all(|op| matches!(op, Op::DeleteAcls { .. })) {
        (Mark::Change, "revoke access")
    } else if all(|op| matches!(op, Op::CreateAcls { .. } | Op::DeleteAcls { .. })) {
        (Mark::Change, "update access")
    } else if all(|op| {
        matches!(
            op,
            Op::SetScramCredentials {
                rotation: false,
                ..
            }
        )
    }) {
        (Mark::Create, "create user")
    } else if all(|op| matches!(op, Op::SetScramCredentials { .. })) {
        (Mark::Change, "rotate credentials")
    } else {
        (Mark::Change, "update in place")
    };
    // The diff's note says it better where it has one ("dead-letter of ingestion-events").
    let mut label = match (mark, note) {
        (Mark::Create, Some(note)) => note,
        _ => action.to_string(),
    };
    if !actions.is_empty() && !refusals.is_empty() {
        label.push_str(&format!(", {} refused", refusals.len()));
    }

    let mut lines: Vec<Line> = refusals.iter().map(|r| refusal_line(r, mark)).collect();
    let mut risky = Vec::new();
    let mut calm = Vec::new();
    let mut loose_risks = Vec::new();
    for action in &actions {
        let mut own: Vec<Line> = action
            .changes
            .iter()
            .map(|c| change_line(resource, c, mark))
            .collect();
        for risk in &action.risks {
            match own.iter_mut().find(|l| l.key == risk.key) {
                Some(line) => line.risks.push(risk.message.clone()),
                None => loose_risks.push(risk.message.clone()),
            }
        }
        for line in own {
            if line.risks.is_empty() {
                calm.push(line);
            } else {
                risky.push(line);
            }
        }
    }
    lines.extend(risky);
    lines.extend(calm);
    Block {
        resource,
        mark,
        action,
        label,
        lines,
        loose_risks,
        actions,
        refusals,
    }
}

fn refusal_line(refusal: &Refusal, block_mark: Mark) -> Line {
    let key = refusal.key.clone().unwrap_or_default();
    let shown = |v: &String| value_text(&refusal.resource, &key, v);
    let value = match (&refusal.before, &refusal.after) {
        (Some(b), Some(a)) => format!("{} → {}", shown(b), shown(a)),
        (None, Some(v)) | (Some(v), None) => shown(v),
        (None, None) => String::new(),
    };
    let mark = (block_mark != Mark::Refused).then_some(Mark::Refused);
    let mut line = Line::new(mark, key.clone(), vec![plain(value)]);
    line.reason = Some(refusal.message.clone());
    line
}

fn change_line(resource: &Resource, change: &Change, block_mark: Mark) -> Line {
    let key = change.key.as_str();
    let shown = |v: &str| value_text(resource, key, v);
    match block_mark {
        // A whole-resource create or delete: the value is what is created or destroyed.
        Mark::Create | Mark::Delete | Mark::Refused => {
            let raw = match block_mark {
                Mark::Delete => change.before.as_ref().or(change.after.as_ref()),
                _ => change.after.as_ref().or(change.before.as_ref()),
            };
            Line::new(
                None,
                key,
                vec![plain(raw.map(|v| shown(v)).unwrap_or_default())],
            )
        }
        Mark::Change | Mark::Unset => update_line(resource, change),
    }
}

fn update_line(resource: &Resource, change: &Change) -> Line {
    let key = change.key.as_str();
    let shown = |v: &str| value_text(resource, key, v);
    match (&change.before, &change.after) {
        _ if change.to_default => {
            let mut value = Vec::new();
            if let Some(before) = &change.before {
                value.push(plain(format!("{} → ", shown(before))));
            } else {
                value.push(plain("→ "));
            }
            value.push(plain("broker default"));
            Line::new(Some(Mark::Unset), key, value)
        }
        (Some(before), Some(after)) if textdiff::is_long(before) || textdiff::is_long(after) => {
            let (value, detail) = textdiff::long_change(before, after);
            let mut line = Line::new(Some(Mark::Change), key, value);
            line.detail = detail;
            line
        }
        (Some(before), Some(after)) => {
            let origin = if change.before_default {
                "broker default "
            } else {
                ""
            };
            Line::new(
                Some(Mark::Change),
                key,
                vec![plain(format!(
                    "{origin}{} → {}",
                    shown(before),
                    shown(after)
                ))],
            )
        }
        (None, Some(after)) => Line::new(Some(Mark::Create), key, vec![plain(shown(after))]),
        (Some(before), None) => Line::new(Some(Mark::Unset), key, vec![plain(shown(before))]),
        (None, None) => Line::new(Some(Mark::Change), key, Vec::new()),
    }
}

/// How block lines are laid out: the terminal indents them under the block header and
/// relies on the header's glyph; Markdown puts a glyph at the start of every line so a
/// `diff` code fence colours it.
struct Layout {
    indent: usize,
    explicit_marks: bool,
}

fn block_lines(block: &Block<'_>, layout: &Layout) -> Vec<TextLine> {
    let mark_of = |line: &Line| {
        line.mark.or(if layout.explicit_marks {
            Some(block.mark)
        } else {
            None
        })
    };
    let mark_width = |line: &Line| if mark_of(line).is_some() { 2 } else { 0 };
    // Values start in one column per block; 21 matches the usual Kafka key lengths.
    let column = block
        .lines
        .iter()
        .map(|l| mark_width(l) + l.key.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(21);
    let pad = " ".repeat(layout.indent);
    let sub = " ".repeat(layout.indent + 4);
    let mut out = Vec::new();
    for risk in &block.loose_risks {
        out.extend(risk_lines(&pad, risk));
    }
    for line in &block.lines {
        let mut text = vec![plain(pad.clone())];
        if let Some(mark) = mark_of(line) {
            text.push(span(mark.role(), format!("{} ", mark.glyph())));
        }
        let key_width = column - mark_width(line);
        text.push(plain(format!("{:<key_width$}", line.key)));
        text.extend(line.value.iter().cloned());
        if let Some(reason) = &line.reason {
            let inline = width_of(&text) + 2 + reason.chars().count() <= WIDTH;
            if line.value.iter().all(|s| s.text.is_empty()) {
                text.push(plain(reason.clone()));
            } else if inline {
                text.push(plain(format!(": {reason}")));
            } else {
                out.push(trim_end(text));
                text = vec![plain(format!("{sub}{reason}"))];
            }
        }
        out.push(trim_end(text));
        for detail in &line.detail {
            let mut text = vec![plain(sub.clone())];
            text.extend(detail.iter().cloned());
            out.push(trim_end(text));
        }
        for risk in &line.risks {
            out.extend(risk_lines(&sub, risk));
        }
    }
    out
}

/// The symbols a plan shows, each once, explained in one line for the reader who has not
/// met them (Terraform prints the same kind of legend above its plans). `None` when the
/// plan shows no symbol at all.
fn legend(plan: &Plan, blocks: &[Block<'_>]) -> Option<String> {
    let marks: BTreeSet<&'static str> = blocks
        .iter()
        .flat_map(|b| std::iter::once(b.mark).chain(b.lines.iter().filter_map(|l| l.mark)))
        .map(|m| match m {
            Mark::Create => "create",
            Mark::Change => "change",
            Mark::Unset => "unset",
            Mark::Delete => "delete",
            Mark::Refused => "refused",
        })
        .collect();
    let risk = plan.partial.is_some()
        || !over_budget(plan).is_empty()
        || !unattached_drift(plan).is_empty()
        || blocks
            .iter()
            .any(|b| !b.loose_risks.is_empty() || b.lines.iter().any(|l| !l.risks.is_empty()));
    let mut entries = Vec::new();
    if marks.contains("create") {
        entries.push("+ create");
    }
    if marks.contains("change") {
        entries.push("~ change in place");
    }
    match (marks.contains("delete"), marks.contains("unset")) {
        (true, true) => entries.push("- delete, or unset a setting"),
        (true, false) => entries.push("- delete"),
        (false, true) => entries.push("- unset a setting (back to the default)"),
        (false, false) => {}
    }
    if marks.contains("refused") {
        entries.push("✗ refused, not carried out");
    }
    if risk {
        entries.push("! needs attention");
    }
    (!entries.is_empty()).then(|| format!("Symbols: {}", entries.join("   ")))
}

/// Breaks a line longer than `WIDTH` at spaces, so every line of the terminal plan ends by
/// the same column; continuation rows start at column `hang`. A single word longer than
/// the room (a long config value) stays whole: cutting it would change what it says.
fn wrap(line: TextLine, hang: usize) -> Vec<TextLine> {
    if width_of(&line) <= WIDTH {
        return vec![line];
    }
    let chars: Vec<(char, Role)> = line
        .iter()
        .flat_map(|s| s.text.chars().map(move |c| (c, s.role)))
        .collect();
    // Never break inside the leading indent of the first row.
    let indent = chars.iter().take_while(|(c, _)| *c == ' ').count();
    let mut rows = Vec::new();
    let mut start = 0;
    let mut prefix = 0;
    loop {
        let room = WIDTH.saturating_sub(prefix);
        if chars.len() - start <= room {
            rows.push((prefix, &chars[start..]));
            break;
        }
        let floor = if start == 0 { indent } else { start };
        let window_end = (start + room).min(chars.len() - 1);
        let cut = (floor + 1..=window_end)
            .rev()
            .find(|&i| chars[i].0 == ' ')
            .or_else(|| (window_end..chars.len()).find(|&i| chars[i].0 == ' '));
        let Some(cut) = cut else {
            rows.push((prefix, &chars[start..]));
            break;
        };
        rows.push((prefix, &chars[start..cut]));
        start = cut;
        while start < chars.len() && chars[start].0 == ' ' {
            start += 1;
        }
        if start == chars.len() {
            break;
        }
        prefix = hang;
    }
    rows.into_iter()
        .map(|(prefix, row)| {
            let mut out: TextLine = Vec::new();
            if prefix > 0 {
                out.push(plain(" ".repeat(prefix)));
            }
            for &(c, role) in row {
                match out.last_mut() {
                    Some(last) if last.role == role => last.text.push(c),
                    _ => out.push(span(role, c.to_string())),
                }
            }
            trim_end(out)
        })
        .collect()
}

/// A risk message after `! `, wrapped at its `; ` clauses when the line gets long, because
/// clauses are where a reader pauses anyway (a word wrap would split a key or a number).
fn risk_lines(indent: &str, message: &str) -> Vec<TextLine> {
    let first = WIDTH.saturating_sub(indent.len() + 2);
    let mut rows: Vec<String> = Vec::new();
    let mut current = String::new();
    let clauses: Vec<&str> = message.split("; ").collect();
    let last = clauses.len().saturating_sub(1);
    for (i, clause) in clauses.iter().enumerate() {
        let clause = if i < last {
            format!("{clause};")
        } else {
            clause.to_string()
        };
        // Continuation rows start under the text after `! `, so both have the same room.
        if current.is_empty() {
            current = clause;
        } else if current.chars().count() + 1 + clause.chars().count() <= first {
            current.push(' ');
            current.push_str(&clause);
        } else {
            rows.push(std::mem::replace(&mut current, clause));
        }
    }
    rows.push(current);
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            if i == 0 {
                vec![plain(indent), span(Role::Risk, "! "), plain(row)]
            } else {
                vec![plain(format!("{indent}  {row}"))]
            }
        })
        .collect()
}

/// `cluster 127.0.0.1:19092 · Apache Kafka 3.9 · 1 broker`, or without a probed profile
/// `cluster 127.0.0.1:19092 (1 broker)`.
fn cluster_text(plan: &Plan) -> String {
    let brokers = plural(plan.cluster.brokers as usize, "broker", "brokers");
    match &plan.cluster.profile {
        Some(p) => format!(
            "cluster {} · {} · {brokers}",
            plan.cluster.bootstrap,
            p.label()
        ),
        None => format!("cluster {} ({brokers})", plan.cluster.bootstrap),
    }
}

/// The header's description of what was planned: the topology and its environment.
fn topology_text(plan: &Plan) -> String {
    match &plan.environment {
        Some(env) => format!("{} · env {env}", plan.topology),
        None => plan.topology.clone(),
    }
}

/// The warning a partial plan carries at its top and bottom: a reviewer must not take it
/// for the whole topology.
fn partial_text(plan: &Plan) -> Option<String> {
    plan.partial.as_ref().map(|p| {
        format!(
            "PARTIAL PLAN: only --target {} and what they depend on; the rest of {} was not \
             compared and apply changes nothing else",
            p.targets.join(", "),
            topology_name(plan)
        )
    })
}

/// Where a resource was declared, for a topology composed of several files.
fn origin_text(plan: &Plan, resource: &crate::plan::Resource) -> Option<String> {
    let origins = match resource.kind {
        crate::plan::ResourceKind::Topic => &plan.origins.topics,
        crate::plan::ResourceKind::Group => &plan.origins.groups,
        crate::plan::ResourceKind::Cluster
        | crate::plan::ResourceKind::TransactionalId
        | crate::plan::ResourceKind::User => return None,
    };
    origins.get(&resource.name).map(|o| format!("from {o}"))
}

fn topology_name(plan: &Plan) -> &str {
    if plan.topology.is_empty() {
        "the topology"
    } else {
        &plan.topology
    }
}

/// Nothing to do, nothing refused, nothing drifted: the plan is a no-op.
fn is_noop(plan: &Plan) -> bool {
    plan.actions.is_empty() && plan.refused.is_empty() && plan.drift.is_empty()
}

fn plan_line(summary: &Summary) -> String {
    format!(
        "Plan: {} to create, {} to change, {} to delete, {} refused.",
        summary.create, summary.update, summary.delete, summary.refused
    )
}

fn drift_line(plan: &Plan) -> Option<String> {
    let n = plan.drift.len();
    (n > 0).then(|| {
        format!(
            "Drift: {} exceeded.",
            plural(n, "lag budget", "lag budgets")
        )
    })
}

fn no_changes_line(plan: &Plan) -> String {
    format!("No changes. The cluster matches {}.", topology_name(plan))
}

/// What to do with the plan next. Apply takes a plan only as a whole and never one with a
/// refusal, so a refused plan says so instead of suggesting an apply that would fail.
fn next_step(plan: &Plan) -> Option<String> {
    if plan.is_refused() {
        Some(format!(
            "apply is blocked by {}; change {} and plan again.",
            plural(plan.refused.len(), "refused change", "refused changes"),
            topology_name(plan)
        ))
    } else if plan.has_changes() {
        Some(
            "`topo plan --out plan.json` to save, `topo apply plan.json` to apply exactly this."
                .to_string(),
        )
    } else {
        None
    }
}

/// What topo leaves alone, one entry per kind, each stating the rule that decides it.
fn warning_entries(plan: &Plan) -> Vec<(&'static str, String)> {
    let of = |kind: WarningKind| plan.warnings.iter().filter(move |w| w.kind == kind);
    let mut out = Vec::new();

    let unmanaged: Vec<_> = of(WarningKind::UnmanagedOverride).collect();
    if !unmanaged.is_empty() {
        let total: usize = unmanaged.iter().map(|w| w.keys.len().max(1)).sum();
        let detail: Vec<String> = unmanaged
            .iter()
            .map(|w| format!("{}: {}", w.resource.name, w.keys.join(", ")))
            .collect();
        out.push((
            "unmanaged:",
            format!(
                "{} not in the file ({}), left alone (policy.remove_unmanaged_config = false)",
                plural(total, "live override", "live overrides"),
                detail.join("; ")
            ),
        ));
    }

    let orphans: Vec<_> = of(WarningKind::Orphan)
        .map(|w| w.resource.name.as_str())
        .collect();
    if !orphans.is_empty() {
        // In a composed topology deletes may be on, but only in the opted-in files' scopes.
        let why = if of(WarningKind::Orphan).any(|w| w.message.contains("outside the scope")) {
            "outside the scope of every file that sets policy.delete_undeclared"
        } else {
            "policy.delete_undeclared = false"
        };
        out.push((
            "orphans:",
            format!(
                "{} in scope not declared ({}), not deleted ({why})",
                plural(orphans.len(), "topic", "topics"),
                orphans.join(", ")
            ),
        ));
    }

    for w in of(WarningKind::Unreported) {
        out.push((
            "not compared:",
            format!("{}: {}", w.resource.name, w.message),
        ));
    }

    let groups: Vec<_> = of(WarningKind::UnmanagedGroup).collect();
    if !groups.is_empty() {
        let detail: Vec<String> = groups
            .iter()
            .map(|w| format!("{} on {}", w.resource.name, w.keys.join(", ")))
            .collect();
        out.push((
            "unmanaged groups:",
            format!(
                "{} not declared but consuming managed topics ({}), left alone (topo changes only declared groups)",
                plural(groups.len(), "group", "groups"),
                detail.join("; ")
            ),
        ));
    }

    let acls: Vec<_> = of(WarningKind::UndeclaredAcl).collect();
    if !acls.is_empty() {
        let total: usize = acls.iter().map(|w| w.keys.len().max(1)).sum();
        let detail: Vec<String> = acls
            .iter()
            .map(|w| format!("{}: {}", w.resource, w.keys.join(", ")))
            .collect();
        out.push((
            "undeclared ACLs:",
            format!(
                "{} of declared principals not in the file ({}); left alone \
                 (policy.remove_undeclared_acls = false)",
                plural(total, "ACL", "ACLs"),
                detail.join("; ")
            ),
        ));
    }

    for w in of(WarningKind::NoAuthorizer) {
        out.push(("no authorizer:", w.message.clone()));
    }
    for w in of(WarningKind::AclsUnknown) {
        out.push(("ACLs not read:", w.message.clone()));
    }

    out
}

/// Lag budgets exceeded, by group and topic.
fn over_budget(plan: &Plan) -> BTreeMap<(&str, &str), (i64, i64)> {
    plan.drift
        .iter()
        .map(|d| match d {
            Drift::LagOverBudget {
                group,
                topic,
                lag,
                budget,
            } => ((group.as_str(), topic.as_str()), (*lag, *budget)),
        })
        .collect()
}

/// `stable, 2 members, lag budget 1000 per topic`
fn group_state_text(view: &GroupView) -> String {
    let mut text = match view.state {
        None => "absent (not on the cluster yet)".to_string(),
        Some(state) => format!(
            "{}, {}",
            state.name(),
            plural(view.members as usize, "member", "members")
        ),
    };
    if let Some(budget) = view.lag_budget {
        text.push_str(&format!(", lag budget {budget} per topic"));
    }
    text
}

/// `lag 24500 (over budget 10000) across 6 partitions, worst partition 2 (9000)`
fn topic_lag_text(lag: &TopicLagView, budget: Option<i64>) -> String {
    let mut text = format!("lag {}", lag.lag);
    if let Some(budget) = budget {
        text.push_str(&format!(" (over budget {budget})"));
    }
    let partitions = plural(lag.partitions.max(0) as usize, "partition", "partitions");
    text.push_str(&format!(" across {partitions}"));
    if let Some((partition, worst)) = lag.worst {
        if worst > 0 {
            text.push_str(&format!(", worst partition {partition} ({worst})"));
        }
    }
    let uncommitted = (lag.partitions - lag.committed_partitions).max(0) as usize;
    if uncommitted > 0 {
        text.push_str(&format!(", {uncommitted} without commits"));
    }
    text
}

/// Drift entries the groups section cannot attach to a shown topic line.
fn unattached_drift(plan: &Plan) -> Vec<&Drift> {
    let shown: BTreeSet<(&str, &str)> = plan
        .groups
        .iter()
        .flat_map(|g| g.topics.keys().map(move |t| (g.name.as_str(), t.as_str())))
        .collect();
    plan.drift
        .iter()
        .filter(|d| match d {
            Drift::LagOverBudget { group, topic, .. } => {
                !shown.contains(&(group.as_str(), topic.as_str()))
            }
        })
        .collect()
}

fn drift_text(drift: &Drift) -> String {
    match drift {
        Drift::LagOverBudget {
            group,
            topic,
            lag,
            budget,
        } => {
            format!("group \"{group}\" lag {lag} on {topic} over budget {budget}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_show_raw_then_human_form() {
        let topic = Resource::topic("orders");
        assert_eq!(
            value_text(&topic, "retention.ms", "604800000"),
            "604800000 (7d)"
        );
        assert_eq!(
            value_text(&topic, "retention.ms", "2592000000"),
            "2592000000 (30d)"
        );
        assert_eq!(
            value_text(&topic, "retention.bytes", "-1"),
            "-1 (unlimited)"
        );
        assert_eq!(
            value_text(&topic, "segment.bytes", "1073741824"),
            "1073741824 (1GiB)"
        );
        assert_eq!(value_text(&topic, "cleanup.policy", "delete"), "delete");
        assert_eq!(value_text(&topic, "partitions", "6"), "6");
        // A group line is keyed by a topic name: no unit guessing from it.
        let group = Resource::group("workers");
        assert_eq!(value_text(&group, "audit.ms", "1000"), "1000");
    }

    #[test]
    fn update_lines_show_before_and_after() {
        let topic = Resource::topic("orders");
        let change = Change::set("retention.ms", Some("604800000".into()), "86400000");
        let line = update_line(&topic, &change);
        assert_eq!(line.mark, Some(Mark::Change));
        assert_eq!(unstyled(&line.value), "604800000 (7d) → 86400000 (1d)");

        let unset = Change::unset("segment.ms", Some("3600000".into()));
        let line = update_line(&topic, &unset);
        assert_eq!(line.mark, Some(Mark::Unset));
        assert_eq!(unstyled(&line.value), "3600000 (1h) → broker default");

        let new = Change::set("compression.type", None, "zstd");
        let line = update_line(&topic, &new);
        assert_eq!(line.mark, Some(Mark::Create));
        assert_eq!(unstyled(&line.value), "zstd");
    }

    #[test]
    fn risk_messages_wrap_at_clauses() {
        let message = "keyed by tenant_id (md5): 75% of keys move to another partition; per-key ordering is not preserved across the change";
        let rows: Vec<String> = risk_lines("          ", message)
            .iter()
            .map(|l| unstyled(l))
            .collect();
        assert_eq!(
            rows,
            [
                "          ! keyed by tenant_id (md5): 75% of keys move to another partition;",
                "            per-key ordering is not preserved across the change",
            ]
        );
        let short: Vec<String> = risk_lines("    ", "retention decrease")
            .iter()
            .map(|l| unstyled(l))
            .collect();
        assert_eq!(short, ["    ! retention decrease"]);
    }

    #[test]
    fn long_lines_wrap_at_spaces_with_a_hanging_indent() {
        let words = "word ".repeat(30);
        let rows = wrap(vec![plain(format!("  {}", words.trim_end()))], 6);
        assert!(rows.len() > 1);
        for (i, row) in rows.iter().enumerate() {
            let text = unstyled(row);
            assert!(text.chars().count() <= WIDTH, "{text}");
            assert!(
                text.starts_with(if i == 0 { "  word" } else { "      word" }),
                "{text}"
            );
        }
        let joined: Vec<String> = rows
            .iter()
            .map(|r| unstyled(r).trim().to_string())
            .collect();
        assert_eq!(joined.join(" "), words.trim_end());
        // One word longer than the room stays whole rather than being cut.
        let long = "x".repeat(150);
        let rows = wrap(vec![plain(format!("  key {long} tail"))], 4);
        assert_eq!(unstyled(&rows[0]), "  key");
        assert_eq!(unstyled(&rows[1]), format!("    {long}"));
        assert_eq!(unstyled(&rows[2]), "    tail");
        // Styles survive the break.
        let rows = wrap(vec![plain("a ".repeat(60)), span(Role::Risk, "end")], 0);
        assert_eq!(
            rows.last().and_then(|r| r.last()).map(|s| s.role),
            Some(Role::Risk)
        );
    }

    #[test]
    fn trailing_padding_is_trimmed() {
        let line = trim_end(vec![plain("  key"), plain("   "), plain("")]);
        assert_eq!(unstyled(&line), "  key");
    }
}
