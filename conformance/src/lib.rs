//! The reader conformance kit (`uketsuke-conformance`): qualifies a PC/SC
//! reader for the kiosk with the virtual card or a real My Number Card.
//! Each check ([`checks`]) passes, fails or does not apply, with the figure
//! it measured and the threshold the kiosk needs; the [`report`] goes to
//! Markdown (for a vendor's qualification) or JSON. How to run it and what
//! each check means: `docs/vendor-guide.md`.
#![forbid(unsafe_code)]

pub mod atr;
mod budgets;
pub mod checks;
pub mod link;
pub mod report;

pub use checks::{Options, run_all};
pub use report::{CheckResult, Outcome, Report};

/// Runs every check against `reader_name` and returns the report.
pub fn qualify(reader_name: &str, options: &Options) -> Result<Report, uketsuke_driver::TransportError> {
    let started = jiff::Timestamp::now().round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_default();
    let reader = link::Reader::open(reader_name)?;
    let (atr, checks) = run_all(&reader, options);
    Ok(Report {
        tool: format!("uketsuke-conformance {}", env!("CARGO_PKG_VERSION")),
        started,
        reader: reader_name.to_owned(),
        atr,
        checks,
    })
}
