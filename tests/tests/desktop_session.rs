//! The kiosk under a desktop, as a developer runs it: `uketsuke-sim-kiosk` on
//! Xvfb opens the touchscreen window and the simulator's control panel, and
//! a whole session is played with the mouse (card placed from the panel,
//! 顔認証を行う, three consents, the card taken away). The kiosk's state is
//! read from the staff API; screenshots of the desktop are written to
//! `target/tmp/desktop-session/`.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use uketsuke_tests::bin_path;
use uketsuke_tests::desktop::Desktop;
use uketsuke_tests::kiosk::{RunningKiosk, staff_agent, staff_sign_in, write_config};
use uketsuke_tests::sandbox::PcscSandbox;

/// Where the control panel is put, right of the 1024×600 kiosk window.
const PANEL_X: u32 = 1040;
/// Mouse targets at the default 1024×600 (the layouts the screenshot tests pin).
const FACE: (u32, u32) = (260, 292);
const AGREE: (u32, u32) = (260, 470);
const PLACE: (u32, u32) = (PANEL_X + 110, 153);
const REMOVE: (u32, u32) = (PANEL_X + 300, 153);
/// The header's colour (Theme.primary), at a point of the kiosk window's header.
const HEADER: (u32, u32, [u8; 3]) = (12, 12, [0x0b, 0x4f, 0x8a]);

/// The status panel's background for idle and for done (`uketsuke_panel::palette`).
const PANEL_IDLE: [u8; 3] = [0x0b, 0x3d, 0x91];
const PANEL_DONE: [u8; 3] = [0x1b, 0x6e, 0x20];

/// How many pixels of the control panel's window have `colour`: the
/// status panel image fills 320×240 of them with its state's colour.
fn panel_pixels(shot: &image::RgbImage, colour: [u8; 3]) -> usize {
    shot.enumerate_pixels().filter(|(x, _, p)| *x >= PANEL_X && p.0 == colour).count()
}

/// The kiosk's state from the staff API.
struct Staff {
    state_url: String,
    agent: ureq::Agent,
    auth: String,
}

impl Staff {
    /// Signs in at the console `console` (`https://…/staff/`).
    fn sign_in(console: &str, agent: ureq::Agent) -> Result<Self> {
        let auth = staff_sign_in(&agent, console, "desktop test")?;
        Ok(Self { state_url: format!("{console}v1/state"), agent, auth })
    }

    fn view(&self) -> Result<serde_json::Value> {
        let state: serde_json::Value =
            self.agent.get(&self.state_url).set("Authorization", &self.auth).call()?.into_json()?;
        Ok(state["screen"].clone())
    }

    /// Waits until the kiosk shows `view` (with `number`, for a consent question).
    fn wait(&self, view: &str, number: Option<u64>, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        loop {
            let v = self.view()?;
            if v["view"] == view && number.is_none_or(|n| v["number"] == n) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("the kiosk did not show {view} {number:?} within {within:?}; it shows {v}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("desktop-session")
}

#[test]
fn the_kiosk_and_its_control_panel_play_a_whole_session_with_the_mouse_under_xvfb() {
    let desk = Desktop::start(1500, 900).unwrap();
    let sb = PcscSandbox::start().unwrap();
    let config = write_config(&sb, None, "").unwrap();
    let mut cmd = Command::new(bin_path("uketsuke-sim-kiosk"));
    cmd.arg("--config")
        .arg(&config)
        .args(["--vpcd", &sb.vpcd_addr().to_string()])
        .env("DISPLAY", desk.display())
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null());
    sb.env(&mut cmd);
    let mut kiosk = RunningKiosk::spawn(cmd).unwrap();

    let result = play(&desk, &mut kiosk, staff_agent(&sb).unwrap());
    if result.is_err() {
        let _ = desk.save_screenshot(&shots().join("failure.png"));
    }
    let _ = kiosk.child.kill();
    let (_, transcript, logs) = kiosk.finish().unwrap();
    if let Err(e) = result {
        panic!("{e:#}\n--- transcript\n{transcript}\n--- logs\n{logs}\n--- screenshot {}", shots().display());
    }
}

fn play(desk: &Desktop, kiosk: &mut RunningKiosk, agent: ureq::Agent) -> Result<()> {
    std::fs::create_dir_all(shots())?;
    let console = kiosk.staff_console()?;
    let staff = Staff::sign_in(&console, agent)?;

    let screen = desk.window("Uketsuke", Duration::from_secs(30))?;
    let panel = desk.window("Uketsuke simulator", Duration::from_secs(30))?;
    desk.move_window(&screen, 0, 0)?;
    desk.move_window(&panel, PANEL_X, 0)?;
    assert_eq!(desk.window_size(&screen)?, (1024, 600), "the kiosk window opens at the panel's 1024×600");
    staff.wait("idle", None, Duration::from_secs(15))?;
    std::thread::sleep(Duration::from_millis(500));
    let idle = desk.screenshot()?;
    let (x, y, colour) = HEADER;
    assert_eq!(idle.get_pixel(x, y).0, colour, "the kiosk window is drawn (its header)");
    assert_ne!(idle.get_pixel(PANEL_X + 200, 300).0, [0, 0, 0], "the control panel is drawn");
    let shown = panel_pixels(&idle, PANEL_IDLE);
    assert!(shown > 320 * 240 / 2, "the control panel shows the status panel at idle ({shown} pixels of its colour)");
    idle.save(shots().join("01-idle.png"))?;

    desk.click(PLACE.0, PLACE.1)?;
    staff.wait("method_select", None, Duration::from_secs(15))?;
    std::thread::sleep(Duration::from_millis(300));
    desk.save_screenshot(&shots().join("02-method-select.png"))?;

    desk.click(FACE.0, FACE.1)?;
    staff.wait("consent", Some(1), Duration::from_secs(30))?;
    std::thread::sleep(Duration::from_millis(300));
    desk.save_screenshot(&shots().join("03-consent.png"))?;
    desk.click(AGREE.0, AGREE.1)?;
    staff.wait("consent", Some(2), Duration::from_secs(10))?;
    desk.click(AGREE.0, AGREE.1)?;
    staff.wait("consent", Some(3), Duration::from_secs(10))?;
    desk.click(AGREE.0, AGREE.1)?;

    staff.wait("result", None, Duration::from_secs(15))?;
    std::thread::sleep(Duration::from_millis(300));
    let result = desk.screenshot()?;
    result.save(shots().join("04-result.png"))?;
    let shown = panel_pixels(&result, PANEL_DONE);
    assert!(shown > 320 * 240 / 2, "the status panel shows done with the result ({shown} pixels of its colour)");
    staff.wait("take_card", None, Duration::from_secs(15))?;
    desk.click(REMOVE.0, REMOVE.1)?;
    staff.wait("idle", None, Duration::from_secs(15))?;
    Ok(())
}
