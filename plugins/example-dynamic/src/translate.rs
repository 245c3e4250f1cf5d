//! Translation between two layouts of one XML document that differ by renamed elements and
//! the root's `VERSION`, in one pass over the bytes.
//!
//! Element names are ASCII and every byte of markup is ASCII, so the same code works on the
//! UTF-8 text a reader is given and on the ISO-8859-15 bytes a writer produces. Only names
//! change: lines stay where they were, so the messages of the reader that reads the
//! translation point to the right line of the user's file (see [`original_column`] for the
//! columns). Comments, CDATA sections, processing instructions and attribute values are
//! copied untouched. A document whose tags do not nest is not translated
//! ([`Unexpected::Malformed`]): the XML reader reports its error on the original text.

use std::fmt;

/// How a newer layout maps onto an older one.
#[derive(Debug)]
pub(crate) struct Translation {
    /// Root element of the document.
    pub(crate) root: &'static str,
    /// `VERSION` of the root in the older layout.
    pub(crate) older: &'static str,
    /// `VERSION` of the root in the newer layout.
    pub(crate) newer: &'static str,
    /// Path, from the root, of the element whose children were renamed.
    pub(crate) parent: &'static [&'static str],
    /// Renamed children: (newer name, older name).
    pub(crate) renamed: &'static [(&'static str, &'static str)],
}

/// Which way to translate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Newer layout to older (reading).
    ToOlder,
    /// Older layout to newer (writing).
    ToNewer,
}

/// The document is not the one the translation is for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unexpected {
    /// Another root element.
    Root(String),
    /// The root's `VERSION` is absent or another one.
    Version(Option<String>),
    /// Markup that never ends, or an end tag that does not close the open element.
    Malformed,
}

impl fmt::Display for Unexpected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unexpected::Root(name) => write!(f, "l'élément racine est <{name}>"),
            Unexpected::Version(Some(version)) => write!(f, "la VERSION est « {version} »"),
            Unexpected::Version(None) => f.write_str("la racine n'a pas de VERSION"),
            Unexpected::Malformed => f.write_str("le XML est mal formé"),
        }
    }
}

impl Translation {
    /// The root `VERSION` expected and the one written, in this direction.
    fn versions(&self, direction: Direction) -> (&'static str, &'static str) {
        match direction {
            Direction::ToOlder => (self.newer, self.older),
            Direction::ToNewer => (self.older, self.newer),
        }
    }

    /// The new name of a child of `open` (the elements open around it), if it is renamed.
    fn rename(&self, open: &[&[u8]], name: &[u8], direction: Direction) -> Option<&'static str> {
        let under_parent = open.len() == self.parent.len()
            && open
                .iter()
                .zip(self.parent)
                .all(|(open, parent)| *open == parent.as_bytes());
        if !under_parent {
            return None;
        }
        self.renamed
            .iter()
            .find_map(|&(newer, older)| match direction {
                Direction::ToOlder => (newer.as_bytes() == name).then_some(older),
                Direction::ToNewer => (older.as_bytes() == name).then_some(newer),
            })
    }

    /// Translates a document. The root must be [`Translation::root`] with the `VERSION` of
    /// the layout translated from; it gets the other one.
    pub(crate) fn apply(&self, xml: &[u8], direction: Direction) -> Result<Vec<u8>, Unexpected> {
        let (expected, written) = self.versions(direction);
        let mut out = Vec::with_capacity(xml.len() + xml.len() / 32);
        let mut open: Vec<&[u8]> = Vec::new();
        let mut root_seen = false;
        let mut at = 0;
        while let Some(offset) = xml[at..].iter().position(|&byte| byte == b'<') {
            let start = at + offset;
            out.extend_from_slice(&xml[at..start]);
            let length = markup_length(&xml[start..]).ok_or(Unexpected::Malformed)?;
            let markup = &xml[start..start + length];
            at = start + length;
            match markup.get(1) {
                Some(b'!' | b'?') => out.extend_from_slice(markup),
                Some(b'/') => {
                    let name = tag_name(&markup[2..]);
                    if open.pop() != Some(name) {
                        return Err(Unexpected::Malformed);
                    }
                    let new_name = self.rename(&open, name, direction);
                    out.extend_from_slice(b"</");
                    out.extend_from_slice(new_name.map_or(name, str::as_bytes));
                    out.extend_from_slice(&markup[2 + name.len()..]);
                }
                _ => {
                    let name = tag_name(&markup[1..]);
                    let mut rest = markup[1 + name.len()..].to_vec();
                    if !root_seen {
                        root_seen = true;
                        if name != self.root.as_bytes() {
                            return Err(Unexpected::Root(String::from_utf8_lossy(name).into()));
                        }
                        rest = replace_version(&rest, expected, written)?;
                    }
                    let new_name = self.rename(&open, name, direction);
                    out.push(b'<');
                    out.extend_from_slice(new_name.map_or(name, str::as_bytes));
                    out.extend_from_slice(&rest);
                    if !markup.ends_with(b"/>") {
                        open.push(name);
                    }
                }
            }
        }
        out.extend_from_slice(&xml[at..]);
        Ok(out)
    }
}

impl Translation {
    /// Translates a decoded document (see [`Translation::apply`]).
    pub(crate) fn apply_text(&self, xml: &str, direction: Direction) -> Result<String, Unexpected> {
        let bytes = self.apply(xml.as_bytes(), direction)?;
        // Only ASCII names were replaced, at ASCII boundaries: the bytes are still UTF-8.
        Ok(String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()))
    }
}

/// Length of the markup starting at `<`, through its `>`; `None` when it never ends.
fn markup_length(text: &[u8]) -> Option<usize> {
    let until = |end: &[u8]| {
        text.windows(end.len())
            .skip(1)
            .position(|window| window == end)
            .map(|position| position + 1 + end.len())
    };
    if text.starts_with(b"<!--") {
        return until(b"-->");
    }
    if text.starts_with(b"<![CDATA[") {
        return until(b"]]>");
    }
    if text.starts_with(b"<?") {
        return until(b"?>");
    }
    // A tag, or a declaration (`<!DOCTYPE … [ … ]>`): quoted values and brackets may hold `>`.
    let mut quote = None;
    let mut brackets = 0usize;
    for (index, &byte) in text.iter().enumerate().skip(1) {
        match (quote, byte) {
            (Some(open), _) if byte == open => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(byte),
            (None, b'[') => brackets += 1,
            (None, b']') => brackets = brackets.saturating_sub(1),
            (None, b'>') if brackets == 0 => return Some(index + 1),
            _ => {}
        }
    }
    None
}

/// The element name at the start of a tag's content.
fn tag_name(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .position(|byte| byte.is_ascii_whitespace() || matches!(byte, b'/' | b'>'))
        .unwrap_or(text.len());
    &text[..end]
}

/// Rewrites the value of the `VERSION` attribute in the rest of a start tag (after its
/// name), which must be `expected` (surrounding spaces aside).
fn replace_version(rest: &[u8], expected: &str, written: &str) -> Result<Vec<u8>, Unexpected> {
    let mut at = 0;
    loop {
        while rest.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        let name_start = at;
        while rest
            .get(at)
            .is_some_and(|byte| !byte.is_ascii_whitespace() && !matches!(byte, b'=' | b'/' | b'>'))
        {
            at += 1;
        }
        if at == name_start {
            return Err(Unexpected::Version(None));
        }
        let name = &rest[name_start..at];
        while rest
            .get(at)
            .is_some_and(|byte| byte.is_ascii_whitespace() || *byte == b'=')
        {
            at += 1;
        }
        let Some(&quote) = rest.get(at).filter(|byte| matches!(byte, b'"' | b'\'')) else {
            return Err(Unexpected::Version(None));
        };
        let value_start = at + 1;
        let Some(length) = rest[value_start..].iter().position(|&byte| byte == quote) else {
            return Err(Unexpected::Version(None));
        };
        let value_end = value_start + length;
        if name == b"VERSION" {
            let value = String::from_utf8_lossy(&rest[value_start..value_end]);
            if value.trim() != expected {
                return Err(Unexpected::Version(Some(value.into_owned())));
            }
            let mut replaced = rest[..value_start].to_vec();
            replaced.extend_from_slice(written.as_bytes());
            replaced.extend_from_slice(&rest[value_end..]);
            return Ok(replaced);
        }
        at = value_end + 1;
    }
}

/// The column (1-based, in characters) in a line of the original document of a column of the
/// same line in its translation: renamed names have other lengths.
pub(crate) fn original_column(
    original: &str,
    translated: &str,
    column: u32,
    map: &Translation,
    direction: Direction,
) -> u32 {
    let wanted = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    let (mut a, mut b) = (0, 0);
    let (mut in_original, mut in_translated) = (0usize, 0usize);
    while in_translated < wanted && b < translated.len() {
        let renamed = map.renamed.iter().find_map(|&(newer, older)| {
            let (from, to) = match direction {
                Direction::ToOlder => (newer, older),
                Direction::ToNewer => (older, newer),
            };
            (from != to && original[a..].starts_with(from) && translated[b..].starts_with(to))
                .then_some((from, to))
        });
        let (from, to) = match renamed {
            Some(pair) => pair,
            None => {
                let Some(next) = translated[b..].chars().next() else {
                    break;
                };
                let step = next.len_utf8();
                (
                    &original[a..a + original[a..].chars().next().map_or(0, char::len_utf8)],
                    &translated[b..b + step],
                )
            }
        };
        a += from.len();
        b += to.len();
        in_original += from.chars().count();
        in_translated += to.chars().count();
    }
    u32::try_from(in_original + 1).unwrap_or(u32::MAX)
}

/// Renames whole words of a message (element names in a reader's remark), so that a
/// message about the older layout speaks of the newer one.
pub(crate) fn rename_words(text: &str, renamed: &[(&str, &str)], direction: Direction) -> String {
    let is_name_byte = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_';
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let bytes = text.as_bytes();
    while at < bytes.len() {
        let word_start = at == 0 || !is_name_byte(bytes[at - 1]);
        let replacement = word_start
            .then(|| {
                renamed.iter().find_map(|&(newer, older)| {
                    let (from, to) = match direction {
                        Direction::ToOlder => (newer, older),
                        Direction::ToNewer => (older, newer),
                    };
                    let end = at + from.len();
                    (text.get(at..end) == Some(from)
                        && bytes.get(end).is_none_or(|&byte| !is_name_byte(byte)))
                    .then_some((from.len(), to))
                })
            })
            .flatten();
        match replacement {
            Some((length, to)) => {
                out.push_str(to);
                at += length;
            }
            None => {
                // Advance by one character, not one byte: the text is UTF-8.
                let next = text[at..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[at..at + next]);
                at += next;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    static TEST: Translation = Translation {
        root: "RACINE",
        older: "1.0",
        newer: "2.0",
        parent: &["RACINE", "LISTE", "FICHE"],
        renamed: &[("NOUVEAU", "ANCIEN"), ("COURT", "LONG_NOM")],
    };

    fn to_older(text: &str) -> Result<String, Unexpected> {
        TEST.apply(text.as_bytes(), Direction::ToOlder)
            .map(|bytes| String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn renames_only_the_children_of_the_parent_path() {
        let newer = "<?xml version=\"1.0\"?>\n<RACINE VERSION=\"2.0\">\n  <NOUVEAU>hors fiche</NOUVEAU>\n  <LISTE>\n    <FICHE ID=\"1\">\n      <NOUVEAU>a</NOUVEAU>\n      <COURT/>\n      <COURT></COURT>\n      <SOUS><NOUVEAU>b</NOUVEAU></SOUS>\n    </FICHE>\n  </LISTE>\n</RACINE>\n";
        let older = "<?xml version=\"1.0\"?>\n<RACINE VERSION=\"1.0\">\n  <NOUVEAU>hors fiche</NOUVEAU>\n  <LISTE>\n    <FICHE ID=\"1\">\n      <ANCIEN>a</ANCIEN>\n      <LONG_NOM/>\n      <LONG_NOM></LONG_NOM>\n      <SOUS><NOUVEAU>b</NOUVEAU></SOUS>\n    </FICHE>\n  </LISTE>\n</RACINE>\n";
        assert_eq!(to_older(newer).unwrap(), older);
        let back = TEST.apply(older.as_bytes(), Direction::ToNewer).unwrap();
        assert_eq!(String::from_utf8(back).unwrap(), newer);
    }

    #[test]
    fn comments_cdata_attributes_and_text_are_untouched() {
        let newer = "<RACINE A='x>y' VERSION = '2.0' >\n<!-- <NOUVEAU> -->\n<LISTE><FICHE N=\"<NOUVEAU>\"><NOUVEAU\n  ATTR=\"1\">NOUVEAU &lt;NOUVEAU&gt; é<![CDATA[<NOUVEAU>]]></NOUVEAU\n></FICHE></LISTE><?pi <NOUVEAU>?></RACINE>";
        let older = "<RACINE A='x>y' VERSION = '1.0' >\n<!-- <NOUVEAU> -->\n<LISTE><FICHE N=\"<NOUVEAU>\"><ANCIEN\n  ATTR=\"1\">NOUVEAU &lt;NOUVEAU&gt; é<![CDATA[<NOUVEAU>]]></ANCIEN\n></FICHE></LISTE><?pi <NOUVEAU>?></RACINE>";
        assert_eq!(to_older(newer).unwrap(), older);
    }

    #[test]
    fn latin9_bytes_pass_through() {
        let older = b"<RACINE VERSION=\"1.0\"><LISTE><FICHE><ANCIEN>C\xBCUR</ANCIEN></FICHE></LISTE></RACINE>";
        let newer = TEST.apply(older, Direction::ToNewer).unwrap();
        assert_eq!(
            newer,
            b"<RACINE VERSION=\"2.0\"><LISTE><FICHE><NOUVEAU>C\xBCUR</NOUVEAU></FICHE></LISTE></RACINE>"
        );
    }

    #[test]
    fn another_root_or_version_is_refused() {
        assert_eq!(
            to_older("<AUTRE VERSION=\"2.0\"/>"),
            Err(Unexpected::Root("AUTRE".into()))
        );
        assert_eq!(
            to_older("<RACINE VERSION=\"1.0\"/>"),
            Err(Unexpected::Version(Some("1.0".into())))
        );
        assert_eq!(
            to_older("<RACINE AUTRE=\"2.0\"/>"),
            Err(Unexpected::Version(None))
        );
        assert_eq!(
            Unexpected::Version(Some("1.0".into())).to_string(),
            "la VERSION est « 1.0 »"
        );
    }

    #[test]
    fn markup_that_does_not_nest_is_not_translated() {
        for broken in [
            "<RACINE VERSION=\"2.0\"><LISTE><FICHE><NOUVEAU>a</NOUVEAU><COURT",
            "<RACINE VERSION=\"2.0\"><LISTE><FICHE><NOUVEAU>a</ANCIEN></FICHE>",
            "<RACINE VERSION=\"2.0\"><LISTE></FICHE></LISTE></RACINE>",
            "<RACINE VERSION=\"2.0\"><!-- sans fin",
        ] {
            assert_eq!(to_older(broken), Err(Unexpected::Malformed), "{broken}");
        }
    }

    #[test]
    fn columns_are_mapped_back_to_the_original_line() {
        let original = "  <NOUVEAU>a &x; b</NOUVEAU><COURT>c</COURT>";
        let translated = "  <ANCIEN>a &x; b</ANCIEN><LONG_NOM>c</LONG_NOM>";
        let column = |text: &str, needle: &str| text.find(needle).unwrap() as u32 + 1;
        for needle in ["&x;", "c<", "  <", "</LONG_NOM"] {
            let expected = match needle {
                "</LONG_NOM" => column(original, "</COURT"),
                _ => column(original, needle),
            };
            assert_eq!(
                original_column(
                    original,
                    translated,
                    column(translated, needle),
                    &TEST,
                    Direction::ToOlder
                ),
                expected,
                "{needle}"
            );
        }
    }

    #[test]
    fn messages_get_the_newer_names_as_whole_words() {
        let message = "LONG_NOM manque ; ANCIEN_X et X_ANCIEN restent ; ANCIEN. « ANCIEN »";
        assert_eq!(
            rename_words(message, TEST.renamed, Direction::ToNewer),
            "COURT manque ; ANCIEN_X et X_ANCIEN restent ; NOUVEAU. « NOUVEAU »"
        );
    }
}
