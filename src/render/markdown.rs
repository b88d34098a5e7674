//! The pull-request rendering: a Markdown comment with the counts up front, refusals and
//! risks before anything else, one collapsible block per resource (the risky and refused
//! ones open), then what topo leaves alone, the groups' live state and the fingerprint.
//!
//! Pure: returns the text, no IO. Resource lines are the terminal's lines with a glyph at
//! the start of each, inside a `diff` fence so the forge colours additions and removals.

use super::{
    block_lines, blocks, drift_text, group_state_text, is_noop, legend, next_step, no_changes_line,
    over_budget, topic_lag_text, unattached_drift, unstyled, warning_entries, Block, Layout,
};
use crate::plan::Plan;
use crate::units::plural;

/// Escapes text for Markdown paragraphs and HTML: names and messages come from users and
/// brokers, and a stray `<` or `|` must not turn into markup or a table column.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '*' | '_' | '`' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// An inline code span that survives backticks inside the text. In a table cell, `|`
/// still needs escaping afterwards (see `cell`).
fn code(text: &str) -> String {
    let longest = longest_run(text, '`');
    let ticks = "`".repeat(longest + 1);
    let pad = if longest > 0 { " " } else { "" };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Table cells end at an unescaped `|`, even inside a code span.
fn cell(text: String) -> String {
    text.replace('|', "\\|")
}

/// HTML text inside `<summary>`, where Markdown is not interpreted.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    match &plan.environment {
        Some(env) => out.push_str(&format!(
            "### topo plan · {} · env {}\n\n",
            code(&plan.topology),
            code(env)
        )),
        None => out.push_str(&format!("### topo plan · {}\n\n", code(&plan.topology))),
    }
    if let Some(partial) = super::partial_text(plan) {
        out.push_str(&format!("> **⚠ {}**\n\n", escape(&partial)));
    }
    let brokers = plural(plan.cluster.brokers as usize, "broker", "brokers");
    out.push_str(&format!(
        "Cluster {} ({brokers})\n\n",
        code(&plan.cluster.bootstrap)
    ));

    let s = &plan.summary;
    out.push_str("| create | change | delete | refused | drift |\n");
    out.push_str("|---:|---:|---:|---:|---:|\n");
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} |\n\n",
        s.create, s.update, s.delete, s.refused, s.drift
    ));
    if is_noop(plan) {
        out.push_str(&format!("**{}**\n\n", escape(&no_changes_line(plan))));
    }

    let all = blocks(plan);
    if let Some(legend) = legend(plan, &all) {
        out.push_str(&format!("<sub>{}</sub>\n\n", html(&legend)));
    }
    if !plan.refused.is_empty() {
        out.push_str("#### ✗ Refused\n\n");
        for r in &plan.refused {
            let key = r
                .key
                .as_deref()
                .map(|k| format!(" {}", code(k)))
                .unwrap_or_default();
            let values = match (&r.before, &r.after) {
                (Some(b), Some(a)) => format!(" {} → {}", escape(b), escape(a)),
                (None, Some(v)) | (Some(v), None) => format!(" {}", escape(v)),
                (None, None) => String::new(),
            };
            out.push_str(&format!(
                "- {}{key}{values}: {}\n",
                code(&r.resource.to_string()),
                escape(&r.message)
            ));
        }
        out.push('\n');
    }
    let risks: Vec<_> = plan
        .actions
        .iter()
        .flat_map(|a| a.risks.iter().map(move |r| (a, r)))
        .collect();
    if !risks.is_empty() {
        out.push_str("#### ! Risks\n\n");
        for (action, risk) in risks {
            out.push_str(&format!(
                "- {} {}: {}\n",
                code(&action.resource.to_string()),
                code(&risk.key),
                escape(&risk.message)
            ));
        }
        out.push('\n');
    }
    if !plan.drift.is_empty() {
        out.push_str("#### ! Drift\n\n");
        for d in &plan.drift {
            out.push_str(&format!("- {}\n", escape(&drift_text(d))));
        }
        out.push('\n');
    }

    if !all.is_empty() {
        out.push_str("#### Resources\n\n");
        // Refused first, then risky, then the rest: what needs a reviewer's judgement leads.
        let rank = |b: &Block<'_>| {
            if b.is_refused() {
                0
            } else if b.risk_count() > 0 {
                1
            } else {
                2
            }
        };
        let mut ordered: Vec<&Block<'_>> = all.iter().collect();
        ordered.sort_by_key(|b| rank(b));
        for block in ordered {
            out.push_str(&details(block, super::origin_text(plan, block.resource)));
        }
    }

    let warnings = warning_entries(plan);
    if !warnings.is_empty() {
        out.push_str("#### Left alone\n\n");
        for (label, text) in warnings {
            out.push_str(&format!("- **{}** {}\n", escape(label), escape(&text)));
        }
        out.push('\n');
    }

    if !plan.groups.is_empty() {
        let drift = over_budget(plan);
        out.push_str("#### Groups\n\n| group | state | lag by topic |\n|---|---|---|\n");
        for view in &plan.groups {
            let lags: Vec<String> = view
                .topics
                .iter()
                .map(|(topic, lag)| {
                    let over = drift.get(&(view.name.as_str(), topic.as_str()));
                    let mark = if over.is_some() { "! " } else { "" };
                    let text = topic_lag_text(lag, over.map(|(_, budget)| *budget));
                    format!("{mark}{}: {}", cell(code(topic)), escape(&text))
                })
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(code(&view.name)),
                escape(&group_state_text(view)),
                if lags.is_empty() {
                    "–".to_string()
                } else {
                    lags.join("<br>")
                }
            ));
        }
        for d in unattached_drift(plan) {
            out.push_str(&format!("| | ! {} | |\n", escape(&drift_text(d))));
        }
        out.push('\n');
    }

    out.push_str(&format!("Fingerprint {}", code(&plan.fingerprint)));
    if let Some(hint) = next_step(plan) {
        out.push_str(&format!(" · {hint}"));
    }
    out.push('\n');
    out
}

/// One resource as a collapsible block; `origin` says which file declared it, in a
/// topology made of several files.
fn details(block: &Block<'_>, origin: Option<String>) -> String {
    let open = if block.is_refused() || block.risk_count() > 0 {
        " open"
    } else {
        ""
    };
    let mut label = html(&block.label);
    let risks = block.risk_count();
    if risks > 0 {
        label.push_str(&format!(" · {}", plural(risks, "risk", "risks")));
    }
    if let Some(origin) = origin {
        label.push_str(&format!(" · {}", html(&origin)));
    }
    let summary = format!(
        "<code>{} {}</code> {label}",
        block.mark.glyph(),
        html(&block.resource.to_string())
    );
    let body: Vec<String> = block_lines(
        block,
        &Layout {
            indent: 0,
            explicit_marks: true,
        },
    )
    .iter()
    .map(|l| unstyled(l))
    .collect();
    let body = body.join("\n");
    let fence = "`".repeat((longest_run(&body, '`') + 1).max(3));
    format!("<details{open}>\n<summary>{summary}</summary>\n\n{fence}diff\n{body}\n{fence}\n\n</details>\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_become_markup() {
        assert_eq!(escape("a<b>|c_d*"), "a&lt;b&gt;\\|c\\_d\\*");
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("odd`name"), "`` odd`name ``");
        assert_eq!(html("<x & y>"), "&lt;x &amp; y&gt;");
    }
}
