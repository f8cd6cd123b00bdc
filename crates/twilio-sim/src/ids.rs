//! Twilio-style SIDs: a two-letter prefix and 32 lowercase hex digits.

use rand::RngExt;

pub fn sid(prefix: &str) -> String {
    let bytes: [u8; 16] = rand::rng().random();
    let mut sid = String::with_capacity(34);
    sid.push_str(prefix);
    for b in bytes {
        sid.push_str(&format!("{b:02x}"));
    }
    sid
}

pub fn is_sid(value: &str, prefix: &str) -> bool {
    value.len() == 34 && value.starts_with(prefix) && value[2..].bytes().all(|b| b.is_ascii_hexdigit())
}
