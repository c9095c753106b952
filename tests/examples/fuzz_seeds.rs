//! Writes the fuzz targets' seed corpora (fuzz/corpus/TARGET/seed-*): the
//! virtual card's real answers on each path `card_session` takes, the real
//! records and certificates, the terminal's and the kiosk's real messages,
//! the shipped configuration and the patient scripts, OCR lines.
//!
//! The cards are built from synthetic images (a JPEG 2000 header with no
//! picture in it), so no face image from `scripts/setup` reaches the
//! repository. Run from the repository root:
//!
//! ```text
//! cargo run -p uketsuke-tests --example fuzz_seeds
//! ```

#![allow(clippy::print_stdout)]

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use uketsuke_driver::ap::face::FaceAp;
use uketsuke_driver::ap::jpki::JpkiAp;
use uketsuke_driver::ap::text::TextAp;
use uketsuke_driver::kind::KindSignals;
use uketsuke_driver::reading::{read_face_evidence, summarize};
use uketsuke_driver::secret::{CheckCodeB, Pin};
use uketsuke_driver::{Card, Transmit, TransportError};
use uketsuke_hw_sim::card::{CardSpec, VirtualCard, build_card};
use uketsuke_hw_sim::persona::{self, CardImages, Persona};

/// A JP2 file that declares a `side`×`side` greyscale image and holds no
/// picture: signature, ftyp, jp2h/ihdr, and a codestream of SOC, SIZ, EOC.
fn jp2_header_only(side: u32) -> Vec<u8> {
    let boxed = |kind: &[u8; 4], content: &[u8]| {
        let mut b = u32::try_from(8 + content.len()).unwrap_or(0).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(content);
        b
    };
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[0x00, 0x01, 0x07, 0x07, 0x00, 0x00]);
    let mut siz = vec![0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00];
    for v in [side, side, 0, 0, side, side, 0, 0] {
        siz.extend_from_slice(&v.to_be_bytes());
    }
    siz.extend_from_slice(&[0x00, 0x01, 0x07, 0x01, 0x01, 0xFF, 0xD9]);
    let mut out = boxed(b"jP  ", &[0x0D, 0x0A, 0x87, 0x0A]);
    out.extend(boxed(b"ftyp", b"jp2 \0\0\0\0jp2 "));
    out.extend(boxed(b"jp2h", &boxed(b"ihdr", &ihdr)));
    out.extend(boxed(b"jp2c", &siz));
    out
}

/// The persona's card, with synthetic images.
fn card_of(persona: &Persona) -> Result<VirtualCard> {
    let images = CardImages {
        photo: jp2_header_only(300),
        name: jp2_header_only(64),
        address: jp2_header_only(64),
        security_code: jp2_header_only(32),
    };
    Ok(build_card(&CardSpec { persona, images: &images })?)
}

/// Forwards to the virtual card and writes its answers in `FuzzCard`'s
/// form (fuzz/src/lib.rs): a two-byte length and the bytes.
struct Recorder {
    card: VirtualCard,
    out: Vec<u8>,
}

impl Transmit for Recorder {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.card.process(command);
        self.out.extend_from_slice(&u16::try_from(answer.len()).unwrap_or(0).to_be_bytes());
        self.out.extend_from_slice(&answer);
        Ok(answer)
    }
}

/// One `card_session` step, as fuzz_targets/card_session.rs numbers them,
/// with the persona's real secrets so the seed goes all the way.
fn step(card: &mut Card<Recorder>, op: u8, persona: &Persona) -> Result<()> {
    let pin = Pin::parse(persona.pin.as_deref().unwrap_or("0000"))?;
    let code = CheckCodeB::parse(&persona.check_code_b().unwrap_or_default())?;
    let digest_info = [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48];
    match op {
        0 => drop(KindSignals::probe(card)),
        1 => drop(summarize(card)),
        2 => drop(read_face_evidence(card, &code)),
        3 => {
            let mut jpki = JpkiAp::select(card)?;
            if jpki.verify_auth_pin(&pin).is_ok() {
                drop(jpki.sign_with_auth_key(&digest_info));
            }
        }
        4 => {
            let mut text = TextAp::select(card)?;
            if text.verify_pin(&pin).is_ok() {
                drop(text.read_my_number());
                drop(text.read_basic_info());
            }
        }
        _ => {
            let mut face = FaceAp::select(card)?;
            drop(face.check_code_b_status());
            drop(face.read_record());
        }
    }
    Ok(())
}

/// Writes `bytes` as `fuzz/corpus/TARGET/seed-NAME`.
fn put(root: &Path, target: &str, name: &str, bytes: &[u8]) -> Result<()> {
    let dir = root.join("fuzz/corpus").join(target);
    fs::create_dir_all(&dir)?;
    fs::write(dir.join(format!("seed-{name}")), bytes).with_context(|| format!("writing a {target} seed"))
}

fn with_choice(choice: u8, bytes: &[u8]) -> Vec<u8> {
    let mut v = vec![choice];
    v.extend_from_slice(bytes);
    v
}

fn card_seeds(root: &Path) -> Result<()> {
    for id in ["adult-registered", "face-only", "pin-blocked", "pin-one-try"] {
        let persona = persona::by_id(id)?;
        for ops in [[0u8, 3], [1, 2], [4, 5], [2, 3]] {
            let mut card = Card::new(Recorder { card: card_of(&persona)?, out: ops.to_vec() });
            for op in ops {
                step(&mut card, op, &persona)?;
            }
            put(root, "card_session", &format!("{id}-{}{}", ops[0], ops[1]), &card.into_inner().out)?;
        }
        // The files themselves, read whole.
        let mut card = Card::new(Recorder { card: card_of(&persona)?, out: Vec::new() });
        let summary = summarize(&mut card)?;
        put(root, "certificate", &format!("{id}-auth"), &summary.auth_cert.der)?;
        let ca = JpkiAp::select(&mut card)?.read_auth_ca_cert()?;
        put(root, "certificate", "jpki-ca", &ca.der)?;
        let code = CheckCodeB::parse(&persona.check_code_b().unwrap_or_default())?;
        let (_, record) = read_face_evidence(&mut card, &code)?;
        put(root, "card_records", &format!("{id}-record"), &with_choice(1, record.raw.expose()))?;
        put(root, "card_records", &format!("{id}-signed"), &with_choice(3, record.raw.expose()))?;
        put(root, "tlv_record", &format!("{id}-record"), &with_choice(0, record.raw.expose()))?;
        if let Some(pin) = &persona.pin
            && persona.pin_tries_left > 0
        {
            card.select_df(&uketsuke_driver::text::AID)?;
            card.verify_with_query(uketsuke_driver::text::ef::PIN, pin.as_bytes())?;
            card.select_ef(uketsuke_driver::text::ef::BASIC_INFO)?;
            let basic = card.read_tlv_file()?;
            put(root, "card_records", &format!("{id}-basic"), &with_choice(0, &basic))?;
            put(root, "tlv_record", &format!("{id}-basic"), &with_choice(0, &basic))?;
        }
    }
    put(root, "card_records", "photo-header", &with_choice(2, &jp2_header_only(300)))?;
    Ok(())
}

/// Two-byte big-endian length, then the bytes: how the staff target cuts
/// its input into requests (and the host target its answers, with a status byte).
fn framed(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        let len = p.len().min(0xFFF);
        out.push(u8::try_from(len >> 4).unwrap_or(0xFF));
        out.push(u8::try_from(len & 0x0F).unwrap_or(0));
        out.extend_from_slice(&p[..len]);
    }
    out
}

/// An answer from the terminal in host_response's form: status choice,
/// length / 4, JSON padded with spaces to a multiple of four.
fn answer(status_choice: u8, json: &str) -> Vec<u8> {
    let mut body = json.as_bytes().to_vec();
    while !body.len().is_multiple_of(4) {
        body.push(b' ');
    }
    let mut out = vec![status_choice, u8::try_from(body.len() / 4).unwrap_or(0xFF)];
    out.extend_from_slice(&body);
    out
}

fn message_seeds(root: &Path) -> Result<()> {
    // host_response: statuses are [200, 201, 400, 403, 404, 409, 500, 503][b % 8].
    let opened = r#"{"session_id":"7f3a9c0e5b214d8e9a6b1c2d3e4f5061","nonce":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff","expires_in":120}"#;
    let mut happy = answer(1, opened);
    happy.extend(answer(8, r#"{"eligible":true,"registered":false}"#));
    happy.extend(answer(8, r#"{"recorded":true}"#));
    happy.extend(answer(8, r#"{"registered":true}"#));
    put(root, "host_response", "happy", &happy)?;
    let mut refused = answer(1, opened);
    refused.extend(answer(3, r#"{"error":{"code":"006","message":"このカードは利用できません"}}"#));
    put(root, "host_response", "refused", &refused)?;
    let mut retried = answer(1, opened);
    retried.extend(answer(8, r#"{"eligible":true,"registered":true}"#));
    retried.push(0);
    retried.extend(answer(6, "{}"));
    retried.extend(answer(8, r#"{"recorded":true}"#));
    put(root, "host_response", "retried", &retried)?;
    // terminal_request: mode bit 0 signs, bits 1.. pick the path.
    let consent =
        r#"{"request_id":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","answers":[{"question":"surgery","agree":true}]}"#;
    put(root, "terminal_request", "consent-signed", &with_choice(0b011, consent.as_bytes()))?;
    put(root, "terminal_request", "registration-signed", &with_choice(0b101, br#"{"request_id":"a1"}"#))?;
    let evidence = r#"{"method":"pin","auth_certificate":"MAMCAQE=","signature":"AAAA"}"#;
    put(root, "terminal_request", "evidence-signed", &with_choice(0b001, evidence.as_bytes()))?;
    put(
        root,
        "terminal_request",
        "envelope-unsigned",
        &with_choice(0, br#"{"kiosk":"ab","body":"e30=","signature":"AA=="}"#),
    )?;
    // staff_request: requests framed; $TOKEN and $SESSION filled in by the target.
    let sign_in =
        "POST /staff/v1/sign-in HTTP/1.1\r\nContent-Length: 58\r\n\r\n{\"name\":\"Sato\",\"token\":\"$TOKEN\"}";
    let state = "GET /staff/v1/state HTTP/1.1\r\nAuthorization: Bearer $SESSION\r\n\r\n";
    let confirm = "POST /staff/v1/visual-check/confirm HTTP/1.1\r\nAuthorization: Bearer $SESSION\r\nContent-Length: 17\r\n\r\n{\"check_id\":\"c1\"}";
    let photo = "GET /staff/v1/visual-check/card-photo.png?check=c1 HTTP/1.1\r\nAuthorization: Bearer $SESSION\r\n\r\n";
    put(
        root,
        "staff_request",
        "signed-in",
        &framed(&[sign_in.as_bytes(), state.as_bytes(), photo.as_bytes(), confirm.as_bytes()]),
    )?;
    put(root, "staff_request", "unauthorised", &framed(&[state.as_bytes(), b"GET / HTTP/1.1\r\n\r\n"]))?;
    // surface_text: lines as the OCR gives them.
    for (name, line) in [
        ("birth", "昭和５０年 １月 ２日生"),
        ("birth-gannen", "令和元年5月1日生"),
        ("expiry", "2034年 3月 4日まで有効"),
        ("code", "|1234]"),
        ("mixed", "平成3年12月31日生 2031年1月1日まで有効"),
    ] {
        put(root, "surface_text", name, line.as_bytes())?;
    }
    Ok(())
}

/// The shipped configuration and the patient scripts, as they are.
fn file_seeds(root: &Path) -> Result<()> {
    put(root, "config", "packaged-kiosk", &with_choice(0, &fs::read(root.join("packaging/kiosk.toml"))?))?;
    put(
        root,
        "config",
        "terminal-policy",
        &with_choice(1, b"min_score = 0.4\nmin_frames = 3\nrequire_liveness = true\n"),
    )?;
    let mut scripts: Vec<_> =
        fs::read_dir(root.join("tests/scenarios"))?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    scripts.sort();
    for path in scripts.iter().filter(|p| p.extension().is_some_and(|e| e == "txt")).take(12) {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("script");
        put(root, "scenario", name, &fs::read(path)?)?;
    }
    Ok(())
}

fn main() -> Result<()> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| "tests".into()))
        .parent()
        .map(Path::to_path_buf)
        .context("the repository root")?;
    card_seeds(&root)?;
    message_seeds(&root)?;
    file_seeds(&root)?;
    println!("seeds written under {}", root.join("fuzz/corpus").display());
    Ok(())
}
