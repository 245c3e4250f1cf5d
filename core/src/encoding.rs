//! Encodings: BOM, XML declaration, and the files that lie about theirs.
//!
//! The national formats are ISO-8859-15 (Latin-9, which is not Latin-1: Œ, œ and € differ);
//! EDT's exports are UTF-8 with a BOM. Files re-saved by hand often hold UTF-8 under a Latin-9
//! label, or Latin-9 under a UTF-8 label: both are read correctly and reported as `ENCODAGE`.

use std::borrow::Cow;

use encoding_rs::{CoderResult, Encoding, ISO_8859_15, UTF_8, UTF_16BE, UTF_16LE};

use crate::diagnostics::{Diagnostic, Objet, Severity, codes};

/// What kind of text is being decoded (it decides the default encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// XML: the declaration decides; without one, UTF-8.
    Xml,
    /// CSV: UTF-8 with or without BOM, else Latin-9 (older EDT, spreadsheets), without remark.
    Csv,
}

/// A decoded text and how it was decoded.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The text, BOM removed.
    pub text: String,
    /// Name of the encoding actually used (`UTF-8`, `ISO-8859-15`, `windows-1252`…).
    pub encoding: &'static str,
    /// The label the file declared, if any.
    pub declared: Option<String>,
    /// `ENCODAGE` when the bytes contradicted the label.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the `encoding="…"` label of an XML declaration at the start of `bytes`.
pub fn declared_xml_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(256)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|pair| pair == b"?>")?;
    let declaration = std::str::from_utf8(&head[..end]).ok()?;
    let after = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    let close = value.find(quote)?;
    Some(value[..close].trim().to_string())
}

fn encoding_warning(file: &str, message: String) -> Diagnostic {
    Diagnostic::new(codes::ENCODAGE, Severity::Warning, message)
        .with_synchro(0)
        .with_fix(
            "Réexportez le fichier depuis l'application d'origine plutôt que de le modifier \
             ou de l'enregistrer à nouveau dans un tableur ou un éditeur.",
        )
        .in_file(file)
        .with_objet(Objet {
            fichier: Some(file.to_string()),
            ..Objet::default()
        })
}

fn decode_without_bom(bytes: &[u8], encoding: &'static Encoding) -> String {
    // encoding_rs would reserve the worst case, three bytes of UTF-8 per byte of a Latin-9
    // file, and keep it: reserve what this text needs (ASCII stays one byte, anything else
    // takes three at most), growing only for multi-byte encodings.
    let non_ascii = bytes.iter().filter(|byte| !byte.is_ascii()).count();
    let mut text = String::with_capacity(bytes.len() + 2 * non_ascii);
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut rest = bytes;
    loop {
        let (result, read, _) = decoder.decode_to_string(rest, &mut text, true);
        rest = rest.get(read..).unwrap_or_default();
        match result {
            CoderResult::InputEmpty => return text,
            CoderResult::OutputFull => text.reserve(
                decoder
                    .max_utf8_buffer_length(rest.len())
                    .unwrap_or(rest.len().saturating_mul(3))
                    .max(4),
            ),
        }
    }
}

/// The bytes as text when they are UTF-8: owned bytes become the text without a copy.
fn into_utf8(bytes: Cow<'_, [u8]>) -> Result<String, Cow<'_, [u8]>> {
    match bytes {
        Cow::Owned(bytes) => {
            String::from_utf8(bytes).map_err(|error| Cow::Owned(error.into_bytes()))
        }
        Cow::Borrowed(bytes) => std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| Cow::Borrowed(bytes)),
    }
}

/// Decodes a file's bytes to UTF-8 text, following BOM then declaration, and checking that
/// the bytes agree with the label and that the text was not encoded twice.
pub fn decode(bytes: &[u8], file: &str, kind: TextKind) -> Decoded {
    decode_cow(Cow::Borrowed(bytes), file, kind)
}

/// Like [`decode`], taking the bytes: UTF-8 (and ASCII) files become their text without a
/// copy, and single-byte files cost one buffer, the bytes being dropped once decoded.
pub fn decode_owned(bytes: Vec<u8>, file: &str, kind: TextKind) -> Decoded {
    decode_cow(Cow::Owned(bytes), file, kind)
}

fn decode_cow(bytes: Cow<'_, [u8]>, file: &str, kind: TextKind) -> Decoded {
    let mut decoded = decode_by_label(bytes, file, kind);
    if let Some(sign) = double_encoding_sign(&decoded.text) {
        decoded
            .diagnostics
            .push(double_encoding_warning(file, &sign));
    }
    decoded
}

/// The bytes after a BOM.
fn without_bom(bytes: Cow<'_, [u8]>, bom_length: usize) -> Cow<'_, [u8]> {
    match bytes {
        Cow::Owned(mut bytes) => {
            bytes.drain(..bom_length.min(bytes.len()));
            Cow::Owned(bytes)
        }
        Cow::Borrowed(bytes) => Cow::Borrowed(bytes.get(bom_length..).unwrap_or_default()),
    }
}

/// UTF-16 without byte-order mark, recognised as the XML specification suggests (appendix F)
/// by its first two characters `<?` with a zero byte beside each.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes.get(..4)? {
        [b'<', 0, b'?', 0] => Some(UTF_16LE),
        [0, b'<', 0, b'?'] => Some(UTF_16BE),
        _ => None,
    }
}

fn decode_by_label(bytes: Cow<'_, [u8]>, file: &str, kind: TextKind) -> Decoded {
    if let Some(encoding) = utf16_without_bom(&bytes) {
        let text = decode_without_bom(&bytes, encoding);
        return Decoded {
            declared: declared_xml_encoding(text.as_bytes()),
            text,
            encoding: encoding.name(),
            diagnostics: Vec::new(),
        };
    }
    if let Some((encoding, bom_length)) = Encoding::for_bom(&bytes) {
        let body = without_bom(bytes, bom_length);
        if encoding != UTF_8 {
            return Decoded {
                text: decode_without_bom(&body, encoding),
                encoding: encoding.name(),
                declared: Some(format!("{} (BOM)", encoding.name())),
                diagnostics: Vec::new(),
            };
        }
        return match into_utf8(body) {
            Ok(text) => Decoded {
                text,
                encoding: encoding.name(),
                declared: Some(format!("{} (BOM)", encoding.name())),
                diagnostics: Vec::new(),
            },
            Err(body) => Decoded {
                text: decode_without_bom(&body, ISO_8859_15),
                encoding: ISO_8859_15.name(),
                declared: Some("UTF-8 (BOM)".to_string()),
                diagnostics: vec![encoding_warning(
                    file,
                    format!(
                        "« {file} » commence par une marque UTF-8 mais contient des octets qui ne \
                         sont pas de l'UTF-8 : il a été lu en ISO-8859-15."
                    ),
                )],
            },
        };
    }

    let declared = match kind {
        TextKind::Xml => declared_xml_encoding(&bytes),
        TextKind::Csv => None,
    };
    let label_encoding = declared
        .as_deref()
        .and_then(|label| Encoding::for_label(label.as_bytes()));

    match label_encoding {
        Some(encoding) if encoding != UTF_8 && encoding.is_single_byte() => {
            if bytes.is_ascii() {
                // ASCII reads the same in every single-byte encoding: the bytes are the text.
                let text = match into_utf8(bytes) {
                    Ok(text) => text,
                    Err(bytes) => decode_without_bom(&bytes, encoding),
                };
                return Decoded {
                    text,
                    encoding: encoding.name(),
                    declared,
                    diagnostics: Vec::new(),
                };
            }
            if std::str::from_utf8(&bytes).is_ok() {
                let label = declared.clone().unwrap_or_default();
                Decoded {
                    text: into_utf8(bytes).unwrap_or_default(),
                    encoding: UTF_8.name(),
                    declared,
                    diagnostics: vec![encoding_warning(
                        file,
                        format!(
                            "« {file} » se déclare en {label} mais contient des caractères codés en \
                             UTF-8 (« Ã© » au lieu de « é ») : il a été lu en UTF-8."
                        ),
                    )],
                }
            } else {
                Decoded {
                    text: decode_without_bom(&bytes, encoding),
                    encoding: encoding.name(),
                    declared,
                    diagnostics: Vec::new(),
                }
            }
        }
        _ => match into_utf8(bytes) {
            Ok(text) => Decoded {
                text,
                encoding: UTF_8.name(),
                declared,
                diagnostics: Vec::new(),
            },
            Err(bytes) => {
                let diagnostics = match kind {
                    TextKind::Csv => Vec::new(),
                    TextKind::Xml => {
                        let label = declared.clone().unwrap_or_else(|| "UTF-8".to_string());
                        vec![encoding_warning(
                            file,
                            format!(
                                "« {file} » est déclaré en {label} mais contient des octets qui ne \
                                 sont pas de l'UTF-8 : il a été lu en ISO-8859-15."
                            ),
                        )]
                    }
                };
                Decoded {
                    text: decode_without_bom(&bytes, ISO_8859_15),
                    encoding: ISO_8859_15.name(),
                    declared,
                    diagnostics,
                }
            }
        },
    }
}

/// Code of the remark on text encoded twice (`Ã©` for `é`): not an anomaly of the catalogue.
pub const DOUBLE_ENCODAGE: &str = "DOUBLE_ENCODAGE";

/// The first sign of text encoded twice: UTF-8 bytes read as Latin-1 and encoded again, which
/// turns `é` into `Ã©`. Returns the suspicious pair.
pub fn double_encoding_sign(text: &str) -> Option<String> {
    // `Ã` and `Â` are C3 83 and C3 82 in UTF-8, and every character from U+0080 to U+00BF
    // starts with C2: three bytes to look for, with a SIMD search rather than char by char.
    let found = [b"\xC3\x83\xC2", b"\xC3\x82\xC2"]
        .iter()
        .filter_map(|needle| memchr::memmem::find(text.as_bytes(), *needle))
        .min()?;
    Some(text.get(found..)?.chars().take(2).collect())
}

fn double_encoding_warning(file: &str, sign: &str) -> Diagnostic {
    Diagnostic::new(
        DOUBLE_ENCODAGE,
        Severity::Warning,
        format!(
            "« {file} » contient « {sign} » : le texte semble avoir été encodé deux fois (par \
             exemple « Ã© » au lieu de « é ») ; les noms sont lus tels quels."
        ),
    )
    .with_fix("Réexportez le fichier depuis l'application d'origine ; ne l'enregistrez pas à nouveau dans un tableur ou un éditeur.")
    .in_file(file)
}

/// Encodes text in ISO-8859-15; characters Latin-9 cannot hold become `&#N;` references.
pub fn encode_latin9(text: &str) -> Vec<u8> {
    let (bytes, _, _) = ISO_8859_15.encode(text);
    bytes.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin9_is_not_latin1() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><A>\xBC\xA4</A>";
        let decoded = decode(bytes, "a.xml", TextKind::Xml);
        assert_eq!(
            decoded.text,
            "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><A>Œ€</A>"
        );
        assert!(decoded.diagnostics.is_empty());
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><A>\xE9</A>";
        let decoded = decode(latin1, "b.xml", TextKind::Xml);
        assert_eq!(decoded.encoding, "windows-1252");
        assert!(decoded.text.contains('é'));
        assert!(decoded.diagnostics.is_empty());
    }

    #[test]
    fn utf8_under_a_latin9_label_is_read_as_utf8_and_reported() {
        let text = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><A>Lévêque Œ</A>";
        let decoded = decode(text.as_bytes(), "a.xml", TextKind::Xml);
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.diagnostics.len(), 1);
        assert_eq!(decoded.diagnostics[0].code, "ENCODAGE");
    }

    #[test]
    fn latin9_under_a_utf8_label_is_read_as_latin9_and_reported() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><A>L\xE9a</A>";
        let decoded = decode(bytes, "a.xml", TextKind::Xml);
        assert!(decoded.text.ends_with("<A>Léa</A>"));
        assert_eq!(decoded.diagnostics[0].code, "ENCODAGE");
    }

    #[test]
    fn csv_without_bom_in_latin9_is_silent() {
        let decoded = decode(b"NOM;PRENOM\r\nC\xBCUR;L\xE9a\r\n", "e.csv", TextKind::Csv);
        assert_eq!(decoded.text, "NOM;PRENOM\r\nCŒUR;Léa\r\n");
        assert!(decoded.diagnostics.is_empty());
        let with_bom = decode("\u{feff}NOM\r\n".as_bytes(), "e.csv", TextKind::Csv);
        assert_eq!(with_bom.text, "NOM\r\n");
    }

    #[test]
    fn utf16_is_recognised_with_or_without_its_mark() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><A>Lévêque Œ</A>";
        let little: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let with_mark: Vec<u8> = [0xFF, 0xFE].into_iter().chain(little.clone()).collect();
        for bytes in [little, big, with_mark] {
            let decoded = decode(&bytes, "a.xml", TextKind::Xml);
            assert_eq!(decoded.text, text);
            assert!(decoded.diagnostics.is_empty());
        }
    }

    #[test]
    fn text_encoded_twice_is_reported() {
        let decoded = decode("<A>LÃ©a</A>".as_bytes(), "a.xml", TextKind::Xml);
        assert_eq!(decoded.diagnostics.len(), 1);
        assert_eq!(decoded.diagnostics[0].code, DOUBLE_ENCODAGE);
        assert!(decoded.diagnostics[0].message.contains("Ã©"));
        assert!(double_encoding_sign("Ça, Élise, Ãlvaro").is_none());
    }

    #[test]
    fn taking_the_bytes_decodes_as_borrowing_them() {
        let samples: [(&[u8], TextKind); 9] = [
            (
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><A>\xBC\xA4 L\xE9a</A>",
                TextKind::Xml,
            ),
            (
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><A>ascii</A>",
                TextKind::Xml,
            ),
            (
                "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><A>Léa</A>".as_bytes(),
                TextKind::Xml,
            ),
            (
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><A>L\xE9a</A>",
                TextKind::Xml,
            ),
            ("<A>Léa et LÃ©a</A>".as_bytes(), TextKind::Xml),
            ("\u{feff}<A>Léa</A>".as_bytes(), TextKind::Xml),
            (b"\xEF\xBB\xBF<A>L\xE9a</A>", TextKind::Xml),
            (b"\xFF\xFE<\x00A\x00/\x00>\x00", TextKind::Xml),
            (b"NOM;PRENOM\r\nC\xBCUR;L\xE9a\r\n", TextKind::Csv),
        ];
        for (bytes, kind) in samples {
            let borrowed = decode(bytes, "f", kind);
            let owned = decode_owned(bytes.to_vec(), "f", kind);
            assert_eq!(owned.text, borrowed.text, "{bytes:?}");
            assert_eq!(owned.encoding, borrowed.encoding);
            assert_eq!(owned.declared, borrowed.declared);
            assert_eq!(owned.diagnostics, borrowed.diagnostics);
        }
    }

    #[test]
    fn decoding_costs_one_buffer_of_the_size_of_the_text() {
        // A Latin-9 file with accents: the text is not reserved at three bytes per byte.
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<A>".to_vec();
        for _ in 0..10_000 {
            bytes.extend_from_slice(b"<N>L\xC9V\xCAQUE C\xBCUR</N>\n");
        }
        bytes.extend_from_slice(b"</A>\n");
        let decoded = decode_owned(bytes.clone(), "f", TextKind::Xml);
        let non_ascii = bytes.iter().filter(|byte| !byte.is_ascii()).count();
        assert_eq!(decoded.text.len(), bytes.len() + non_ascii);
        assert!(
            decoded.text.capacity() <= bytes.len() + 2 * non_ascii,
            "{}",
            decoded.text.capacity()
        );
        // UTF-8 is the buffer itself.
        let utf8 = decoded.text.clone().into_bytes();
        let pointer = utf8.as_ptr();
        assert_eq!(
            decode_owned(utf8, "f", TextKind::Xml).text.as_ptr(),
            pointer
        );
    }

    #[test]
    fn unencodable_characters_become_references() {
        assert_eq!(encode_latin9("Œ€ł"), b"\xBC\xA4&#322;");
    }
}
