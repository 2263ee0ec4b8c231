//! The `starttls-cert` command. Its command line arrives with the CLI work;
//! until then it says so instead of pretending to check anything.

fn main() {
    eprintln!("starttls-cert: the command line is not built yet; the engine is usable as the starttls-engine library");
    std::process::exit(2);
}
