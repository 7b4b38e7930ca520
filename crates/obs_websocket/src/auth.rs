//! The salted-challenge authentication of obs-websocket v5.
//!
//! `secret = base64(sha256(password + salt))`, then `auth = base64(sha256(secret + challenge))`,
//! every string as its UTF-8 bytes. The salt and the challenge are base64 of 32 random bytes,
//! and every connection gets a new challenge.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a server sends in Hello and checks in Identify.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub salt: String,
    pub challenge: String,
    expected: String,
}

impl Challenge {
    /// A new challenge for one connection to a server with `password` and `salt`.
    pub fn new(password: &str, salt: &str) -> Challenge {
        Challenge::with(password, salt, &random_base64(32))
    }

    /// The challenge `challenge`, for tests with known vectors.
    pub fn with(password: &str, salt: &str, challenge: &str) -> Challenge {
        let expected = answer(&secret(password, salt), challenge);
        Challenge { salt: salt.to_owned(), challenge: challenge.to_owned(), expected }
    }

    /// Whether `given` is the answer, compared in constant time.
    pub fn accepts(&self, given: &str) -> bool {
        given.len() == self.expected.len() && bool::from(given.as_bytes().ct_eq(self.expected.as_bytes()))
    }
}

/// `base64(sha256(password + salt))`.
pub fn secret(password: &str, salt: &str) -> String {
    STANDARD.encode(Sha256::new().chain_update(password).chain_update(salt).finalize())
}

/// `base64(sha256(secret + challenge))`: what a client sends in Identify.
pub fn answer(secret: &str, challenge: &str) -> String {
    STANDARD.encode(Sha256::new().chain_update(secret).chain_update(challenge).finalize())
}

/// Base64 of `len` random bytes from the operating system.
pub fn random_base64(len: usize) -> String {
    STANDARD.encode(random_bytes(len))
}

/// A password to print once when none is configured: ASCII letters and digits only (two .NET
/// clients hash the password as ASCII), 24 of them (about 143 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut password = String::with_capacity(24);
    // Rejection sampling keeps every character equally likely.
    while password.len() < 24 {
        for byte in random_bytes(32) {
            let limit = 256 - 256 % ALPHABET.len();
            if usize::from(byte) < limit && password.len() < 24 {
                password.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
    }
    password
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    // The OS has no randomness only when it is broken; a studio cannot run safely then.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system gave no random bytes");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    // The vectors of OBS-COMPAT.md (obs-websocket's own).
    #[test]
    fn known_vectors() {
        let salt = "lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI=";
        let challenge = "+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY=";
        assert_eq!(secret("supersecretpassword", salt), "H1IfVz1pSREUQzbFTVnX/Tyb+gMhMik5x7yUBCY0PTs=");
        let expected = "1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4=";
        assert_eq!(answer(&secret("supersecretpassword", salt), challenge), expected);
        assert!(Challenge::with("supersecretpassword", salt, challenge).accepts(expected));

        let second = Challenge::with("supersecretpassword", "PZVbYpvAnZut2SS6JNJytDm9", "ztTBnnuqrqaKDzRM3xcVdbYm");
        assert!(second.accepts("zZgWipvwSGrw748kHN4gNpBC1IaeiiWX3Hjkrm849Sc="));
    }

    #[test]
    fn a_wrong_answer_or_password_is_refused() {
        let salt = random_base64(32);
        let challenge = Challenge::new("right-password", &salt);
        assert!(challenge.accepts(&answer(&secret("right-password", &salt), &challenge.challenge)));
        assert!(!challenge.accepts(&answer(&secret("wrong-password", &salt), &challenge.challenge)));
        assert!(!challenge.accepts(""));
        assert!(!challenge.accepts("short"));
    }

    #[test]
    fn every_connection_gets_its_own_challenge() {
        let salt = random_base64(32);
        assert_ne!(Challenge::new("p", &salt).challenge, Challenge::new("p", &salt).challenge);
        assert_eq!(STANDARD.decode(salt).unwrap().len(), 32);
    }

    #[test]
    fn generated_passwords_are_ascii_and_differ() {
        let (a, b) = (generate_password(), generate_password());
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}
