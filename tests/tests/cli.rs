//! The command line itself: help in French, exit codes.

use crate::passerelle;

#[test]
fn help_is_in_french_and_teaches_the_commands() {
    let run = passerelle(&["--help"]);
    assert_eq!(run.code, 0);
    for expected in [
        "Utilisation",
        "Commandes",
        "check",
        "detect",
        "convert",
        "demo",
        "Codes de sortie",
    ] {
        assert!(
            run.stdout.contains(expected),
            "{expected} missing:\n{}",
            run.stdout
        );
    }
    let run = passerelle(&["convert", "--help"]);
    assert!(run.stdout.contains("sortie standard"), "{}", run.stdout);
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let run = passerelle(&["verifier-tout"]);
    assert_eq!(run.code, 2);
}
