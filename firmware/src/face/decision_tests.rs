use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A frontal face's landmarks (eye distance 80 px), shifted by `dx`.
fn frontal(dx: f32) -> Observation {
    let l = [[280.0, 200.0], [360.0, 200.0], [320.0, 245.0], [290.0, 285.0], [350.0, 285.0]];
    Observation { landmarks: l.map(|[x, y]| [x + dx, y]), eye_change: 0.0, rest_change: 0.0, tracked: None }
}

/// The same face turned to the patient's left by `t` eye distances.
fn turned(t: f32) -> Observation {
    let mut o = frontal(0.0);
    o.landmarks[2][0] += 80.0 * t;
    o.landmarks[3][0] += 24.0 * t;
    o.landmarks[4][0] += 24.0 * t;
    o
}

fn live(similarity: f32) -> FrameResult {
    FrameResult::Scored { similarity, chroma: 20.0, look: frontal(0.0) }
}

fn challenged(challenge: Challenge) -> Decider {
    Decider::with_challenge(
        PolicyConfig::default(),
        ChallengeConfig { enabled: true, ..ChallengeConfig::default() },
        challenge,
    )
}

#[test]
fn a_colourless_face_is_a_presentation_attack_even_with_a_modest_score() {
    let mut d = Decider::new(PolicyConfig::default());
    let grey = |similarity| FrameResult::Scored { similarity, chroma: 1.0, look: frontal(0.0) };
    d.push(ms(0), grey(0.7));
    d.push(ms(100), live(0.7));
    let out = d.push(ms(200), grey(0.7));
    assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::PresentationAttack, .. })), "{out:?}");
}

#[test]
fn three_good_frames_match_on_their_median() {
    let mut d = Decider::new(PolicyConfig::default());
    assert_eq!(d.push(ms(0), live(0.6)), None);
    assert_eq!(d.push(ms(100), FrameResult::Unusable(Guidance::Blurred)), None);
    assert_eq!(d.push(ms(200), live(0.2)), None);
    assert_eq!(
        d.push(ms(300), live(0.7)),
        Some(Outcome::Match { score: 0.6, frames: 3, colour_frames: 3, challenge: None })
    );
}

#[test]
fn one_lucky_frame_does_not_make_an_impostor_match() {
    let mut d = Decider::new(PolicyConfig::default());
    d.push(ms(0), live(0.5));
    d.push(ms(100), live(0.1));
    let out = d.push(ms(200), live(0.15));
    assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::DifferentPerson, .. })), "{out:?}");
}

#[test]
fn a_replayed_chip_photo_is_rejected_at_once() {
    let mut d = Decider::new(PolicyConfig::default());
    let out = d.push(ms(0), live(0.97));
    assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::PresentationAttack, .. })));
    assert_eq!(d.push(ms(10), live(0.6)), out, "the decision is final");
}

#[test]
fn time_running_out_is_inconclusive_with_the_commonest_guidance() {
    let mut d = Decider::new(PolicyConfig::default());
    d.push(ms(0), FrameResult::Unusable(Guidance::TooDark));
    d.push(ms(100), FrameResult::Unusable(Guidance::TooDark));
    d.push(ms(200), FrameResult::Unusable(Guidance::NoFace));
    assert_eq!(d.poll_deadline(), Some(ms(8000)));
    assert_eq!(d.handle_timeout(ms(7999)), None);
    assert_eq!(
        d.handle_timeout(ms(8000)),
        Some(Outcome::Inconclusive(InconclusiveReason::Guidance(Guidance::TooDark)))
    );
    assert_eq!(d.poll_deadline(), None);
}

#[test]
fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
    assert!((median(&[0.1, 0.9, 0.3, 0.5]) - 0.4).abs() < 1e-6);
    assert!(median(&[]).is_nan());
}

#[test]
fn a_config_asking_for_zero_frames_still_decides_on_one() {
    let mut d = Decider::new(PolicyConfig { min_frames: 0, ..PolicyConfig::default() });
    assert_eq!(
        d.push(ms(0), live(0.6)),
        Some(Outcome::Match { score: 0.6, frames: 1, colour_frames: 1, challenge: None })
    );
}

#[test]
fn the_challenge_is_asked_after_two_usable_frames_and_the_match_waits_for_a_frame_after_it() {
    let mut d = challenged(Challenge::TurnLeft);
    assert_eq!(d.challenge(), None);
    assert!(d.wants_score());
    assert_eq!(d.push(ms(0), live(0.6)), None);
    assert_eq!(d.push(ms(66), live(0.62)), None);
    assert_eq!(d.challenge(), Some(Challenge::TurnLeft));
    assert!(!d.wants_score(), "a turning head is followed, not scored");
    for (i, t) in [0.0, 0.1, 0.2, 0.25, 0.25].into_iter().enumerate() {
        assert_eq!(d.push(ms(700 + 66 * i as u64), FrameResult::Tracked(turned(t))), None);
    }
    assert_eq!(d.challenge(), None, "made");
    assert!(d.wants_score());
    let out = d.push(ms(1200), live(0.58));
    assert_eq!(
        out,
        Some(Outcome::Match { score: 0.6, frames: 3, colour_frames: 3, challenge: Some(Challenge::TurnLeft) })
    );
}

#[test]
fn a_face_that_never_makes_the_movement_fails_the_challenge_at_its_deadline() {
    let mut d = challenged(Challenge::Blink);
    d.push(ms(0), live(0.7));
    d.push(ms(66), live(0.7));
    let mut out = None;
    for i in 2..60u64 {
        out = d.push(ms(66 * i), FrameResult::Tracked(frontal(0.0)));
        if out.is_some() {
            break;
        }
    }
    assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::ChallengeFailed, .. })), "{out:?}");
    assert_eq!(
        Outcome::NoMatch { score: 0.7, frames: 2, reason: NoMatchReason::ChallengeFailed }.kind(),
        "challenge_failed"
    );
}

#[test]
fn the_challenge_deadline_is_what_poll_deadline_reports_while_it_runs() {
    let mut d = challenged(Challenge::TurnRight);
    d.push(ms(0), live(0.7));
    assert_eq!(d.poll_deadline(), Some(ms(8000)));
    d.push(ms(500), live(0.7));
    assert_eq!(d.poll_deadline(), Some(ms(3500)));
    let out = d.handle_timeout(ms(3500));
    assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::ChallengeFailed, .. })), "{out:?}");
}

#[test]
fn a_swap_of_what_is_in_view_drops_the_scores_taken_before_it() {
    let mut d = challenged(Challenge::TurnLeft);
    d.push(ms(0), live(0.7));
    d.push(ms(66), live(0.7));
    // Something else is held up: the face jumps by two eye distances.
    let mut swapped = turned(0.25);
    for p in &mut swapped.landmarks {
        p[0] += 160.0;
    }
    assert_eq!(d.push(ms(132), FrameResult::Tracked(swapped)), None);
    for i in 3..6u64 {
        assert_eq!(d.push(ms(66 * i), FrameResult::Tracked(swapped)), None, "a cut is never a turn");
    }
    assert_eq!(d.challenge(), Some(Challenge::TurnLeft));
}

#[test]
fn the_face_leaving_after_the_challenge_means_asking_again() {
    let mut d = challenged(Challenge::TurnLeft);
    d.push(ms(0), live(0.7));
    d.push(ms(66), live(0.7));
    for (i, t) in [0.0, 0.2, 0.25, 0.25].into_iter().enumerate() {
        d.push(ms(132 + 66 * i as u64), FrameResult::Tracked(turned(t)));
    }
    assert_eq!(d.challenge(), None);
    assert_eq!(d.push(ms(500), FrameResult::Unusable(Guidance::NoFace)), None);
    assert_eq!(d.push(ms(566), live(0.7)), None, "scores start over");
    assert_eq!(d.push(ms(632), live(0.7)), None);
    assert_eq!(d.challenge(), Some(Challenge::TurnLeft), "asked again of the face now in view");
}

#[test]
fn with_the_challenge_switched_off_three_frames_decide_as_before() {
    let cfg = ChallengeConfig { enabled: false, ..ChallengeConfig::default() };
    let mut d = Decider::with_challenge(PolicyConfig::default(), cfg, Challenge::Blink);
    d.push(ms(0), live(0.6));
    d.push(ms(66), live(0.6));
    assert_eq!(d.challenge(), None);
    assert_eq!(
        d.push(ms(132), live(0.6)),
        Some(Outcome::Match { score: 0.6, frames: 3, colour_frames: 3, challenge: None })
    );
}

#[test]
fn the_chip_photo_held_up_is_refused_before_any_challenge() {
    let mut d = challenged(Challenge::Blink);
    let out = d.push(ms(0), live(0.95));
    assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::PresentationAttack, .. })));
}

#[test]
fn someone_else_is_refused_on_the_scores_without_being_asked_to_move() {
    let mut d = challenged(Challenge::TurnLeft);
    assert_eq!(d.push(ms(0), live(0.15)), None);
    assert_eq!(d.push(ms(66), live(0.2)), None);
    assert_eq!(d.challenge(), None, "a face that would not match is not asked for a movement");
    let out = d.push(ms(133), live(0.1));
    assert!(matches!(out, Some(Outcome::NoMatch { reason: NoMatchReason::DifferentPerson, .. })), "{out:?}");
}

#[test]
fn a_face_that_comes_to_match_is_asked_to_move_once_its_scores_would_match() {
    let mut d = challenged(Challenge::TurnRight);
    d.push(ms(0), live(0.3));
    d.push(ms(66), live(0.45));
    assert_eq!(d.challenge(), None, "the median (0.375) is under the threshold (0.40)");
    assert_eq!(d.push(ms(133), live(0.7)), None);
    assert_eq!(d.challenge(), Some(Challenge::TurnRight));
}
