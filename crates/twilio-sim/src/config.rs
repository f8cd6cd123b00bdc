//! Which Twilio accounts the simulator knows, from a string, a file or code.

use std::path::Path;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::ids;

/// A fake Twilio account: its SID, auth token and API keys.
/// `Debug` shows SIDs only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimAccount {
    pub account_sid: String,
    pub auth_token: String,
    #[serde(default = "default_friendly_name")]
    pub friendly_name: String,
    /// `(API key SID "SK…", API key secret)`. Standard keys, as Twilio makes
    /// them by default: they may not use the `/Accounts` endpoints.
    #[serde(default)]
    pub api_keys: Vec<(String, String)>,
    /// SIDs among `api_keys` that are *Main* keys (may use `/Accounts`).
    #[serde(default)]
    pub main_keys: Vec<String>,
    /// The Twilio region each API key was made in (`us1` when not listed):
    /// a key answers only in its own region, as Twilio's do.
    #[serde(default)]
    pub key_regions: std::collections::BTreeMap<String, String>,
}

fn default_friendly_name() -> String {
    "Simulated account".into()
}

impl std::fmt::Debug for SimAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.api_keys.iter().map(|(sid, _)| sid.as_str()).collect();
        f.debug_struct("SimAccount")
            .field("account_sid", &self.account_sid)
            .field("friendly_name", &self.friendly_name)
            .field("api_keys", &keys)
            .finish_non_exhaustive()
    }
}

impl SimAccount {
    /// A fresh account with random SIDs, auth token and one API key.
    pub fn generate(friendly_name: impl Into<String>) -> Self {
        Self {
            account_sid: ids::sid("AC"),
            auth_token: random_secret(),
            friendly_name: friendly_name.into(),
            api_keys: vec![(ids::sid("SK"), random_secret())],
            main_keys: Vec::new(),
            key_regions: Default::default(),
        }
    }

    /// The region an API key answers in.
    pub fn key_region(&self, sid: &str) -> &str {
        self.key_regions.get(sid).map_or("us1", String::as_str)
    }
}

fn random_secret() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("account entry {index}: expected ACxxx:authtoken[:SKxxx:secret[:SKxxx:secret…]]")]
    BadEntry { index: usize },
    #[error("account entry {index}: {sid:?} is not a {prefix} SID ({prefix} + 32 hex digits)")]
    BadSid { index: usize, sid: String, prefix: &'static str },
    #[error("reading simulator accounts file: {0}")]
    Io(#[from] std::io::Error),
    #[error("parsing simulator accounts file: {0}")]
    Json(#[from] serde_json::Error),
}

/// Simulator configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimConfig {
    #[serde(default)]
    pub accounts: Vec<SimAccount>,
    /// How long a "minute" of a room's `EmptyRoomTimeout` and
    /// `UnusedRoomTimeout` lasts: Twilio's minute by default, shorter in
    /// tests so rooms end while they watch.
    #[serde(default = "default_room_minute", with = "millis")]
    pub room_minute: std::time::Duration,
    /// Added to every answer of the Twilio API, as a round trip to Twilio would be.
    #[serde(default, with = "millis")]
    pub latency: std::time::Duration,
    /// How long a composition is `processing` once its room has ended,
    /// before it is `completed` (one second by default; zero completes it
    /// as the room ends).
    #[serde(default = "default_composition_delay", with = "millis")]
    pub composition_delay: std::time::Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            accounts: Vec::new(),
            room_minute: default_room_minute(),
            latency: std::time::Duration::ZERO,
            composition_delay: default_composition_delay(),
        }
    }
}

fn default_composition_delay() -> std::time::Duration {
    std::time::Duration::from_secs(1)
}

fn default_room_minute() -> std::time::Duration {
    std::time::Duration::from_secs(60)
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

impl SimConfig {
    /// Parse accounts from a string such as
    /// `ACxxx:token1:SKxxx:keysecret, ACyyy:token2`: entries separated by commas
    /// or whitespace, each an Account SID and auth token, optionally followed by
    /// API key SID / secret pairs.
    pub fn parse_accounts(spec: &str) -> Result<Self, ConfigError> {
        let mut accounts = Vec::new();
        for (index, entry) in spec.split([',', ' ', '\n', '\t']).filter(|e| !e.is_empty()).enumerate() {
            let parts: Vec<&str> = entry.split(':').collect();
            if parts.len() < 2 || !parts.len().is_multiple_of(2) || parts.iter().any(|p| p.is_empty()) {
                return Err(ConfigError::BadEntry { index });
            }
            check_sid(index, parts[0], "AC")?;
            let mut api_keys = Vec::new();
            for pair in parts[2..].chunks(2) {
                check_sid(index, pair[0], "SK")?;
                api_keys.push((pair[0].to_owned(), pair[1].to_owned()));
            }
            accounts.push(SimAccount {
                account_sid: parts[0].to_owned(),
                auth_token: parts[1].to_owned(),
                friendly_name: default_friendly_name(),
                api_keys,
                main_keys: Vec::new(),
                key_regions: Default::default(),
            });
        }
        Ok(Self { accounts, ..Self::default() })
    }

    /// Load `{"accounts": [{"account_sid", "auth_token", "friendly_name"?, "api_keys"?: [["SK…", "secret"]]}]}`.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)?;
        let config: Self = serde_json::from_str(&text)?;
        for (index, account) in config.accounts.iter().enumerate() {
            check_sid(index, &account.account_sid, "AC")?;
            for (sid, _) in &account.api_keys {
                check_sid(index, sid, "SK")?;
            }
        }
        Ok(config)
    }

    pub fn with_account(mut self, account: SimAccount) -> Self {
        self.accounts.push(account);
        self
    }
}

fn check_sid(index: usize, sid: &str, prefix: &'static str) -> Result<(), ConfigError> {
    if ids::is_sid(sid, prefix) { Ok(()) } else { Err(ConfigError::BadSid { index, sid: sid.to_owned(), prefix }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AC: &str = "AC0123456789abcdef0123456789abcdef";
    const SK: &str = "SK0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_accounts_with_and_without_api_keys() {
        let spec = format!("{AC}:tok1:{SK}:keysecret, AC11111111111111111111111111111111:tok2");
        let config = SimConfig::parse_accounts(&spec).unwrap();
        assert_eq!(config.accounts.len(), 2);
        assert_eq!(config.accounts[0].auth_token, "tok1");
        assert_eq!(config.accounts[0].api_keys, vec![(SK.to_owned(), "keysecret".to_owned())]);
        assert!(config.accounts[1].api_keys.is_empty());
    }

    #[test]
    fn rejects_malformed_entries_without_echoing_secrets() {
        assert!(matches!(SimConfig::parse_accounts("ACnope:tok"), Err(ConfigError::BadSid { .. })));
        let err = SimConfig::parse_accounts(&format!("{AC}:hidden-token:{SK}")).unwrap_err();
        assert!(matches!(err, ConfigError::BadEntry { index: 0 }));
        assert!(!err.to_string().contains("hidden-token"));
        assert!(SimConfig::parse_accounts("").unwrap().accounts.is_empty());
    }

    #[test]
    fn debug_hides_auth_token_and_key_secrets() {
        let account = SimAccount::generate("Demo");
        let shown = format!("{account:?}");
        assert!(shown.contains(&account.account_sid));
        assert!(!shown.contains(&account.auth_token) && !shown.contains(&account.api_keys[0].1));
    }
}
