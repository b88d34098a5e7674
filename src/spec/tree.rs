//! The parsed topology file as a compact tree over its source text: what the walk reads
//! instead of a general TOML document, so that parsing any input costs memory in
//! proportion to it (the bound is argued in `parse`).
//!
//! Every value is one 16-byte node plus a kind byte; nothing is copied out of the source.
//! Strings, keys and numbers are decoded from their spans when asked for, which keeps the
//! tree small and the spans exact.

use std::borrow::Cow;
use std::ops::Range;

mod lex;
mod parse;
pub(crate) mod reference;

pub(crate) use parse::{parse, ParseError};

pub(crate) type Span = Range<usize>;

/// No node, no key: the end of a list, an empty container, an array element.
const NONE: u32 = u32::MAX;

/// The low three bits of a kind byte: what a node is.
mod kind {
    pub(super) const STRING: u8 = 0;
    pub(super) const INTEGER: u8 = 1;
    pub(super) const FLOAT: u8 = 2;
    pub(super) const BOOLEAN: u8 = 3;
    pub(super) const DATETIME: u8 = 4;
    pub(super) const ARRAY: u8 = 5;
    pub(super) const TABLE: u8 = 6;
    pub(super) const MASK: u8 = 7;
    /// A table defined by a `[header]` (or an element of a `[[header]]` array).
    pub(super) const HEADER: u8 = 0x08;
    /// A table made by a dotted key (`a.b = 1` makes `a`).
    pub(super) const DOTTED: u8 = 0x10;
    /// An inline table or array: closed for good once written.
    pub(super) const INLINE: u8 = 0x20;
    /// A table whose children are in the parser's hash index (wide tables only).
    pub(super) const INDEXED: u8 = 0x40;
}

/// One value. What `a` holds depends on the kind: a scalar's end offset, or a container's
/// first child (children are linked through `next`).
#[derive(Clone, Copy)]
struct Node {
    /// Offset of the key this node is stored under, or [`NONE`] for array elements and
    /// the root. The key's end is found again by lexing it.
    key: u32,
    start: u32,
    a: u32,
    next: u32,
}

/// A parsed file: the source it borrows and the nodes over it. Node 0 is the root table.
pub(crate) struct Doc<'s> {
    src: &'s str,
    nodes: Vec<Node>,
    kinds: Vec<u8>,
    /// `(node, end offset)` of containers whose span is not a key: the root, inline
    /// tables and arrays, `[header]` tables. Sorted by node.
    ends: Vec<(u32, u32)>,
    /// Errors past the parser's cap, counted only.
    omitted: usize,
}

impl<'s> Doc<'s> {
    /// The top-level table.
    pub(crate) fn root(&self) -> Table<'_> {
        Table {
            item: Item { doc: self, id: 0 },
        }
    }

    fn node(&self, id: u32) -> Node {
        self.nodes[id as usize]
    }

    fn kind(&self, id: u32) -> u8 {
        self.kinds[id as usize]
    }

    fn text(&self, range: Range<u32>) -> &'s str {
        self.src
            .get(range.start as usize..range.end as usize)
            .unwrap_or("")
    }

    fn key_span(&self, at: u32) -> Span {
        at as usize..lex::key_end(self.src.as_bytes(), at as usize)
    }
}

/// A value with its place in the file.
#[derive(Clone, Copy)]
pub(crate) struct Item<'d> {
    doc: &'d Doc<'d>,
    id: u32,
}

/// A key of a table with its place in the file.
#[derive(Clone, Copy)]
pub(crate) struct Key<'d> {
    doc: &'d Doc<'d>,
    at: u32,
}

/// What a value is, decoded on demand.
pub(crate) enum Value<'d> {
    String(Cow<'d, str>),
    Integer(Integer<'d>),
    Float(Float<'d>),
    Boolean(bool),
    /// Any TOML date, time or date-time, as written.
    Datetime(&'d str),
    Array(Array<'d>),
    Table(Table<'d>),
}

#[derive(Clone, Copy)]
pub(crate) struct Integer<'d> {
    text: &'d str,
}

#[derive(Clone, Copy)]
pub(crate) struct Float<'d> {
    text: &'d str,
}

#[derive(Clone, Copy)]
pub(crate) struct Array<'d> {
    item: Item<'d>,
}

#[derive(Clone, Copy)]
pub(crate) struct Table<'d> {
    item: Item<'d>,
}

impl<'d> Item<'d> {
    /// Where the value is written: for a `[header]` table its header, for a table made by
    /// a dotted key or implied by a header that key.
    pub(crate) fn span(self) -> Span {
        let doc = self.doc;
        let node = doc.node(self.id);
        let k = doc.kind(self.id);
        match k & kind::MASK {
            kind::ARRAY | kind::TABLE => {
                match doc.ends.binary_search_by_key(&self.id, |&(n, _)| n) {
                    Ok(i) => node.start as usize..doc.ends[i].1 as usize,
                    Err(_) => doc.key_span(node.start),
                }
            }
            _ => node.start as usize..node.a as usize,
        }
    }

    pub(crate) fn value(self) -> Value<'d> {
        let doc = self.doc;
        let node = doc.node(self.id);
        match doc.kind(self.id) & kind::MASK {
            kind::STRING => Value::String(lex::string(doc.text(node.start..node.a))),
            kind::INTEGER => Value::Integer(Integer {
                text: doc.text(node.start..node.a),
            }),
            kind::FLOAT => Value::Float(Float {
                text: doc.text(node.start..node.a),
            }),
            kind::BOOLEAN => Value::Boolean(doc.text(node.start..node.a) == "true"),
            kind::DATETIME => Value::Datetime(doc.text(node.start..node.a)),
            kind::ARRAY => Value::Array(Array { item: self }),
            _ => Value::Table(Table { item: self }),
        }
    }

    /// "a string", "an integer", ...: for "must be X, found Y" messages.
    pub(crate) fn type_name(self) -> &'static str {
        match self.doc.kind(self.id) & kind::MASK {
            kind::STRING => "a string",
            kind::INTEGER => "an integer",
            kind::FLOAT => "a float",
            kind::BOOLEAN => "a boolean",
            kind::DATETIME => "a datetime",
            kind::ARRAY => "an array",
            _ => "a table",
        }
    }

    pub(crate) fn as_table(self) -> Option<Table<'d>> {
        (self.doc.kind(self.id) & kind::MASK == kind::TABLE).then_some(Table { item: self })
    }

    pub(crate) fn as_array(self) -> Option<Array<'d>> {
        (self.doc.kind(self.id) & kind::MASK == kind::ARRAY).then_some(Array { item: self })
    }

    pub(crate) fn is_str(self) -> bool {
        self.doc.kind(self.id) & kind::MASK == kind::STRING
    }

    fn children(self) -> Children<'d> {
        Children {
            doc: self.doc,
            next: self.doc.node(self.id).a,
        }
    }
}

/// The children of a container, in order.
struct Children<'d> {
    doc: &'d Doc<'d>,
    next: u32,
}

impl<'d> Iterator for Children<'d> {
    type Item = Item<'d>;

    fn next(&mut self) -> Option<Item<'d>> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        self.next = self.doc.node(id).next;
        Some(Item { doc: self.doc, id })
    }
}

impl<'d> Key<'d> {
    /// Where the key starts (its span's start, without finding its end).
    pub(crate) fn start(self) -> usize {
        self.at as usize
    }

    /// The key as written, quotes included.
    pub(crate) fn span(self) -> Span {
        self.doc.key_span(self.at)
    }

    /// The key's name, unquoted and unescaped.
    pub(crate) fn text(self) -> Cow<'d, str> {
        let span = self.span();
        lex::key(self.doc.src.get(span).unwrap_or(""))
    }
}

impl<'d> Value<'d> {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime(_) => "a datetime",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

impl<'d> Integer<'d> {
    /// The value; the parser has checked that it fits.
    pub(crate) fn to_i64(self) -> i64 {
        lex::integer(self.text).unwrap_or_default()
    }
}

impl<'d> Float<'d> {
    /// The number as written, without `_` separators (`inf`, `nan` and signs kept), for
    /// exact decimal comparison.
    pub(crate) fn text(self) -> Cow<'d, str> {
        if self.text.contains('_') {
            Cow::Owned(self.text.replace('_', ""))
        } else {
            Cow::Borrowed(self.text)
        }
    }

    pub(crate) fn to_f64(self) -> f64 {
        let text = self.text();
        match text.trim_start_matches(['+', '-']) {
            "inf" if text.starts_with('-') => f64::NEG_INFINITY,
            "inf" => f64::INFINITY,
            "nan" => f64::NAN,
            _ => text.parse().unwrap_or(f64::NAN),
        }
    }
}

impl<'d> Array<'d> {
    pub(crate) fn is_empty(self) -> bool {
        self.item.doc.node(self.item.id).a == NONE
    }

    /// The elements in order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Item<'d>> {
        self.item.children()
    }
}

impl<'d> Table<'d> {
    /// The entries in the order their keys first appear in the file.
    pub(crate) fn iter(self) -> impl Iterator<Item = (Key<'d>, Item<'d>)> {
        let doc = self.item.doc;
        self.item.children().map(move |item| {
            let key = Key {
                doc,
                at: doc.node(item.id).key,
            };
            (key, item)
        })
    }

    pub(crate) fn get(self, key: &str) -> Option<Item<'d>> {
        self.get_key_value(key).map(|(_, v)| v)
    }

    pub(crate) fn get_key_value(self, key: &str) -> Option<(Key<'d>, Item<'d>)> {
        self.iter().find(|(k, _)| k.text() == key)
    }
}

#[cfg(test)]
mod tests;
