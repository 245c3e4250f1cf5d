//! A small reader for `;`-separated text: EDT list exports (`EXP_*.csv`) and the
//! correspondence file.
//!
//! Records are read one at a time with their line number. Fields may be quoted (`"a;b"`,
//! `""` for a quote), and a quoted field may span lines, as spreadsheets write them. Blank
//! lines are skipped. The text is already decoded (see [`crate::encoding`]); a leftover BOM
//! is ignored.

/// One record: its fields (unquoted, not trimmed) and the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvRecord {
    /// 1-based line of the record's first character.
    pub line: u32,
    /// Fields in order.
    pub fields: Vec<String>,
}

impl CsvRecord {
    /// The trimmed field at `index`; `None` when absent or blank.
    pub fn field(&self, index: usize) -> Option<&str> {
        self.fields
            .get(index)
            .map(|field| field.trim())
            .filter(|field| !field.is_empty())
    }
}

/// A quoted field that never ends.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("ligne {line} : {}", self.what())]
pub struct CsvError {
    /// Line where the quoted field starts.
    pub line: u32,
}

impl CsvError {
    /// What is wrong, without the line: for messages that already give it.
    pub fn what(&self) -> &'static str {
        "guillemet ouvrant sans guillemet fermant (fichier tronqué ou mal enregistré ?)"
    }
}

/// Iterates over the records of a text.
#[derive(Clone, Debug)]
pub struct CsvReader<'a> {
    rest: &'a str,
    line: u32,
    separator: char,
    failed: bool,
}

impl<'a> CsvReader<'a> {
    /// A reader over `text` with `separator` (`;` for every format passerelle reads).
    pub fn new(text: &'a str, separator: char) -> Self {
        CsvReader {
            rest: text.strip_prefix('\u{feff}').unwrap_or(text),
            line: 1,
            separator,
            failed: false,
        }
    }

    /// Reads one physical record starting at the current position.
    fn record(&mut self) -> Result<CsvRecord, CsvError> {
        let start_line = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut chars = self.rest.char_indices().peekable();
        let mut quoted = false;
        let mut quote_line = start_line;
        let mut consumed = self.rest.len();
        while let Some((index, character)) = chars.next() {
            if quoted {
                match character {
                    '"' if chars.peek().is_some_and(|(_, next)| *next == '"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        self.line += 1;
                        field.push('\n');
                    }
                    other => field.push(other),
                }
                continue;
            }
            match character {
                '"' if field.trim().is_empty() => {
                    field.clear();
                    quoted = true;
                    quote_line = self.line;
                }
                '\r' if chars.peek().is_some_and(|(_, next)| *next == '\n') => {}
                '\n' => {
                    self.line += 1;
                    consumed = index + 1;
                    break;
                }
                other if other == self.separator => fields.push(std::mem::take(&mut field)),
                other => field.push(other),
            }
        }
        if quoted {
            return Err(CsvError { line: quote_line });
        }
        fields.push(field);
        self.rest = &self.rest[consumed..];
        Ok(CsvRecord {
            line: start_line,
            fields,
        })
    }
}

impl Iterator for CsvReader<'_> {
    type Item = Result<CsvRecord, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.failed && !self.rest.is_empty() {
            match self.record() {
                Ok(record) if record.fields.iter().all(|field| field.trim().is_empty()) => {
                    if record.fields.len() > 1 {
                        // `;;;` is an empty row of a spreadsheet, not a blank line: keep it.
                        return Some(Ok(record));
                    }
                }
                Ok(record) => return Some(Ok(record)),
                Err(error) => {
                    self.failed = true;
                    return Some(Err(error));
                }
            }
        }
        None
    }
}

/// The first line of a text (BOM removed), for detection.
pub fn first_line(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.trim_start_matches(['\r', '\n']);
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(u32, Vec<String>)> {
        CsvReader::new(text, ';')
            .map(|record| record.map(|record| (record.line, record.fields)))
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn splits_fields_and_counts_lines() {
        let records = read("\u{feff}NOM;PRENOM\r\n\r\nEXEMPLE; Léa \r\nB;\n");
        assert_eq!(
            records,
            vec![
                (1, vec!["NOM".into(), "PRENOM".into()]),
                (3, vec!["EXEMPLE".into(), " Léa ".into()]),
                (4, vec!["B".into(), String::new()]),
            ]
        );
    }

    #[test]
    fn quoted_fields_hold_separators_quotes_and_newlines() {
        let records = read("\"a;b\";\"il dit \"\"oui\"\"\"\n\"deux\nlignes\";x\nfin;y");
        assert_eq!(records[0].1, vec!["a;b", "il dit \"oui\""]);
        assert_eq!(records[1], (2, vec!["deux\nlignes".into(), "x".into()]));
        assert_eq!(records[2], (4, vec!["fin".into(), "y".into()]));
    }

    #[test]
    fn an_unterminated_quote_is_an_error_naming_its_line() {
        let mut reader = CsvReader::new("a;b\nc;\"d\ne", ';');
        assert!(reader.next().unwrap().is_ok());
        assert_eq!(reader.next().unwrap(), Err(CsvError { line: 2 }));
        assert!(reader.next().is_none());
    }

    #[test]
    fn first_line_skips_bom_and_blank_lines() {
        assert_eq!(first_line("\u{feff}\r\nNOM;PRENOM\r\nA;B"), "NOM;PRENOM");
        assert_eq!(
            CsvRecord {
                line: 1,
                fields: vec![" x ".into()]
            }
            .field(0),
            Some("x")
        );
    }
}
