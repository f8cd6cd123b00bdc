//! Operations that span more than one store call or talk to Twilio; used by
//! the API handlers and by the CLI alike.

pub mod account;
pub mod contact_centers;
pub mod credentials;
pub mod escalations;
pub mod export;
pub mod join;
pub mod metrics;
pub mod sessions;
pub mod tenants;
pub mod tokens;
pub mod webhooks;

/// A slug from a display name: `"Acme Support (EU)"` → `"acme-support-eu"`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 48 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.len() < 2 { format!("{slug}x0").trim_start_matches('-').to_owned() } else { slug }
}

/// Maps a unique-constraint conflict to the field it concerns.
pub fn conflict_on(err: escalate_store::StoreError, field: &'static str, code: &'static str) -> crate::error::ApiError {
    match err {
        escalate_store::StoreError::Conflict(_) => {
            crate::error::ApiError::conflict(code, format!("{field} is already taken"))
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugify_makes_valid_slugs() {
        assert_eq!(super::slugify("Acme Support (EU)"), "acme-support-eu");
        assert_eq!(super::slugify("  ÜBER  café "), "ber-caf");
        assert!(escalate_domain::validation::is_slug(&super::slugify("!")));
        assert!(escalate_domain::validation::is_slug(&super::slugify(&"x".repeat(80))));
    }
}
