//! Compiles the Slint screens, with every `@tr()` string bundled for
//! Japanese (the source text) and English (`lang/en`). The element tree
//! keeps its debug info so that tests (and accessibility tooling) can find
//! elements by their accessible labels.

use std::process::ExitCode;

#[allow(clippy::print_stderr)] // a build script reports to cargo on stderr
fn main() -> ExitCode {
    let config = slint_build::CompilerConfiguration::new().with_bundled_translations("lang").with_debug_info(true);
    match slint_build::compile_with_config("ui/app.slint", config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slint: {e}");
            ExitCode::FAILURE
        }
    }
}
