//! Diagnostics for topology files: what went wrong, where (file, line, column), and how
//! to fix it, rendered in the compiler style operators already know how to read.
//!
//! A diagnostic carries its own copy of the offending source line so it can be rendered
//! long after the source text is gone (the shell prints it after loading has finished).

use std::fmt;
use std::ops::Range;

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
    /// The full text of line `line`, without its line terminator.
    pub source_line: String,
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
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        // Tabs are copied rather than replaced by spaces so the carets stay under the
        // span whatever tab width the terminal uses.
        let indent: String = self
            .source_line
            .chars()
            .take(self.col.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "{gutter} | {indent}{}", "^".repeat(self.len.max(1)))?;
        if let Some(help) = &self.help {
            write!(f, "\n{gutter} = help: {help}")?;
        }
        Ok(())
    }
}

/// Every diagnostic found in one load: all errors and all warnings, in source order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_all(.0))]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub(crate) fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn render_all(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.to_string());
        out.push_str("\n\n");
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    out.push_str(&plural(errors, "error"));
    out.push_str(", ");
    out.push_str(&plural(warnings, "warning"));
    out
}

/// Turns byte offsets into lines and columns; built once per load.
pub(crate) struct SourceMap<'s> {
    file: &'s str,
    source: &'s str,
    line_starts: Vec<usize>,
}

impl<'s> SourceMap<'s> {
    pub(crate) fn new(file: &'s str, source: &'s str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
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
        self.line_starts.partition_point(|&s| s <= offset) - 1
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
        let start = self.floor(span.start);
        let end = self.floor(span.end.max(start));
        let index = self.line_index(start);
        let line_start = self.line_starts[index];
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
                .count()
                .max(1)
        };
        Diagnostic {
            severity,
            file: self.file.to_string(),
            line: index + 1,
            col,
            message,
            help,
            len,
            source_line: line_text.to_string(),
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
        let one = Diagnostics(vec![e.clone()]).to_string();
        assert!(one.ends_with("\n\n1 error, 0 warnings"), "{one}");
        let many = Diagnostics(vec![e.clone(), e, w]).to_string();
        assert!(many.ends_with("2 errors, 1 warning"), "{many}");
        assert!(many.contains("t.toml:1:1: warning: w"));
    }
}
