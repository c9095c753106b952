//! The card applications, one module each (DESIGN.md §2). Each has its DF
//! name, its EF constants and a borrowing `XxxAp::select(&mut Card)`.

pub mod face;
pub mod issuer;
pub mod jp2;
pub mod jpki;
pub mod text;

use sha2::{Digest, Sha256};

/// DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

/// The PKCS#1 v1.5 DigestInfo for a SHA-256 digest.
pub fn sha256_digest_info(digest: &[u8; 32]) -> Vec<u8> {
    let mut out = SHA256_DIGEST_INFO_PREFIX.to_vec();
    out.extend_from_slice(digest);
    out
}

/// The DigestInfo of SHA-256 over `message`.
pub fn digest_info_of(message: &[u8]) -> Vec<u8> {
    sha256_digest_info(&Sha256::digest(message).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_digest_info_is_51_bytes_with_the_standard_prefix() {
        let di = sha256_digest_info(&[0xAA; 32]);
        assert_eq!(di.len(), 51);
        assert_eq!(hex::encode(&di[..19]), "3031300d060960864801650304020105000420");
    }

    #[test]
    fn the_digest_info_of_a_message_holds_its_sha256() {
        // FIPS 180-2 test vector: SHA-256("abc").
        let di = digest_info_of(b"abc");
        assert_eq!(hex::encode(&di[19..]), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
