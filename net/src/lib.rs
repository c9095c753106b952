//! Uketsuke's links (DESIGN.md §5: every link is TLS, with rustls).
//!
//! | module | job |
//! |---|---|
//! | [`tls`] | TLS 1.3 server and client configurations; client keys pinned by an allow-list |
//! | [`certs`] | certificates made at provisioning and by the simulator (rcgen) |
//! | [`http`] | a small HTTP/1.1 server over TLS (plain TCP only as a development setting) |

pub mod certs;
pub mod http;
pub mod tls;
