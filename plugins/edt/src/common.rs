//! What both EDT formats share: value diagnostics and located errors.

use passerelle_core::diagnostics::{Diagnostic, Severity, codes};
use passerelle_core::format::FormatError;
use passerelle_core::model::Source;

/// A value that does not have the expected form: reported, then ignored.
pub(crate) fn invalid_value(
    source: &Source,
    field: &str,
    value: &str,
    expected: &str,
) -> Diagnostic {
    value_remark(
        source,
        field,
        value,
        &format!("{expected} : la valeur est ignorée"),
    )
}

/// A value reported as « field vaut « value », or problem. ».
pub(crate) fn value_remark(source: &Source, field: &str, value: &str, problem: &str) -> Diagnostic {
    Diagnostic::new(
        codes::VALEUR_INVALIDE,
        Severity::Warning,
        format!("{field} vaut « {value} », or {problem}."),
    )
    .with_fix("Corrigez la valeur dans EDT, puis refaites l'export.")
    .at(source)
}

/// A file refused for its content, at a line.
pub(crate) fn refused(file: &str, line: u32, message: impl Into<String>) -> FormatError {
    FormatError::Invalid {
        file: file.to_string(),
        line: Some(line),
        message: message.into(),
    }
}

/// Parses a weekday written `1`…`7` (1 = Monday).
pub(crate) fn day_number(text: &str) -> Option<u8> {
    text.trim()
        .parse::<u8>()
        .ok()
        .filter(|day| (1..=7).contains(day))
}
