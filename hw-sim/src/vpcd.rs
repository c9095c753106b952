//! The vpcd bridge: the virtual card connects to vsmartcard-vpcd (a reader
//! driver inside a real pcscd) as its "virtual ICC".
//!
//! Protocol (vsmartcard): every message is a 2-byte big-endian length and a
//! payload. From vpcd, a 1-byte payload is a control code (0 power off,
//! 1 power on, 2 reset, 4 get ATR), anything longer an APDU. The card
//! answers get-ATR and APDUs; closing the connection removes the card.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tracing::{debug, info, warn};

use crate::card::VirtualCard;
use crate::faults::{Faults, Outcome};

const CTRL_OFF: u8 = 0;
const CTRL_ON: u8 = 1;
const CTRL_RESET: u8 = 2;
const CTRL_ATR: u8 = 4;
/// How long a reader waits for a mute card before it gives up. vpcd has no
/// such timeout (pcscd would wait forever, and vpcd ejects the card on an
/// empty answer), so the bridge plays the reader: after this long it answers
/// one byte with no status word, which PC/SC clients see as no valid answer
/// while the card stays in the field.
pub const READER_TIMEOUT: Duration = Duration::from_secs(2);
/// How often a blocked read wakes to check the deadline and stop flag.
const POLL: Duration = Duration::from_millis(50);

/// Bridge failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// vpcd did not accept a connection in time.
    #[error("cannot reach vpcd at {addr} (is pcscd with vsmartcard-vpcd running?): {source}")]
    Connect {
        /// Where we tried.
        addr: SocketAddr,
        /// The last error.
        source: std::io::Error,
    },
    /// The connection failed mid-way.
    #[error("vpcd connection: {0}")]
    Io(#[from] std::io::Error),
}

/// Why an insertion ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The deadline passed: the card was taken away.
    TimeUp,
    /// A removal fault fired before APDU `n`.
    RemovedBeforeApdu(usize),
    /// The stop flag was raised.
    Stopped,
    /// vpcd closed the connection (pcscd stopped).
    ReaderGone,
}

/// One insertion of the card into vpcd's reader.
pub struct Insertion<'a> {
    /// The card.
    pub card: &'a mut VirtualCard,
    /// The ATR to present.
    pub atr: &'a [u8],
    /// Faults for this insertion.
    pub faults: &'a Faults,
    /// Remove the card at this instant.
    pub deadline: Option<Instant>,
    /// Remove the card when this turns true.
    pub stop: &'a AtomicBool,
    /// Called when the reader first powers the card (it is then usable).
    pub on_powered: &'a mut dyn FnMut(),
}

/// Connects to vpcd, retrying until `timeout`.
pub fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, BridgeError> {
    let start = Instant::now();
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            Ok(s) => return Ok(s),
            Err(e) if start.elapsed() >= timeout => {
                return Err(BridgeError::Connect { addr, source: e });
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

enum Read2 {
    Frame(Vec<u8>),
    Closed,
    Interrupted(Ended),
}

impl Insertion<'_> {
    fn interrupted(&self) -> Option<Ended> {
        if self.stop.load(Ordering::Relaxed) {
            Some(Ended::Stopped)
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            Some(Ended::TimeUp)
        } else {
            None
        }
    }

    fn read_exact_polling(
        &self,
        s: &mut TcpStream,
        buf: &mut [u8],
        may_interrupt: bool,
    ) -> Result<Option<Read2>, BridgeError> {
        let mut got = 0;
        while got < buf.len() {
            if may_interrupt
                && got == 0
                && let Some(why) = self.interrupted()
            {
                return Ok(Some(Read2::Interrupted(why)));
            }
            match s.read(&mut buf[got..]) {
                Ok(0) => return Ok(Some(Read2::Closed)),
                Ok(n) => {
                    got += n;
                    // vpcd writes the length and the APDU separately, with Nagle on:
                    // acknowledge at once, or every APDU waits for delayed ACK (~40 ms).
                    quick_ack(s);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => {}
                Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                    return Ok(Some(Read2::Closed));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(None)
    }

    fn read_frame(&self, s: &mut TcpStream) -> Result<Read2, BridgeError> {
        let mut len = [0u8; 2];
        if let Some(r) = self.read_exact_polling(s, &mut len, true)? {
            return Ok(r);
        }
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if let Some(r) = self.read_exact_polling(s, &mut payload, false)? {
            return Ok(r);
        }
        Ok(Read2::Frame(payload))
    }

    /// Runs the insertion on a connected stream until the card is removed.
    pub fn run(&mut self, mut s: TcpStream) -> Result<(Ended, usize), BridgeError> {
        s.set_nodelay(true)?;
        quick_ack(&s);
        s.set_read_timeout(Some(POLL))?;
        let mut apdus = 0usize;
        let mut powered = false;
        let ended = loop {
            let frame = match self.read_frame(&mut s)? {
                Read2::Frame(f) => f,
                Read2::Closed => break Ended::ReaderGone,
                Read2::Interrupted(why) => break why,
            };
            match frame.as_slice() {
                [CTRL_OFF] => debug!("power off"),
                [CTRL_ON] | [CTRL_RESET] => {
                    debug!("power on / reset");
                    self.card.reset();
                    apdus = 0;
                }
                [CTRL_ATR] => {
                    send(&mut s, self.atr)?;
                    if !powered {
                        powered = true;
                        (self.on_powered)();
                    }
                }
                [other] => warn!(code = other, "unknown vpcd control code"),
                apdu => {
                    apdus += 1;
                    match self.faults.exchange(apdus, self.card, apdu) {
                        Outcome::Respond(resp, delay) => {
                            if !delay.is_zero() {
                                std::thread::sleep(delay);
                            }
                            send(&mut s, &resp)?;
                        }
                        Outcome::Remove => {
                            info!(apdu = apdus, "fault: card removed before this APDU");
                            break Ended::RemovedBeforeApdu(apdus);
                        }
                        Outcome::Mute => {
                            info!(apdu = apdus, "fault: the card does not answer");
                            std::thread::sleep(READER_TIMEOUT);
                            send(&mut s, &[0x00])?;
                        }
                    }
                }
            }
        };
        let _ = s.shutdown(Shutdown::Both);
        self.card.reset();
        Ok((ended, apdus))
    }
}

#[cfg(target_os = "linux")]
fn quick_ack(s: &TcpStream) {
    let _ = socket2::SockRef::from(s).set_quickack(true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_: &TcpStream) {}

fn send(s: &mut TcpStream, payload: &[u8]) -> Result<(), BridgeError> {
    let len = u16::try_from(payload.len()).map_err(|_| std::io::Error::other("response longer than 65535 bytes"))?;
    let mut msg = Vec::with_capacity(payload.len() + 2);
    msg.extend_from_slice(&len.to_be_bytes());
    msg.extend_from_slice(payload);
    s.write_all(&msg)?;
    Ok(())
}
