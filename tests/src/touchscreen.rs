//! The kiosk's touchscreen and the simulator's control panel on Slint's
//! testing backend, driven the way a screen reader would: by accessible
//! labels, never by coordinates.
//!
//! Everything behind the screens is real: the kiosk runtime, the virtual
//! card in a private pcscd through vpcd, the virtual camera through the
//! real face models, and the virtual reception terminal over HTTP.
//!
//! Slint's platform can be set once per process and libpcsclite reads its
//! socket from the environment, so each session runs in a child process of
//! the test binary: the parent starts the pcscd and re-runs the one test
//! with the sandbox's environment; the child opens the windows, runs Slint's
//! event loop on its main test thread and plays the patient from another.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::ComponentHandle;
use uketsuke_firmware::config::Config;
use uketsuke_firmware::host::staff::StaffToken;
use uketsuke_firmware::runtime::face::PreviewSink;
use uketsuke_firmware::runtime::window::Touchscreen;
use uketsuke_sim_kiosk::world::{CardsAt, SimWorld};
use uketsuke_sim_kiosk::{ControlPanel, panel::open_with_panel};
use uketsuke_ui::App;
use zeroize::Zeroizing;

use crate::kiosk::{STAFF_TOKEN, write_config};
use crate::sandbox::PcscSandbox;

const CHILD: &str = "UKETSUKE_TOUCHSCREEN_CHILD";
const CONFIG: &str = "UKETSUKE_TOUCHSCREEN_CONFIG";
const VPCD: &str = "UKETSUKE_TOUCHSCREEN_VPCD";
/// How long one answer from the UI thread may take.
const UI_ANSWER: Duration = Duration::from_secs(10);
/// How long a whole session may take in its child process.
const SESSION_LIMIT: Duration = Duration::from_secs(240);

/// The two windows, as seen from the patient's (and developer's) side.
pub struct Screens {
    app: slint::Weak<App>,
    panel: slint::Weak<ControlPanel>,
    frames: Arc<AtomicUsize>,
}

/// Runs `session` against a kiosk on the simulator. `test` is the calling
/// test's name (the child process re-runs exactly that test).
pub fn play(test: &str, session: impl FnOnce(&Screens) -> Result<()> + Send + 'static) -> Result<()> {
    if std::env::var_os(CHILD).is_some() {
        return run_child(session);
    }
    let sb = PcscSandbox::start()?;
    let config = write_config(&sb, None, "")?;
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env(CONFIG, &config)
        .env(VPCD, sb.vpcd_addr().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    sb.env(&mut cmd);
    let child = cmd.spawn().context("starting the session's process")?;
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(SESSION_LIMIT) {
        Ok(out) => out?,
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            bail!("the session did not finish within {SESSION_LIMIT:?}");
        }
    };
    if !output.status.success() {
        bail!(
            "the session failed ({}):\n--- stdout\n{}\n--- stderr\n{}\n--- pcscd\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            sb.log()
        );
    }
    // The child's harness prints "1 passed" only if the test ran there.
    let out = String::from_utf8_lossy(&output.stdout);
    if !out.contains("1 passed") {
        bail!("the session's process did not run the test:\n{out}");
    }
    Ok(())
}

fn run_child(session: impl FnOnce(&Screens) -> Result<()> + Send + 'static) -> Result<()> {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let config_path = std::env::var_os(CONFIG).ok_or_else(|| anyhow!("{CONFIG} unset"))?;
    let config = Config::load(std::path::Path::new(&config_path))?;
    let vpcd = std::env::var(VPCD)?.parse()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let _inside = rt.enter();

    let world = Arc::new(SimWorld::new(CardsAt::Vpcd(vpcd), true)?);
    let screen = Touchscreen::new(config.language)?;
    let frames = Arc::new(AtomicUsize::new(0));
    let sink = screen.preview_sink();
    let counted = Arc::clone(&frames);
    let preview: PreviewSink = Arc::new(move |frame| {
        counted.fetch_add(1, Ordering::Relaxed);
        sink(frame);
    });
    let parts = world.parts(config, StaffToken::new(STAFF_TOKEN)?, Some(preview))?;
    let mut kiosk = uketsuke_firmware::runtime::start(parts)?;
    let panel = open_with_panel(&screen, &mut kiosk, world, Zeroizing::new(STAFF_TOKEN.to_owned()))?;

    let screens = Screens { app: screen.app.as_weak(), panel: panel.as_weak(), frames };
    let patient = std::thread::spawn(move || {
        let result = session(&screens);
        let _ = slint::quit_event_loop();
        result
    });
    slint::run_event_loop()?;
    drop(kiosk);
    patient.join().map_err(|_| anyhow!("the patient's thread panicked"))?
}

/// Which window to look in.
#[derive(Clone, Copy, Debug)]
enum Window {
    Kiosk,
    Panel,
}

impl Screens {
    /// Runs `f` on the UI thread with the window's root and returns its answer.
    fn on_ui<R: Send + 'static>(
        &self,
        window: Window,
        f: impl FnOnce(&dyn Fn(&str) -> Vec<ElementHandle>) -> R + Send + 'static,
    ) -> Result<R> {
        let (tx, rx) = mpsc::channel();
        let (app, panel) = (self.app.clone(), self.panel.clone());
        slint::invoke_from_event_loop(move || {
            let answer = match window {
                Window::Kiosk => app.upgrade().map(|a| f(&|label| find(&a, label))),
                Window::Panel => panel.upgrade().map(|p| f(&|label| find(&p, label))),
            };
            let _ = tx.send(answer);
        })?;
        rx.recv_timeout(UI_ANSWER)
            .context("the UI thread did not answer")?
            .ok_or_else(|| anyhow!("the {window:?} window is gone"))
    }

    /// Presses the kiosk's button labelled `label` once it is on the screen
    /// (within `within`).
    pub fn press(&self, label: &str, within: Duration) -> Result<()> {
        self.press_in(Window::Kiosk, label, within)
    }

    /// Presses the control panel's button labelled `label`.
    pub fn press_in_panel(&self, label: &str) -> Result<()> {
        self.press_in(Window::Panel, label, UI_ANSWER)
    }

    fn press_in(&self, window: Window, label: &str, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        loop {
            let wanted = label.to_owned();
            let pressed = self.on_ui(window, move |find| {
                let buttons: Vec<_> =
                    find(&wanted).into_iter().filter(|e| e.accessible_role() == Some(AccessibleRole::Button)).collect();
                match buttons.as_slice() {
                    [one] => {
                        one.invoke_accessible_default_action();
                        Ok(true)
                    }
                    [] => Ok(false),
                    more => Err(anyhow!("{} buttons are labelled {wanted:?}", more.len())),
                }
            })??;
            if pressed {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("no button labelled {label:?} within {within:?}; the screen shows {:?}", self.labels()?);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the kiosk shows something labelled `label`.
    pub fn wait_for(&self, label: &str, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        loop {
            let wanted = label.to_owned();
            if self.on_ui(Window::Kiosk, move |find| !find(&wanted).is_empty())? {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("{label:?} did not appear within {within:?}; the screen shows {:?}", self.labels()?);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the kiosk shows something labelled `label` now.
    pub fn shows(&self, label: &str) -> Result<bool> {
        let wanted = label.to_owned();
        self.on_ui(Window::Kiosk, move |find| !find(&wanted).is_empty())
    }

    /// Every accessible label on the kiosk's screen, in tree order.
    pub fn labels(&self) -> Result<Vec<String>> {
        let (tx, rx) = mpsc::channel();
        let app = self.app.clone();
        slint::invoke_from_event_loop(move || {
            let labels = app.upgrade().map(|a| {
                a.root_element()
                    .query_descendants()
                    .find_all()
                    .iter()
                    .filter_map(|e| e.accessible_label())
                    .filter(|l| !l.is_empty())
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
            });
            let _ = tx.send(labels);
        })?;
        rx.recv_timeout(UI_ANSWER)?.ok_or_else(|| anyhow!("the kiosk window is gone"))
    }

    /// The value of the panel's element labelled `label` (a combo box's choice).
    pub fn panel_value(&self, label: &str) -> Result<Option<String>> {
        let wanted = label.to_owned();
        self.on_ui(Window::Panel, move |find| {
            find(&wanted).into_iter().find_map(|e| e.accessible_value()).map(|v| v.to_string())
        })
    }

    /// Camera frames sent to the preview so far.
    pub fn preview_frames(&self) -> usize {
        self.frames.load(Ordering::Relaxed)
    }
}

fn find(root: &impl ElementRoot, label: &str) -> Vec<ElementHandle> {
    ElementHandle::find_by_accessible_label(root, label).collect()
}
