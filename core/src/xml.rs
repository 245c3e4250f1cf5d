//! Streaming XML reading and pretty-printed XML writing, shared by every XML format.
//!
//! Readers walk the document element by element ([`XmlStream::next_child`]) and materialise
//! only one record at a time ([`XmlStream::read_node`]): memory stays proportional to the
//! largest record, not to the file. Entities are never expanded: a DOCTYPE that declares any
//! is refused, and only the five predefined entities and character references are resolved.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use quick_xml::events::{BytesStart, Event};

use crate::encoding::encode_latin9;
use crate::model::{Extra, ExtraNode};

/// Default maximum element depth (the formats need fewer than 12 levels).
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// A document that is not well-formed, or that passerelle refuses to parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct XmlError {
    /// File (or `archive.zip!member.xml`).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// Element path where it happened (`/STS_EDT/DONNEES`).
    pub path: String,
    /// What is wrong, in French.
    pub message: String,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, ligne {}, colonne {}",
            self.file, self.line, self.column
        )?;
        if !self.path.is_empty() {
            write!(f, " (dans {})", self.path)?;
        }
        write!(f, " : {}", self.message)
    }
}

/// Line numbers counted as the parser advances. The offsets asked for grow during a read,
/// so each byte is counted about once and nothing is stored per line (a table of every line
/// start cost a pass over the whole text and 8 bytes per line for each stream opened).
#[derive(Debug)]
struct LineCounter {
    /// The last offset asked for, and its 1-based line.
    at: Cell<(usize, u32)>,
}

fn newlines(bytes: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX)
}

impl LineCounter {
    fn new() -> Self {
        LineCounter {
            at: Cell::new((0, 1)),
        }
    }

    fn line(&self, text: &str, offset: usize) -> u32 {
        let offset = offset.min(text.len());
        let (from, line) = self.at.get();
        let bytes = text.as_bytes();
        let line = if offset >= from {
            line.saturating_add(newlines(&bytes[from..offset]))
        } else {
            line.saturating_sub(newlines(&bytes[offset..from]))
        };
        self.at.set((offset, line));
        line
    }

    fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.line(text, offset);
        let start = memchr::memrchr(b'\n', &text.as_bytes()[..offset]).map_or(0, |at| at + 1);
        let column = text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line, u32::try_from(column + 1).unwrap_or(u32::MAX))
    }
}

/// The offset of the first control character XML forbids (below U+0020 but tab, line feed
/// and carriage return), which the parser itself lets through. They are ASCII bytes, never
/// part of a multi-byte sequence: blocks are tested without branching, and only a block that
/// holds one is searched.
fn forbidden_control(text: &str) -> Option<usize> {
    let forbidden = |byte: u8| (byte < 0x20) & (byte != b'\t') & (byte != b'\n') & (byte != b'\r');
    let mut offset = 0;
    for block in text.as_bytes().chunks(64) {
        if block
            .iter()
            .fold(false, |found, byte| found | forbidden(*byte))
        {
            return block
                .iter()
                .position(|byte| forbidden(*byte))
                .map(|at| offset + at);
        }
        offset += block.len();
    }
    None
}

/// A start tag met while streaming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartTag {
    /// Element name.
    pub name: String,
    /// Attributes in document order, unescaped, not trimmed.
    pub attributes: Vec<(String, String)>,
    /// Line of the `<`.
    pub line: u32,
    /// `<X/>`.
    pub empty: bool,
}

impl StartTag {
    /// The trimmed value of an attribute; `None` when absent or blank.
    pub fn attr(&self, name: &str) -> Option<&str> {
        attribute(&self.attributes, name)
    }
}

fn attribute<'a>(attributes: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// One element and its subtree, materialised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    /// Element name.
    pub name: String,
    /// Attributes in document order.
    pub attributes: Vec<(String, String)>,
    /// Concatenated text content, not trimmed; white space that no other text follows (the
    /// indentation between children) is left out.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Node>,
    /// Line of the start tag.
    pub line: u32,
}

impl Node {
    /// The trimmed value of an attribute; `None` when absent or blank.
    pub fn attr(&self, name: &str) -> Option<&str> {
        attribute(&self.attributes, name)
    }

    /// The trimmed text; `None` for an empty or whitespace-only element.
    pub fn value(&self) -> Option<&str> {
        Some(self.text.trim()).filter(|text| !text.is_empty())
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|child| child.name == name)
    }

    /// The children with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The trimmed text of the first child with this name; `None` when absent, empty or blank.
    pub fn child_value(&self, name: &str) -> Option<String> {
        self.child(name).and_then(Node::value).map(str::to_string)
    }

    /// The trimmed text of the first child among `names` that has one (for renamed elements,
    /// e.g. `NOM_DE_FAMILLE` and its pre-2016 name `NOM`).
    pub fn first_child_value(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| self.child_value(name))
    }

    /// This subtree as a model extra node (text kept only when not blank, and untrimmed
    /// spaces removed so that a written file reads back the same).
    pub fn to_extra(&self) -> ExtraNode {
        ExtraNode {
            name: self.name.clone(),
            attributes: self.attributes.clone(),
            text: self.value().map(str::to_string),
            children: self.children.iter().map(Node::to_extra).collect(),
        }
    }

    /// The children whose name is not in `known`, as extras, in document order.
    pub fn extras_except(&self, known: &[&str]) -> Extra {
        Extra(
            self.children
                .iter()
                .filter(|child| !known.contains(&child.name.as_str()))
                .map(Node::to_extra)
                .collect(),
        )
    }
}

/// A pull parser over a decoded document, tracking the element path and lines.
pub struct XmlStream<'a> {
    reader: quick_xml::Reader<&'a [u8]>,
    text: &'a str,
    lines: LineCounter,
    file: String,
    /// The element path, `/ROOT/CHILD`, and where each name in it starts: entering an
    /// element appends its name, with no allocation per element.
    path: String,
    path_starts: Vec<usize>,
    /// Children of the records being read, innermost last: a record's children are moved
    /// into a vector of their exact number when it ends, rather than grown one by one.
    scratch: Vec<Node>,
    pending_empty: bool,
    max_depth: usize,
}

impl<'a> XmlStream<'a> {
    /// A stream over `text` (already decoded), naming `file` in errors.
    pub fn new(text: &'a str, file: impl Into<String>) -> Self {
        let mut reader = quick_xml::Reader::from_str(text);
        let config = reader.config_mut();
        config.trim_text(false);
        config.expand_empty_elements = false;
        config.check_end_names = true;
        XmlStream {
            reader,
            text,
            lines: LineCounter::new(),
            file: file.into(),
            path: String::new(),
            path_starts: Vec::new(),
            scratch: Vec::new(),
            pending_empty: false,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// Changes the maximum element depth.
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// The file name given at creation.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The current element path, `/ROOT/CHILD`.
    pub fn path(&self) -> String {
        self.path.clone()
    }

    /// The name of the innermost element open.
    fn open_element(&self) -> Option<&str> {
        let start = *self.path_starts.last()?;
        self.path.get(start + 1..)
    }

    /// Leaves the innermost element open.
    fn leave(&mut self) {
        if let Some(start) = self.path_starts.pop() {
            self.path.truncate(start);
        }
    }

    /// The current path for a message: a path deeper than any format's has its middle
    /// elided, so that a document nested a thousand levels deep still gets a readable sentence.
    fn shown_path(&self) -> String {
        const HEAD: usize = 4;
        const TAIL: usize = 3;
        let depth = self.path_starts.len();
        if depth <= HEAD + TAIL + 5 {
            return self.path();
        }
        let head = &self.path[..self.path_starts[HEAD]];
        let tail = &self.path[self.path_starts[depth - TAIL]..];
        format!("{head}/…({} éléments)…{tail}", depth - HEAD - TAIL)
    }

    /// An error at a byte offset, with the current path.
    pub fn error_at(&self, offset: usize, message: impl Into<String>) -> XmlError {
        let (line, column) = self.lines.line_column(self.text, offset);
        XmlError {
            file: self.file.clone(),
            line,
            column,
            path: self.shown_path(),
            message: message.into(),
        }
    }

    /// An error at a line (column 1), with the current path: for content errors found in a
    /// record already read.
    pub fn error_at_line(&self, line: u32, message: impl Into<String>) -> XmlError {
        XmlError {
            file: self.file.clone(),
            line,
            column: 1,
            path: self.shown_path(),
            message: message.into(),
        }
    }

    fn position(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    fn syntax_error(&self, error: &quick_xml::Error) -> XmlError {
        let offset = usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX);
        self.error_at(offset, describe_quick_xml_error(error))
    }

    fn start_tag(
        &self,
        start: &BytesStart<'_>,
        offset: usize,
        empty: bool,
    ) -> Result<StartTag, XmlError> {
        let name = start.name().as_ref().to_string();
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|error| {
                self.error_at(
                    offset,
                    format!("attribut mal formé dans <{name}> : {error}"),
                )
            })?;
            let key = attribute.key.as_ref().to_string();
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|error| {
                    self.error_at(
                        offset,
                        format!("valeur de l'attribut {key} de <{name}> illisible : {error}"),
                    )
                })?;
            attributes.push((key, value.into_owned()));
        }
        let line = self.lines.line(self.text, offset);
        Ok(StartTag {
            name,
            attributes,
            line,
            empty,
        })
    }

    fn enter(&mut self, tag: &StartTag, offset: usize) -> Result<(), XmlError> {
        if self.path_starts.len() >= self.max_depth {
            return Err(self.error_at(
                offset,
                format!(
                    "plus de {} éléments imbriqués, la profondeur maximale : le fichier n'est \
                     pas un export de ce type (la limite se change avec --profondeur-max)",
                    self.max_depth
                ),
            ));
        }
        if tag.empty {
            self.pending_empty = true;
        } else {
            self.path_starts.push(self.path.len());
            self.path.push('/');
            self.path.push_str(&tag.name);
        }
        Ok(())
    }

    /// The next parser event and the byte offset where it starts.
    fn next_event(&mut self) -> Result<(usize, Event<'a>), XmlError> {
        let offset = self.position();
        let event = self
            .reader
            .read_event()
            .map_err(|error| self.syntax_error(&error))?;
        Ok((offset, event))
    }

    /// Moves to the root element and returns its start tag. Refuses a DOCTYPE that declares
    /// entities and a document without element.
    pub fn root(&mut self) -> Result<StartTag, XmlError> {
        if let Some(offset) = forbidden_control(self.text) {
            let byte = self.text.as_bytes().get(offset).copied().unwrap_or(0);
            let what = if byte == 0 {
                "un octet nul".to_string()
            } else {
                format!("le caractère de contrôle U+{byte:04X}")
            };
            return Err(self.error_at(
                offset,
                format!(
                    "le fichier contient {what}, interdit en XML : il est abîmé (téléchargement \
                     ou copie interrompus ?) ou n'est pas un export ; réexportez-le"
                ),
            ));
        }
        match self.next_child()? {
            Some(tag) => Ok(tag),
            None => {
                Err(self.error_at(self.position(), "le document ne contient aucun élément XML"))
            }
        }
    }

    /// The next child element of the element last entered, or `None` when that element ends
    /// (its end tag is then consumed). An empty element `<X/>` behaves like `<X></X>`.
    pub fn next_child(&mut self) -> Result<Option<StartTag>, XmlError> {
        if self.pending_empty {
            self.pending_empty = false;
            return Ok(None);
        }
        loop {
            let (offset, event) = self.next_event()?;
            match event {
                Event::Start(start) => {
                    let tag = self.start_tag(&start, offset, false)?;
                    self.enter(&tag, offset)?;
                    return Ok(Some(tag));
                }
                Event::Empty(start) => {
                    let tag = self.start_tag(&start, offset, true)?;
                    self.enter(&tag, offset)?;
                    return Ok(Some(tag));
                }
                Event::End(_) => {
                    self.leave();
                    return Ok(None);
                }
                Event::Eof => {
                    if let Some(open) = self.open_element() {
                        let message = format!(
                            "fin de fichier inattendue : l'élément <{open}> n'est pas fermé \
                             (fichier tronqué ?)"
                        );
                        return Err(self.error_at(offset, message));
                    }
                    return Ok(None);
                }
                Event::DocType(doctype) => self.check_doctype(doctype.as_bytes(), offset)?,
                Event::GeneralRef(reference) => {
                    // Resolved only to validate it; text between records is ignored.
                    self.resolve_reference(&reference, offset)?;
                }
                Event::Text(_)
                | Event::CData(_)
                | Event::Comment(_)
                | Event::Decl(_)
                | Event::PI(_) => {}
            }
        }
    }

    fn check_doctype(&self, doctype: &[u8], offset: usize) -> Result<(), XmlError> {
        let declares_entities = doctype
            .windows(b"<!ENTITY".len())
            .any(|window| window.eq_ignore_ascii_case(b"<!ENTITY"));
        if declares_entities {
            return Err(self.error_at(
                offset,
                "le document déclare des entités dans un DOCTYPE : elles ne sont jamais \
                 développées ni téléchargées, le fichier est refusé",
            ));
        }
        Ok(())
    }

    fn resolve_reference(
        &self,
        reference: &quick_xml::events::BytesRef<'_>,
        offset: usize,
    ) -> Result<String, XmlError> {
        match reference.resolve_char_ref() {
            Ok(Some(character)) => return Ok(character.to_string()),
            Ok(None) => {}
            Err(error) => {
                return Err(
                    self.error_at(offset, format!("référence de caractère invalide : {error}"))
                );
            }
        }
        let name: &str = reference;
        let resolved = match name {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            other => {
                return Err(self.error_at(
                    offset,
                    format!("entité inconnue « &{other}; » : seules &amp; &lt; &gt; &quot; &apos; sont admises"),
                ));
            }
        };
        Ok(resolved.to_string())
    }

    /// Reads the element just returned by [`next_child`](Self::next_child) and its whole
    /// subtree.
    pub fn read_node(&mut self, tag: StartTag) -> Result<Node, XmlError> {
        let first_child = self.scratch.len();
        let read = self.read_subtree(tag);
        if read.is_err() {
            self.scratch.truncate(first_child);
        }
        read
    }

    fn read_subtree(&mut self, tag: StartTag) -> Result<Node, XmlError> {
        let mut node = Node {
            name: tag.name,
            attributes: tag.attributes,
            line: tag.line,
            ..Node::default()
        };
        if tag.empty {
            self.pending_empty = false;
            return Ok(node);
        }
        let first_child = self.scratch.len();
        // White space not followed by other text (the indentation between children) is left
        // out: it is kept aside, borrowed, and appended only if text follows.
        let mut blank: Option<Cow<'a, str>> = None;
        loop {
            let (offset, event) = self.next_event()?;
            match event {
                Event::Start(start) => {
                    let child = self.start_tag(&start, offset, false)?;
                    self.enter(&child, offset)?;
                    let child = self.read_subtree(child)?;
                    self.scratch.push(child);
                }
                Event::Empty(start) => {
                    let child = self.start_tag(&start, offset, true)?;
                    self.enter(&child, offset)?;
                    let child = self.read_subtree(child)?;
                    self.scratch.push(child);
                }
                Event::End(_) => {
                    self.leave();
                    node.children = self.scratch.drain(first_child..).collect();
                    return Ok(node);
                }
                Event::Text(text) => {
                    let content = text.xml10_content();
                    if content
                        .bytes()
                        .all(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n'))
                    {
                        match &mut blank {
                            Some(kept) => kept.to_mut().push_str(&content),
                            None => blank = Some(content),
                        }
                    } else {
                        push_text(&mut node.text, blank.take(), &content);
                    }
                }
                Event::CData(data) => push_text(&mut node.text, blank.take(), &data),
                Event::GeneralRef(reference) => {
                    let resolved = self.resolve_reference(&reference, offset)?;
                    push_text(&mut node.text, blank.take(), &resolved);
                }
                Event::Eof => {
                    let message = format!(
                        "fin de fichier inattendue : l'élément <{}> n'est pas fermé (fichier tronqué ?)",
                        node.name
                    );
                    return Err(self.error_at(offset, message));
                }
                Event::DocType(doctype) => self.check_doctype(doctype.as_bytes(), offset)?,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
        }
    }

    /// Skips the element just returned by [`next_child`](Self::next_child), checking it as
    /// [`read_node`](Self::read_node) does without building it.
    pub fn skip(&mut self, tag: StartTag) -> Result<(), XmlError> {
        if tag.empty {
            self.pending_empty = false;
            return Ok(());
        }
        let mut depth = 0usize;
        loop {
            let (offset, event) = self.next_event()?;
            match event {
                Event::Start(start) => {
                    let child = self.start_tag(&start, offset, false)?;
                    self.enter(&child, offset)?;
                    depth += 1;
                }
                Event::Empty(start) => {
                    let child = self.start_tag(&start, offset, true)?;
                    self.enter(&child, offset)?;
                    self.pending_empty = false;
                }
                Event::End(_) => {
                    self.leave();
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                Event::GeneralRef(reference) => {
                    self.resolve_reference(&reference, offset)?;
                }
                Event::Eof => {
                    let message = format!(
                        "fin de fichier inattendue : l'élément <{}> n'est pas fermé (fichier tronqué ?)",
                        self.open_element().unwrap_or_default()
                    );
                    return Err(self.error_at(offset, message));
                }
                Event::DocType(doctype) => self.check_doctype(doctype.as_bytes(), offset)?,
                Event::Text(_)
                | Event::CData(_)
                | Event::Comment(_)
                | Event::Decl(_)
                | Event::PI(_) => {}
            }
        }
    }

    /// After the root has ended: checks that nothing but comments and spaces follow.
    pub fn finish(&mut self) -> Result<(), XmlError> {
        loop {
            let (offset, event) = self.next_event()?;
            match event {
                Event::Eof => return Ok(()),
                Event::Text(text) if text.trim().is_empty() => {}
                Event::Comment(_) | Event::PI(_) => {}
                _ => {
                    return Err(self.error_at(offset, "contenu après la fin de l'élément racine"));
                }
            }
        }
    }
}

/// Appends text to a node's text, after the white space kept aside before it.
fn push_text(text: &mut String, blank: Option<Cow<'_, str>>, content: &str) {
    if let Some(blank) = blank {
        text.push_str(&blank);
    }
    text.push_str(content);
}

fn describe_quick_xml_error(error: &quick_xml::Error) -> String {
    use quick_xml::errors::{Error, IllFormedError, SyntaxError};
    match error {
        Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            format!("balise fermante </{found}> rencontrée alors que <{expected}> est ouvert")
        }
        Error::IllFormed(IllFormedError::UnmatchedEndTag(name)) => {
            format!("balise fermante </{name}> sans balise ouvrante")
        }
        Error::IllFormed(other) => format!("XML mal formé : {other}"),
        Error::Syntax(SyntaxError::UnclosedTag) => {
            "balise non terminée (fichier tronqué ?)".to_string()
        }
        Error::Syntax(other) => format!("XML mal formé : {other}"),
        other => format!("XML illisible : {other}"),
    }
}

/// The root element of a document and its attributes, for detection. `None` when the text
/// is not XML or the prolog is refused.
pub fn probe_root(text: &str) -> Option<StartTag> {
    XmlStream::new(text, "").root().ok()
}

fn escape_into(out: &mut String, text: &str, in_attribute: bool) {
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            other => out.push(other),
        }
    }
}

/// Writes pretty-printed XML (two-space indentation, one element per line, LF).
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
    open: Vec<String>,
}

impl XmlWriter {
    /// A document starting with `<?xml version="1.0" encoding="…"?>`.
    pub fn with_declaration(encoding_label: &str) -> Self {
        XmlWriter {
            out: format!("<?xml version=\"1.0\" encoding=\"{encoding_label}\"?>\n"),
            open: Vec::new(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    fn tag_start(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    /// Opens an element; close it with [`close`](Self::close).
    pub fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.tag_start(name, attributes);
        self.out.push_str(">\n");
        self.open.push(name.to_string());
    }

    /// Closes the last opened element.
    pub fn close(&mut self) {
        if let Some(name) = self.open.pop() {
            self.indent();
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push_str(">\n");
        }
    }

    /// An element holding only text: `<X>text</X>`.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    /// An element with attributes holding only text.
    pub fn leaf_with(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.tag_start(name, attributes);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<X>text</X>` when there is a value, nothing otherwise.
    pub fn leaf_opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    /// `<X>text</X>` when there is a value, `<X/>` otherwise (for required elements).
    pub fn leaf_or_empty(&mut self, name: &str, text: Option<&str>) {
        match text {
            Some(text) => self.leaf(name, text),
            None => self.empty(name, &[]),
        }
    }

    /// An empty element `<X a="b"/>`.
    pub fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.tag_start(name, attributes);
        self.out.push_str("/>\n");
    }

    /// Writes back elements kept in an entity's [`Extra`].
    pub fn extra(&mut self, extra: &Extra) {
        for node in extra.iter() {
            self.extra_node(node);
        }
    }

    fn extra_node(&mut self, node: &ExtraNode) {
        let attributes: Vec<(&str, &str)> = node
            .attributes
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        if node.children.is_empty() {
            match &node.text {
                Some(text) => self.leaf_with(&node.name, &attributes, text),
                None => self.empty(&node.name, &attributes),
            }
        } else {
            self.open(&node.name, &attributes);
            if let Some(text) = &node.text {
                self.indent();
                escape_into(&mut self.out, text, false);
                self.out.push('\n');
            }
            for child in &node.children {
                self.extra_node(child);
            }
            self.close();
        }
    }

    /// The document as text (every open element closed).
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }

    /// The document encoded in ISO-8859-15 (characters outside Latin-9 as `&#N;`).
    pub fn finish_latin9(self) -> Vec<u8> {
        encode_latin9(&self.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "<?xml version=\"1.0\"?>\n<A V=\"1\">\n  <B TYPE=\"x\" ID=\" 7 \">  padded  </B>\n  <C/>\n  <D></D>\n  <E>  </E>\n  <F>a &amp; b &#233;</F>\n</A>\n";

    #[test]
    fn streams_children_and_reads_records() {
        let mut stream = XmlStream::new(SAMPLE, "t.xml");
        let root = stream.root().unwrap();
        assert_eq!(root.name, "A");
        assert_eq!(root.attr("V"), Some("1"));
        let mut seen = Vec::new();
        while let Some(tag) = stream.next_child().unwrap() {
            let node = stream.read_node(tag).unwrap();
            seen.push((
                node.name.clone(),
                node.value().map(str::to_string),
                node.line,
            ));
        }
        stream.finish().unwrap();
        assert_eq!(
            seen,
            vec![
                ("B".into(), Some("padded".into()), 3),
                ("C".into(), None, 4),
                ("D".into(), None, 5),
                ("E".into(), None, 6),
                ("F".into(), Some("a & b é".into()), 7),
            ]
        );
    }

    #[test]
    fn records_keep_their_children_text_and_lines() {
        let text = "<A>\n <R N=\"1\">\n  <X>un</X>\n  <Y>\n   <Z>deux</Z>\n  </Y>\n  <W/>\n </R>\n \
                    <R>a <B/> b &amp; <C/> </R>\n</A>";
        let mut stream = XmlStream::new(text, "t.xml");
        stream.root().unwrap();
        let first = stream.next_child().unwrap().unwrap();
        let record = stream.read_node(first).unwrap();
        let names: Vec<&str> = record.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["X", "Y", "W"]);
        assert_eq!(record.children[1].children[0].value(), Some("deux"));
        assert_eq!(record.children[1].children[0].line, 5);
        // Indentation between children is not text.
        assert_eq!(record.text, "");
        assert_eq!(record.children[1].text, "");
        let second = stream.next_child().unwrap().unwrap();
        assert_eq!(second.line, 9);
        let mixed = stream.read_node(second).unwrap();
        // White space between texts stays; after the last text it is left out.
        assert_eq!(mixed.text, "a  b &");
        assert_eq!(mixed.children.len(), 2);
        assert_eq!(stream.next_child().unwrap(), None);
        stream.finish().unwrap();
    }

    #[test]
    fn lines_and_columns_of_errors_are_right_whatever_was_read_before() {
        let text = "<A>\n<B>x</B>\n<B>y</B>\n<C>\n  <D>&z;</D>\n</C>\n</A>";
        let mut stream = XmlStream::new(text, "t.xml");
        stream.root().unwrap();
        for _ in 0..2 {
            let tag = stream.next_child().unwrap().unwrap();
            stream.read_node(tag).unwrap();
        }
        // Asked for after reading further: counted backwards.
        assert_eq!(stream.error_at(4, "x").line, 2);
        assert_eq!(stream.error_at(4, "x").column, 1);
        assert_eq!(stream.error_at(text.find('y').unwrap(), "x").column, 4);
        let c = stream.next_child().unwrap().unwrap();
        assert_eq!(c.line, 4);
        let error = stream.read_node(c).unwrap_err();
        assert_eq!((error.line, error.path.as_str()), (5, "/A/C/D"));
        assert!(error.message.contains("&z;"), "{error}");
    }

    #[test]
    fn skipping_checks_the_subtree_without_building_it() {
        let mut stream = XmlStream::new("<A><S><T>&amp;<U/></T></S><B>x</B></A>", "t.xml");
        stream.root().unwrap();
        let skipped = stream.next_child().unwrap().unwrap();
        stream.skip(skipped).unwrap();
        let next = stream.next_child().unwrap().unwrap();
        assert_eq!(stream.read_node(next).unwrap().value(), Some("x"));
        assert_eq!(stream.next_child().unwrap(), None);
        stream.finish().unwrap();

        let mut unknown = XmlStream::new("<A><S><T>&x;</T></S></A>", "t.xml");
        unknown.root().unwrap();
        let tag = unknown.next_child().unwrap().unwrap();
        assert!(unknown.skip(tag).unwrap_err().message.contains("&x;"));

        let mut truncated = XmlStream::new("<A>\n<S>\n<T>", "t.xml");
        truncated.root().unwrap();
        let tag = truncated.next_child().unwrap().unwrap();
        let error = truncated.skip(tag).unwrap_err();
        assert!(
            error.message.contains("<T>") && error.message.contains("tronqué"),
            "{error}"
        );
    }

    #[test]
    fn a_refused_record_leaves_no_children_behind() {
        let mut stream = XmlStream::new("<A><R><X/><Y>&bad;</Y></R><R><Z/></R></A>", "t.xml");
        stream.root().unwrap();
        let bad = stream.next_child().unwrap().unwrap();
        assert!(stream.read_node(bad).is_err());
        assert!(
            stream.scratch.is_empty(),
            "the children of a refused record are dropped"
        );
    }

    #[test]
    fn empty_elements_behave_like_open_close_pairs() {
        let mut stream = XmlStream::new("<A><B/><C>x</C></A>", "t.xml");
        stream.root().unwrap();
        let b = stream.next_child().unwrap().unwrap();
        assert!(b.empty);
        assert_eq!(stream.next_child().unwrap(), None, "B has no child");
        let c = stream.next_child().unwrap().unwrap();
        assert_eq!(c.name, "C");
    }

    #[test]
    fn attribute_order_does_not_matter() {
        let mut stream = XmlStream::new("<A><B TYPE=\"epp\" ID=\"12\"/></A>", "t.xml");
        stream.root().unwrap();
        let b = stream.next_child().unwrap().unwrap();
        assert_eq!((b.attr("ID"), b.attr("TYPE")), (Some("12"), Some("epp")));
    }

    #[test]
    fn malformed_documents_give_located_french_errors() {
        let mut stream = XmlStream::new("<A>\n  <B>\n  </C>\n</A>", "t.xml");
        stream.root().unwrap();
        let tag = stream.next_child().unwrap().unwrap();
        let error = stream.read_node(tag).unwrap_err();
        assert_eq!(error.line, 3);
        assert!(error.message.contains("</C>"), "{error}");

        let mut truncated = XmlStream::new("<A>\n  <B>x</B>\n  <B>", "t.xml");
        truncated.root().unwrap();
        let first = truncated.next_child().unwrap().unwrap();
        truncated.read_node(first).unwrap();
        let second = truncated.next_child().unwrap().unwrap();
        let error = truncated.read_node(second).unwrap_err();
        assert!(error.message.contains("tronqué"), "{error}");
    }

    #[test]
    fn entity_declarations_are_refused_and_never_expanded() {
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE A [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]>\n<A>&b;</A>";
        let error = XmlStream::new(bomb, "t.xml").root().unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.contains("entités"));
        let mut unknown = XmlStream::new("<A><B>&x;</B></A>", "t.xml");
        unknown.root().unwrap();
        let tag = unknown.next_child().unwrap().unwrap();
        assert!(unknown.read_node(tag).unwrap_err().message.contains("&x;"));
    }

    #[test]
    fn control_characters_are_refused_where_they_are() {
        let error = XmlStream::new("<A>\n  <B>L\u{0}a</B>\n</A>", "t.xml")
            .root()
            .unwrap_err();
        assert_eq!((error.line, error.column), (2, 7));
        assert!(error.message.contains("octet nul"), "{error}");
        let error = XmlStream::new("<A>\u{1b}</A>", "t.xml").root().unwrap_err();
        assert!(error.message.contains("U+001B"), "{error}");
        assert!(XmlStream::new("<A>\t\r\n</A>", "t.xml").root().is_ok());
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "<A>".repeat(100);
        let mut stream = XmlStream::new(&deep, "t.xml").with_max_depth(10);
        let mut result = Ok(None);
        for _ in 0..20 {
            result = stream.next_child();
            if result.is_err() {
                break;
            }
        }
        let error = result.unwrap_err();
        assert!(error.message.contains("--profondeur-max"), "{error}");
        assert_eq!(error.path, "/A/A/A/A/A/A/A/A/A/A");
        let deeper = format!("<R>{}", "<B>".repeat(100));
        let mut stream = XmlStream::new(&deeper, "t.xml");
        stream.root().unwrap();
        let error = loop {
            if let Err(error) = stream.next_child() {
                break error;
            }
        };
        assert_eq!(error.path, "/R/B/B/B/…(57 éléments)…/B/B/B");
    }

    #[test]
    fn writer_escapes_indents_and_writes_back_extras() {
        let mut writer = XmlWriter::with_declaration("ISO-8859-15");
        writer.open("A", &[("CODE", "3 \"A\"")]);
        writer.leaf("B", "L'été & <co>");
        writer.leaf_or_empty("C", None);
        writer.extra(&Extra(vec![ExtraNode {
            name: "X".into(),
            children: vec![ExtraNode::text("Y", "Œ")],
            ..ExtraNode::default()
        }]));
        let text = writer.finish();
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<A CODE=\"3 &quot;A&quot;\">\n  <B>L'été &amp; &lt;co&gt;</B>\n  <C/>\n  <X>\n    <Y>Œ</Y>\n  </X>\n</A>\n"
        );
    }
}
