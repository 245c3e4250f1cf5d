//! The `passerelle` command, built in the tests package so that tests can run it.

fn main() -> std::process::ExitCode {
    passerelle_cli::main()
}
