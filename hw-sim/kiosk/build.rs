//! Compiles the simulator's control panel (a developer's window, never part
//! of the kiosk product).

use std::process::ExitCode;

#[allow(clippy::print_stderr)] // a build script reports to cargo on stderr
fn main() -> ExitCode {
    let config = slint_build::CompilerConfiguration::new().with_debug_info(true);
    match slint_build::compile_with_config("ui/control_panel.slint", config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slint: {e}");
            ExitCode::FAILURE
        }
    }
}
