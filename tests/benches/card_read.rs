//! Benchmark of the card read the face path needs (DESIGN.md §6: ≤ 25
//! APDUs, ≤ 250 ms): select JPKI, read the authentication certificate,
//! select the card-face AP, verify 照合番号B, read the card-face record with
//! the photo (its JPEG 2000 header checked), and verify the record's issuer
//! signature (DF28), through the real pcscd + vpcd and the kiosk's
//! card-reader HAL (`PcscReader`).
//!
//! Run: `cargo bench -p uketsuke-tests --bench card_read`.
//!
//! The parent starts a private pcscd and plays the virtual card over vpcd
//! in a thread; it re-runs itself as the PC/SC client with
//! `PCSCLITE_CSOCK_NAME` set (libpcsclite reads it once, at first use).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use uketsuke_driver::Card;
use uketsuke_driver::hal::reader::CardReader;
use uketsuke_driver::pcsc_reader::PcscReader;
use uketsuke_driver::pcsc_transport::wait_for_card;
use uketsuke_driver::reading::read_face_evidence;
use uketsuke_driver::secret::CheckCodeB;
use uketsuke_hw_sim::card::{ATR, CardSpec, build_card};
use uketsuke_hw_sim::faults::{Faults, LinkModel};
use uketsuke_hw_sim::persona::{self, CardImages};
use uketsuke_hw_sim::vpcd::{self, Insertion};
use uketsuke_tests::PcscSandbox;

const PERSONA: &str = "adult-registered";
const ITERATIONS: usize = 30;

fn main() -> Result<()> {
    match std::env::var("UKETSUKE_BENCH_CLIENT") {
        Ok(label) => client(&label),
        Err(_) => parent(),
    }
}

/// Inserts the persona's card with `link` on a thread until `stop`.
fn play_card(sb: &PcscSandbox, link: Option<LinkModel>, stop: Arc<AtomicBool>) -> Result<std::thread::JoinHandle<()>> {
    let p = persona::by_id(PERSONA)?;
    let images = CardImages::load(&persona::data_dir(), &p)?;
    let mut card = build_card(&CardSpec { persona: &p, images: &images })?;
    let addr = sb.vpcd_addr();
    Ok(std::thread::spawn(move || {
        let faults = Faults { link, ..Faults::default() };
        let Ok(stream) = vpcd::connect(addr, Duration::from_secs(10)) else { return };
        let mut powered = || {};
        let mut ins = Insertion {
            card: &mut card,
            atr: &ATR,
            faults: &faults,
            deadline: None,
            stop: &stop,
            on_powered: &mut powered,
        };
        let _ = ins.run(stream);
    }))
}

fn parent() -> Result<()> {
    let sb = PcscSandbox::start()?;
    let me = std::env::current_exe()?;
    println!(
        "card read through pcscd + vpcd: select JPKI, auth cert, card-face AP, verify 照合番号B, card-face record"
    );
    println!("budget (DESIGN.md §6): <= 25 APDUs, <= 250 ms\n");
    println!("{:<28} {:>5} {:>10} {:>10} {:>10} {:>8}", "link", "APDUs", "median ms", "p95 ms", "min ms", "bytes");
    let cases: [(&str, Option<LinkModel>); 4] = [
        ("vpcd, no link delay", None),
        ("contactless model 848 kbit/s", Some(LinkModel::contactless(848))),
        ("contactless model 424 kbit/s", Some(LinkModel::contactless(424))),
        ("contactless model 212 kbit/s", Some(LinkModel::contactless(212))),
    ];
    for (label, link) in cases {
        let stop = Arc::new(AtomicBool::new(false));
        let player = play_card(&sb, link, Arc::clone(&stop))?;
        let mut cmd = Command::new(&me);
        sb.env(&mut cmd).env("UKETSUKE_BENCH_CLIENT", label);
        let out = cmd.output().context("running the benchmark client")?;
        stop.store(true, Ordering::Relaxed);
        let _ = player.join();
        if !out.status.success() {
            bail!("client failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        print!("{}", String::from_utf8_lossy(&out.stdout));
        // Let pcscd notice the removal before the next insertion.
        std::thread::sleep(Duration::from_millis(800));
    }
    Ok(())
}

fn client(label: &str) -> Result<()> {
    let reader = wait_for_card(None, Duration::from_secs(15))?;
    let p = persona::by_id(PERSONA)?;
    let code = CheckCodeB::parse(&p.check_code_b().unwrap_or_default())?;
    let issuer = uketsuke_sim_kiosk::world::test_issuer().context("the test issuer's key")?;
    // Through the card-reader HAL, as the kiosk connects.
    let mut card = Card::new(PcscReader.connect(&reader)?);
    let mut times = Vec::with_capacity(ITERATIONS);
    let mut apdus = 0;
    let mut bytes = 0;
    for i in 0..=ITERATIONS {
        let before = card.apdu_count();
        let start = Instant::now();
        let (cert, record) = read_face_evidence(&mut card, &code)?;
        // As the kiosk does before the photo may be decoded: the issuer's DF28.
        issuer.verify_record(record.raw.expose())?;
        let elapsed = start.elapsed();
        if i == 0 {
            continue; // warm-up
        }
        times.push(elapsed);
        apdus = card.apdu_count() - before;
        bytes = cert.der.len() + record.raw.expose().len();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p95 = times[(times.len() * 95).div_ceil(100).saturating_sub(1)];
    println!(
        "{:<28} {:>5} {:>10.1} {:>10.1} {:>10.1} {:>8}",
        label,
        apdus,
        ms(times[times.len() / 2]),
        ms(p95),
        ms(times[0]),
        bytes
    );
    Ok(())
}
