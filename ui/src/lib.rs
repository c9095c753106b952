//! The Uketsuke touchscreen (DESIGN.md §1, §3): Slint screens that render a
//! view model ([`model::Screen`]) and report touches ([`model::Touch`]).
//! It knows nothing of cards, faces or the network. The screens' Japanese
//! is quoted from the seeds; every literal goes through `@tr()`, with
//! English bundled.

/// The code Slint generates from `ui/app.slint`.
#[allow(missing_docs, clippy::all, clippy::pedantic, clippy::restriction)]
mod generated {
    slint::include_modules!();
}

pub use generated::{App, ControlPanel, Kiosk, ScreenKind, SimControl};

pub mod gallery;
pub mod model;
pub mod render;

/// A language the screens are not translated into.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the screens have no {0:?} translation (ja, en)")]
pub struct UnknownLanguage(pub String);

/// Selects the screens' language: `"ja"` (the source text) or `"en"`.
pub fn select_language(lang: &str) -> Result<(), UnknownLanguage> {
    let code = if lang == "ja" { "" } else { lang };
    slint::select_bundled_translation(code).map_err(|_| UnknownLanguage(lang.to_owned()))
}
