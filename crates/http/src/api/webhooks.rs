use chrono::{DateTime, Utc};
use escalate_app::records::DeliveryFilter;
use escalate_app::records::{WebhookDeliveryRecord, WebhookEndpointRecord};
use escalate_app::services::reads;
use escalate_app::services::webhooks::{self, EndpointChange, EndpointInput};
use escalate_domain::access::Permission;
use escalate_domain::webhook::DeliveryStatus;
use escalate_domain::webhook::EventType;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct WebhooksApi;

/// An endpoint that receives signed event webhooks (secret never shown again).
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct WebhookEndpointView {
    id: Uuid,
    url: String,
    events: Vec<EventType>,
    /// Only this contact center's events; absent: every contact center of the tenant.
    contact_center_id: Option<Uuid>,
    description: String,
    enabled: bool,
    /// After a rotation, the previous secret signs too until then.
    previous_secret_expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn view(e: WebhookEndpointRecord) -> WebhookEndpointView {
    WebhookEndpointView {
        id: e.id,
        events: e.events.events(),
        url: e.url,
        contact_center_id: e.contact_center_id,
        description: e.description,
        enabled: e.enabled,
        previous_secret_expires_at: e.previous_secret_expires_at.filter(|t| *t > Utc::now()),
        created_at: e.created_at,
        updated_at: e.updated_at,
    }
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct CreateWebhookEndpoint {
    /// `https://…` on a public address.
    url: String,
    events: Vec<EventType>,
    contact_center_id: Option<Uuid>,
    description: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct UpdateWebhookEndpoint {
    url: Option<String>,
    events: Option<Vec<EventType>>,
    description: Option<String>,
    /// `false` pauses deliveries: events while paused are not queued for it.
    enabled: Option<bool>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct CreatedWebhookEndpoint {
    endpoint: WebhookEndpointView,
    /// `whsec_…`: verify `webhook-signature` with it (Standard Webhooks). Shown only in this response.
    secret: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct RotatedWebhookSecret {
    /// The new `whsec_…` secret, shown only in this response.
    secret: String,
    /// Until then each delivery carries a signature with the previous secret too.
    previous_secret_expires_at: DateTime<Utc>,
}

/// One event sent (or to be sent) to one endpoint, with its last attempt.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct WebhookDeliveryView {
    id: i64,
    /// `webhook-id`: the same on every attempt and replay.
    message_id: String,
    endpoint_id: Uuid,
    event_type: EventType,
    escalation_id: Option<Uuid>,
    status: DeliveryStatus,
    attempts: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status on the last attempt, if it answered.
    last_status_code: Option<i32>,
    /// What went wrong on the last attempt.
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
    /// The body as sent.
    payload: serde_json::Value,
}

fn delivery(d: WebhookDeliveryRecord) -> WebhookDeliveryView {
    let pending = d.status == DeliveryStatus::Pending;
    WebhookDeliveryView {
        id: d.id,
        message_id: d.message_id,
        endpoint_id: d.endpoint_id,
        event_type: d.event_type,
        escalation_id: d.escalation_id,
        status: d.status,
        attempts: d.attempts,
        next_attempt_at: pending.then_some(d.next_attempt_at),
        last_attempt_at: d.last_attempt_at,
        last_status_code: d.last_status_code,
        last_error: d.last_error,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
        payload: d.payload,
    }
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct WebhookDeliveryPage {
    items: Vec<WebhookDeliveryView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    next_before: Option<i64>,
}

#[derive(ApiResponse)]
enum CreateResponse {
    #[oai(status = 201)]
    Created(Json<CreatedWebhookEndpoint>),
}

#[derive(ApiResponse)]
enum Deleted {
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
enum Replayed {
    /// Queued again; it is sent within a second or so.
    #[oai(status = 202)]
    Queued(Json<WebhookDeliveryView>),
}

#[OpenApi(tag = "Tag::Webhooks")]
impl WebhooksApi {
    /// The tenant's webhook endpoints.
    #[oai(path = "/v1/webhook-endpoints", method = "get", operation_id = "listWebhookEndpoints")]
    async fn list(&self, state: Data<&AppState>, auth: TenantAuth) -> ApiResult<Json<Vec<WebhookEndpointView>>> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(reads::webhook_endpoints(&state, scope).await?.into_iter().map(view).collect()))
    }

    /// Register an endpoint for signed event webhooks.
    ///
    /// Events: `escalation.created`, `agent.joined`, `customer.joined`,
    /// `escalation.ended`, `escalation.failed`, `rating.received`. Each
    /// delivery is a JSON `POST` with `webhook-id`, `webhook-timestamp` and
    /// `webhook-signature` (Standard Webhooks: `v1,` + base64
    /// HMAC-SHA256 over `id.timestamp.body` with the secret's bytes); any
    /// 2xx answer within the timeout acknowledges it, anything else is
    /// retried with growing waits for a day. The URL must be https and
    /// resolve to public addresses. The secret is in this response only.
    #[oai(path = "/v1/webhook-endpoints", method = "post", operation_id = "createWebhookEndpoint")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        body: Json<CreateWebhookEndpoint>,
    ) -> ApiResult<CreateResponse> {
        auth.principal().require(Permission::ManageSettings)?;
        let b = body.0;
        let input = EndpointInput {
            url: b.url,
            events: b.events,
            contact_center_id: b.contact_center_id,
            description: b.description,
        };
        let created = webhooks::create(&state, auth.principal(), input).await?;
        Ok(CreateResponse::Created(Json(CreatedWebhookEndpoint {
            endpoint: view(created.endpoint),
            secret: created.secret.expose().to_owned(),
        })))
    }

    /// One webhook endpoint.
    #[oai(path = "/v1/webhook-endpoints/:id", method = "get", operation_id = "getWebhookEndpoint")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<WebhookEndpointView>> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(view(reads::webhook_endpoint(&state, scope, id.0).await?)))
    }

    /// Change an endpoint's URL, events, description, or pause it.
    #[oai(path = "/v1/webhook-endpoints/:id", method = "patch", operation_id = "updateWebhookEndpoint")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
        body: Json<UpdateWebhookEndpoint>,
    ) -> ApiResult<Json<WebhookEndpointView>> {
        auth.principal().require(Permission::ManageSettings)?;
        let b = body.0;
        let change = EndpointChange { url: b.url, events: b.events, description: b.description, enabled: b.enabled };
        Ok(Json(view(webhooks::update(&state, auth.principal(), id.0, change).await?)))
    }

    /// Delete an endpoint with its delivery log; nothing more is sent to it.
    #[oai(path = "/v1/webhook-endpoints/:id", method = "delete", operation_id = "deleteWebhookEndpoint")]
    async fn delete(&self, state: Data<&AppState>, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<Deleted> {
        auth.principal().require(Permission::ManageSettings)?;
        webhooks::delete(&state, auth.principal(), id.0).await?;
        Ok(Deleted::Done)
    }

    /// A new signing secret, shown once; the previous one keeps signing for 24 hours.
    #[oai(path = "/v1/webhook-endpoints/:id/rotate-secret", method = "post", operation_id = "rotateWebhookSecret")]
    async fn rotate(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<RotatedWebhookSecret>> {
        auth.principal().require(Permission::ManageSettings)?;
        let r = webhooks::rotate_secret(&state, auth.principal(), id.0).await?;
        Ok(Json(RotatedWebhookSecret {
            secret: r.secret.expose().to_owned(),
            previous_secret_expires_at: r.previous_expires_at,
        }))
    }

    /// An endpoint's deliveries, newest first: status, attempts, the last
    /// answer or error, and the body.
    #[oai(path = "/v1/webhook-endpoints/:id/deliveries", method = "get", operation_id = "listWebhookDeliveries")]
    async fn deliveries(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
        status: Query<Option<DeliveryStatus>>,
        /// The `next_before` of the previous page.
        before: Query<Option<i64>>,
        /// 1-200, default 50.
        limit: Query<Option<u64>>,
    ) -> ApiResult<Json<WebhookDeliveryPage>> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        let limit = limit.0.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::field("limit", "must be between 1 and 200"));
        }
        let filter = DeliveryFilter { status: status.0, before: before.0, limit };
        let rows = webhooks::deliveries(&state, scope, id.0, &filter).await?;
        let next_before = (rows.len() as u64 == limit).then(|| rows.last().map(|d| d.id)).flatten();
        Ok(Json(WebhookDeliveryPage { items: rows.into_iter().map(delivery).collect(), next_before }))
    }

    /// Send a delivery again now (same `webhook-id`, a fresh day of retries), whatever became of it.
    #[oai(path = "/v1/webhook-deliveries/:id/replay", method = "post", operation_id = "replayWebhookDelivery")]
    async fn replay(&self, state: Data<&AppState>, auth: TenantAuth, id: Path<i64>) -> ApiResult<Replayed> {
        auth.principal().require(Permission::ManageSettings)?;
        Ok(Replayed::Queued(Json(delivery(webhooks::replay(&state, auth.principal(), id.0).await?))))
    }
}
