fn main() -> std::process::ExitCode {
    kring::cli::main()
}
