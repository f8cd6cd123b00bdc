//! Snapshots of an escalation's call: the agent's browser saves a still of
//! the customer's video (annotated, flattened); admins list, download and
//! delete them.

use chrono::{DateTime, Utc};
use escalate_app::services::snapshots::{self, SnapshotInfo};
use escalate_domain::snapshot::ImageType;
use poem::web::Data;
use poem::{IntoResponse, Request};
use poem_openapi::param::Path;
use poem_openapi::payload::{Binary, Json, Payload};
use poem_openapi::registry::MetaSchemaRef;
use poem_openapi::{ApiRequest, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use crate::api::Tag;
use crate::auth::agent::EscalationAuth;
use crate::auth::{TenantAuth, client_ip};
use crate::error::ApiResult;
use crate::state::AppState;

pub struct SnapshotsApi;

/// A saved snapshot, without its picture.
#[derive(Object)]
#[oai(rename = "Snapshot")]
pub(crate) struct SnapshotView {
    id: Uuid,
    escalation_id: Uuid,
    created_at: DateTime<Utc>,
    /// Who saved it: the agent's Flex identity, a user's email or an API key's name.
    taken_by: String,
    /// `image/jpeg` or `image/png`.
    content_type: String,
    width: u32,
    height: u32,
    size_bytes: u64,
}

pub(crate) fn view(s: SnapshotInfo) -> SnapshotView {
    SnapshotView {
        id: s.id,
        escalation_id: s.escalation_id,
        created_at: s.created_at,
        taken_by: s.taken_by,
        content_type: s.image_type.mime().to_owned(),
        width: u32::try_from(s.width).unwrap_or_default(),
        height: u32::try_from(s.height).unwrap_or_default(),
        size_bytes: u64::try_from(s.size_bytes).unwrap_or_default(),
    }
}

#[derive(Object)]
#[oai(rename = "SnapshotList")]
struct SnapshotListView {
    /// Oldest first.
    items: Vec<SnapshotView>,
}

/// The picture, as the browser's canvas wrote it.
#[derive(ApiRequest)]
enum Picture {
    #[oai(content_type = "image/jpeg")]
    Jpeg(Binary<Vec<u8>>),
    #[oai(content_type = "image/png")]
    Png(Binary<Vec<u8>>),
}

#[derive(ApiResponse)]
enum Saved {
    /// Kept, sealed; the customer's page is told by the agent's browser.
    #[oai(status = 201)]
    Created(Json<SnapshotView>),
}

const NO_STORE: &str = "private, no-store";

/// A picture answered as what it is (`image/jpeg` or `image/png`): one
/// response whose type is the snapshot's own.
struct PictureBody {
    bytes: Vec<u8>,
    image_type: ImageType,
}

impl Payload for PictureBody {
    const CONTENT_TYPE: &'static str = "image/*";

    fn schema_ref() -> MetaSchemaRef {
        Binary::<Vec<u8>>::schema_ref()
    }
}

impl IntoResponse for PictureBody {
    fn into_response(self) -> poem::Response {
        poem::Response::builder().content_type(self.image_type.mime()).body(self.bytes)
    }
}

#[derive(ApiResponse)]
enum Download {
    /// The picture, never cached.
    #[oai(status = 200)]
    Picture(PictureBody, #[oai(header = "Cache-Control")] String, #[oai(header = "Content-Disposition")] String),
}

#[derive(ApiResponse)]
enum Deleted {
    #[oai(status = 204)]
    Deleted,
}

#[OpenApi(tag = "Tag::Escalations")]
impl SnapshotsApi {
    /// Save a snapshot of the customer's video to an open escalation (the
    /// agent of the escalation, a supervisor, or a caller allowed to manage
    /// escalations). The body is the picture itself, `image/jpeg` or
    /// `image/png`, at most 4 MiB and 4096 pixels a side; its format and
    /// size are read from the picture, not from the header. At most 20 per
    /// escalation. It is sealed with the tenant's data key, sent as
    /// `snapshot.created` to webhooks, and deleted after the contact
    /// center's `snapshots.retention_days`. Refusals:
    /// `snapshots_disabled` (409), `snapshot_limit_reached` (409),
    /// `escalation_not_open` (409), `snapshot_too_large` (413),
    /// `snapshot_not_an_image` (415).
    #[oai(path = "/v1/escalations/:id/snapshots", method = "post", operation_id = "createSnapshot")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        id: Path<Uuid>,
        body: Picture,
    ) -> ApiResult<Saved> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (Picture::Jpeg(bytes) | Picture::Png(bytes)) = body;
        let saved = snapshots::save(&state, auth.credential(&state, &ip).await?, id.0, &bytes.0).await?;
        Ok(Saved::Created(Json(view(saved))))
    }

    /// An escalation's snapshots, oldest first, without their pictures (admins).
    #[oai(path = "/v1/escalations/:id/snapshots", method = "get", operation_id = "listSnapshots")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<SnapshotListView>> {
        let items = snapshots::list(&state, auth.principal(), id.0).await?;
        Ok(Json(SnapshotListView { items: items.into_iter().map(view).collect() }))
    }

    /// Download one snapshot's picture (admins); audited as
    /// `snapshot.downloaded`. Never cached.
    #[oai(path = "/v1/escalations/:id/snapshots/:snapshot_id", method = "get", operation_id = "downloadSnapshot")]
    async fn download(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
        snapshot_id: Path<Uuid>,
    ) -> ApiResult<Download> {
        let (info, bytes) = snapshots::download(&state, auth.principal(), id.0, snapshot_id.0).await?;
        let ext = match info.image_type {
            ImageType::Jpeg => "jpg",
            ImageType::Png => "png",
        };
        let disposition = format!("inline; filename=\"snapshot-{}.{ext}\"", info.id);
        Ok(Download::Picture(PictureBody { bytes, image_type: info.image_type }, NO_STORE.to_owned(), disposition))
    }

    /// Delete one snapshot (admins); audited as `snapshot.deleted`.
    #[oai(path = "/v1/escalations/:id/snapshots/:snapshot_id", method = "delete", operation_id = "deleteSnapshot")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        id: Path<Uuid>,
        snapshot_id: Path<Uuid>,
    ) -> ApiResult<Deleted> {
        snapshots::delete(&state, auth.principal(), id.0, snapshot_id.0).await?;
        Ok(Deleted::Deleted)
    }
}
