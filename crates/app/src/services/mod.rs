//! The application's operations, by what they act on. Every change to the
//! service's state goes through one of these functions, which owns its side
//! effects; the API handlers, the dashboard, the CLI and the demo seeding
//! all call them. Reads that are a single store query may go to the store.

pub mod account;
pub mod api_keys;
pub mod audit;
pub mod callers;
pub mod contact_centers;
pub mod credentials;
pub mod erasure;
pub mod escalations;
pub mod expiry;
pub mod export;
pub mod flex_install;
pub mod insights;
pub mod join;
pub mod keys;
pub mod metrics;
pub mod reads;
pub mod recordings;
pub mod recovery;
pub mod room_callbacks;
pub mod sessions;
pub mod snapshots;
pub mod tenants;
pub mod users;
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
