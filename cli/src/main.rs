//! The `passerelle` binary: see the `passerelle_cli` library.

fn main() -> std::process::ExitCode {
    passerelle_cli::main()
}
