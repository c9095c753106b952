//! The card-face reader: locate → lines → OCR → fields → checks.
//!
//! 照合番号B is formed only when the birth date, the expiry and the
//! security code were each read with confidence, the code was read the
//! same by two independent models, no field was read two different ways,
//! and the dates pass the plausibility checks. Anything less is
//! "unreadable" with the guidance to show: a confident wrong value would
//! spend one of the card's finite 照合番号B tries.

use std::path::PathBuf;

use jiff::civil::Date;
use opencv::core::{self, Mat, Rect};
use uketsuke_driver::hal::surface::{FaceAuthMark, SurfaceGuidance, SurfaceScan};
use uketsuke_driver::secret::CheckCodeB;
use zeroize::Zeroizing;

use crate::fields::{self, EraDate};
use crate::lines::{self, Line, Page};
use crate::locate;
use crate::ocr::{Engines, LineText, Model, Options};
use crate::pool::{OcrPool, Task};

use crate::Error;
use crate::guidance::guidance;
use crate::vote::{Kind, Reads, hint_codes_beside_serial, mark_of, one_value};

/// Settings of the reader.
#[derive(Clone, Debug)]
pub struct ReaderConfig {
    /// Tesseract's data directory (`jpn` and `eng`); its default when `None`.
    pub tessdata: Option<PathBuf>,
    /// Worker threads, each with its own models.
    pub workers: usize,
    /// Lowest Tesseract confidence (0–1) a field may have to be used.
    pub min_confidence: f32,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self { tessdata: None, workers: default_workers(), min_confidence: 0.6 }
    }
}

/// Two OCR workers when Tesseract's OpenMP is limited to one thread per
/// process (`OMP_THREAD_LIMIT=1`, set by the kiosk's launchers: see
/// [`crate::single_threaded_ocr`]); otherwise one, because OpenMP's own
/// threads and a second worker fight over the cores and everything slows
/// down (measured: 730 ms against 200 ms per card).
pub fn default_workers() -> usize {
    let limited = std::env::var("OMP_THREAD_LIMIT").is_ok_and(|v| v.trim() == "1");
    if limited { std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) } else { 1 }
}

/// What was read off one image. Personal data: `Debug` is redacted.
#[derive(Clone, Default)]
pub struct Reading {
    /// The birth date, when read confidently.
    pub birth: Option<(EraDate, Date)>,
    /// The expiry year (西暦), when read confidently: the only part of the
    /// expiry 照合番号B uses.
    pub expiry_year: Option<i16>,
    /// The security code, when two models agreed confidently.
    pub code: Option<Zeroizing<String>>,
    /// The 追記欄 mark.
    pub mark: FaceAuthMark,
    /// The lowest confidence of the three fields, 0 when one is missing.
    pub confidence: f32,
    /// What to tell the patient when 照合番号B cannot be formed.
    pub guidance: Option<SurfaceGuidance>,
}

impl std::fmt::Debug for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reading")
            .field("fields", &"REDACTED")
            .field("mark", &self.mark)
            .field("confidence", &self.confidence)
            .field("guidance", &self.guidance)
            .finish()
    }
}

impl Reading {
    /// 照合番号B, when every part was read confidently and plausibly.
    pub fn check_code_b(&self) -> Option<CheckCodeB> {
        let ((era, _), expiry_year, code) = (self.birth?, self.expiry_year?, self.code.as_ref()?);
        let digits = Zeroizing::new(format!("{}{:04}{}", era.yymmdd(), expiry_year, code.as_str()));
        CheckCodeB::parse(&digits).ok()
    }

    /// The scan the kiosk receives.
    pub fn to_scan(&self) -> SurfaceScan {
        let code_b = self.check_code_b();
        let guidance = if code_b.is_some() { None } else { Some(self.guidance.unwrap_or(SurfaceGuidance::PlaceFlat)) };
        let confidence = if code_b.is_some() { self.confidence } else { 0.0 };
        SurfaceScan { code_b, confidence, mark: self.mark, guidance }
    }
}

/// The reader, with its OCR workers loaded once (threads that live as long
/// as the reader: [`crate::pool`]).
pub struct SurfaceReader {
    workers: OcrPool,
    pub(crate) min_confidence: f32,
}

impl std::fmt::Debug for SurfaceReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SurfaceReader").field("workers", &self.workers.len()).finish_non_exhaustive()
    }
}

impl SurfaceReader {
    /// Loads the models (about 0.2 s per worker) and starts the workers.
    pub fn new(config: &ReaderConfig) -> Result<Self, Error> {
        let engines = (0..config.workers.max(1))
            .map(|_| Engines::load(config.tessdata.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { workers: OcrPool::start(engines)?, min_confidence: config.min_confidence })
    }

    /// Reads a BGR camera image, judging plausibility against `today`.
    #[tracing::instrument(name = "stage", skip_all, fields(name = "read_card_face"))]
    pub fn read(&self, bgr: &Mat, today: Date) -> Result<Reading, Error> {
        let started = std::time::Instant::now();
        let Some(card) = locate::locate(bgr)? else {
            tracing::info!(outcome = "no_card", "card face not found");
            return Ok(Reading { guidance: Some(SurfaceGuidance::PlaceCard), ..Reading::default() });
        };
        let thumb = crate::guidance::thumb(&card.colour)?;
        let mut reading = self.read_card(&card.grey, thumb.as_ref(), today)?;
        if reading.birth.is_none() && reading.expiry_year.is_none() && reading.code.is_none() {
            // Perhaps upside down.
            let mut turned = Mat::default();
            core::rotate(&card.grey, &mut turned, core::ROTATE_180)?;
            let turned = crate::camera::Wiped(turned);
            let thumb_turned = match &thumb {
                Some(t) => {
                    let mut m = Mat::default();
                    core::rotate(t, &mut m, core::ROTATE_180)?;
                    Some(m)
                }
                None => None,
            };
            let again = self.read_card(&turned, thumb_turned.as_ref(), today)?;
            if again.birth.is_some() || again.expiry_year.is_some() || again.code.is_some() {
                reading = again;
            }
        }
        if reading.check_code_b().is_none() {
            reading.guidance = Some(guidance(&card, thumb.is_some(), &reading)?);
        }
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(
            readable = reading.check_code_b().is_some(),
            mark = ?reading.mark,
            confidence = reading.confidence,
            guidance = reading.guidance.map(SurfaceGuidance::code),
            elapsed_ms,
            "card face read"
        );
        Ok(reading)
    }

    /// Reads a straightened card; `thumb` marks where a thumb covers it.
    fn read_card(&self, grey: &Mat, thumb: Option<&Mat>, today: Date) -> Result<Reading, Error> {
        let page = lines::find(grey)?;
        // First pass: every line that is not very long, in Japanese.
        let (short, long): (Vec<Line>, Vec<Line>) = page.lines.iter().partition(|l| l.aspect() <= 16.0);
        let mut lines: Vec<Reads> = short.into_iter().map(Reads::new).collect();
        self.pass(&page, &mut lines, |_| Some(Job::new(Model::Script, 40)))?;
        let has = |lines: &[Reads], kind: Kind| lines.iter().any(|l| l.kind() == Some(kind));
        if !has(&lines, Kind::Birth) || !has(&lines, Kind::Expiry) {
            let mut more: Vec<Reads> = long.into_iter().map(Reads::new).collect();
            self.pass(&page, &mut more, |_| Some(Job::new(Model::Script, 40)))?;
            lines.extend(more);
        }
        hint_codes_beside_serial(&mut lines);
        // Second pass: an independent reading of each candidate field
        // (the dates larger, the code by the digits-only model), and the
        // struck-through lines with their strike.
        self.pass(&page, &mut lines, |l| match l.kind() {
            Some(Kind::Birth | Kind::Expiry) => Some(Job::new(Model::Japanese, 48)),
            Some(Kind::Code) => Some(Job::new(Model::Digits, 40)),
            _ if l.line.struck => Some(Job { unstruck: true, ..Job::new(Model::Script, 40) }),
            _ => None,
        })?;
        // The date lines' digits once more, group by group, by the
        // digits-only model: where the Japanese models drop or change a
        // half-width digit.
        self.group_pass(&page, &mut lines)?;
        // A birth date's era alone, where the readings of its line do not
        // agree on it (the group readings wait for it).
        let era_unsure: Vec<Rect> = lines
            .iter()
            .filter(|l| l.kind() == Some(Kind::Birth) && l.era_ink.is_some() && l.agreed_era().is_none())
            .map(|l| l.line.rect)
            .collect();
        for model in [Model::Script, Model::Japanese] {
            self.pass(&page, &mut lines, |l| {
                let era = l.era_ink.filter(|_| era_unsure.contains(&l.line.rect))?;
                Some(Job::era(model, era))
            })?;
        }
        crate::digit_groups::compose(&mut lines);
        // The expiry's year once more, alone, by the digits-only model.
        self.pass(&page, &mut lines, |l| match l.kind() {
            Some(Kind::Expiry) => Some(Job { lead: Some(2.3), ..Job::new(Model::Digits, 40) }),
            _ => None,
        })?;
        // Third pass, only where two models did not agree: both Japanese
        // models larger, and the code by the Japanese language model.
        let min = self.min_confidence;
        let unsure = |l: &Reads| match l.kind() {
            Some(Kind::Birth) => l.birth(min).is_none(),
            Some(Kind::Expiry) => l.expiry_year(min).is_none(),
            Some(Kind::Code) => l.code(min).is_none(),
            None => false,
        };
        self.pass(&page, &mut lines, |l| match l.kind() {
            Some(Kind::Birth | Kind::Expiry) if unsure(l) => Some(Job::new(Model::Japanese, 64)),
            Some(Kind::Code) if unsure(l) => Some(Job::alone(Model::Japanese, l.line.rect)),
            _ => None,
        })?;
        self.pass(&page, &mut lines, |l| match l.kind() {
            Some(Kind::Birth | Kind::Expiry) if unsure(l) => Some(Job::new(Model::Script, 64)),
            Some(Kind::Code) if unsure(l) => Some(Job::new(Model::Digits, 64)),
            _ => None,
        })?;
        self.pass(&page, &mut lines, |l| match l.kind() {
            Some(Kind::Code) if unsure(l) => Some(Job::alone(Model::Script, l.line.rect)),
            _ => None,
        })?;
        // Last, only where still unsure: both Japanese models limited to the
        // date lines' characters.
        for model in [Model::Japanese, Model::Script] {
            self.pass(&page, &mut lines, |l| match l.kind() {
                Some(Kind::Birth | Kind::Expiry) if unsure(l) => Some(Job { dates: true, ..Job::new(model, 48) }),
                _ => None,
            })?;
        }
        // Last of all, only where still unsure: the digits set apart.
        self.spaced_pass(&page, &mut lines, unsure)?;
        // Group readings that waited for more readings of the era.
        crate::digit_groups::compose(&mut lines);

        let mut reading = Reading { mark: mark_of(&lines), ..Reading::default() };
        let of_kind = |kind: Kind| move |l: &&Reads| l.kind() == Some(kind);
        let birth = one_value(lines.iter().filter(of_kind(Kind::Birth)), |l| l.birth(min));
        let expiry = one_value(lines.iter().filter(of_kind(Kind::Expiry)), |l| l.expiry_year(min));
        // A code beside a thumb may be the end of the serial, the rest of
        // it under the thumb.
        let mut codes = Vec::new();
        for l in lines.iter().filter(of_kind(Kind::Code)) {
            if !crate::guidance::beside_thumb(thumb, l.line.rect)? {
                codes.push(l);
            }
        }
        let code = one_value(codes.into_iter(), |l| l.code(min));
        let birth = birth.and_then(|(b, c)| Some(((b, b.gregorian()?), c)));
        if let (Some(((era, born), cb)), Some((expiry, ce)), Some((code, cc))) = (birth, expiry, code.clone()) {
            if fields::check_plausible(born, expiry, today).is_ok() {
                reading.confidence = cb.min(ce).min(cc);
                reading.birth = Some((era, born));
                reading.expiry_year = Some(expiry);
                reading.code = Some(Zeroizing::new(code));
            }
            return Ok(reading);
        }
        reading.birth = birth.map(|(b, _)| b);
        reading.expiry_year = expiry.map(|(e, _)| e);
        reading.code = code.map(|(c, _)| Zeroizing::new(c));
        Ok(reading)
    }

    /// Reads each line `job` picks, in parallel, adding to its readings.
    fn pass(&self, page: &Page, lines: &mut [Reads], job: impl Fn(&Reads) -> Option<Job>) -> Result<(), Error> {
        let picked: Vec<(usize, Job)> = lines.iter().enumerate().filter_map(|(i, l)| Some((i, job(l)?))).collect();
        if picked.is_empty() {
            return Ok(());
        }
        let jobs: Vec<(Line, Job)> = picked.iter().map(|(i, j)| (lines[*i].line, *j)).collect();
        let texts = self.run(page, &jobs)?;
        for ((i, _), text) in picked.into_iter().zip(texts) {
            if let Some(t) = text {
                lines[i].reads.push(t);
            }
        }
        Ok(())
    }

    /// Runs OCR jobs on the workers in parallel; results in job order.
    pub(crate) fn run(&self, page: &Page, jobs: &[(Line, Job)]) -> Result<Vec<Option<LineText>>, Error> {
        self.run_on(&page.clean, &page.unstruck, jobs)
    }

    /// [`SurfaceReader::run`] on an image of the page (`clean`), or one
    /// with the strikes painted out (`unstruck`).
    pub(crate) fn run_on(
        &self,
        clean: &Mat,
        unstruck: &Mat,
        jobs: &[(Line, Job)],
    ) -> Result<Vec<Option<LineText>>, Error> {
        let tasks = jobs
            .iter()
            .map(|(line, job)| Task {
                unstruck: job.unstruck,
                rect: match (job.exact, job.lead) {
                    (Some(exact), _) => exact,
                    (None, Some(k)) => Rect::new(
                        line.rect.x,
                        line.rect.y,
                        ((line.rect.height as f32 * k) as i32).clamp(1, line.rect.width),
                        line.rect.height,
                    ),
                    (None, None) => line.rect,
                },
                model: job.model,
                height: job.height,
                options: Options { dates: job.dates, alone: job.exact.is_some(), digits: job.digits, eras: job.eras },
            })
            .collect();
        let results = self.workers.run(clean, unstruck, tasks)?;
        results
            .into_iter()
            .map(|r| match r {
                Some(Ok(t)) => Ok(Some(t)),
                Some(Err(e)) => Err(e),
                None => Err(Error::Ocr),
            })
            .collect()
    }
}

/// How one line is read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Job {
    /// The model.
    pub(crate) model: Model,
    /// The height the line is scaled to (at least).
    pub(crate) height: i32,
    /// With a strike through it painted out.
    pub(crate) unstruck: bool,
    /// Read only the line's first characters, this many line heights
    /// wide (the expiry's year), instead of the whole line.
    pub(crate) lead: Option<f32>,
    /// Limit the Japanese models to the date lines' characters.
    pub(crate) dates: bool,
    /// Read exactly this part of the page, on a white margin, instead of
    /// the line (a digit group found by `glyphs`).
    pub(crate) exact: Option<Rect>,
    /// Limit the Japanese models to digits.
    pub(crate) digits: bool,
    /// Limit the Japanese models to the eras' kanji.
    pub(crate) eras: bool,
}

impl Job {
    /// Exactly `rect` on a white margin, limited to digits: a digit group,
    /// or the security code, read alone.
    pub(crate) fn alone(model: Model, rect: Rect) -> Self {
        Self { exact: Some(rect), digits: true, ..Self::new(model, 48) }
    }

    /// Exactly `rect` on a white margin, limited to the eras' kanji: a
    /// birth date's era.
    pub(crate) fn era(model: Model, rect: Rect) -> Self {
        Self { exact: Some(rect), eras: true, ..Self::new(model, 48) }
    }

    /// The whole line by `model` at `height`, nothing else special.
    pub(crate) fn new(model: Model, height: i32) -> Self {
        Self { model, height, unstruck: false, lead: None, dates: false, exact: None, digits: false, eras: false }
    }
}
