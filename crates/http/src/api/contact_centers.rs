use chrono::{DateTime, Utc};
use escalate_app::records::ContactCenterRecord;
use escalate_app::services::contact_centers;
use escalate_app::services::reads;
use escalate_domain::access::Permission;
use escalate_domain::contact_center::{RoomType, SettingsPatch as DomainPatch, VideoProvider};
use escalate_domain::insights::Mapping;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct ContactCentersApi;

/// How the customer's join page looks.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct Branding {
    display_name: String,
    logo_url: Option<String>,
    /// `#rgb` or `#rrggbb`.
    primary_colour: String,
    accent_colour: String,
    headline: String,
    button_text: String,
    /// `en` or `es`.
    locale: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct RoomSettings {
    room_type: RoomType,
    /// Minutes an empty room stays open after everyone left (1-60).
    empty_room_timeout_minutes: i32,
    /// Minutes a room nobody joined stays open (1-60).
    unused_room_timeout_minutes: i32,
    max_participants: Option<i32>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
#[oai(rename = "ContactCenter")]
struct ContactCenterView {
    id: Uuid,
    name: String,
    slug: String,
    branding: Branding,
    /// Who carries new escalations' calls: `builtin` (this service's WebRTC
    /// calls) or `twilio` (Twilio Video rooms in the contact center's account).
    video_provider: VideoProvider,
    /// minijinja template of the chat message; variables: join_url, agent_name, expires_at, code.
    message_template: String,
    /// How long a room code (the customer's link) stays valid.
    code_ttl_seconds: i64,
    /// Lifetime of the room credentials (Twilio access tokens) handed out.
    token_ttl_seconds: i64,
    /// Room options; `room_type` and `max_participants` apply to Twilio rooms.
    room: RoomSettings,
    /// IANA time zone the contact center reports in: its metrics' days and
    /// hours are local ones unless a request names another `tz`.
    time_zone: String,
    conversations_service_sid: Option<String>,
    recording: Recording,
    snapshots: Snapshots,
    flex_insights: FlexInsights,
    /// Where Twilio must send room status callbacks for this contact center.
    status_callback_url: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Recording calls (Twilio Video only). The customer's join page says so and
/// asks for consent before joining; the agent sees a recording indicator;
/// recordings are deleted `retention_days` after the call.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct Recording {
    enabled: bool,
    /// 1-365.
    retention_days: i32,
}

/// Snapshots: agents may save stills of the customer's video during the
/// call (the customer's page says so each time); they are deleted
/// `retention_days` after they were taken. On by default, for 30 days.
#[derive(Object)]
struct Snapshots {
    enabled: bool,
    /// 1-365.
    retention_days: i32,
}

/// Reporting to Flex Insights: when an escalation ends (or its link expires
/// unused), its outcome is written into its Flex task's `conversations`
/// attributes, merged with what the task holds, before the agent completes
/// the task (Flex Insights reads a task's attributes when it completes).
/// Off by default; turned on, it also reports the last day's escalations
/// whose tasks are still open. A task already completed is left alone.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct FlexInsights {
    enabled: bool,
    /// The TaskRouter workspace (`WS…`); absent: the account's "Flex Task Assignment".
    workspace_sid: Option<String>,
    mapping: Mapping,
}

#[derive(Object, Default)]
#[oai(skip_serializing_if_is_none)]
struct FlexInsightsPatch {
    enabled: Option<bool>,
    /// `null` goes back to the account's Flex workspace.
    workspace_sid: MaybeUndefined<String>,
    /// The whole mapping (a figure left out is not written).
    mapping: Option<Mapping>,
}

#[derive(Object, Default)]
#[oai(skip_serializing_if_is_none)]
struct SnapshotsPatch {
    enabled: Option<bool>,
    retention_days: Option<i32>,
}

#[derive(Object, Default)]
#[oai(skip_serializing_if_is_none)]
struct RecordingPatch {
    /// Needs `video_provider: twilio`.
    enabled: Option<bool>,
    retention_days: Option<i32>,
}

/// Any subset of the branding; omitted fields keep their value.
#[derive(Object, Default)]
#[oai(skip_serializing_if_is_none)]
struct BrandingPatch {
    display_name: Option<String>,
    /// `null` removes the logo.
    logo_url: MaybeUndefined<String>,
    primary_colour: Option<String>,
    accent_colour: Option<String>,
    headline: Option<String>,
    button_text: Option<String>,
    locale: Option<String>,
}

#[derive(Object, Default)]
#[oai(skip_serializing_if_is_none)]
struct RoomPatch {
    room_type: Option<RoomType>,
    empty_room_timeout_minutes: Option<i32>,
    unused_room_timeout_minutes: Option<i32>,
    /// `null` means Twilio's default.
    max_participants: MaybeUndefined<i32>,
}

/// Settings a request may change; omitted fields keep their value (or the default).
#[derive(Object, Default)]
#[oai(skip_serializing_if_is_none)]
struct SettingsPatch {
    branding: Option<BrandingPatch>,
    /// `builtin` (the default for new contact centers) or `twilio`. Open
    /// escalations keep the provider they were made with.
    video_provider: Option<VideoProvider>,
    /// minijinja template; must use `{{ join_url }}`.
    message_template: Option<String>,
    code_ttl_seconds: Option<i64>,
    token_ttl_seconds: Option<i64>,
    room: Option<RoomPatch>,
    /// IANA time zone for the contact center's metrics, e.g. `Europe/Paris`.
    time_zone: Option<String>,
    /// The Conversations service (`IS…`) of the contact center's chats when
    /// not the account's default one; `null`: found from each conversation.
    conversations_service_sid: MaybeUndefined<String>,
    recording: Option<RecordingPatch>,
    snapshots: Option<SnapshotsPatch>,
    flex_insights: Option<FlexInsightsPatch>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct CreateContactCenter {
    name: String,
    /// Defaults to one made from the name; unique within the tenant.
    slug: Option<String>,
    #[oai(flatten)]
    settings: SettingsPatch,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct UpdateContactCenter {
    name: Option<String>,
    slug: Option<String>,
    #[oai(flatten)]
    settings: SettingsPatch,
}

#[derive(ApiResponse)]
enum CreateResponse {
    #[oai(status = 201)]
    Created(Json<ContactCenterView>),
}

#[derive(ApiResponse)]
enum Deleted {
    #[oai(status = 204)]
    Done,
}

/// The one patch type of the application, which the dashboard's form also becomes.
impl From<SettingsPatch> for DomainPatch {
    fn from(p: SettingsPatch) -> Self {
        let b = p.branding.unwrap_or_default();
        let r = p.room.unwrap_or_default();
        let rec = p.recording.unwrap_or_default();
        let snap = p.snapshots.unwrap_or_default();
        let fi = p.flex_insights.unwrap_or_default();
        let maybe = |v: MaybeUndefined<String>| match v {
            MaybeUndefined::Value(v) => Some(Some(v)),
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Undefined => None,
        };
        DomainPatch {
            display_name: b.display_name,
            logo_url: maybe(b.logo_url),
            primary_colour: b.primary_colour,
            accent_colour: b.accent_colour,
            headline: b.headline,
            button_text: b.button_text,
            locale: b.locale,
            message_template: p.message_template,
            code_ttl_seconds: p.code_ttl_seconds,
            token_ttl_seconds: p.token_ttl_seconds,
            video_provider: p.video_provider,
            room_type: r.room_type,
            empty_room_timeout_minutes: r.empty_room_timeout_minutes,
            unused_room_timeout_minutes: r.unused_room_timeout_minutes,
            max_participants: match r.max_participants {
                MaybeUndefined::Value(v) => Some(Some(v)),
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Undefined => None,
            },
            time_zone: p.time_zone,
            conversations_service_sid: maybe(p.conversations_service_sid),
            recording_enabled: rec.enabled,
            recording_retention_days: rec.retention_days,
            snapshots_enabled: snap.enabled,
            snapshots_retention_days: snap.retention_days,
            flex_insights_enabled: fi.enabled,
            flex_insights_workspace_sid: maybe(fi.workspace_sid),
            flex_insights_mapping: fi.mapping,
        }
    }
}

fn view(state: &AppState, r: ContactCenterRecord) -> ContactCenterView {
    let s = r.settings();
    ContactCenterView {
        status_callback_url: state.urls().room_callback(r.id),
        id: r.id,
        name: r.name,
        slug: r.slug,
        branding: Branding {
            display_name: s.branding.display_name,
            logo_url: s.branding.logo_url,
            primary_colour: s.branding.primary_colour,
            accent_colour: s.branding.accent_colour,
            headline: s.branding.headline,
            button_text: s.branding.button_text,
            locale: s.branding.locale,
        },
        video_provider: s.video_provider,
        message_template: s.message_template,
        code_ttl_seconds: s.code_ttl_seconds,
        token_ttl_seconds: s.token_ttl_seconds,
        room: RoomSettings {
            room_type: s.room.room_type,
            empty_room_timeout_minutes: s.room.empty_room_timeout_minutes,
            unused_room_timeout_minutes: s.room.unused_room_timeout_minutes,
            max_participants: s.room.max_participants,
        },
        time_zone: s.time_zone,
        conversations_service_sid: s.conversations_service_sid,
        recording: Recording { enabled: s.recording.enabled, retention_days: s.recording.retention_days },
        snapshots: Snapshots { enabled: s.snapshots.enabled, retention_days: s.snapshots.retention_days },
        flex_insights: FlexInsights {
            enabled: s.flex_insights.enabled,
            workspace_sid: s.flex_insights.workspace_sid,
            mapping: s.flex_insights.mapping,
        },
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

#[derive(ApiResponse)]
enum ContactCenterList {
    /// The contact centers (a page of them with `limit`).
    #[oai(status = 200)]
    Ok(Json<Vec<ContactCenterView>>, #[oai(header = "Link")] Option<String>),
}

#[OpenApi(tag = "Tag::ContactCenters")]
impl ContactCentersApi {
    /// The tenant's contact centers, by name.
    ///
    /// The answer stays a JSON array (the Flex plugin and integrations read
    /// it so). Without `limit` it holds every contact center; with `limit` it
    /// is a page, and when more may follow a `Link` header names the next
    /// one (`rel="next"`, RFC 8288) with `after` set to this page's last id.
    #[oai(path = "/v1/contact-centers", method = "get", operation_id = "listContactCenters")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        /// Contact centers per page, 1-200; absent: all of them.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u64>>,
        /// The id of the last contact center of the previous page.
        after: Query<Option<Uuid>>,
    ) -> ApiResult<ContactCenterList> {
        let scope = auth.principal().any();
        let Some(limit) = limit.0 else {
            let all = reads::contact_centers(&state, scope).await?;
            return Ok(ContactCenterList::Ok(Json(all.into_iter().map(|r| view(&state, r)).collect()), None));
        };
        let page = reads::contact_centers_page(&state, scope, after.0, limit).await?;
        let next = (page.len() as u64 == limit)
            .then(|| {
                page.last().map(|last| format!("</v1/contact-centers?limit={limit}&after={}>; rel=\"next\"", last.id))
            })
            .flatten();
        Ok(ContactCenterList::Ok(Json(page.into_iter().map(|r| view(&state, r)).collect()), next))
    }

    /// Create a contact center; omitted settings get sensible defaults.
    #[oai(path = "/v1/contact-centers", method = "post", operation_id = "createContactCenter")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        body: Json<CreateContactCenter>,
    ) -> ApiResult<CreateResponse> {
        auth.principal().require(Permission::ManageSettings)?;
        let b = body.0;
        let record =
            contact_centers::create(&state, auth.principal(), &b.name, b.slug.as_deref(), b.settings.into()).await?;
        Ok(CreateResponse::Created(Json(view(&state, record))))
    }

    /// One contact center.
    #[oai(path = "/v1/contact-centers/:cc", method = "get", operation_id = "getContactCenter")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
    ) -> ApiResult<Json<ContactCenterView>> {
        let scope = auth.principal().any();
        Ok(Json(view(&state, reads::contact_center(&state, scope, cc.0).await?)))
    }

    /// Change some settings; omitted fields keep their value.
    #[oai(path = "/v1/contact-centers/:cc", method = "patch", operation_id = "updateContactCenter")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
        body: Json<UpdateContactCenter>,
    ) -> ApiResult<Json<ContactCenterView>> {
        auth.principal().require(Permission::ManageSettings)?;
        let b = body.0;
        let record = contact_centers::update(
            &state,
            auth.principal(),
            cc.0,
            b.name.as_deref(),
            b.slug.as_deref(),
            b.settings.into(),
        )
        .await?;
        Ok(Json(view(&state, record)))
    }

    /// Delete a contact center with its credentials and escalation history.
    #[oai(path = "/v1/contact-centers/:cc", method = "delete", operation_id = "deleteContactCenter")]
    async fn delete(&self, state: Data<&AppState>, auth: TenantAuth, cc: Path<Uuid>) -> ApiResult<Deleted> {
        auth.principal().require(Permission::ManageSettings)?;
        contact_centers::delete(&state, auth.principal(), cc.0).await?;
        Ok(Deleted::Done)
    }
}
