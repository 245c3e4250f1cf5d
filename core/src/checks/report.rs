//! The human report of `passerelle check`, in French.
//!
//! Per establishment: the files read, then the anomalies grouped by synchronisation then
//! code, one count line per code, at most [`EXAMPLES`] examples (all with `--tout`), the fix
//! once per code; at the end the checks skipped (`FICHIER_MANQUANT`), the files ignored and
//! the counts. Colours are the caller's decision (a terminal, `NO_COLOR` unset): this code
//! only applies them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::run::{CheckReport, Counts, EstablishmentReport};
use crate::diagnostics::{Diagnostic, Severity};

/// Examples shown per code without `--tout`.
pub const EXAMPLES: usize = 10;

/// How to render.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours.
    pub color: bool,
    /// Every example (`--tout`).
    pub all: bool,
}

/// Titles of the synchronisations.
pub fn synchro_title(synchro: u8) -> &'static str {
    match synchro {
        0 => "Synchro 0 — fichiers et enveloppe",
        1 => "Synchro 1 — STS-Web → EDT (sts_emp)",
        2 => "Synchro 2 — SIECLE → PRONOTE (exports SIECLE)",
        3 => "Synchro 3 — EDT → STS-Web (emp_sts)",
        4 => "Synchro 4 — STS-Web → SIECLE (structures)",
        _ => "Synchro 5 — PRONOTE → SIECLE (liens élèves-groupes)",
    }
}

const SKIPPED: &str = "FICHIER_MANQUANT";

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("\u{1b}[{style}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn severity(&self, severity: Severity) -> String {
        let style = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.paint(style, &severity.label().to_uppercase())
    }
}

fn plural(count: usize, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count > 1 { plural } else { singular })
}

fn counts_line(counts: Counts) -> String {
    format!(
        "{}, {}, {}",
        plural(counts.error, "erreur", "erreurs"),
        plural(counts.warning, "avertissement", "avertissements"),
        plural(counts.info, "info", "infos")
    )
}

/// Where an anomaly was found, unless the message already names the file.
fn location(anomaly: &Diagnostic) -> String {
    match (&anomaly.file, anomaly.line) {
        (Some(file), Some(line)) => format!(" — {file}, ligne {line}"),
        (Some(file), None) if !anomaly.message.contains(&format!("« {file} »")) => {
            format!(" — {file}")
        }
        _ => String::new(),
    }
}

fn establishment_title(report: &EstablishmentReport) -> String {
    let uaj = report.uaj.as_deref().unwrap_or("(UAJ inconnue)");
    let year = report
        .annee
        .map(|year| format!(", année {year}-{}", year + 1))
        .unwrap_or_default();
    if report.dossier == "." {
        format!("Établissement {uaj}{year}")
    } else {
        format!("Établissement {uaj}{year} — {}", report.dossier)
    }
}

fn render_establishment(
    out: &mut String,
    report: &EstablishmentReport,
    options: &RenderOptions,
    painter: &Painter,
) {
    let _ = writeln!(out, "{}", painter.bold(&establishment_title(report)));
    if report.fichiers.is_empty() {
        let _ = writeln!(out, "Aucun fichier lu.");
    } else {
        let _ = writeln!(
            out,
            "{} :",
            plural(report.fichiers.len(), "fichier lu", "fichiers lus")
        );
    }
    for file in &report.fichiers {
        let version = file
            .version
            .as_deref()
            .map(|version| format!(" {version}"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {} ({}{version})", file.fichier, file.format);
    }
    let (skipped, anomalies): (Vec<&Diagnostic>, Vec<&Diagnostic>) = report
        .anomalies
        .iter()
        .partition(|anomaly| anomaly.code == SKIPPED);
    if anomalies.is_empty() {
        let _ = writeln!(out, "\nAucune anomalie.");
    }
    let mut current_synchro = None;
    let mut index = 0;
    while index < anomalies.len() {
        let code = &anomalies[index].code;
        let end = anomalies[index..]
            .iter()
            .position(|anomaly| &anomaly.code != code)
            .map_or(anomalies.len(), |offset| index + offset);
        let group = &anomalies[index..end];
        let first = group[0];
        let synchro = first.synchro.unwrap_or(0);
        if current_synchro != Some(synchro) {
            current_synchro = Some(synchro);
            let _ = writeln!(out, "\n{}", painter.bold(synchro_title(synchro)));
        }
        let _ = writeln!(
            out,
            "  {} {} : {}",
            painter.severity(first.severity),
            painter.bold(code),
            plural(group.len(), "anomalie", "anomalies")
        );
        let shown = if options.all {
            group.len()
        } else {
            group.len().min(EXAMPLES)
        };
        for anomaly in &group[..shown] {
            let _ = writeln!(out, "    • {}{}", anomaly.message, location(anomaly));
        }
        if shown < group.len() {
            let _ = writeln!(
                out,
                "    … et {} (--tout pour tout afficher)",
                plural(group.len() - shown, "autre", "autres")
            );
        }
        if let Some(fix) = &first.fix {
            let _ = writeln!(out, "    {} {fix}", painter.paint("32", "Correction :"));
        }
        index = end;
    }
    if !skipped.is_empty() {
        let _ = writeln!(out, "\n{}", painter.bold("Vérifications non faites"));
        for anomaly in &skipped {
            let _ = writeln!(out, "  • {}", anomaly.message);
        }
        if let Some(fix) = &skipped[0].fix {
            let _ = writeln!(out, "  {fix}");
        }
    }
    if !report.ignores.is_empty() {
        let _ = writeln!(out, "\nFichiers ignorés : {}", report.ignores.join(", "));
    }
    let _ = writeln!(
        out,
        "\n{} {}.",
        painter.bold("Bilan :"),
        counts_line(report.resume)
    );
}

/// One line of a batch's summary: a code, its severity, how many establishments have it and
/// how many times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSummary {
    /// Synchronisation.
    pub synchro: u8,
    /// Anomaly code.
    pub code: String,
    /// Its severity.
    pub severity: Severity,
    /// Establishments with at least one.
    pub establishments: usize,
    /// Anomalies over every establishment.
    pub anomalies: usize,
}

/// The codes found over every establishment, in report order (synchronisation, code).
pub fn summarize(report: &CheckReport) -> Vec<CodeSummary> {
    let mut by_code: BTreeMap<(u8, &str), CodeSummary> = BTreeMap::new();
    for establishment in &report.etablissements {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for anomaly in &establishment.anomalies {
            let synchro = anomaly.synchro.unwrap_or(0);
            let line = by_code
                .entry((synchro, anomaly.code.as_str()))
                .or_insert_with(|| CodeSummary {
                    synchro,
                    code: anomaly.code.clone(),
                    severity: anomaly.severity,
                    establishments: 0,
                    anomalies: 0,
                });
            line.anomalies += 1;
            if seen.insert(anomaly.code.as_str()) {
                line.establishments += 1;
            }
        }
    }
    by_code.into_values().collect()
}

/// The summary of a batch: establishments by worst severity, then a table of the codes.
fn render_summary(out: &mut String, report: &CheckReport, painter: &Painter) {
    let establishments = &report.etablissements;
    let with_errors = establishments
        .iter()
        .filter(|establishment| establishment.resume.error > 0)
        .count();
    let with_warnings = establishments
        .iter()
        .filter(|establishment| establishment.resume.error == 0 && establishment.resume.warning > 0)
        .count();
    let _ = writeln!(
        out,
        "\n{} {}, dont {} avec erreurs, {} avec avertissements seulement, {} sans erreur ni avertissement.",
        painter.bold("Récapitulatif du lot :"),
        plural(establishments.len(), "établissement", "établissements"),
        with_errors,
        with_warnings,
        establishments.len() - with_errors - with_warnings
    );
    let lines = summarize(report);
    if lines.is_empty() {
        return;
    }
    let width = lines
        .iter()
        .map(|line| line.code.chars().count())
        .max()
        .unwrap_or(0)
        .max("Code".len());
    let _ = writeln!(
        out,
        "  {:<width$}  {:<13}  {:>7}  {:>14}  {:>9}",
        "Code", "Gravité", "Synchro", "Établissements", "Anomalies"
    );
    for line in &lines {
        let _ = writeln!(
            out,
            "  {:<width$}  {:<13}  {:>7}  {:>14}  {:>9}",
            line.code,
            line.severity.label(),
            line.synchro,
            line.establishments,
            line.anomalies
        );
    }
}

/// The human report.
pub fn render_human(report: &CheckReport, options: &RenderOptions) -> String {
    let painter = Painter {
        color: options.color,
    };
    let mut out = String::new();
    if report.etablissements.is_empty() {
        let _ = writeln!(
            out,
            "Aucun fichier à vérifier : donnez des fichiers .xml, .zip ou .csv, ou un dossier \
             qui en contient."
        );
    }
    for (index, establishment) in report.etablissements.iter().enumerate() {
        if index > 0 {
            let _ = writeln!(out);
        }
        render_establishment(&mut out, establishment, options, &painter);
    }
    if !report.ignores.is_empty() {
        let _ = writeln!(
            out,
            "\nFichiers ignorés hors établissement : {}",
            report.ignores.join(", ")
        );
    }
    if report.etablissements.len() > 1 {
        render_summary(&mut out, report, &painter);
        let _ = writeln!(
            out,
            "\n{} {} : {}.",
            painter.bold("Au total :"),
            plural(
                report.etablissements.len(),
                "établissement",
                "établissements"
            ),
            counts_line(report.resume)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::anomaly;
    use crate::checks::run::FileSummary;
    use crate::objet;

    fn report(anomalies: Vec<Diagnostic>) -> CheckReport {
        let establishment = EstablishmentReport {
            uaj: Some("0999999Z".into()),
            annee: Some(2025),
            dossier: "college".into(),
            fichiers: vec![FileSummary {
                fichier: "sts_emp_0999999Z_2025.xml".into(),
                format: "sts-emp".into(),
                version: None,
            }],
            ignores: vec!["manifest.json".into()],
            resume: Counts {
                error: anomalies
                    .iter()
                    .filter(|anomaly| anomaly.severity == Severity::Error)
                    .count(),
                warning: 0,
                info: anomalies.len()
                    - anomalies
                        .iter()
                        .filter(|anomaly| anomaly.severity == Severity::Error)
                        .count(),
            },
            anomalies,
            other: Vec::new(),
        };
        CheckReport {
            resume: establishment.resume,
            etablissements: vec![establishment],
            ignores: Vec::new(),
        }
    }

    #[test]
    fn examples_are_capped_unless_everything_is_asked() {
        let anomalies: Vec<Diagnostic> = (0..12)
            .map(|index| {
                anomaly(
                    "MATIERE_INCONNUE",
                    format!("La matière 99990{index:02} est inconnue"),
                    objet!(matiere = format!("99990{index:02}")),
                )
                .in_file("emp_sts.xml")
            })
            .collect();
        let text = render_human(&report(anomalies.clone()), &RenderOptions::default());
        assert!(text.contains("MATIERE_INCONNUE : 12 anomalies"), "{text}");
        assert_eq!(text.matches("    • ").count(), 10, "{text}");
        assert!(
            text.contains("… et 2 autres (--tout pour tout afficher)"),
            "{text}"
        );
        assert_eq!(
            text.matches("Correction :").count(),
            1,
            "the fix once per code"
        );
        assert!(!text.contains('\u{1b}'), "no colour unless asked");
        let all = render_human(
            &report(anomalies),
            &RenderOptions {
                all: true,
                color: true,
            },
        );
        assert_eq!(all.matches("    • ").count(), 12);
        assert!(all.contains("\u{1b}[1;31mERREUR\u{1b}[0m"), "{all}");
    }

    #[test]
    fn skipped_checks_and_ignored_files_come_last() {
        let text = render_human(
            &report(vec![anomaly(
                "FICHIER_MANQUANT",
                "Il manque Structures.xml : la comparaison n'est pas faite",
                objet!(fichier = "Structures.xml"),
            )]),
            &RenderOptions::default(),
        );
        let skipped = text.find("Vérifications non faites").expect("section");
        let ignored = text
            .find("Fichiers ignorés : manifest.json")
            .expect("ignored");
        assert!(text.contains("Aucune anomalie."), "{text}");
        assert!(skipped < ignored, "{text}");
        assert!(
            text.trim_end()
                .ends_with("Bilan : 0 erreur, 0 avertissement, 1 info."),
            "{text}"
        );
    }
}
