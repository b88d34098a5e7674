//! Diffs of long config values (comma lists such as throttled replicas, long free-text
//! values) so a reviewer sees what changed instead of comparing two 200-character strings
//! by eye. Pure text work with `similar`; no IO.

use similar::{Algorithm, ChangeTag, TextDiff};

use super::{plain, span, Role, TextLine};

/// Values longer than this are shown as a diff instead of `before → after`.
const LONG: usize = 60;

/// Unchanged text kept on each side of a change when the rest is elided.
const CONTEXT: usize = 12;

pub(super) fn is_long(value: &str) -> bool {
    value.chars().count() > LONG
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Same(String),
    Removed(String),
    Added(String),
}

/// Items of a comma list, trimmed, as Kafka reads them (`a, b` and `a,b` are one list).
fn items(value: &str) -> Vec<&str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// What a list change removes and adds, item by item, and how many items stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ListDiff {
    pub before: usize,
    pub after: usize,
    pub removed: Vec<String>,
    pub added: Vec<String>,
}

pub(super) fn list_diff(before: &str, after: &str) -> ListDiff {
    let old = items(before);
    let new = items(after);
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_slices(&old, &new);
    let mut out = ListDiff {
        before: old.len(),
        after: new.len(),
        removed: Vec::new(),
        added: Vec::new(),
    };
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Delete => out.removed.push(change.value().to_string()),
            ChangeTag::Insert => out.added.push(change.value().to_string()),
            ChangeTag::Equal => {}
        }
    }
    out
}

/// Word-level diff, or character-level when neither value has spaces (one long token,
/// where a word diff would only say "everything changed"), merged into runs.
pub(super) fn inline_diff(before: &str, after: &str) -> Vec<Piece> {
    let mut config = TextDiff::configure();
    config.algorithm(Algorithm::Patience);
    let diff = if is_spaced(before, after) {
        config.diff_words(before, after)
    } else {
        config.diff_chars(before, after)
    };
    let mut pieces: Vec<Piece> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        match (pieces.last_mut(), change.tag()) {
            (Some(Piece::Same(run)), ChangeTag::Equal)
            | (Some(Piece::Removed(run)), ChangeTag::Delete)
            | (Some(Piece::Added(run)), ChangeTag::Insert) => run.push_str(text),
            (_, ChangeTag::Equal) => pieces.push(Piece::Same(text.to_string())),
            (_, ChangeTag::Delete) => pieces.push(Piece::Removed(text.to_string())),
            (_, ChangeTag::Insert) => pieces.push(Piece::Added(text.to_string())),
        }
    }
    pieces
}

/// The first `n` characters; with `words`, cut back to the last word boundary so context
/// never ends in half a word.
fn head(text: &str, n: usize, words: bool) -> String {
    let cut: String = text.chars().take(n).collect();
    match cut.rfind(char::is_whitespace) {
        Some(i) if words && i > 0 => cut[..i].to_string(),
        _ => cut,
    }
}

/// The last `n` characters; with `words`, cut forward to the next word boundary.
fn tail(text: &str, n: usize, words: bool) -> String {
    let len = text.chars().count();
    let cut: String = text.chars().skip(len.saturating_sub(n)).collect();
    match cut.find(char::is_whitespace) {
        Some(i) if words && i + 1 < cut.len() => cut[i + 1..].to_string(),
        _ => cut,
    }
}

/// Shortens unchanged runs to a little context around each change, so the changed parts
/// of a long value stay on one screen line.
pub(super) fn elide(pieces: Vec<Piece>, words: bool) -> Vec<Piece> {
    let last = pieces.len().saturating_sub(1);
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| match piece {
            Piece::Same(run) => {
                let len = run.chars().count();
                let (first, end) = (i == 0, i == last);
                Piece::Same(if first && end {
                    run
                } else if first && len > CONTEXT + 1 {
                    format!("…{}", tail(&run, CONTEXT, words))
                } else if end && len > CONTEXT + 1 {
                    format!("{}…", head(&run, CONTEXT, words))
                } else if !first && !end && len > 2 * CONTEXT + 1 {
                    format!(
                        "{}…{}",
                        head(&run, CONTEXT, words),
                        tail(&run, CONTEXT, words)
                    )
                } else {
                    run
                })
            }
            other => other,
        })
        .collect()
}

fn is_spaced(before: &str, after: &str) -> bool {
    before.contains(char::is_whitespace) || after.contains(char::is_whitespace)
}

/// The value and the lines below it for a change where either side is long: comma lists
/// as removed and added items, other text as an inline diff marked `[-removed-]{+added+}`
/// (markers stay with colour on, so the meaning never depends on colour).
pub(super) fn long_change(before: &str, after: &str) -> (TextLine, Vec<TextLine>) {
    if before.contains(',') || after.contains(',') {
        let diff = list_diff(before, after);
        let value = format!(
            "{} → {} items ({} removed, {} added)",
            diff.before,
            diff.after,
            diff.removed.len(),
            diff.added.len()
        );
        let mut detail = Vec::new();
        if !diff.removed.is_empty() {
            detail.push(vec![span(
                Role::Removed,
                format!("- {}", diff.removed.join(", ")),
            )]);
        }
        if !diff.added.is_empty() {
            detail.push(vec![span(
                Role::Added,
                format!("+ {}", diff.added.join(", ")),
            )]);
        }
        return (vec![plain(value)], detail);
    }
    let value = format!(
        "{} → {} characters, changed parts below",
        before.chars().count(),
        after.chars().count()
    );
    let line = elide(inline_diff(before, after), is_spaced(before, after))
        .into_iter()
        .map(|piece| match piece {
            Piece::Same(text) => plain(text),
            Piece::Removed(text) => span(Role::Removed, format!("[-{text}-]")),
            Piece::Added(text) => span(Role::Added, format!("{{+{text}+}}")),
        })
        .collect();
    (vec![plain(value)], vec![line])
}

#[cfg(test)]
mod tests {
    use super::super::unstyled;
    use super::*;

    #[test]
    fn only_values_over_sixty_characters_are_long() {
        assert!(!is_long(&"x".repeat(60)));
        assert!(is_long(&"x".repeat(61)));
    }

    #[test]
    fn lists_diff_by_item_ignoring_spaces() {
        let before = "0:101,0:102,1:101,1:102,2:101,2:102,3:101,3:102,4:101,4:102";
        let after = "0:101, 0:102, 1:101, 1:103, 2:101, 2:102, 3:101, 3:102, 4:101, 4:102, 5:101";
        let diff = list_diff(before, after);
        assert_eq!(diff.before, 10);
        assert_eq!(diff.after, 11);
        assert_eq!(diff.removed, ["1:102"]);
        assert_eq!(diff.added, ["1:103", "5:101"]);

        let (value, detail) = long_change(before, after);
        assert_eq!(unstyled(&value), "10 → 11 items (1 removed, 2 added)");
        let detail: Vec<String> = detail.iter().map(|l| unstyled(l)).collect();
        assert_eq!(detail, ["- 1:102", "+ 1:103, 5:101"]);
        assert_eq!(long_change(before, after).1[0][0].role, Role::Removed);
    }

    #[test]
    fn text_diffs_by_word_and_elides_unchanged_runs() {
        let before = "the quick brown fox jumps over the lazy dog and keeps running far away";
        let after = "the quick brown fox leaps over the lazy dog and keeps running far away";
        let pieces = inline_diff(before, after);
        assert!(pieces.contains(&Piece::Removed("jumps".into())));
        assert!(pieces.contains(&Piece::Added("leaps".into())));
        let (_, detail) = long_change(before, after);
        assert_eq!(
            unstyled(&detail[0]),
            "…brown fox [-jumps-]{+leaps+} over the…"
        );
    }

    #[test]
    fn single_tokens_diff_by_character() {
        let before = format!("{}-alpha", "x".repeat(60));
        let after = format!("{}-omega", "x".repeat(60));
        let (value, detail) = long_change(&before, &after);
        assert_eq!(unstyled(&value), "66 → 66 characters, changed parts below");
        assert_eq!(unstyled(&detail[0]), "…xxxxxxxxxxx-[-alph-]{+omeg+}a");
    }

    #[test]
    fn elision_keeps_short_runs_whole() {
        let pieces = vec![
            Piece::Same("ab ".into()),
            Piece::Removed("c".into()),
            Piece::Same(" de".into()),
        ];
        assert_eq!(elide(pieces.clone(), true), pieces);
    }
}
