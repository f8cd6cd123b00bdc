//! The chat message a contact center sends with the join link, rendered
//! with minijinja. It is plain text for a chat, so no HTML escaping.

use minijinja::{Environment, UndefinedBehavior, context};

use crate::error::AppError;

/// Twilio Conversations rejects longer bodies.
pub const MAX_BODY_CHARS: usize = 1600;

pub struct MessageVars<'a> {
    pub join_url: &'a str,
    pub agent_name: &'a str,
    pub expires_at: &'a str,
    pub code: &'a str,
}

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    // A typo such as {{ joinurl }} should fail when the template is saved,
    // not send customers a message without a link.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

pub fn render(template: &str, vars: &MessageVars<'_>) -> Result<String, minijinja::Error> {
    env().render_str(
        template,
        context! { join_url => vars.join_url, agent_name => vars.agent_name, expires_at => vars.expires_at, code => vars.code },
    )
}

/// Checks a template on save by rendering it with sample values.
pub fn validate(template: &str) -> Result<(), AppError> {
    let sample_url = "https://video.example.com/join/0123456789ABC";
    let vars = MessageVars {
        join_url: sample_url,
        agent_name: "Alex",
        expires_at: "2026-01-01T12:00:00Z",
        code: "0123456789ABC",
    };
    let out =
        render(template, &vars).map_err(|e| AppError::field("message_template", format!("does not render: {e}")))?;
    if !out.contains(sample_url) {
        return Err(AppError::field("message_template", "must include {{ join_url }}"));
    }
    if out.chars().count() > MAX_BODY_CHARS - 100 {
        return Err(AppError::field("message_template", "renders too long for a chat message"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_all_variables() {
        let vars = MessageVars { join_url: "https://x/join/C", agent_name: "Sam", expires_at: "soon", code: "C" };
        let out =
            render("{{ agent_name }} invites you: {{ join_url }} (code {{ code }}, until {{ expires_at }})", &vars)
                .unwrap();
        assert_eq!(out, "Sam invites you: https://x/join/C (code C, until soon)");
    }

    #[test]
    fn rejects_typos_and_missing_link() {
        assert_eq!(validate("Join: {{ joinurl }}").unwrap_err().code(), crate::ErrorCode::ValidationFailed);
        assert!(validate("Hello there").is_err());
        assert!(validate("Join: {{ join_url").is_err());
        validate("Please join me on video: {{ join_url }}").unwrap();
    }
}
