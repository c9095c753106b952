//! The virtual card's file tree: dedicated files (applications) holding
//! elementary files of data, credentials (PIN, password, 照合番号) and keys.

use std::sync::Arc;

use rsa::RsaPrivateKey;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Who may use an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// No condition.
    Always,
    /// Never (e.g. the authentication key of a face-auth-only card).
    Never,
    /// After any one of these credential EFs (same DF) was verified.
    AfterAny(Vec<[u8; 2]>),
}

/// A PIN-like credential with a retry counter.
pub struct Credential {
    secret: Zeroizing<Vec<u8>>,
    max: u8,
    remaining: u8,
}

/// What comparing a presented value did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Correct: counter reset to its maximum.
    Correct,
    /// Wrong: this many tries remain (0 = now blocked).
    Wrong(u8),
    /// Already blocked: nothing was compared.
    Blocked,
}

impl Credential {
    /// A credential with `max` tries of which `remaining` are left.
    pub fn new(secret: &[u8], max: u8, remaining: u8) -> Self {
        Self { secret: Zeroizing::new(secret.to_vec()), max, remaining: remaining.min(max) }
    }

    /// Tries left.
    pub fn remaining(&self) -> u8 {
        self.remaining
    }

    /// Compares `presented`, updating the counter.
    pub fn check(&mut self, presented: &[u8]) -> Check {
        if self.remaining == 0 {
            return Check::Blocked;
        }
        if bool::from(self.secret.as_slice().ct_eq(presented)) {
            self.remaining = self.max;
            Check::Correct
        } else {
            self.remaining -= 1;
            Check::Wrong(self.remaining)
        }
    }
}

/// Contents of an elementary file.
pub enum Body {
    /// Transparent data for READ BINARY.
    Binary(Vec<u8>),
    /// A credential for VERIFY.
    Credential(Credential),
    /// A private key for COMPUTE DIGITAL SIGNATURE, with its use condition.
    Key(Arc<RsaPrivateKey>, Access),
}

/// An elementary file.
pub struct Ef {
    /// File identifier.
    pub fid: [u8; 2],
    /// Contents.
    pub body: Body,
    /// Condition for READ BINARY.
    pub read: Access,
}

impl Ef {
    /// A data file.
    pub fn binary(fid: [u8; 2], data: Vec<u8>, read: Access) -> Self {
        Self { fid, body: Body::Binary(data), read }
    }

    /// A credential file (never readable).
    pub fn credential(fid: [u8; 2], secret: &[u8], max: u8, remaining: u8) -> Self {
        Self { fid, body: Body::Credential(Credential::new(secret, max, remaining)), read: Access::Never }
    }

    /// A key file (never readable).
    pub fn key(fid: [u8; 2], key: Arc<RsaPrivateKey>, usable: Access) -> Self {
        Self { fid, body: Body::Key(key, usable), read: Access::Never }
    }
}

/// A dedicated file: one application.
pub struct Df {
    /// Short name for logs.
    pub name: &'static str,
    /// DF name (AID).
    pub aid: Vec<u8>,
    /// Its elementary files.
    pub efs: Vec<Ef>,
    /// The application's own key for `80 2A 00 00` (no credential).
    pub chip_key: Option<Arc<RsaPrivateKey>>,
}

impl Df {
    /// The index of the EF with this identifier.
    pub fn ef_index(&self, fid: [u8; 2]) -> Option<usize> {
        self.efs.iter().position(|e| e.fid == fid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_value_spends_one_try_and_the_last_blocks() {
        let mut c = Credential::new(b"1234", 3, 3);
        assert_eq!(c.check(b"0000"), Check::Wrong(2));
        assert_eq!(c.check(b"0000"), Check::Wrong(1));
        assert_eq!(c.check(b"0000"), Check::Wrong(0));
        assert_eq!(c.check(b"1234"), Check::Blocked);
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn a_correct_value_resets_the_counter() {
        let mut c = Credential::new(b"1234", 3, 3);
        assert_eq!(c.check(b"9999"), Check::Wrong(2));
        assert_eq!(c.check(b"1234"), Check::Correct);
        assert_eq!(c.remaining(), 3);
    }

    #[test]
    fn prefixes_and_extensions_do_not_match() {
        let mut c = Credential::new(b"1234", 10, 10);
        assert_eq!(c.check(b"123"), Check::Wrong(9));
        assert_eq!(c.check(b"12345"), Check::Wrong(8));
    }
}
