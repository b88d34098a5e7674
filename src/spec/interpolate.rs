//! `${VAR}` / `${VAR:-default}` interpolation of topology strings, with `$$` for a literal
//! `$`. The environment is a lookup function handed in by the caller, never the process
//! environment, so loading stays a pure function of its inputs.
//!
//! Every problem in a string is reported (not just the first), each with the byte range
//! inside the decoded string, which the caller maps back onto the source file.

use std::ops::Range;

/// How deeply `${A:-${B:-...}}` defaults may nest. Each level is a recursion of the
/// parser, so without a limit a hostile string overflows the stack; real files nest once
/// or twice.
pub(crate) const MAX_NESTING: usize = 16;

/// One problem in an interpolated string; `range` indexes the decoded string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InterpError {
    pub range: Range<usize>,
    pub message: String,
    pub help: Option<String>,
    /// The variable's name when the problem is only that it is not set: `topo validate`
    /// reports that as a note, since the file may be fine where it runs.
    pub unset: Option<String>,
}

/// Expands every `${...}` in `text`. `:-` takes the default when the variable is unset or
/// empty, as in POSIX shells, so `FOO=` in a `.env` file does not produce an empty name.
pub(crate) fn expand(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Vec<InterpError>> {
    let mut parser = Parser {
        text,
        pos: 0,
        env,
        errors: Vec::new(),
        depth: 0,
        halted: false,
    };
    let out = parser.run(false, true);
    if parser.errors.is_empty() {
        Ok(out)
    } else {
        Err(parser.errors)
    }
}

/// Whether a string uses interpolation at all (the secret-in-clear check needs this).
pub(crate) fn has_reference(text: &str) -> bool {
    text.contains("${")
}

struct Parser<'t, 'e> {
    text: &'t str,
    pos: usize,
    env: &'e dyn Fn(&str) -> Option<String>,
    errors: Vec<InterpError>,
    /// Defaults currently open around `pos`.
    depth: usize,
    /// Set once nesting went too deep: the rest of the string is not parsed, and the
    /// enclosing references do not add "unterminated" errors of their own.
    halted: bool,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn error(&mut self, range: Range<usize>, message: String, help: Option<&str>) {
        self.errors.push(InterpError {
            range,
            message,
            help: help.map(str::to_string),
            unset: None,
        });
    }

    /// Copies text until the end (or, inside a default, until the closing `}`), expanding
    /// references. `active` is false inside a default that will not be used: its syntax
    /// is still checked but its variables are not required to be set, as in a shell.
    fn run(&mut self, in_default: bool, active: bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            match c {
                '}' if in_default => return out,
                '$' => self.dollar(&mut out, active),
                _ => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        out
    }

    fn dollar(&mut self, out: &mut String, active: bool) {
        let start = self.pos;
        self.pos += 1;
        match self.peek() {
            Some('$') => {
                self.pos += 1;
                out.push('$');
            }
            Some('{') => {
                self.pos += 1;
                self.reference(start, out, active);
            }
            _ => {
                out.push('$');
                self.error(
                    start..start + 1,
                    "`$` must start a `${VAR}` reference".to_string(),
                    Some("write `${VAR}` to interpolate, or `$$` for a literal `$`"),
                );
            }
        }
    }

    /// Parses the rest of `${NAME}` or `${NAME:-default}`; `start` is the `$`.
    fn reference(&mut self, start: usize, out: &mut String, active: bool) {
        let name_start = self.pos;
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            self.pos += c.len_utf8();
        }
        let name = &self.text[name_start..self.pos];
        let name_ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let rest = &self.text[self.pos..];
        let default = if rest.starts_with('}') {
            self.pos += 1;
            None
        } else if rest.starts_with(":-") {
            if self.depth >= MAX_NESTING {
                self.error(
                    start..self.text.len(),
                    format!("`${{...}}` defaults nest more than {MAX_NESTING} levels deep"),
                    Some("flatten the defaults; each level adds one `${NAME:-...}`"),
                );
                self.pos = self.text.len();
                self.halted = true;
                return;
            }
            self.pos += 2;
            let value = (self.env)(name).filter(|v| !v.is_empty());
            self.depth += 1;
            let default = self.run(true, active && value.is_none());
            self.depth -= 1;
            if self.halted {
                return;
            }
            if self.peek() != Some('}') {
                self.error(
                    start..self.text.len(),
                    "unterminated `${`".to_string(),
                    Some("close the reference with `}`"),
                );
                return;
            }
            self.pos += 1;
            Some(default)
        } else {
            // Skip to the closing brace so one typo does not cascade into more errors.
            let end = rest.find('}').map(|i| self.pos + i + 1);
            match end {
                None => self.error(
                    start..self.text.len(),
                    "unterminated `${`".to_string(),
                    Some("close the reference with `}`"),
                ),
                Some(end) => {
                    let shown = &self.text[start..end];
                    let message = if name_ok {
                        format!("unsupported reference `{shown}`")
                    } else {
                        format!("invalid variable name in `{shown}`")
                    };
                    self.error(
                        start..end,
                        message,
                        Some(
                            "use `${NAME}` or `${NAME:-default}`; names are letters, digits \
                             and `_`, not starting with a digit",
                        ),
                    );
                    self.pos = end;
                }
            }
            return;
        };
        let range = start..self.pos;
        if !name_ok {
            self.error(
                range,
                format!("invalid variable name in `{}`", &self.text[start..self.pos]),
                Some("names are letters, digits and `_`, not starting with a digit"),
            );
            return;
        }
        match default {
            Some(default) => match (self.env)(name).filter(|v| !v.is_empty()) {
                Some(value) => out.push_str(&value),
                None => out.push_str(&default),
            },
            None => match (self.env)(name) {
                Some(value) => out.push_str(&value),
                None if active => {
                    let help = format!("set `{name}`, or give a default: `${{{name}:-value}}`");
                    self.error(
                        range,
                        format!("environment variable `{name}` is not set"),
                        Some(&help),
                    );
                    if let Some(last) = self.errors.last_mut() {
                        last.unset = Some(name.to_string());
                    }
                }
                None => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOPIC" => Some("orders".into()),
            "EMPTY" => Some(String::new()),
            "_X1" => Some("x".into()),
            _ => None,
        }
    }

    fn ok(text: &str) -> String {
        match expand(text, &env) {
            Ok(s) => s,
            Err(e) => panic!("{text}: {e:?}"),
        }
    }

    fn errs(text: &str) -> Vec<(Range<usize>, String)> {
        match expand(text, &env) {
            Ok(s) => panic!("{text} expanded to {s}"),
            Err(e) => e.into_iter().map(|e| (e.range, e.message)).collect(),
        }
    }

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(ok(""), "");
        assert_eq!(ok("ingestion-events"), "ingestion-events");
        assert_eq!(ok("ünïcode {braces}"), "ünïcode {braces}");
    }

    #[test]
    fn references_and_defaults() {
        assert_eq!(ok("${TOPIC}"), "orders");
        assert_eq!(ok("${TOPIC}-dlq"), "orders-dlq");
        assert_eq!(ok("${_X1}${TOPIC}"), "xorders");
        assert_eq!(ok("${MISSING:-fallback}"), "fallback");
        assert_eq!(ok("${TOPIC:-fallback}"), "orders");
        assert_eq!(ok("${MISSING:-}"), "");
        // An empty value counts as unset for `:-`, but not for a plain reference.
        assert_eq!(ok("${EMPTY:-d}"), "d");
        assert_eq!(ok("a${EMPTY}b"), "ab");
        assert_eq!(ok("${MISSING:-localhost:19092}"), "localhost:19092");
    }

    #[test]
    fn defaults_nest_and_are_lazy() {
        assert_eq!(ok("${MISSING:-${TOPIC}}"), "orders");
        assert_eq!(ok("${MISSING:-${ALSO_MISSING:-x}}"), "x");
        // The default is not used, so its unset variable is not an error.
        assert_eq!(ok("${TOPIC:-${ALSO_MISSING}}"), "orders");
    }

    #[test]
    fn dollar_escapes() {
        assert_eq!(ok("$$"), "$");
        assert_eq!(ok("pa$$word"), "pa$word");
        assert_eq!(ok("$${TOPIC}"), "${TOPIC}");
        assert_eq!(ok("${MISSING:-a$$b}"), "a$b");
    }

    #[test]
    fn unset_variable_names_it_and_points_at_the_reference() {
        assert_eq!(
            errs("pre-${NOPE}-post"),
            vec![(4..11, "environment variable `NOPE` is not set".to_string())]
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let e = errs("${A}${B} $x ${1X} ${Y-d}");
        let messages: Vec<&str> = e.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "environment variable `A` is not set",
                "environment variable `B` is not set",
                "`$` must start a `${VAR}` reference",
                "invalid variable name in `${1X}`",
                "unsupported reference `${Y-d}`",
            ]
        );
        assert_eq!(e[2].0, 9..10);
    }

    #[test]
    fn unterminated_references() {
        assert_eq!(errs("${TOPIC")[0].1, "unterminated `${`");
        assert_eq!(errs("${X:-abc")[0].1, "unterminated `${`");
        assert_eq!(errs("${}")[0].1, "invalid variable name in `${}`");
        assert_eq!(errs("tail $")[0].0, 5..6);
    }

    #[test]
    fn nesting_is_limited_with_a_located_error() {
        let deep = |n: usize| format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
        assert_eq!(ok(&deep(MAX_NESTING)), "x");
        let e = errs(&deep(MAX_NESTING + 1));
        assert_eq!(e.len(), 1, "{e:?}");
        let at = MAX_NESTING * "${A:-".len();
        assert_eq!(e[0].0.start, at);
        assert!(e[0].1.contains("nest more than"), "{e:?}");
        // Far beyond any stack: still one error, no overflow.
        assert_eq!(errs(&deep(1_000_000)).len(), 1);
    }

    #[test]
    fn detects_references() {
        assert!(has_reference("${X}"));
        assert!(!has_reference("$X"));
    }
}
