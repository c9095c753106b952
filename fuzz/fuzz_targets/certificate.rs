//! The X.509 certificates read from the card (JPKI authentication and its
//! CA), parsed with `x509-cert`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uketsuke_driver::cert::CertificateInfo;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = CertificateInfo::parse(data) {
        assert_eq!(info.der, data);
        assert!(!info.not_after.is_empty());
        let _ = std::hint::black_box(info.is_expired_at(0));
    }
});
