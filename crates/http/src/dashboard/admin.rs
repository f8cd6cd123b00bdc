//! Admin pages of the tenant: API keys and users. The same rules as the
//! `/v1/api-keys` and `/v1/users` routes.

use chrono::{DateTime, Utc};
use escalate_app::services::{api_keys, reads, users};
use escalate_app::{AppError, ErrorCode};
use escalate_domain::access::{Role, Scope};
use minijinja::{Value, context};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, handler};
use uuid::Uuid;

use super::web::{self, Admin, AdminForm, Ctx, Page};
use crate::error::ApiError;

/// A timestamp as the pages show it (UTC).
fn when(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.format("%-d %b %Y, %H:%M").to_string())
}

const SCOPES: [(&str, &str); 3] = [
    (
        "escalations",
        "Create, read and complete escalations from an integration (the Flex plugin uses the agent's Flex token instead).",
    ),
    ("metrics", "Read metrics and escalation history."),
    ("admin", "Everything a tenant admin can do."),
];

// ---- API keys --------------------------------------------------------------------

async fn keys_page(ctx: &Ctx, status: StatusCode, extra: Value) -> Page {
    let keys = reads::api_keys(&ctx.state, ctx.scope()).await.map_err(|e| ctx.error_page(e))?;
    let rows: Vec<Value> = keys
        .iter()
        .map(|k| {
            context! {
                id => k.id.to_string(),
                name => k.name.clone(),
                prefix => format!("esk_{}_…", k.prefix),
                scopes => k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                created_at => when(Some(k.created_at)),
                last_used_at => when(k.last_used_at),
                revoked_at => when(k.revoked_at),
            }
        })
        .collect();
    let scopes: Vec<Value> = SCOPES.iter().map(|(n, d)| context! { name => *n, description => *d }).collect();
    Ok(ctx.render(
        status,
        "api_keys.html",
        "api-keys",
        "API keys",
        context! { keys => rows, scopes => scopes, ..extra },
    ))
}

#[handler]
pub async fn list_keys(Admin(ctx): Admin, req: &Request) -> Page {
    keys_page(&ctx, StatusCode::OK, context! { flash => web::flash_value(req) }).await
}

#[handler]
pub async fn create_key(AdminForm { ctx, form }: AdminForm) -> Page {
    let name = form.get("name").trim().to_owned();
    let scopes: Vec<Scope> = form.all("scopes").iter().filter_map(|s| s.parse().ok()).collect();
    match api_keys::create(&ctx.state, &ctx.principal(), &name, scopes.clone()).await {
        Ok(created) => {
            let checked: Vec<&str> = created.record.scopes.iter().map(|s| s.as_str()).collect();
            keys_page(
                &ctx,
                StatusCode::CREATED,
                context! { created => context! { name => created.record.name.clone(), key => created.key.expose().to_owned(), scopes => checked } },
            )
            .await
        }
        Err(AppError::Invalid(fields)) => {
            let mut errors = std::collections::BTreeMap::new();
            for f in fields {
                let message = match f.field.as_str() {
                    "scopes" => "Choose at least one scope.",
                    _ => "Give the key a name of 1-100 characters.",
                };
                errors.insert(f.field, message);
            }
            let checked: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
            keys_page(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { errors => errors, form_name => name, checked => checked },
            )
            .await
        }
        Err(e) => Err(ctx.error_page(e)),
    }
}

#[handler]
pub async fn revoke_key(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let id = Uuid::parse_str(&id).map_err(|_| ctx.error_page(ApiError::not_found()))?;
    api_keys::revoke(&ctx.state, &ctx.principal(), id).await.map_err(|e| ctx.error_page(e))?;
    Ok(web::redirect("/dashboard/api-keys?flash=key_revoked"))
}

// ---- users -----------------------------------------------------------------------

async fn users_page(ctx: &Ctx, status: StatusCode, extra: Value) -> Page {
    let users = reads::users(&ctx.state, ctx.scope()).await.map_err(|e| ctx.error_page(e))?;
    let rows: Vec<Value> = users
        .iter()
        .map(|u| {
            context! {
                id => u.id.to_string(),
                email => u.email.clone(),
                role => u.role.as_str(),
                is_me => u.id == ctx.user.id,
                created_at => when(Some(u.created_at)),
                last_login_at => when(u.last_login_at),
            }
        })
        .collect();
    Ok(ctx.render(status, "users.html", "users", "Users", context! { users => rows, ..extra }))
}

#[handler]
pub async fn list_users(Admin(ctx): Admin, req: &Request) -> Page {
    users_page(&ctx, StatusCode::OK, context! { flash => web::flash_value(req) }).await
}

#[handler]
pub async fn invite(AdminForm { ctx, form }: AdminForm) -> Page {
    let email = form.get("email").trim().to_lowercase();
    let Ok(role) = form.get("role").parse::<Role>() else {
        let errors = std::collections::BTreeMap::from([("role", "Choose admin or viewer.")]);
        return users_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, context! { errors => errors, form_email => email })
            .await;
    };
    let again = |status, message: &'static str| {
        let errors = std::collections::BTreeMap::from([("email", message)]);
        users_page(&ctx, status, context! { errors => errors, form_email => email.clone(), form_role => role.as_str() })
    };
    match users::invite(&ctx.state, &ctx.principal(), &email, role).await {
        Ok(invited) => {
            users_page(
                &ctx,
                StatusCode::CREATED,
                context! { invited => context! { email => invited.user.email.clone(), role => invited.user.role.as_str(), password => invited.initial_password.expose().to_owned() } },
            )
            .await
        }
        Err(AppError::Invalid(_)) => again(StatusCode::UNPROCESSABLE_ENTITY, "Enter an email address.").await,
        Err(e) if e.code() == ErrorCode::EmailTaken => {
            again(StatusCode::CONFLICT, "A user with this email already exists.").await
        }
        Err(e) => Err(ctx.error_page(e)),
    }
}

/// The application refuses to remove or demote the last admin: say so on the users page.
async fn last_admin_or_error(ctx: &Ctx, err: AppError) -> Page {
    match err.code() {
        ErrorCode::LastAdmin => {
            users_page(
                ctx,
                StatusCode::CONFLICT,
                context! { error => "A tenant must keep at least one admin: make another user an admin first." },
            )
            .await
        }
        _ => Err(ctx.error_page(err)),
    }
}

#[handler]
pub async fn set_role(AdminForm { ctx, form }: AdminForm, Path(id): Path<String>) -> Page {
    let id = Uuid::parse_str(&id).map_err(|_| ctx.error_page(ApiError::not_found()))?;
    let Ok(role) = form.get("role").parse::<Role>() else {
        return users_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, context! { error => "Choose admin or viewer." })
            .await;
    };
    match users::set_role(&ctx.state, &ctx.principal(), id, role).await {
        Ok(_) => Ok(web::redirect("/dashboard/users?flash=role_changed")),
        Err(e) => last_admin_or_error(&ctx, e).await,
    }
}

#[handler]
pub async fn remove_user(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let id = Uuid::parse_str(&id).map_err(|_| ctx.error_page(ApiError::not_found()))?;
    match users::remove(&ctx.state, &ctx.principal(), id).await {
        Ok(()) if id == ctx.user.id => Ok(web::redirect("/dashboard/login?flash=signed_out")),
        Ok(()) => Ok(web::redirect("/dashboard/users?flash=user_removed")),
        Err(e) => last_admin_or_error(&ctx, e).await,
    }
}
