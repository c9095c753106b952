//! Benchmark of the whole kiosk (DESIGN.md §6): start to idle screen, the
//! stages of a session, and the kiosk's memory over many sessions.
//!
//! Run (release, as the budgets say):
//!
//! ```sh
//! cargo build --release -p uketsuke-sim-kiosk --bin uketsuke-sim-kiosk
//! cargo bench -p uketsuke-tests --bench kiosk            # UKETSUKE_BENCH_SESSIONS=100 by default
//! ```
//!
//! Each run is `uketsuke-sim-kiosk --headless` on a private pcscd with vpcd,
//! the virtual camera through the real face models and the virtual
//! terminal; times are taken when transcript lines arrive, memory from
//! `/proc/PID/status` (VmRSS).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use uketsuke_tests::kiosk::{RunningKiosk, rss_mib, write_config};
use uketsuke_tests::{PcscSandbox, bin_path};

const STARTS: usize = 5;

/// The `elapsed_ms` of every log line carrying `message`.
fn elapsed_ms(logs: &str, message: &str) -> Vec<f64> {
    logs.lines()
        .filter(|l| l.contains(message))
        .filter_map(|l| l.split("elapsed_ms=").nth(1)?.split_whitespace().next()?.parse().ok())
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn script(dir: &std::path::Path, name: &str, text: &str) -> Result<std::path::PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    Ok(path)
}

fn main() -> Result<()> {
    if !bin_path("uketsuke-sim-kiosk").exists() {
        bail!(
            "{} is missing: cargo build --release -p uketsuke-sim-kiosk --bin uketsuke-sim-kiosk",
            bin_path("uketsuke-sim-kiosk").display()
        );
    }
    let sb = PcscSandbox::start()?;
    let config = write_config(&sb, None, "")?;

    // Start to idle screen.
    let idle = script(sb.scratch(), "idle.txt", "expect idle\n")?;
    let mut starts = Vec::new();
    for _ in 0..STARTS {
        let t0 = Instant::now();
        let mut k = RunningKiosk::start(&sb, &config, &idle)?;
        k.wait_line("screen   idle", Duration::from_secs(30))?;
        starts.push(t0.elapsed().as_secs_f64() * 1000.0);
        k.finish()?;
    }
    println!("start to idle screen: median {:.0} ms over {STARTS} starts (budget 2 s)", median(starts));

    // Sessions: alternately face and PIN, each to eligibility and consent,
    // on the contactless link modelled at 424 kbit/s, with the card face read
    // by the OCR. The patient reads the method-select screen for 2 s before
    // tapping, while the kiosk reads the card face in the background.
    let sessions: usize = std::env::var("UKETSUKE_BENCH_SESSIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(40);
    let mut text = String::from("camera genuine\n");
    for i in 0..sessions {
        let auth = if i % 2 == 0 { "tap face\n" } else { "tap pin\npin 1234\n" };
        let _ = write!(
            text,
            "place adult-registered link=424\nexpect method_select\nwait 2\n{auth}expect consent number=1\n\
             tap agree\ntap agree\ntap agree\nexpect result\nremove\nexpect idle\n"
        );
    }
    let many = script(sb.scratch(), "sessions.txt", &text)?;
    let mut k = RunningKiosk::start(&sb, &config, &many)?;
    let pid = k.child.id();
    let (mut read, mut face, mut pin, mut rss) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..sessions {
        k.wait_line("card     placed", Duration::from_secs(60))?;
        let placed = Instant::now();
        k.wait_line("screen   method_select", Duration::from_secs(60))?;
        read.push(placed.elapsed().as_secs_f64() * 1000.0);
        k.wait_line("user     tap", Duration::from_secs(60))?;
        let chosen = Instant::now();
        k.wait_line("screen   consent", Duration::from_secs(60))?;
        let took = chosen.elapsed().as_secs_f64() * 1000.0;
        if i % 2 == 0 {
            face.push(took)
        } else {
            pin.push(took)
        };
        if let Err(e) = k.wait_line("screen   idle", Duration::from_secs(60)) {
            let (_, transcript, logs) = k.finish()?;
            let tail: Vec<&str> = logs.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
            bail!("session {i} did not end: {e}\n{transcript}\n--- logs (end) ---\n{}", tail.join("\n"));
        }
        if i == 0 || i == 9 || i + 1 == sessions {
            rss.push((i + 1, rss_mib(pid)));
        }
    }
    // Logs to a pipe carry no colour codes (`logging::init_cli`).
    let (status, transcript, logs) = k.finish()?;
    if !status.success() {
        let tail: Vec<&str> = logs.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
        bail!("the sessions did not go as written:\n{transcript}\n--- logs (end) ---\n{}", tail.join("\n"));
    }
    println!(
        "card placed → method select: median {:.0} ms over {} sessions (budget 0.3 s; 424 kbit/s link)",
        median(read),
        sessions
    );
    println!(
        "tap 顔認証 → consent screen: median {:.0} ms over {} sessions (budget 0.6 s)",
        median(face),
        sessions / 2
    );
    println!("PIN typed → consent screen: median {:.0} ms", median(pin));
    for (what, message) in [
        ("card read on placement (kind, PIN tries, certificate)", "card read"),
        ("card face OCR per scan (1280x720)", "card face read"),
        ("card face in the background (scan, 照合番号B, record, DF28)", "card-face record read"),
        ("face check, start to decision (camera opened, paced at 30 fps)", "face check decided"),
        ("PIN verification (retry query, then VERIFY)", "PIN verification answered"),
        ("authentication (open session, sign the nonce on the card, evidence)", "eligibility confirmed"),
    ] {
        let ms = elapsed_ms(&logs, message);
        println!("{what}: median {:.1} ms over {} sessions", median(ms.clone()), ms.len());
    }
    for (n, mib) in rss {
        println!("kiosk RSS after {n} sessions: {mib:.0} MiB (budget 250 MB, flat)");
    }
    Ok(())
}
