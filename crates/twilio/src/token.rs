//! Twilio access tokens: HS256 JWTs signed with an API key secret, built
//! offline exactly as the official helper libraries build them.
//!
//! Header `{"alg":"HS256","typ":"JWT","cty":"twilio-fpa;v=1"}`; claims `jti`
//! (`<API key SID>-<iat>`), `iss` (API key SID), `sub` (account SID), `iat`,
//! `exp`, optional `nbf`, and `grants` (`identity` plus one grant per product;
//! here only `video.room`).

use std::{sync::LazyLock, time::Duration};

use base64::prelude::*;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde::{Deserialize, Serialize};

use crate::Secret;

/// The content type Twilio requires in the JWT header.
pub const TWILIO_CTY: &str = "twilio-fpa;v=1";

/// Twilio rejects tokens that live longer than 24 hours.
pub const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TokenError {
    #[error("token TTL must be between 1 second and 24 hours")]
    InvalidTtl,
    #[error("identity and room must not be empty")]
    MissingGrant,
    #[error("could not sign the token: {0}")]
    Sign(String),
    #[error("token has expired")]
    Expired,
    #[error("token is not yet valid")]
    NotYetValid,
    #[error("token signature does not match")]
    BadSignature,
    #[error("not a Twilio access token: {0}")]
    Malformed(String),
}

/// What to put in a video token. `now` is passed in so callers (and tests)
/// decide the clock.
#[derive(Clone, Debug)]
pub struct VideoTokenRequest<'a> {
    pub account_sid: &'a str,
    pub api_key_sid: &'a str,
    pub identity: &'a str,
    pub room: &'a str,
    pub ttl: Duration,
    pub now: DateTime<Utc>,
}

/// Decoded claims of a Twilio access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub jti: String,
    pub iss: String,
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub grants: Grants,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoGrant>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoGrant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
}

// Borrowed twins of the claims, so minting serialises straight from the
// request without copying strings (minting is on the join hot path). Field
// order is the order the `twilio` npm package emits, so for the same inputs
// our tokens are byte-for-byte the official library's.
#[derive(Serialize)]
struct ClaimsRef<'a> {
    jti: &'a str,
    grants: GrantsRef<'a>,
    iat: i64,
    exp: i64,
    iss: &'a str,
    sub: &'a str,
}

#[derive(Serialize)]
struct GrantsRef<'a> {
    identity: &'a str,
    video: VideoGrantRef<'a>,
}

#[derive(Serialize)]
struct VideoGrantRef<'a> {
    room: &'a str,
}

/// The header never changes, so it is encoded once.
static ENCODED_HEADER: LazyLock<String> = LazyLock::new(|| {
    let header = format!(r#"{{"alg":"HS256","typ":"JWT","cty":"{TWILIO_CTY}"}}"#);
    BASE64_URL_SAFE_NO_PAD.encode(header)
});

/// Mint a token that lets `identity` join exactly `room`, valid from `now` for `ttl`.
pub fn mint_video_token(req: &VideoTokenRequest<'_>, api_key_secret: &Secret) -> Result<String, TokenError> {
    if req.ttl.is_zero() || req.ttl > MAX_TTL {
        return Err(TokenError::InvalidTtl);
    }
    if req.identity.is_empty() || req.room.is_empty() {
        return Err(TokenError::MissingGrant);
    }
    let iat = req.now.timestamp();
    let jti = format!("{}-{iat}", req.api_key_sid);
    let claims = ClaimsRef {
        jti: &jti,
        grants: GrantsRef { identity: req.identity, video: VideoGrantRef { room: req.room } },
        iat,
        exp: iat + req.ttl.as_secs() as i64,
        iss: req.api_key_sid,
        sub: req.account_sid,
    };
    // Serialising borrowed strings and integers cannot fail.
    let claims = serde_json::to_vec(&claims).map_err(|e| TokenError::Sign(e.to_string()))?;
    let mut token = String::with_capacity(ENCODED_HEADER.len() + claims.len() * 4 / 3 + 48);
    token.push_str(&ENCODED_HEADER);
    token.push('.');
    BASE64_URL_SAFE_NO_PAD.encode_string(&claims, &mut token);
    let key = EncodingKey::from_secret(api_key_secret.expose().as_bytes());
    // jsonwebtoken's error text describes the failure, never the key or message.
    let signature = jsonwebtoken::crypto::sign(token.as_bytes(), &key, Algorithm::HS256)
        .map_err(|e| TokenError::Sign(e.to_string()))?;
    token.push('.');
    token.push_str(&signature);
    Ok(token)
}

/// Check a token's signature, header, `exp` and `nbf` (no leeway) and return its claims.
pub fn verify_video_token(token: &str, api_key_secret: &Secret) -> Result<AccessTokenClaims, TokenError> {
    use jsonwebtoken::errors::ErrorKind;

    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    let key = DecodingKey::from_secret(api_key_secret.expose().as_bytes());
    let data = jsonwebtoken::decode::<AccessTokenClaims>(token, &key, &validation).map_err(|e| match e.kind() {
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        _ => TokenError::Malformed(e.to_string()),
    })?;
    if data.header.cty.as_deref() != Some(TWILIO_CTY) {
        return Err(TokenError::Malformed(format!("header cty is not {TWILIO_CTY}")));
    }
    Ok(data.claims)
}

/// Why a bearer cannot be a Twilio access token of an account, found
/// without asking Twilio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Implausible {
    #[error("not a JWT")]
    NotAJwt,
    #[error("not a Twilio access token")]
    NotTwilio,
    #[error("issued for another account")]
    OtherAccount,
    #[error("expired")]
    Expired,
}

/// How far an `exp` may lie in the past and still be worth asking Twilio
/// about (clocks differ a little).
const EXPIRY_SKEW_SECONDS: i64 = 30;

#[derive(Deserialize)]
struct PeekedHeader {
    alg: String,
}

#[derive(Deserialize)]
struct PeekedClaims {
    sub: String,
    iss: String,
    exp: i64,
}

/// Whether `token` could be a Twilio access token (a Flex user's token is
/// one) of `account_sid` that is still live at `now`: its header and claims
/// are read, its signature is not checked (only Twilio holds that key).
/// What fails here cannot pass Twilio's own check, so it need not cost a
/// call to Twilio.
pub fn plausible_for_account(token: &str, account_sid: &str, now: DateTime<Utc>) -> Result<(), Implausible> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Implausible::NotAJwt);
    };
    if header.is_empty() || claims.is_empty() {
        return Err(Implausible::NotAJwt);
    }
    let decode = |part: &str| BASE64_URL_SAFE_NO_PAD.decode(part).map_err(|_| Implausible::NotAJwt);
    if signature.is_empty() || decode(signature)?.len() != 32 {
        // HS256 signatures are 32 bytes.
        return Err(Implausible::NotTwilio);
    }
    let header: PeekedHeader = serde_json::from_slice(&decode(header)?).map_err(|_| Implausible::NotAJwt)?;
    let claims: PeekedClaims = serde_json::from_slice(&decode(claims)?).map_err(|_| Implausible::NotTwilio)?;
    if header.alg != "HS256" || !claims.iss.starts_with("SK") && !claims.iss.starts_with("AC") {
        return Err(Implausible::NotTwilio);
    }
    if claims.sub != account_sid {
        return Err(Implausible::OtherAccount);
    }
    if claims.exp < now.timestamp() - EXPIRY_SKEW_SECONDS {
        return Err(Implausible::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_live_access_tokens_of_the_account_are_plausible() {
        let secret = Secret::new("s".repeat(32));
        let now = Utc::now();
        let req = VideoTokenRequest {
            account_sid: "AC0123456789abcdef0123456789abcdef",
            api_key_sid: "SK0123456789abcdef0123456789abcdef",
            identity: "alex",
            room: "r",
            ttl: Duration::from_secs(600),
            now,
        };
        let token = mint_video_token(&req, &secret).unwrap();
        assert_eq!(plausible_for_account(&token, req.account_sid, now), Ok(()));
        assert_eq!(
            plausible_for_account(&token, "ACffffffffffffffffffffffffffffffff", now),
            Err(Implausible::OtherAccount)
        );
        let later = now + chrono::Duration::seconds(3600);
        assert_eq!(plausible_for_account(&token, req.account_sid, later), Err(Implausible::Expired));
        for junk in ["junk-1", "a.b.c", "", "..", "x.y.z.w"] {
            assert_eq!(plausible_for_account(junk, req.account_sid, now), Err(Implausible::NotAJwt), "{junk}");
        }
        let unsigned = format!("{}.", token.rsplit_once('.').unwrap().0);
        assert_eq!(plausible_for_account(&unsigned, req.account_sid, now), Err(Implausible::NotTwilio));
    }

    use jsonwebtoken::Header;

    use super::*;

    fn request(now: DateTime<Utc>) -> VideoTokenRequest<'static> {
        VideoTokenRequest {
            account_sid: "AC00000000000000000000000000000001",
            api_key_sid: "SK00000000000000000000000000000001",
            identity: "customer:abc",
            room: "esc-123",
            ttl: Duration::from_secs(3600),
            now,
        }
    }

    #[test]
    fn minted_token_has_twilio_header_and_claims() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let secret = Secret::new("s3cret");
        let token = mint_video_token(&request(now), &secret).unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&BASE64_URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(header, serde_json::json!({"alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"}));

        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        let claims =
            jsonwebtoken::decode::<serde_json::Value>(&token, &DecodingKey::from_secret(b"s3cret"), &validation)
                .unwrap()
                .claims;
        assert_eq!(
            claims,
            serde_json::json!({
                "jti": "SK00000000000000000000000000000001-1700000000",
                "iss": "SK00000000000000000000000000000001",
                "sub": "AC00000000000000000000000000000001",
                "iat": 1_700_000_000, "exp": 1_700_003_600,
                "grants": {"identity": "customer:abc", "video": {"room": "esc-123"}}
            })
        );
    }

    #[test]
    fn verify_accepts_fresh_and_rejects_expired_forged_and_foreign_tokens() {
        let secret = Secret::new("s3cret");
        let fresh = mint_video_token(&request(Utc::now()), &secret).unwrap();
        let claims = verify_video_token(&fresh, &secret).unwrap();
        assert_eq!(claims.grants.video.unwrap().room.as_deref(), Some("esc-123"));

        let old = mint_video_token(&request(Utc::now() - chrono::Duration::hours(2)), &secret).unwrap();
        assert_eq!(verify_video_token(&old, &secret), Err(TokenError::Expired));
        assert_eq!(verify_video_token(&fresh, &Secret::new("other")), Err(TokenError::BadSignature));
        assert!(matches!(verify_video_token("not.a.jwt", &secret), Err(TokenError::Malformed(_))));

        // A plain JWT without Twilio's content type is not an access token.
        let plain = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({"jti": "x", "iss": "SK", "sub": "AC", "iat": 0, "exp": Utc::now().timestamp() + 60, "grants": {}}),
            &EncodingKey::from_secret(b"s3cret"),
        )
        .unwrap();
        assert!(matches!(verify_video_token(&plain, &secret), Err(TokenError::Malformed(_))));
    }

    #[test]
    fn ttl_and_grants_are_validated_and_errors_hide_the_secret() {
        let secret = Secret::new("s3cret-value");
        let mut req = request(Utc::now());
        req.ttl = Duration::ZERO;
        assert_eq!(mint_video_token(&req, &secret), Err(TokenError::InvalidTtl));
        req.ttl = MAX_TTL + Duration::from_secs(1);
        assert_eq!(mint_video_token(&req, &secret), Err(TokenError::InvalidTtl));
        req.ttl = Duration::from_secs(60);
        req.room = "";
        let err = mint_video_token(&req, &secret).unwrap_err();
        assert_eq!(err, TokenError::MissingGrant);
        assert!(!format!("{err} {err:?}").contains("s3cret-value"));
    }
}
