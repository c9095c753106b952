//! The checks, in the order they run. Each measures one thing the kiosk
//! relies on and holds it to the threshold the kiosk needs (DESIGN.md §6
//! for the card read). A card that stops answering (taken away, mute) ends
//! the card checks: those after it are not applicable, and say why.

use std::time::{Duration, Instant};

use uketsuke_driver::TransportError;
use uketsuke_driver::ap::{face, jpki, text};
use uketsuke_driver::apdu::{Command, SHORT_MAX};
use uketsuke_driver::card::Card;
use uketsuke_driver::cert::CertificateInfo;
use uketsuke_driver::error::Error;
use uketsuke_driver::secret::CheckCodeB;
use uketsuke_driver::tlv::Header;

use crate::atr::Atr;
use crate::budgets;
use crate::link::{Link, Reader};
use crate::report::{CheckResult, Outcome};

/// Short reads (256 bytes per APDU) must move at least this many bytes a
/// second. The kiosk's budgets (DESIGN.md §6) are stated for a contactless
/// link at 424 kbit/s, where the virtual card's timing model gives 15 kB/s;
/// the thresholds leave a fifth for jitter, and a link at 106 kbit/s (7
/// kB/s) fails.
pub const MIN_SHORT_BPS: f64 = 12_000.0;
/// Extended reads: 28 kB/s at 424 kbit/s, 9 kB/s at 106 kbit/s.
pub const MIN_EXTENDED_BPS: f64 = 20_000.0;
/// The face path's card read (select, certificate, 照合番号B, card-face
/// record with the photo). DESIGN.md §6 budgets it at 250 ms through
/// pcscd and vpcd with no link model; at 424 kbit/s it takes 300 ms, which
/// the kiosk hides behind the method-select screen (tap 顔認証 → consent
/// ≤ 0.6 s). A reader slower than that shows the patient a wait.
pub const CARD_READ_BUDGET: Duration = Duration::from_millis(350);
/// The placement read (kind, certificate, PIN tries) must leave the kiosk
/// its 0.3 s from card placed to method select (DESIGN.md §6).
pub const SUMMARY_BUDGET: Duration = Duration::from_millis(250);
/// DESIGN.md §6: the face path's card read, in APDUs.
pub const CARD_READ_APDUS: usize = 25;
/// The kiosk must notice a card taken away within this time.
pub const REMOVAL_BUDGET: Duration = Duration::from_secs(1);
/// The kit never spends a 照合番号B try when fewer than this are left.
pub const MIN_TRIES_TO_SPEND: u8 = 3;

/// Why the checks that compare bytes with the short reads cannot run.
const NO_SHORT_READ: &str = "no short read to compare with";

/// What the kit is asked to do.
pub struct Options {
    /// 照合番号B of the card, to run the §6 card read (a real card's own;
    /// for the virtual card, the persona's).
    pub code_b: Option<CheckCodeB>,
    /// Run the removal check, waiting this long for the card to be taken.
    pub removal: Option<Duration>,
}

/// What the checks share as they go.
pub(crate) struct Run<'a> {
    pub(crate) reader: &'a Reader,
    pub(crate) link: Option<Link>,
    /// The authentication certificate as the short reads gave it.
    cert: Option<Vec<u8>>,
    /// Why the card checks stopped, if they did.
    pub(crate) stopped: Option<String>,
    results: Vec<CheckResult>,
}

/// Runs every check on the card in `reader`; returns the ATR (hex) and the results.
pub fn run_all(reader: &Reader, options: &Options) -> (Option<String>, Vec<CheckResult>) {
    let mut run = Run { reader, link: None, cert: None, stopped: None, results: Vec::new() };
    let atr = run.check("atr", "ATR and protocol", "a well-formed ATR; T=0 or T=1 in use", atr);
    run.check("select_aids", "SELECT by each AID", "JPKI, text and card-face APs answer 9000", select_aids);
    run.check("read_short", "Short-Le read throughput", "≥ 12 kB/s; the certificate reads whole", read_short);
    run.check(
        "read_extended",
        "Extended-Le read throughput",
        "extended APDUs pass; ≥ 20 kB/s; same bytes",
        read_extended,
    );
    run.check(
        "get_response",
        "61xx (GET RESPONSE) handling",
        "chained answers reassemble to the same bytes",
        get_response,
    );
    run.check(
        "wrong_le",
        "6Cxx / short answer handling",
        "a read past the end gives exactly the bytes there are",
        wrong_le,
    );
    run.check("reset", "Behaviour after a reset", "same ATR; the card answers SELECT again", reset);
    run.check("exclusive", "Exclusive access", "no other program can reach the card in a session", exclusive);
    run.check("summary", "Placement read (kind, certificate, PIN tries)", "≤ 250 ms; spends no try", budgets::summary);
    let code_b = options.code_b.as_ref();
    run.check("card_read", "Card read of DESIGN.md §6", "≤ 25 APDUs, ≤ 350 ms", |r| budgets::card_read(r, code_b));
    run.check("removal", "Time to notice a removal", "≤ 1 s", |r| budgets::removal(r, options.removal));
    (atr.flatten(), run.results)
}

/// A check's verdict: outcome, figure, detail.
pub(crate) type Verdict = (Outcome, Option<String>, String);

impl Run<'_> {
    fn check<T>(
        &mut self,
        id: &'static str,
        title: &'static str,
        requirement: &'static str,
        f: impl FnOnce(&mut Self) -> Result<(Verdict, T), Error>,
    ) -> Option<T> {
        let (verdict, value) = match &self.stopped {
            Some(why) if id != "removal" => (not_applicable(format!("not run: {why}")), None),
            _ => match f(self) {
                Ok((verdict, value)) => (verdict, Some(value)),
                Err(e) => {
                    if matches!(
                        e,
                        Error::Transport(
                            TransportError::CardRemoved | TransportError::NoCard | TransportError::Unresponsive
                        )
                    ) {
                        self.stopped = Some(format!("the card stopped answering in `{id}` ({e})"));
                        self.link = None;
                    }
                    ((Outcome::Fail, None, e.to_string()), None)
                }
            },
        };
        let (outcome, figure, detail) = verdict;
        self.results.push(CheckResult {
            id: id.into(),
            title: title.into(),
            outcome,
            figure,
            requirement: requirement.into(),
            detail,
        });
        value
    }

    pub(crate) fn card(&mut self) -> Result<Card<&mut Link>, Error> {
        if self.link.is_none() {
            self.link = Some(self.reader.connect()?);
        }
        match self.link.as_mut() {
            Some(link) => Ok(Card::new(link)),
            None => Err(Error::Transport(TransportError::NoCard)),
        }
    }
}

fn pass(figure: String, detail: impl Into<String>) -> Verdict {
    (Outcome::Pass, Some(figure), detail.into())
}

/// A check that does not apply here, and why.
pub(crate) fn not_applicable(why: impl Into<String>) -> Verdict {
    (Outcome::NotApplicable, None, why.into())
}

pub(crate) fn judged(ok: bool, figure: String, detail: impl Into<String>) -> Verdict {
    (if ok { Outcome::Pass } else { Outcome::Fail }, Some(figure), detail.into())
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn rate(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64().max(1e-6)
}

fn atr(run: &mut Run<'_>) -> Result<(Verdict, Option<String>), Error> {
    run.card()?;
    let (bytes, protocol) = run.link.as_ref().map(Link::status).transpose()?.unwrap_or_default();
    let hex = hex::encode_upper(&bytes);
    let Some(protocol) = protocol else {
        return Ok(((Outcome::Fail, None, "the reader reports no T=0 or T=1 protocol in use".into()), Some(hex)));
    };
    let figure = format!("T={protocol}, {} bytes", bytes.len());
    let verdict = match Atr::parse(&bytes) {
        Ok(atr) if atr.protocols.contains(&protocol) => pass(figure, format!("offers T={:?}", atr.protocols)),
        Ok(atr) => judged(false, figure, format!("T={protocol} in use but the ATR offers only {:?}", atr.protocols)),
        Err(e) => judged(false, figure, e.to_string()),
    };
    Ok((verdict, Some(hex)))
}

fn select_aids(run: &mut Run<'_>) -> Result<(Verdict, ()), Error> {
    let mut card = run.card()?;
    let mut slowest = Duration::ZERO;
    for (name, aid) in [("JPKI", &jpki::AID), ("text", &text::AID), ("card face", &face::AID)] {
        let start = Instant::now();
        if let Err(e) = card.select_df(aid) {
            return Ok(((Outcome::Fail, None, format!("SELECT {name} ({}): {e}", hex::encode_upper(aid))), ()));
        }
        slowest = slowest.max(start.elapsed());
    }
    Ok((pass(format!("3 of 3, slowest {}", ms(slowest)), "JPKI, text (券面事項入力補助) and card face (券面)"), ()))
}

/// Selects JPKI's authentication certificate EF.
fn select_cert(card: &mut Card<&mut Link>) -> Result<(), Error> {
    card.select_df(&jpki::AID)?;
    card.select_ef(jpki::ef::AUTH_CERT)
}

fn read_short(run: &mut Run<'_>) -> Result<(Verdict, ()), Error> {
    let mut card = run.card()?;
    select_cert(&mut card)?;
    let start = Instant::now();
    let mut data = card.read_binary(0, SHORT_MAX)?;
    let total = Header::parse(&data)?.map_or(data.len(), |h| h.total_len());
    while data.len() < total {
        let chunk = card.read_binary(data.len(), SHORT_MAX.min(total - data.len()))?;
        if chunk.is_empty() {
            break;
        }
        data.extend_from_slice(&chunk);
    }
    let elapsed = start.elapsed();
    data.truncate(total);
    let bps = rate(data.len(), elapsed);
    let figure = format!("{:.1} kB/s ({} bytes in {})", bps / 1000.0, data.len(), ms(elapsed));
    let verdict = match CertificateInfo::parse(&data) {
        Err(e) => judged(false, figure, format!("the certificate read in short APDUs does not parse: {e}")),
        Ok(_) => {
            judged(bps >= MIN_SHORT_BPS, figure, format!("{} APDUs of at most 256 bytes", total.div_ceil(SHORT_MAX)))
        }
    };
    run.cert = Some(data);
    Ok((verdict, ()))
}

fn read_extended(run: &mut Run<'_>) -> Result<(Verdict, ()), Error> {
    let Some(expected) = run.cert.clone() else {
        return Ok((not_applicable(NO_SHORT_READ), ()));
    };
    let mut card = run.card()?;
    select_cert(&mut card)?;
    let start = Instant::now();
    let resp = card.transmit(&Command::new(0x00, 0xB0, 0x00, 0x00).with_le(expected.len().max(SHORT_MAX + 1)))?;
    let elapsed = start.elapsed();
    let bps = rate(resp.data.len(), elapsed);
    let figure = format!("{:.1} kB/s ({} bytes in {})", bps / 1000.0, resp.data.len(), ms(elapsed));
    let verdict = if !(resp.sw.is_success() || resp.sw.0 == 0x6282) {
        judged(
            false,
            figure,
            format!("an extended-length READ BINARY answered {}: the kiosk falls back to 256-byte reads", resp.sw),
        )
    } else if resp.data.get(..expected.len()) != Some(&expected[..]) {
        judged(
            false,
            figure,
            "the extended read's bytes differ from the short reads' bytes: data are corrupted on the way",
        )
    } else {
        judged(bps >= MIN_EXTENDED_BPS, figure, "one APDU, the same bytes as the short reads")
    };
    Ok((verdict, ()))
}

fn get_response(run: &mut Run<'_>) -> Result<(Verdict, ()), Error> {
    let Some(expected) = run.cert.clone() else {
        return Ok((not_applicable(NO_SHORT_READ), ()));
    };
    let mut card = run.card()?;
    select_cert(&mut card)?;
    // Card::transmit follows 61xx with GET RESPONSE; count how many it took.
    let before = card.apdu_count();
    let resp = card.transmit(&Command::new(0x00, 0xB0, 0x00, 0x00).with_le(SHORT_MAX))?;
    let rounds = card.apdu_count() - before - 1;
    let want = &expected[..expected.len().min(SHORT_MAX)];
    let verdict = if rounds == 0 {
        (
            Outcome::NotApplicable,
            Some("0 GET RESPONSE".into()),
            "the card answered in one response (no 61xx to handle)".into(),
        )
    } else {
        let ok = resp.data.get(..want.len()) == Some(want);
        judged(
            ok,
            format!("{rounds} GET RESPONSE"),
            if ok { "the chained answer reassembled" } else { "the chained answer differs" },
        )
    };
    Ok((verdict, ()))
}

fn wrong_le(run: &mut Run<'_>) -> Result<(Verdict, ()), Error> {
    let Some(expected) = run.cert.clone() else {
        return Ok((not_applicable(NO_SHORT_READ), ()));
    };
    let tail = expected.len().min(10);
    let offset = expected.len() - tail;
    let mut card = run.card()?;
    select_cert(&mut card)?;
    let before = card.apdu_count();
    // Ask for more than is left: the card answers 6Cxx (and Card re-sends
    // with its Le), or the bytes there are with 6282 or 9000.
    let [p1, p2] = (offset as u16).to_be_bytes();
    let resp = card.transmit(&Command::new(0x00, 0xB0, p1, p2).with_le(tail + 32))?;
    let resent = card.apdu_count() - before > 1;
    let how = if resent { "6Cxx, then a re-send with the card's Le" } else { "the bytes there are, in one answer" };
    let figure = format!("{} bytes, {}", resp.data.len(), resp.sw);
    let ok = resp.data == expected[offset..] && (resp.sw.is_success() || resp.sw.0 == 0x6282);
    Ok((judged(ok, figure, if ok { how.to_owned() } else { format!("expected the last {tail} bytes ({how})") }), ()))
}

fn reset(run: &mut Run<'_>) -> Result<(Verdict, ()), Error> {
    run.card()?;
    let Some(link) = run.link.as_mut() else { return Err(Error::Transport(TransportError::NoCard)) };
    let (atr_before, _) = link.status()?;
    let start = Instant::now();
    link.card
        .reconnect(pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY, pcsc::Disposition::ResetCard)
        .map_err(|e| Error::Transport(uketsuke_driver::pcsc_transport::map_pcsc_error(e)))?;
    let took = start.elapsed();
    let (atr_after, _) = link.status()?;
    let mut card = Card::new(link);
    let selected = card.select_df(&jpki::AID);
    let verdict = match selected {
        Err(e) => judged(false, ms(took), format!("after the reset SELECT JPKI failed: {e}")),
        Ok(()) if atr_after != atr_before => judged(false, ms(took), "the ATR changed across the reset"),
        Ok(()) => pass(ms(took), "warm reset; same ATR; SELECT answers"),
    };
    Ok((verdict, ()))
}

fn exclusive(run: &mut Run<'_>) -> Result<(Verdict, ()), Error> {
    run.card()?;
    let other = pcsc::Context::establish(pcsc::Scope::User)
        .map_err(|e| Error::Transport(uketsuke_driver::pcsc_transport::map_pcsc_error(e)))?;
    let verdict = match other.connect(run.reader.name(), pcsc::ShareMode::Shared, pcsc::Protocols::ANY) {
        Err(pcsc::Error::SharingViolation) => pass("refused".into(), "a second program got SCARD_E_SHARING_VIOLATION"),
        Err(e) => judged(
            false,
            "refused".into(),
            format!("a second program was refused, but with {e}, not a sharing violation"),
        ),
        Ok(_) => judged(false, "allowed".into(), "a second program reached the card during an exclusive session"),
    };
    Ok((verdict, ()))
}
