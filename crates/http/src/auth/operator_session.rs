//! The platform operator's dashboard session: a signed, expiring cookie.
//!
//! The operator has no user row, only the configured `OPERATOR_TOKEN`, so the
//! session is stateless: `{expires}.{nonce}.{mac}` where the MAC is
//! HMAC-SHA256 under a key derived from the operator token. Every replica
//! with the same token accepts it, and changing the token ends every
//! operator session at once. The form token (CSRF) is derived from the nonce
//! the same way, so it needs no storage either.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use escalate_domain::Secret;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const COOKIE: &str = "escalate_operator";
/// The cookie is only sent to the operator's pages.
pub const COOKIE_PATH: &str = "/dashboard/operator";

type HmacSha256 = Hmac<Sha256>;

/// A valid operator session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSession {
    pub expires_at: DateTime<Utc>,
    pub csrf_token: String,
}

fn mac(operator_token: &Secret, purpose: &str, message: &str) -> HmacSha256 {
    // A key for this purpose only, so the bearer token itself is never the MAC key.
    let mut derive = HmacSha256::new_from_slice(operator_token.expose().as_bytes()).expect("HMAC takes any key length");
    derive.update(b"escalate operator dashboard v1");
    let key = derive.finalize().into_bytes();
    let mut m = HmacSha256::new_from_slice(&key).expect("HMAC takes any key length");
    m.update(purpose.as_bytes());
    m.update(b"\0");
    m.update(message.as_bytes());
    m
}

fn csrf_for(operator_token: &Secret, nonce: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(operator_token, "csrf", nonce).finalize().into_bytes())
}

/// A new session cookie value valid until `expires_at`.
pub fn issue(operator_token: &Secret, expires_at: DateTime<Utc>) -> (String, OperatorSession) {
    let mut nonce = [0u8; 18];
    rand::fill(&mut nonce[..]);
    let nonce = URL_SAFE_NO_PAD.encode(nonce);
    let body = format!("{}.{nonce}", expires_at.timestamp());
    let tag = URL_SAFE_NO_PAD.encode(mac(operator_token, "session", &body).finalize().into_bytes());
    let expires_at = DateTime::from_timestamp(expires_at.timestamp(), 0).unwrap_or(expires_at);
    (format!("{body}.{tag}"), OperatorSession { expires_at, csrf_token: csrf_for(operator_token, &nonce) })
}

/// The session in a cookie value, if its MAC is right (checked in constant
/// time) and it has not expired.
pub fn verify(operator_token: &Secret, value: &str, now: DateTime<Utc>) -> Option<OperatorSession> {
    let (body, tag) = value.rsplit_once('.')?;
    let (expires, nonce) = body.split_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    mac(operator_token, "session", body).verify_slice(&tag).ok()?;
    let expires_at = DateTime::from_timestamp(expires.parse().ok()?, 0)?;
    (expires_at > now).then(|| OperatorSession { expires_at, csrf_token: csrf_for(operator_token, nonce) })
}

pub fn cookie(value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn token(s: &str) -> Secret {
        Secret::new(s.to_owned())
    }

    #[test]
    fn a_session_verifies_until_it_expires() {
        let now = Utc::now();
        let (value, issued) = issue(&token("op-token"), now + Duration::hours(1));
        let got = verify(&token("op-token"), &value, now).expect("valid");
        assert_eq!(got, issued);
        assert!(verify(&token("op-token"), &value, now + Duration::hours(2)).is_none(), "expired");
    }

    #[test]
    fn another_token_or_a_changed_cookie_is_refused() {
        let now = Utc::now();
        let (value, _) = issue(&token("op-token"), now + Duration::hours(1));
        assert!(verify(&token("rotated-token"), &value, now).is_none(), "changing the token ends sessions");
        // Pushing the expiry forward breaks the MAC.
        let (_, rest) = value.split_once('.').unwrap();
        let later = format!("{}.{rest}", (now + Duration::days(30)).timestamp());
        assert!(verify(&token("op-token"), &later, now).is_none());
        for bad in ["", "x", "1.2", "1.2.3", "..", &value.replace('.', "")] {
            assert!(verify(&token("op-token"), bad, now).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn each_session_has_its_own_form_token() {
        let at = Utc::now() + Duration::hours(1);
        let (_, a) = issue(&token("op-token"), at);
        let (_, b) = issue(&token("op-token"), at);
        assert_ne!(a.csrf_token, b.csrf_token);
        assert!(a.csrf_token.len() >= 40);
    }
}
