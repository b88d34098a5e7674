//! The byte-level pieces of TOML shared by the parser (which checks them) and the tree
//! (which decodes them later from their spans): keys, strings and integers.
//!
//! Decoding trusts the parser's check: it never fails, and on text the parser would have
//! refused it returns something harmless rather than panicking.

use std::borrow::Cow;

/// Bytes of a bare key.
pub(super) fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// End offset of the key (bare, `"basic"` or `'literal'`) that starts at `at`.
pub(super) fn key_end(b: &[u8], at: usize) -> usize {
    let mut i = at;
    match b.get(at) {
        Some(b'"') => {
            i += 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return i + 1,
                    _ => i += 1,
                }
            }
            b.len()
        }
        Some(b'\'') => match b[at + 1..].iter().position(|&c| c == b'\'') {
            Some(p) => at + 1 + p + 1,
            None => b.len(),
        },
        _ => {
            while i < b.len() && is_bare(b[i]) {
                i += 1;
            }
            i
        }
    }
}

/// A key's name from its text as written.
pub(super) fn key(raw: &str) -> Cow<'_, str> {
    if let Some(body) = raw.strip_prefix('"') {
        unescape(body.strip_suffix('"').unwrap_or(body))
    } else if let Some(body) = raw.strip_prefix('\'') {
        Cow::Borrowed(body.strip_suffix('\'').unwrap_or(body))
    } else {
        Cow::Borrowed(raw)
    }
}

/// A string value from its text as written, delimiters included.
pub(super) fn string(raw: &str) -> Cow<'_, str> {
    if let Some(body) = raw.strip_prefix("\"\"\"") {
        let body = body.strip_suffix("\"\"\"").unwrap_or(body);
        unescape(skip_first_newline(body))
    } else if let Some(body) = raw.strip_prefix("'''") {
        let body = body.strip_suffix("'''").unwrap_or(body);
        Cow::Borrowed(skip_first_newline(body))
    } else if let Some(body) = raw.strip_prefix('"') {
        unescape(body.strip_suffix('"').unwrap_or(body))
    } else if let Some(body) = raw.strip_prefix('\'') {
        Cow::Borrowed(body.strip_suffix('\'').unwrap_or(body))
    } else {
        Cow::Borrowed(raw)
    }
}

/// A multi-line string drops a newline right after its opening delimiter.
fn skip_first_newline(body: &str) -> &str {
    body.strip_prefix('\n')
        .or_else(|| body.strip_prefix("\r\n"))
        .unwrap_or(body)
}

/// Resolves escapes in the body of a basic string (multi-line ones included: a `\` at
/// the end of a line drops the line break and the whitespace after it).
fn unescape(body: &str) -> Cow<'_, str> {
    if !body.contains('\\') {
        return Cow::Borrowed(body);
    }
    let b = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < b.len() {
        let Some(p) = b[i..].iter().position(|&c| c == b'\\') else {
            out.push_str(&body[i..]);
            break;
        };
        out.push_str(&body[i..i + p]);
        i += p + 1;
        let Some(&e) = b.get(i) else { break };
        i += 1;
        let simple = match e {
            b'b' => Some('\u{8}'),
            b't' => Some('\t'),
            b'n' => Some('\n'),
            b'f' => Some('\u{c}'),
            b'r' => Some('\r'),
            b'e' => Some('\u{1b}'),
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        let digits = match e {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            _ => {
                // A line-ending backslash: skip whitespace and line breaks.
                i -= 1;
                while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
                continue;
            }
        };
        let hex = body.get(i..i + digits).unwrap_or("");
        i += digits;
        let c = u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        out.push(c);
    }
    Cow::Owned(out)
}

/// An integer literal's value, `None` when it does not fit in an `i64`.
pub(super) fn integer(text: &str) -> Option<i64> {
    let (radix, digits) = match text.get(..2) {
        Some("0x") => (16, &text[2..]),
        Some("0o") => (8, &text[2..]),
        Some("0b") => (2, &text[2..]),
        _ => (10, text),
    };
    let clean: Cow<'_, str> = if digits.contains('_') {
        Cow::Owned(digits.replace('_', ""))
    } else {
        Cow::Borrowed(digits)
    };
    i64::from_str_radix(&clean, radix).ok()
}
