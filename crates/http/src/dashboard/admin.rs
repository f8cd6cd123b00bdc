//! Admin pages of the tenant: API keys and users. The same rules as the
//! `/v1/api-keys` and `/v1/users` routes.

use chrono::{DateTime, Utc};
use escalate_domain::access::{Role, Scope, format_scopes};
use escalate_domain::api_key;
use escalate_domain::validation::is_email;
use minijinja::{Value, context};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};
use uuid::Uuid;

use super::web::{self, Ctx, Form};
use crate::auth::password;
use crate::error::ApiError;
use crate::services::conflict_on;
use crate::state::AppState;

/// A timestamp as the pages show it (UTC).
fn when(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.format("%-d %b %Y, %H:%M").to_string())
}

const SCOPES: [(&str, &str); 3] = [
    ("escalations", "Create, read and complete escalations (the Flex plugin, integrations)."),
    ("metrics", "Read metrics and escalation history."),
    ("admin", "Everything a tenant admin can do."),
];

// ---- API keys --------------------------------------------------------------------

async fn keys_page(ctx: &Ctx, status: StatusCode, extra: Value) -> Response {
    let keys = match ctx.state.store.list_api_keys(ctx.scope()).await {
        Ok(k) => k,
        Err(e) => return ctx.error_page(&e.into()),
    };
    let rows: Vec<Value> = keys
        .iter()
        .map(|k| {
            context! {
                id => k.id.to_string(),
                name => k.name.clone(),
                prefix => format!("esk_{}_…", k.prefix),
                scopes => k.scopes.split_whitespace().map(str::to_owned).collect::<Vec<_>>(),
                created_at => when(Some(k.created_at)),
                last_used_at => when(k.last_used_at),
                revoked_at => when(k.revoked_at),
            }
        })
        .collect();
    let scopes: Vec<Value> = SCOPES.iter().map(|(n, d)| context! { name => *n, description => *d }).collect();
    ctx.render(status, "api_keys.html", "api-keys", "API keys", context! { keys => rows, scopes => scopes, ..extra })
}

#[handler]
pub async fn list_keys(state: Data<&AppState>, req: &Request) -> Response {
    let ctx = match web::signed_in_admin(&state, req, None).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    keys_page(&ctx, StatusCode::OK, context! { flash => web::flash_value(req) }).await
}

#[handler]
pub async fn create_key(state: Data<&AppState>, req: &Request, body: bytes::Bytes) -> Response {
    let form = Form::parse(&body);
    let ctx = match web::signed_in_admin(&state, req, Some(&form)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let name = form.get("name").trim().to_owned();
    let mut scopes: Vec<Scope> = form.all("scopes").iter().filter_map(|s| s.parse().ok()).collect();
    scopes.sort();
    scopes.dedup();
    let mut errors = std::collections::BTreeMap::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.insert("name", "Give the key a name of 1-100 characters.");
    }
    if scopes.is_empty() {
        errors.insert("scopes", "Choose at least one scope.");
    }
    let checked: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    if !errors.is_empty() {
        return keys_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { errors => errors, form_name => name, checked => checked },
        )
        .await;
    }
    let new = api_key::generate();
    match state.store.create_api_key(ctx.scope(), &name, &new.prefix, new.hash, &format_scopes(&scopes), Utc::now()).await {
        Ok(record) => {
            keys_page(
                &ctx,
                StatusCode::CREATED,
                context! { created => context! { name => record.name.clone(), key => new.key.expose().to_owned(), scopes => checked } },
            )
            .await
        }
        Err(e) => ctx.error_page(&e.into()),
    }
}

#[handler]
pub async fn revoke_key(state: Data<&AppState>, req: &Request, Path(id): Path<String>, body: bytes::Bytes) -> Response {
    let form = Form::parse(&body);
    let ctx = match web::signed_in_admin(&state, req, Some(&form)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&id) else { return ctx.error_page(&ApiError::not_found()) };
    match state.store.revoke_api_key(ctx.scope(), id, Utc::now()).await {
        Ok(_) => web::redirect("/dashboard/api-keys?flash=key_revoked"),
        Err(e) => ctx.error_page(&e.into()),
    }
}

// ---- users -----------------------------------------------------------------------

async fn users_page(ctx: &Ctx, status: StatusCode, extra: Value) -> Response {
    let users = match ctx.state.store.list_users(ctx.scope()).await {
        Ok(u) => u,
        Err(e) => return ctx.error_page(&e.into()),
    };
    let rows: Vec<Value> = users
        .iter()
        .map(|u| {
            context! {
                id => u.id.to_string(),
                email => u.email.clone(),
                role => u.role.clone(),
                is_me => u.id == ctx.user.id,
                created_at => when(Some(u.created_at)),
                last_login_at => when(u.last_login_at),
            }
        })
        .collect();
    ctx.render(status, "users.html", "users", "Users", context! { users => rows, ..extra })
}

#[handler]
pub async fn list_users(state: Data<&AppState>, req: &Request) -> Response {
    let ctx = match web::signed_in_admin(&state, req, None).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    users_page(&ctx, StatusCode::OK, context! { flash => web::flash_value(req) }).await
}

fn parse_role(s: &str) -> Option<Role> {
    s.parse().ok()
}

#[handler]
pub async fn invite(state: Data<&AppState>, req: &Request, body: bytes::Bytes) -> Response {
    let form = Form::parse(&body);
    let ctx = match web::signed_in_admin(&state, req, Some(&form)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let email = form.get("email").trim().to_lowercase();
    let role = parse_role(&form.get("role"));
    let mut errors = std::collections::BTreeMap::new();
    if !is_email(&email) {
        errors.insert("email", "Enter an email address.".to_owned());
    }
    let Some(role) = role else {
        errors.insert("role", "Choose admin or viewer.".to_owned());
        return users_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, context! { errors => errors, form_email => email })
            .await;
    };
    if !errors.is_empty() {
        return users_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { errors => errors, form_email => email, form_role => role.as_str() },
        )
        .await;
    }
    let initial = password::generate();
    let hash = match password::hash(initial.clone()).await {
        Ok(h) => h,
        Err(e) => return ctx.error_page(&e),
    };
    match state.store.create_user(ctx.scope(), &email, &hash, role.as_str(), Utc::now()).await {
        Ok(user) => {
            users_page(
                &ctx,
                StatusCode::CREATED,
                context! { invited => context! { email => user.email.clone(), role => user.role.clone(), password => initial.expose().to_owned() } },
            )
            .await
        }
        Err(e) => {
            let err = conflict_on(e, "email", "email_taken");
            if err.code == "email_taken" {
                errors.insert("email", "A user with this email already exists.".to_owned());
                users_page(&ctx, StatusCode::CONFLICT, context! { errors => errors, form_email => email, form_role => role.as_str() }).await
            } else {
                ctx.error_page(&err)
            }
        }
    }
}

/// The store refuses to remove or demote the last admin: say so on the users page.
async fn last_admin_or_error(ctx: &Ctx, err: escalate_store::StoreError) -> Response {
    match err {
        escalate_store::StoreError::Conflict(_) => {
            users_page(
                ctx,
                StatusCode::CONFLICT,
                context! { error => "A tenant must keep at least one admin: make another user an admin first." },
            )
            .await
        }
        other => ctx.error_page(&other.into()),
    }
}

#[handler]
pub async fn set_role(state: Data<&AppState>, req: &Request, Path(id): Path<String>, body: bytes::Bytes) -> Response {
    let form = Form::parse(&body);
    let ctx = match web::signed_in_admin(&state, req, Some(&form)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&id) else { return ctx.error_page(&ApiError::not_found()) };
    let Some(role) = parse_role(&form.get("role")) else {
        return users_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, context! { error => "Choose admin or viewer." })
            .await;
    };
    match state.store.set_user_role(ctx.scope(), id, role.as_str()).await {
        Ok(_) => web::redirect("/dashboard/users?flash=role_changed"),
        Err(e) => last_admin_or_error(&ctx, e).await,
    }
}

#[handler]
pub async fn remove_user(
    state: Data<&AppState>,
    req: &Request,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Response {
    let form = Form::parse(&body);
    let ctx = match web::signed_in_admin(&state, req, Some(&form)).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&id) else { return ctx.error_page(&ApiError::not_found()) };
    match state.store.delete_user(ctx.scope(), id).await {
        Ok(()) => {
            if id == ctx.user.id {
                return web::redirect("/dashboard/login?flash=signed_out");
            }
            web::redirect("/dashboard/users?flash=user_removed")
        }
        Err(e) => last_admin_or_error(&ctx, e).await,
    }
}
