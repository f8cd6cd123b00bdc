//! The chat message a contact center sends with the join link: a template
//! a tenant writes, so it runs inside bounds that one tenant cannot break
//! for the others.
//!
//! - **What a template may use**: the four variables, `{% if %}` and
//!   `{% for %}` blocks, the `range` function, and a few filters that cannot
//!   grow text (`upper`, `lower`, `title`, `capitalize`, `trim`, `default`).
//!   No `set`, macros, includes or arithmetic: nothing can build a value
//!   larger than the template and its variables (string repetition such as
//!   `"a" * 100000000` is refused when the template is checked).
//! - **Time**: minijinja's fuel bounds the instructions a render may run
//!   ([`FUEL`]), so nested loops stop after a few milliseconds.
//! - **Output**: rendering writes into a buffer that refuses more than
//!   [`MAX_OUTPUT_BYTES`].
//! - **Off the async workers**: renders run on the blocking pool.
//!
//! A template is checked when it is saved, with the longest values its
//! variables can take and the same budget, so one that would exceed the
//! budget is refused then (422 naming `message_template`), never at an
//! escalation.

use std::sync::LazyLock;

use minijinja::machinery::{Token, tokenize};
use minijinja::{Environment, UndefinedBehavior, context};

use crate::error::{AppError, AppResult};

/// Twilio Conversations rejects longer bodies.
pub const MAX_BODY_CHARS: usize = 1600;
/// Instructions a render may run. A plain message takes a few dozen.
pub const FUEL: u64 = 20_000;
/// Bytes a render may write; a chat message is at most 1600 characters.
pub const MAX_OUTPUT_BYTES: usize = 16 * 1024;

/// Block tags a template may use.
const ALLOWED_TAGS: [&str; 6] = ["if", "elif", "else", "endif", "for", "endfor"];

pub struct MessageVars<'a> {
    pub join_url: &'a str,
    pub agent_name: &'a str,
    pub expires_at: &'a str,
    pub code: &'a str,
}

/// Why a template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("does not render: {0}")]
    Invalid(String),
    #[error("uses `{0}`, which message templates do not allow")]
    Forbidden(String),
    #[error("does more work than a chat message may (a loop too long?)")]
    TooComplex,
    #[error("renders longer than a chat message may be")]
    TooLong,
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::empty();
    // A typo such as {{ joinurl }} should fail when the template is saved,
    // not send customers a message without a link.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(16);
    env.add_function("range", minijinja::functions::range);
    env.add_filter("upper", minijinja::filters::upper);
    env.add_filter("lower", minijinja::filters::lower);
    env.add_filter("title", minijinja::filters::title);
    env.add_filter("capitalize", minijinja::filters::capitalize);
    env.add_filter("trim", minijinja::filters::trim);
    env.add_filter("default", minijinja::filters::default);
    env.add_filter("d", minijinja::filters::default);
    env.add_test("defined", minijinja::tests::is_defined);
    env.add_test("undefined", minijinja::tests::is_undefined);
    env.add_test("none", minijinja::tests::is_none);
    env
});

/// Refuses what the template language leaves out (see the module docs),
/// reading the template as minijinja's own lexer does.
fn check_tokens(template: &str) -> Result<(), TemplateError> {
    let mut after_block_start = false;
    for token in tokenize(template, false, Default::default()) {
        let (token, _) = token.map_err(|e| TemplateError::Invalid(e.to_string()))?;
        match token {
            Token::BlockStart => after_block_start = true,
            Token::Ident(tag) if after_block_start => {
                if !ALLOWED_TAGS.contains(&tag) {
                    return Err(TemplateError::Forbidden(format!("{{% {tag} %}}")));
                }
                after_block_start = false;
            }
            Token::Mul | Token::Pow => return Err(TemplateError::Forbidden("*".into())),
            _ => after_block_start = false,
        }
    }
    Ok(())
}

/// A buffer that refuses to grow past [`MAX_OUTPUT_BYTES`].
struct Bounded(Vec<u8>);

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_OUTPUT_BYTES {
            return Err(std::io::Error::other("message too long"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Renders within the budget. Synchronous and bounded (a few milliseconds
/// at most); async callers use [`render_off_worker`].
pub fn render(template: &str, vars: &MessageVars<'_>) -> Result<String, TemplateError> {
    check_tokens(template)?;
    let tpl = ENV.template_from_str(template).map_err(|e| TemplateError::Invalid(e.to_string()))?;
    let ctx = context! { join_url => vars.join_url, agent_name => vars.agent_name, expires_at => vars.expires_at, code => vars.code };
    let mut out = Bounded(Vec::new());
    match tpl.render_captured_to(ctx, &mut out) {
        Ok(_) => String::from_utf8(out.0).map_err(|e| TemplateError::Invalid(e.to_string())),
        Err(e) if e.kind() == minijinja::ErrorKind::OutOfFuel => Err(TemplateError::TooComplex),
        Err(e) if e.kind() == minijinja::ErrorKind::WriteFailure => Err(TemplateError::TooLong),
        Err(e) => Err(TemplateError::Invalid(e.to_string())),
    }
}

/// [`render`] on the blocking pool, so a render never holds up the async
/// workers that serve every tenant.
pub async fn render_off_worker(template: String, vars: OwnedVars) -> Result<String, TemplateError> {
    tokio::task::spawn_blocking(move || render(&template, &vars.as_vars()))
        .await
        .unwrap_or_else(|e| Err(TemplateError::Invalid(format!("render task failed: {e}"))))
}

/// [`MessageVars`] that can move to another thread.
pub struct OwnedVars {
    pub join_url: String,
    pub agent_name: String,
    pub expires_at: String,
    pub code: String,
}

impl OwnedVars {
    fn as_vars(&self) -> MessageVars<'_> {
        MessageVars {
            join_url: &self.join_url,
            agent_name: &self.agent_name,
            expires_at: &self.expires_at,
            code: &self.code,
        }
    }
}

/// Checks a template on save by rendering it, off the async workers, with
/// the longest values its variables can take: a template that passes here
/// stays within the budget at every escalation.
pub async fn validate(template: &str) -> AppResult<()> {
    let sample_url = format!("https://{}/join/0123456789ABC", "v".repeat(200));
    let vars = OwnedVars {
        join_url: sample_url.clone(),
        agent_name: "A".repeat(150),
        expires_at: "2026-01-01 12:00 UTC".into(),
        code: "0123456789ABC".into(),
    };
    let field = |e: TemplateError| AppError::field("message_template", e.to_string());
    let out = render_off_worker(template.to_owned(), vars).await.map_err(field)?;
    if !out.contains(&sample_url) {
        return Err(AppError::field("message_template", "must include {{ join_url }}"));
    }
    if out.chars().count() > MAX_BODY_CHARS {
        return Err(field(TemplateError::TooLong));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> MessageVars<'static> {
        MessageVars { join_url: "https://x/join/C", agent_name: "Sam", expires_at: "soon", code: "C" }
    }

    #[test]
    fn renders_all_variables() {
        let out =
            render("{{ agent_name }} invites you: {{ join_url }} (code {{ code }}, until {{ expires_at }})", &vars())
                .unwrap();
        assert_eq!(out, "Sam invites you: https://x/join/C (code C, until soon)");
        let out = render("{% if agent_name %}{{ agent_name|upper }}{% endif %}: *{{ join_url }}*", &vars()).unwrap();
        assert_eq!(out, "SAM: *https://x/join/C*", "WhatsApp-style *bold* is text, not arithmetic");
    }

    #[tokio::test]
    async fn rejects_typos_and_missing_link() {
        assert_eq!(validate("Join: {{ joinurl }}").await.unwrap_err().code(), crate::ErrorCode::ValidationFailed);
        assert!(validate("Hello there").await.is_err());
        assert!(validate("Join: {{ join_url").await.is_err());
        validate("Please join me on video: {{ join_url }}").await.unwrap();
    }

    #[test]
    fn nested_loops_run_out_of_fuel_quickly() {
        let started = std::time::Instant::now();
        let t = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}{{ join_url }}";
        assert_eq!(render(t, &vars()), Err(TemplateError::TooComplex));
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
    }

    #[test]
    fn output_and_values_cannot_grow_without_bound() {
        let long = "{% for a in range(10000) %}{{ join_url }}{% endfor %}";
        assert!(matches!(render(long, &vars()), Err(TemplateError::TooLong | TemplateError::TooComplex)));
        for t in [
            "{{ 'a' * 100000000 }}{{ join_url }}",
            "{{ join_url ** 99 }}",
            "{% set s = join_url %}{{ s }}",
            "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
            "{% include 'x' %}",
        ] {
            assert!(matches!(render(t, &vars()), Err(TemplateError::Forbidden(_))), "{t}");
        }
        // Filters that could multiply text are not there at all.
        assert!(matches!(render("{{ join_url|replace('', join_url) }}", &vars()), Err(TemplateError::Invalid(_))));
    }

    proptest::proptest! {
        /// Any text, and any mix of template syntax, renders within the
        /// budget or is refused: never a panic, never more than the cap.
        #[test]
        fn any_template_stays_within_bounds(
            parts in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just("{{ join_url }}".to_owned()),
                proptest::strategy::Just("{{ agent_name|upper }}".to_owned()),
                proptest::strategy::Just("{% for i in range(1000) %}".to_owned()),
                proptest::strategy::Just("{% endfor %}".to_owned()),
                proptest::strategy::Just("{% if code %}".to_owned()),
                proptest::strategy::Just("{% endif %}".to_owned()),
                proptest::strategy::Just("{{ join_url ~ join_url }}".to_owned()),
                proptest::strategy::Just("{% set x = 1 %}".to_owned()),
                proptest::strategy::Just("*".to_owned()),
                proptest::arbitrary::any::<String>(),
            ], 0..12)
        ) {
            let template = parts.concat();
            let started = std::time::Instant::now();
            if let Ok(out) = render(&template, &vars()) {
                proptest::prop_assert!(out.len() <= MAX_OUTPUT_BYTES);
            }
            proptest::prop_assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }
    }
}
