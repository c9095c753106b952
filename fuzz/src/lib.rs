//! Shared pieces of the fuzz targets: a byte reader over the fuzzer's input,
//! a card that answers from it, and the PIN oracle every card target checks.
//! See docs/fuzzing.md.

use uketsuke_driver::transmit::{Transmit, TransportError};

/// Reads the fuzzer's bytes as a sequence of small choices; runs dry as zeros.
pub struct Bytes<'a> {
    rest: &'a [u8],
}

impl<'a> Bytes<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { rest: data }
    }

    /// The next byte, or `None` once the input is used up.
    pub fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    /// The next `n` bytes (fewer at the end of the input).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.rest.split_at(n.min(self.rest.len()));
        self.rest = rest;
        head
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }

    /// Whether the input is used up.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

/// One command the fuzzed card was sent, and what it answered.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The command APDU.
    pub command: Vec<u8>,
    /// The answer, or `None` when the transport failed.
    pub answer: Option<Vec<u8>>,
}

/// A card whose every answer the fuzzer chooses. Each answer is a two-byte
/// big-endian length and that many bytes (status word last); a length of
/// `0xFFFF` is a transport failure (the byte after it picks which), and an
/// exhausted input is a card taken off the reader. `tests/examples/
/// fuzz_seeds.rs` writes the virtual card's real answers in this form.
pub struct FuzzCard<'a> {
    input: Bytes<'a>,
    /// Every exchange, in order: what the oracle checks.
    pub log: Vec<Exchange>,
}

impl<'a> FuzzCard<'a> {
    /// A card answering from `input`.
    pub fn new(input: Bytes<'a>) -> Self {
        Self { input, log: Vec::new() }
    }
}

const FAILURES: [TransportError; 4] = [
    TransportError::CardRemoved,
    TransportError::Unresponsive,
    TransportError::ReaderUnavailable,
    TransportError::NoCard,
];

impl Transmit for FuzzCard<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = match (self.input.byte(), self.input.byte()) {
            (None, _) | (_, None) => Err(TransportError::CardRemoved),
            (Some(0xFF), Some(0xFF)) => {
                let which = usize::from(self.input.byte().unwrap_or(0)) % FAILURES.len();
                Err(FAILURES[which].clone())
            }
            (Some(hi), Some(lo)) => Ok(self.input.take(usize::from(u16::from_be_bytes([hi, lo]))).to_vec()),
        };
        self.log.push(Exchange { command: command.to_vec(), answer: answer.as_ref().ok().cloned() });
        answer
    }
}

/// Whether an encoded command APDU carries data (ISO/IEC 7816-3 §12.1:
/// cases 3 and 4, short or extended), not just a header and an Le.
fn has_data(command: &[u8]) -> bool {
    match command.len() {
        0..=5 => false,
        7 => command[4] != 0,
        _ => true,
    }
}

/// A VERIFY that carries a secret: `00 20 00 80 Lc data…`.
fn is_verify_with_data(command: &[u8]) -> bool {
    command.get(1) == Some(&0x20) && has_data(command)
}

/// The retry query: `00 20 00 80` with no data.
fn is_verify_query(command: &[u8]) -> bool {
    command.get(1) == Some(&0x20) && !has_data(command)
}

/// Whether `answer` to a retry query lets the PIN be tried: `9000`, or
/// `63Cx` with tries left.
fn query_allows_a_try(answer: Option<&[u8]>) -> bool {
    match answer.and_then(|a| a.len().checked_sub(2).map(|i| &a[i..])) {
        Some([0x90, 0x00]) => true,
        Some([0x63, sw2]) => sw2 & 0xF0 == 0xC0 && sw2 & 0x0F > 0,
        _ => false,
    }
}

/// The PIN oracle (DESIGN.md §5): every VERIFY carrying a secret follows,
/// on the same selected EF, a retry query that answered "tries left", with
/// no other command in between; and no operation sends more than
/// `verifies_allowed` of them in all. Panics (the fuzzer's crash) when broken.
pub fn check_pin_rule(log: &[Exchange], verifies_allowed: usize) {
    let mut sent = 0;
    // The last command other than GET RESPONSE, and the final answer of its
    // chain (61xx is followed by GET RESPONSE until the card is done).
    let mut previous: Option<(&[u8], Option<&[u8]>)> = None;
    for exchange in log {
        if exchange.command.get(1) == Some(&0xC0) {
            if let Some((_, answer)) = previous.as_mut() {
                *answer = exchange.answer.as_deref();
            }
            continue;
        }
        if is_verify_with_data(&exchange.command) {
            sent += 1;
            let queried =
                previous.is_some_and(|(command, answer)| is_verify_query(command) && query_allows_a_try(answer));
            assert!(
                queried,
                "a VERIFY with a secret was sent without a retry query answering tries left just before it: {}",
                transcript(log)
            );
        }
        previous = Some((&exchange.command, exchange.answer.as_deref()));
    }
    assert!(sent <= verifies_allowed, "{sent} VERIFY commands with a secret for {verifies_allowed} patient entries");
}

/// The exchanges as hex, for a failing oracle's message.
fn transcript(log: &[Exchange]) -> String {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    log.iter()
        .map(|e| format!("{} -> {}", hex(&e.command), e.answer.as_deref().map_or("failure".to_owned(), hex)))
        .collect::<Vec<_>>()
        .join("; ")
}
