//! Password hashing with argon2id (OWASP parameters, the crate's defaults).
//! Hashing takes tens of milliseconds of CPU, so it runs on the blocking pool.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use escalate_domain::Secret;

use crate::error::AppError;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 256;

pub async fn hash(password: Secret) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|h: PasswordHash| h.to_string())
            .map_err(|e| AppError::internal(format!("argon2 hash: {e}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// Verifies against a stored hash; with no hash (unknown user) it still does
/// the same work against a dummy, so timing does not reveal which emails exist.
pub async fn verify(password: Secret, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else { return Ok(false) };
        Ok(Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(AppError::internal)?
}

static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let h: PasswordHash = Argon2::default().hash_password(b"dummy password for timing").expect("argon2 dummy hash");
    h.to_string()
});

/// A random initial password: 20 characters, about 119 bits.
pub fn generate() -> Secret {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    rand::fill(&mut bytes[..]);
    Secret::new(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect::<String>())
}

pub fn check_strength(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&n) {
        return Err(AppError::field("password", format!("must be {MIN_LEN}-{MAX_LEN} characters")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash(Secret::new("correct horse battery")).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(Secret::new("correct horse battery"), Some(h.clone())).await.unwrap());
        assert!(!verify(Secret::new("wrong"), Some(h)).await.unwrap());
        assert!(!verify(Secret::new("x"), None).await.unwrap());
    }
}
