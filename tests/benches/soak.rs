//! The soak (issue 14; DESIGN.md §6, "Kiosk memory"): thousands of
//! patients, one after another, through one `uketsuke-sim-kiosk` in
//! release: the virtual card in the simulator's in-memory reader
//! (`--reader memory`: pcscd needs about 1.5 s to see a card put back on
//! vpcd, which would make 10,000 sessions take seven hours; the PC/SC path
//! has its own tests), the virtual camera through the real face models, the
//! kiosk's own OCR of every card face, and a virtual reception terminal in
//! this process over mutual TLS (so its records do not count in the kiosk's
//! memory). The patients are the seeded mix of
//! `uketsuke_tests::soak`: personas, scenes, PIN paths, card and terminal
//! faults. Beside them, for the first minutes, 50 staff consoles poll the
//! staff API and 2,000 malformed requests arrive.
//!
//! ```sh
//! cargo build --release -p uketsuke-sim-kiosk --bin uketsuke-sim-kiosk
//! cargo bench -p uketsuke-tests --bench soak
//! # UKETSUKE_SOAK_SESSIONS=10000 UKETSUKE_SOAK_SEED=1 UKETSUKE_SOAK_STAFF_MINUTES=10
//! # UKETSUKE_SOAK_MALFORMED=2000; UKETSUKE_SOAK_MINUTES=M starts no session after M minutes;
//! # UKETSUKE_SOAK_VERBOSE=1 prints the transcript,
//! # UKETSUKE_SOAK_LOG_FILE=PATH keeps the kiosk's info log; UKETSUKE_SOAK_WRAP=heaptrack
//! # runs the kiosk under heaptrack (its RSS figures are then the wrapper's)
//! ```
//!
//! It prints the kiosk's RSS (VmRSS) and the rate every 500 sessions, every
//! session that did not return to the idle screen within a minute of the
//! card being taken away (stuck), every session that went off its script,
//! and the RSS growth after warm-up (budget: < 5 %).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use uketsuke_tests::kiosk::{RunningKiosk, rss_mib, staff_agent, staff_certificate, write_config};
use uketsuke_tests::soak::Mix;
use uketsuke_tests::staff_load;
use uketsuke_tests::terminal::TerminalServer;
use uketsuke_tests::{PcscSandbox, bin_path};

const REPORT_EVERY: usize = 500;
/// How long a session's script may take before the bench stops waiting.
const SCRIPT_LIMIT: Duration = Duration::from_secs(300);
/// How long the kiosk has to reach the idle screen once the card is away.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(Default)]
struct Kind {
    sessions: usize,
    off_script: usize,
}

/// Reads the transcript up to `mark`, noting the last screen, the first
/// failed step, and whether the idle screen failed to come.
fn play_to(k: &mut RunningKiosk, mark: &str, screen: &mut String, done: &mut usize) -> Result<(Option<String>, bool)> {
    let deadline = Instant::now() + SCRIPT_LIMIT;
    let (mut failed, mut no_idle) = (None, false);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = k.next_line(left).with_context(|| format!("no {mark:?} within {SCRIPT_LIMIT:?}"))?;
        if std::env::var_os("UKETSUKE_SOAK_VERBOSE").is_some() {
            println!("{line}");
        }
        if let Some(view) = line.strip_prefix("screen   ") {
            *screen = view.split_whitespace().next().unwrap_or("").to_owned();
            *done += usize::from(view.starts_with("result result=done"));
        } else if line.starts_with("FAILED") {
            no_idle |= line.contains("expected screen idle");
            failed.get_or_insert(line);
        } else if line == mark {
            return Ok((failed, no_idle));
        }
    }
}

/// Waits for the idle screen (already there, or within [`IDLE_LIMIT`]).
fn reaches_idle(k: &mut RunningKiosk, screen: &mut String) -> bool {
    let deadline = Instant::now() + IDLE_LIMIT;
    while screen != "idle" {
        let Some(line) = k.next_line(deadline.saturating_duration_since(Instant::now())) else { return false };
        if let Some(view) = line.strip_prefix("screen   ") {
            *screen = view.split_whitespace().next().unwrap_or("").to_owned();
        }
    }
    true
}

fn main() -> Result<()> {
    if !bin_path("uketsuke-sim-kiosk").exists() {
        bail!("{} is missing: cargo build --release -p uketsuke-sim-kiosk", bin_path("uketsuke-sim-kiosk").display());
    }
    let sessions: usize = env_or("UKETSUKE_SOAK_SESSIONS", 10_000);
    let seed: u64 = env_or("UKETSUKE_SOAK_SEED", 1);
    let staff_minutes: f64 = env_or("UKETSUKE_SOAK_STAFF_MINUTES", 10.0);
    let malformed: usize = env_or("UKETSUKE_SOAK_MALFORMED", 2_000);
    // A time budget (minutes; none by default): no new session starts after it.
    let budget = std::env::var("UKETSUKE_SOAK_MINUTES").ok().and_then(|m| m.parse::<f64>().ok());
    let warm_up = (sessions / 10).clamp(REPORT_EVERY.min(sessions), 1_000);

    let sb = PcscSandbox::start()?;
    let terminal = TerminalServer::start()?;
    let config = write_config(&sb, Some(&terminal.link()), "")?;
    // UKETSUKE_SOAK_WRAP=heaptrack runs the kiosk under a memory profiler.
    let mut cmd = match std::env::var("UKETSUKE_SOAK_WRAP") {
        Ok(wrap) => {
            let mut c = Command::new(wrap);
            c.arg(bin_path("uketsuke-sim-kiosk"));
            c
        }
        Err(_) => Command::new(bin_path("uketsuke-sim-kiosk")),
    };
    // Set as the kiosk would set it itself by running again (so a wrapper
    // such as heaptrack follows the same process).
    cmd.env("OMP_THREAD_LIMIT", "1");
    cmd.arg("--headless").arg("--config").arg(&config).args(["--reader", "memory", "--step-pause", "0"]);
    let log_file = std::env::var_os("UKETSUKE_SOAK_LOG_FILE");
    cmd.stdin(Stdio::piped()).env("RUST_LOG", if log_file.is_some() { "info" } else { "warn" });
    sb.env(&mut cmd);
    let mut k = RunningKiosk::spawn(cmd)?;
    let mut stdin = k.child.stdin.take().context("no stdin")?;
    let pid = k.child.id();
    let console = k.staff_console()?;
    let t0 = Instant::now();
    println!("soak: {sessions} sessions, seed {seed}; kiosk RSS at start {:.1} MiB", rss_mib(pid));

    // The staff API's load, beside the patients.
    let until = t0 + Duration::from_secs_f64(staff_minutes * 60.0);
    let pollers = staff_load::poll(staff_agent(&sb)?, console.clone(), 50, Duration::from_millis(500), until);
    let addr = console.trim_start_matches("https://").split('/').next().unwrap_or("").parse()?;
    let cert = staff_certificate(&sb)?;
    let bad = std::thread::spawn(move || staff_load::send_malformed(addr, &cert, malformed, seed));

    let mut mix = Mix::new(seed);
    let mut kinds: BTreeMap<&str, Kind> = BTreeMap::new();
    let (mut stuck, mut off_script) = (Vec::new(), Vec::new());
    let (mut samples, mut last) = (Vec::new(), (0usize, Instant::now()));
    let mut screen = String::from("idle");
    let mut done = 0;
    let mut staff_rss = None;
    let mut ran = 0;
    for i in 0..sessions {
        if budget.is_some_and(|m| t0.elapsed().as_secs_f64() >= m * 60.0) {
            println!("time budget of {} min reached after {i} sessions", budget.unwrap_or_default());
            break;
        }
        ran = i + 1;
        let plan = mix.next_plan();
        if let Some((fault, target)) = plan.host_fault {
            terminal.terminal.faults.arm(fault, target, 1);
        }
        let mark = format!("mark     done {i}");
        stdin.write_all(format!("{}mark done {i}\n", plan.script).as_bytes())?;
        let (failed, no_idle) = play_to(&mut k, &mark, &mut screen, &mut done)?;
        terminal.terminal.faults.clear();
        let kind = kinds.entry(plan.kind).or_default();
        kind.sessions += 1;
        // A failed `expect idle` with the kiosk on the idle screen all along
        // (an earlier failed step used the screen up) is off script, not stuck.
        if (no_idle && screen != "idle") || !reaches_idle(&mut k, &mut screen) {
            println!("STUCK    session {i} ({}) on screen {screen}: {}", plan.kind, failed.as_deref().unwrap_or(""));
            stuck.push(i);
            stdin.write_all(b"remove\ntap end\n")?;
            if !reaches_idle(&mut k, &mut screen) {
                bail!("the kiosk did not come back to idle after session {i}");
            }
        }
        if let Some(f) = failed {
            kind.off_script += 1;
            if off_script.len() < 40 {
                println!("off script: session {i} ({}): {f}", plan.kind);
            }
            off_script.push(i);
        }
        if staff_rss.is_none() && Instant::now() >= until {
            staff_rss = Some((i + 1, rss_mib(pid)));
        }
        if (i + 1) % REPORT_EVERY == 0
            || i + 1 == sessions
            || budget.is_some_and(|m| t0.elapsed().as_secs_f64() >= m * 60.0)
        {
            let rss = rss_mib(pid);
            let rate = (i + 1 - last.0) as f64 / last.1.elapsed().as_secs_f64() * 60.0;
            println!(
                "after {:>6} sessions: RSS {rss:6.1} MiB, {rate:5.1} sessions/min (last {}), {:.0} s in",
                i + 1,
                i + 1 - last.0,
                t0.elapsed().as_secs_f64()
            );
            samples.push((i + 1, rss));
            last = (i + 1, Instant::now());
        }
    }
    drop(stdin);
    let (status, _, logs) = k.finish()?;
    if let Some(path) = &log_file {
        std::fs::write(path, &logs)?;
    }
    let minutes = t0.elapsed().as_secs_f64() / 60.0;

    println!("\n{ran} sessions in {minutes:.1} min: {:.1} sessions/min", ran as f64 / minutes);
    for (name, kind) in &kinds {
        println!("  {name:<26} {:>6} sessions, {:>4} off script", kind.sessions, kind.off_script);
    }
    println!("stuck sessions (not idle within {IDLE_LIMIT:?} of the card taken away): {}", stuck.len());
    println!("sessions off their script (a screen other than written, then idle): {}", off_script.len());
    let at_warm_up = samples.iter().find(|(n, _)| *n >= warm_up).map_or(0.0, |s| s.1);
    let after: Vec<f64> = samples.iter().filter(|(n, _)| *n >= warm_up).map(|s| s.1).collect();
    let peak = after.iter().copied().fold(at_warm_up, f64::max);
    let end = samples.last().map_or(0.0, |s| s.1);
    println!(
        "RSS after warm-up ({warm_up} sessions) {at_warm_up:.1} MiB, peak after {peak:.1} MiB, end {end:.1} MiB: \
         growth {:.2} % (budget < 5 %)",
        (peak - at_warm_up) / at_warm_up * 100.0
    );
    let polled = pollers.join().unwrap_or_default();
    println!("staff API, 50 consoles polling for {staff_minutes} min: {polled}");
    if let Some((n, rss)) = staff_rss {
        println!("  kiosk RSS when the staff load ended (after {n} sessions): {rss:.1} MiB");
    }
    match bad.join() {
        Ok(Ok(tally)) => println!("malformed requests: {tally}; 2xx answers: {}", tally.successes()),
        Ok(Err(e)) => println!("malformed requests: could not be sent: {e:#}"),
        Err(_) => println!("malformed requests: the sender panicked"),
    }
    let records = terminal.records()?;
    let count = |k: &str| records[k].as_array().map_or(0, Vec::len);
    println!(
        "terminal records: {} authentications, {} consents (sessions that ended done: {done}), {} registrations",
        count("authentications"),
        count("consents"),
        count("registrations")
    );
    let panics = logs.lines().filter(|l| l.contains("panic")).count();
    println!("kiosk exit: {status}; log lines mentioning a panic: {panics}");
    Ok(())
}
