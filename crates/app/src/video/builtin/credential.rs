//! The built-in provider's room credential: a short-lived JWT (HS256) for
//! one identity in one room, signed with a key derived from the active
//! master key ([`Keyring::derive`]). Only this service verifies it, so no
//! new secret is configured for it; rotating the master keys rotates it,
//! and credentials signed before a rotation verify while the old master
//! key is still configured (the token's `kid` names it).
//!
//! A JWT's claims are readable by whoever holds it (the customer's browser),
//! so the escalation and contact center it opens travel sealed (AES-GCM
//! under another derived key, bound to the room and identity): the customer
//! learns no tenant, contact-center or escalation id from it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use escalate_domain::vault::Keyring;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const PURPOSE: &str = "escalate/builtin-video-credential/v1";
/// The key that seals the ids inside a credential.
const REF_PURPOSE: &str = "escalate/builtin-video-credential-ref/v1";
const ISSUER: &str = "escalate-video";
/// Clock skew tolerated between replicas.
const LEEWAY_SECONDS: u64 = 5;

/// What a valid credential says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The participant's identity (`agent:…`, `customer:…`).
    pub sub: String,
    /// The room name: the only room the credential opens.
    pub room: String,
    pub escalation_id: Uuid,
    pub contact_center_id: Uuid,
    pub exp: i64,
}

/// The JWT's claims as they travel.
#[derive(Serialize, Deserialize)]
struct WireClaims {
    iss: String,
    sub: String,
    room: String,
    /// The escalation and contact center ids, sealed (base64url).
    r#ref: String,
    iat: i64,
    exp: i64,
}

fn ref_aad(room: &str, identity: &str) -> Vec<u8> {
    format!("{REF_PURPOSE}|{room}|{identity}").into_bytes()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("the credential has expired")]
    Expired,
    #[error("the credential is not valid")]
    Invalid,
}

pub struct Minted {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// The room a credential opens.
#[derive(Debug, Clone, Copy)]
pub struct RoomRef<'a> {
    pub escalation_id: Uuid,
    pub contact_center_id: Uuid,
    pub room_name: &'a str,
}

impl<'a> From<&'a escalate_store::EscalationRecord> for RoomRef<'a> {
    fn from(e: &'a escalate_store::EscalationRecord) -> Self {
        Self { escalation_id: e.id, contact_center_id: e.contact_center_id, room_name: &e.room_name }
    }
}

pub fn mint(
    keyring: &Keyring,
    room: RoomRef<'_>,
    identity: &str,
    ttl_seconds: i64,
    now: DateTime<Utc>,
) -> Result<Minted, jsonwebtoken::errors::Error> {
    let key = keyring.derive_active(PURPOSE);
    let sealer = keyring.derive_active(REF_PURPOSE);
    let expires_at = now + chrono::Duration::seconds(ttl_seconds.max(1));
    let mut ids = [0u8; 32];
    ids[..16].copy_from_slice(room.escalation_id.as_bytes());
    ids[16..].copy_from_slice(room.contact_center_id.as_bytes());
    let claims = WireClaims {
        iss: ISSUER.into(),
        sub: identity.to_owned(),
        room: room.room_name.to_owned(),
        r#ref: URL_SAFE_NO_PAD.encode(sealer.seal(&ref_aad(room.room_name, identity), &ids)),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
    };
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(key.key_id.clone());
    let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(key.expose()))?;
    Ok(Minted { token, expires_at })
}

/// Checks the signature (with the master key the token names), the issuer
/// and the expiry.
pub fn verify(keyring: &Keyring, token: &str) -> Result<Claims, CredentialError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| CredentialError::Invalid)?;
    if header.alg != Algorithm::HS256 {
        return Err(CredentialError::Invalid);
    }
    let kid = header.kid.as_deref().ok_or(CredentialError::Invalid)?;
    let key = keyring.derive(kid, PURPOSE).ok_or(CredentialError::Invalid)?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = LEEWAY_SECONDS;
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    let wire = jsonwebtoken::decode::<WireClaims>(token, &DecodingKey::from_secret(key.expose()), &validation)
        .map(|d| d.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => CredentialError::Expired,
            _ => CredentialError::Invalid,
        })?;
    let sealer = keyring.derive(kid, REF_PURPOSE).ok_or(CredentialError::Invalid)?;
    let sealed = URL_SAFE_NO_PAD.decode(&wire.r#ref).map_err(|_| CredentialError::Invalid)?;
    let ids = sealer.open(&ref_aad(&wire.room, &wire.sub), &sealed).map_err(|_| CredentialError::Invalid)?;
    let (Ok(escalation_id), Ok(contact_center_id)) =
        (Uuid::from_slice(ids.get(..16).unwrap_or_default()), Uuid::from_slice(ids.get(16..).unwrap_or_default()))
    else {
        return Err(CredentialError::Invalid);
    };
    Ok(Claims { sub: wire.sub, room: wire.room, escalation_id, contact_center_id, exp: wire.exp })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RoomRef<'static> {
        RoomRef { escalation_id: Uuid::now_v7(), contact_center_id: Uuid::now_v7(), room_name: "room-1" }
    }

    #[test]
    fn a_credential_verifies_until_it_expires_and_only_with_its_key() {
        let k1 = Keyring::generate_key();
        let ring = Keyring::parse(&format!("k1:{k1}"), "k1").unwrap();
        let now = Utc::now();
        let room = record();
        let m = mint(&ring, room, "agent:a", 60, now).unwrap();
        let c = verify(&ring, &m.token).unwrap();
        assert_eq!((c.sub.as_str(), c.room.as_str()), ("agent:a", "room-1"));
        assert_eq!((c.escalation_id, c.contact_center_id), (room.escalation_id, room.contact_center_id));
        // Whoever holds it reads its claims: they carry no id in the clear.
        let payload = URL_SAFE_NO_PAD.decode(m.token.split('.').nth(1).unwrap()).unwrap();
        let payload = String::from_utf8(payload).unwrap();
        for id in [room.escalation_id, room.contact_center_id] {
            assert!(!payload.contains(&id.to_string()) && !payload.contains(&id.simple().to_string()), "{payload}");
        }

        let old = mint(&ring, record(), "agent:a", 1, now - chrono::Duration::seconds(60)).unwrap();
        assert_eq!(verify(&ring, &old.token), Err(CredentialError::Expired));

        let other = Keyring::parse(&format!("k1:{}", Keyring::generate_key()), "k1").unwrap();
        assert_eq!(verify(&other, &m.token), Err(CredentialError::Invalid));
        assert_eq!(verify(&ring, "not.a.jwt"), Err(CredentialError::Invalid));

        // After a rotation, earlier credentials still verify while k1 is configured.
        let rotated = Keyring::parse(&format!("k1:{k1},k2:{}", Keyring::generate_key()), "k2").unwrap();
        assert!(verify(&rotated, &m.token).is_ok());
    }
}
