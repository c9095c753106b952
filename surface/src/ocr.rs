//! Tesseract, one line at a time (page segmentation mode 7, or 13 for short lines), with three
//! models (DESIGN.md §8): the Japanese script model reads every line, the
//! Japanese language model reads the date lines again, and the English
//! model restricted to digits reads the security code again. A field counts
//! only when two independent readings agree. Each worker thread owns its
//! engines.

use std::ffi::CString;
use std::path::Path;

use opencv::core::{self, Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;
use tesseract_plumbing::TessBaseApi;
use tesseract_plumbing::tesseract_sys::{TessPageSegMode_PSM_RAW_LINE, TessPageSegMode_PSM_SINGLE_LINE};
use zeroize::Zeroizing;

use crate::Error;
use crate::camera::Wiped;

/// How a line is read, beyond the model and the height.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Options {
    /// Limit the Japanese models to the characters of the card's date
    /// lines (so 日 cannot come out as 昌 or 旬, and the decoder stays among
    /// digits).
    pub dates: bool,
    /// Read exactly the rectangle, on a white margin (not the page around
    /// it): a digit group cut out of a date line.
    pub alone: bool,
    /// Limit the Japanese models to digits.
    pub digits: bool,
    /// Limit the Japanese models to the eras' kanji.
    pub eras: bool,
}

/// Digits, and the space between them: without the space a model cannot
/// end a word, and digits set apart come out as one word with no
/// confidence at all.
const DIGITS: &std::ffi::CStr = c"0123456789 ";

/// The kanji of the eras a birth date may be in.
const ERA_CHARACTERS: &std::ffi::CStr = c"大正昭和平成令";

/// The characters of the card face's date lines.
const DATE_CHARACTERS: &std::ffi::CStr = c"0123456789 大正昭和平成令元年月日生まで有効";

/// Lines are scaled to at least this height before recognition.
const READ_HEIGHT: i32 = 40;

/// What one line says, with Tesseract's confidence (0–1, the lowest of
/// its words). Recognised text is personal data: zeroized on drop, never
/// logged.
pub struct LineText {
    /// The text, normalised (see [`crate::fields::normalize`]).
    pub text: Zeroizing<String>,
    /// The lowest word confidence, 0–1.
    pub confidence: f32,
    /// The model that read it.
    pub model: Model,
    /// Whether it was read from the whole line or from its digit groups
    /// alone.
    pub view: View,
}

/// What a reading was made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    /// The whole line.
    Line,
    /// The line's digit groups, each read alone.
    Groups,
    /// The line's digits alone, set apart evenly.
    Spaced,
    /// A birth date's era alone.
    Era,
}

/// The models a worker holds.
pub struct Engines {
    script: TessBaseApi,
    jpn: TessBaseApi,
    digits: TessBaseApi,
}

/// Which model reads a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// The Japanese script model (`Japanese`, Debian
    /// `tesseract-ocr-script-jpan`): the first reading of every line.
    Script,
    /// The Japanese language model (`jpn`, Debian `tesseract-ocr-jpn`):
    /// the second, independent reading of the date lines.
    Japanese,
    /// The English model restricted to digits (`eng`): the second reading
    /// of the security code.
    Digits,
}

fn engine(datapath: Option<&Path>, language: &str) -> Result<TessBaseApi, Error> {
    let mut api = TessBaseApi::create();
    let path = datapath.map(|p| CString::new(p.to_string_lossy().as_bytes())).transpose().map_err(|_| Error::Models)?;
    let lang = CString::new(language).map_err(|_| Error::Models)?;
    api.init_2(path.as_deref(), Some(&lang)).map_err(|_| Error::Models)?;
    let set = |api: &mut TessBaseApi, k: &str, v: &str| -> Result<(), Error> {
        let (k, v) = (CString::new(k).map_err(|_| Error::Models)?, CString::new(v).map_err(|_| Error::Models)?);
        api.set_variable(&k, &v).map_err(|_| Error::Models)
    };
    // Tesseract must not write anywhere: no debug file, no hOCR, no warnings.
    set(&mut api, "debug_file", "/dev/null")?;
    Ok(api)
}

impl Engines {
    /// Loads `Japanese`, `jpn` and `eng` from `datapath` (Tesseract's
    /// default when `None`).
    pub fn load(datapath: Option<&Path>) -> Result<Self, Error> {
        let script = engine(datapath, "Japanese")?;
        let jpn = engine(datapath, "jpn")?;
        let mut digits = engine(datapath, "eng")?;
        let (k, v) = (c"tessedit_char_whitelist", DIGITS);
        digits.set_variable(k, v).map_err(|_| Error::Models)?;
        Ok(Self { script, jpn, digits })
    }

    /// Reads the line at `rect` of the clean page with `model`.
    pub fn read(&mut self, page: &Mat, rect: Rect, model: Model) -> Result<LineText, Error> {
        self.read_at(page, rect, model, READ_HEIGHT)
    }

    /// [`Engines::read`] with the line scaled to at least `height` pixels.
    /// Short lines (up to five characters) are read as a raw line (mode
    /// 13): mode 7 sometimes returns nothing for them; longer lines read
    /// better in mode 7.
    pub fn read_at(&mut self, page: &Mat, rect: Rect, model: Model, height: i32) -> Result<LineText, Error> {
        self.read_with(page, rect, model, height, Options::default())
    }

    /// [`Engines::read_at`] with [`Options`].
    pub fn read_with(
        &mut self,
        page: &Mat,
        rect: Rect,
        model: Model,
        height: i32,
        options: Options,
    ) -> Result<LineText, Error> {
        let dates = options.dates;
        let crop = Wiped(if options.alone {
            alone_for_reading(page, rect, height)?
        } else {
            crop_for_reading(page, rect, height)?
        });
        let image = &*crop;
        let api = match model {
            Model::Script => &mut self.script,
            Model::Japanese => &mut self.jpn,
            Model::Digits => &mut self.digits,
        };
        if model != Model::Digits {
            let charset = match (options.digits, options.eras, dates) {
                (true, ..) => DIGITS,
                (false, true, _) => ERA_CHARACTERS,
                (false, false, true) => DATE_CHARACTERS,
                (false, false, false) => c"",
            };
            api.set_variable(c"tessedit_char_whitelist", charset).map_err(|_| Error::Models)?;
        }
        // A digit group alone reads best as a line (mode 7) too.
        let short = rect.width <= rect.height * 5 && !options.alone;
        api.set_page_seg_mode(if short { TessPageSegMode_PSM_RAW_LINE } else { TessPageSegMode_PSM_SINGLE_LINE });
        let (w, h) = (image.cols(), image.rows());
        let bytes = image.data_bytes()?;
        api.set_image(bytes, w, h, 1, w).map_err(|_| Error::Ocr)?;
        api.set_source_resolution(300);
        api.recognize().map_err(|_| Error::Ocr)?;
        let tsv = api.get_tsv_text(0).map_err(|_| Error::Ocr)?;
        let tsv = Zeroizing::new(tsv.as_ref().to_string_lossy().into_owned());
        let words = words_of(&tsv);
        let raw = Zeroizing::new(words.iter().map(|(w, _)| w.as_str()).collect::<String>());
        let view = match (options.alone, options.eras) {
            (_, true) => View::Era,
            (true, false) => View::Groups,
            (false, false) => View::Line,
        };
        Ok(LineText {
            text: Zeroizing::new(crate::fields::normalize(&raw)),
            confidence: confidence_of(&words),
            model,
            view,
        })
    }
}

/// The words of Tesseract's TSV output (level 5 rows), with their
/// confidences 0–1.
fn words_of(tsv: &str) -> Vec<(Zeroizing<String>, f32)> {
    tsv.lines()
        .filter_map(|row| {
            let cols: Vec<&str> = row.split('\t').collect();
            if cols.len() < 12 || cols[0] != "5" {
                return None;
            }
            let conf: f32 = cols[10].parse().ok()?;
            let text = cols[11..].join("\t");
            (conf >= 0.0 && !text.trim().is_empty()).then(|| (Zeroizing::new(text), conf / 100.0))
        })
        .collect()
}

/// A line's confidence: the lowest of its words that carry digits (the
/// digits are what 照合番号B is made of), or of all its words if none do.
fn confidence_of(words: &[(Zeroizing<String>, f32)]) -> f32 {
    let has_digit = |w: &str| w.chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
    let digit_words: Vec<f32> = words.iter().filter(|(w, _)| has_digit(w)).map(|(_, c)| *c).collect();
    let pool: Vec<f32> = if digit_words.is_empty() { words.iter().map(|(_, c)| *c).collect() } else { digit_words };
    if pool.is_empty() { 0.0 } else { pool.into_iter().fold(1.0, f32::min) }
}

/// The line with a white margin, scaled up to a readable height.
fn crop_for_reading(page: &Mat, rect: Rect, height: i32) -> Result<Mat, Error> {
    let pad = (rect.height / 4).max(4);
    let x0 = (rect.x - pad).max(0);
    let y0 = (rect.y - pad).max(0);
    let x1 = (rect.x + rect.width + pad).min(page.cols());
    let y1 = (rect.y + rect.height + pad).min(page.rows());
    let roi = Mat::roi(page, Rect::new(x0, y0, (x1 - x0).max(1), (y1 - y0).max(1)))?;
    let mut out = Mat::default();
    let scale = (f64::from(height) / f64::from(rect.height.max(1))).max(1.0);
    if scale == 1.0 {
        roi.copy_to(&mut out)?;
    } else {
        imgproc::resize(&roi, &mut out, Size::default(), scale, scale, imgproc::INTER_CUBIC)?;
    }
    Ok(out)
}

/// Exactly `rect` of the page, on a white margin, scaled up to `height`.
fn alone_for_reading(page: &Mat, rect: Rect, height: i32) -> Result<Mat, Error> {
    let rect = rect & Rect::new(0, 0, page.cols(), page.rows());
    let roi = Mat::roi(page, rect)?;
    let pad = (rect.height / 3).max(4);
    let mut framed = Mat::default();
    // Isolated: the margin is white, not the page around the rectangle.
    let border = core::BORDER_CONSTANT | core::BORDER_ISOLATED;
    core::copy_make_border(&roi, &mut framed, pad, pad, pad, pad, border, core::Scalar::all(255.0))?;
    let scale = (f64::from(height) / f64::from(rect.height.max(1))).max(1.0);
    let mut out = Mat::default();
    imgproc::resize(&framed, &mut out, Size::default(), scale, scale, imgproc::INTER_CUBIC)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
        4\t1\t1\t1\t1\t0\t0\t0\t10\t10\t-1\t\n\
        5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t91.5\t2032\n\
        5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t96\t年\n\
        5\t1\t1\t1\t1\t3\t0\t0\t10\t10\t12\t旬まで有効\n";

    #[test]
    fn words_come_from_the_word_rows_of_the_tsv() {
        let words = words_of(TSV);
        let text: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(text, ["2032", "年", "旬まで有効"]);
    }

    #[test]
    fn a_line_is_as_sure_as_its_least_sure_digits() {
        assert!((confidence_of(&words_of(TSV)) - 0.915).abs() < 1e-4);
        let no_digits = vec![(Zeroizing::new("顔認証".to_owned()), 0.8), (Zeroizing::new("欄".to_owned()), 0.5)];
        assert!((confidence_of(&no_digits) - 0.5).abs() < 1e-6);
    }
}
