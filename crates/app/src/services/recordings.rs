//! Recordings of recorded escalations (Twilio Video): what Twilio holds for
//! each of the escalation's rooms, one composed file per room (made on the
//! first look once the room has ended: Twilio composes from the
//! participants' tracks), a media link that works for a few minutes, and
//! deletion of everything once the contact center's retention period is
//! over. Twilio keeps the files; this service keeps only which escalation
//! they belong to.

use chrono::{DateTime, Utc};
use escalate_store::TenantScope;
use escalate_twilio::{Composition, CompositionFormat, CompositionStatus, Recording, RecordingStatus};
use uuid::Uuid;

use escalate_domain::access::Permission;
use escalate_domain::audit::AuditAction;

use super::audit::{self, Target};
use super::contact_centers;
use crate::App;
use crate::error::AppResult;
use crate::principal::Principal;
use crate::video::twilio::failure;

/// How long a media link handed to an admin works.
pub const MEDIA_LINK_TTL_SECONDS: u32 = 600;

pub struct RoomRecordings {
    pub room_sid: String,
    pub recordings: Vec<Recording>,
    /// The room as one file, once composed.
    pub composition: Option<Composition>,
    /// A time-limited link to the composed file, once it is available.
    pub media_url: Option<String>,
}

pub struct EscalationRecordings {
    pub recorded: bool,
    pub consent_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub rooms: Vec<RoomRecordings>,
    pub media_url_expires_at: DateTime<Utc>,
}

/// The rooms an escalation's call ran in (a room Twilio ended is made again
/// when someone rejoins), oldest first.
async fn room_sids(app: &App, scope: TenantScope, id: Uuid, current: Option<&str>) -> AppResult<Vec<String>> {
    let mut rooms: Vec<String> = Vec::new();
    for ev in app.store.escalation_events(scope, id).await? {
        if ev.room_sid.starts_with("RM") && !rooms.contains(&ev.room_sid) {
            rooms.push(ev.room_sid);
        }
    }
    if let Some(sid) = current.filter(|s| !rooms.iter().any(|r| r == s)) {
        rooms.push(sid.to_owned());
    }
    Ok(rooms)
}

fn live(c: &Composition) -> bool {
    !matches!(c.status, CompositionStatus::Deleted | CompositionStatus::Failed)
}

/// The escalation's recordings, for an admin. A room that has ended and has
/// recordings but no composition gets one now (Twilio makes it in the
/// background). Handing out a link to a customer's recorded call is
/// audited (`recording.accessed`, naming the rooms whose link was given).
pub async fn list(app: &App, by: &Principal, escalation_id: Uuid) -> AppResult<EscalationRecordings> {
    let scope = by.require(Permission::ManageSettings)?;
    let out = gather(app, scope, escalation_id).await?;
    let linked: Vec<&str> = out.rooms.iter().filter(|r| r.media_url.is_some()).map(|r| r.room_sid.as_str()).collect();
    if !linked.is_empty() {
        let changes = serde_json::json!({ "rooms": linked });
        audit::record(app, by, AuditAction::RecordingAccessed, Some(Target::new("escalation", escalation_id)), changes)
            .await;
    }
    Ok(out)
}

async fn gather(app: &App, scope: TenantScope, escalation_id: Uuid) -> AppResult<EscalationRecordings> {
    let e = app.store.escalation(scope, escalation_id).await?;
    let now = Utc::now();
    let mut out = EscalationRecordings {
        recorded: e.recorded,
        consent_at: e.recording_consent_at,
        deleted_at: e.recordings_deleted_at,
        rooms: Vec::new(),
        media_url_expires_at: now + chrono::Duration::seconds(i64::from(MEDIA_LINK_TTL_SECONDS)),
    };
    if !e.recorded || e.recordings_deleted_at.is_some() {
        return Ok(out);
    }
    let client = contact_centers::twilio_client(app, scope, e.contact_center_id).await?;
    for room_sid in room_sids(app, scope, e.id, e.room_sid.as_deref()).await? {
        let recordings: Vec<Recording> = client
            .list_room_recordings(&room_sid)
            .await
            .map_err(|err| failure(err, "listing the room's recordings"))?
            .into_iter()
            .filter(|r| r.status != RecordingStatus::Deleted)
            .collect();
        let mut composition = client
            .list_compositions(&room_sid)
            .await
            .map_err(|err| failure(err, "listing the room's compositions"))?
            .into_iter()
            .find(live);
        // Twilio composes only what was recorded, once the room is over.
        let room_over = e.room_sid.as_deref() != Some(room_sid.as_str()) || e.ended_at.is_some();
        if composition.is_none() && room_over && !recordings.is_empty() {
            composition = Some(
                client
                    .create_composition(&room_sid, CompositionFormat::Mp4, None)
                    .await
                    .map_err(|err| failure(err, "composing the room's recording"))?,
            );
        }
        let media_url = match &composition {
            Some(c) if c.status == CompositionStatus::Completed => Some(
                client
                    .composition_media_url(&c.sid, MEDIA_LINK_TTL_SECONDS)
                    .await
                    .map_err(|err| failure(err, "getting the recording's link"))?,
            ),
            _ => None,
        };
        out.rooms.push(RoomRecordings { room_sid, recordings, composition, media_url });
    }
    Ok(out)
}

/// Escalations looked at per purge round.
const PURGE_BATCH: u64 = 100;
/// How often a replica purges recordings past their retention.
const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes, from Twilio, the recordings and compositions of escalations
/// older than their contact center's retention period; the number of
/// escalations done. One whose deletion fails is tried again next round.
pub async fn purge(app: &App, now: DateTime<Utc>) -> AppResult<usize> {
    let due = app.store.unscoped().recordings_due(now, PURGE_BATCH).await?;
    let mut done = 0;
    for (e, scope, retention_days) in due {
        if e.created_at + chrono::Duration::days(i64::from(retention_days)) > now {
            continue;
        }
        match delete_all(app, scope, e.id, e.contact_center_id, e.room_sid.as_deref()).await {
            Ok(()) => {
                app.store.mark_recordings_deleted(scope, e.id, now).await?;
                done += 1;
            }
            Err(err) => tracing::warn!(error = %err, escalation = %e.id, "could not delete recordings; next round"),
        }
    }
    Ok(done)
}

pub(crate) async fn delete_all(
    app: &App,
    scope: TenantScope,
    id: Uuid,
    cc: Uuid,
    current: Option<&str>,
) -> AppResult<()> {
    // Without credentials nothing here can reach the recordings: the error
    // leaves the escalation for a later round (and shows in the logs).
    let client = contact_centers::twilio_client(app, scope, cc).await?;
    for room in room_sids(app, scope, id, current).await? {
        for c in client.list_compositions(&room).await.map_err(|e| failure(e, "listing compositions"))? {
            if c.status != CompositionStatus::Deleted {
                client.delete_composition(&c.sid).await.map_err(|e| failure(e, "deleting a composition"))?;
            }
        }
        for r in client.list_room_recordings(&room).await.map_err(|e| failure(e, "listing recordings"))? {
            if r.status != RecordingStatus::Deleted {
                client.delete_recording(&r.sid).await.map_err(|e| failure(e, "deleting a recording"))?;
            }
        }
    }
    Ok(())
}

/// Purges once an hour, on one replica at a time.
pub fn spawn_purge(app: &App) {
    app.spawn_periodic("recording-purge", PURGE_INTERVAL, |app| async move {
        let n = purge(&app, Utc::now()).await?;
        Ok((n > 0).then(|| format!("deleted the recordings of {n} escalations past retention")))
    });
}
