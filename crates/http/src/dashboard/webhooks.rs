//! Webhook endpoints in the dashboard: the same rules as
//! `/v1/webhook-endpoints` (the services are shared). The secret is shown
//! once, after creating an endpoint or rotating its secret; an endpoint's
//! page shows its delivery log with a replay button per delivery.

use escalate_app::AppError;
use escalate_app::records::DeliveryFilter;
use escalate_app::records::WebhookEndpointRecord;
use escalate_app::services::reads;
use escalate_app::services::webhooks::{self, EndpointChange, EndpointInput};
use escalate_domain::webhook::EventType;
use minijinja::{Value, context};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, handler};
use uuid::Uuid;

use super::web::{self, Admin, AdminForm, Ctx, Page};
use crate::error::ApiError;

const EVENTS: [(EventType, &str); 6] = [
    (EventType::EscalationCreated, "The room is made and the join link is in the chat."),
    (EventType::AgentJoined, "The agent joined the call for the first time."),
    (EventType::CustomerJoined, "The customer joined the call for the first time."),
    (EventType::EscalationEnded, "The agent or an integration ended the call."),
    (EventType::EscalationFailed, "The room or the chat message could not be made."),
    (EventType::RatingReceived, "The customer rated the call."),
];

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %b %Y, %H:%M:%S").to_string()
}

async fn center_names(ctx: &Ctx) -> Result<Vec<(Uuid, String)>, web::PageError> {
    let centers = reads::contact_centers(&ctx.state, ctx.scope()).await.map_err(|e| ctx.error_page(e))?;
    Ok(centers.into_iter().map(|c| (c.id, c.name)).collect())
}

fn endpoint_value(e: &WebhookEndpointRecord, centers: &[(Uuid, String)]) -> Value {
    let scope = match e.contact_center_id {
        None => "All contact centers".to_owned(),
        Some(id) => centers.iter().find(|(c, _)| *c == id).map_or_else(|| id.to_string(), |(_, n)| n.clone()),
    };
    context! {
        id => e.id.to_string(),
        url => e.url.clone(),
        description => e.description.clone(),
        events => e.events.events().into_iter().map(EventType::as_str).collect::<Vec<_>>(),
        scope => scope,
        enabled => e.enabled,
        created_at => when(e.created_at),
    }
}

async fn list_page(ctx: &Ctx, status: StatusCode, extra: Value) -> Page {
    let endpoints = reads::webhook_endpoints(&ctx.state, ctx.scope()).await.map_err(|e| ctx.error_page(e))?;
    let centers = center_names(ctx).await?;
    let rows: Vec<Value> = endpoints.iter().map(|e| endpoint_value(e, &centers)).collect();
    let events: Vec<Value> = EVENTS.iter().map(|(e, d)| context! { name => e.as_str(), description => *d }).collect();
    let centers: Vec<Value> =
        centers.iter().map(|(id, name)| context! { id => id.to_string(), name => name.clone() }).collect();
    Ok(ctx.render(
        status,
        "webhooks.html",
        "webhooks",
        "Webhooks",
        context! { endpoints => rows, events, centers, ..extra },
    ))
}

#[handler]
pub async fn list(Admin(ctx): Admin, req: &Request) -> Page {
    list_page(&ctx, StatusCode::OK, context! { flash => web::flash_value(req) }).await
}

#[handler]
pub async fn create(AdminForm { ctx, form }: AdminForm) -> Page {
    let url = form.get("url").trim().to_owned();
    let description = form.get("description");
    let chosen: Vec<String> = form.all("events");
    let events: Vec<EventType> = chosen.iter().filter_map(|e| e.parse().ok()).collect();
    let center = form.get("contact_center_id");
    let contact_center_id = match center.as_str() {
        "" => None,
        id => Some(Uuid::parse_str(id).map_err(|_| ctx.error_page(ApiError::not_found()))?),
    };
    let input = EndpointInput { url: url.clone(), events, contact_center_id, description: Some(description.clone()) };
    match webhooks::create(&ctx.state, &ctx.principal(), input).await {
        Ok(created) => {
            let shown = context! { url => created.endpoint.url.clone(), secret => created.secret.expose().to_owned() };
            list_page(&ctx, StatusCode::CREATED, context! { created => shown }).await
        }
        Err(e @ AppError::Invalid(_)) => {
            let errors = web::field_errors(&e);
            let form = context! { url => url, description => description, events => chosen, center => center };
            list_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, context! { errors, form }).await
        }
        Err(e) => Err(ctx.error_page(e)),
    }
}

fn endpoint_id(ctx: &Ctx, id: &str) -> Result<Uuid, web::PageError> {
    Uuid::parse_str(id).map_err(|_| ctx.error_page(ApiError::not_found()))
}

#[handler]
pub async fn detail(Admin(ctx): Admin, req: &Request, Path(id): Path<String>) -> Page {
    let id = endpoint_id(&ctx, &id)?;
    detail_page(&ctx, id, StatusCode::OK, context! { flash => web::flash_value(req) }).await
}

async fn detail_page(ctx: &Ctx, id: Uuid, status: StatusCode, extra: Value) -> Page {
    let endpoint = reads::webhook_endpoint(&ctx.state, ctx.scope(), id).await.map_err(|e| ctx.error_page(e))?;
    let centers = center_names(ctx).await?;
    let filter = DeliveryFilter { status: None, before: None, limit: 50 };
    let deliveries = webhooks::deliveries(&ctx.state, ctx.scope(), id, &filter).await.map_err(|e| ctx.error_page(e))?;
    let rows: Vec<Value> = deliveries
        .iter()
        .map(|d| {
            context! {
                id => d.id,
                event_type => d.event_type.as_str(),
                status => d.status.as_str(),
                attempts => d.attempts,
                created_at => when(d.created_at),
                last => match (d.last_status_code, &d.last_error) {
                    (_, Some(error)) => error.clone(),
                    (Some(code), None) => format!("answered {code}"),
                    (None, None) => String::new(),
                },
                message_id => d.message_id.clone(),
            }
        })
        .collect();
    Ok(ctx.render(
        status,
        "webhook.html",
        "webhooks",
        "Webhook endpoint",
        context! { endpoint => endpoint_value(&endpoint, &centers), deliveries => rows, ..extra },
    ))
}

#[handler]
pub async fn toggle(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let id = endpoint_id(&ctx, &id)?;
    let current = reads::webhook_endpoint(&ctx.state, ctx.scope(), id).await.map_err(|e| ctx.error_page(e))?;
    let change = EndpointChange { url: None, events: None, description: None, enabled: Some(!current.enabled) };
    webhooks::update(&ctx.state, &ctx.principal(), id, change).await.map_err(|e| ctx.error_page(e))?;
    let flash = if current.enabled { "endpoint_paused" } else { "endpoint_resumed" };
    Ok(web::redirect(&format!("/dashboard/webhooks/{id}?flash={flash}")))
}

#[handler]
pub async fn rotate(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let id = endpoint_id(&ctx, &id)?;
    let rotated = webhooks::rotate_secret(&ctx.state, &ctx.principal(), id).await.map_err(|e| ctx.error_page(e))?;
    let shown = context! {
        secret => rotated.secret.expose().to_owned(),
        previous_until => when(rotated.previous_expires_at),
    };
    detail_page(&ctx, id, StatusCode::OK, context! { rotated => shown }).await
}

#[handler]
pub async fn delete(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let id = endpoint_id(&ctx, &id)?;
    webhooks::delete(&ctx.state, &ctx.principal(), id).await.map_err(|e| ctx.error_page(e))?;
    Ok(web::redirect("/dashboard/webhooks?flash=endpoint_deleted"))
}

#[handler]
pub async fn replay(AdminForm { ctx, .. }: AdminForm, Path((id, delivery)): Path<(String, String)>) -> Page {
    let id = endpoint_id(&ctx, &id)?;
    let delivery: i64 = delivery.parse().map_err(|_| ctx.error_page(ApiError::not_found()))?;
    // The delivery must be this endpoint's: the address names both.
    let found = reads::webhook_delivery(&ctx.state, ctx.scope(), delivery).await.map_err(|e| ctx.error_page(e))?;
    if found.endpoint_id != id {
        return Err(ctx.error_page(ApiError::not_found()));
    }
    webhooks::replay(&ctx.state, &ctx.principal(), delivery).await.map_err(|e| ctx.error_page(e))?;
    Ok(web::redirect(&format!("/dashboard/webhooks/{id}?flash=delivery_replayed")))
}
