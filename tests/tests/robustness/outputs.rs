//! Outputs: a temporary file renamed over the target, never over an input, `-o -` on
//! standard output, one French sentence when the file system refuses, and nothing left
//! behind by an interrupted run.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use passerelle_core::demo::{DemoParams, generate};
use passerelle_core::json_format::to_json;

use super::binary::passerelle_binary;
use crate::passerelle;

/// A small input of every test here: the EDT upload file of the fixtures.
const INPUT: &str = "../fixtures/edt-sts/emp_sts_minimal.xml";
/// The name `convert --to json` gives its output for [`INPUT`].
const OUTPUT_NAME: &str = "passerelle_0999999Z.json";

/// Files whose name says they are temporary files of passerelle.
fn temporaries(folder: &Path) -> Vec<String> {
    fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".passerelle-") && name.ends_with(".tmp"))
        .collect()
}

fn convert_to(target: &str) -> passerelle_tests::Run {
    passerelle(&["convert", INPUT, "--to", "json", "-o", target])
}

#[test]
fn a_failed_write_leaves_the_previous_file_intact() {
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join(OUTPUT_NAME);
    fs::write(&target, "version précédente").unwrap();
    // The temporary file cannot be created: a folder already has its name (the CLI runs
    // in this process, so its temporary file carries this process's id).
    let blocker = folder.path().join(format!(
        ".{OUTPUT_NAME}.passerelle-{}.tmp",
        std::process::id()
    ));
    fs::create_dir(&blocker).unwrap();
    let run = convert_to(&format!("{}/", folder.path().display()));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("passerelle : rien n'a été écrit : impossible d'écrire « "),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(fs::read_to_string(&target).unwrap(), "version précédente");
    fs::remove_dir(&blocker).unwrap();
    // Once the way is clear, the same command replaces it.
    let run = convert_to(&format!("{}/", folder.path().display()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        fs::read_to_string(&target)
            .unwrap()
            .contains("\"model_version\"")
    );
    assert!(temporaries(folder.path()).is_empty());
}

/// A folder passerelle may not write in: `/sys` for root, whom permissions do not stop; a
/// folder without write permission otherwise.
fn read_only_folder(scratch: &Path) -> std::path::PathBuf {
    let folder = scratch.join("lecture_seule");
    fs::create_dir(&folder).unwrap();
    let mut permissions = fs::metadata(&folder).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&folder, permissions).unwrap();
    if fs::write(folder.join("essai"), "x").is_ok() {
        return std::path::PathBuf::from("/sys");
    }
    folder
}

#[test]
fn refusals_of_the_file_system_are_one_french_sentence() {
    let scratch = tempfile::tempdir().unwrap();
    let missing = scratch.path().join("absent").join("sortie.json");
    let read_only = read_only_folder(scratch.path()).join("sortie.json");
    let taken = scratch.path().join("pris");
    fs::create_dir_all(taken.join(OUTPUT_NAME)).unwrap();
    let cases = [
        (
            missing.display().to_string(),
            format!(
                "impossible d'écrire « {} » : le dossier qui doit le contenir n'existe pas ; \
                 vérifiez le chemin donné avec -o",
                missing.display()
            ),
        ),
        (
            read_only.display().to_string(),
            format!(
                "impossible d'écrire « {} » : ce dossier est en lecture seule ou vous n'avez pas \
                 le droit d'y écrire ; choisissez un autre dossier avec -o",
                read_only.display()
            ),
        ),
        (
            format!("{}/", taken.display()),
            format!(
                "impossible d'écrire « {}/{OUTPUT_NAME} » : un dossier porte déjà ce nom ; \
                 choisissez un autre chemin avec -o",
                taken.display()
            ),
        ),
    ];
    for (target, sentence) in cases {
        let run = convert_to(&target);
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (
                2,
                format!("passerelle : rien n'a été écrit : {sentence}\n").as_str()
            ),
            "-o {target}"
        );
    }
    assert!(temporaries(&taken).is_empty());
    assert!(temporaries(scratch.path()).is_empty());
}

#[test]
fn an_input_is_never_written_over() {
    let folder = tempfile::tempdir().unwrap();
    let input = folder.path().join("entree.json");
    let run = convert_to(&input.display().to_string());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let before = fs::read(&input).unwrap();
    let shown = input.display().to_string();
    let run = passerelle(&["convert", &shown, "--to", "json", "-o", &shown]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            2,
            format!(
                "passerelle : rien n'a été écrit : « {shown} » est un des fichiers lus : \
                 passerelle n'écrit jamais par-dessus une entrée, choisissez un autre chemin \
                 avec -o\n"
            )
            .as_str()
        )
    );
    assert_eq!(fs::read(&input).unwrap(), before);
}

#[test]
fn a_dash_streams_the_output_to_standard_output() {
    let folder = tempfile::tempdir().unwrap();
    let on_disk = folder.path().join("sortie.json");
    assert_eq!(convert_to(&on_disk.display().to_string()).code, 0);
    let run = convert_to("-");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(run.stdout_bytes, fs::read(&on_disk).unwrap());
}

/// Sends SIGINT to a process, as Ctrl+C does.
fn interrupt(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// A run of the real binary interrupted while it writes: SIGINT is sent as soon as its
/// temporary file appears. Afterwards no temporary file is left, and the target is either
/// the previous file or the complete new one (when the rename won the race).
#[test]
fn an_interrupted_run_leaves_no_temporary_file() {
    let binary = passerelle_binary();
    let folder = tempfile::tempdir().unwrap();
    // Large enough for writing to take a while: about 10 Mo of JSON.
    let demo = generate(&DemoParams {
        students: 5_000,
        ..DemoParams::default()
    });
    let input = folder.path().join("entree.json");
    fs::write(&input, to_json(&demo)).unwrap();
    let out = folder.path().join("sortie");
    fs::create_dir(&out).unwrap();
    let target = out.join("resultat.json");
    for attempt in 1..=5 {
        fs::write(&target, "version précédente").unwrap();
        let mut child = Command::new(binary)
            .arg("convert")
            .arg(&input)
            .args(["--to", "json", "-o"])
            .arg(&target)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let mut caught = false;
        while start.elapsed() < Duration::from_secs(120) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if !temporaries(&out).is_empty() {
                interrupt(child.id());
                caught = true;
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let output = child.wait_with_output().unwrap();
        assert!(
            temporaries(&out).is_empty(),
            "attempt {attempt}: {:?}",
            temporaries(&out)
        );
        let now = fs::read(&target).unwrap();
        let complete = serde_json::from_slice::<serde_json::Value>(&now).is_ok();
        assert!(
            now == "version précédente".as_bytes() || complete,
            "attempt {attempt}: the target is the previous file or the complete new one"
        );
        if caught {
            eprintln!(
                "interrupted at attempt {attempt}, after {:?}: {:?}",
                start.elapsed(),
                output.status
            );
            // Interrupted (130), unless the run had just finished.
            assert!(
                matches!(output.status.code(), Some(130) | Some(0)),
                "{:?}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
            return;
        }
    }
    panic!("the temporary file was never seen: the run writes too fast to be interrupted");
}
