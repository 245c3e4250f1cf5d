//! Diagnostics: every finding passerelle reports, from a reader's remark to a `check` anomaly.
//!
//! A diagnostic has a stable code (the anomaly codes of `CHECKS.md`, or reader codes such as
//! `ENCODAGE`), a severity, a French message and fix, where it was found and the objects it
//! concerns. Findings are collected, never thrown on the first.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::Source;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The national application would reject the data, or the data contradicts itself.
    Error,
    /// Accepted but probably wrong, or silently corrected downstream.
    Warning,
    /// Worth knowing, nothing to fix.
    Info,
}

impl Severity {
    /// French label for human reports.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "erreur",
            Severity::Warning => "avertissement",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The objects a finding concerns. Only these keys exist (CHECKS.md); fields are in
/// alphabetical order so that the JSON has sorted keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Objet {
    /// A millésime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annee: Option<i32>,
    /// A division code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// A SIECLE ELEVE_ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eleve_id: Option<String>,
    /// A staff id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enseignant: Option<String>,
    /// A file (or a kind of file for `FICHIER_MANQUANT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fichier: Option<String>,
    /// A group code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groupe: Option<String>,
    /// An INE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ine: Option<String>,
    /// A subject code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matiere: Option<String>,
    /// A UAJ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uaj: Option<String>,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Stable code (`GROUPE_A_01`, `ENCODAGE`…).
    pub code: String,
    /// Severity.
    #[serde(rename = "severite")]
    pub severity: Severity,
    /// Synchronisation concerned (0 = files and envelope, 1–5), when it applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synchro: Option<u8>,
    /// What is wrong, in French, naming the object.
    pub message: String,
    /// What to do, in French.
    #[serde(
        rename = "correction",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub fix: Option<String>,
    /// File (or `archive.zip!member.xml`) where it was found.
    #[serde(rename = "fichier", default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line in that file.
    #[serde(rename = "ligne", default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Objects concerned.
    #[serde(default)]
    pub objet: Objet,
}

impl Diagnostic {
    /// A finding with a code, a severity and a French message.
    pub fn new(code: impl Into<String>, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.into(),
            severity,
            synchro: None,
            message: message.into(),
            fix: None,
            file: None,
            line: None,
            objet: Objet::default(),
        }
    }

    /// Sets the fix.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// Sets the synchronisation.
    pub fn with_synchro(mut self, synchro: u8) -> Self {
        self.synchro = Some(synchro);
        self
    }

    /// Sets file and line from an entity's provenance (nothing if it is unknown).
    pub fn at(mut self, source: &Source) -> Self {
        if !source.fichier.is_empty() {
            self.file = Some(source.fichier.clone());
        }
        self.line = source.ligne;
        self
    }

    /// Sets the file (and no line).
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Sets the objects.
    pub fn with_objet(mut self, objet: Objet) -> Self {
        self.objet = objet;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] ", self.severity, self.code)?;
        if let Some(file) = &self.file {
            match self.line {
                Some(line) => write!(f, "{file}:{line} : ")?,
                None => write!(f, "{file} : ")?,
            }
        }
        f.write_str(&self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, " — {fix}")?;
        }
        Ok(())
    }
}

/// Codes of diagnostics raised by the core itself (readers and merge).
pub mod codes {
    /// A byte sequence contradicts the declared encoding (CHECKS.md, synchro 0).
    pub const ENCODAGE: &str = "ENCODAGE";
    /// Two files give different values for the same field of the same entity.
    pub const CONFLIT_FUSION: &str = "CONFLIT_FUSION";
    /// A known root with a `VERSION` the reader does not know.
    pub const VERSION_INCONNUE: &str = "VERSION_INCONNUE";
    /// A value that does not have the expected form (kept, or ignored as said).
    pub const VALEUR_INVALIDE: &str = "VALEUR_INVALIDE";
}
