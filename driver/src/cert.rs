//! The public facts of an X.509 certificate read from the card
//! (subject, issuer, serial, validity), parsed with `x509-cert`.

use der::Decode;
use x509_cert::Certificate;

use crate::error::{Error, Result};

/// A certificate read from the card, with the fields an operator needs.
/// JPKI authentication certificates carry no personal data.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CertificateInfo {
    /// Subject distinguished name (RFC 4514 form).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// Start of validity (RFC 3339, UTC).
    pub not_before: String,
    /// End of validity (RFC 3339, UTC).
    pub not_after: String,
    /// End of validity, seconds since the Unix epoch.
    #[serde(skip)]
    pub not_after_unix: u64,
    /// The DER encoding.
    #[serde(skip)]
    pub der: Vec<u8>,
}

impl CertificateInfo {
    /// Parses a DER certificate (trailing file padding is ignored).
    pub fn parse(der_bytes: &[u8]) -> Result<Self> {
        let cert =
            Certificate::from_der(der_bytes).map_err(|_| Error::Malformed("certificate is not valid X.509 DER"))?;
        let tbs = &cert.tbs_certificate;
        let not_after = tbs.validity.not_after.to_date_time();
        Ok(Self {
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            serial: hex::encode_upper(tbs.serial_number.as_bytes()),
            not_before: rfc3339(tbs.validity.not_before.to_date_time()),
            not_after: rfc3339(not_after),
            not_after_unix: not_after.unix_duration().as_secs(),
            der: der_bytes.to_vec(),
        })
    }

    /// Whether the certificate has expired at `now_unix` seconds.
    pub fn is_expired_at(&self, now_unix: u64) -> bool {
        now_unix > self.not_after_unix
    }
}

fn rfc3339(t: der::DateTime) -> String {
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.year(), t.month(), t.day(), t.hour(), t.minutes(), t.seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_malformed_error_not_a_panic() {
        assert!(CertificateInfo::parse(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        assert!(CertificateInfo::parse(&[]).is_err());
    }
}
