//! `Card<T: Transmit>`: APDU exchange with the recovery the transport does
//! not own (`61xx` GET RESPONSE, `6Cxx` re-send), the common commands, and
//! file reads sized from the BER header (DESIGN.md §2).

use tracing::trace;
use zeroize::Zeroizing;

use crate::apdu::{Command, EXTENDED_MAX, Response, SHORT_MAX, StatusWord};
use crate::error::{Error, Result};
use crate::tlv::Header;
use crate::transmit::Transmit;

/// At most this many `61xx` rounds: a card that never stops is malformed.
const MAX_GET_RESPONSE: usize = 64;
/// The largest offset READ BINARY with even INS addresses (P1 bit 8 clear).
const MAX_OFFSET: usize = 0x7FFF;
/// The first read of a file: enough for a small file or a header.
const FIRST_READ: usize = SHORT_MAX;

/// State of a PIN or 照合番号 from the non-consuming retry query
/// (`VERIFY` with no data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", content = "tries", rename_all = "snake_case")]
pub enum PinStatus {
    /// `63Cx`: `x` tries left.
    Tries(u8),
    /// `9000`: already verified in this selection.
    Verified,
    /// `6983` / `6984` / `63C0`: blocked.
    Blocked,
    /// The PIN object does not exist (`6A82`/`6A88`): no usable PIN.
    NotSet,
}

/// Whether the card has accepted extended-length READ BINARY.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Extended {
    Untried,
    Supported,
    Unsupported,
}

/// A card behind a [`Transmit`] transport.
pub struct Card<T: Transmit> {
    io: T,
    apdus: usize,
    extended: Extended,
}

impl<T: Transmit> Card<T> {
    /// Wraps a transport.
    pub fn new(io: T) -> Self {
        Self { io, apdus: 0, extended: Extended::Untried }
    }

    /// APDUs sent so far, including GET RESPONSE and re-sends.
    pub fn apdu_count(&self) -> usize {
        self.apdus
    }

    /// The transport, borrowed.
    pub fn transport(&self) -> &T {
        &self.io
    }

    /// The transport back.
    pub fn into_inner(self) -> T {
        self.io
    }

    fn exchange(&mut self, cmd: &Command) -> Result<Response> {
        // The encoded command may carry a PIN: zeroize it after sending.
        let bytes = Zeroizing::new(cmd.to_bytes()?);
        self.apdus += 1;
        let raw = Zeroizing::new(self.io.transmit(&bytes)?);
        let resp = Response::parse(&raw).map_err(|_| Error::Malformed("response shorter than a status word"))?;
        trace!(cla = cmd.cla, ins = cmd.ins, p1 = cmd.p1, p2 = cmd.p2, nc = cmd.data.len(), ne = ?cmd.le, sw = %resp.sw, nr = resp.data.len(), "apdu");
        Ok(resp)
    }

    /// Sends a command and returns the card's final response, after
    /// following `61xx` with GET RESPONSE and `6Cxx` with one re-send.
    /// A non-success status word is returned, not mapped.
    ///
    /// `6Cxx` means "wrong Le" (ISO/IEC 7816-4 §5.1.3), so it is only
    /// followed for a command that has an Le. A command without one (a
    /// VERIFY carrying a PIN) is never sent again: a card answering it with
    /// `6Cxx` could otherwise make one patient entry cost two tries.
    pub fn transmit(&mut self, cmd: &Command) -> Result<Response> {
        let mut resp = self.exchange(cmd)?;
        if resp.sw.sw1() == 0x6C && cmd.le.is_some() {
            let le = if resp.sw.sw2() == 0 { SHORT_MAX } else { usize::from(resp.sw.sw2()) };
            resp = self.exchange(&cmd.clone().with_le(le))?;
        }
        let mut data = std::mem::take(&mut resp.data);
        let mut rounds = 0;
        while resp.sw.sw1() == 0x61 {
            rounds += 1;
            if rounds > MAX_GET_RESPONSE {
                return Err(Error::Malformed("card never finished its response (61xx loop)"));
            }
            let le = if resp.sw.sw2() == 0 { SHORT_MAX } else { usize::from(resp.sw.sw2()) };
            resp = self.exchange(&Command::new(cmd.cla & 0x03, 0xC0, 0x00, 0x00).with_le(le))?;
            data.append(&mut resp.data);
        }
        Ok(Response { data, sw: resp.sw })
    }

    /// Sends a command; returns the data on success, or the typed error.
    pub fn execute(&mut self, cmd: &Command) -> Result<Vec<u8>> {
        let resp = self.transmit(cmd)?;
        if resp.sw.is_success() { Ok(resp.data) } else { Err(Error::from_status(resp.sw)) }
    }

    /// `SELECT` by DF name (`00 A4 04 0C Lc AID`), no FCI.
    pub fn select_df(&mut self, aid: &[u8]) -> Result<()> {
        self.execute(&Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(aid)).map(drop)
    }

    /// `SELECT` EF by file identifier (`00 A4 02 0C 02 fid`), no FCI.
    pub fn select_ef(&mut self, fid: [u8; 2]) -> Result<()> {
        self.execute(&Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid)).map(drop)
    }

    /// `READ BINARY` of up to `le` bytes at `offset` of the current EF.
    pub fn read_binary(&mut self, offset: usize, le: usize) -> Result<Vec<u8>> {
        if offset > MAX_OFFSET {
            return Err(Error::Malformed("file larger than READ BINARY can address"));
        }
        let [p1, p2] = (offset as u16).to_be_bytes();
        let resp = self.transmit(&Command::new(0x00, 0xB0, p1, p2).with_le(le))?;
        match resp.sw {
            StatusWord::OK | StatusWord::END_OF_FILE => Ok(resp.data),
            sw => Err(Error::from_status(sw)),
        }
    }

    /// Reads the whole current EF, sized from its BER-TLV header.
    ///
    /// The first read is a short APDU; the rest goes in extended-length
    /// reads when the card accepts them, else in 256-byte chunks.
    pub fn read_tlv_file(&mut self) -> Result<Zeroizing<Vec<u8>>> {
        let first = Zeroizing::new(self.read_binary(0, FIRST_READ)?);
        let total = match Header::parse(&first)? {
            Some(h) => h.total_len(),
            None => return Err(Error::Malformed("file too short for its BER-TLV header")),
        };
        if total > MAX_OFFSET + 1 {
            return Err(Error::Malformed("file larger than READ BINARY can address"));
        }
        // Allocated once at full size: growing would leave copies of
        // personal data behind in freed memory.
        let mut data = Zeroizing::new(Vec::with_capacity(total.max(first.len())));
        data.extend_from_slice(&first);
        while data.len() < total {
            let want = total - data.len();
            let (chunk, asked) = self.read_chunk(data.len(), want)?;
            // A card returns all it was asked for while data remains; less
            // means the file ends before its declared length.
            if chunk.len() < asked {
                return Err(Error::Malformed("file shorter than its BER-TLV length"));
            }
            data.extend_from_slice(&chunk[..asked.min(want)]);
        }
        data.truncate(total);
        Ok(data)
    }

    /// Reads up to `want` bytes at `offset`; returns the data and how many
    /// bytes were asked for.
    fn read_chunk(&mut self, offset: usize, want: usize) -> Result<(Zeroizing<Vec<u8>>, usize)> {
        if want > SHORT_MAX && self.extended != Extended::Unsupported {
            let le = want.min(EXTENDED_MAX - 1);
            match self.read_binary(offset, le) {
                Ok(chunk) => {
                    self.extended = Extended::Supported;
                    return Ok((Zeroizing::new(chunk), le));
                }
                Err(Error::WrongLength | Error::WrongParameters | Error::InsNotSupported)
                    if self.extended == Extended::Untried =>
                {
                    trace!("card refused extended READ BINARY; falling back to short reads");
                    self.extended = Extended::Unsupported;
                }
                Err(e) => return Err(e),
            }
        }
        let le = want.min(SHORT_MAX);
        Ok((Zeroizing::new(self.read_binary(offset, le)?), le))
    }

    /// The non-consuming retry query: `VERIFY` with no data on the current
    /// PIN EF (`00 20 00 80`). Never spends a try.
    pub fn pin_status(&mut self) -> Result<PinStatus> {
        let resp = self.transmit(&Command::new(0x00, 0x20, 0x00, 0x80))?;
        match resp.sw {
            StatusWord::OK => Ok(PinStatus::Verified),
            sw if sw.retries_left() == Some(0) => Ok(PinStatus::Blocked),
            sw if sw.retries_left().is_some() => Ok(PinStatus::Tries(sw.sw2() & 0x0F)),
            sw => match Error::from_status(sw) {
                Error::PinBlocked => Ok(PinStatus::Blocked),
                Error::FileNotFound | Error::ReferencedDataNotFound => Ok(PinStatus::NotSet),
                e => Err(e),
            },
        }
    }

    /// Selects the PIN EF `fid` and reads its state; a card without that EF
    /// has no PIN there ([`PinStatus::NotSet`]). Never spends a try.
    pub fn pin_status_of(&mut self, fid: [u8; 2]) -> Result<PinStatus> {
        match self.select_ef(fid) {
            Err(Error::FileNotFound) => Ok(PinStatus::NotSet),
            other => other.and_then(|()| self.pin_status()),
        }
    }

    /// Selects the PIN EF `fid`, reads its retry count, and only if the PIN
    /// can still be tried sends `VERIFY` with `secret` (DESIGN.md §5).
    pub fn verify_with_query(&mut self, fid: [u8; 2], secret: &[u8]) -> Result<()> {
        match self.pin_status_of(fid)? {
            PinStatus::Verified | PinStatus::Tries(_) => {}
            PinStatus::Blocked => return Err(Error::PinBlocked),
            PinStatus::NotSet => return Err(Error::NotAvailable("this card has no usable PIN")),
        }
        let mut cmd = Command::new(0x00, 0x20, 0x00, 0x80).with_data(secret.to_vec());
        let result = self.execute(&cmd).map(drop);
        zeroize::Zeroize::zeroize(&mut cmd.data);
        result
    }

    /// A signature over `digest_info` with the current key:
    /// `80 2A 00 p2 Lc DigestInfo 00`.
    pub fn compute_signature(&mut self, p2: u8, digest_info: &[u8]) -> Result<Vec<u8>> {
        self.execute(&Command::new(0x80, 0x2A, 0x00, p2).with_data(digest_info).with_le(SHORT_MAX))
    }
}

#[cfg(test)]
mod tests;
