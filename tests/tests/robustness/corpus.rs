//! The bad-input corpus: the committed copy is the generator's output, and every case gets
//! the exact reaction of `convert`, `detect` and `check`.

use std::fs;
use std::path::PathBuf;

use passerelle_tests::{corpus, fixture};

fn corpus_folder() -> PathBuf {
    fixture("invalides")
}

/// `PASSERELLE_REGENERER=1 cargo test -p passerelle-tests corpus` rewrites the corpus.
#[test]
fn the_committed_corpus_is_the_generator_s_output() {
    let folder = corpus_folder();
    if std::env::var_os("PASSERELLE_REGENERER").is_some() {
        corpus::write(&folder).unwrap();
    }
    let cases = corpus::cases();
    for (name, bytes) in &cases {
        let committed = fs::read(folder.join(name))
            .unwrap_or_else(|error| panic!("fixtures/invalides/{name}: {error}"));
        assert!(
            committed == *bytes,
            "fixtures/invalides/{name} is out of date: regenerate the corpus with \
             `PASSERELLE_REGENERER=1 cargo test -p passerelle-tests corpus`"
        );
    }
    let mut names: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = cases.iter().map(|(name, _)| name.to_string()).collect();
    expected.sort();
    assert_eq!(
        names, expected,
        "fixtures/invalides holds exactly the corpus"
    );
}

/// The path of a corpus case, as text for the command line.
fn case(name: &str) -> String {
    corpus_folder().join(name).display().to_string()
}

#[test]
fn a_zip_inside_a_zip_is_not_read_and_detect_says_so() {
    let expected = format!(
        "passerelle : aucun fichier à lire dans « {} » : donnez des fichiers .xml, .zip ou .csv \
         (fichiers ignorés : zip_dans_zip.zip!ExportXML_sts.zip) ; une archive rangée dans une \
         autre n'est pas lue : décompressez d'abord l'archive qui la contient\n",
        case("zip_dans_zip.zip")
    );
    for command in ["detect", "convert"] {
        let mut args = vec![command, "--to", "json", "-o", "-"];
        if command == "detect" {
            args.truncate(1);
        }
        let path = case("zip_dans_zip.zip");
        args.push(&path);
        let run = crate::passerelle(&args);
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (2, expected.as_str()),
            "{command}"
        );
        assert!(run.stdout.is_empty());
    }
}
