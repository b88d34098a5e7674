//! The tree read back as plain values and compared with what the `toml` crate reads
//! from the same text: the reference the parser is tested and fuzzed against.

use std::collections::BTreeMap;
use std::str::FromStr;

use super::{parse, Item, Table, Value};

#[derive(Debug, PartialEq)]
/// A value as both parsers can produce it: tables as sorted maps, floats by bit pattern
/// (every NaN alike), date-times in their canonical text.
pub(crate) enum J {
    Str(String),
    Int(i64),
    Float(u64),
    Bool(bool),
    Dt(String),
    Arr(Vec<J>),
    Tab(BTreeMap<String, J>),
}

fn float_bits(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

fn ours_item(item: Item<'_>) -> J {
    match item.value() {
        Value::String(s) => J::Str(s.into_owned()),
        Value::Integer(i) => J::Int(i.to_i64()),
        Value::Float(f) => J::Float(float_bits(f.to_f64())),
        Value::Boolean(b) => J::Bool(b),
        Value::Datetime(d) => J::Dt(
            toml::value::Datetime::from_str(d)
                .map(|d| d.to_string())
                .unwrap_or_else(|e| format!("unreadable {d}: {e}")),
        ),
        Value::Array(a) => J::Arr(a.iter().map(ours_item).collect()),
        Value::Table(t) => ours_table(t),
    }
}

fn ours_table(t: Table<'_>) -> J {
    J::Tab(
        t.iter()
            .map(|(k, v)| (k.text().into_owned(), ours_item(v)))
            .collect(),
    )
}

pub(crate) fn ours(src: &str) -> Result<J, String> {
    let (doc, errors) = parse(src);
    if let Some(e) = errors.first() {
        return Err(format!("{e:?}"));
    }
    Ok(ours_table(doc.root()))
}

fn reference_value(v: &toml::Value) -> J {
    match v {
        toml::Value::String(s) => J::Str(s.clone()),
        toml::Value::Integer(i) => J::Int(*i),
        toml::Value::Float(f) => J::Float(float_bits(*f)),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::Dt(d.to_string()),
        toml::Value::Array(a) => J::Arr(a.iter().map(reference_value).collect()),
        toml::Value::Table(t) => J::Tab(
            t.iter()
                .map(|(k, v)| (k.clone(), reference_value(v)))
                .collect(),
        ),
    }
}

fn reference(src: &str) -> Result<J, String> {
    src.parse::<toml::Table>()
        .map(|t| {
            J::Tab(
                t.iter()
                    .map(|(k, v)| (k.clone(), reference_value(v)))
                    .collect(),
            )
        })
        .map_err(|e| e.to_string())
}

/// `None` when both agree, else what each said.
pub(crate) fn disagreement(src: &str) -> Option<String> {
    let (a, b) = (ours(src), reference(src));
    match (&a, &b) {
        (Ok(x), Ok(y)) if x == y => None,
        (Err(_), Err(_)) => None,
        _ => Some(format!(
            "input {src:?}\n  ours:      {a:?}\n  reference: {b:?}"
        )),
    }
}
