//! The driver's typed errors. Status words are mapped once, here.

use crate::apdu::{EncodeError, StatusWord};
use crate::transmit::TransportError;

/// Everything the driver reports. No variant carries card data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed (removal, reader, service).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A command could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// `63Cx`: the PIN (or 照合番号) was wrong; `retries` tries remain.
    #[error("incorrect PIN: {retries} tries left")]
    PinIncorrect {
        /// Tries left.
        retries: u8,
    },
    /// `6983` / `6984`: the PIN is blocked.
    #[error("the PIN is blocked")]
    PinBlocked,
    /// `6A82`: the file or application does not exist on this card.
    #[error("file or application not found on the card")]
    FileNotFound,
    /// `6A88`: the referenced data (key, PIN) does not exist.
    #[error("referenced data not found on the card")]
    ReferencedDataNotFound,
    /// `6982`: a PIN or password must be verified first.
    #[error("security status not satisfied (verify the PIN first)")]
    SecurityStatusNotSatisfied,
    /// `6985`: conditions of use not satisfied.
    #[error("conditions of use not satisfied")]
    ConditionsNotSatisfied,
    /// `6700`: wrong length.
    #[error("wrong length")]
    WrongLength,
    /// `6A86` / `6B00`: wrong parameters.
    #[error("wrong parameters")]
    WrongParameters,
    /// `6D00`: the card does not know the instruction.
    #[error("instruction not supported by the card")]
    InsNotSupported,
    /// `6E00`: the card does not know the class.
    #[error("class not supported by the card")]
    ClaNotSupported,
    /// Any other status word.
    #[error("unexpected status word {0}")]
    UnexpectedStatus(StatusWord),
    /// The card answered with bytes that do not parse.
    #[error("malformed card data: {0}")]
    Malformed(&'static str),
    /// The card-face record's issuer signature (DF28) does not verify: the
    /// record was altered or not issued for a My Number Card.
    #[error("the card-face record's issuer signature (DF28) does not verify")]
    RecordNotGenuine,
    /// The card is not a My Number Card (none of its applications selects).
    #[error("this is not a My Number Card")]
    NotMyNumberCard,
    /// A secret given by the user has the wrong form (never its value).
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The card does not offer the operation (e.g. PIN on a face-auth-only card).
    #[error("not available on this card: {0}")]
    NotAvailable(&'static str),
}

impl Error {
    /// Maps a non-success status word to its typed error.
    pub fn from_status(sw: StatusWord) -> Self {
        if let Some(retries) = sw.retries_left() {
            return if retries == 0 { Self::PinBlocked } else { Self::PinIncorrect { retries } };
        }
        match sw {
            StatusWord::AUTH_METHOD_BLOCKED | StatusWord::REFERENCE_DATA_NOT_USABLE => Self::PinBlocked,
            StatusWord::FILE_NOT_FOUND => Self::FileNotFound,
            StatusWord::REFERENCED_DATA_NOT_FOUND => Self::ReferencedDataNotFound,
            StatusWord::SECURITY_STATUS_NOT_SATISFIED => Self::SecurityStatusNotSatisfied,
            StatusWord::CONDITIONS_NOT_SATISFIED | StatusWord::COMMAND_NOT_ALLOWED => Self::ConditionsNotSatisfied,
            StatusWord::WRONG_LENGTH => Self::WrongLength,
            StatusWord::INCORRECT_P1P2 | StatusWord::WRONG_PARAMETERS => Self::WrongParameters,
            StatusWord::INS_NOT_SUPPORTED => Self::InsNotSupported,
            StatusWord::CLA_NOT_SUPPORTED => Self::ClaNotSupported,
            other => Self::UnexpectedStatus(other),
        }
    }

    /// Whether the card left the reader: the session must end, nothing was spent.
    pub fn is_card_removed(&self) -> bool {
        matches!(self, Self::Transport(TransportError::CardRemoved | TransportError::NoCard))
    }
}

/// The driver's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_pin_status_words_carry_the_tries_left() {
        assert_eq!(Error::from_status(StatusWord(0x63C2)), Error::PinIncorrect { retries: 2 });
        assert_eq!(Error::from_status(StatusWord(0x63C0)), Error::PinBlocked);
    }

    #[test]
    fn both_blocked_status_words_mean_blocked() {
        assert_eq!(Error::from_status(StatusWord(0x6983)), Error::PinBlocked);
        assert_eq!(Error::from_status(StatusWord(0x6984)), Error::PinBlocked);
    }

    #[test]
    fn file_and_security_status_words_map_to_their_variants() {
        assert_eq!(Error::from_status(StatusWord(0x6A82)), Error::FileNotFound);
        assert_eq!(Error::from_status(StatusWord(0x6982)), Error::SecurityStatusNotSatisfied);
        assert_eq!(Error::from_status(StatusWord(0x6F00)), Error::UnexpectedStatus(StatusWord(0x6F00)));
    }
}
