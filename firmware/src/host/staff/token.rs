//! The staff token: the shared secret staff sign in with (with their name).
//! It comes from a file (never the command line), must carry at least
//! [`MIN_TOKEN_BITS`] bits by a conservative estimate, and is compared in
//! constant time.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

/// Least entropy a staff token must carry (DESIGN.md §5).
pub const MIN_TOKEN_BITS: u32 = 128;

/// The staff token. `Debug` is redacted; zeroized on drop.
pub struct StaffToken(Zeroizing<String>);

impl fmt::Debug for StaffToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaffToken(REDACTED)")
    }
}

/// A token that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token file cannot be read.
    #[error("cannot read the staff token file {0}")]
    Unreadable(String),
    /// The token is guessable.
    #[error(
        "the staff token is too weak (about {bits} bits; at least {MIN_TOKEN_BITS} are needed): \
         use a random token, e.g. the one `uketsuke provision` writes"
    )]
    TooWeak {
        /// The estimate.
        bits: u32,
    },
}

/// A conservative estimate of a token's entropy: its length times the bits
/// of the smallest alphabet holding its characters (lower case, upper case,
/// digits, ASCII symbols). A token of few distinct characters is a pattern,
/// and counts as nothing.
pub fn estimated_bits(token: &str) -> u32 {
    let chars: Vec<char> = token.chars().collect();
    if chars.iter().collect::<HashSet<_>>().len() < 8 {
        return 0;
    }
    let has = |f: fn(&char) -> bool| chars.iter().any(f);
    let alphabet = [
        (has(char::is_ascii_lowercase), 26),
        (has(char::is_ascii_uppercase), 26),
        (has(char::is_ascii_digit), 10),
        (has(|c| c.is_ascii_punctuation() || *c == ' '), 33),
        (has(|c| !c.is_ascii()), 1000),
    ]
    .iter()
    .filter(|(present, _)| *present)
    .map(|(_, n)| n)
    .sum::<u32>();
    (chars.len() as f64 * f64::from(alphabet.max(1)).log2()).floor() as u32
}

impl StaffToken {
    /// A token from text (surrounding white space ignored).
    pub fn new(text: &str) -> Result<Self, TokenError> {
        let t = text.trim();
        let bits = estimated_bits(t);
        if bits < MIN_TOKEN_BITS {
            return Err(TokenError::TooWeak { bits });
        }
        Ok(Self(Zeroizing::new(t.to_owned())))
    }

    /// Reads the token from a file (never from the command line).
    pub fn from_file(path: &Path) -> Result<Self, TokenError> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|_| TokenError::Unreadable(path.display().to_string()))?,
        );
        Self::new(&text)
    }

    /// A new random token: 32 bytes, hex (256 bits).
    pub fn generate() -> Zeroizing<String> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        Zeroizing::new(hex::encode(bytes.as_ref()))
    }

    /// Compares with a presented token in time independent of where they
    /// differ (`subtle`; only the lengths' equality shows).
    pub fn matches(&self, presented: &str) -> bool {
        bool::from(subtle::ConstantTimeEq::ct_eq(self.0.as_bytes(), presented.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "Vd3-kq9Zp2Lx8wNc4Rt7Ym1Bs6Hf0Gj5";

    #[test]
    fn the_token_must_match_exactly() {
        let t = StaffToken::new(TOKEN).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(t.matches(TOKEN));
        for wrong in ["", &TOKEN[1..], &format!("{TOKEN}x"), &TOKEN.to_lowercase()] {
            assert!(!t.matches(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn guessable_tokens_are_refused_at_load() {
        for weak in
            ["1234", "0123456789abcdef", "reception-staff", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Password1!"]
        {
            assert!(matches!(StaffToken::new(weak), Err(TokenError::TooWeak { .. })), "{weak:?}");
        }
        assert!(StaffToken::new(TOKEN).is_ok());
        assert!(StaffToken::new(&StaffToken::generate()).is_ok(), "a generated token is strong enough");
    }

    #[test]
    fn debug_is_redacted() {
        let t = StaffToken::new(TOKEN).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(format!("{t:?}"), "StaffToken(REDACTED)");
    }
}
