use chrono::{DateTime, Utc};
use escalate_app::records::AuditEventRecord;
use escalate_domain::access::Permission;
use escalate_domain::audit::{ActorKind, AuditAction};
use poem::Body;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use escalate_app::services::audit::{self, AuditQuery};

pub struct AuditApi;

/// One admin action. `changes` holds what changed, field by field
/// (`{"field": {"from": …, "to": …}}`) or the facts of the action; secrets
/// are never recorded.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct AuditEntry {
    id: Uuid,
    occurred_at: DateTime<Utc>,
    action: AuditAction,
    actor_kind: ActorKind,
    /// The user's or API key's id (none for the platform operator).
    actor_id: Option<Uuid>,
    /// The user's email or the key's name and prefix, as they were at the time.
    actor: String,
    /// The client address the request came from.
    client_ip: Option<String>,
    /// What the action was on: `contact_center`, `user`, `api_key`, `tenant`.
    target_kind: Option<String>,
    target_id: Option<String>,
    changes: serde_json::Value,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct AuditPage {
    items: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    next_before: Option<Uuid>,
}

#[derive(ApiResponse)]
enum AuditCsv {
    /// One row per entry, newest first.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Body>, #[oai(header = "Content-Disposition")] String),
}

fn entry(e: AuditEventRecord) -> AuditEntry {
    AuditEntry {
        id: e.id,
        occurred_at: e.occurred_at,
        action: e.action,
        actor_kind: e.actor_kind,
        actor_id: e.actor_id,
        actor: e.actor_label,
        client_ip: e.client_ip,
        target_kind: e.target_kind,
        target_id: e.target_id,
        changes: e.changes,
    }
}

#[OpenApi(tag = "Tag::Audit")]
impl AuditApi {
    /// The tenant's audit log, newest first: sign-ins (and failed ones),
    /// changes to contact centers, credentials, users, API keys and the Flex
    /// installation; who, when, from where and what changed. Admins only.
    #[oai(path = "/v1/audit-log", method = "get", operation_id = "listAuditLog")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        /// Only this action.
        action: Query<Option<AuditAction>>,
        /// Only what this user or API key did.
        actor_id: Query<Option<Uuid>>,
        /// At or after (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Before (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// The `next_before` of the previous page.
        before: Query<Option<Uuid>>,
        /// 1-200, default 50.
        limit: Query<Option<u64>>,
    ) -> ApiResult<Json<AuditPage>> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        let limit = limit.0.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::field("limit", "must be between 1 and 200"));
        }
        let q = AuditQuery { action: action.0, actor_id: actor_id.0, from: from.0, to: to.0, before: before.0, limit };
        let rows = audit::list(&state, scope, &q).await?;
        let next_before = (rows.len() as u64 == limit).then(|| rows.last().map(|e| e.id)).flatten();
        Ok(Json(AuditPage { items: rows.into_iter().map(entry).collect(), next_before }))
    }

    /// The audit log as CSV, streamed, with the same filters (all of it by default).
    #[oai(path = "/v1/audit-log.csv", method = "get", operation_id = "exportAuditLogCsv")]
    async fn csv(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        action: Query<Option<AuditAction>>,
        actor_id: Query<Option<Uuid>>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<AuditCsv> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        let q = AuditQuery { action: action.0, actor_id: actor_id.0, from: from.0, to: to.0, before: None, limit: 0 };
        let body = Body::from_bytes_stream(audit::csv(&state, scope, q)?);
        let filename = format!("audit-log-{}.csv", Utc::now().format("%Y%m%d"));
        Ok(AuditCsv::Csv(Binary(body), format!("attachment; filename=\"{filename}\"")))
    }
}
