//! Random identifiers, tokens and codes, and the hashes under which they are stored.
//!
//! Everything here draws from `rand`'s thread-local CSPRNG (ChaCha, seeded by the OS). Raw tokens and codes leave
//! this module only to be handed to the person they belong to; the database sees hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

/// Crockford's base32 alphabet: no I, L, O or U, so codes survive being read aloud or copied
/// from paper.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// An opaque id for URLs and rows: 128 random bits, never sequential.
pub fn new_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

/// A session token: 256 random bits.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// The stored form of a token or code.
pub fn sha256_hex(value: &str) -> String {
    hex(&Sha256::digest(value.as_bytes()))
}

/// Bytes as lowercase hex, two characters each.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A human-typable code of `groups` groups of four base32 characters (5 bits each), e.g.
/// `7K3M-Q9TX-...`. Four groups carry 80 bits.
pub fn new_code(groups: usize) -> String {
    let mut out = String::with_capacity(groups * 5);
    for g in 0..groups {
        if g > 0 {
            out.push('-');
        }
        for _ in 0..4 {
            let index = rand::rng().random_range(0..CROCKFORD.len());
            out.push(CROCKFORD[index] as char);
        }
    }
    out
}

/// What a typed code means: case, spaces and dashes ignored; O read as 0, I and L as 1.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_tokens_are_long_and_distinct() {
        assert_eq!(new_id().len(), 22);
        assert_eq!(new_token().len(), 43);
        assert_ne!(new_token(), new_token());
    }

    #[test]
    fn codes_read_back_the_same_however_typed() {
        let code = new_code(4);
        assert_eq!(code.len(), 19);
        let sloppy = code.to_lowercase().replace('-', " ");
        assert_eq!(normalise_code(&sloppy), normalise_code(&code));
        assert_eq!(normalise_code("o1il-"), "0111");
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
