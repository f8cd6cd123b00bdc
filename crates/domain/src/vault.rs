//! Envelope encryption for tenant secrets (Twilio credentials).
//!
//! Each tenant has a random 256-bit *data key* that encrypts its secrets with
//! AES-256-GCM. The data key is stored only *wrapped* (encrypted) by a master
//! key, with the master key's id beside it. Rotating the master key therefore
//! rewraps one small blob per tenant and never touches the secrets themselves;
//! while both master keys are configured, every replica can read both forms,
//! so rotation needs no downtime.
//!
//! The tenant id is associated data in both layers: a ciphertext copied into
//! another tenant's row fails to decrypt instead of leaking. Field ciphertexts
//! also bind a context string (which field of which record) for the same reason.
//!
//! Format of every blob: 12-byte nonce ‖ ciphertext ‖ 16-byte tag.

use std::collections::BTreeMap;
use std::fmt;

use aes_gcm::aead::{Aead, Generate, Key, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::Secret;

const NONCE_LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error("MASTER_KEYS is empty: set it to `id:base64key[,id:base64key…]`")]
    Empty,
    #[error("MASTER_KEYS entry {0} is not `id:base64key`")]
    Malformed(usize),
    #[error("MASTER_KEYS key id `{0}` must be 1-32 characters of letters, digits, `-` or `_`")]
    BadId(String),
    #[error("MASTER_KEYS key `{0}` must be 32 bytes of standard base64")]
    BadKey(String),
    #[error("MASTER_KEYS names key id `{0}` twice")]
    Duplicate(String),
    #[error("ACTIVE_MASTER_KEY_ID `{0}` is not one of the ids in MASTER_KEYS")]
    UnknownActive(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("the master key `{0}` that wrapped this data key is not configured")]
    UnknownMasterKey(String),
    #[error("ciphertext failed authentication (wrong key, tenant or context)")]
    Decrypt,
}

/// A master key from configuration. Never printed.
#[derive(Clone)]
struct MasterKey {
    cipher: Aes256Gcm,
    /// HMAC-SHA256 keyed with the master key, for [`Keyring::derive`].
    deriver: Hmac<Sha256>,
}

/// A key derived from a master key for one purpose (signing what only this
/// service verifies). Never printed.
#[derive(Clone)]
pub struct DerivedKey {
    /// The id of the master key it comes from: put it beside what it signs.
    pub key_id: String,
    bytes: [u8; 32],
}

impl DerivedKey {
    pub fn expose(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Encrypts `plaintext` (AES-256-GCM, random nonce) bound to `aad`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        seal(&self.cipher(), aad, plaintext)
    }

    /// Opens what [`Self::seal`] made with the same `aad`.
    pub fn open(&self, aad: &[u8], blob: &[u8]) -> Result<Vec<u8>, VaultError> {
        open(&self.cipher(), aad, blob)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.bytes.into())
    }
}

impl fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DerivedKey({}, ***)", self.key_id)
    }
}

/// The configured master keys and which one wraps new data keys.
#[derive(Clone)]
pub struct Keyring {
    active: String,
    keys: BTreeMap<String, MasterKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A data key as stored: wrapped by the master key `key_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedDataKey {
    pub key_id: String,
    pub ciphertext: Vec<u8>,
}

/// A tenant's plaintext data key; lives only in memory while in use.
#[derive(Clone)]
pub struct DataKey {
    cipher: Aes256Gcm,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(***)")
    }
}

impl Keyring {
    /// Parses `id:base64key[,id:base64key…]` and the id of the active key.
    pub fn parse(spec: &str, active: &str) -> Result<Self, KeyringError> {
        let mut keys = BTreeMap::new();
        for (i, entry) in spec.split(',').map(str::trim).filter(|e| !e.is_empty()).enumerate() {
            let (id, b64) = entry.split_once(':').ok_or(KeyringError::Malformed(i + 1))?;
            let id = id.trim();
            if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(KeyringError::BadId(id.to_owned()));
            }
            let bytes = B64.decode(b64.trim()).map_err(|_| KeyringError::BadKey(id.to_owned()))?;
            if bytes.len() != 32 {
                return Err(KeyringError::BadKey(id.to_owned()));
            }
            let key = Key::<Aes256Gcm>::try_from(bytes.as_slice()).map_err(|_| KeyringError::BadKey(id.to_owned()))?;
            let deriver =
                <Hmac<Sha256> as KeyInit>::new_from_slice(&bytes).map_err(|_| KeyringError::BadKey(id.to_owned()))?;
            if keys.insert(id.to_owned(), MasterKey { cipher: Aes256Gcm::new(&key), deriver }).is_some() {
                return Err(KeyringError::Duplicate(id.to_owned()));
            }
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        let active = active.trim();
        if !keys.contains_key(active) {
            return Err(KeyringError::UnknownActive(active.to_owned()));
        }
        Ok(Self { active: active.to_owned(), keys })
    }

    /// A fresh random master key, base64, for `keys generate` and the embedded default.
    pub fn generate_key() -> String {
        B64.encode(Key::<Aes256Gcm>::generate())
    }

    /// The key for `purpose` derived from master key `key_id`
    /// (HMAC-SHA256(master, purpose)): distinct per purpose, rotated with
    /// the master keys, and verifiable while the old master key is configured.
    pub fn derive(&self, key_id: &str, purpose: &str) -> Option<DerivedKey> {
        let master = self.keys.get(key_id)?;
        let mut mac = master.deriver.clone();
        mac.update(purpose.as_bytes());
        Some(DerivedKey { key_id: key_id.to_owned(), bytes: mac.finalize().into_bytes().into() })
    }

    /// [`Self::derive`] from the active master key.
    pub fn derive_active(&self, purpose: &str) -> DerivedKey {
        match self.derive(&self.active, purpose) {
            Some(key) => key,
            // `parse` refuses an active id that is not among the keys.
            None => unreachable!("the active master key is configured"),
        }
    }

    pub fn active_id(&self) -> &str {
        &self.active
    }

    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// A new random data key for a tenant and its wrapped form to store.
    pub fn new_data_key(&self, tenant_id: Uuid) -> (DataKey, WrappedDataKey) {
        let key = Key::<Aes256Gcm>::generate();
        let wrapped = self.wrap(tenant_id, &key);
        (DataKey { cipher: Aes256Gcm::new(&key) }, wrapped)
    }

    pub fn unwrap(&self, tenant_id: Uuid, wrapped: &WrappedDataKey) -> Result<DataKey, VaultError> {
        let key = self.unwrap_raw(tenant_id, wrapped)?;
        Ok(DataKey { cipher: Aes256Gcm::new(&key) })
    }

    /// The data key rewrapped under the active master key, or `None` when it
    /// already is. The data key itself (and so every secret) is unchanged.
    pub fn rewrap(&self, tenant_id: Uuid, wrapped: &WrappedDataKey) -> Result<Option<WrappedDataKey>, VaultError> {
        if wrapped.key_id == self.active {
            return Ok(None);
        }
        let key = self.unwrap_raw(tenant_id, wrapped)?;
        Ok(Some(self.wrap(tenant_id, &key)))
    }

    fn wrap(&self, tenant_id: Uuid, key: &Key<Aes256Gcm>) -> WrappedDataKey {
        let master = &self.keys[&self.active];
        WrappedDataKey {
            key_id: self.active.clone(),
            ciphertext: seal(&master.cipher, &data_key_aad(tenant_id), key.as_slice()),
        }
    }

    fn unwrap_raw(&self, tenant_id: Uuid, wrapped: &WrappedDataKey) -> Result<Key<Aes256Gcm>, VaultError> {
        let master =
            self.keys.get(&wrapped.key_id).ok_or_else(|| VaultError::UnknownMasterKey(wrapped.key_id.clone()))?;
        let bytes = open(&master.cipher, &data_key_aad(tenant_id), &wrapped.ciphertext)?;
        Key::<Aes256Gcm>::try_from(bytes.as_slice()).map_err(|_| VaultError::Decrypt)
    }
}

impl DataKey {
    /// Encrypts one secret field. `context` names the field and its record.
    pub fn seal(&self, tenant_id: Uuid, context: &str, secret: &Secret) -> Vec<u8> {
        seal(&self.cipher, &field_aad(tenant_id, context), secret.expose().as_bytes())
    }

    pub fn open(&self, tenant_id: Uuid, context: &str, ciphertext: &[u8]) -> Result<Secret, VaultError> {
        let bytes = open(&self.cipher, &field_aad(tenant_id, context), ciphertext)?;
        String::from_utf8(bytes).map(Secret::new).map_err(|_| VaultError::Decrypt)
    }

    /// Encrypts a tenant's bytes that are not text (a customer's picture);
    /// `context` names what they are, as for [`Self::seal`].
    pub fn seal_bytes(&self, tenant_id: Uuid, context: &str, plaintext: &[u8]) -> Vec<u8> {
        seal(&self.cipher, &field_aad(tenant_id, context), plaintext)
    }

    pub fn open_bytes(&self, tenant_id: Uuid, context: &str, ciphertext: &[u8]) -> Result<Vec<u8>, VaultError> {
        open(&self.cipher, &field_aad(tenant_id, context), ciphertext)
    }
}

fn data_key_aad(tenant_id: Uuid) -> Vec<u8> {
    format!("escalate/data-key/v1|{tenant_id}").into_bytes()
}

fn field_aad(tenant_id: Uuid, context: &str) -> Vec<u8> {
    format!("escalate/field/v1|{tenant_id}|{context}").into_bytes()
}

fn seal(cipher: &Aes256Gcm, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce = Nonce::generate();
    let ct = cipher
        .encrypt(&nonce, Payload { msg: plaintext, aad })
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(nonce.as_slice());
    out.extend_from_slice(&ct);
    out
}

fn open(cipher: &Aes256Gcm, aad: &[u8], blob: &[u8]) -> Result<Vec<u8>, VaultError> {
    if blob.len() < NONCE_LEN + 16 {
        return Err(VaultError::Decrypt);
    }
    let (nonce, ct) = blob.split_at(NONCE_LEN);
    let nonce = Nonce::try_from(nonce).map_err(|_| VaultError::Decrypt)?;
    cipher.decrypt(&nonce, Payload { msg: ct, aad }).map_err(|_| VaultError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(spec: &str, active: &str) -> Keyring {
        Keyring::parse(spec, active).unwrap()
    }

    #[test]
    fn derived_keys_differ_per_purpose_and_master_key_and_survive_rotation() {
        let (k1, k2) = (Keyring::generate_key(), Keyring::generate_key());
        let old = ring(&format!("k1:{k1}"), "k1");
        let rotated = ring(&format!("k1:{k1},k2:{k2}"), "k2");
        let a = old.derive_active("video");
        assert_eq!(a.key_id, "k1");
        assert_ne!(a.expose(), old.derive_active("other").expose());
        // After rotation new credentials use k2, and k1's still verify.
        assert_eq!(rotated.derive_active("video").key_id, "k2");
        assert_ne!(rotated.derive_active("video").expose(), a.expose());
        assert_eq!(rotated.derive("k1", "video").map(|k| *k.expose()), Some(*a.expose()));
        assert!(rotated.derive("k3", "video").is_none());
        assert!(!format!("{a:?}").contains(&format!("{:?}", a.expose())));
    }

    #[test]
    fn field_round_trip_and_binding() {
        let k1 = Keyring::generate_key();
        let ring = ring(&format!("k1:{k1}"), "k1");
        let tenant = Uuid::now_v7();
        let (dk, wrapped) = ring.new_data_key(tenant);
        assert_eq!(wrapped.key_id, "k1");
        let ct = dk.seal(tenant, "cc:1:auth_token", &Secret::new("tok_123"));
        assert!(!ct.windows(7).any(|w| w == b"tok_123"));
        let dk2 = ring.unwrap(tenant, &wrapped).unwrap();
        assert_eq!(dk2.open(tenant, "cc:1:auth_token", &ct).unwrap().expose(), "tok_123");
        // Another tenant or another field cannot open it.
        assert_eq!(dk2.open(Uuid::now_v7(), "cc:1:auth_token", &ct).unwrap_err(), VaultError::Decrypt);
        assert_eq!(dk2.open(tenant, "cc:2:auth_token", &ct).unwrap_err(), VaultError::Decrypt);
        // A data key wrapped for one tenant does not unwrap for another.
        assert_eq!(ring.unwrap(Uuid::now_v7(), &wrapped).unwrap_err(), VaultError::Decrypt);
    }

    #[test]
    fn rotation_rewraps_without_touching_secrets() {
        let (k1, k2) = (Keyring::generate_key(), Keyring::generate_key());
        let tenant = Uuid::now_v7();
        let old = ring(&format!("k1:{k1}"), "k1");
        let (dk, wrapped) = old.new_data_key(tenant);
        let ct = dk.seal(tenant, "f", &Secret::new("s3cret"));

        let both = ring(&format!("k1:{k1},k2:{k2}"), "k2");
        let rewrapped = both.rewrap(tenant, &wrapped).unwrap().expect("needs rewrap");
        assert_eq!(rewrapped.key_id, "k2");
        assert_eq!(both.rewrap(tenant, &rewrapped).unwrap(), None);

        let only_new = ring(&format!("k2:{k2}"), "k2");
        let dk = only_new.unwrap(tenant, &rewrapped).unwrap();
        assert_eq!(dk.open(tenant, "f", &ct).unwrap().expose(), "s3cret");
        assert_eq!(only_new.unwrap(tenant, &wrapped).unwrap_err(), VaultError::UnknownMasterKey("k1".into()));
    }

    #[test]
    fn parse_errors_name_the_problem() {
        let k = Keyring::generate_key();
        assert_eq!(Keyring::parse("", "a").unwrap_err(), KeyringError::Empty);
        assert_eq!(Keyring::parse("nocolon", "a").unwrap_err(), KeyringError::Malformed(1));
        assert_eq!(Keyring::parse("a:Zm9v", "a").unwrap_err(), KeyringError::BadKey("a".into()));
        assert_eq!(Keyring::parse(&format!("a b:{k}"), "a").unwrap_err(), KeyringError::BadId("a b".into()));
        assert_eq!(Keyring::parse(&format!("a:{k},a:{k}"), "a").unwrap_err(), KeyringError::Duplicate("a".into()));
        assert_eq!(Keyring::parse(&format!("a:{k}"), "b").unwrap_err(), KeyringError::UnknownActive("b".into()));
    }

    #[test]
    fn debug_never_prints_key_material() {
        let k = Keyring::generate_key();
        let ring = ring(&format!("main:{k}"), "main");
        let (dk, _) = ring.new_data_key(Uuid::now_v7());
        let out = format!("{ring:?}{dk:?}");
        assert!(!out.contains(&k));
        assert!(out.contains("main"));
    }
}
