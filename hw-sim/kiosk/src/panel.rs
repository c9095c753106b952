//! The simulator's control panel, a developer's second window beside the
//! kiosk's touchscreen: place or take away a persona's card, choose who the
//! camera sees, and act as the reception staff through the staff API.

use std::sync::Arc;

use slint::ComponentHandle;
use uketsuke_firmware::runtime::Kiosk;
use uketsuke_firmware::runtime::window::Touchscreen;
use uketsuke_hw_sim::camera::Scene;
use uketsuke_hw_sim::faults::Faults;
use zeroize::Zeroizing;

use crate::staff_client::StaffClient;
use crate::world::SimWorld;
use crate::{ControlPanel, SimControl};

/// Wires the touchscreen to `kiosk`, opens the control panel on `world`
/// beside it, and shows both. Keep the panel while the event loop runs.
pub fn open_with_panel(
    screen: &Touchscreen,
    kiosk: &mut Kiosk,
    world: Arc<SimWorld>,
    staff_token: Zeroizing<String>,
) -> Result<ControlPanel, slint::PlatformError> {
    screen.open(kiosk)?;
    let staff = StaffClient::new(kiosk, staff_token).map_err(slint::PlatformError::Other)?;
    let panel = control_panel(world, staff)?;
    panel.show()?;
    Ok(panel)
}

/// Copies the virtual status panel's newest image into the control panel,
/// a few times a second, for as long as the window lives.
fn follow_status_panel(panel: &ControlPanel, world: &Arc<SimWorld>) {
    let (weak, world) = (panel.as_weak(), Arc::clone(world));
    let mut shown = 0;
    let timer = slint::Timer::default();
    timer.start(slint::TimerMode::Repeated, std::time::Duration::from_millis(200), move || {
        let (Some(p), Some((number, image))) = (weak.upgrade(), world.status_panel.latest()) else { return };
        if number == shown {
            return;
        }
        shown = number;
        let buffer =
            slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(&image.rgb, image.width, image.height);
        p.global::<SimControl>().set_status_panel(slint::Image::from_rgb8(buffer));
    });
    // The timer runs until the event loop ends.
    std::mem::forget(timer);
}

/// The control panel, acting on `world` and, as `staff`, on the staff API.
pub fn control_panel(world: Arc<SimWorld>, staff: StaffClient) -> Result<ControlPanel, slint::PlatformError> {
    let panel = ControlPanel::new()?;
    let sim = panel.global::<SimControl>();
    let mut personas: Vec<slint::SharedString> =
        uketsuke_hw_sim::persona::all().map(|all| all.into_iter().map(|p| p.id.into()).collect()).unwrap_or_default();
    personas.push(uketsuke_hw_sim::slot::FOREIGN_CARD.into());
    let scenes: Vec<slint::SharedString> =
        Scene::ALL.iter().map(|s| slint::SharedString::from(<&str>::from(*s))).collect();
    sim.set_persona(personas.first().cloned().unwrap_or_default());
    sim.set_scene(scenes.first().cloned().unwrap_or_default());
    world.set_scene(Scene::Genuine);
    sim.set_personas(std::rc::Rc::new(slint::VecModel::from(personas)).into());
    sim.set_scenes(std::rc::Rc::new(slint::VecModel::from(scenes)).into());
    sim.set_status("Place a card to start a session.".into());
    follow_status_panel(&panel, &world);

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
        if let Ok(scene) = name.parse::<Scene>() {
            w.set_scene(scene);
        }
    });
    let weak = panel.as_weak();
    sim.on_staff(move |action| {
        let (weak, staff) = (weak.clone(), staff.clone());
        std::thread::spawn(move || {
            let text = match staff.visual_check(&action) {
                Ok(code @ 200..=299) => format!("Staff {action}: {code}"),
                Ok(code) => format!("Staff {action}: refused ({code})"),
                Err(e) => format!("Staff API unreachable: {e}"),
            };
            status(weak, text);
        });
    });
    Ok(panel)
}
