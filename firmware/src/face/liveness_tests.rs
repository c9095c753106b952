use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A frontal face, eye distance 80 px, eyes at y = 200.
fn frontal() -> Landmarks {
    [[280.0, 200.0], [360.0, 200.0], [320.0, 245.0], [290.0, 285.0], [350.0, 285.0]]
}

/// A look whose eyes changed by `eye_change` since the previous one.
fn obs(landmarks: Landmarks, eye_change: f32) -> Observation {
    Observation { landmarks, eye_change, rest_change: 0.02, tracked: None }
}

/// The same points under an affine map (a flat photo moved, turned, tilted).
fn affine(l: Landmarks, a: [f32; 6]) -> Landmarks {
    l.map(|[x, y]| [a[0] * x + a[1] * y + a[2], a[3] * x + a[4] * y + a[5]])
}

/// A head turned by `t` eye distances: the nose moves most, the mouth a
/// little, the eyes close up slightly (foreshortening).
fn head_turned(t: f32) -> Landmarks {
    let mut l = frontal();
    let ed = 80.0;
    l[2][0] += t * ed;
    l[3][0] += 0.3 * t * ed;
    l[4][0] += 0.3 * t * ed;
    l[0][0] += 0.1 * t * ed;
    l
}

fn run(tracker: &mut ChallengeTracker, looks: &[Observation]) -> Progress {
    let mut last = Progress::Waiting;
    for (i, o) in looks.iter().enumerate() {
        last = tracker.observe(ms(66 * i as u64), *o);
        if last != Progress::Waiting {
            break;
        }
    }
    last
}

#[test]
fn a_still_face_has_no_nose_residual_and_a_flat_photo_moved_anyhow_has_none_either() {
    let f = frontal();
    let (r, _) = nose_residual(&f, &f).unwrap_or_default();
    assert!(r.abs() < 1e-4);
    // Turned about a vertical axis (foreshortened), sheared, rotated, moved.
    for a in
        [[0.8, 0.0, 64.0, 0.0, 1.0, 0.0], [0.9, 0.2, -30.0, -0.1, 1.05, 12.0], [0.95, -0.3, 80.0, 0.3, 0.95, -60.0]]
    {
        let (r, _) = nose_residual(&f, &affine(f, a)).unwrap_or_default();
        assert!(r.abs() < 1e-3, "{a:?}: {r}");
    }
}

/// The landmarks of a flat picture seen in perspective (a homography).
fn perspective(l: Landmarks, h: [f32; 9]) -> Landmarks {
    l.map(|[x, y]| {
        let w = h[6] * x + h[7] * y + h[8];
        [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w]
    })
}

#[test]
fn a_flat_picture_swung_in_perspective_has_no_nose_residual() {
    let f = frontal();
    let h = [0.9, 0.05, 20.0, -0.02, 1.0, 5.0, 0.0006, 0.0002, 1.0];
    let (r, _) = nose_residual(&f, &perspective(f, h)).unwrap_or_default();
    assert!(r.abs() < 1e-3, "{r}");
}

#[test]
fn a_real_turn_moves_the_nose_against_the_eyes_and_mouth_towards_the_turn() {
    let (r, _) = nose_residual(&frontal(), &head_turned(0.25)).unwrap_or_default();
    assert!(r > 0.15, "{r}");
    let (r, _) = nose_residual(&frontal(), &head_turned(-0.25)).unwrap_or_default();
    assert!(r < -0.15, "{r}");
}

#[test]
fn turning_to_the_asked_side_and_holding_it_passes() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::TurnLeft, ms(0));
    let looks: Vec<_> = [0.0, 0.05, 0.12, 0.2, 0.25, 0.25].iter().map(|&s| obs(head_turned(s), 0.0)).collect();
    assert_eq!(run(&mut t, &looks), Progress::Passed);
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::TurnRight, ms(0));
    let looks: Vec<_> = [0.0, -0.1, -0.2, -0.25, -0.25].iter().map(|&s| obs(head_turned(s), 0.0)).collect();
    assert_eq!(run(&mut t, &looks), Progress::Passed);
}

#[test]
fn turning_the_wrong_way_fails_as_the_wrong_direction_when_time_is_up() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::TurnLeft, ms(0));
    let looks: Vec<_> = [0.0, -0.15, -0.25, -0.25, -0.25].iter().map(|&s| obs(head_turned(s), 0.0)).collect();
    assert_eq!(run(&mut t, &looks), Progress::Waiting);
    assert_eq!(t.handle_timeout(ms(3000)), Progress::Failed(ChallengeFailure::WrongDirection));
}

#[test]
fn a_photo_swung_and_moved_never_passes_a_turn() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::TurnLeft, ms(0));
    let f = frontal();
    let mut progress = Progress::Waiting;
    for i in 0..50u64 {
        // Swung about a vertical axis (width 70–100 %), shifted along.
        let phase = i as f32 / 6.0;
        let squeeze = 0.85 + 0.15 * phase.cos();
        let a = [squeeze, 0.05 * phase.sin(), 320.0 * (1.0 - squeeze) + 4.0 * i as f32 / 3.0, 0.0, 1.0, 0.0];
        progress = t.observe(ms(66 * i), obs(affine(f, a), 0.0));
        assert_ne!(progress, Progress::Passed, "look {i}");
        if progress != Progress::Waiting {
            break;
        }
    }
    assert_eq!(progress, Progress::Failed(ChallengeFailure::FlatMotion));
}

#[test]
fn a_single_look_turned_is_not_enough() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::TurnLeft, ms(0));
    let looks = [obs(frontal(), 0.0), obs(head_turned(0.25), 0.0), obs(frontal(), 0.0), obs(head_turned(0.25), 0.0)];
    assert_eq!(run(&mut t, &looks), Progress::Waiting);
}

#[test]
fn a_cut_to_another_picture_restarts_the_challenge_instead_of_counting_as_a_turn() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::TurnLeft, ms(0));
    // Another photo: the face elsewhere, larger, with its nose to one side.
    let other = affine(head_turned(0.3), [1.5, 0.0, -200.0, 0.0, 1.5, -60.0]);
    let looks = [obs(frontal(), 0.0), obs(other, 0.0), obs(other, 0.0), obs(other, 0.0)];
    assert_eq!(run(&mut t, &looks), Progress::Waiting);
}

#[test]
fn a_blink_is_the_eyes_changing_alone_twice_closing_then_opening() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::Blink, ms(0));
    let looks: Vec<_> = [0.0, 0.05, 0.6, 0.04, 0.55].iter().map(|&e| obs(frontal(), e)).collect();
    assert_eq!(run(&mut t, &looks), Progress::Passed);
}

#[test]
fn eyes_that_change_once_or_only_flicker_are_not_a_blink() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::Blink, ms(0));
    let looks: Vec<_> = [0.0, 0.6, 0.05, 0.04, 0.05].iter().map(|&e| obs(frontal(), e)).collect();
    assert_eq!(run(&mut t, &looks), Progress::Waiting);
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::Blink, ms(0));
    let looks: Vec<_> = [0.0, 0.1, 0.15, 0.12, 0.1].iter().map(|&e| obs(frontal(), e)).collect();
    assert_eq!(run(&mut t, &looks), Progress::Waiting);
    assert_eq!(t.handle_timeout(ms(3000)), Progress::Failed(ChallengeFailure::NoMovement));
}

#[test]
fn the_opening_must_follow_the_closing_within_the_blink_time() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::Blink, ms(0));
    assert_eq!(t.observe(ms(0), obs(frontal(), 0.0)), Progress::Waiting);
    assert_eq!(t.observe(ms(100), obs(frontal(), 0.6)), Progress::Waiting);
    assert_eq!(t.observe(ms(1500), obs(frontal(), 0.6)), Progress::Waiting, "too late: a new closing");
    assert_eq!(t.observe(ms(1700), obs(frontal(), 0.6)), Progress::Passed);
}

#[test]
fn a_cut_between_photos_changes_more_than_the_eyes_and_is_not_a_blink() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::Blink, ms(0));
    let cut = Observation { landmarks: frontal(), eye_change: 0.7, rest_change: 0.6, tracked: None };
    let looks = [obs(frontal(), 0.0), cut, cut, obs(frontal(), 0.0)];
    assert_eq!(run(&mut t, &looks), Progress::Waiting);
    // The same place, another expression: the mouth wider, the nose lower.
    let mut other = frontal();
    other[2][1] += 12.0;
    other[3][0] -= 10.0;
    other[4][0] += 10.0;
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::Blink, ms(0));
    let looks = [obs(frontal(), 0.0), obs(other, 0.6), obs(frontal(), 0.6), obs(frontal(), 0.0)];
    assert_eq!(run(&mut t, &looks), Progress::Waiting);
}

#[test]
fn the_challenge_fails_at_its_deadline_and_not_before() {
    let t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::Blink, ms(1000));
    assert_eq!(t.deadline(), ms(4000));
    assert_eq!(t.handle_timeout(ms(3999)), Progress::Waiting);
    assert_eq!(t.handle_timeout(ms(4000)), Progress::Failed(ChallengeFailure::NoMovement));
}

#[test]
fn degenerate_landmarks_are_no_evidence_and_no_panic() {
    let zero = [[0.0; 2]; 5];
    assert_eq!(nose_residual(&zero, &frontal()), None);
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::TurnLeft, ms(0));
    assert_eq!(t.observe(ms(0), obs(zero, f32::NAN)), Progress::Waiting);
    assert_eq!(t.observe(ms(66), obs([[f32::NAN; 2]; 5], f32::NAN)), Progress::Waiting);
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::Blink, ms(0));
    assert_eq!(t.observe(ms(0), obs(frontal(), 0.0)), Progress::Waiting);
    assert_eq!(t.observe(ms(66), obs(frontal(), f32::NAN)), Progress::Waiting);
}

#[test]
fn an_observation_prints_no_landmarks() {
    assert_eq!(format!("{:?}", obs(frontal(), 0.0)), "Observation(REDACTED)");
}

#[test]
fn the_challenge_is_drawn_from_the_configured_kinds() {
    let cfg = ChallengeConfig::default();
    assert!((0..20).all(|n| cfg.draw(n) != Challenge::Blink));
    let every = ChallengeConfig { kinds: Vec::new(), ..cfg };
    assert_eq!((0..3).map(|n| every.draw(n)).collect::<Vec<_>>(), Challenge::ALL);
}

/// A look whose followed patches are `tracked` (the landmarks stay frontal:
/// YuNet's lagging nose).
fn followed(tracked: Option<Landmarks>) -> Observation {
    Observation { landmarks: frontal(), eye_change: 0.0, rest_change: 0.02, tracked }
}

#[test]
fn the_turn_is_measured_on_the_followed_patches_from_the_first_look_that_has_them() {
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::TurnLeft, ms(0));
    // The challenge starts on a scored look (no patches), then the patches
    // are kept; YuNet's landmarks never show the turn, the patches do.
    let looks = [
        obs(frontal(), 0.0),
        followed(Some(frontal())),
        followed(Some(head_turned(0.15))),
        followed(Some(head_turned(0.2))),
    ];
    assert_eq!(run(&mut t, &looks), Progress::Passed);
}

#[test]
fn a_look_whose_patches_were_lost_neither_counts_nor_breaks_the_hold() {
    let cfg = ChallengeConfig { hold_looks: 3, ..ChallengeConfig::default() };
    let mut t = ChallengeTracker::new(cfg, Challenge::TurnLeft, ms(0));
    let looks = [
        followed(Some(frontal())),
        followed(Some(head_turned(0.15))),
        followed(None),
        followed(Some(head_turned(0.2))),
        followed(None),
    ];
    for (i, o) in looks.iter().enumerate() {
        assert_eq!(t.observe(ms(66 * i as u64), *o), Progress::Waiting, "look {i}");
    }
    assert_eq!(t.observe(ms(66 * 5), followed(Some(head_turned(0.2)))), Progress::Passed);
}

#[test]
fn followed_patches_of_a_flat_picture_never_pass_however_it_is_swung() {
    let h = [0.9, 0.05, 20.0, -0.02, 1.0, 5.0, 0.0006, 0.0002, 1.0];
    let mut t = ChallengeTracker::new(ChallengeConfig::default(), Challenge::TurnRight, ms(0));
    let mut looks = vec![followed(Some(frontal()))];
    // Swung one way and back for longer than the time limit.
    looks.extend((0..50).map(|i| followed(Some(if i % 10 < 5 { perspective(frontal(), h) } else { frontal() }))));
    assert!(matches!(run(&mut t, &looks), Progress::Failed(_)));
}
