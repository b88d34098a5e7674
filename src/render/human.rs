//! The terminal rendering: a Terraform-style plan a reviewer can read top to bottom.
//!
//! Pure: returns the text, never prints and never looks at the terminal. Colour is an
//! option the caller sets (from `NO_COLOR` and terminal detection); glyphs carry the same
//! meaning without it, and nothing machine-dependent (time, width, paths) enters the text.

use anstyle::{AnsiColor, Style};

use super::{
    block_lines, blocks, cluster_text, drift_line, drift_text, group_state_text, is_noop, legend,
    next_step, no_changes_line, origin_text, over_budget, partial_text, plain, plan_line, span,
    topic_lag_text, topology_text, unattached_drift, warning_entries, width_of, wrap, Layout, Role,
    Span, TextLine, LABEL_EDGE, WIDTH,
};
use crate::plan::Plan;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HumanOptions {
    /// Emit ANSI colours. The renderer never decides this itself.
    pub color: bool,
    /// End with the hint on what to do next (save the plan, apply it); off where that is
    /// already happening, as inside `topo apply`.
    pub next_step: bool,
}

fn style(role: Role) -> Style {
    match role {
        Role::Plain => Style::new(),
        Role::Header => Style::new().bold(),
        Role::Create | Role::Added => AnsiColor::Green.on_default(),
        Role::Change => AnsiColor::Yellow.on_default(),
        Role::Delete | Role::Removed | Role::Risk => AnsiColor::Red.on_default(),
        Role::Refused => AnsiColor::Red.on_default().bold(),
    }
}

struct Painter {
    color: bool,
}

impl Painter {
    /// One logical line, wrapped at `WIDTH` with continuation rows indented four columns
    /// past the line's own indent, or for a risk (`! ...`) under the text after the mark,
    /// where its own clause rows start.
    fn line(&self, spans: &[Span]) -> String {
        let text: String = spans.iter().map(|s| s.text.as_str()).collect();
        let body = text.trim_start_matches(' ');
        let indent = text.len() - body.len();
        let hang = if body.starts_with("! ") {
            indent + 2
        } else {
            indent + 4
        };
        self.wrapped(spans, hang)
    }

    /// One logical line, wrapped at `WIDTH` with continuation rows starting at `hang`.
    fn wrapped(&self, spans: &[Span], hang: usize) -> String {
        wrap(spans.to_vec(), hang)
            .iter()
            .map(|row| self.row(row))
            .collect()
    }

    fn row(&self, spans: &[Span]) -> String {
        let mut out = String::new();
        for s in spans {
            if self.color && s.role != Role::Plain && !s.text.is_empty() {
                let st = style(s.role);
                out.push_str(&format!("{}{}{}", st.render(), s.text, st.render_reset()));
            } else {
                out.push_str(&s.text);
            }
        }
        out.push('\n');
        out
    }
}

pub fn human(plan: &Plan, opts: &HumanOptions) -> String {
    let paint = Painter { color: opts.color };
    let mut out = String::new();
    out.push_str(&paint.line(&[span(
        Role::Header,
        format!(
            "topo plan · {} · {}",
            cluster_text(plan),
            topology_text(plan)
        ),
    )]));
    if let Some(partial) = partial_text(plan) {
        out.push_str(&paint.line(&[span(Role::Refused, format!("! {partial}"))]));
    }
    out.push('\n');

    let blocks = blocks(plan);
    if let Some(legend) = legend(plan, &blocks) {
        out.push_str(&paint.wrapped(&[plain(legend)], 9));
        out.push('\n');
    }
    let layout = Layout {
        indent: 6,
        explicit_marks: false,
    };
    for block in blocks {
        let role = block.mark.role();
        let mut header: TextLine = vec![
            plain("  "),
            span(role, format!("{} ", block.mark.glyph())),
            span(Role::Header, block.resource.to_string()),
        ];
        // Labels end in one column so the eye can scan what happens to each resource.
        let gap = LABEL_EDGE
            .saturating_sub(width_of(&header) + block.label.chars().count())
            .max(2);
        header.push(plain(" ".repeat(gap)));
        header.push(span(role, block.label.clone()));
        out.push_str(&paint.line(&header));
        if let Some(origin) = origin_text(plan, block.resource) {
            out.push_str(&paint.line(&[plain(format!("      {origin}"))]));
        }
        for line in block_lines(&block, &layout) {
            out.push_str(&paint.line(&line));
        }
        out.push('\n');
    }

    let groups = groups_section(plan);
    let warnings = warning_entries(plan);
    for line in &groups {
        out.push_str(&paint.line(line));
    }
    if !groups.is_empty() && !warnings.is_empty() {
        out.push('\n');
    }
    let label_width = warnings
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    for (label, text) in &warnings {
        out.push_str(&paint.wrapped(
            &[
                plain("  "),
                span(Role::Header, *label),
                plain(format!(
                    "{} {text}",
                    " ".repeat(label_width - label.chars().count())
                )),
            ],
            2 + label_width + 1,
        ));
    }
    if !groups.is_empty() || !warnings.is_empty() {
        out.push('\n');
    }

    let fingerprint = format!("Fingerprint {}", plan.fingerprint);
    if is_noop(plan) {
        out.push_str(&paint.line(&[span(Role::Header, no_changes_line(plan))]));
    } else {
        out.push_str(&paint.line(&[span(Role::Header, plan_line(&plan.summary))]));
        if let Some(drift) = drift_line(plan) {
            out.push_str(&paint.line(&[span(Role::Risk, drift)]));
        }
    }
    if let Some(partial) = partial_text(plan) {
        out.push_str(&paint.line(&[span(Role::Refused, format!("! {partial}"))]));
    }
    match next_step(plan).filter(|_| opts.next_step) {
        // The hint goes on a line of its own when both would not fit one.
        Some(hint) if fingerprint.chars().count() + 3 + hint.chars().count() <= WIDTH => {
            out.push_str(&paint.line(&[plain(format!("{fingerprint} · {hint}"))]));
        }
        Some(hint) => {
            out.push_str(&paint.line(&[plain(fingerprint)]));
            out.push_str(&paint.wrapped(&[plain(format!("Next: {hint}"))], 6));
        }
        None => out.push_str(&paint.line(&[plain(fingerprint)])),
    }
    out
}

/// Each declared group's live state, with its lag per topic; a topic over its lag budget
/// gets `!`, since that is drift apply cannot fix and someone has to look at.
fn groups_section(plan: &Plan) -> Vec<TextLine> {
    let drift = over_budget(plan);
    let loose = unattached_drift(plan);
    if plan.groups.is_empty() && loose.is_empty() {
        return Vec::new();
    }
    // Group names and (further indented) topic names share one value column.
    let name_width = plan
        .groups
        .iter()
        .flat_map(|g| {
            std::iter::once(g.name.chars().count())
                .chain(g.topics.keys().map(|t| t.chars().count() + 4))
        })
        .max()
        .unwrap_or(0);
    let mut lines = vec![vec![plain("  "), span(Role::Header, "groups:")]];
    for view in &plan.groups {
        lines.push(vec![plain(format!(
            "    {:<name_width$}   {}",
            view.name,
            group_state_text(view)
        ))]);
        for (topic, lag) in &view.topics {
            let over = drift.get(&(view.name.as_str(), topic.as_str()));
            let mark = if over.is_some() {
                span(Role::Risk, "! ")
            } else {
                plain("  ")
            };
            let topic_width = name_width.saturating_sub(4);
            let text = topic_lag_text(lag, over.map(|(_, budget)| *budget));
            lines.push(vec![
                plain("      "),
                mark,
                plain(format!("{topic:<topic_width$}   {text}")),
            ]);
        }
    }
    for d in loose {
        lines.push(vec![
            plain("    "),
            span(Role::Risk, "! "),
            plain(drift_text(d)),
        ]);
    }
    lines
}
