//! The screen vocabulary (DESIGN.md §1, §3): a screen, its guidance and its
//! outcome are defined here once, in plain Rust types with no OpenCV and no
//! Slint. The session flow emits a [`Screen`]; the touchscreen, the headless
//! transcript, the staff console and (to come) the voice and the status
//! panel all read this one type. A [`Touch`] is what the patient, or whoever
//! helps them, pressed on a screen; [`keys`] is what the keys of a
//! physical keypad do.
//!
//! Names on the wire (transcripts, scripts, the staff API's JSON) come from
//! the derives (`strum`, `serde`), never from hand-written tables.
#![forbid(unsafe_code)]

pub mod keys;
mod touch;
mod view;

pub use touch::Touch;
pub use view::{CardProblem, Challenge, ConsentQuestion, FaceFailure, Guidance, Method, ResultView, Screen, View};
