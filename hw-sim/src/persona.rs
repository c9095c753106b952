//! Personas: synthetic patients, one TOML file each in `hw-sim/personas/`
//! (embedded at build time), with their card images prepared by
//! `scripts/setup` in the data directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uketsuke_driver::hal::surface::FaceAuthMark;

use crate::era;
use crate::mynumber;
use crate::pki::Date;

/// The persona files, embedded so the simulator works from any directory.
const EMBEDDED: [(&str, &str); 8] = [
    ("adult-registered", include_str!("../personas/adult-registered.toml")),
    ("under-40", include_str!("../personas/under-40.toml")),
    ("face-only", include_str!("../personas/face-only.toml")),
    ("pin-one-try", include_str!("../personas/pin-one-try.toml")),
    ("pin-blocked", include_str!("../personas/pin-blocked.toml")),
    ("expired-cert", include_str!("../personas/expired-cert.toml")),
    ("unregistered", include_str!("../personas/unregistered.toml")),
    ("switched-back", include_str!("../personas/switched-back.toml")),
];

/// Problems with personas or their prepared data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PersonaError {
    /// No persona has that id.
    #[error("no persona named {0:?} (see `uketsuke-sim personas`)")]
    Unknown(String),
    /// A persona file does not parse or is inconsistent.
    #[error("persona {id}: {reason}")]
    Invalid {
        /// Persona id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// The prepared card images are missing.
    #[error("card image {0} is missing: run scripts/setup")]
    MissingData(PathBuf),
}

/// Sex as printed on the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 男.
    Male,
    /// 女.
    Female,
}

/// The authentication certificate's facts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CertificateSpec {
    /// Serial number.
    pub serial: u64,
    /// Start of validity.
    #[serde(with = "crate::pki::date_table")]
    pub not_before: Date,
    /// End of validity.
    #[serde(with = "crate::pki::date_table")]
    pub not_after: Date,
    /// Whether the certificate is revoked (the terminal answers 006).
    #[serde(default)]
    pub revoked: bool,
}

/// Health-insurance details the reception terminal answers with.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Insurance {
    /// Registered for health-insurance use (保険証利用登録).
    pub registered: bool,
    /// Insurer number (保険者番号).
    pub insurer_number: String,
    /// Symbol (記号).
    pub symbol: String,
    /// Number (番号).
    pub number: String,
    /// Branch number (枝番).
    pub branch: String,
    /// Kind of insured person.
    pub kind: String,
    /// Co-payment rate in percent.
    pub copay_percent: u8,
}

/// Face images for the persona, relative to the data directory's `faces/`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PhotoSpec {
    /// The image the card photo is made from.
    pub card: String,
    /// Optional crop `[x, y, w, h]` for the card photo.
    #[serde(default)]
    pub crop: Option<[u32; 4]>,
    /// Other images of the same person, for the virtual camera.
    #[serde(default)]
    pub camera: Vec<String>,
}

/// A synthetic patient and their card.
#[derive(Clone, Serialize, Deserialize)]
pub struct Persona {
    /// Identifier used on the command line.
    pub id: String,
    /// What the persona is for.
    pub description: String,
    /// Name (synthetic).
    pub name: String,
    /// Address (synthetic).
    pub address: String,
    /// Birth date.
    #[serde(with = "crate::pki::date_table")]
    pub birth_date: Date,
    /// Sex.
    pub sex: Sex,
    /// My Number with a valid check digit (synthetic).
    pub my_number: String,
    /// The 4-digit PIN; absent on face-auth-only cards.
    #[serde(default)]
    pub pin: Option<String>,
    /// The signing password; absent on face-auth-only cards.
    #[serde(default)]
    pub sign_password: Option<String>,
    /// The 4-digit security code printed on the card.
    pub security_code: String,
    /// Card expiry.
    #[serde(with = "crate::pki::date_table")]
    pub card_expiry: Date,
    /// A face-auth-only card (顔認証マイナンバーカード).
    #[serde(default)]
    pub face_auth_only: bool,
    /// The 「顔認証」 mark printed in the 追記欄, when it differs from what
    /// `face_auth_only` implies: `cancelled` for a card switched back to a
    /// normal card (seed 001).
    #[serde(default)]
    pub amendment: Option<FaceAuthMark>,
    /// Tries left on the PIN (0 = blocked).
    #[serde(default = "three")]
    pub pin_tries_left: u8,
    /// The authentication certificate.
    pub certificate: CertificateSpec,
    /// Health insurance.
    pub insurance: Insurance,
    /// Photos.
    pub photo: PhotoSpec,
}

fn three() -> u8 {
    3
}

impl std::fmt::Debug for Persona {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Synthetic, but treated like the real thing: no personal data in logs.
        f.debug_struct("Persona").field("id", &self.id).finish_non_exhaustive()
    }
}

impl Persona {
    /// Parses and checks one persona file.
    pub fn parse(id_hint: &str, text: &str) -> Result<Self, PersonaError> {
        let invalid = |reason: String| PersonaError::Invalid { id: id_hint.to_owned(), reason };
        let p: Self = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if p.id != id_hint {
            return Err(invalid(format!("id {:?} does not match its file name", p.id)));
        }
        if !mynumber::is_valid(&p.my_number) {
            return Err(invalid("my_number has an invalid check digit".into()));
        }
        if p.check_code_b().is_none() {
            return Err(invalid("birth date or security code cannot form 照合番号B".into()));
        }
        match (&p.pin, p.face_auth_only) {
            (Some(pin), false) if pin.len() == 4 && pin.bytes().all(|b| b.is_ascii_digit()) => {}
            (None, true) => {}
            _ => {
                return Err(invalid("a PIN of 4 digits is required, except on face-auth-only cards (none)".into()));
            }
        }
        if p.pin_tries_left > 3 {
            return Err(invalid("pin_tries_left must be 0-3".into()));
        }
        Ok(p)
    }

    /// 照合番号B as printed on the card face.
    pub fn check_code_b(&self) -> Option<String> {
        let b = self.birth_date;
        era::check_code_b(
            (b.year().unsigned_abs().into(), b.month().unsigned_abs().into(), b.day().unsigned_abs().into()),
            self.card_expiry.year().unsigned_abs().into(),
            &self.security_code,
        )
    }

    /// The 追記欄 mark on the card face: as given, else present exactly on a
    /// face-auth-only card.
    pub fn face_auth_mark(&self) -> FaceAuthMark {
        self.amendment.unwrap_or(if self.face_auth_only { FaceAuthMark::Present } else { FaceAuthMark::Absent })
    }

    /// The birth date as `YYYYMMDD`.
    pub fn birth_date_compact(&self) -> String {
        format!("{:04}{:02}{:02}", self.birth_date.year(), self.birth_date.month(), self.birth_date.day())
    }
}

/// All personas, in a stable order.
pub fn all() -> Result<Vec<Persona>, PersonaError> {
    EMBEDDED.iter().map(|(id, text)| Persona::parse(id, text)).collect()
}

/// The persona with this id.
pub fn by_id(id: &str) -> Result<Persona, PersonaError> {
    let (_, text) = EMBEDDED.iter().find(|(i, _)| *i == id).ok_or_else(|| PersonaError::Unknown(id.to_owned()))?;
    Persona::parse(id, text)
}

pub use uketsuke_driver::paths::data_dir;

/// The prepared card images of one persona.
pub struct CardImages {
    /// Greyscale JPEG 2000 photo.
    pub photo: Vec<u8>,
    /// Name image (JPEG 2000).
    pub name: Vec<u8>,
    /// Address image (JPEG 2000).
    pub address: Vec<u8>,
    /// Security code image (JPEG 2000).
    pub security_code: Vec<u8>,
}

impl CardImages {
    /// Loads the images `scripts/setup` prepared for `persona` under `data`.
    pub fn load(data: &Path, persona: &Persona) -> Result<Self, PersonaError> {
        let dir = data.join("personas").join(&persona.id);
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|_| PersonaError::MissingData(path))
        };
        Ok(Self {
            photo: read("photo.jp2")?,
            name: read("name.jp2")?,
            address: read("address.jp2")?,
            security_code: read("security-code.jp2")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_persona_parses_and_is_consistent() {
        let all = all().unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(all.len(), EMBEDDED.len());
    }

    #[test]
    fn every_file_in_the_personas_folder_is_embedded() {
        // The checkout being tested (cargo sets this when it runs the test;
        // the compile-time path may be another checkout's sharing the
        // target directory).
        let root = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
        let dir = Path::new(&root).join("personas");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
            .unwrap_or_default();
        files.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(id, _)| format!("{id}.toml")).collect();
        embedded.sort();
        assert_eq!(files, embedded);
    }

    #[test]
    fn the_required_situations_are_all_covered() {
        let all = all().unwrap_or_else(|e| unreachable!("{e}"));
        let age_on_2026 = |p: &Persona| 2026 - i32::from(p.birth_date.year());
        assert!(all.iter().any(|p| age_on_2026(p) >= 41 && p.insurance.registered));
        assert!(all.iter().any(|p| age_on_2026(p) < 40));
        assert!(all.iter().any(|p| p.face_auth_only && p.pin.is_none()));
        assert!(all.iter().any(|p| p.pin_tries_left == 1));
        assert!(all.iter().any(|p| p.pin_tries_left == 0));
        assert!(all.iter().any(|p| p.certificate.not_after.year() < 2026));
        assert!(all.iter().any(|p| !p.insurance.registered));
        assert!(all.iter().any(|p| p.face_auth_mark() == FaceAuthMark::Cancelled && p.pin.is_some()));
    }

    #[test]
    fn a_bad_check_digit_is_refused() {
        let text = EMBEDDED[0].1.replace("123456789018", "123456789012");
        assert!(matches!(Persona::parse("adult-registered", &text), Err(PersonaError::Invalid { .. })));
    }

    #[test]
    fn debug_shows_the_id_only() {
        let p = by_id("adult-registered").unwrap_or_else(|e| unreachable!("{e}"));
        let s = format!("{p:?}");
        assert!(s.contains("adult-registered") && !s.contains("受付") && !s.contains("1234"));
    }
}
