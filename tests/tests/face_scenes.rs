//! Scenes from the virtual camera through the whole face check: the real
//! models, the quality gate and the decision policy with the kiosk's
//! default settings.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::time::Duration;

use uketsuke_driver::hal::camera::FrameSource;
use uketsuke_firmware::face::decision::{
    Decider, FrameResult, InconclusiveReason, NoMatchReason, Outcome, PolicyConfig,
};
use uketsuke_firmware::face::liveness::{Challenge, ChallengeConfig};
use uketsuke_firmware::face::models::ModelPaths;
use uketsuke_firmware::face::pipeline::{Engine, Need};
use uketsuke_firmware::face::quality::{Guidance, QualityConfig};
use uketsuke_hw_sim::camera::Scene;
use uketsuke_hw_sim::persona;
use uketsuke_sim_kiosk::face_sim as sim;

/// Personas with a camera image distinct from their card photo (pin-one-try
/// has only one image of its person, so it has no true live scene).
const WITH_LIVE_IMAGES: [&str; 6] =
    ["adult-registered", "under-40", "face-only", "pin-blocked", "expired-cert", "unregistered"];

struct Kiosk {
    engine: Engine,
}

impl Kiosk {
    fn new() -> Self {
        Self { engine: Engine::load(&ModelPaths::default_location()).unwrap_or_else(|e| panic!("{e}")) }
    }

    fn run(&mut self, persona_id: &str, scene: Scene, seed: u64) -> Outcome {
        self.run_with(persona_id, scene, seed, &PolicyConfig::default())
    }

    fn run_with(&mut self, persona_id: &str, scene: Scene, seed: u64, policy: &PolicyConfig) -> Outcome {
        let (p, reference) = sim::persona_reference(&mut self.engine, persona_id).unwrap();
        let mut cam = sim::camera(&p, scene, seed).unwrap();
        sim::run_check(&mut self.engine, &reference, &mut cam, policy, None).unwrap()
    }
}

#[test]
fn genuine_scenes_match() {
    let mut k = Kiosk::new();
    for p in WITH_LIVE_IMAGES {
        let out = k.run(p, Scene::Genuine, 11);
        assert!(matches!(out, Outcome::Match { frames: 3, .. }), "{p}: {out:?}");
    }
}

#[test]
fn the_card_holder_arriving_late_still_matches() {
    let out = Kiosk::new().run("adult-registered", Scene::ArrivesLate, 12);
    assert!(matches!(out, Outcome::Match { .. }), "{out:?}");
}

#[test]
fn impostor_scenes_do_not_match() {
    let mut k = Kiosk::new();
    for p in ["adult-registered", "under-40", "face-only", "pin-one-try", "unregistered"] {
        let out = k.run(p, Scene::Impostor, 13);
        assert!(matches!(out, Outcome::NoMatch { reason: NoMatchReason::DifferentPerson, .. }), "{p}: {out:?}");
    }
}

#[test]
fn the_card_photo_held_up_printed_or_on_a_phone_is_rejected_for_every_persona() {
    let mut k = Kiosk::new();
    for p in persona::all().unwrap() {
        for scene in [Scene::CardPhotoHeldUp, Scene::CardPhotoOnPhone] {
            let out = k.run(&p.id, scene, 14);
            assert!(
                matches!(out, Outcome::NoMatch { reason: NoMatchReason::PresentationAttack, .. }),
                "{} {scene:?}: {out:?}",
                p.id
            );
        }
    }
}

#[test]
fn each_presentation_attack_signal_alone_catches_both_attacks() {
    let mut k = Kiosk::new();
    let colour_only = PolicyConfig { replay_similarity: f32::INFINITY, ..PolicyConfig::default() };
    let similarity_only = PolicyConfig { min_face_chroma: f64::NEG_INFINITY, ..PolicyConfig::default() };
    for policy in [colour_only, similarity_only] {
        for scene in [Scene::CardPhotoHeldUp, Scene::CardPhotoOnPhone] {
            let out = k.run_with("under-40", scene, 16, &policy);
            assert!(
                matches!(out, Outcome::NoMatch { reason: NoMatchReason::PresentationAttack, .. }),
                "{scene:?} {policy:?}: {out:?}"
            );
        }
    }
    // And neither flags the live card holder.
    let out = k.run("under-40", Scene::Genuine, 16);
    assert!(matches!(out, Outcome::Match { .. }), "{out:?}");
}

#[test]
fn poor_captures_are_inconclusive_with_the_right_guidance() {
    let mut k = Kiosk::new();
    let cases = [
        (Scene::NoFace, Guidance::NoFace),
        (Scene::Dark, Guidance::TooDark),
        (Scene::Blurred, Guidance::Blurred),
        (Scene::Far, Guidance::TooFar),
        (Scene::Close, Guidance::TooClose),
        (Scene::TwoFaces, Guidance::MultipleFaces),
    ];
    for (scene, guidance) in cases {
        let out = k.run("under-40", scene, 15);
        assert_eq!(out, Outcome::Inconclusive(InconclusiveReason::Guidance(guidance)), "{scene:?}");
    }
}

#[test]
fn a_face_too_low_too_high_or_tilted_gets_its_own_guidance_and_never_a_decision() {
    let mut k = Kiosk::new();
    for (scene, guidance) in [
        (Scene::SeatedLow, Guidance::TooLow),
        (Scene::StandingHigh, Guidance::TooHigh),
        (Scene::HeadTilted, Guidance::Tilted),
    ] {
        let out = k.run("adult-registered", scene, 21);
        assert_eq!(out, Outcome::Inconclusive(InconclusiveReason::Guidance(guidance)), "{scene:?}");
    }
}

/// The first look (of 15 a second) whose guidance is `want`, within the
/// first `secs` seconds of `scene`; `None` if there is none.
fn first_guidance(k: &mut Kiosk, persona_id: &str, scene: Scene, want: Guidance, secs: u64) -> Option<Duration> {
    let (p, reference) = sim::persona_reference(&mut k.engine, persona_id).unwrap();
    let mut cam = sim::camera(&p, scene, 31).unwrap();
    let mut source = sim::EveryOther(&mut cam);
    loop {
        let frame = source.next_frame().unwrap();
        if frame.timestamp > Duration::from_secs(secs) {
            return None;
        }
        let r = k.engine.analyse_frame(&QualityConfig::default(), &reference, &frame, Need::Score).unwrap();
        if r == FrameResult::Unusable(want) {
            return Some(frame.timestamp);
        }
    }
}

#[test]
fn a_mask_or_sunglasses_get_their_guidance_within_two_seconds_and_never_a_decision() {
    let mut k = Kiosk::new();
    let cases = [
        (Scene::Mask, Guidance::Mask, &WITH_LIVE_IMAGES[..]),
        (Scene::Sunglasses, Guidance::Sunglasses, &["adult-registered", "under-40", "face-only", "pin-blocked"][..]),
    ];
    for (scene, guidance, personas) in cases {
        for p in personas {
            let at = first_guidance(&mut k, p, scene, guidance, 2);
            assert!(at.is_some(), "{p} {scene:?}: no {guidance:?} within 2 s");
            let out = k.run(p, scene, 17);
            assert_eq!(out, Outcome::Inconclusive(InconclusiveReason::Guidance(guidance)), "{p} {scene:?}");
        }
    }
}

#[test]
fn the_check_completes_once_the_mask_comes_off() {
    let mut k = Kiosk::new();
    let (p, reference) = sim::persona_reference(&mut k.engine, "adult-registered").unwrap();
    let mut cam = sim::camera(&p, Scene::Mask, 18).unwrap();
    let mut decider = Decider::new(PolicyConfig::default());
    let mut guided = false;
    let outcome = loop {
        let frame = sim::EveryOther(&mut cam).next_frame().unwrap();
        if frame.timestamp >= Duration::from_secs(2) && cam.scene() == Scene::Mask {
            assert!(guided, "told to take the mask off first");
            cam.set_scene(Scene::Genuine).unwrap();
        }
        let r = k.engine.analyse_frame(&QualityConfig::default(), &reference, &frame, Need::Score).unwrap();
        guided |= r == FrameResult::Unusable(Guidance::Mask);
        assert!(
            cam.scene() == Scene::Genuine || !matches!(r, FrameResult::Scored { .. }),
            "a masked face is never scored"
        );
        if let Some(out) = decider.push(frame.timestamp, r) {
            break out;
        }
    };
    assert!(matches!(outcome, Outcome::Match { .. }), "{outcome:?}");
}

#[test]
fn clear_glasses_change_nothing() {
    let mut k = Kiosk::new();
    for p in WITH_LIVE_IMAGES {
        let out = k.run(p, Scene::ClearGlasses, 19);
        assert!(matches!(out, Outcome::Match { frames: 3, .. }), "{p}: {out:?}");
    }
}

#[test]
fn a_live_patient_turning_as_asked_passes_the_challenge_and_one_who_does_not_fails_it() {
    let mut k = Kiosk::new();
    let cfg = ChallengeConfig { enabled: true, ..ChallengeConfig::default() };
    for p in ["adult-registered", "pin-blocked"] {
        let (persona, reference) = sim::persona_reference(&mut k.engine, p).unwrap();
        for challenge in [Challenge::TurnLeft, Challenge::TurnRight] {
            let mut cam = sim::camera(&persona, Scene::Genuine, 1).unwrap();
            let policy = PolicyConfig::default();
            let out =
                sim::run_check(&mut k.engine, &reference, &mut cam, &policy, Some((cfg.clone(), challenge))).unwrap();
            assert!(
                matches!(out, Outcome::Match { challenge: Some(c), .. } if c == challenge),
                "{p} {challenge:?}: {out:?}"
            );
            let mut still = sim::camera(&persona, Scene::Unresponsive, 1).unwrap();
            let out =
                sim::run_check(&mut k.engine, &reference, &mut still, &policy, Some((cfg.clone(), challenge))).unwrap();
            assert!(
                matches!(out, Outcome::NoMatch { reason: NoMatchReason::ChallengeFailed, .. }),
                "{p} {challenge:?} unresponsive: {out:?}"
            );
        }
    }
}
