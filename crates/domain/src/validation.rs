//! Field-level validation errors shared by every input type.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The JSON field name as the client sent it.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Collects every problem in an input, so a client can fix them all at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn check(&mut self, ok: bool, field: &str, message: impl Into<String>) -> &mut Self {
        if !ok {
            self.errors.push(FieldError::new(field, message));
        }
        self
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() { Ok(()) } else { Err(self.errors) }
    }
}

/// `prefix` followed by 32 lowercase or uppercase hex digits, as Twilio SIDs are.
pub fn is_twilio_sid(value: &str, prefix: &str) -> bool {
    value.len() == prefix.len() + 32
        && value.starts_with(prefix)
        && value[prefix.len()..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Lowercase letters, digits and single hyphens; 2–48 characters.
pub fn is_slug(value: &str) -> bool {
    (2..=48).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--")
}

/// A plausible email address; real verification is by sending mail, not regex.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `#rgb` or `#rrggbb`.
pub fn is_hex_colour(value: &str) -> bool {
    let Some(hex) = value.strip_prefix('#') else { return false };
    (hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids() {
        assert!(is_twilio_sid("AC0123456789abcdef0123456789abcdef", "AC"));
        assert!(!is_twilio_sid("AC0123456789abcdef0123456789abcde", "AC"));
        assert!(!is_twilio_sid("SK0123456789abcdef0123456789abcdef", "AC"));
        assert!(!is_twilio_sid("AC0123456789abcdef0123456789abcdeg", "AC"));
    }

    #[test]
    fn slugs_emails_colours() {
        assert!(is_slug("support-eu"));
        assert!(!is_slug("Support"));
        assert!(!is_slug("-a"));
        assert!(!is_slug("a--b"));
        assert!(is_email("a@b.co"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@c.de"));
        assert!(is_hex_colour("#0af") && is_hex_colour("#00AAFF"));
        assert!(!is_hex_colour("00aaff") && !is_hex_colour("#00aaf"));
    }

    #[test]
    fn validator_collects_all_errors() {
        let mut v = Validator::new();
        v.check(false, "a", "bad").check(true, "b", "fine").check(false, "c", "worse");
        let errs = v.finish().unwrap_err();
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["a", "c"]);
    }
}
