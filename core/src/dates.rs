//! Dates as the formats write them: ISO `YYYY-MM-DD` (STS, liens) and `DD/MM/YYYY` (SIECLE, EDT).

use chrono::NaiveDate;

/// SIECLE's "no end" date.
pub const OPEN_END: &str = "31/12/9999";

/// Parses `YYYY-MM-DD` (surrounding spaces allowed).
pub fn parse_iso(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Parses `DD/MM/YYYY` (surrounding spaces allowed). `31/12/9999` parses to that date:
/// use [`parse_french_end`] for end dates where it means "no end".
pub fn parse_french(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    // chrono accepts one-digit days and months; the formats always write two.
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%d/%m/%Y").ok()
}

/// Parses an end date `DD/MM/YYYY` where `31/12/9999` means "no end".
/// Returns `Ok(None)` for the open end, `Err(())` for text that is not a date.
// The caller only needs "not a date": a unit error keeps call sites short.
#[allow(clippy::result_unit_err)]
pub fn parse_french_end(text: &str) -> Result<Option<NaiveDate>, ()> {
    if text.trim() == OPEN_END {
        return Ok(None);
    }
    parse_french(text).map(Some).ok_or(())
}

/// Writes `DD/MM/YYYY`.
pub fn format_french(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// Writes `YYYY-MM-DD`.
pub fn format_iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_spellings() {
        let date = NaiveDate::from_ymd_opt(2024, 9, 2).unwrap();
        assert_eq!(parse_iso(" 2024-09-02 "), Some(date));
        assert_eq!(parse_french("02/09/2024"), Some(date));
        assert_eq!(parse_french("2/9/2024"), None);
        assert_eq!(parse_french("31/02/2024"), None);
        assert_eq!(parse_french_end("31/12/9999"), Ok(None));
        assert_eq!(parse_french_end("bientôt"), Err(()));
        assert_eq!(format_french(date), "02/09/2024");
        assert_eq!(format_iso(date), "2024-09-02");
    }
}
