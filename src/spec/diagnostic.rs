//! Diagnostics for topology files: what went wrong, where (file, line, column), and how
//! to fix it, rendered in the compiler style operators already know how to read.
//!
//! A diagnostic carries its own copy of the offending source line so it can be rendered
//! long after the source text is gone (the shell prints it after loading has finished).
//!
//! What a load reports is bounded whatever the input: at most [`MAX_DIAGNOSTICS`] are kept
//! (the rest are only counted, "and N more"), each quotes at most [`MAX_EXCERPT`]
//! characters of its line around the caret, and messages are cut at [`MAX_MESSAGE`]
//! characters. A hostile file of megabytes on one line yields kilobytes of errors.

use std::fmt;
use std::ops::Range;

use crate::units::plural;

/// Whether a diagnostic blocks loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    fn label(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One located problem in a topology file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// 1-based line of the span's start.
    pub line: usize,
    /// 1-based column of the span's start, counted in characters (not bytes).
    pub col: usize,
    pub message: String,
    pub help: Option<String>,
    /// Number of characters to underline, at least 1; spans crossing a line end are cut
    /// there so the caret line never runs past the quoted source line.
    pub len: usize,
    /// The text of line `line` without its line terminator, or the window of it around
    /// the caret when the line is longer than [`MAX_EXCERPT`] characters.
    pub source_line: String,
    /// Characters of the line left out before `source_line` (0 when it starts the line).
    pub excerpt_start: usize,
    /// Whether characters of the line are left out after `source_line`.
    pub excerpt_cut: bool,
}

/// Diagnostics kept per load; further ones are counted, not stored.
pub const MAX_DIAGNOSTICS: usize = 100;
/// Characters of a source line quoted in one diagnostic.
pub(crate) const MAX_EXCERPT: usize = 160;
/// Characters quoted before the caret when a line is cut.
const EXCERPT_LEAD: usize = 60;
/// Characters of a message or help text; they quote names and values from the file.
pub(crate) const MAX_MESSAGE: usize = 400;

/// `text` cut to `max` characters, marking the cut.
pub(crate) fn clip(mut text: String, max: usize) -> String {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
        text.push('…');
    }
    text
}

impl Diagnostic {
    pub(crate) fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = " ".repeat(self.line.to_string().len());
        writeln!(
            f,
            "{}:{}:{}: {}: {}",
            self.file,
            self.line,
            self.col,
            self.severity.label(),
            self.message
        )?;
        writeln!(f, "{gutter} |")?;
        let (lead, tail) = (
            if self.excerpt_start > 0 { "…" } else { "" },
            if self.excerpt_cut { "…" } else { "" },
        );
        writeln!(f, "{} | {lead}{}{tail}", self.line, self.source_line)?;
        // Tabs are copied rather than replaced by spaces so the carets stay under the
        // span whatever tab width the terminal uses.
        let indent: String = lead
            .chars()
            .map(|_| ' ')
            .chain(
                self.source_line
                    .chars()
                    .take(self.col.saturating_sub(1 + self.excerpt_start))
                    .map(|c| if c == '\t' { '\t' } else { ' ' }),
            )
            .collect();
        write!(f, "{gutter} | {indent}{}", "^".repeat(self.len.max(1)))?;
        if let Some(help) = &self.help {
            write!(f, "\n{gutter} = help: {help}")?;
        }
        Ok(())
    }
}

/// Diagnostics found beyond [`MAX_DIAGNOSTICS`]: counted, not kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omitted {
    pub errors: usize,
    pub warnings: usize,
    /// Whether checks were skipped once the report was full of errors (declarations past
    /// that point are checked alone, not kept for the checks across them), so the counts
    /// are a lower bound.
    pub partial: bool,
}

/// The diagnostics of one load, in source order: the first [`MAX_DIAGNOSTICS`] found, and
/// how many more there were.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_all(.0, .1))]
pub struct Diagnostics(pub Vec<Diagnostic>, pub Omitted);

impl Diagnostics {
    /// Every error found, including those not kept.
    pub(crate) fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count() + self.1.errors
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }
}

fn render_all(diagnostics: &[Diagnostic], omitted: &Omitted) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.to_string());
        out.push_str("\n\n");
    }
    let more = omitted.errors + omitted.warnings;
    let at_least = if omitted.partial { "at least " } else { "" };
    if more > 0 {
        out.push_str(&format!(
            "... and {at_least}{more} more not shown ({}, {}); fix the ones above and run again\n\n",
            plural(omitted.errors, "error", "errors"),
            plural(omitted.warnings, "warning", "warnings")
        ));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count() + omitted.errors;
    let warnings = diagnostics.len() + omitted.errors + omitted.warnings - errors;
    out.push_str(at_least);
    out.push_str(&plural(errors, "error", "errors"));
    out.push_str(", ");
    out.push_str(&plural(warnings, "warning", "warnings"));
    out
}

/// `text` (found at byte `at` of the source) with characters inside `masks` as `*`.
fn mask(text: &str, at: usize, masks: &[Range<usize>]) -> String {
    let first = masks.partition_point(|m| m.end <= at);
    let relevant = &masks[first..];
    if relevant.first().is_none_or(|m| m.start >= at + text.len()) {
        return text.to_string();
    }
    text.char_indices()
        .map(|(i, c)| {
            let pos = at + i;
            let k = relevant.partition_point(|m| m.end <= pos);
            if relevant.get(k).is_some_and(|m| m.start <= pos) {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// Turns byte offsets into lines and columns; built once per load.
pub(crate) struct SourceMap<'s> {
    file: &'s str,
    source: &'s str,
    /// `u32` halves what a file of nothing but newlines costs; topology files are read
    /// with a size limit far below 4 GiB.
    line_starts: Vec<u32>,
}

impl<'s> SourceMap<'s> {
    pub(crate) fn new(file: &'s str, source: &'s str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(
                source
                    .match_indices('\n')
                    .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            )
            .collect();
        SourceMap {
            file,
            source,
            line_starts,
        }
    }

    pub(crate) fn source(&self) -> &'s str {
        self.source
    }

    /// The nearest char boundary at or before `offset`, so a span from any origin can be
    /// sliced safely.
    fn floor(&self, offset: usize) -> usize {
        let mut at = offset.min(self.source.len());
        while !self.source.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// 0-based index of the line holding `offset`.
    fn line_index(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s as usize <= offset) - 1
    }

    /// 1-based line number of `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.line_index(self.floor(offset)) + 1
    }

    pub(crate) fn diagnostic(
        &self,
        severity: Severity,
        span: Range<usize>,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        self.diagnostic_masked(severity, span, message, help, &[])
    }

    /// A diagnostic whose quoted line shows `*` for every character inside `masks`
    /// (sorted, non-overlapping byte ranges): client property values may be credentials,
    /// and a diagnostic on their line must not print them.
    pub(crate) fn diagnostic_masked(
        &self,
        severity: Severity,
        span: Range<usize>,
        message: String,
        help: Option<String>,
        masks: &[Range<usize>],
    ) -> Diagnostic {
        let start = self.floor(span.start);
        let end = self.floor(span.end.max(start));
        let index = self.line_index(start);
        let line_start = self.line_starts[index] as usize;
        let line_end = self.source[line_start..]
            .find('\n')
            .map_or(self.source.len(), |i| line_start + i);
        let line_text = self.source[line_start..line_end]
            .strip_suffix('\r')
            .unwrap_or(&self.source[line_start..line_end]);
        let visible_end = line_start + line_text.len();
        let col = self.source[line_start..start].chars().count() + 1;
        let len = if start >= visible_end {
            1
        } else {
            self.source[start..end.min(visible_end)]
                .chars()
                .take(MAX_EXCERPT)
                .count()
                .max(1)
        };
        // A long line is quoted as a window around the caret, so a diagnostic's size does
        // not depend on how long its line is.
        let line_chars = line_text.chars().count();
        let excerpt_start = if line_chars <= MAX_EXCERPT {
            0
        } else {
            (col - 1)
                .saturating_sub(EXCERPT_LEAD)
                .min(line_chars - MAX_EXCERPT)
        };
        let mut chars = line_text.char_indices().skip(excerpt_start);
        let from = chars.next().map_or(line_text.len(), |(i, _)| i);
        let window = &line_text[from..];
        let to = window
            .char_indices()
            .nth(MAX_EXCERPT)
            .map_or(window.len(), |(i, _)| i);
        let excerpt_cut = to < window.len();
        let shown_after_caret = MAX_EXCERPT.saturating_sub(col - 1 - excerpt_start);
        Diagnostic {
            severity,
            file: self.file.to_string(),
            line: index + 1,
            col,
            message: clip(message, MAX_MESSAGE),
            help: help.map(|h| clip(h, MAX_MESSAGE)),
            len: len.min(shown_after_caret.max(1)),
            source_line: mask(&window[..to], line_start + from, masks),
            excerpt_start,
            excerpt_cut,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_compiler_style() {
        let mut source = "\n".repeat(11);
        source.push_str("config = { \"retension.ms\" = \"7d\" }\n");
        let map = SourceMap::new("topology.toml", &source);
        let start = source.find("\"retension").unwrap();
        let d = map.diagnostic(
            Severity::Error,
            start..start + 14,
            "unknown topic config `retension.ms`".into(),
            Some("did you mean `retention.ms`?".into()),
        );
        assert_eq!((d.line, d.col, d.len), (12, 12, 14));
        assert_eq!(
            d.to_string(),
            "topology.toml:12:12: error: unknown topic config `retension.ms`\n   \
             |\n12 | config = { \"retension.ms\" = \"7d\" }\n   \
             |            ^^^^^^^^^^^^^^\n   = help: did you mean `retention.ms`?"
        );
    }

    #[test]
    fn columns_count_characters_and_multiline_spans_stop_at_line_end() {
        let source = "a = \"ü\" # é\nname = \"\"\"x\r\ny\"\"\"\n";
        let map = SourceMap::new("t.toml", source);
        let d = map.diagnostic(
            Severity::Warning,
            source.find('#').unwrap()..source.len(),
            "w".into(),
            None,
        );
        assert_eq!((d.line, d.col, d.len), (1, 9, 3));
        let start = source.find("\"\"\"").unwrap();
        let d = map.diagnostic(Severity::Error, start..source.len(), "e".into(), None);
        assert_eq!((d.line, d.col, d.len), (2, 8, 4));
        assert_eq!(d.source_line, "name = \"\"\"x");
        assert!(d.to_string().starts_with("t.toml:2:8: error: e\n"));
    }

    #[test]
    fn spans_at_end_of_input_get_one_caret() {
        let source = "a = [\n";
        let map = SourceMap::new("t.toml", source);
        let d = map.diagnostic(Severity::Error, 6..6, "e".into(), None);
        assert_eq!((d.line, d.col, d.len), (2, 1, 1));
        assert_eq!(d.to_string(), "t.toml:2:1: error: e\n  |\n2 | \n  | ^");
    }

    #[test]
    fn summary_counts_with_plurals() {
        let map = SourceMap::new("t.toml", "x\n");
        let e = map.diagnostic(Severity::Error, 0..1, "e".into(), None);
        let w = map.diagnostic(Severity::Warning, 0..1, "w".into(), None);
        let one = Diagnostics(vec![e.clone()], Omitted::default()).to_string();
        assert!(one.ends_with("\n\n1 error, 0 warnings"), "{one}");
        let many = Diagnostics(vec![e.clone(), e, w], Omitted::default()).to_string();
        assert!(many.ends_with("2 errors, 1 warning"), "{many}");
        assert!(many.contains("t.toml:1:1: warning: w"));
        let capped = Diagnostics(
            vec![map.diagnostic(Severity::Error, 0..1, "e".into(), None)],
            Omitted {
                errors: 4,
                warnings: 1,
                partial: false,
            },
        )
        .to_string();
        assert!(
            capped.ends_with(
                "... and 5 more not shown (4 errors, 1 warning); fix the ones above and run \
                 again\n\n5 errors, 1 warning"
            ),
            "{capped}"
        );
    }

    #[test]
    fn long_lines_are_quoted_around_the_caret() {
        let mut source = "x".repeat(100_000);
        source.push_str("BAD");
        source.push_str(&"y".repeat(100_000));
        let map = SourceMap::new("t.toml", &source);
        let d = map.diagnostic(Severity::Error, 100_000..200_003, "e".repeat(10_000), None);
        assert_eq!((d.line, d.col), (1, 100_001));
        assert_eq!(d.excerpt_start, 100_000 - EXCERPT_LEAD);
        assert!(d.excerpt_cut);
        assert_eq!(d.source_line.chars().count(), MAX_EXCERPT);
        assert_eq!(d.message.chars().count(), MAX_MESSAGE + 1);
        let text = d.to_string();
        assert!(
            text.len() < 2 * (MAX_EXCERPT + MAX_MESSAGE) + 100,
            "{}",
            text.len()
        );
        let lines: Vec<&str> = text.lines().collect();
        let quoted = lines[2].find("BAD").expect("the span is quoted");
        let caret = lines[3].find('^').expect("a caret");
        // The caret sits under the span in the quoted window.
        assert_eq!(
            lines[2][..quoted].chars().count(),
            lines[3][..caret].chars().count()
        );
        assert_eq!(d.len, MAX_EXCERPT - EXCERPT_LEAD);
    }
}
