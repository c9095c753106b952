//! `Card`'s unit tests, over the strict mock card.

use super::*;
use crate::mock::ScriptedCard;
use crate::transmit::TransportError;

fn card(m: ScriptedCard) -> Card<ScriptedCard> {
    Card::new(m)
}

#[test]
fn status_61xx_is_followed_by_get_response_and_the_data_joined() {
    let mut c = card(ScriptedCard::new().expect("802A00000101", "AABB6102").expect("00C0000002", "CCDD9000"));
    let cmd = Command::new(0x80, 0x2A, 0x00, 0x00).with_data([0x01]);
    assert_eq!(c.execute(&cmd).ok(), Some(vec![0xAA, 0xBB, 0xCC, 0xDD]));
    assert_eq!(c.apdu_count(), 2);
}

#[test]
fn status_6cxx_resends_once_with_the_length_the_card_asked_for() {
    let mut c = card(ScriptedCard::new().expect("00B0000000", "6C03").expect("00B0000003", "0102039000"));
    assert_eq!(c.read_binary(0, 256).ok(), Some(vec![1, 2, 3]));
}

#[test]
fn a_verify_answered_6cxx_is_not_sent_again() {
    // Found by the card_session fuzz target: the PIN went out twice.
    let mut c = card(
        ScriptedCard::new()
            .expect("00A4020C020018", "9000")
            .expect("00200080", "63C3")
            .expect("002000800431323334", "6C83"),
    );
    let result = c.verify_with_query([0x00, 0x18], b"1234");
    assert!(result.is_err(), "6C83 counted as a verified PIN: {result:?}");
    assert_eq!(c.apdu_count(), 3, "the VERIFY with the PIN was sent again");
}

#[test]
fn a_verify_answered_6282_is_not_a_verified_pin() {
    let mut c = card(
        ScriptedCard::new()
            .expect("00A4020C020018", "9000")
            .expect("00200080", "63C3")
            .expect("002000800431323334", "6282"),
    );
    let result = c.verify_with_query([0x00, 0x18], b"1234");
    assert!(result.is_err(), "6282 counted as a verified PIN: {result:?}");
}

#[test]
fn read_binary_takes_6282_as_the_end_of_the_file() {
    let mut c = card(ScriptedCard::new().expect("00B0000000", "01026282"));
    assert_eq!(c.read_binary(0, 256).ok(), Some(vec![1, 2]));
}

#[test]
fn a_card_that_never_ends_61xx_is_malformed() {
    let mut m = ScriptedCard::new().expect("00B0000000", "6101");
    for _ in 0..MAX_GET_RESPONSE {
        m = m.expect("00C0000001", "006101");
    }
    let mut c = card(m);
    assert!(matches!(c.read_binary(0, 256), Err(Error::Malformed(_))));
}

#[test]
fn read_binary_addresses_offsets_up_to_7fff_and_no_further() {
    let mut c = card(ScriptedCard::new().expect("00B07FFF01", "AA9000"));
    assert_eq!(c.read_binary(0x7FFF, 1).ok(), Some(vec![0xAA]));
    assert!(matches!(c.read_binary(0x8000, 1), Err(Error::Malformed(_))), "offset 8000 was sent");
    assert_eq!(c.apdu_count(), 1);
}

#[test]
fn a_file_of_exactly_32_kib_may_be_read_and_one_byte_more_may_not() {
    // 30 82 7FFC: 4 + 0x7FFC = 0x8000 bytes, the most READ BINARY reaches.
    let first = format!("30827FFC{}9000", "11".repeat(252));
    let mut c = card(
        ScriptedCard::new().expect("00B0000000", &first).expect_error("00B00100007F00", TransportError::CardRemoved),
    );
    let err = c.read_tlv_file().err().map(|e| e.to_string());
    assert_eq!(err, Some(Error::Transport(TransportError::CardRemoved).to_string()), "a 32 KiB file was refused");
    let first = format!("30827FFD{}9000", "11".repeat(252));
    let mut c = card(ScriptedCard::new().expect("00B0000000", &first));
    assert!(matches!(c.read_tlv_file(), Err(Error::Malformed(_))));
    assert_eq!(c.apdu_count(), 1);
}

#[test]
fn a_file_that_ends_before_its_declared_length_is_malformed() {
    // 600 bytes declared; the extended read returns 100 of the 344 asked.
    let first = format!("30820254{}9000", "11".repeat(252));
    let short = format!("{}9000", "22".repeat(100));
    let mut c = card(ScriptedCard::new().expect("00B0000000", &first).expect("00B00100000158", &short));
    let err = c.read_tlv_file().err().map(|e| e.to_string());
    assert_eq!(err, Some(Error::Malformed("file shorter than its BER-TLV length").to_string()));
}

#[test]
fn the_last_256_bytes_of_a_file_are_read_with_a_short_apdu() {
    let first = format!("308201FC{}9000", "11".repeat(252));
    let rest = format!("{}9000", "22".repeat(256));
    let mut c = card(ScriptedCard::new().expect("00B0000000", &first).expect("00B0010000", &rest));
    assert_eq!(c.read_tlv_file().map(|v| v.len()).ok(), Some(512));
}

#[test]
fn a_short_read_of_256_bytes_does_not_count_as_the_card_taking_extended_ones() {
    // The first file ends with exactly 256 bytes (a short APDU); the
    // second needs more, the card refuses the extended read, and the
    // driver falls back to short reads: nothing had shown it took them.
    let first = format!("308201FC{}9000", "11".repeat(252));
    let rest = format!("{}9000", "22".repeat(256));
    let second = format!("30820254{}9000", "33".repeat(252));
    let m = ScriptedCard::new()
        .expect("00B0000000", &first)
        .expect("00B0010000", &rest)
        .expect("00B0000000", &second)
        .expect("00B00100000158", "6700")
        .expect("00B0010000", &format!("{}9000", "44".repeat(256)))
        .expect("00B0020058", &format!("{}9000", "55".repeat(88)));
    let mut c = card(m);
    assert_eq!(c.read_tlv_file().map(|v| v.len()).ok(), Some(512));
    assert_eq!(c.read_tlv_file().map(|v| v.len()).ok(), Some(600));
}

#[test]
fn a_card_that_took_extended_reads_is_not_silently_moved_to_short_ones() {
    // The first file's extended read succeeds; the second's is refused:
    // that is an error of the card, not a reason to fall back.
    let first = format!("30820254{}9000", "11".repeat(252));
    let rest = format!("{}9000", "22".repeat(344));
    let mut c = card(
        ScriptedCard::new()
            .expect("00B0000000", &first)
            .expect("00B00100000158", &rest)
            .expect("00B0000000", &first)
            .expect("00B00100000158", "6700"),
    );
    assert_eq!(c.read_tlv_file().map(|v| v.len()).ok(), Some(600));
    assert_eq!(c.read_tlv_file().err(), Some(Error::WrongLength));
}

#[test]
fn a_small_file_is_read_in_one_apdu_and_trimmed_to_its_header_length() {
    let mut c = card(ScriptedCard::new().expect("00B0000000", "3003010203FFFF9000"));
    assert_eq!(c.read_tlv_file().map(|v| v.to_vec()).ok(), Some(vec![0x30, 0x03, 1, 2, 3]));
}

#[test]
fn a_large_file_continues_with_one_extended_read() {
    let first = format!("30820400{}9000", "11".repeat(252));
    let rest = format!("{}9000", "22".repeat(772));
    let mut c = card(ScriptedCard::new().expect("00B0000000", &first).expect("00B00100000304", &rest));
    let data = c.read_tlv_file().map(|v| v.to_vec()).unwrap_or_default();
    assert_eq!(data.len(), 0x400 + 4);
    assert_eq!(c.apdu_count(), 2);
}

#[test]
fn a_card_refusing_extended_reads_falls_back_to_short_chunks() {
    let first = format!("30820400{}9000", "11".repeat(252));
    let chunk = format!("{}9000", "22".repeat(256));
    let mut c = card(
        ScriptedCard::new()
            .expect("00B0000000", &first)
            .expect("00B00100000304", "6700")
            .expect("00B0010000", &chunk)
            .expect("00B0020000", &chunk)
            .expect("00B0030000", &chunk)
            .expect("00B0040004", &format!("{}9000", "22".repeat(4))),
    );
    let data = c.read_tlv_file().map(|v| v.to_vec()).unwrap_or_default();
    assert_eq!(data.len(), 0x400 + 4);
}

#[test]
fn removal_during_a_read_is_a_typed_error() {
    let mut c = card(ScriptedCard::new().expect_error("00B0000000", TransportError::CardRemoved));
    let e = c.read_tlv_file().err();
    assert!(e.as_ref().is_some_and(Error::is_card_removed), "{e:?}");
}

#[test]
fn the_retry_query_reads_each_answer_without_sending_data() {
    for (sw, want) in [
        ("63C3", PinStatus::Tries(3)),
        ("63C0", PinStatus::Blocked),
        ("6983", PinStatus::Blocked),
        ("6984", PinStatus::Blocked),
        ("6A88", PinStatus::NotSet),
        ("9000", PinStatus::Verified),
    ] {
        let mut c = card(ScriptedCard::new().expect("00200080", sw));
        assert_eq!(c.pin_status().ok(), Some(want), "{sw}");
    }
}

/// Answers every command with pseudo-random bytes (xorshift64*).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl Transmit for Noise {
    fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
        let len = (self.next() % 300) as usize;
        let mut out: Vec<u8> = (0..len).map(|_| self.next() as u8).collect();
        // Often a plausible status word, so reads go deeper.
        if len >= 2 && self.next().is_multiple_of(2) {
            out[len - 2] = [0x90, 0x61, 0x6C, 0x63][(self.next() % 4) as usize];
        }
        Ok(out)
    }
}

#[test]
fn random_card_answers_never_panic_or_loop() {
    for seed in 1..3000u64 {
        let mut c = Card::new(Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1));
        let _ = c.read_tlv_file();
        let _ = c.pin_status();
        let _ = c.verify_with_query([0x00, 0x18], b"1234");
        assert!(c.apdu_count() < 2000, "seed {seed} sent {} APDUs", c.apdu_count());
    }
}
