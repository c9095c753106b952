//! Tools written for real My Number Cards work against the virtual card
//! unchanged: OpenSC's JPKI driver lists, reads and signs with it.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use std::process::{Command, Output};

use der::{Decode, Encode};
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256};
use uketsuke_tests::{PcscSandbox, SimCard};

fn opensc(sb: &PcscSandbox, tool: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(tool);
    cmd.args(args);
    sb.env(&mut cmd).output().unwrap_or_else(|e| panic!("{tool} (Debian opensc, installed by scripts/setup): {e}"))
}

#[test]
fn opensc_recognises_the_card_as_jpki_and_reads_and_signs_with_it() {
    let sb = PcscSandbox::start().unwrap_or_else(|e| panic!("{e:#}"));
    let _sim = SimCard::start(&sb, "adult-registered", &[]).unwrap_or_else(|e| panic!("{e:#}"));

    let name = opensc(&sb, "opensc-tool", &["--name"]);
    assert_eq!(String::from_utf8_lossy(&name.stdout).trim(), "jpki", "{}", String::from_utf8_lossy(&name.stderr));

    let pins = String::from_utf8_lossy(&opensc(&sb, "pkcs15-tool", &["--list-pins"]).stdout).to_string();
    assert!(pins.contains("User Authentication PIN") && pins.contains("Tries left     : 3"), "{pins}");

    let pem = opensc(&sb, "pkcs15-tool", &["--read-certificate", "01"]).stdout;
    let pem = String::from_utf8_lossy(&pem);
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der_bytes = base64_decode(&b64);
    let cert = x509_cert::Certificate::from_der(&der_bytes).unwrap_or_else(|e| panic!("{e}: {pem}"));
    assert!(cert.tbs_certificate.subject.to_string().contains("UKETSUKE-SIM-AUTH-00001001"));

    let digest = Sha256::digest(b"signed by OpenSC");
    let input = sb.scratch().join("digest.bin");
    let output = sb.scratch().join("sig.bin");
    std::fs::write(&input, digest).unwrap_or_else(|e| panic!("{e}"));
    let signed = opensc(
        &sb,
        "pkcs15-crypt",
        &[
            "--sign",
            "-k",
            "01",
            "--pkcs1",
            "--sha-256",
            "-i",
            &input.to_string_lossy(),
            "-o",
            &output.to_string_lossy(),
            "-p",
            "1234",
        ],
    );
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let sig = std::fs::read(&output).unwrap_or_default();
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().unwrap_or_default();
    let key =
        <RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(&spki).unwrap_or_else(|e| panic!("{e}"));
    assert!(key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &sig).is_ok(), "OpenSC's signature does not verify");
}

/// Standard base64 (RFC 4648), enough for a PEM body.
fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else { continue };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
