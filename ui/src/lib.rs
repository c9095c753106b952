//! The Uketsuke touchscreen (DESIGN.md §1, §3): Slint screens that show a
//! [`uketsuke_screen::Screen`] and report [`uketsuke_screen::Touch`]es. It
//! knows nothing of cards, faces or the network. The screens' Japanese is
//! quoted from the seeds; every literal goes through `@tr()`, with English
//! bundled.

/// The code Slint generates from `ui/app.slint`.
#[allow(missing_docs, clippy::all, clippy::pedantic, clippy::restriction)]
mod generated {
    slint::include_modules!();
}

pub use generated::{
    App, Button, CardProblem, Challenge, FaceFailure, Guidance, Kiosk, Language, Question, ResultKind, ScreenKind,
    Theme,
};

pub mod gallery;
pub mod keypad;
pub mod render;
pub mod show;
pub mod speech;

pub use show::{on_touch, set_language, show};

/// A language the screens are not translated into.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the screens have no {0:?} translation (ja, en, zh, ko, vi, pt, es, tl)")]
pub struct UnknownLanguage(pub String);

impl Language {
    /// Every language of the screens: Japanese (the seeds' text), then the
    /// largest groups of foreign residents' languages.
    pub const ALL: [Self; 8] = [Self::Ja, Self::En, Self::Zh, Self::Ko, Self::Vi, Self::Pt, Self::Es, Self::Tl];

    /// The language called `code`: `ja`, `en`, `zh` (Simplified Chinese),
    /// `ko`, `vi`, `pt` (Brazilian Portuguese), `es`, `tl` (Tagalog).
    pub fn from_code(code: &str) -> Result<Self, UnknownLanguage> {
        Self::ALL.into_iter().find(|l| l.code() == code).ok_or_else(|| UnknownLanguage(code.to_owned()))
    }

    /// The language's code (its translation's directory under `lang/`).
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh",
            Self::Ko => "ko",
            Self::Vi => "vi",
            Self::Pt => "pt",
            Self::Es => "es",
            Self::Tl => "tl",
            _ => "ja",
        }
    }
}

/// Selects the bundled translation for `language` (Japanese is the source text).
pub fn select_language(language: Language) -> Result<(), UnknownLanguage> {
    let code = match language {
        Language::Ja => "",
        other => other.code(),
    };
    slint::select_bundled_translation(code).map_err(|_| UnknownLanguage(language.code().to_owned()))
}
