//! Assembles a persona's virtual card: the three applications, their
//! files, credentials and keys (DESIGN.md §2).
//!
//! The card-face record's signature (DF28) is the test issuer's RSA
//! PKCS#1 v1.5 SHA-256 signature over [`card_face_signed_bytes`]: the
//! encoded DF22–DF27, DF29 and DF2A objects in record order. Real cards'
//! exact scheme is not public; this one is documented in
//! `docs/virtual-card.md` and checked by the virtual reception terminal.

use rsa::pkcs1::EncodeRsaPublicKey;

use super::VirtualCard;
use super::fs::{Access, Df, Ef};
use crate::ber;
use crate::faults::RecordFault;
use crate::persona::{CardImages, Persona, Sex};
use crate::pki::{self, Date, PkiError};

/// DF names (DESIGN.md §2).
const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
const TEXT_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
const FACE_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];

/// Retry limit of 照合番号A/B. Not public for real cards; 10 here.
const CHECK_CODE_TRIES: u8 = 10;
/// Retry limit of the signing password (DESIGN.md §2).
const SIGN_PASSWORD_TRIES: u8 = 5;
/// Retry limit of the 4-digit PINs.
const PIN_TRIES: u8 = 3;

/// Everything needed to build a card.
pub struct CardSpec<'a> {
    /// The persona.
    pub persona: &'a Persona,
    /// Its prepared images.
    pub images: &'a CardImages,
}

fn sex_code(s: Sex) -> &'static [u8] {
    match s {
        Sex::Male => b"1",
        Sex::Female => b"2",
    }
}

fn compact(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// A record `FF20 { DF21 offsets, children… }` where DF21 lists, as
/// 2-byte offsets from the start of the FF20 value, where each child starts.
fn record_with_offsets(children: &[Vec<u8>]) -> Vec<u8> {
    let offsets_tlv_len = 3 + 2 * children.len();
    let mut offsets = Vec::with_capacity(2 * children.len());
    let mut at = offsets_tlv_len;
    for c in children {
        offsets.extend_from_slice(&(at as u16).to_be_bytes());
        at += c.len();
    }
    let mut all = vec![ber::encode(0xDF21, &offsets)];
    all.extend_from_slice(children);
    ber::constructed(0xFF20, &all)
}

/// The bytes the card-face issuer signs: DF22–DF27, DF29, DF2A as encoded.
pub fn card_face_signed_bytes(fields: &[(u32, Vec<u8>)]) -> Vec<u8> {
    fields
        .iter()
        .filter(|(tag, _)| matches!(tag, 0xDF22..=0xDF27 | 0xDF29 | 0xDF2A))
        .flat_map(|(tag, v)| ber::encode(*tag, v))
        .collect()
}

fn key(persona: &Persona, what: &str) -> Result<std::sync::Arc<rsa::RsaPrivateKey>, PkiError> {
    pki::derived_key(&format!("persona {} {what}", persona.id))
}

/// The public key of the persona's card-face AP (its record's DF24, PKCS#1
/// DER): what the issuer registered for this card, so the terminal can tell
/// whether a card-face record belongs to the card a certificate was issued to.
pub fn card_face_public_key(persona: &Persona) -> Result<Vec<u8>, PkiError> {
    let public = key(persona, "card-face ap")?.to_public_key();
    Ok(public.to_pkcs1_der().map_err(|e| PkiError::Certificate(e.to_string()))?.as_bytes().to_vec())
}

fn jpki_df(p: &Persona) -> Result<Df, PkiError> {
    let auth_key = key(p, "jpki auth")?;
    let subject = format!("CN=UKETSUKE-SIM-AUTH-{:08},OU=Simulator,O=Uketsuke,C=JP", p.certificate.serial);
    let validity = (p.certificate.not_before, p.certificate.not_after);
    let auth_cert = pki::jpki_leaf_cert(p.certificate.serial, &subject, validity, &auth_key.to_public_key())?;
    let ca = pki::jpki_ca_cert()?;
    let mut efs =
        vec![Ef::binary([0x00, 0x0A], auth_cert, Access::Always), Ef::binary([0x00, 0x0B], ca.clone(), Access::Always)];
    match &p.pin {
        Some(pin) if !p.face_auth_only => {
            efs.push(Ef::credential([0x00, 0x18], pin.as_bytes(), PIN_TRIES, p.pin_tries_left));
            efs.push(Ef::key([0x00, 0x17], auth_key, Access::AfterAny(vec![[0x00, 0x18]])));
        }
        // A face-auth-only card has no usable PIN: the key cannot be used.
        _ => efs.push(Ef::key([0x00, 0x17], auth_key, Access::Never)),
    }
    if let (Some(password), false) = (&p.sign_password, p.face_auth_only) {
        let sign_key = key(p, "jpki sign")?;
        let subject = format!("CN=UKETSUKE-SIM-SIGN-{:08},OU=Simulator,O=Uketsuke,C=JP", p.certificate.serial);
        let sign_cert =
            pki::jpki_leaf_cert(p.certificate.serial + 500_000, &subject, validity, &sign_key.to_public_key())?;
        efs.push(Ef::credential([0x00, 0x1B], password.as_bytes(), SIGN_PASSWORD_TRIES, SIGN_PASSWORD_TRIES));
        efs.push(Ef::binary([0x00, 0x01], sign_cert, Access::AfterAny(vec![[0x00, 0x1B]])));
        efs.push(Ef::binary([0x00, 0x02], ca, Access::Always));
        efs.push(Ef::key([0x00, 0x1A], sign_key, Access::AfterAny(vec![[0x00, 0x1B]])));
    }
    Ok(Df { name: "jpki", aid: JPKI_AID.to_vec(), efs, chip_key: None })
}

fn text_df(p: &Persona, check_b: &str) -> Result<Df, PkiError> {
    let my_number = ber::encode(0xFF10, p.my_number.as_bytes());
    let basic = record_with_offsets(&[
        ber::encode(0xDF22, p.name.as_bytes()),
        ber::encode(0xDF23, p.address.as_bytes()),
        ber::encode(0xDF24, p.birth_date_compact().as_bytes()),
        ber::encode(0xDF25, sex_code(p.sex)),
    ]);
    let mut efs = vec![
        Ef::binary([0x00, 0x01], my_number, Access::AfterAny(vec![[0x00, 0x11], [0x00, 0x14]])),
        Ef::binary([0x00, 0x02], basic, Access::AfterAny(vec![[0x00, 0x11], [0x00, 0x14], [0x00, 0x15]])),
        Ef::credential([0x00, 0x14], p.my_number.as_bytes(), CHECK_CODE_TRIES, CHECK_CODE_TRIES),
        Ef::credential([0x00, 0x15], check_b.as_bytes(), CHECK_CODE_TRIES, CHECK_CODE_TRIES),
    ];
    if let (Some(pin), false) = (&p.pin, p.face_auth_only) {
        efs.push(Ef::credential([0x00, 0x11], pin.as_bytes(), PIN_TRIES, p.pin_tries_left));
    }
    Ok(Df { name: "text", aid: TEXT_AID.to_vec(), efs, chip_key: Some(key(p, "text ap")?) })
}

/// The photo with its JPEG 2000 header (JP2 `ihdr` and codestream SIZ)
/// claiming `side`×`side` pixels; the image data is left as it is.
fn declare_photo_size(photo: &[u8], side: u32) -> Vec<u8> {
    let mut out = photo.to_vec();
    let put = |b: &mut Vec<u8>, at: usize| {
        if let Some(slot) = b.get_mut(at..at + 4) {
            slot.copy_from_slice(&side.to_be_bytes());
        }
    };
    if let Some(i) = out.windows(4).position(|w| w == b"ihdr") {
        put(&mut out, i + 4);
        put(&mut out, i + 8);
    }
    if let Some(i) = out.windows(4).position(|w| w == [0xFF, 0x4F, 0xFF, 0x51]) {
        for at in [8, 12, 24, 28] {
            put(&mut out, i + at);
        }
    }
    out
}

fn face_df(p: &Persona, images: &CardImages, check_b: &str, fault: Option<RecordFault>) -> Result<Df, PkiError> {
    let photo = match fault {
        Some(RecordFault::PhotoDeclares(side)) => declare_photo_size(&images.photo, side),
        _ => images.photo.clone(),
    };
    let chip_key = key(p, "card-face ap")?;
    let public =
        chip_key.to_public_key().to_pkcs1_der().map_err(|e| PkiError::Certificate(e.to_string()))?.as_bytes().to_vec();
    let mut fields: Vec<(u32, Vec<u8>)> = vec![
        (0xDF22, p.birth_date_compact().into_bytes()),
        (0xDF23, sex_code(p.sex).to_vec()),
        (0xDF24, public),
        (0xDF25, images.name.clone()),
        (0xDF26, images.address.clone()),
        (0xDF27, photo),
        (0xDF29, compact(p.card_expiry).into_bytes()),
        (0xDF2A, images.security_code.clone()),
    ];
    let issuer = pki::derived_key(pki::CARD_FACE_ISSUER_LABEL)?;
    let signature = pki::sign_sha256(&issuer, &card_face_signed_bytes(&fields))?;
    fields.insert(6, (0xDF28, signature));
    if fault == Some(RecordFault::Tampered)
        && let Some((_, photo)) = fields.iter_mut().find(|(t, _)| *t == 0xDF27)
        && let Some(last) = photo.last_mut()
    {
        *last ^= 0x01;
    }
    let children: Vec<Vec<u8>> = fields.iter().map(|(t, v)| ber::encode(*t, v)).collect();
    let efs = vec![
        Ef::binary([0x00, 0x02], record_with_offsets(&children), Access::AfterAny(vec![[0x00, 0x12], [0x00, 0x13]])),
        Ef::credential([0x00, 0x12], check_b.as_bytes(), CHECK_CODE_TRIES, CHECK_CODE_TRIES),
        Ef::credential([0x00, 0x13], p.my_number.as_bytes(), CHECK_CODE_TRIES, CHECK_CODE_TRIES),
    ];
    Ok(Df { name: "card-face", aid: FACE_AID.to_vec(), efs, chip_key: Some(chip_key) })
}

/// Builds the persona's card.
pub fn build_card(spec: &CardSpec<'_>) -> Result<VirtualCard, PkiError> {
    build_card_with(spec, None)
}

/// Builds the persona's card with a forged card-face record (`fault`).
pub fn build_card_with(spec: &CardSpec<'_>, fault: Option<RecordFault>) -> Result<VirtualCard, PkiError> {
    let p = spec.persona;
    let check_b = p.check_code_b().ok_or_else(|| PkiError::Date("persona cannot form 照合番号B".into()))?;
    Ok(VirtualCard::new(vec![jpki_df(p)?, text_df(p, &check_b)?, face_df(p, spec.images, &check_b, fault)?]))
}
