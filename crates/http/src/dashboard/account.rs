//! `/dashboard/account`: the signed-in user's own account (any role) and
//! their password. The same rules as `PUT /v1/me/password`.

use escalate_app::AppError;
use escalate_app::password;
use escalate_app::services::account;
use escalate_domain::Secret;
use minijinja::context;
use poem::http::StatusCode;
use poem::{Request, Response, handler};

use super::web::{self, Ctx, Page, SignedForm};

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
pub async fn show(ctx: Ctx, req: &Request) -> Response {
    page(&ctx, StatusCode::OK, Default::default(), web::flash_value(req))
}

#[handler]
pub async fn change_password(SignedForm { ctx, form }: SignedForm, req: &Request) -> Page {
    let new = form.get("new_password");
    if new != form.get("confirm_password") {
        let errors = [("confirm_password".to_owned(), "Does not match the new password".to_owned())].into();
        return Ok(page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, errors, minijinja::Value::from(())));
    }
    let changed = account::change_password(
        &ctx.state,
        ctx.scope(),
        ctx.user.id,
        ctx.session.id,
        Secret::new(form.get("current_password")),
        Secret::new(new),
        &crate::auth::client_ip(req, ctx.state.http().trust_proxy_headers),
    )
    .await;
    match changed {
        Ok(()) => Ok(web::redirect("/dashboard/account?flash=password_changed")),
        Err(e @ AppError::Invalid(_)) => {
            Ok(page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, web::field_errors(&e), minijinja::Value::from(())))
        }
        Err(e) => Err(ctx.error_page(e)),
    }
}
