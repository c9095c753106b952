//! `Card<T>` over a card whose every answer the fuzzer chooses, on each
//! path the kiosk takes: the placement read (kind and PIN tries), the
//! summary, the face evidence read (照合番号B, the card-face record), the
//! PIN paths (JPKI authentication PIN and signature, the text application's
//! PIN and reads). The oracle (`check_pin_rule`): no VERIFY with a secret
//! unless the retry query just before it answered "tries left", and never
//! more VERIFYs than the patient made entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uketsuke_driver::Card;
use uketsuke_driver::ap::face::FaceAp;
use uketsuke_driver::ap::jpki::JpkiAp;
use uketsuke_driver::ap::text::TextAp;
use uketsuke_driver::kind::KindSignals;
use uketsuke_driver::reading::{read_face_evidence, summarize};
use uketsuke_driver::secret::{CheckCodeB, Pin};
use uketsuke_fuzz::{Bytes, FuzzCard, check_pin_rule};

/// One step of a session; returns how many secrets the patient entered.
fn step(card: &mut Card<FuzzCard<'_>>, op: u8) -> usize {
    let digest_info = [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48];
    match op % 6 {
        0 => {
            let _ = KindSignals::probe(card);
            0
        }
        1 => {
            let _ = summarize(card);
            0
        }
        2 => {
            let Ok(code) = CheckCodeB::parse("90010131234567") else { return 0 };
            let _ = read_face_evidence(card, &code);
            1
        }
        3 => {
            let Ok(pin) = Pin::parse("1234") else { return 0 };
            let Ok(mut jpki) = JpkiAp::select(card) else { return 0 };
            if jpki.verify_auth_pin(&pin).is_ok() {
                let _ = jpki.sign_with_auth_key(&digest_info);
            }
            1
        }
        4 => {
            let Ok(pin) = Pin::parse("4321") else { return 0 };
            let Ok(mut text) = TextAp::select(card) else { return 0 };
            if text.verify_pin(&pin).is_ok() {
                let _ = text.read_my_number();
                let _ = text.read_basic_info();
            }
            1
        }
        _ => {
            let Ok(mut face) = FaceAp::select(card) else { return 0 };
            let _ = face.check_code_b_status();
            let _ = face.read_record();
            0
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes::new(data);
    let ops = [bytes.byte().unwrap_or(0), bytes.byte().unwrap_or(0)];
    let mut card = Card::new(FuzzCard::new(bytes));
    let mut entries = 0;
    for op in ops {
        entries += step(&mut card, op);
    }
    check_pin_rule(&card.into_inner().log, entries);
});
