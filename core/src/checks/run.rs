//! The pipeline of `passerelle check`: command-line paths → establishments → lenient reading
//! of every input → envelope → reference → every rule whose inputs are present → one sorted,
//! de-duplicated report per establishment.
//!
//! Nothing here refuses an input: a zip that cannot be opened, an XML that is not well-formed
//! or a file no format recognises becomes an anomaly of the establishment. Only a path that
//! does not exist or cannot be read is an error ([`InputError`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{
    FileRef, Reference, ReferenceOptions, Sources, doc, envelope, is_anomaly, siecle, structures,
    sts_edt,
};
use crate::detect::{DetectError, ProbedFile, detect, read_with};
use crate::diagnostics::{Diagnostic, Severity};
use crate::format::{ReadOptions, Registry};
use crate::input::{
    InputError, Limits, LoadedInputs, folder_entries, is_candidate_name, load_paths,
};
use crate::model::Dataset;
use crate::xml::XmlStream;

/// The synchro-5 rules (liens élèves-groupes): a pure function of the sources and reference.
pub type LiensRules = fn(&Sources<'_>, &Reference) -> Vec<Diagnostic>;

/// The synchro-5 rules run by default.
// synchro 5: wired by the lead — once `checks/liens.rs` is merged, this becomes
// `Some(super::liens::check_liens)`.
pub const LIENS_RULES: Option<LiensRules> = None;

/// What `check` is told besides the paths.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// `--uaj`, `--annee`, `--date`, `--debut`, `--fin`.
    pub reference: ReferenceOptions,
    /// Input limits.
    pub limits: Limits,
    /// Options handed to readers.
    pub read: ReadOptions,
    /// `--correspondances`: EDT names → STS codes (see the marked spot in
    /// [`check_establishment`]).
    pub correspondences: Option<PathBuf>,
    /// The synchro-5 rules ([`LIENS_RULES`] by default).
    pub liens_rules: Option<LiensRules>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            reference: ReferenceOptions::default(),
            limits: Limits::default(),
            read: ReadOptions::default(),
            correspondences: None,
            liens_rules: LIENS_RULES,
        }
    }
}

/// One establishment to check: its folder as reached from the command line, and its paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EstablishmentInputs {
    /// `dossier` of the report (`.` for files given directly).
    pub dossier: String,
    /// Files and folders whose direct candidate files are its inputs.
    pub paths: Vec<PathBuf>,
}

/// How the command line splits into establishments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Establishments, sorted by folder.
    pub establishments: Vec<EstablishmentInputs>,
    /// Files of batch folders that hold no candidate (the report's top-level `ignores`).
    pub ignored: Vec<String>,
}

/// A batch folder is walked this deep at most (a link back to a parent ends there).
const MAX_BATCH_DEPTH: usize = 16;

fn shown(path: &Path) -> String {
    let text = path.display().to_string();
    let trimmed = text.trim_end_matches(['/', '\\']);
    if trimmed.is_empty() {
        text
    } else {
        trimmed.to_string()
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn exists(path: &Path) -> Result<std::fs::Metadata, InputError> {
    std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => InputError::NotFound {
            path: path.display().to_string(),
        },
        _ => InputError::Unreadable {
            path: path.display().to_string(),
            source,
        },
    })
}

/// True when a folder directly holds a candidate file (`*.xml`, `*.zip`, `*.csv`).
fn holds_candidates(entries: &[PathBuf]) -> bool {
    entries
        .iter()
        .any(|entry| !entry.is_dir() && is_candidate_name(&file_name(entry)))
}

fn walk_batch(folder: &Path, label: &str, depth: usize, plan: &mut Plan) -> Result<(), InputError> {
    for entry in folder_entries(folder)? {
        let entry_label = format!("{label}/{}", file_name(&entry));
        if !entry.is_dir() {
            plan.ignored.push(entry_label);
            continue;
        }
        if depth >= MAX_BATCH_DEPTH {
            continue;
        }
        let entries = folder_entries(&entry)?;
        if holds_candidates(&entries) {
            plan.establishments.push(EstablishmentInputs {
                dossier: entry_label,
                paths: vec![entry],
            });
        } else {
            walk_batch(&entry, &entry_label, depth + 1, plan)?;
        }
    }
    Ok(())
}

/// Splits the command line into establishments (CHECKS.md, Conventions): the files named and
/// the folders that directly hold candidate files are one establishment; a folder that holds
/// none is a batch, each folder below it holding candidates being an establishment.
pub fn plan(paths: &[PathBuf]) -> Result<Plan, InputError> {
    let mut plan = Plan::default();
    let mut single: Vec<PathBuf> = Vec::new();
    let mut files_given = false;
    for path in paths {
        if !exists(path)?.is_dir() {
            files_given = true;
            single.push(path.clone());
            continue;
        }
        if holds_candidates(&folder_entries(path)?) {
            single.push(path.clone());
        } else {
            walk_batch(path, &shown(path), 0, &mut plan)?;
        }
    }
    if !single.is_empty() {
        let dossier = if files_given {
            ".".to_string()
        } else {
            single
                .iter()
                .map(|path| shown(path))
                .collect::<Vec<_>>()
                .join(", ")
        };
        plan.establishments.push(EstablishmentInputs {
            dossier,
            paths: single,
        });
    }
    plan.establishments
        .sort_by(|a, b| a.dossier.as_bytes().cmp(b.dossier.as_bytes()));
    plan.ignored.sort();
    Ok(plan)
}

/// A file of the report's `fichiers`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// Display name (`archive.zip!member.xml`).
    pub fichier: String,
    /// Format id.
    pub format: String,
    /// The `VERSION` the file carries (none for STS files).
    pub version: Option<String>,
}

/// Anomalies by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Information.
    pub info: usize,
}

impl Counts {
    fn of(anomalies: &[Diagnostic]) -> Counts {
        let mut counts = Counts::default();
        for anomaly in anomalies {
            match anomaly.severity {
                Severity::Error => counts.error += 1,
                Severity::Warning => counts.warning += 1,
                Severity::Info => counts.info += 1,
            }
        }
        counts
    }

    fn add(self, other: Counts) -> Counts {
        Counts {
            error: self.error + other.error,
            warning: self.warning + other.warning,
            info: self.info + other.info,
        }
    }
}

/// The report of one establishment (CHECKS.md, Report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EstablishmentReport {
    /// Reference UAJ.
    pub uaj: Option<String>,
    /// Reference millésime.
    pub annee: Option<i32>,
    /// Folder as reached from the command line (`.` for files given directly).
    pub dossier: String,
    /// Files read, in file-name order.
    pub fichiers: Vec<FileSummary>,
    /// Files that are not candidates.
    pub ignores: Vec<String>,
    /// Anomalies, sorted by (synchro, code, objet).
    pub anomalies: Vec<Diagnostic>,
    /// Counts by severity.
    pub resume: Counts,
    /// Diagnostics outside the catalogue: printed apart, never counted.
    #[serde(skip)]
    pub other: Vec<Diagnostic>,
}

/// The whole report of `check`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// One report per establishment, sorted by folder.
    pub etablissements: Vec<EstablishmentReport>,
    /// Files of batch folders holding no candidate.
    pub ignores: Vec<String>,
    /// Counts over every establishment.
    pub resume: Counts,
}

impl CheckReport {
    /// True when any establishment has an `error` anomaly (exit status 1).
    pub fn has_errors(&self) -> bool {
        self.resume.error > 0
    }

    /// The JSON report (pretty-printed, final newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .unwrap_or_else(|error| format!("{{\"erreur\": \"{error}\"}}"));
        text.push('\n');
        text
    }
}

/// Checks everything named on the command line.
pub fn check_paths(
    registry: &Registry,
    paths: &[PathBuf],
    options: &CheckOptions,
) -> Result<CheckReport, InputError> {
    let plan = plan(paths)?;
    let mut etablissements = Vec::with_capacity(plan.establishments.len());
    for establishment in &plan.establishments {
        let loaded = load_paths(&establishment.paths, &options.limits)?;
        etablissements.push(check_establishment(
            registry,
            &establishment.dossier,
            loaded,
            options,
        ));
    }
    let resume = etablissements
        .iter()
        .fold(Counts::default(), |total, report| total.add(report.resume));
    Ok(CheckReport {
        etablissements,
        ignores: plan.ignored,
        resume,
    })
}

/// A file read for an establishment.
struct ReadInput {
    name: String,
    /// The format detected.
    format: String,
    /// The format the file stands for: the detected one, or for a JSON dump of a single
    /// file, that file's format.
    kind: String,
    dataset: Dataset,
}

/// What reading gave: the files read, anomalies and other diagnostics, in file-name order.
#[derive(Default)]
struct Reading {
    files: Vec<ReadInput>,
    anomalies: Vec<Diagnostic>,
    other: Vec<Diagnostic>,
}

impl Reading {
    fn route(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        for diagnostic in diagnostics {
            if is_anomaly(&diagnostic) {
                self.anomalies.push(diagnostic);
            } else {
                self.other.push(diagnostic);
            }
        }
    }
}

/// The format a JSON dump stands for: the one of the single file it was made from.
fn stand_in_kind(registry: &Registry, format: &str, dataset: &Dataset) -> String {
    match dataset.files.as_slice() {
        [only]
            if format == "json"
                && only.format != "json"
                && registry.get(&only.format).is_some() =>
        {
            only.format.clone()
        }
        _ => format.to_string(),
    }
}

fn read_leniently(registry: &Registry, loaded: &LoadedInputs, options: &ReadOptions) -> Reading {
    let mut reading = Reading::default();
    for refused in &loaded.refused {
        reading.anomalies.push(envelope::archive_refused(refused));
    }
    for input in &loaded.files {
        let probed = ProbedFile::new(input);
        let looks_like_xml = probed.decoded.text.trim_start().starts_with('<');
        if looks_like_xml && probed.root.is_none() {
            reading.route(probed.decoded.diagnostics.iter().cloned());
            let anomaly = match XmlStream::new(&probed.decoded.text, &input.name).root() {
                Err(error) => envelope::xml_error(&input.name, &error),
                Ok(_) => envelope::unknown_format(
                    &input.name,
                    &format!("« {} » n'a pas pu être analysé", input.name),
                ),
            };
            reading.anomalies.push(anomaly);
            continue;
        }
        let format = match detect(registry, &probed) {
            Ok(format) => format,
            Err(error) => {
                reading.route(probed.decoded.diagnostics.iter().cloned());
                let message = match &error {
                    DetectError::Unknown { .. } | DetectError::Ambiguous { .. } => {
                        error.to_string()
                    }
                    other => format!("« {} » : {other}", input.name),
                };
                reading
                    .anomalies
                    .push(envelope::unknown_format(&input.name, &message));
                continue;
            }
        };
        match read_with(format, &probed, options) {
            Ok(read) => {
                reading.route(read.diagnostics);
                if probed.root.is_some() {
                    reading.anomalies.extend(envelope::check_donnees(
                        &read.name,
                        &read.format,
                        &probed.decoded.text,
                    ));
                }
                let kind = stand_in_kind(registry, &read.format, &read.dataset);
                reading.files.push(ReadInput {
                    name: read.name,
                    format: read.format,
                    kind,
                    dataset: read.dataset,
                });
            }
            Err(error) => {
                reading.route(probed.decoded.diagnostics.iter().cloned());
                reading.anomalies.push(envelope::read_failure(
                    &input.name,
                    probed.root.is_some(),
                    &error,
                ));
            }
        }
    }
    reading
}

/// Every rule whose inputs are present, synchronisation by synchronisation, then the checks
/// skipped for lack of a file (`FICHIER_MANQUANT`).
pub fn run_rules(
    sources: &Sources<'_>,
    reference: &Reference,
    liens_rules: Option<LiensRules>,
) -> Vec<Diagnostic> {
    let mut found = sts_edt::check_sts(sources);
    found.extend(siecle::check_students(sources, reference));
    found.extend(sts_edt::check_emp_sts(sources));
    found.extend(structures::check_structures(sources));
    found.extend(structures::check_group_attachments(sources));
    if sources.liens.is_some()
        && let Some(rules) = liens_rules
    {
        found.extend(rules(sources, reference));
    }
    found.extend(envelope::check_missing(sources, reference));
    found
}

/// Takes severity, synchronisation and fix from the catalogue, so that an anomaly raised by a
/// reader reads like one raised by a rule.
fn normalize(mut anomaly: Diagnostic) -> Diagnostic {
    if let Some(entry) = doc(&anomaly.code) {
        anomaly.severity = entry.severity;
        anomaly.synchro = Some(entry.synchro);
        anomaly.fix = Some(entry.fix.to_string());
    }
    anomaly
}

/// The `objet` as JSON with sorted keys (its fields are declared in alphabetical order).
fn objet_key(anomaly: &Diagnostic) -> String {
    serde_json::to_string(&anomaly.objet).unwrap_or_default()
}

/// One anomaly per (code, objet), keeping the first found; then sorted by (synchro, code,
/// objet).
pub fn finish_anomalies(found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = BTreeSet::new();
    let mut anomalies: Vec<(u8, String, Diagnostic)> = Vec::new();
    for anomaly in found.into_iter().map(normalize) {
        let objet = objet_key(&anomaly);
        if seen.insert((anomaly.code.clone(), objet.clone())) {
            anomalies.push((anomaly.synchro.unwrap_or(0), objet, anomaly));
        }
    }
    anomalies.sort_by(|a, b| (a.0, &a.2.code, &a.1).cmp(&(b.0, &b.2.code, &b.1)));
    anomalies
        .into_iter()
        .map(|(_, _, anomaly)| anomaly)
        .collect()
}

/// Checks the inputs of one establishment.
pub fn check_establishment(
    registry: &Registry,
    dossier: &str,
    loaded: LoadedInputs,
    options: &CheckOptions,
) -> EstablishmentReport {
    let reading = read_leniently(registry, &loaded, &options.read);
    let Reading {
        files,
        mut anomalies,
        other,
    } = reading;
    // --correspondances: wired by the lead. `options.correspondences` names the file; load it
    // with `crate::correspondences::load`, then rewrite the EDT names of the `edt-table`
    // datasets in `files` (`crate::correspondences::apply`) before the sources are chosen,
    // routing its diagnostics to `other` (they are not catalogue anomalies).
    let refs: Vec<FileRef<'_>> = files
        .iter()
        .map(|file| FileRef {
            name: &file.name,
            format: &file.kind,
            dataset: &file.dataset,
        })
        .collect();
    let (sources, _duplicates) = Sources::select(&refs);
    let reference = Reference::compute(&sources, &refs, &options.reference);
    for file in &refs {
        anomalies.extend(envelope::check_envelope(file, &reference));
    }
    anomalies.extend(envelope::check_duplicates(&refs));
    anomalies.extend(run_rules(&sources, &reference, options.liens_rules));
    let anomalies = finish_anomalies(anomalies);
    let fichiers = files
        .iter()
        .map(|file| FileSummary {
            fichier: file.name.clone(),
            format: file.format.clone(),
            version: super::envelope_of(&FileRef {
                name: &file.name,
                format: &file.format,
                dataset: &file.dataset,
            })
            .and_then(|info| info.version.clone()),
        })
        .collect();
    EstablishmentReport {
        uaj: reference.uaj.clone(),
        annee: reference.annee,
        dossier: dossier.to_string(),
        fichiers,
        ignores: loaded.ignored,
        resume: Counts::of(&anomalies),
        anomalies,
        other,
    }
}
