//! The staff console's TLS certificate (DESIGN.md §5: the staff API is
//! served over TLS). Provisioning makes a P-256 key (`staff-key.p8`, mode
//! 0600) and a self-signed certificate (`staff-cert.pem`) for the kiosk's
//! staff address, in the state directory; its SHA-256 fingerprint is
//! printed then, logged at every start and shown by the console, so staff
//! can check it when their browser first meets the console.

use std::net::SocketAddr;
use std::path::Path;

use uketsuke_net::certs;
use uketsuke_net::tls::{TlsIdentity, fingerprint};

use super::identity::{IdentityError, read_private, write_private};

/// The certificate's file in the state directory.
pub const CERT_FILE: &str = "staff-cert.pem";
/// The key's file in the state directory (PKCS#8 DER, mode 0600).
pub const KEY_FILE: &str = "staff-key.p8";

/// The staff console's certificate and key.
#[derive(Debug)]
pub struct StaffTls {
    /// For the server.
    pub identity: TlsIdentity,
    /// The certificate (PEM), for clients that pin it.
    pub certificate_pem: String,
}

fn certificate(e: impl std::fmt::Display) -> IdentityError {
    IdentityError::Certificate(e.to_string())
}

impl StaffTls {
    /// The names the certificate is for: the staff address (unless it is a
    /// wildcard), the loopback names, and `extra` (DNS names or addresses).
    pub fn names(listen: SocketAddr, extra: &[String]) -> Vec<String> {
        let mut names: Vec<String> = extra.to_vec();
        if !listen.ip().is_unspecified() {
            names.push(listen.ip().to_string());
        }
        names.extend(["127.0.0.1".to_owned(), "localhost".to_owned()]);
        names.dedup();
        names
    }

    /// A new key and certificate, in memory.
    pub fn generate(names: &[String]) -> Result<Self, IdentityError> {
        let key = certs::new_key().map_err(certificate)?;
        let pem = certs::self_signed(&key, "Uketsuke staff console", names).map_err(certificate)?;
        Ok(Self { identity: TlsIdentity::new(&pem, &key).map_err(certificate)?, certificate_pem: pem })
    }

    /// Reads them from `state_dir`, refusing a key others can read.
    pub fn load(state_dir: &Path) -> Result<Self, IdentityError> {
        let key = read_private(&state_dir.join(KEY_FILE))?;
        let cert_path = state_dir.join(CERT_FILE);
        let pem = std::fs::read_to_string(&cert_path)
            .map_err(|e| IdentityError::Io { path: cert_path.clone(), reason: e.to_string() })?;
        Ok(Self { identity: TlsIdentity::new(&pem, &key).map_err(certificate)?, certificate_pem: pem })
    }

    /// Makes them in `state_dir` unless they are there; whether made now.
    pub fn provision(state_dir: &Path, names: &[String]) -> Result<(Self, bool), IdentityError> {
        match Self::load(state_dir) {
            Ok(existing) => return Ok((existing, false)),
            Err(IdentityError::Missing(_)) => {}
            Err(e) => return Err(e),
        }
        let key = certs::new_key().map_err(certificate)?;
        let pem = certs::self_signed(&key, "Uketsuke staff console", names).map_err(certificate)?;
        write_private(&state_dir.join(KEY_FILE), &key)?;
        let cert_path = state_dir.join(CERT_FILE);
        std::fs::write(&cert_path, &pem).map_err(|e| IdentityError::Io { path: cert_path, reason: e.to_string() })?;
        Ok((Self { identity: TlsIdentity::new(&pem, &key).map_err(certificate)?, certificate_pem: pem }, true))
    }

    /// The certificate's SHA-256 fingerprint (`AB:CD:…`), as browsers show it.
    pub fn fingerprint(&self) -> String {
        fingerprint(self.identity.leaf())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn provisioning_keeps_the_certificate_staff_already_trust() {
        let dir = tempfile::tempdir().unwrap();
        let names = StaffTls::names("192.0.2.10:8471".parse().unwrap(), &[]);
        assert!(names.contains(&"192.0.2.10".to_owned()) && names.contains(&"127.0.0.1".to_owned()));
        let (made, created) = StaffTls::provision(dir.path(), &names).unwrap();
        let (again, created_again) = StaffTls::provision(dir.path(), &names).unwrap();
        assert!(created && !created_again);
        assert_eq!(made.fingerprint(), again.fingerprint());
        assert_eq!(made.fingerprint().len(), 32 * 3 - 1);
    }
}
