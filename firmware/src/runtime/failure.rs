//! Fail loudly, restart cleanly (DESIGN.md §5, docs/threat-model.md). A
//! panic anywhere in the kiosk (a tokio task, a blocking card call, the face
//! worker, a vendor's device driver) can leave a lock poisoned and the flow
//! waiting for an answer that never comes: a kiosk that looks alive and
//! serves no one. So the process ends at the first panic, with
//! [`EXIT_PANIC`], and its supervisor (systemd's `Restart=always`, see
//! docs/kiosk.md) starts a fresh kiosk. Release builds also set `panic = "abort"`.
//!
//! The panic's message is not logged: it could carry data from the card or
//! the camera. Its location is.

use std::panic::PanicHookInfo;

/// The exit code after a panic (`EX_SOFTWARE`, sysexits.h).
pub const EXIT_PANIC: i32 = 70;

/// Makes every panic end the process with [`EXIT_PANIC`], after one log line
/// naming where it happened.
pub fn exit_on_panic() {
    std::panic::set_hook(Box::new(|info: &PanicHookInfo<'_>| {
        let at =
            info.location().map_or_else(|| "an unknown place".to_owned(), |l| format!("{}:{}", l.file(), l.line()));
        let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
        tracing::error!(%at, %thread, "the kiosk failed (panic); exiting so that its supervisor restarts it");
        std::process::exit(EXIT_PANIC);
    }));
}
