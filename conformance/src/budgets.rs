//! The checks held to the kiosk's time budgets (DESIGN.md §6): the
//! placement read, the face path's card read, and how fast a removal is
//! noticed.

use std::time::{Duration, Instant};

use uketsuke_driver::ap::{face, jpki};
use uketsuke_driver::card::PinStatus;
use uketsuke_driver::error::Error;
use uketsuke_driver::reading;
use uketsuke_driver::secret::CheckCodeB;

use crate::checks::{
    CARD_READ_APDUS, CARD_READ_BUDGET, MIN_TRIES_TO_SPEND, REMOVAL_BUDGET, Run, SUMMARY_BUDGET, Verdict, judged, ms,
    not_applicable,
};

pub(crate) fn summary(run: &mut Run<'_>) -> Result<(Verdict, ()), Error> {
    let mut card = run.card()?;
    let start = Instant::now();
    let s = reading::summarize(&mut card)?;
    let took = start.elapsed();
    let figure = format!("{} in {} APDUs", ms(took), card.apdu_count());
    let kind = if s.kind.offers_pin() { "standard card" } else { "face-auth-only card" };
    Ok((judged(took <= SUMMARY_BUDGET, figure, kind), ()))
}

pub(crate) fn card_read(run: &mut Run<'_>, code: Option<&CheckCodeB>) -> Result<(Verdict, ()), Error> {
    let Some(code) = code else {
        return Ok((not_applicable("no 照合番号B given (--code-b-stdin)"), ()));
    };
    let mut card = run.card()?;
    card.select_df(&face::AID)?;
    match card.pin_status_of(face::ef::CHECK_CODE_B)? {
        PinStatus::Tries(n) if n < MIN_TRIES_TO_SPEND => {
            return Ok((not_applicable(format!("only {n} 照合番号B tries left: the kit spends none")), ()));
        }
        PinStatus::Blocked | PinStatus::NotSet => {
            return Ok((not_applicable("照合番号B is blocked or absent"), ()));
        }
        _ => {}
    }
    // Start from a fresh selection state, as the kiosk does at placement.
    let mut card = run.card()?;
    let start = Instant::now();
    let (_, record) = reading::read_face_evidence(&mut card, code)?;
    let took = start.elapsed();
    let apdus = card.apdu_count();
    let figure = format!("{} APDUs, {}", apdus, ms(took));
    let ok = apdus <= CARD_READ_APDUS && took <= CARD_READ_BUDGET;
    Ok((
        judged(
            ok,
            figure,
            format!("certificate and card-face record ({} KB photo)", record.photo.expose().len().div_ceil(1024)),
        ),
        (),
    ))
}

pub(crate) fn removal(run: &mut Run<'_>, wait: Option<Duration>) -> Result<(Verdict, ()), Error> {
    let Some(wait) = wait else {
        return Ok((not_applicable("not run (--removal)"), ()));
    };
    if run.stopped.is_some() || !run.reader.card_present()? {
        return Ok((not_applicable("the card was already gone"), ()));
    }
    #[allow(clippy::print_stderr)] // the one prompt the kit gives
    {
        eprintln!("uketsuke-conformance: take the card off the reader now (waiting up to {} s)", wait.as_secs());
    }
    let deadline = Instant::now() + wait;
    let mut card = run.card()?;
    // Exchange until the card stops answering: that is when it left.
    // (The failed exchange's start, not its end: the transport itself
    // waits for the reader to confirm the card is gone.)
    let left = loop {
        let sent = Instant::now();
        if sent > deadline {
            return Ok((not_applicable("the card was not taken away in time"), ()));
        }
        if card.select_df(&jpki::AID).is_err() {
            break sent;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    run.link = None;
    let noticed = run.reader.wait_empty(Duration::from_secs(5))?;
    let took = left.elapsed();
    run.stopped = Some("the card was taken away (removal check)".into());
    if !noticed {
        return Ok((judged(false, "> 5 s".into(), "pcscd never reported the reader empty"), ()));
    }
    Ok((judged(took <= REMOVAL_BUDGET, ms(took), "from the first unanswered APDU to pcscd's \"empty\""), ()))
}
