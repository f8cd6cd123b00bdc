//! Session cookies: the token (made by `escalate_app::services::sessions`)
//! in an HttpOnly cookie, and the CSRF header unsafe requests repeat.

pub const COOKIE: &str = "escalate_session";
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// `Set-Cookie` value for a new session.
pub fn cookie(token: &str, max_age_secs: u64, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie(secure: bool) -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", if secure { "; Secure" } else { "" })
}
