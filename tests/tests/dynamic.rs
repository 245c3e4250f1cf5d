//! Dynamic plugins through the CLI, with real shared libraries: the example plugin
//! (`plugins/example-dynamic`, `siecle-eleves` 4.0) and the faulty ones of
//! `tests/plugin-defectueux`.
//!
//! The libraries are built once per test run (see [`plugins`]) by nested
//! `cargo build --profile plugin-tests --target-dir target/plugin-tests` runs: a target
//! directory of their own, since the `cargo test` running these tests holds the lock of the
//! main one. The first run of a fresh checkout compiles the plugins' dependencies there, once
//! and unoptimised (about a minute on two cores); later runs only relink what changed. The
//! faulty plugins are one crate built once per feature set, a second or so each.
#![cfg(test)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use passerelle_core::dynamic::ABI_VERSION;
use passerelle_core::model::MODEL_VERSION;
use passerelle_tests::{Run, fixture, workspace};
use serde_json::Value;

use crate::passerelle;

/// The libraries the tests load, each under its own name.
struct Plugins {
    /// The example plugin, alone in its folder (for `PASSERELLE_PLUGIN_PATH`).
    example: PathBuf,
    /// A well-formed plugin whose reader and writer panic (`essai-panique`).
    panicking: PathBuf,
    /// A plugin declaring the next ABI version.
    future_abi: PathBuf,
    /// A plugin declaring the next model version.
    future_model: PathBuf,
    /// A shared library exporting nothing of passerelle's.
    not_a_plugin: PathBuf,
}

/// The cargo profile of the test libraries (root `Cargo.toml`: built fast, not run fast).
const PROFILE: &str = "plugin-tests";

fn cargo_build(target_dir: &Path, arguments: &[&str]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from(env!("CARGO")));
    let output = Command::new(cargo)
        .current_dir(workspace())
        .args(["build", "--quiet", "--profile", PROFILE, "--target-dir"])
        .arg(target_dir)
        .args(arguments)
        .output()
        .map_err(|error| format!("cargo ne peut pas être lancé : {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo build {arguments:?} a échoué :\n{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The file name of a cdylib on this platform.
fn library_name(name: &str) -> String {
    format!(
        "{}{name}.{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_EXTENSION
    )
}

/// Copies a freshly built library to `target`, through a new file: the next feature build
/// overwrites the one cargo produced, and a library must never change under a process that
/// loaded it.
fn keep(built: &Path, target: &Path) -> Result<PathBuf, String> {
    let folder = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|error| error.to_string())?;
    let temporary = target.with_extension("tmp");
    std::fs::copy(built, &temporary)
        .and_then(|_| std::fs::rename(&temporary, target))
        .map_err(|error| format!("{} → {} : {error}", built.display(), target.display()))?;
    Ok(target.to_path_buf())
}

fn build_plugins() -> Result<Plugins, String> {
    let target_dir = workspace().join("target").join("plugin-tests");
    let built = |name: &str| target_dir.join(PROFILE).join(library_name(name));
    let kept = target_dir.join("essais");
    let faulty = "passerelle_plugin_defectueux";
    cargo_build(
        &target_dir,
        &[
            "-p",
            "passerelle-exemple-dynamique",
            "-p",
            "passerelle-plugin-defectueux",
        ],
    )?;
    let example = keep(
        &built("passerelle_exemple_dynamique"),
        &kept
            .join("exemple")
            .join(library_name("passerelle_exemple_dynamique")),
    )?;
    let panicking = keep(&built(faulty), &kept.join(library_name("essai_panique")))?;
    let variant = |feature: &str| -> Result<PathBuf, String> {
        cargo_build(
            &target_dir,
            &["-p", "passerelle-plugin-defectueux", "--features", feature],
        )?;
        keep(
            &built(faulty),
            &kept.join(library_name(&format!(
                "essai_{}",
                feature.replace('-', "_")
            ))),
        )
    };
    Ok(Plugins {
        example,
        panicking,
        future_abi: variant("abi-future")?,
        future_model: variant("modele-futur")?,
        not_a_plugin: variant("sans-symboles")?,
    })
}

/// The test libraries, built on first use (once per test run).
fn plugins() -> &'static Plugins {
    static PLUGINS: OnceLock<Result<Plugins, String>> = OnceLock::new();
    match PLUGINS.get_or_init(build_plugins) {
        Ok(plugins) => plugins,
        Err(error) => panic!("les plugins d'essai n'ont pas pu être construits : {error}"),
    }
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `passerelle --plugin PLUGIN ARGS…`.
fn with_plugin(plugin: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--plugin", text(plugin)];
    all.extend_from_slice(args);
    passerelle(&all)
}

/// `passerelle ARGS…` with this value of `PASSERELLE_PLUGIN_PATH`.
fn with_plugin_path(value: &OsString, args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let arguments = std::iter::once("passerelle").chain(args.iter().copied());
    let code = passerelle_cli::run(arguments, Some(value.clone()), &mut out, &mut err, false);
    Run {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
        stdout_bytes: out,
    }
}

fn v4_fixture() -> PathBuf {
    fixture("siecle-eleves/4.0/ElevesSansAdresses.xml")
}

fn canonical(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

/// The `formats --json` entry of an id.
fn format_entry(run: &Run, id: &str) -> Value {
    assert_eq!(run.code, 0, "{}", run.stderr);
    json(&run.stdout)
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} absent : {}", run.stdout))
}

/// A load failure: exit 2 and one French sentence on the error stream, nothing else.
fn assert_refused(run: &Run, expected: &[&str]) {
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("passerelle : "), "{}", run.stderr);
    for part in expected {
        assert!(
            run.stderr.contains(part),
            "« {part} » absent : {}",
            run.stderr
        );
    }
}

#[test]
fn formats_lists_the_plugin_and_its_origin() {
    let plugins = plugins();
    let builtin = format_entry(&passerelle(&["formats", "--json"]), "siecle-eleves");
    assert_eq!(
        (builtin["version"].as_str(), builtin["origine"].as_str()),
        (Some("3.0"), Some("builtin"))
    );

    let run = with_plugin(&plugins.example, &["formats", "--json"]);
    let entry = format_entry(&run, "siecle-eleves");
    assert_eq!(entry["version"], "4.0");
    assert_eq!(entry["origine"], canonical(&plugins.example).as_str());
    assert_eq!(entry["lecture"], true);
    assert_eq!(entry["ecriture"], true);
    // Every built-in format is still there, sorted, the plugin's in place of its own.
    let ids: Vec<String> = json(&run.stdout)
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["id"].as_str().unwrap().to_string())
        .collect();
    let builtin_ids: Vec<String> = json(&passerelle(&["formats", "--json"]).stdout)
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, builtin_ids);

    let human = with_plugin(&plugins.example, &["formats"]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    let line = human
        .stdout
        .lines()
        .find(|line| line.starts_with("siecle-eleves "))
        .unwrap();
    assert!(line.contains("4.0"), "{line}");
    assert!(
        line.ends_with(&format!("[{}]", canonical(&plugins.example))),
        "{line}"
    );
}

#[test]
fn the_plugin_path_variable_names_files_or_folders() {
    let plugins = plugins();
    let folder = plugins.example.parent().unwrap().to_path_buf();
    let as_folder = std::env::join_paths([folder]).unwrap();
    let as_file =
        std::env::join_paths([PathBuf::from("/nulle/part/vide"), plugins.example.clone()]).unwrap();
    for value in [&as_folder, &as_file] {
        let run = with_plugin_path(value, &["formats", "--json"]);
        if value == &as_file {
            // A missing entry is an error: nothing is loaded from anywhere but what is named.
            assert_refused(&run, &["/nulle/part/vide", "PASSERELLE_PLUGIN_PATH"]);
            continue;
        }
        let entry = format_entry(&run, "siecle-eleves");
        assert_eq!(entry["version"], "4.0");
        assert_eq!(entry["origine"], canonical(&plugins.example).as_str());
    }
    let as_file = std::env::join_paths([plugins.example.clone()]).unwrap();
    let run = with_plugin_path(&as_file, &["detect", text(&v4_fixture())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("siecle-eleves 4.0"), "{}", run.stdout);
    // Named twice (variable and option): loaded once, not refused as "not newer than itself".
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = passerelle_cli::run(
        ["passerelle", "--plugin", text(&plugins.example), "formats"],
        Some(as_folder),
        &mut out,
        &mut err,
        false,
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
}

#[test]
fn a_4_0_students_file_is_detected_and_read() {
    let plugins = plugins();
    let input = v4_fixture();
    let run = with_plugin(&plugins.example, &["detect", text(&input)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "ElevesSansAdresses.xml : siecle-eleves 4.0, établissement 0999999Z, année \
             2027-2028, exporté le 13/09/2027"
        ),
        "{}",
        run.stdout
    );
    let detection =
        json(&with_plugin(&plugins.example, &["detect", "--json", text(&input)]).stdout);
    assert_eq!(detection[0]["version"], "4.0");
    assert_eq!(detection[0]["effectifs"]["eleves"], 3);

    // Without the plugin, the same file is an unknown version whose renamed elements are lost.
    let run = passerelle(&["detect", text(&input)]);
    assert!(run.stderr.contains("VERSION_INCONNUE"), "{}", run.stderr);

    let report = with_plugin(&plugins.example, &["check", text(&input)]);
    assert!(report.code <= 1, "{}", report.stderr);
    assert!(
        report
            .stdout
            .contains("ElevesSansAdresses.xml (siecle-eleves 4.0)"),
        "{}",
        report.stdout
    );
}

#[test]
fn a_4_0_file_converts_to_json() {
    let plugins = plugins();
    let run = with_plugin(
        &plugins.example,
        &["convert", text(&v4_fixture()), "--to", "json", "-o", "-"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dataset = json(&run.stdout);
    assert_eq!(dataset["files"][0]["format"], "siecle-eleves");
    assert_eq!(dataset["files"][0]["version"], "4.0");
    let student = &dataset["students"]["4000001"];
    assert_eq!(student["family_name"], "BŒUF-EXEMPLE");
    assert_eq!(student["ine"], "987654321AB");
    assert_eq!(dataset["students"]["4000002"]["family_name"], "D'EXEMPLE");
    assert!(dataset["students"]["4000002"].get("ine").is_none());
}

/// A JSON dump with provenance (`source`, which names the file read) set aside.
fn without_sources(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| *key != "source")
                .map(|(key, value)| (key.clone(), without_sources(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_sources).collect()),
        other => other.clone(),
    }
}

/// The XML of a SIECLE zip written by passerelle, decoded.
fn zipped_xml(zip_path: &Path) -> String {
    let bytes = std::fs::read(zip_path).unwrap();
    let (members, _) = passerelle_core::input::read_zip(
        "x.zip",
        zip_path,
        &bytes,
        &passerelle_core::input::Limits::default(),
    )
    .unwrap();
    assert_eq!(members.len(), 1);
    passerelle_core::encoding::decode(
        &members[0].bytes,
        "x.xml",
        passerelle_core::encoding::TextKind::Xml,
    )
    .text
}

#[test]
fn a_4_0_file_is_written_back_in_4_0_and_a_3_0_one_in_3_0() {
    let plugins = plugins();
    let folder = tempfile::tempdir().unwrap();
    let target = format!("{}/", folder.path().display());
    let run = with_plugin(
        &plugins.example,
        &[
            "convert",
            text(&v4_fixture()),
            "--to",
            "siecle-eleves",
            "-o",
            &target,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = folder.path().join("ExportXML_ElevesSansAdresses.zip");
    let xml = zipped_xml(&written);
    assert!(xml.contains("<BEE_ELEVES VERSION=\"4.0\">"), "{xml}");
    assert!(
        xml.contains("<NOM_NAISSANCE>BŒUF-EXEMPLE</NOM_NAISSANCE>"),
        "{xml}"
    );
    assert!(xml.contains("<INE>987654321AB</INE>"), "{xml}");
    assert!(
        !xml.contains("NOM_DE_FAMILLE") && !xml.contains("ID_NATIONAL"),
        "{xml}"
    );

    // What was written reads back to the same students.
    let first = json(
        &with_plugin(
            &plugins.example,
            &["convert", text(&v4_fixture()), "--to", "json", "-o", "-"],
        )
        .stdout,
    );
    let again = json(
        &with_plugin(
            &plugins.example,
            &["convert", text(&written), "--to", "json", "-o", "-"],
        )
        .stdout,
    );
    assert_eq!(
        without_sources(&first["students"]),
        without_sources(&again["students"])
    );
    assert_eq!(again["files"][0]["version"], "4.0");

    // An older file keeps its version through the plugin.
    let older = folder.path().join("ancien");
    let run = with_plugin(
        &plugins.example,
        &[
            "convert",
            text(&fixture("siecle-eleves/3.0/ElevesAvecAdresses.xml")),
            "--to",
            "siecle-eleves",
            "-o",
            &format!("{}/", older.display()),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let xml = zipped_xml(&older.join("ExportXML_ElevesAvecAdresses.zip"));
    assert!(xml.contains("<BEE_ELEVES VERSION=\"3.0\">"), "{xml}");
    assert!(xml.contains("<NOM_DE_FAMILLE>"), "{xml}");
}

#[test]
fn a_plugin_for_another_abi_is_refused() {
    let plugins = plugins();
    let run = with_plugin(&plugins.future_abi, &["formats"]);
    assert_refused(
        &run,
        &[
            &format!("« {} »", plugins.future_abi.display()),
            &format!(
                "est un plugin pour l'interface n°{}, or cette version de passerelle attend \
                 l'interface n°{ABI_VERSION} : recompilez le plugin",
                ABI_VERSION + 1
            ),
        ],
    );
}

#[test]
fn a_plugin_for_another_model_is_refused() {
    let plugins = plugins();
    let run = with_plugin(&plugins.future_model, &["detect", text(&v4_fixture())]);
    assert_refused(
        &run,
        &[
            &format!("« {} »", plugins.future_model.display()),
            &format!(
                "a été compilé pour le modèle de données n°{}, or cette version de passerelle \
                 utilise le modèle n°{MODEL_VERSION}",
                MODEL_VERSION + 1
            ),
        ],
    );
}

#[test]
fn a_library_that_is_not_a_plugin_is_refused() {
    let plugins = plugins();
    let run = with_plugin(&plugins.not_a_plugin, &["formats"]);
    assert_refused(
        &run,
        &[
            &format!("« {} »", plugins.not_a_plugin.display()),
            "n'est pas un plugin passerelle : il n'exporte pas le symbole PASSERELLE_ABI_VERSION",
        ],
    );
    let folder = tempfile::tempdir().unwrap();
    let fake = folder.path().join(library_name("faux"));
    std::fs::write(&fake, "ceci n'est pas une bibliothèque\n").unwrap();
    let run = with_plugin(&fake, &["formats"]);
    assert_refused(
        &run,
        &[
            &format!(
                "« {} » ne peut pas être chargé comme bibliothèque",
                fake.display()
            ),
            "un plugin passerelle est une bibliothèque",
        ],
    );
    let missing = folder.path().join(library_name("absent"));
    let run = with_plugin(&missing, &["formats"]);
    assert_refused(
        &run,
        &["n'existe pas : vérifiez --plugin ou PASSERELLE_PLUGIN_PATH"],
    );
}

#[test]
fn a_plugin_cannot_replace_an_equal_version() {
    let plugins = plugins();
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join(library_name("copie_exemple"));
    std::fs::copy(&plugins.example, &copy).unwrap();
    let run = passerelle(&[
        "--plugin",
        text(&plugins.example),
        "--plugin",
        text(&copy),
        "formats",
    ]);
    assert_refused(
        &run,
        &[
            &format!(
                "le plugin « {} » fournit le format « siecle-eleves » en version 4.0, mais \
                 passerelle le connaît déjà en version 4.0 (plugin « {} »)",
                copy.display(),
                canonical(&plugins.example)
            ),
            "un plugin ne peut remplacer qu'une version plus ancienne",
        ],
    );
}

#[test]
fn a_panicking_reader_is_an_error_and_passerelle_goes_on() {
    let plugins = plugins();
    let folder = tempfile::tempdir().unwrap();
    let input = folder.path().join("essai.xml");
    std::fs::write(&input, "<?xml version=\"1.0\"?>\n<ESSAI_PANIQUE/>\n").unwrap();
    let run = passerelle(&[
        "--plugin",
        text(&plugins.panicking),
        "--plugin",
        text(&plugins.example),
        "detect",
        text(&input),
        text(&v4_fixture()),
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    let expected = format!(
        "passerelle : le plugin « {} » a planté en lisant « essai.xml » (format essai-panique) : \
         lecture impossible de essai.xml (tests/plugin-defectueux/src/lib.rs:",
        canonical(&plugins.panicking)
    );
    assert!(run.stderr.starts_with(&expected), "{}", run.stderr);
    assert!(
        run.stderr
            .trim_end()
            .ends_with("le fichier n'a pas été lu, signalez ce défaut à l'auteur du plugin"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    // The other file was still read.
    assert!(run.stdout.contains("siecle-eleves 4.0"), "{}", run.stdout);

    // `check` reports the file it could not read and goes on.
    let report = with_plugin(&plugins.panicking, &["check", text(folder.path())]);
    assert!(matches!(report.code, 1 | 2), "{report:?}");
    assert!(
        report.stdout.contains("a planté en lisant"),
        "{}",
        report.stdout
    );

    // So does a writer.
    let run = with_plugin(
        &plugins.panicking,
        &[
            "convert",
            text(&fixture("siecle-eleves/3.0/ElevesAvecAdresses.xml")),
            "--to",
            "essai-panique",
            "-o",
            &format!("{}/", folder.path().join("sortie").display()),
        ],
    );
    assert!(matches!(run.code, 1 | 2), "{run:?}");
    assert!(
        run.stderr
            .contains("a planté en écrivant (format essai-panique) : écriture impossible"),
        "{}",
        run.stderr
    );
    assert!(!folder.path().join("sortie").exists());

    // The process is intact: the same plugin still loads and lists its format.
    let entry = format_entry(
        &with_plugin(&plugins.panicking, &["formats", "--json"]),
        "essai-panique",
    );
    assert_eq!(entry["origine"], canonical(&plugins.panicking).as_str());
}
