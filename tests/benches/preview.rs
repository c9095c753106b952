//! Benchmark of the touchscreen's live preview during a face check (issue 5:
//! ≥ 25 fps on the virtual camera).
//!
//! ```sh
//! cargo bench -p uketsuke-tests --bench preview     # UKETSUKE_BENCH_SECONDS=6 by default
//! ```
//!
//! The kiosk's own parts, as in a session: the face worker with the real
//! models runs a check on the virtual camera (30 fps, a scene with nobody in
//! view so that the check runs to its deadline with the models busy on every
//! frame it takes); its capture thread converts each frame for the screen;
//! the UI thread puts the newest frame on the face-capture screen and draws
//! it at 1024×600 with Slint's software renderer. Printed: frames reaching
//! the preview per second, frames drawn per second, and the time of each
//! step.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use slint::ComponentHandle;
use uketsuke_driver::secret::PersonalBytes;
use uketsuke_firmware::config::FaceConfig;
use uketsuke_firmware::face::models::ModelPaths;
use uketsuke_firmware::host::staff::StaffBoard;
use uketsuke_firmware::runtime::face::{FaceWorker, PreviewSink};
use uketsuke_firmware::runtime::touchscreen::preview;
use uketsuke_hw_sim::camera::Scene;
use uketsuke_hw_sim::persona::{self, CardImages, data_dir};
use uketsuke_screen::{Screen, View};
use uketsuke_sim_kiosk::devices::SimDevices;
use uketsuke_ui::Kiosk;
use uketsuke_ui::render::OffScreen;

type Converted = (slint::SharedPixelBuffer<slint::Rgb8Pixel>, Duration, Instant);

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples.get(((samples.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<()> {
    let seconds: u64 = std::env::var("UKETSUKE_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(6);
    let persona = persona::by_id("adult-registered")?;
    let images = CardImages::load(&data_dir(), &persona).context("run scripts/setup")?;
    let devices = SimDevices::default();
    if let Ok(mut stage) = devices.stage.lock() {
        stage.persona = Some(persona);
        stage.scene = Some(Scene::NoFace);
    }

    let (tx, rx) = mpsc::channel::<Converted>();
    let tx = Mutex::new(tx);
    let sink: PreviewSink = Arc::new(move |frame| {
        let started = Instant::now();
        if let Some(buffer) = preview(frame)
            && let Ok(tx) = tx.lock()
        {
            let _ = tx.send((buffer, started.elapsed(), Instant::now()));
        }
    });
    let (inputs, _flow) = tokio::sync::mpsc::unbounded_channel();
    let board = Arc::new(Mutex::new(StaffBoard::default()));
    let worker = FaceWorker::start(
        &ModelPaths::default_location(),
        FaceConfig::default(),
        Arc::new(devices),
        inputs,
        board,
        Some(sink),
    );

    let screen = OffScreen::new()?;
    let kiosk = screen.app.global::<Kiosk>();
    uketsuke_ui::show(&kiosk, &Screen::new(View::FaceCapture { guidance: None, challenge: None }));
    screen.render_current(1024, 600);

    worker.start_check(PersonalBytes::new(images.photo));
    let (mut convert_ms, mut draw_ms, mut latency_ms) = (Vec::new(), Vec::new(), Vec::new());
    let (mut arrived, mut drawn) = (0usize, 0usize);
    let mut first: Option<Instant> = None;
    let mut last = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        let Ok(mut newest) = rx.recv_timeout(Duration::from_secs(2)) else { break };
        arrived += 1;
        convert_ms.push(newest.1.as_secs_f64() * 1e3);
        // Frames that came while the last one was drawn: only the newest is shown.
        for later in rx.try_iter() {
            arrived += 1;
            convert_ms.push(later.1.as_secs_f64() * 1e3);
            newest = later;
        }
        let (buffer, _, sent) = newest;
        let started = Instant::now();
        kiosk.set_preview(slint::Image::from_rgb8(buffer));
        screen.render_current(1024, 600);
        let done = Instant::now();
        draw_ms.push((done - started).as_secs_f64() * 1e3);
        latency_ms.push((done - sent).as_secs_f64() * 1e3);
        drawn += 1;
        first.get_or_insert(sent);
        last = done;
    }
    worker.stop_check();
    let span = first.map_or(0.0, |f| (last - f).as_secs_f64());
    anyhow::ensure!(span > 0.0 && drawn > 1, "no preview frames arrived (run scripts/setup?)");

    println!("preview during a face check (virtual camera 30 fps, real models busy, 1024x600 software renderer)");
    println!("  over                                  {span:.1} s");
    println!("  frames reaching the preview           {:.1} fps   (budget >= 25)", arrived as f64 / span);
    println!("  frames drawn on the screen            {:.1} fps   (budget >= 25)", drawn as f64 / span);
    println!(
        "  convert a frame for the screen        median {:.2} ms, p95 {:.2} ms",
        percentile(&mut convert_ms, 0.5),
        percentile(&mut convert_ms, 0.95)
    );
    println!(
        "  draw the screen with the new frame    median {:.2} ms, p95 {:.2} ms",
        percentile(&mut draw_ms, 0.5),
        percentile(&mut draw_ms, 0.95)
    );
    println!(
        "  frame converted to frame drawn        median {:.2} ms, p95 {:.2} ms",
        percentile(&mut latency_ms, 0.5),
        percentile(&mut latency_ms, 0.95)
    );
    Ok(())
}
