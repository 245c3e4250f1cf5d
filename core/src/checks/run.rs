//! The pipeline of `passerelle check`: command-line paths → establishments → lenient reading
//! of every input → envelope → reference → every rule whose inputs are present → one sorted,
//! de-duplicated report per establishment.
//!
//! Nothing here refuses an input: a zip that cannot be opened, an XML that is not well-formed
//! or a file no format recognises becomes an anomaly of the establishment. Only a path that
//! does not exist or cannot be read is an error ([`InputError`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::{
    FileRef, Reference, ReferenceOptions, SOURCE_KINDS, Sources, doc, envelope, file_kind,
    is_anomaly, siecle, structures, sts_edt,
};
use crate::detect::{DetectError, ProbedFile, detect, read_with};
use crate::diagnostics::{Diagnostic, Severity};
use crate::format::{ReadOptions, Registry};
use crate::input::{
    ArchiveRefused, InputError, InputFile, Limits, LoadedInputs, folder_entries, is_candidate_name,
    list_paths, load_file,
};
use crate::model::Dataset;
use crate::xml::XmlStream;

/// The synchro-5 rules (liens élèves-groupes): a pure function of the sources and reference.
pub type LiensRules = fn(&Sources<'_>, &Reference) -> Vec<Diagnostic>;

/// The synchro-5 rules run by default.
pub const LIENS_RULES: Option<LiensRules> = Some(super::liens::check_liens);

/// What `check` is told besides the paths.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// `--uaj`, `--annee`, `--date`, `--debut`, `--fin`.
    pub reference: ReferenceOptions,
    /// Input limits.
    pub limits: Limits,
    /// Options handed to readers.
    pub read: ReadOptions,
    /// `--correspondances`, already read: EDT names → STS codes.
    pub correspondences: Option<crate::correspondences::Correspondences>,
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
    check_plan(registry, plan(paths)?, options, &|_| {})
}

/// Checks the establishments of a plan, several at once on every core (an académie batch),
/// calling `done` as each one is checked (in any order: for a progress bar). The report is
/// the same as checking them one after the other: establishments stay in the plan's order,
/// and an establishment that cannot be read is the error of the first such in that order.
pub fn check_plan(
    registry: &Registry,
    plan: Plan,
    options: &CheckOptions,
    done: &(dyn Fn(&EstablishmentReport) + Sync),
) -> Result<CheckReport, InputError> {
    let checked: Vec<Result<EstablishmentReport, InputError>> = plan
        .establishments
        .par_iter()
        .map(|establishment| {
            let report = check_establishment_at(
                registry,
                &establishment.dossier,
                &establishment.paths,
                options,
            )?;
            done(&report);
            Ok(report)
        })
        .collect();
    let etablissements = checked.into_iter().collect::<Result<Vec<_>, _>>()?;
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

/// The format a file stands for: its own, except for a JSON dump of a single file (`convert
/// sts_emp.xml --to json`), which stands for the format of that file.
fn stand_in_kind(format: &str, dataset: &Dataset) -> String {
    match dataset.files.as_slice() {
        [only] if format == "json" && !only.format.trim().is_empty() => only.format.clone(),
        _ => format.to_string(),
    }
}

/// Reads the files of an establishment, several at once (each is independent), one at a
/// time per core: a file's bytes are dropped once decoded, its text once read, so that
/// memory holds the datasets and the few files being read, not every file. The outcome is
/// the same as reading every file in file-name order.
fn read_leniently(
    registry: &Registry,
    files: &[PathBuf],
    options: &CheckOptions,
) -> Result<(Reading, Vec<String>), InputError> {
    let loaded: Vec<Result<_, InputError>> = files
        .par_iter()
        .with_max_len(1)
        .map(|path| {
            let loaded = load_file(path, &options.limits)?;
            let read: Vec<(String, Reading)> = loaded
                .files
                .into_iter()
                .map(|input| (input.name.clone(), read_one(registry, input, &options.read)))
                .collect();
            Ok((read, loaded.refused, loaded.ignored))
        })
        .collect();
    let mut read = Vec::new();
    let mut refused = Vec::new();
    let mut ignored = Vec::new();
    for outcome in loaded {
        let (files, refusals, others) = outcome?;
        read.extend(files);
        refused.extend(refusals);
        ignored.extend(others);
    }
    Ok((assemble(read, refused), ignored))
}

/// Reads inputs already in memory, several at once, keeping file-name order.
fn read_loaded(registry: &Registry, loaded: LoadedInputs, options: &ReadOptions) -> Reading {
    let read: Vec<(String, Reading)> = loaded
        .files
        .into_par_iter()
        .with_max_len(1)
        .map(|input| (input.name.clone(), read_one(registry, input, options)))
        .collect();
    assemble(read, loaded.refused)
}

/// What the inputs gave, in the order of [`load_paths`](crate::input::load_paths): refused
/// archives first, then the inputs by name (a stable sort: inputs of the same name keep the
/// order they were given in).
fn assemble(mut read: Vec<(String, Reading)>, mut refused: Vec<ArchiveRefused>) -> Reading {
    read.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    refused.sort_by(|a, b| a.archive.cmp(&b.archive));
    let mut reading = Reading::default();
    for archive in &refused {
        reading.anomalies.push(envelope::archive_refused(archive));
    }
    for (_, part) in read {
        reading.files.extend(part.files);
        reading.anomalies.extend(part.anomalies);
        reading.other.extend(part.other);
    }
    reading
}

/// Reads one input: what it gave, or why it could not be read.
fn read_one(registry: &Registry, input: InputFile, options: &ReadOptions) -> Reading {
    let mut reading = Reading::default();
    let probed = ProbedFile::from_input(input);
    let name = probed.name.as_str();
    let looks_like_xml = probed.decoded.text.trim_start().starts_with('<');
    if looks_like_xml && probed.root.is_none() {
        reading.route(probed.decoded.diagnostics.iter().cloned());
        let anomaly = match XmlStream::new(&probed.decoded.text, name).root() {
            Err(error) => envelope::xml_error(name, &error),
            Ok(_) => envelope::unknown_format(name, format!("« {name} » n'a pas pu être analysé")),
        };
        reading.anomalies.push(anomaly);
        return reading;
    }
    let format = match detect(registry, &probed) {
        Ok(format) => format,
        Err(error) => {
            reading.route(probed.decoded.diagnostics.iter().cloned());
            let message = match &error {
                DetectError::Unknown { .. }
                | DetectError::Ambiguous { .. }
                | DetectError::Empty(_) => error.to_string(),
                other => format!("« {name} » : {other}"),
            };
            reading
                .anomalies
                .push(envelope::unknown_format(name, message));
            return reading;
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
                    options.max_depth,
                ));
            }
            let kind = stand_in_kind(&read.format, &read.dataset);
            let dataset = if needs_content(&kind, &read.dataset) {
                read.dataset
            } else {
                envelope_only(read.dataset)
            };
            reading.files.push(ReadInput {
                name: read.name,
                format: read.format,
                kind,
                dataset,
            });
        }
        Err(error) => {
            reading.route(probed.decoded.diagnostics.iter().cloned());
            reading
                .anomalies
                .push(envelope::read_failure(name, probed.root.is_some(), &error));
        }
    }
    reading
}

/// Whether a rule reads more than the envelope of this file. EDT list exports are kept
/// whole: their kind depends on their content, and their names are translated.
fn needs_content(kind: &str, dataset: &Dataset) -> bool {
    kind.starts_with("edt-table") || SOURCE_KINDS.contains(&file_kind(kind, dataset).as_str())
}

/// A dataset reduced to its envelope, for a file no rule reads further (a guardians file,
/// the nomenclatures): memory goes to the files the rules compare.
fn envelope_only(dataset: Dataset) -> Dataset {
    Dataset {
        files: dataset.files,
        establishment: dataset.establishment,
        school_year: dataset.school_year,
        reference_date: dataset.reference_date,
        ..Dataset::default()
    }
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

/// Turns the EDT names of the list exports into STS codes (`--correspondances`, else by code
/// then by label), against the structure, subjects and staff of `sts_emp` (else
/// `Structures.xml`). Returns the remarks, which are not catalogue anomalies.
fn translate_edt_names(files: &mut [ReadInput], options: &CheckOptions) -> Vec<Diagnostic> {
    if !files.iter().any(|file| file.kind.starts_with("edt-table")) {
        return Vec::new();
    }
    let table = options.correspondences.as_ref();
    let reference_of = |kind: &str| {
        files
            .iter()
            .filter(|file| file.kind == kind)
            .min_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()))
            .map(|file| file.dataset.clone())
    };
    let Some(sts) = reference_of("sts-emp").or_else(|| reference_of("siecle-structures")) else {
        return Vec::new();
    };
    let mut remarks = Vec::new();
    for file in files
        .iter_mut()
        .filter(|file| file.kind.starts_with("edt-table"))
    {
        // The translation looks names up among the STS data of the dataset it works on.
        let mut scratch = Dataset {
            divisions: sts.divisions.clone(),
            groups: sts.groups.clone(),
            subjects: sts.subjects.clone(),
            staff: sts.staff.clone(),
            memberships: std::mem::take(&mut file.dataset.memberships),
            timetable: std::mem::take(&mut file.dataset.timetable),
            ..Dataset::default()
        };
        remarks.extend(crate::correspondences::apply(&mut scratch, table));
        file.dataset.memberships = scratch.memberships;
        file.dataset.timetable = scratch.timetable;
    }
    remarks
}

/// Checks the inputs of one establishment: the files named and the candidate files directly
/// inside the folders named. Only a path that cannot be read is an error.
pub fn check_establishment_at(
    registry: &Registry,
    dossier: &str,
    paths: &[PathBuf],
    options: &CheckOptions,
) -> Result<EstablishmentReport, InputError> {
    let listed = list_paths(paths)?;
    let (reading, zip_ignored) = read_leniently(registry, &listed.files, options)?;
    let mut ignored = listed.ignored;
    ignored.extend(zip_ignored);
    ignored.sort();
    Ok(report_of(dossier, reading, ignored, options))
}

/// Checks the inputs of one establishment already in memory.
pub fn check_establishment(
    registry: &Registry,
    dossier: &str,
    loaded: LoadedInputs,
    options: &CheckOptions,
) -> EstablishmentReport {
    let mut loaded = loaded;
    let ignored = std::mem::take(&mut loaded.ignored);
    let reading = read_loaded(registry, loaded, &options.read);
    report_of(dossier, reading, ignored, options)
}

/// The report of an establishment from what its inputs gave.
fn report_of(
    dossier: &str,
    reading: Reading,
    ignores: Vec<String>,
    options: &CheckOptions,
) -> EstablishmentReport {
    let Reading {
        files,
        mut anomalies,
        other,
    } = reading;
    let mut files = files;
    let mut other = other;
    other.extend(translate_edt_names(&mut files, options));
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
        ignores,
        resume: Counts::of(&anomalies),
        anomalies,
        other,
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::checks::testing::{fake_registry, write_fake};
    use crate::demo::{DemoParams, generate};
    use crate::objet;

    fn small_demo(uaj: &'static str) -> Dataset {
        generate(&DemoParams {
            students: 40,
            uaj: uaj.into(),
            ..DemoParams::default()
        })
    }

    fn check(paths: &[&Path]) -> CheckReport {
        let paths: Vec<PathBuf> = paths.iter().map(|path| path.to_path_buf()).collect();
        check_paths(&fake_registry(), &paths, &CheckOptions::default()).expect("readable")
    }

    fn pairs(report: &EstablishmentReport) -> Vec<(String, crate::diagnostics::Objet)> {
        crate::checks::testing::found(&report.anomalies)
    }

    #[test]
    fn the_command_line_splits_into_establishments() {
        let root = tempfile::tempdir().expect("temporary folder");
        let batch = root.path().join("academie");
        for folder in ["college-a", "college-b", "vide/lycee-c/dessous"] {
            fs::create_dir_all(batch.join(folder)).expect("folder");
        }
        fs::write(batch.join("README.md"), "lisez-moi").expect("file");
        fs::write(batch.join("college-a/sts_emp.xml"), "<STS_EDT/>").expect("file");
        fs::write(batch.join("college-a/notes.txt"), "notes").expect("file");
        fs::write(batch.join("college-b/Eleves.zip"), "PK").expect("file");
        fs::write(batch.join("vide/manifest.json"), "{}").expect("file");
        fs::write(batch.join("vide/lycee-c/Structures.XML"), "<x/>").expect("file");
        fs::write(batch.join("vide/lycee-c/dessous/ignore.xml"), "<x/>").expect("file");
        let plan = plan(std::slice::from_ref(&batch)).expect("plan");
        let shown = shown(&batch);
        assert_eq!(
            plan.establishments
                .iter()
                .map(|establishment| establishment.dossier.clone())
                .collect::<Vec<_>>(),
            [
                format!("{shown}/college-a"),
                format!("{shown}/college-b"),
                format!("{shown}/vide/lycee-c"),
            ]
        );
        assert_eq!(
            plan.ignored,
            [
                format!("{shown}/README.md"),
                format!("{shown}/vide/manifest.json")
            ]
        );
        // A folder with candidates is one establishment, its sub-folders unread; files given
        // directly join it, and the establishment's folder is then ".".
        let college = batch.join("college-a");
        let plan_one = super::plan(std::slice::from_ref(&college)).expect("plan");
        assert_eq!(plan_one.establishments.len(), 1);
        assert_eq!(plan_one.establishments[0].dossier, shown_path(&college));
        let with_file = super::plan(&[college.clone(), batch.join("README.md")]).expect("plan");
        assert_eq!(with_file.establishments[0].dossier, ".");
        assert_eq!(with_file.establishments[0].paths.len(), 2);
        assert!(matches!(
            super::plan(&[root.path().join("absent")]),
            Err(InputError::NotFound { .. })
        ));
    }

    fn shown_path(path: &Path) -> String {
        shown(path)
    }

    #[test]
    fn a_coherent_establishment_has_no_error_and_no_warning() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let dataset = small_demo("0999999Z");
        for format in [
            "sts-emp",
            "edt-sts",
            "siecle-eleves",
            "siecle-structures",
            "siecle-communs",
        ] {
            write_fake(folder.path(), format, &dataset);
        }
        fs::write(folder.path().join("manifest.json"), "{}").expect("file");
        let report = check(&[folder.path()]);
        assert_eq!(report.etablissements.len(), 1);
        let establishment = &report.etablissements[0];
        assert_eq!(establishment.uaj.as_deref(), Some("0999999Z"));
        assert_eq!(establishment.annee, Some(2026));
        assert_eq!(establishment.dossier, shown(folder.path()));
        assert_eq!(establishment.ignores, ["manifest.json"]);
        assert_eq!(
            establishment
                .fichiers
                .iter()
                .map(|file| (file.fichier.as_str(), file.format.as_str()))
                .collect::<Vec<_>>(),
            [
                ("ExportXML_Communs.zip!Communs.xml", "siecle-communs"),
                (
                    "ExportXML_ElevesSansAdresses.zip!ElevesSansAdresses.xml",
                    "siecle-eleves"
                ),
                (
                    "ExportXML_Structures.zip!Structures.xml",
                    "siecle-structures"
                ),
                ("emp_sts_0999999Z_2026.xml", "edt-sts"),
                ("sts_emp_0999999Z_2026.xml", "sts-emp"),
            ]
        );
        assert_eq!(establishment.fichiers[0].version.as_deref(), Some("1.0"));
        assert!(
            establishment
                .anomalies
                .iter()
                .all(|anomaly| anomaly.code == "ELEVE_SORTI_DANS_DIVISION"),
            "{:#?}",
            establishment.anomalies
        );
        assert!(!report.has_errors());
        assert_eq!(report.resume.warning, 0);
        assert!(establishment.other.is_empty());
    }

    #[test]
    fn files_of_two_uaj_in_one_folder_give_uaj_differents() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let dataset = small_demo("0999999Z");
        write_fake(folder.path(), "siecle-eleves", &dataset);
        write_fake(folder.path(), "siecle-structures", &dataset);
        let mut other = small_demo("0999998Y");
        other.school_year.millesime = Some(2025);
        write_fake(folder.path(), "sts-emp", &other);
        let report = check(&[folder.path()]);
        let establishment = &report.etablissements[0];
        assert_eq!(
            pairs(establishment)
                .into_iter()
                .filter(|(code, _)| code != "ELEVE_SORTI_DANS_DIVISION")
                .collect::<Vec<_>>(),
            [
                (
                    "MILLESIME".to_string(),
                    objet!(annee = 2025, fichier = "sts_emp_0999998Y_2025.xml")
                ),
                (
                    "UAJ_DIFFERENTS".to_string(),
                    objet!(fichier = "sts_emp_0999998Y_2025.xml", uaj = "0999998Y")
                ),
            ]
        );
        assert!(report.has_errors());
        // The file is still used: its structures are compared with SIECLE's (no
        // STRUCTURE_ABSENTE: the two demos share their codes).
        assert!(establishment.fichiers.len() == 3);
    }

    #[test]
    fn files_that_cannot_be_read_are_anomalies_of_their_own() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let path = folder.path();
        let dataset = small_demo("0999999Z");
        write_fake(path, "sts-emp", &dataset);
        let written = write_fake(path, "edt-sts", &dataset);
        // emp_sts saved under an sts_emp name.
        fs::rename(path.join(&written[0]), path.join("sts_emp_copie_EDT.xml")).expect("rename");
        fs::write(
            path.join("Abime.xml"),
            "<?xml version=\"1.0\"?>\n<BEE_ELEVES VERSION=\"2.1\"\n<PARAMETRES>\n",
        )
        .expect("file");
        fs::write(
            path.join("Inconnu.xml"),
            "<?xml version=\"1.0\"?>\n<LISTE/>\n",
        )
        .expect("file");
        fs::write(path.join("Interrompu.zip"), b"PK\x03\x04 tronque").expect("file");
        fs::write(path.join("notes.csv"), "a;b\n1;2\n").expect("file");
        let communs = write_fake(path, "siecle-communs", &dataset);
        // The same format twice: the second in name order is ignored.
        fs::copy(path.join(&communs[0]), path.join("copie_Communs.zip")).expect("copy");
        // UTF-8 under a Latin-9 label, and a root without DONNEES.
        let text = format!(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_STRUCTURES VERSION=\"1.0\">\n  \
             <PARAMETRES>\n    <UAJ>0999999Z</UAJ>\n    <ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE>\n  \
             </PARAMETRES>\n  <DONNEES>{}</DONNEES>\n</BEE_STRUCTURES>\n",
            crate::json_format::to_json(&dataset)
                .replace('&', "&amp;")
                .replace('<', "&lt;")
        );
        fs::write(path.join("Structures.xml"), text).expect("file");
        fs::write(
            path.join("Nomenclature.xml"),
            "<?xml version=\"1.0\"?>\n<BEE_NOMENCLATURES VERSION=\"1.0\">\n<PARAMETRES><UAJ>0999999Z</UAJ></PARAMETRES>\n</BEE_NOMENCLATURES>\n",
        )
        .expect("file");
        let report = check(&[path]);
        let establishment = &report.etablissements[0];
        let found: Vec<(String, crate::diagnostics::Objet)> = pairs(establishment)
            .into_iter()
            .filter(|(code, _)| code != "ELEVE_SORTI_DANS_DIVISION")
            .collect();
        assert_eq!(
            found,
            [
                (
                    "ARCHIVE_REFUSEE".to_string(),
                    objet!(fichier = "Interrompu.zip")
                ),
                (
                    "DOUBLON_FICHIER".to_string(),
                    objet!(fichier = "copie_Communs.zip!Communs.xml")
                ),
                ("ENCODAGE".to_string(), objet!(fichier = "Structures.xml")),
                (
                    "FICHIER_INVERSE".to_string(),
                    objet!(fichier = "sts_emp_copie_EDT.xml")
                ),
                (
                    "FORMAT_INCONNU".to_string(),
                    objet!(fichier = "Inconnu.xml")
                ),
                ("FORMAT_INCONNU".to_string(), objet!(fichier = "notes.csv")),
                ("XML_INVALIDE".to_string(), objet!(fichier = "Abime.xml")),
                (
                    "XML_INVALIDE".to_string(),
                    objet!(fichier = "Nomenclature.xml")
                ),
            ],
            "{:#?}",
            establishment.anomalies
        );
        let invalid = establishment
            .anomalies
            .iter()
            .find(|anomaly| anomaly.objet.fichier.as_deref() == Some("Abime.xml"))
            .expect("XML_INVALIDE");
        assert_eq!(invalid.line, Some(2), "{invalid:?}");
        let nomenclature = establishment
            .anomalies
            .iter()
            .find(|anomaly| anomaly.objet.fichier.as_deref() == Some("Nomenclature.xml"))
            .expect("XML_INVALIDE");
        // Its year is missing too, but there is one anomaly per (code, objet): the first found.
        assert!(
            nomenclature.message.contains("DONNEES"),
            "{}",
            nomenclature.message
        );
        // Every anomaly carries the catalogue's facts.
        for anomaly in &establishment.anomalies {
            let entry = doc(&anomaly.code).expect("a catalogue code");
            assert_eq!(anomaly.severity, entry.severity);
            assert_eq!(anomaly.synchro, Some(entry.synchro));
            assert_eq!(anomaly.fix.as_deref(), Some(entry.fix));
        }
    }

    #[test]
    fn an_empty_file_is_named_once() {
        let folder = tempfile::tempdir().expect("temporary folder");
        fs::write(folder.path().join("vide.xml"), "").expect("file");
        let report = check(&[folder.path()]);
        let anomalies = &report.etablissements[0].anomalies;
        assert_eq!(anomalies.len(), 1, "{anomalies:#?}");
        assert_eq!(anomalies[0].code, "FORMAT_INCONNU");
        assert_eq!(
            anomalies[0].message,
            "« vide.xml » est vide (0 octet) : retéléchargez l'export, le téléchargement a dû \
             échouer"
        );
    }

    #[test]
    fn a_folder_of_two_schools_gives_two_reports_without_cross_talk() {
        let root = tempfile::tempdir().expect("temporary folder");
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        fs::create_dir_all(&a).expect("folder");
        fs::create_dir_all(&b).expect("folder");
        let first = small_demo("0999999Z");
        write_fake(&a, "sts-emp", &first);
        write_fake(&a, "siecle-structures", &first);
        let mut second = small_demo("0999998Y");
        second.groups.clear();
        write_fake(&b, "sts-emp", &second);
        let report = check(&[root.path()]);
        assert_eq!(report.etablissements.len(), 2);
        let (one, two) = (&report.etablissements[0], &report.etablissements[1]);
        assert_eq!(one.uaj.as_deref(), Some("0999999Z"));
        assert!(one.anomalies.is_empty(), "{:#?}", one.anomalies);
        assert_eq!(two.uaj.as_deref(), Some("0999998Y"));
        assert_eq!(
            pairs(two),
            [(
                "FICHIER_MANQUANT".to_string(),
                objet!(fichier = "Structures.xml")
            )]
        );
        assert_eq!(report.resume.info, 1);
    }

    #[test]
    fn a_batch_checked_in_parallel_reports_as_one_checked_after_the_other() {
        let root = tempfile::tempdir().expect("temporary folder");
        let uajs = ["0999999Z", "0999998Y", "0999997X", "0999996W"];
        for (index, uaj) in uajs.iter().enumerate() {
            let folder = root.path().join(format!("etab-{index}"));
            fs::create_dir_all(&folder).expect("folder");
            let dataset = small_demo(uaj);
            write_fake(&folder, "sts-emp", &dataset);
            write_fake(&folder, "siecle-eleves", &dataset);
            if index % 2 == 0 {
                write_fake(&folder, "siecle-structures", &dataset);
            }
            // The second establishment's guardians file is of another school.
            let guardians = if index == 1 {
                small_demo("0999990A")
            } else {
                dataset
            };
            write_fake(&folder, "siecle-responsables", &guardians);
        }
        let registry = fake_registry();
        let options = CheckOptions::default();
        let planned = plan(&[root.path().to_path_buf()]).expect("plan");
        let done = std::sync::Mutex::new(Vec::new());
        let report = check_plan(&registry, planned.clone(), &options, &|report| {
            done.lock()
                .expect("not poisoned")
                .push(report.dossier.clone());
        })
        .expect("readable");
        let mut sequential = Vec::new();
        for establishment in &planned.establishments {
            sequential.push(
                check_establishment_at(
                    &registry,
                    &establishment.dossier,
                    &establishment.paths,
                    &options,
                )
                .expect("readable"),
            );
        }
        assert_eq!(report.etablissements, sequential);
        let mut done = done.into_inner().expect("not poisoned");
        done.sort();
        let dossiers: Vec<String> = sequential.iter().map(|r| r.dossier.clone()).collect();
        assert_eq!(done, dossiers, "called once per establishment");
        assert_eq!(
            report
                .etablissements
                .iter()
                .map(|r| r.uaj.clone().unwrap_or_default())
                .collect::<Vec<_>>(),
            uajs
        );
        // A guardians file keeps only its envelope, and its envelope is still checked.
        let second = &report.etablissements[1];
        assert!(
            pairs(second).contains(&(
                "UAJ_DIFFERENTS".to_string(),
                objet!(
                    fichier = "ExportXML_ResponsablesAvecAdresses.zip!ResponsablesAvecAdresses.xml",
                    uaj = "0999990A"
                )
            )),
            "{:#?}",
            second.anomalies
        );
        assert!(
            second
                .fichiers
                .iter()
                .any(|file| file.format == "siecle-responsables")
        );
    }

    #[test]
    fn only_files_a_rule_reads_keep_their_content() {
        let dataset = small_demo("0999999Z");
        assert!(needs_content("siecle-eleves", &dataset));
        assert!(needs_content("edt-table", &Dataset::default()));
        assert!(!needs_content("siecle-responsables", &dataset));
        assert!(!needs_content("json", &dataset));
        let kept = envelope_only(dataset.clone());
        assert_eq!(kept.files, dataset.files);
        assert_eq!(kept.school_year, dataset.school_year);
        assert!(kept.students.is_empty() && kept.guardians.is_empty());
    }

    fn fake_liens_rules(sources: &Sources<'_>, _reference: &Reference) -> Vec<Diagnostic> {
        let name = sources.liens.map(|file| file.name).unwrap_or_default();
        let found = super::super::anomaly(
            "GROUPE_A_01",
            "Le groupe \"ZZ\" n'est pas référencé.",
            objet!(eleve_id = "1", groupe = "ZZ"),
        )
        .in_file(name);
        vec![found.clone(), found]
    }

    #[test]
    fn synchro_5_runs_through_its_hook_and_other_diagnostics_stay_apart() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let dataset = small_demo("0999999Z");
        let written = write_fake(folder.path(), "pronote-liens", &dataset);
        let sts = write_fake(folder.path(), "sts-emp", &dataset);
        // An unknown VERSION is a reader remark, not an anomaly.
        let path = folder.path().join(&sts[0]);
        let mut bytes = fs::read(&path).expect("written");
        let at = bytes
            .windows(b"VERSION=\"1.0\"".len())
            .position(|window| window == b"VERSION=\"1.0\"")
            .expect("a VERSION");
        bytes[at..at + 13].copy_from_slice(b"VERSION=\"9.9\"");
        fs::write(&path, bytes).expect("file");
        let options = CheckOptions {
            liens_rules: Some(fake_liens_rules),
            ..CheckOptions::default()
        };
        let report = check_paths(&fake_registry(), &[folder.path().to_path_buf()], &options)
            .expect("readable");
        let establishment = &report.etablissements[0];
        let codes: Vec<&str> = establishment
            .anomalies
            .iter()
            .map(|anomaly| anomaly.code.as_str())
            .collect();
        assert_eq!(
            codes,
            ["FICHIER_MANQUANT", "FICHIER_MANQUANT", "GROUPE_A_01"],
            "{:#?}",
            establishment.anomalies
        );
        assert_eq!(
            establishment.anomalies[2].file.as_deref(),
            Some(format!("{0}!{1}", written[0], written[0].replace(".zip", ".xml")).as_str())
        );
        assert_eq!(establishment.other.len(), 1);
        assert_eq!(establishment.other[0].code, "VERSION_INCONNUE");
        assert_eq!(report.resume.error, 1);
        // No liens file, no call.
        fs::remove_file(folder.path().join(&written[0])).expect("remove");
        let report = check_paths(&fake_registry(), &[folder.path().to_path_buf()], &options)
            .expect("readable");
        assert!(
            report.etablissements[0]
                .anomalies
                .iter()
                .all(|anomaly| anomaly.code != "GROUPE_A_01")
        );
    }

    #[test]
    fn anomalies_are_unique_sorted_and_reports_reproducible() {
        let first = super::super::anomaly("INE_ABSENT", "a", objet!(eleve_id = "2"));
        let again = super::super::anomaly("INE_ABSENT", "b", objet!(eleve_id = "2")).in_file("x");
        let finished = finish_anomalies(vec![
            super::super::anomaly("GROUPE_NOUVEAU", "g", objet!(groupe = "G")),
            first,
            super::super::anomaly("INE_ABSENT", "c", objet!(eleve_id = "10")),
            again,
            super::super::anomaly("FICHIER_MANQUANT", "m", objet!(fichier = "sts_emp")),
            super::super::anomaly("DOUBLON_INE", "d", objet!(ine = "1")),
        ]);
        let order: Vec<(&str, &str)> = finished
            .iter()
            .map(|anomaly| (anomaly.code.as_str(), anomaly.message.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("FICHIER_MANQUANT", "m"),
                ("DOUBLON_INE", "d"),
                ("INE_ABSENT", "c"),
                ("INE_ABSENT", "a"),
                ("GROUPE_NOUVEAU", "g"),
            ],
            "objets compare as JSON text: \"10\" before \"2\"; the first found is kept"
        );
        let folder = tempfile::tempdir().expect("temporary folder");
        let dataset = small_demo("0999999Z");
        write_fake(folder.path(), "sts-emp", &dataset);
        write_fake(folder.path(), "siecle-eleves", &dataset);
        assert_eq!(
            check(&[folder.path()]).to_json(),
            check(&[folder.path()]).to_json()
        );
    }
}
