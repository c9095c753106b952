//! Where Uketsuke's data lives: `$UKETSUKE_DATA_DIR`, else
//! `${XDG_CACHE_HOME:-$HOME/.cache}/uketsuke`. `scripts/setup` fills it
//! (face images, models, persona card images); nothing is committed.

use std::path::{Path, PathBuf};

/// The data directory.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("UKETSUKE_DATA_DIR") {
        return PathBuf::from(d);
    }
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("uketsuke")
}
