//! A string that must never be printed: Twilio secrets, API keys, passwords.
//!
//! `Debug` and `Display` show `***`; the only way to read the value is the
//! explicit [`Secret::expose`], so a stray `{:?}` in a log line or an error
//! message cannot leak it.

use std::fmt;

use serde::{Deserialize, Deserializer};

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The plaintext. Call only where a Twilio call, a signature or a token needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last `n` characters behind a mask, for display (`••••abcd`).
    pub fn masked_tail(&self, n: usize) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(n)..].iter().collect();
        format!("••••{tail}")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Serialised as `***` too: a settings dump or a debug JSON never carries it.
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("sk_live_very_secret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        assert!(!format!("{s:?}{s}").contains("very_secret"));
        assert_eq!(s.expose(), "sk_live_very_secret");
    }

    #[test]
    fn masked_tail_shows_only_the_end() {
        assert_eq!(Secret::new("abcdef123456").masked_tail(4), "••••3456");
        assert_eq!(Secret::new("ab").masked_tail(4), "••••ab");
    }
}
