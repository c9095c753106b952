//! What a screen sends back: a touch by the patient, or by the family
//! member, helper or staff member operating the screen for them.

use strum::{EnumString, IntoStaticStr};

/// A touch on a screen. Named (`face`, `digit-3`, `skip-registration`) by
/// [`Touch::name`] and [`Touch::from_name`], as scripts and transcripts say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumString, IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
#[non_exhaustive]
pub enum Touch {
    /// 顔認証を行う.
    Face,
    /// 暗証番号を入力.
    Pin,
    /// Ask staff to check (目視).
    Visual,
    /// 終了する.
    End,
    /// A keypad digit 0–9 (`digit-N`).
    #[strum(disabled)]
    Digit(u8),
    /// 1文字消す: delete the last digit.
    Backspace,
    /// キャンセル.
    Cancel,
    /// 同意する.
    Agree,
    /// 同意しない (and 同意しない・40歳未満の方).
    Disagree,
    /// 登録する.
    Register,
    /// 登録せずに終了.
    SkipRegistration,
    /// Any touch that keeps the session (dismisses the timeout warning).
    #[strum(serialize = "touch")]
    KeepAlive,
    /// The language button (the screen switches; the session is kept alive).
    Language,
    /// もう一度聞く: the screen is spoken again (the session is kept alive).
    Repeat,
    /// 文字を大きくする: larger type and targets (the touchscreen's own; the
    /// session is kept alive).
    LargeText,
    /// 時間を長くする: every timeout of this session doubled.
    MoreTime,
}

impl Touch {
    /// The touch called `name`; `None` for an unknown name or a digit over 9.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.strip_prefix("digit-") {
            Some(d) => d.parse::<u8>().ok().filter(|d| *d <= 9).map(Self::Digit),
            None => name.parse().ok(),
        }
    }

    /// The touch's name (the inverse of [`Touch::from_name`]).
    pub fn name(self) -> String {
        match self {
            Self::Digit(d) => format!("digit-{d}"),
            other => <&'static str>::from(other).to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_touch_reads_back_from_its_name() {
        for (name, touch) in [
            ("face", Touch::Face),
            ("pin", Touch::Pin),
            ("visual", Touch::Visual),
            ("end", Touch::End),
            ("digit-0", Touch::Digit(0)),
            ("digit-9", Touch::Digit(9)),
            ("backspace", Touch::Backspace),
            ("cancel", Touch::Cancel),
            ("agree", Touch::Agree),
            ("disagree", Touch::Disagree),
            ("register", Touch::Register),
            ("skip-registration", Touch::SkipRegistration),
            ("touch", Touch::KeepAlive),
            ("language", Touch::Language),
            ("repeat", Touch::Repeat),
            ("large-text", Touch::LargeText),
            ("more-time", Touch::MoreTime),
        ] {
            assert_eq!(Touch::from_name(name), Some(touch), "{name}");
            assert_eq!(touch.name(), name);
        }
    }

    #[test]
    fn unknown_names_and_digits_over_nine_are_no_touch() {
        assert_eq!(Touch::from_name("digit-10"), None);
        assert_eq!(Touch::from_name("digit"), None);
        assert_eq!(Touch::from_name("fly"), None);
        assert_eq!(Touch::from_name("keep-alive"), None);
    }
}
