//! The parsed topology file as a compact tree over its source text: what the walk reads
//! instead of a general TOML document, so that parsing any input costs memory in
//! proportion to it (see `parse` for the bound).
//!
//! Every value is one 16-byte node plus a kind byte; nothing is copied out of the source.
//! Strings, keys and numbers are decoded from their spans when asked for, which keeps the
//! tree small and the spans exact.

use std::borrow::Cow;
use std::ops::Range;

mod parse;

pub(crate) use parse::{parse, ParseError};

pub(crate) type Span = Range<usize>;

/// A parsed file: the source it borrows and the nodes over it.
pub(crate) struct Doc<'s> {
    src: &'s str,
}

impl<'s> Doc<'s> {
    /// The top-level table.
    pub(crate) fn root(&self) -> Table<'_> {
        todo!()
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
    id: u32,
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
    /// a dotted key that key.
    pub(crate) fn span(self) -> Span {
        todo!()
    }

    pub(crate) fn value(self) -> Value<'d> {
        todo!()
    }

    /// "a string", "an integer", ...: for "must be X, found Y" messages.
    pub(crate) fn type_name(self) -> &'static str {
        todo!()
    }

    pub(crate) fn as_table(self) -> Option<Table<'d>> {
        todo!()
    }

    pub(crate) fn as_array(self) -> Option<Array<'d>> {
        todo!()
    }

    /// The decoded string, when the value is a string.
    pub(crate) fn as_str(self) -> Option<Cow<'d, str>> {
        todo!()
    }

    pub(crate) fn is_str(self) -> bool {
        todo!()
    }
}

impl<'d> Key<'d> {
    /// The key as written, quotes included.
    pub(crate) fn span(self) -> Span {
        todo!()
    }

    /// The key's name, unquoted and unescaped.
    pub(crate) fn text(self) -> Cow<'d, str> {
        todo!()
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
    /// The value; the parser has checked it fits.
    pub(crate) fn to_i64(self) -> i64 {
        todo!()
    }
}

impl<'d> Float<'d> {
    /// The number as written, without `_` separators (`inf`, `nan` and signs kept), for
    /// exact decimal comparison.
    pub(crate) fn text(self) -> Cow<'d, str> {
        todo!()
    }

    pub(crate) fn to_f64(self) -> f64 {
        todo!()
    }
}

impl<'d> Array<'d> {
    pub(crate) fn span(self) -> Span {
        self.item.span()
    }

    pub(crate) fn len(self) -> usize {
        todo!()
    }

    pub(crate) fn is_empty(self) -> bool {
        todo!()
    }

    /// The elements in order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Item<'d>> {
        std::iter::empty::<Item<'d>>()
    }
}

impl<'d> Table<'d> {
    pub(crate) fn span(self) -> Span {
        self.item.span()
    }

    pub(crate) fn len(self) -> usize {
        todo!()
    }

    pub(crate) fn is_empty(self) -> bool {
        todo!()
    }

    /// The entries in the order their keys first appear in the file.
    pub(crate) fn iter(self) -> impl Iterator<Item = (Key<'d>, Item<'d>)> {
        std::iter::empty::<(Key<'d>, Item<'d>)>()
    }

    pub(crate) fn get(self, key: &str) -> Option<Item<'d>> {
        self.get_key_value(key).map(|(_, v)| v)
    }

    pub(crate) fn get_key_value(self, key: &str) -> Option<(Key<'d>, Item<'d>)> {
        todo!()
    }
}
