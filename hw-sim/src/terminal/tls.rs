//! The simulator terminal's TLS: its own CA (which kiosks pin in
//! `host.ca_file`) and a server certificate for the loopback names, made
//! when it starts. Kiosks authenticate with their own key's certificate,
//! which the terminal accepts only if the key is on its allow-list.

use uketsuke_net::certs::Authority;
use uketsuke_net::tls::{TlsError, TlsIdentity};

/// The names the terminal's certificate is valid for.
const NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// The terminal's CA and server identity.
pub struct TerminalTls {
    ca: Authority,
    /// The server's certificate and key.
    pub identity: TlsIdentity,
}

impl std::fmt::Debug for TerminalTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TerminalTls(REDACTED)")
    }
}

impl TerminalTls {
    /// A new CA and a server certificate for the loopback names.
    pub fn generate() -> Result<Self, TlsError> {
        let ca = Authority::new("Uketsuke simulator reception terminal CA")?;
        let names: Vec<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
        let (cert, key) = ca.issue("Uketsuke simulator reception terminal", &names)?;
        Ok(Self { identity: TlsIdentity::new(&cert, &key)?, ca })
    }

    /// The CA certificate (PEM) kiosks pin.
    pub fn ca_pem(&self) -> String {
        self.ca.certificate_pem()
    }

    /// Another server certificate from the same CA (tests play a man in
    /// the middle who holds one): (PEM, PKCS#8 DER).
    pub fn issue(&self, names: &[String]) -> Result<(String, Vec<u8>), TlsError> {
        self.ca.issue("another server", names)
    }
}
