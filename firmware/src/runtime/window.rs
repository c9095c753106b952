//! The kiosk on a screen: the touchscreen window (and, on the simulator,
//! the developer's control panel) on Slint's event loop, which owns the
//! main thread. The runtime keeps running on tokio; screens and preview
//! frames cross over with `slint::invoke_from_event_loop`.

use std::sync::Arc;

use slint::ComponentHandle;
use tokio::sync::mpsc::UnboundedSender;
use uketsuke_hw_sim::camera::Scene;
use uketsuke_hw_sim::faults::Faults;
use uketsuke_ui::model::{Touch, apply};
use uketsuke_ui::{App, ControlPanel, Kiosk as UiKiosk, SimControl};
use zeroize::Zeroizing;

use super::face::PreviewSink;
use super::sim::SimWorld;
use super::touchscreen::{input, preview, shown};
use super::{Kiosk, KioskEvent};
use crate::config::Language;
use crate::flow::types::Input;

/// The touchscreen window, before the kiosk starts (the preview needs it).
pub struct Touchscreen {
    /// The window.
    pub app: App,
}

impl Touchscreen {
    /// Creates the window (not shown yet) in the configured language.
    pub fn new(language: Language) -> Result<Self, slint::PlatformError> {
        let app = App::new()?;
        let code = match language {
            Language::En => "en",
            Language::Ja => "ja",
        };
        if uketsuke_ui::select_language(code).is_ok() {
            app.global::<UiKiosk>().set_language(code.into());
        }
        Ok(Self { app })
    }

    /// Where the face worker sends frames to show.
    pub fn preview_sink(&self) -> PreviewSink {
        let weak = self.app.as_weak();
        Arc::new(move |frame| {
            if let Some(buffer) = preview(frame) {
                let weak = weak.clone();
                let _ = slint::invoke_from_event_loop(move || {
                    if let Some(app) = weak.upgrade() {
                        app.global::<UiKiosk>().set_preview(slint::Image::from_rgb8(buffer));
                    }
                });
            }
        })
    }

    /// Wires the window to a running kiosk: touches in, screens out.
    pub fn connect(&self, kiosk: &mut Kiosk) {
        wire_touches(&self.app, kiosk.inputs.clone());
        // The kiosk's events go to the window from now on.
        let mut events = std::mem::replace(&mut kiosk.events, tokio::sync::mpsc::unbounded_channel().1);
        let weak = self.app.as_weak();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                let KioskEvent::Screen(screen) = event else { continue };
                let shown = shown(&screen);
                let weak = weak.clone();
                let _ = slint::invoke_from_event_loop(move || {
                    if let Some(app) = weak.upgrade() {
                        let k = app.global::<UiKiosk>();
                        if !matches!(shown.screen, uketsuke_ui::model::Screen::FaceCapture { .. }) {
                            k.set_preview(slint::Image::default());
                        }
                        apply(&k, &shown);
                    }
                });
            }
        });
    }
}

impl Touchscreen {
    /// On the simulator: wires the window to `kiosk`, opens the developer's
    /// control panel on `world` beside it, and shows both. Keep the panel
    /// while the event loop runs.
    pub fn open_with_panel(
        &self,
        kiosk: &mut Kiosk,
        world: Arc<SimWorld>,
        staff_token: Zeroizing<String>,
    ) -> Result<ControlPanel, slint::PlatformError> {
        self.open(kiosk)?;
        let panel = control_panel(world, kiosk.staff_addr, staff_token)?;
        panel.show()?;
        Ok(panel)
    }

    /// Wires the window to `kiosk` and shows it.
    pub fn open(&self, kiosk: &mut Kiosk) -> Result<(), slint::PlatformError> {
        self.connect(kiosk);
        self.app.show()
    }
}

fn wire_touches(app: &App, inputs: UnboundedSender<Input>) {
    let weak = app.as_weak();
    app.global::<UiKiosk>().on_act(move |name| match Touch::from_act(&name) {
        Some(Touch::Language) => {
            if let Some(app) = weak.upgrade() {
                let k = app.global::<UiKiosk>();
                let next = if k.get_language() == "ja" { "en" } else { "ja" };
                if uketsuke_ui::select_language(next).is_ok() {
                    k.set_language(next.into());
                }
            }
            let _ = inputs.send(Input::User(crate::flow::types::UserEvent::Touch));
        }
        Some(touch) => {
            if let Some(i) = input(touch) {
                let _ = inputs.send(i);
            }
        }
        None => tracing::warn!(%name, "unknown touch from the screen"),
    });
}

/// The simulator's control panel, acting on `world` and the staff API at `staff`.
pub fn control_panel(
    world: Arc<SimWorld>,
    staff: std::net::SocketAddr,
    token: Zeroizing<String>,
) -> Result<ControlPanel, slint::PlatformError> {
    let panel = ControlPanel::new()?;
    let sim = panel.global::<SimControl>();
    let mut personas: Vec<slint::SharedString> =
        uketsuke_hw_sim::persona::all().map(|all| all.into_iter().map(|p| p.id.into()).collect()).unwrap_or_default();
    personas.push(uketsuke_hw_sim::slot::FOREIGN_CARD.into());
    let scenes: Vec<slint::SharedString> = Scene::ALL
        .iter()
        .filter_map(|s| serde_json::to_value(s).ok()?.as_str().map(slint::SharedString::from))
        .collect();
    sim.set_persona(personas.first().cloned().unwrap_or_default());
    sim.set_scene(scenes.first().cloned().unwrap_or_default());
    world.set_scene(Scene::Genuine);
    sim.set_personas(std::rc::Rc::new(slint::VecModel::from(personas)).into());
    sim.set_scenes(std::rc::Rc::new(slint::VecModel::from(scenes)).into());
    sim.set_status("Place a card to start a session.".into());

    let status = move |weak: slint::Weak<ControlPanel>, text: String| {
        let _ = slint::invoke_from_event_loop(move || {
            if let Some(p) = weak.upgrade() {
                p.global::<SimControl>().set_status(text.into());
            }
        });
    };
    let (w, weak) = (Arc::clone(&world), panel.as_weak());
    sim.on_place(move || {
        let Some(p) = weak.upgrade() else { return };
        let persona = p.global::<SimControl>().get_persona().to_string();
        let (w, weak) = (Arc::clone(&w), weak.clone());
        std::thread::spawn(move || {
            let text = match w.place(&persona, Faults::default()) {
                Ok(()) => format!("Card placed: {persona}"),
                Err(e) => format!("Could not place the card: {e}"),
            };
            status(weak, text);
        });
    });
    let (w, weak) = (Arc::clone(&world), panel.as_weak());
    sim.on_remove(move || {
        let (w, weak) = (Arc::clone(&w), weak.clone());
        std::thread::spawn(move || {
            w.remove();
            status(weak, "Card taken away.".into());
        });
    });
    let w = Arc::clone(&world);
    sim.on_scene_chosen(move |name| {
        if let Ok(scene) = serde_json::from_value::<Scene>(serde_json::Value::String(name.to_string())) {
            w.set_scene(scene);
        }
    });
    let weak = panel.as_weak();
    sim.on_staff(move |action| {
        let url = format!("http://{staff}/staff/v1/visual-check/{action}");
        let auth = Zeroizing::new(format!("Bearer {}", token.as_str()));
        let weak = weak.clone();
        std::thread::spawn(move || {
            let text = match ureq::post(&url).set("Authorization", &auth).call() {
                Ok(r) => format!("Staff {action}: {}", r.status()),
                Err(ureq::Error::Status(code, _)) => format!("Staff {action}: refused ({code})"),
                Err(e) => format!("Staff API unreachable: {e}"),
            };
            status(weak, text);
        });
    });
    Ok(panel)
}
