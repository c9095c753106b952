//! Staff sign-in (DESIGN.md §5): staff sign in with their name and the
//! staff token and get a short-lived session; every later request carries
//! the session, which names the operator for the audit log and the
//! evidence. Failed sign-ins are throttled per client address (and in
//! total, against guessing from many addresses). Sans-IO: the caller
//! passes the time.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::token::StaffToken;

/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::from_secs(10 * 60);
/// A session ends after this long whatever happens (one shift).
pub const SESSION_MAX: Duration = Duration::from_secs(8 * 60 * 60);
/// Failed sign-ins are counted over this window.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Failed sign-ins from one address within the window before it is throttled.
pub const MAX_FAILURES_PER_ADDRESS: usize = 5;
/// Failed sign-ins from all addresses within the window before all are throttled.
pub const MAX_FAILURES_TOTAL: usize = 50;
/// Longest operator name accepted.
pub const MAX_NAME_CHARS: usize = 40;

/// How a sign-in ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in: the session token (256 random bits, hex).
    Accepted(Zeroizing<String>),
    /// A wrong token.
    Refused,
    /// No usable name.
    BadName,
    /// Too many failures: try again after this long.
    Throttled(Duration),
}

struct Session {
    operator: String,
    started: Instant,
    last_used: Instant,
}

/// The signed-in staff and the recent failures.
#[derive(Default)]
pub struct StaffSessions {
    /// SHA-256 of the session token → the session.
    sessions: HashMap<[u8; 32], Session>,
    failures: HashMap<IpAddr, VecDeque<Instant>>,
    all_failures: VecDeque<Instant>,
}

impl std::fmt::Debug for StaffSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffSessions").field("signed_in", &self.sessions.len()).finish_non_exhaustive()
    }
}

fn key(session: &str) -> [u8; 32] {
    Sha256::digest(session.as_bytes()).into()
}

/// A usable operator name: trimmed, 1 to [`MAX_NAME_CHARS`] characters, no control characters.
pub fn operator_name(name: &str) -> Option<String> {
    let name = name.trim();
    let ok = !name.is_empty() && name.chars().count() <= MAX_NAME_CHARS && !name.chars().any(char::is_control);
    ok.then(|| name.to_owned())
}

impl StaffSessions {
    fn forget_old(&mut self, now: Instant) {
        let recent = |t: &Instant| now.saturating_duration_since(*t) < FAILURE_WINDOW;
        self.all_failures.retain(recent);
        self.failures.retain(|_, times| {
            times.retain(recent);
            !times.is_empty()
        });
        self.sessions.retain(|_, s| {
            now.saturating_duration_since(s.last_used) < SESSION_IDLE
                && now.saturating_duration_since(s.started) < SESSION_MAX
        });
    }

    /// Signs `name` in from `client` with the `presented` token.
    pub fn sign_in(&mut self, token: &StaffToken, name: &str, presented: &str, client: IpAddr, now: Instant) -> SignIn {
        self.forget_old(now);
        let mine = self.failures.get(&client).map_or(0, VecDeque::len);
        if mine >= MAX_FAILURES_PER_ADDRESS || self.all_failures.len() >= MAX_FAILURES_TOTAL {
            let oldest =
                self.failures.get(&client).and_then(|t| t.front().copied()).or(self.all_failures.front().copied());
            let wait =
                oldest.map_or(FAILURE_WINDOW, |t| FAILURE_WINDOW.saturating_sub(now.saturating_duration_since(t)));
            return SignIn::Throttled(wait.max(Duration::from_secs(1)));
        }
        if !token.matches(presented) {
            self.failures.entry(client).or_default().push_back(now);
            self.all_failures.push_back(now);
            return SignIn::Refused;
        }
        let Some(operator) = operator_name(name) else { return SignIn::BadName };
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        let session = Zeroizing::new(hex::encode(bytes.as_ref()));
        self.sessions.insert(key(&session), Session { operator, started: now, last_used: now });
        SignIn::Accepted(session)
    }

    /// The operator signed in with `session`, if it is still valid (its
    /// idle time starts again).
    pub fn operator(&mut self, session: &str, now: Instant) -> Option<String> {
        self.forget_old(now);
        let s = self.sessions.get_mut(&key(session))?;
        s.last_used = now;
        Some(s.operator.clone())
    }

    /// Ends `session`.
    pub fn sign_out(&mut self, session: &str) {
        self.sessions.remove(&key(session));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "Vd3-kq9Zp2Lx8wNc4Rt7Ym1Bs6Hf0Gj5";

    fn token() -> StaffToken {
        StaffToken::new(TOKEN).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn addr(n: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, n])
    }

    #[test]
    fn a_signed_in_operator_is_named_by_their_session_until_it_expires() {
        let (mut s, t0) = (StaffSessions::default(), Instant::now());
        let SignIn::Accepted(session) = s.sign_in(&token(), " 佐藤 ", TOKEN, addr(1), t0) else { unreachable!() };
        assert_eq!(s.operator(&session, t0 + Duration::from_secs(60)).as_deref(), Some("佐藤"));
        assert_eq!(s.operator(&session, t0 + Duration::from_secs(60) + SESSION_IDLE), None, "idle too long");
        assert_eq!(s.operator("a guessed session", t0), None);
    }

    #[test]
    fn a_session_ends_at_its_maximum_even_when_used() {
        let (mut s, t0) = (StaffSessions::default(), Instant::now());
        let SignIn::Accepted(session) = s.sign_in(&token(), "佐藤", TOKEN, addr(1), t0) else { unreachable!() };
        let mut t = t0;
        while t < t0 + SESSION_MAX - Duration::from_secs(300) {
            t += Duration::from_secs(300);
            assert!(s.operator(&session, t).is_some());
        }
        assert_eq!(s.operator(&session, t0 + SESSION_MAX), None);
    }

    #[test]
    fn repeated_failures_from_one_address_are_throttled_even_with_the_right_token() {
        let (mut s, t0) = (StaffSessions::default(), Instant::now());
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            assert_eq!(s.sign_in(&token(), "x", "guess", addr(9), t0 + Duration::from_secs(i as u64)), SignIn::Refused);
        }
        assert!(matches!(s.sign_in(&token(), "x", TOKEN, addr(9), t0 + Duration::from_secs(10)), SignIn::Throttled(_)));
        assert!(matches!(s.sign_in(&token(), "x", TOKEN, addr(2), t0), SignIn::Accepted(_)), "other addresses go on");
        let later = t0 + FAILURE_WINDOW + Duration::from_secs(10);
        assert!(matches!(s.sign_in(&token(), "x", TOKEN, addr(9), later), SignIn::Accepted(_)), "the window passed");
    }

    #[test]
    fn failures_from_many_addresses_throttle_everyone() {
        let (mut s, t0) = (StaffSessions::default(), Instant::now());
        for i in 0..MAX_FAILURES_TOTAL {
            s.sign_in(&token(), "x", "guess", addr((i % 250) as u8), t0);
        }
        assert!(matches!(s.sign_in(&token(), "x", TOKEN, addr(251), t0), SignIn::Throttled(_)));
    }

    #[test]
    fn a_name_is_required() {
        let mut s = StaffSessions::default();
        for name in ["", "   ", "a\nb", &"長".repeat(MAX_NAME_CHARS + 1)] {
            assert_eq!(s.sign_in(&token(), name, TOKEN, addr(1), Instant::now()), SignIn::BadName, "{name:?}");
        }
    }
}
