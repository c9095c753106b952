//! The records the card's applications hold: the basic four attributes
//! (`BasicInfo`), the card-face record with its photo header
//! (`CardFaceRecord`, `jp2::check_photo_header`), and the card-face
//! issuer's key and its check of a record's signature.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use uketsuke_driver::ap::face::CardFaceRecord;
use uketsuke_driver::ap::issuer::IssuerKey;
use uketsuke_driver::ap::jp2::check_photo_header;
use uketsuke_driver::ap::text::BasicInfo;

/// The simulator's issuer key: records signed by it reach the signature check.
static ISSUER: LazyLock<Option<IssuerKey>> = LazyLock::new(|| {
    let key = uketsuke_hw_sim::pki::derived_key(uketsuke_hw_sim::pki::CARD_FACE_ISSUER_LABEL).ok()?;
    let der = rsa::pkcs8::EncodePublicKey::to_public_key_der(&key.to_public_key()).ok()?;
    IssuerKey::parse(der.as_bytes()).ok()
});

fuzz_target!(|data: &[u8]| {
    let Some((&choice, bytes)) = data.split_first() else { return };
    match choice % 4 {
        0 => {
            if let Ok(info) = BasicInfo::parse(bytes) {
                // Debug never shows the personal fields (Debug's own words
                // are ASCII, so a name with any other character is a leak).
                let shown = format!("{info:?}");
                for field in [info.name.expose(), info.address.expose()] {
                    assert!(field.is_ascii() || !shown.contains(field), "Debug shows a personal field");
                }
            }
        }
        1 => {
            if let Ok(record) = CardFaceRecord::parse(bytes) {
                // A parsed record's photo passed the header check, and still does.
                assert!(check_photo_header(record.photo.expose()).is_ok());
            }
        }
        2 => {
            let _ = std::hint::black_box(check_photo_header(bytes));
        }
        _ => {
            if let Some(key) = ISSUER.as_ref() {
                let _ = std::hint::black_box(key.verify_record(bytes));
            }
            let _ = std::hint::black_box(IssuerKey::parse(bytes));
        }
    }
});
