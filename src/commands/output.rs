//! Terminal facts and plan printing the commands share: whether standard output takes
//! colour, how wide its terminal is, and printing a plan in the chosen format.
//!
//! Renderers never detect anything themselves; what is decided here is passed to them, so
//! the same plan and the same options always render to the same bytes.

use std::io::Write;

use crate::cli::Format;
use crate::plan::Plan;
use crate::render;

/// Whether standard output takes colour (a terminal, NO_COLOR unset, and so on).
pub(super) fn color_stdout() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// The width of the terminal standard output goes to, if it is one: tables then wrap to
/// fit instead of breaking every line; piped output stays unwrapped for tools.
pub(super) fn terminal_width() -> Option<u16> {
    comfy_table::Table::new().width()
}

/// Prints the plan in `format`, or its summary table.
pub(super) fn print_plan(plan: &Plan, format: Format, summary: bool) {
    let text = plan_text(plan, format, summary);
    let mut out = anstream::stdout();
    let _ = writeln!(out, "{}", text.trim_end());
}

/// The plan in `format`, or its summary table, as printed.
pub(super) fn plan_text(plan: &Plan, format: Format, summary: bool) -> String {
    if summary {
        render::summary_table(plan)
    } else {
        match format {
            Format::Human => render::human(
                plan,
                &render::HumanOptions {
                    color: color_stdout(),
                },
            ),
            Format::Json => render::json(plan),
            Format::Markdown => render::markdown(plan),
            Format::Prometheus => render::prometheus(plan),
        }
    }
}
