//! The one writer for what commands print as their result, plus the terminal facts the
//! renderers are given (colour, width).
//!
//! A closed pipe (`topo schema | head -1`) ends the output quietly and the command keeps
//! the exit code it would have had; any other write error (a full disk) is an error, exit
//! 1 with a message. Renderers never detect anything themselves; what is decided here is
//! passed to them, so the same plan and options always render to the same bytes.

use std::io::{ErrorKind, Write};

use crate::cli::Format;
use crate::error::Error;
use crate::plan::Plan;
use crate::render;

/// Whether standard output takes colour (a terminal, NO_COLOR unset, and so on).
pub(crate) fn color_stdout() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// The width of the terminal standard output goes to, if it is one: tables then wrap to
/// fit instead of breaking every line; piped output stays unwrapped for tools.
pub(crate) fn terminal_width() -> Option<u16> {
    comfy_table::Table::new().width()
}

/// Writes `text` to standard output (colour codes are dropped where it takes none).
pub(crate) fn write(text: &str) -> Result<(), Error> {
    let mut out = anstream::stdout();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(Error::Output(e)),
        // The reader has gone; nothing more can reach it, and nothing else is wrong.
        _ => Ok(()),
    }
}

/// The plan as `format` renders it, for standard output.
pub(crate) fn plan_text(plan: &Plan, format: Format, next_step: bool) -> String {
    let text = match format {
        Format::Human => render::human(
            plan,
            &render::HumanOptions {
                color: color_stdout(),
                next_step,
            },
        ),
        Format::Json => render::json(plan),
        Format::Markdown => render::markdown(plan),
        Format::Prometheus => render::prometheus(plan),
        Format::Summary => render::summary_table(plan),
    };
    format!("{}\n", text.trim_end())
}

/// Prints the plan in `format`, with the hint on what to do next.
pub(crate) fn print_plan(plan: &Plan, format: Format) -> Result<(), Error> {
    write(&plan_text(plan, format, true))
}
