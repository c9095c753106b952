//! Adding a card-surface scanner that does its own OCR (docs/vendor-guide.md
//! §3). The vendor's scanner answers one line per scan over a serial port,
//! `OK <照合番号B> <confidence> <mark>` or `NG <reason>`; here the port is an
//! in-memory stream. 照合番号B is a secret: never log it or keep the line.
//! Run: `cargo run -p uketsuke-tests --example vendor_surface`.
#![allow(clippy::print_stdout)]

use std::io::{BufRead, BufReader, Cursor};

use anyhow::{Result, ensure};
use uketsuke_driver::hal::surface::{CardSurface, FaceAuthMark, SurfaceGuidance, SurfaceScan};
use uketsuke_driver::hal::{Error as HalError, ErrorKind};
use uketsuke_driver::secret::CheckCodeB;
use zeroize::Zeroizing;

/// What can go wrong with the scanner.
#[derive(Debug, thiserror::Error)]
enum ScannerError {
    #[error("the scanner's port failed: {0}")]
    Port(#[from] std::io::Error),
    #[error("the scanner sent a line this driver does not understand")]
    Protocol,
}

impl HalError for ScannerError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Port(_) => ErrorKind::Disconnected,
            Self::Protocol => ErrorKind::BadData,
        }
    }
}

/// The scanner on its port.
struct SerialScanner<P: BufRead + Send>(P);

impl<P: BufRead + Send> CardSurface for SerialScanner<P> {
    type Error = ScannerError;

    fn scan(&mut self) -> Result<SurfaceScan, ScannerError> {
        let mut line = Zeroizing::new(String::new());
        self.0.read_line(&mut line)?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        let mark = |m: &str| match m {
            "present" => Ok(FaceAuthMark::Present),
            "cancelled" => Ok(FaceAuthMark::Cancelled),
            "absent" => Ok(FaceAuthMark::Absent),
            _ => Err(ScannerError::Protocol),
        };
        match fields.as_slice() {
            ["OK", code, confidence, m] => Ok(SurfaceScan {
                // A code the scanner was not sure of never reaches the card.
                code_b: Some(CheckCodeB::parse(code).map_err(|_| ScannerError::Protocol)?),
                confidence: confidence.parse().map_err(|_| ScannerError::Protocol)?,
                mark: mark(m)?,
                guidance: None,
            }),
            ["NG", "covered"] => Ok(SurfaceScan::unreadable(SurfaceGuidance::MoveThumb, FaceAuthMark::Absent)),
            ["NG", "glare"] => Ok(SurfaceScan::unreadable(SurfaceGuidance::Glare, FaceAuthMark::Absent)),
            ["NG", "nocard"] => Ok(SurfaceScan::unreadable(SurfaceGuidance::PlaceCard, FaceAuthMark::Absent)),
            _ => Err(ScannerError::Protocol),
        }
    }
}

fn main() -> Result<()> {
    let port = "NG covered\nOK 46051220314821 0.98 absent\nOK 12 x\n";
    let mut scanner = SerialScanner(BufReader::new(Cursor::new(port)));
    let first = scanner.scan()?;
    println!("first scan: {first:?}");
    ensure!(first.code_b.is_none() && first.guidance == Some(SurfaceGuidance::MoveThumb));
    let second = scanner.scan()?;
    println!("second scan: {second:?}");
    ensure!(second.code_b.is_some() && !format!("{second:?}").contains("4821"), "the code is read and never printed");
    let third = scanner.scan();
    println!("third scan: {third:?}");
    ensure!(matches!(third, Err(ScannerError::Protocol)), "a garbled line is an error, not a guess");
    // The kiosk holds it as `Box::new(Vendor(scanner))` in `Parts::surface`.
    Ok(())
}
