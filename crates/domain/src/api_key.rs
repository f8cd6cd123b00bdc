//! Tenant API keys: `esk_<prefix>_<secret>`.
//!
//! Keys carry 160 random bits, so a single SHA-256 is as strong as a slow hash
//! here and keeps argon2 off the request path. The prefix is stored in clear to
//! find the row; the hash is compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::Secret;

const PREFIX_LEN: usize = 8;
const SECRET_LEN: usize = 32;
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

pub struct NewApiKey {
    /// Shown to the caller once, never stored.
    pub key: Secret,
    pub prefix: String,
    pub hash: Vec<u8>,
}

pub fn generate() -> NewApiKey {
    let prefix = random_string(PREFIX_LEN);
    let secret = random_string(SECRET_LEN);
    let key = format!("esk_{prefix}_{secret}");
    let hash = hash(&key);
    NewApiKey { key: Secret::new(key), prefix, hash }
}

/// The look-up prefix of something that looks like one of our keys.
pub fn prefix_of(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("esk_")?;
    let (prefix, secret) = rest.split_once('_')?;
    (prefix.len() == PREFIX_LEN && secret.len() == SECRET_LEN).then_some(prefix)
}

pub fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

pub fn verify(key: &str, stored_hash: &[u8]) -> bool {
    hash(key).ct_eq(stored_hash).into()
}

fn random_string(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::fill(&mut bytes[..]);
    bytes.iter().map(|b| ALPHABET[(b & 0x1f) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_round_trips() {
        let k = generate();
        let key = k.key.expose();
        assert!(key.starts_with("esk_"));
        assert_eq!(prefix_of(key), Some(k.prefix.as_str()));
        assert!(verify(key, &k.hash));
        assert!(!verify(&format!("{key}x"), &k.hash));
    }

    #[test]
    fn prefix_of_rejects_other_shapes() {
        assert_eq!(prefix_of("Bearer abc"), None);
        assert_eq!(prefix_of("esk_short_x"), None);
        assert_eq!(prefix_of("eyJhbGciOi.flex.token"), None);
    }
}
