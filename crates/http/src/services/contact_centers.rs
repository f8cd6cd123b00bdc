//! Rules a contact center must satisfy whichever way it is written (API or
//! dashboard).

use escalate_domain::contact_center::ContactCenterSettings;
use escalate_domain::validation::{FieldError, is_slug};

use crate::error::ApiError;
use crate::message_template;

/// Checks a contact center's name, slug and settings, naming every bad
/// field, then that the message template renders.
pub fn validate(name: &str, slug: &str, settings: &ContactCenterSettings) -> Result<(), ApiError> {
    let mut errors = settings.validate().err().unwrap_or_default();
    if name.is_empty() || name.chars().count() > 100 {
        errors.insert(0, FieldError::new("name", "must be 1-100 characters"));
    }
    if !is_slug(slug) {
        errors.insert(0, FieldError::new("slug", "must be 2-48 lowercase letters, digits and single hyphens"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    message_template::validate(&settings.message_template)
}
