//! The tree parser against the `toml` crate, the reference: the same files accepted and
//! refused, the same values read. Hand-written cases cover the grammar's corners; a
//! deterministic generator strings fragments together for the combinations nobody wrote.

use super::parse::MAX_DEPTH;
use super::reference::{disagreement, ours};
use super::{parse, Value};

fn assert_agree(cases: &[&str]) {
    let failures: Vec<String> = cases.iter().filter_map(|c| disagreement(c)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn values_agree() {
    assert_agree(&[
        "",
        "a = 1",
        "a = 1\n",
        "a = 1\r\n",
        "a = 1\r",
        "\u{feff}a = 1",
        "a = -0\nb = +7\nc = 1_000\nd = 0xDEAD_beef\ne = 0o755\nf = 0b1101",
        "a = 9223372036854775807\nb = -9223372036854775808",
        "a = 9223372036854775808",
        "a = 0x8000000000000000",
        "a = 0x7fffffffffffffff",
        "a = 01",
        "a = 1__0",
        "a = _1",
        "a = 1_",
        "a = 0x",
        "a = +0x1",
        "a = 0X1",
        "a = 1.5\nb = -0.0\nc = 1e10\nd = 1E-2\ne = 6.626e-34\nf = 1_0.0_1\ng = 1e06",
        "a = inf\nb = -inf\nc = +inf\nd = nan\ne = -nan\nf = +nan",
        "a = 1.\n",
        "a = .5",
        "a = 1.e5",
        "a = 1e",
        "a = 1e+",
        "a = 01.5",
        "a = 1e400",
        "a = 1.0_",
        "a = true\nb = false",
        "a = True",
        "a = tru",
        "a = 1979-05-27T07:32:00Z\nb = 1979-05-27T00:32:00-07:00\nc = 1979-05-27T00:32:00.999999-07:00",
        "a = 1979-05-27 07:32:00Z\nb = 1979-05-27t07:32:00z",
        "a = 1979-05-27T07:32:00\nb = 1979-05-27\nc = 07:32:00\nd = 00:32:00.999999",
        "a = 1979-05-27T07:32Z\nb = 07:32",
        "a = 2000-02-29\nb = 1900-02-29",
        "a = 1979-13-27",
        "a = 1979-05-32",
        "a = 1979-04-31",
        "a = 24:00:00",
        "a = 23:60:00",
        "a = 23:59:60",
        "a = 23:59:61",
        "a = 1979-05-27T07:32:00+24:00",
        "a = 1979-05-27T07:32:00.",
        "a = 07:32:00Z",
        "a = 1979-05-27 ",
        "a = [1979-05-27 , 1979-05-27 07:00:00]",
        "a = 1979-5-27",
        "a = \"\"\nb = \"x\"\nc = 'y'\nd = ''",
        "a = \"\\b\\t\\n\\f\\r\\e\\\"\\\\\\x41\\u00e9\\U0001F600\"",
        "a = \"\\q\"",
        "a = \"\\uD800\"",
        "a = \"\\U00110000\"",
        "a = \"\\u12\"",
        "a = \"\\x4\"",
        "a = \"tab\there\"",
        "a = \"bell\u{7}\"",
        "a = \"del\u{7f}\"",
        "a = \"open",
        "a = \"line\nbreak\"",
        "a = 'line\nbreak'",
        "a = 'no \\ escapes'",
        "a = \"\"\"\nfirst\nsecond\"\"\"",
        "a = \"\"\"\r\nfirst\r\nsecond\"\"\"",
        "a = \"\"\"one \\\n   two \\\n\n  three\"\"\"",
        "a = \"\"\"one \\   \n   two\"\"\"",
        "a = \"\"\"one \\ two\"\"\"",
        "a = \"\"\"quotes \"\" inside\"\"\"",
        "a = \"\"\"ends with quotes\"\"\"\"\"",
        "a = \"\"\"too many\"\"\"\"\"\"",
        "a = \"\"\"\"\"\"",
        "a = '''\nraw \\n\n'''",
        "a = '''ends with quotes'''''",
        "a = '''too many''''''",
        "a = '''''' ",
        "a = \"\"\"bare\rcr\"\"\"",
        "a = \"\"\"unterminated",
        "a = \"\"\"\\",
        "a = [1, 2, 3]\nb = []\nc = [ ]\nd = [1,]\ne = [[1], [2, [3]]]\nf = [\"a\", 1, 1.5, true, {x = 1}]",
        "a = [\n  1, # one\n  2,\n  # nothing\n]",
        "a = [,]",
        "a = [1 2]",
        "a = [1,,2]",
        "a = [",
        "a = [1",
        "a = {}\nb = { x = 1, y = \"z\" }\nc = { d.e = 1, d.f = 2 }",
        "a = { x = 1, }",
        "a = {\n  x = 1,\n  y = 2 # comment\n}",
        "a = { x = 1, x = 2 }",
        "a = { x = 1 y = 2 }",
        "a = {",
        "a = { , }",
        "a = { x }",
        "a = {x=1}\na.y = 2",
        "a = {x=1}\n[a.y]",
        "a = {x=1}\n[a]",
        "a = [{x=1}]\n[[a]]",
        "a = [{x=1}]\n[a.b]",
        "a = 1 b = 2",
        "a = 1 # comment\n# whole line\n",
        "# comment with \u{7} bell\na = 1",
        "# comment with \u{7f} del\na = 1",
        "# comment with tab\t and é\na = 1",
        "a =",
        "a",
        "= 1",
        "a = 1\na = 2",
        "a.b = 1\na.c = 2\na.d.e = 3",
        "a.b = 1\na.b.c = 2",
        "a.b = 1\na = 2",
        "a . b = 1\n\"a\" . 'c' = 2",
        "\"quoted key\" = 1\n'literal key' = 2\n\"\" = 3\n'' = 4",
        "\"a.b\" = 1\na.b = 2",
        "\"\\u0061\" = 1\na = 2",
        "1.2 = 3\n-_ = 4\n1234 = 5",
        "a.\"b\\n\".c = 1",
        "\"\"\"a\"\"\" = 1",
        "a.. = 1",
        "a. = 1",
        ".a = 1",
        "é = 1",
        "[a]\nb = 1\n[c]\nd = 2",
        "[a.b.c]\nx = 1\n[a]\ny = 2\n[a.b]\nz = 3",
        "[a]\n[a]",
        "[a]\nb = 1\n[a.b]",
        "[a.b]\n[a]\nb.c = 1",
        "[a]\nb.c = 1\n[a.b]",
        "[a]\nb.c = 1\n[a.b.d]\ne = 2",
        "[a.b.c]\nz = 9\n[a]\nb.c.t = 9",
        "[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 9",
        "[ a . b ]\nx = 1",
        "[\"quoted\".'lit']\nx = 1",
        "[]",
        "[a",
        "[a]]",
        "[a] x = 1",
        "[a] # ok\nx = 1",
        "[[a]]\nx = 1\n[[a]]\nx = 2\n[[a.b]]\ny = 1\n[a.c]\nz = 1",
        "[[a]]\n[a]",
        "[a]\n[[a]]",
        "[[a.b]]\nx = 1\n[a]\ny = 2",
        "[[a.b]]\n[a]\nb.y = 2",
        "[ [a]]",
        "[[a] ]",
        "[[a]",
        "a = [1]\n[[a]]",
        "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n[[fruits.varieties]]\nname = \"red delicious\"\n[[fruits]]\nname = \"banana\"\n[[fruits.varieties]]\nname = \"plantain\"",
        "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true",
        "x = 1\n[x]",
        "x.y = 1\n[x]",
        "[x]\n[x.y]\n[x.y.z]\n[x.y]",
        "a = 1\n\n\n\n",
        "a = 1\r\nb = 2\r\n",
        "a = 1\rb = 2",
        "\t a \t = \t 1 \t ",
        "a = 1\u{0}",
        "a\u{0} = 1",
    ]);
}

/// Pseudo-random strings of TOML fragments: most are invalid, many valid, and the two
/// parsers must agree on every one.
#[test]
fn generated_inputs_agree() {
    const FRAGMENTS: &[&str] = &[
        "a",
        "b",
        "c",
        "\"q\"",
        "'l'",
        "\"\\u0061\"",
        "=",
        " = ",
        ".",
        "[",
        "]",
        "[[",
        "]]",
        "{",
        "}",
        ",",
        "\n",
        "\r\n",
        " ",
        "#c\n",
        "1",
        "-2",
        "1.5",
        "1e3",
        "0x1f",
        "true",
        "inf",
        "1979-05-27",
        "07:32:00",
        "1979-05-27T07:32:00Z",
        "\"s\"",
        "'t'",
        "\"\"\"m\"\"\"",
        "'''n'''",
        "a = 1\n",
        "[a]\n",
        "[[a]]\n",
        "a.b = 2\n",
        "x = {y = 1}\n",
        "x = [1, 2]\n",
        "[a.b]\n",
        "b.c = 3\n",
        "\"\"",
        "_",
        "+",
        ":",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut failures = Vec::new();
    let mut accepted = 0;
    for _ in 0..20_000 {
        let len = 1 + (next() % 12) as usize;
        let src: String = (0..len)
            .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
            .collect();
        if let Some(d) = disagreement(&src) {
            failures.push(d);
        }
        if ours(&src).is_ok() {
            accepted += 1;
        }
    }
    failures.truncate(10);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The generator must exercise acceptance too, not only refusals.
    assert!(
        accepted > 500,
        "only {accepted} generated inputs were valid"
    );
}

#[test]
fn every_toml_file_in_the_repository_agrees() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    stack.push(path);
                }
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                if name.ends_with(".toml") || path.to_string_lossy().contains("fuzz-regressions") {
                    seen += 1;
                    if let Some(d) = disagreement(&text) {
                        panic!("{}: {d}", path.display());
                    }
                }
            }
        }
    }
    assert!(seen > 10, "found only {seen} files");
}

#[test]
fn spans_locate_keys_and_values() {
    let src = "[topics.\"a\"]\npartitions = 6 # six\nconfig = { \"retention.ms\" = \"7d\" }\n";
    let (doc, errors) = parse(src);
    assert!(errors.is_empty(), "{errors:?}");
    let topics = doc.root().get("topics").and_then(|t| t.as_table());
    let Some(topics) = topics else {
        panic!("no topics table")
    };
    let (k, v) = topics.iter().next().unwrap_or_else(|| panic!("no topic"));
    assert_eq!(&src[k.span()], "\"a\"");
    assert_eq!(k.text(), "a");
    assert_eq!(&src[v.span()], "[topics.\"a\"]");
    let Some(t) = v.as_table() else {
        panic!("not a table")
    };
    let p = t.get("partitions").map(|p| &src[p.span()]);
    assert_eq!(p, Some("6"));
    let c = t.get("config").map(|c| &src[c.span()]);
    assert_eq!(c, Some("{ \"retention.ms\" = \"7d\" }"));
    let (ck, cv) = t
        .get("config")
        .and_then(|c| c.as_table())
        .and_then(|c| c.iter().next())
        .unwrap_or_else(|| panic!("empty config"));
    assert_eq!(&src[ck.span()], "\"retention.ms\"");
    assert_eq!(&src[cv.span()], "\"7d\"");
}

#[test]
fn duplicates_are_recoverable_and_located() {
    let src = "[topics.a]\npartitions = 1\n[topics.a]\nreplication_factor = 0\npartitions = 2\n";
    let (doc, errors) = parse(src);
    let spans: Vec<&str> = errors
        .iter()
        .map(|e| {
            assert!(e.is_duplicate(), "{e:?}");
            &src[e.span()]
        })
        .collect();
    assert_eq!(spans, ["a", "partitions"]);
    let a = doc
        .root()
        .get("topics")
        .and_then(|t| t.as_table())
        .and_then(|t| t.get("a"))
        .and_then(|a| a.as_table());
    let keys: Vec<String> = a
        .map(|a| a.iter().map(|(k, _)| k.text().into_owned()).collect())
        .unwrap_or_default();
    assert_eq!(keys, ["partitions", "replication_factor"]);
}

#[test]
fn nesting_is_capped_with_a_located_error() {
    let deep = format!(
        "a = {}1{}",
        "[".repeat(MAX_DEPTH + 1),
        "]".repeat(MAX_DEPTH + 1)
    );
    let (_, errors) = parse(&deep);
    assert!(
        matches!(&errors[..], [super::ParseError::Syntax { message, .. }] if message.contains("nested deeper")),
        "{errors:?}"
    );
    let ok = format!(
        "a = {}1{}",
        "[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    assert!(parse(&ok).1.is_empty());
    let dotted = format!("{} = 1", vec!["k"; MAX_DEPTH + 1].join("."));
    let (_, errors) = parse(&dotted);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(!errors[0].is_duplicate());
}

#[test]
fn wide_tables_are_indexed_and_still_find_duplicates() {
    let mut src: String = (0..1000).map(|i| format!("k{i} = {i}\n")).collect();
    src.push_str("k500 = 1\n");
    let (doc, errors) = parse(&src);
    assert_eq!(errors.len(), 1);
    assert_eq!(&src[errors[0].span()], "k500");
    assert_eq!(doc.root().iter().count(), 1000);
    let first: Vec<String> = doc
        .root()
        .iter()
        .take(3)
        .map(|(k, _)| k.text().into_owned())
        .collect();
    assert_eq!(first, ["k0", "k1", "k2"]);
    assert!(matches!(
        doc.root().get("k999").map(|v| v.value()),
        Some(Value::Integer(i)) if i.to_i64() == 999
    ));
}

#[test]
fn duplicate_errors_are_capped_and_counted() {
    let src = "a = 1\n".repeat(1000);
    let (doc, errors) = parse(&src);
    assert_eq!(errors.len() + doc.omitted_errors(), 999);
    assert!(errors.len() <= 128);
}
