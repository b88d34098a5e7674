//! TOML 1.1 text to a [`Doc`]: one pass over the bytes, building nodes as it goes, with
//! no token or event list in between.
//!
//! The bound on memory: every node (16 bytes plus a kind byte, 8 more for a container
//! with its own end) stands for at least two bytes of input (`1,` in an array, `a.` in a
//! dotted key), the nesting a node can sit at is capped at [`MAX_DEPTH`], the hash index
//! exists only for tables wider than [`WIDE`] (each entry at least a key, `=` and a
//! value), and the errors kept are capped. So the tree stays under about ten times the
//! file whatever the file holds, where a general TOML document costs several times that.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use super::lex::{self, is_bare};
use super::{kind, Doc, Node, Span, NONE};

/// How deep values may nest: header and dotted key segments, arrays and inline tables
/// together. Deeper input is refused with a located error rather than recursed into.
pub(crate) const MAX_DEPTH: usize = 128;
/// Tables with more children than this get a hash index while parsing, so a table of a
/// hundred thousand topics is not searched key by key for every new one.
const WIDE: usize = 8;
/// Errors kept; the rest are counted.
const MAX_ERRORS: usize = 128;

/// A problem in the TOML itself. A file whose only problems are [`ParseError::Duplicate`]
/// still yields a sound tree (the second definition is merged or dropped), so validation
/// can go on and report the rest of the file too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// A key or table defined a second time, or a table extended where TOML forbids it;
    /// the span is the key written the second time.
    Duplicate { span: Span },
    /// Anything else; the tree is incomplete and not worth validating.
    Syntax { span: Span, message: String },
}

impl ParseError {
    #[cfg(test)]
    pub(crate) fn span(&self) -> Span {
        match self {
            ParseError::Duplicate { span } | ParseError::Syntax { span, .. } => span.clone(),
        }
    }

    pub(crate) fn is_duplicate(&self) -> bool {
        matches!(self, ParseError::Duplicate { .. })
    }
}

/// Parses `src`. The tree is complete when every error is a duplicate; errors past the
/// first [`MAX_ERRORS`] are only counted ([`Doc::omitted_errors`]).
pub(crate) fn parse(src: &str) -> (Doc<'_>, Vec<ParseError>) {
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        pos: 0,
        nodes: Vec::new(),
        kinds: Vec::new(),
        ends: Vec::new(),
        index: HashTable::new(),
        hasher: RandomState::new(),
        errors: Vec::new(),
        omitted: 0,
    };
    // Room for the most nodes the text can hold (one per two bytes), reserved up front:
    // the pages are only address space until written, while growing by doubling would
    // copy the vectors and, for a moment, hold them twice. Where even the address space
    // is refused, the vectors simply grow.
    let most = src.len() / 2 + 2;
    let _ = p.nodes.try_reserve_exact(most);
    let _ = p.kinds.try_reserve_exact(most);
    let _ = p.ends.try_reserve_exact(most);
    let root = p.push(kind::TABLE | kind::HEADER, NONE, 0);
    p.ends.push((root, 0));
    if src.len() >= NONE as usize {
        let _: Step<()> = p.fail(0, "the file is larger than 4 GiB");
    } else {
        if src.starts_with('\u{feff}') {
            p.pos = 3;
        }
        p.document();
    }
    p.finish()
}

impl Doc<'_> {
    /// Errors found beyond the ones [`parse`] returned.
    pub(crate) fn omitted_errors(&self) -> usize {
        self.omitted
    }
}

/// A syntax error has been recorded; parsing stops.
struct Stop;

type Step<T> = Result<T, Stop>;

struct Parser<'s> {
    src: &'s str,
    b: &'s [u8],
    pos: usize,
    nodes: Vec<Node>,
    kinds: Vec<u8>,
    ends: Vec<(u32, u32)>,
    /// `(table, child)` for the children of wide tables, hashed by table and key name.
    index: HashTable<(u32, u32)>,
    hasher: RandomState,
    errors: Vec<ParseError>,
    omitted: usize,
}

/// The name of the key stored at `at`.
fn key_name<'s>(src: &'s str, at: u32) -> std::borrow::Cow<'s, str> {
    let start = at as usize;
    let end = lex::key_end(src.as_bytes(), start);
    lex::key(src.get(start..end).unwrap_or(""))
}

impl<'s> Parser<'s> {
    fn finish(mut self) -> (Doc<'s>, Vec<ParseError>) {
        // Tables and [[arrays]] were built by prepending; put them in file order.
        for id in 0..self.nodes.len() {
            let k = self.kinds[id];
            let reversed = k & kind::MASK == kind::TABLE
                || (k & kind::MASK == kind::ARRAY && k & kind::INLINE == 0);
            if reversed {
                let mut prev = NONE;
                let mut cur = self.nodes[id].a;
                while cur != NONE {
                    let next = self.nodes[cur as usize].next;
                    self.nodes[cur as usize].next = prev;
                    prev = cur;
                    cur = next;
                }
                self.nodes[id].a = prev;
            }
        }
        self.ends[0].1 = self.src.len() as u32;
        self.ends.sort_unstable_by_key(|&(n, _)| n);
        self.nodes.shrink_to_fit();
        self.kinds.shrink_to_fit();
        self.ends.shrink_to_fit();
        let doc = Doc {
            src: self.src,
            nodes: self.nodes,
            kinds: self.kinds,
            ends: self.ends,
            omitted: self.omitted,
        };
        (doc, self.errors)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.b.get(self.pos + offset).copied()
    }

    /// Records a syntax error at `at` (one character wide) and stops.
    fn fail<T>(&mut self, at: usize, message: impl Into<String>) -> Step<T> {
        let at = at.min(self.src.len());
        let width = self
            .src
            .get(at..)
            .and_then(|s| s.chars().next())
            .map_or(0, char::len_utf8);
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(ParseError::Syntax {
                span: at..at + width,
                message: message.into(),
            });
        } else {
            self.omitted += 1;
        }
        Err(Stop)
    }

    fn duplicate(&mut self, span: (u32, u32)) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(ParseError::Duplicate {
                span: span.0 as usize..span.1 as usize,
            });
        } else {
            self.omitted += 1;
        }
    }

    fn push(&mut self, k: u8, key: u32, start: usize) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            key,
            start: start as u32,
            a: NONE,
            next: NONE,
        });
        self.kinds.push(k);
        id
    }

    fn hash(&self, table: u32, name: &str) -> u64 {
        self.hasher.hash_one((table, name))
    }

    /// The child of `table` named like the key at `at`, if any.
    fn lookup(&mut self, table: u32, at: u32) -> Option<u32> {
        let name = key_name(self.src, at);
        if self.kinds[table as usize] & kind::INDEXED != 0 {
            let hash = self.hash(table, &name);
            let (src, nodes) = (self.src, &self.nodes);
            return self
                .index
                .find(hash, |&(t, c)| {
                    t == table && key_name(src, nodes[c as usize].key) == name
                })
                .map(|&(_, c)| c);
        }
        let mut cur = self.nodes[table as usize].a;
        let mut seen = 0;
        while cur != NONE {
            let node = self.nodes[cur as usize];
            if key_name(self.src, node.key) == name {
                return Some(cur);
            }
            cur = node.next;
            seen += 1;
        }
        if seen >= WIDE {
            self.index_table(table);
        }
        None
    }

    fn index_table(&mut self, table: u32) {
        self.kinds[table as usize] |= kind::INDEXED;
        let mut cur = self.nodes[table as usize].a;
        while cur != NONE {
            self.index_insert(table, cur);
            cur = self.nodes[cur as usize].next;
        }
    }

    fn index_insert(&mut self, table: u32, child: u32) {
        let (src, nodes, hasher) = (self.src, &self.nodes, &self.hasher);
        let hash = hasher.hash_one((table, &*key_name(src, nodes[child as usize].key)));
        self.index.insert_unique(hash, (table, child), |&(t, c)| {
            hasher.hash_one((t, &*key_name(src, nodes[c as usize].key)))
        });
    }

    /// Makes `child` the newest child of `parent`, stored under the key at `key`.
    fn link(&mut self, parent: u32, child: u32, key: u32) {
        let head = self.nodes[parent as usize].a;
        let node = &mut self.nodes[child as usize];
        node.key = key;
        node.next = head;
        self.nodes[parent as usize].a = child;
        if self.kinds[parent as usize] & kind::INDEXED != 0 {
            self.index_insert(parent, child);
        }
    }

    fn add_table(&mut self, parent: u32, key: u32, start: usize, flags: u8) -> u32 {
        let id = self.push(kind::TABLE | flags, NONE, start);
        self.link(parent, id, key);
        id
    }

    /// A container whose span ends where the parser is now (set later by `close`).
    fn open_end(&mut self, id: u32) -> usize {
        self.ends.push((id, 0));
        self.ends.len() - 1
    }

    fn close(&mut self, slot: usize) {
        self.ends[slot].1 = self.pos as u32;
    }

    /// Every statement of the file. After a syntax error the tree is incomplete, but the
    /// rest of the file is still read from the next line on, so one run reports each
    /// broken line rather than only the first.
    fn document(&mut self) {
        let mut current = 0;
        let mut depth = 0;
        loop {
            match self.statement(&mut current, &mut depth) {
                Ok(true) => {}
                Ok(false) => return,
                Err(Stop) => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                    // Keys after a broken header must not land in (or clash with) the
                    // table before it.
                    current = self.detached(self.pos);
                    depth = 0;
                }
            }
        }
    }

    /// One line's statement (or blank, or comment); `false` at the end of the file.
    fn statement(&mut self, current: &mut u32, depth: &mut usize) -> Step<bool> {
        self.skip_ws();
        match self.peek() {
            None => return Ok(false),
            Some(b'\n') => self.pos += 1,
            Some(b'\r') => self.newline()?,
            Some(b'#') => self.comment()?,
            Some(b'[') => {
                (*current, *depth) = self.header()?;
                self.line_end("the table header")?;
            }
            Some(_) => {
                self.keyval(*current, *depth)?;
                self.line_end("the value")?;
            }
        }
        Ok(true)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Whitespace, line breaks and comments, as allowed inside arrays and inline tables.
    fn skip_blank(&mut self) -> Step<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n') => self.pos += 1,
                Some(b'\r') => self.newline()?,
                Some(b'#') => self.comment()?,
                _ => return Ok(()),
            }
        }
    }

    fn newline(&mut self) -> Step<()> {
        match (self.peek(), self.peek_at(1)) {
            (Some(b'\n'), _) => self.pos += 1,
            (Some(b'\r'), Some(b'\n')) => self.pos += 2,
            _ => return self.fail(self.pos, "a carriage return must be followed by a newline"),
        }
        Ok(())
    }

    fn comment(&mut self) -> Step<()> {
        self.pos += 1;
        while let Some(c) = self.peek() {
            match c {
                b'\n' | b'\r' => break,
                b'\t' | 0x20..=0x7e | 0x80.. => self.pos += 1,
                _ => {
                    return self.fail(
                        self.pos,
                        format!("control character {} in a comment", show(c)),
                    )
                }
            }
        }
        Ok(())
    }

    /// After a key/value pair or a header: a comment, then a line break or the end.
    fn line_end(&mut self, after: &str) -> Step<()> {
        self.skip_ws();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        match self.peek() {
            None => Ok(()),
            Some(b'\n' | b'\r') => self.newline(),
            Some(_) => self.fail(self.pos, format!("expected a new line after {after}")),
        }
    }

    /// A possibly dotted key: the span of each part.
    fn key(&mut self, depth: usize) -> Step<Vec<(u32, u32)>> {
        let mut parts = Vec::new();
        loop {
            self.skip_ws();
            let start = self.pos;
            match self.peek() {
                Some(q @ (b'"' | b'\'')) => self.string(q, false)?,
                Some(c) if is_bare(c) => {
                    while self.peek().is_some_and(is_bare) {
                        self.pos += 1;
                    }
                }
                Some(c) => return self.fail(start, format!("expected a key, found {}", show(c))),
                None => return self.fail(start, "expected a key, found the end of the file"),
            }
            if depth + parts.len() >= MAX_DEPTH {
                return self.fail(start, format!("nested deeper than {MAX_DEPTH} levels"));
            }
            parts.push((start as u32, self.pos as u32));
            self.skip_ws();
            if self.peek() != Some(b'.') {
                return Ok(parts);
            }
            self.pos += 1;
        }
    }

    /// `[a.b]` or `[[a.b]]`: returns the table that the following keys go into, and its
    /// depth. A header TOML forbids is reported and its keys go into a detached table.
    fn header(&mut self) -> Step<(u32, usize)> {
        let open = self.pos;
        self.pos += 1;
        let aot = self.peek() == Some(b'[');
        if aot {
            self.pos += 1;
        }
        let parts = self.key(0)?;
        self.skip_ws();
        let close: &[u8] = if aot { b"]]" } else { b"]" };
        if !self.b[self.pos..].starts_with(close) {
            let want = if aot { "`]]`" } else { "`]`" };
            return self.fail(
                self.pos,
                format!("expected {want} to close the table header"),
            );
        }
        self.pos += close.len();
        let depth = parts.len();
        let Some((&last, path)) = parts.split_last() else {
            return self.fail(open, "expected a key");
        };
        let mut table = 0;
        for &(at, end) in path {
            table = match self.lookup(table, at) {
                None => self.add_table(table, at, at as usize, 0),
                Some(c) => {
                    let k = self.kinds[c as usize];
                    match (k & kind::MASK, k & kind::INLINE) {
                        (kind::TABLE, 0) => c,
                        // An array of tables: the header continues in its newest table.
                        (kind::ARRAY, 0) => self.nodes[c as usize].a,
                        _ => {
                            self.duplicate((at, end));
                            return Ok((self.detached(open), depth));
                        }
                    }
                }
            };
        }
        let (at, end) = last;
        let found = self.lookup(table, at);
        let k = found.map(|c| self.kinds[c as usize]).unwrap_or(0);
        let target = match (found, aot) {
            (None, true) => {
                let array = self.push(kind::ARRAY, NONE, at as usize);
                self.link(table, array, at);
                self.aot_element(array, open)
            }
            (Some(c), true) if k & (kind::MASK | kind::INLINE) == kind::ARRAY => {
                self.aot_element(c, open)
            }
            (None, false) => {
                let t = self.add_table(table, at, open, kind::HEADER);
                let slot = self.open_end(t);
                self.close(slot);
                t
            }
            // Implied by an earlier header (`[a.b]` before `[a]`): defined now, once.
            (Some(c), false)
                if k & (kind::MASK | kind::HEADER | kind::DOTTED | kind::INLINE) == kind::TABLE =>
            {
                self.kinds[c as usize] |= kind::HEADER;
                self.nodes[c as usize].start = open as u32;
                let slot = self.open_end(c);
                self.close(slot);
                c
            }
            // Defined twice: reported, and its keys merge into the first definition.
            (Some(c), false)
                if k & (kind::MASK | kind::HEADER | kind::INLINE) == kind::TABLE | kind::HEADER =>
            {
                self.duplicate((at, end));
                c
            }
            (Some(_), _) => {
                self.duplicate((at, end));
                self.detached(open)
            }
        };
        Ok((target, depth))
    }

    fn aot_element(&mut self, array: u32, open: usize) -> u32 {
        let t = self.push(kind::TABLE | kind::HEADER, NONE, open);
        self.link(array, t, NONE);
        let slot = self.open_end(t);
        self.close(slot);
        t
    }

    /// A table no key reaches: where the keys under a refused header go.
    fn detached(&mut self, open: usize) -> u32 {
        let t = self.push(kind::TABLE | kind::HEADER, NONE, open);
        let slot = self.open_end(t);
        self.close(slot);
        t
    }

    /// `key = value` into `table`, which sits at `depth`.
    fn keyval(&mut self, table: u32, depth: usize) -> Step<()> {
        let parts = self.key(depth)?;
        self.skip_ws();
        if self.peek() != Some(b'=') {
            let found = self.peek().map_or("the end of the file".to_string(), show);
            return self.fail(
                self.pos,
                format!("expected `=` after the key, found {found}"),
            );
        }
        self.pos += 1;
        self.skip_ws();
        let value = self.value(depth + parts.len())?;
        let Some((&(at, end), path)) = parts.split_last() else {
            return Ok(());
        };
        let mut t = table;
        for &(pat, pend) in path {
            t = match self.lookup(t, pat) {
                None => self.add_table(t, pat, pat as usize, kind::DOTTED),
                Some(c)
                    if self.kinds[c as usize] & (kind::MASK | kind::DOTTED | kind::INLINE)
                        == kind::TABLE | kind::DOTTED =>
                {
                    c
                }
                Some(_) => {
                    self.duplicate((pat, pend));
                    return Ok(());
                }
            };
        }
        if self.lookup(t, at).is_some() {
            self.duplicate((at, end));
        } else {
            self.link(t, value, at);
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Step<u32> {
        let start = self.pos;
        match self.peek() {
            Some(q @ (b'"' | b'\'')) => {
                self.string(q, true)?;
                Ok(self.scalar(kind::STRING, start))
            }
            Some(b'[') => self.array(depth + 1),
            Some(b'{') => self.inline_table(depth + 1),
            Some(c) if is_atom(c) => self.atom(),
            Some(c) => self.fail(start, format!("expected a value, found {}", show(c))),
            None => self.fail(start, "expected a value, found the end of the file"),
        }
    }

    fn scalar(&mut self, k: u8, start: usize) -> u32 {
        let id = self.push(k, NONE, start);
        self.nodes[id as usize].a = self.pos as u32;
        id
    }

    fn nesting(&mut self, depth: usize) -> Step<()> {
        if depth > MAX_DEPTH {
            return self.fail(self.pos, format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Step<u32> {
        self.nesting(depth)?;
        let start = self.pos;
        let id = self.push(kind::ARRAY | kind::INLINE, NONE, start);
        let slot = self.open_end(id);
        self.pos += 1;
        let mut last = NONE;
        loop {
            self.skip_blank()?;
            if self.peek() == Some(b']') {
                self.pos += 1;
                break;
            }
            if self.peek().is_none() {
                return self.fail(start, "this array is never closed with `]`");
            }
            let v = self.value(depth)?;
            if last == NONE {
                self.nodes[id as usize].a = v;
            } else {
                self.nodes[last as usize].next = v;
            }
            last = v;
            self.skip_blank()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                None => return self.fail(start, "this array is never closed with `]`"),
                Some(c) => {
                    return self.fail(
                        self.pos,
                        format!("expected `,` or `]` in the array, found {}", show(c)),
                    )
                }
            }
        }
        self.close(slot);
        Ok(id)
    }

    fn inline_table(&mut self, depth: usize) -> Step<u32> {
        self.nesting(depth)?;
        let start = self.pos;
        let id = self.push(kind::TABLE | kind::INLINE, NONE, start);
        let slot = self.open_end(id);
        self.pos += 1;
        loop {
            self.skip_blank()?;
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                None => return self.fail(start, "this inline table is never closed with `}`"),
                Some(_) => {}
            }
            self.keyval(id, depth)?;
            self.skip_blank()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                None => return self.fail(start, "this inline table is never closed with `}`"),
                Some(c) => {
                    return self.fail(
                        self.pos,
                        format!(
                            "expected `,` or `}}` in the inline table, found {}",
                            show(c)
                        ),
                    )
                }
            }
        }
        self.close(slot);
        Ok(id)
    }

    /// A number, boolean or date-time: read to its end, then classified.
    fn atom(&mut self) -> Step<u32> {
        let start = self.pos;
        while self.peek().is_some_and(is_atom) {
            self.pos += 1;
        }
        // `1979-05-27 07:32:00`: a date, a space and a time are one value.
        if is_date(&self.b[start..self.pos])
            && self.peek() == Some(b' ')
            && self.peek_at(1).is_some_and(|c| c.is_ascii_digit())
        {
            self.pos += 1;
            while self.peek().is_some_and(is_atom) {
                self.pos += 1;
            }
        }
        let text = &self.b[start..self.pos];
        match classify(text) {
            Ok(k) => Ok(self.scalar(k, start)),
            Err(message) => {
                let shown = String::from_utf8_lossy(&text[..text.len().min(40)]).into_owned();
                self.fail(start, format!("`{shown}` is not a valid value: {message}"))
            }
        }
    }

    /// A string opened by `quote` (`"` basic, with escapes; `'` literal, without), and
    /// when `multiline` its triple-quoted form too, checked.
    fn string(&mut self, quote: u8, multiline: bool) -> Step<()> {
        let start = self.pos;
        let escapes = quote == b'"';
        let q = quote as char;
        if multiline && self.b[self.pos..].starts_with(&[quote; 3]) {
            self.pos += 3;
            loop {
                match self.peek() {
                    None => {
                        return self.fail(
                            start,
                            format!("this string is never closed with `{q}{q}{q}`"),
                        )
                    }
                    Some(c) if c == quote => {
                        if self.closing_quotes(quote)? {
                            return Ok(());
                        }
                    }
                    Some(b'\\') if escapes => self.escape(true)?,
                    Some(b'\n') => self.pos += 1,
                    Some(b'\r') => self.newline()?,
                    Some(c) => self.string_char(c)?,
                }
            }
        }
        self.pos += 1;
        loop {
            match self.peek() {
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') if escapes => self.escape(false)?,
                None | Some(b'\n' | b'\r') => {
                    return self.fail(
                        start,
                        format!("this string is never closed with `{q}` on its line"),
                    )
                }
                Some(c) => self.string_char(c)?,
            }
        }
    }

    /// At a quote inside a multi-line string: three to five in a row close it (up to two
    /// belong to the content); fewer are content.
    fn closing_quotes(&mut self, quote: u8) -> Step<bool> {
        let run = self.b[self.pos..]
            .iter()
            .take_while(|&&c| c == quote)
            .count();
        if run < 3 {
            self.pos += run;
            return Ok(false);
        }
        if run > 5 {
            return self.fail(
                self.pos + 5,
                "too many quotes at the end of a multi-line string",
            );
        }
        self.pos += run;
        Ok(true)
    }

    fn string_char(&mut self, c: u8) -> Step<()> {
        match c {
            b'\t' | 0x20..=0x7e | 0x80.. => {
                self.pos += 1;
                Ok(())
            }
            _ => self.fail(
                self.pos,
                format!(
                    "control character {} in a string; write it as an escape",
                    show(c)
                ),
            ),
        }
    }

    /// A backslash escape in a basic string; in a multi-line one, a backslash ending the
    /// line too.
    fn escape(&mut self, multiline: bool) -> Step<()> {
        let at = self.pos;
        self.pos += 1;
        let digits = match self.peek() {
            Some(b'b' | b't' | b'n' | b'f' | b'r' | b'e' | b'"' | b'\\') => {
                self.pos += 1;
                return Ok(());
            }
            Some(b'x') => 2,
            Some(b'u') => 4,
            Some(b'U') => 8,
            Some(b' ' | b'\t' | b'\n' | b'\r') if multiline => {
                self.skip_ws();
                if !matches!(self.peek(), Some(b'\n' | b'\r')) {
                    return self.fail(at, "a `\\` followed by spaces must end the line");
                }
                loop {
                    match self.peek() {
                        Some(b' ' | b'\t' | b'\n') => self.pos += 1,
                        Some(b'\r') => self.newline()?,
                        _ => return Ok(()),
                    }
                }
            }
            _ => {
                let shown: String = self.src.get(at..).unwrap_or("").chars().take(2).collect();
                return self.fail(at, format!("invalid escape `{shown}`"));
            }
        };
        self.pos += 1;
        let hex = self.b.get(self.pos..self.pos + digits).unwrap_or(b"");
        let value = std::str::from_utf8(hex)
            .ok()
            .filter(|h| h.len() == digits && h.bytes().all(|c| c.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        match value.and_then(char::from_u32) {
            Some(_) => {
                self.pos += digits;
                Ok(())
            }
            None => self.fail(
                at,
                format!(
                    "invalid escape: `\\` and {digits} hex digits must name a Unicode character"
                ),
            ),
        }
    }
}

/// Bytes that may make up a number, boolean or date-time.
fn is_atom(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'+' | b'-' | b'.' | b':')
}

/// A byte as a message shows it.
fn show(c: u8) -> String {
    match c {
        0x21..=0x7e => format!("`{}`", c as char),
        b' ' => "a space".into(),
        _ if c < 0x80 => format!("U+{c:04X}"),
        _ => "a non-ASCII character".into(),
    }
}

fn is_date(t: &[u8]) -> bool {
    t.len() == 10
        && t[4] == b'-'
        && t[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| t[i].is_ascii_digit())
}

/// The kind of a bare value, or why it is none.
fn classify(t: &[u8]) -> Result<u8, &'static str> {
    match t {
        b"true" | b"false" => return Ok(kind::BOOLEAN),
        b"inf" | b"+inf" | b"-inf" | b"nan" | b"+nan" | b"-nan" => return Ok(kind::FLOAT),
        _ => {}
    }
    if t.first().is_some_and(u8::is_ascii_alphabetic) {
        return Err("text must be quoted, as in \"...\"");
    }
    let looks_dated = (t.len() >= 5 && t[4] == b'-' && t[..4].iter().all(u8::is_ascii_digit))
        || (t.len() >= 3 && t[2] == b':' && t[..2].iter().all(u8::is_ascii_digit));
    if looks_dated {
        return if datetime(t) {
            Ok(kind::DATETIME)
        } else {
            Err("not a date or time TOML accepts")
        };
    }
    if let Some(radix) = match t.get(..2) {
        Some(b"0x") => Some(16),
        Some(b"0o") => Some(8),
        Some(b"0b") => Some(2),
        _ => None,
    } {
        let ok = digits(&t[2..], 0, |c| (c as char).is_digit(radix)) == Some(t.len() - 2);
        if !ok {
            return Err("not a number");
        }
        let text = std::str::from_utf8(t).map_err(|_| "not a number")?;
        return match lex::integer(text) {
            Some(_) => Ok(kind::INTEGER),
            None => Err("out of range for a 64-bit integer"),
        };
    }
    let mut i = usize::from(matches!(t.first(), Some(b'+' | b'-')));
    let int_start = i;
    i = digits(t, i, |c| c.is_ascii_digit()).ok_or("not a number")?;
    if t[int_start] == b'0' && i - int_start > 1 {
        return Err("leading zeros are not allowed");
    }
    let mut float = false;
    if t.get(i) == Some(&b'.') {
        i = digits(t, i + 1, |c| c.is_ascii_digit()).ok_or("not a number")?;
        float = true;
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(t, i, |c| c.is_ascii_digit()).ok_or("not a number")?;
        float = true;
    }
    if i != t.len() {
        return Err("not a number");
    }
    if float {
        let clean = String::from_utf8_lossy(t).replace('_', "");
        return match clean.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(kind::FLOAT),
            _ => Err("out of range for a 64-bit float"),
        };
    }
    let text = std::str::from_utf8(t).map_err(|_| "not a number")?;
    match lex::integer(text) {
        Some(_) => Ok(kind::INTEGER),
        None => Err("out of range for a 64-bit integer"),
    }
}

/// Digits from `i` with single `_` between digits; the end, or `None` if there are none
/// or an `_` is misplaced.
fn digits(t: &[u8], mut i: usize, ok: impl Fn(u8) -> bool) -> Option<usize> {
    if !t.get(i).copied().is_some_and(&ok) {
        return None;
    }
    i += 1;
    loop {
        match t.get(i) {
            Some(&c) if ok(c) => i += 1,
            Some(b'_') => {
                if !t.get(i + 1).copied().is_some_and(&ok) {
                    return None;
                }
                i += 2;
            }
            _ => return Some(i),
        }
    }
}

/// RFC 3339 as TOML takes it: a date, a date and time with or without an offset, or a
/// time; seconds optional.
fn datetime(t: &[u8]) -> bool {
    let num = |s: &[u8]| -> Option<u32> {
        s.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if !(t.len() >= 10 && t[4] == b'-' && t[7] == b'-') {
        return time(t, &num) == Some(&[][..]);
    }
    let (Some(y), Some(m), Some(d)) = (num(&t[..4]), num(&t[5..7]), num(&t[8..10])) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if d == 0 || d > days {
        return false;
    }
    if t.len() == 10 {
        return true;
    }
    if !matches!(t[10], b'T' | b't' | b' ') {
        return false;
    }
    match time(&t[11..], &num) {
        Some(rest) => offset(rest, &num),
        None => false,
    }
}

/// `HH:MM[:SS[.fraction]]`; what follows it.
fn time<'t>(t: &'t [u8], num: &dyn Fn(&[u8]) -> Option<u32>) -> Option<&'t [u8]> {
    if t.len() < 5 || t[2] != b':' {
        return None;
    }
    let (h, m) = (num(&t[..2])?, num(&t[3..5])?);
    if h > 23 || m > 59 {
        return None;
    }
    let mut rest = &t[5..];
    if rest.first() == Some(&b':') {
        let s = num(rest.get(1..3)?)?;
        if s > 60 {
            return None;
        }
        rest = &rest[3..];
        if rest.first() == Some(&b'.') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            rest = &rest[1 + n..];
        }
    }
    Some(rest)
}

/// Nothing, `Z`, or `±HH:MM`.
fn offset(t: &[u8], num: &dyn Fn(&[u8]) -> Option<u32>) -> bool {
    match t {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            matches!((num(&[*h1, *h2]), num(&[*m1, *m2])), (Some(h), Some(m)) if h <= 23 && m <= 59)
        }
        _ => false,
    }
}
