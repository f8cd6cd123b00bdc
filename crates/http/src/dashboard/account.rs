//! `/dashboard/account`: the signed-in user's own account (any role) and
//! their password. The same rules as `PUT /v1/me/password`.

use escalate_domain::Secret;
use minijinja::context;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};

use super::web::{self, Ctx, Form};
use crate::auth::password;
use crate::services::account;
use crate::state::AppState;

fn page(
    ctx: &Ctx,
    status: StatusCode,
    errors: std::collections::BTreeMap<String, String>,
    flash: minijinja::Value,
) -> Response {
    let error_count = errors.len();
    ctx.render(
        status,
        "account.html",
        "account",
        "Your account",
        context! {
            errors => errors,
            error_count => error_count,
            min_len => password::MIN_LEN,
            max_len => password::MAX_LEN,
            flash => flash,
        },
    )
}

#[handler]
pub async fn show(state: Data<&AppState>, req: &Request) -> Response {
    let ctx = match web::signed_in(&state, req).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    page(&ctx, StatusCode::OK, Default::default(), web::flash_value(req))
}

#[handler]
pub async fn change_password(state: Data<&AppState>, req: &Request, body: bytes::Bytes) -> Response {
    let form = Form::parse(&body);
    let ctx = match web::signed_in(&state, req).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let new = form.get("new_password");
    if new != form.get("confirm_password") {
        let errors = [("confirm_password".to_owned(), "Does not match the new password".to_owned())].into();
        return page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, errors, minijinja::Value::from(()));
    }
    let changed = account::change_password(
        &state,
        ctx.scope(),
        ctx.user.id,
        ctx.session.id,
        Secret::new(form.get("current_password")),
        Secret::new(new),
    )
    .await;
    match changed {
        Ok(()) => web::redirect("/dashboard/account?flash=password_changed"),
        Err(e) if !e.errors.is_empty() => {
            page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, web::field_errors(&e), minijinja::Value::from(()))
        }
        Err(e) => ctx.error_page(&e),
    }
}
