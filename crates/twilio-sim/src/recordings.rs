//! Video recordings (`RT…`) and compositions (`CJ…`), in the shapes of
//! twilio-oai's `twilio_video_v1` (`video.v1.recording`,
//! `video.v1.room.room_recording`, `video.v1.composition`), and the
//! time-limited media URLs their `/Media` sub-resources redirect to.
//!
//! * A participant joining a group room created with
//!   `RecordParticipantsOnConnect=true` publishes one audio and one video
//!   track, each recorded: two recordings, `processing` while the
//!   participant is connected and `completed` (with `duration` and `size`)
//!   once they leave or the room ends, announced by `recording-started` and
//!   `recording-completed` room status callbacks. Peer-to-peer and Go rooms
//!   record nothing (Twilio records group rooms only).
//! * A composition (`POST /v1/Compositions`) answers `enqueued`; once its
//!   room has ended it is `processing` for the simulator's
//!   `composition_delay` and then `completed`, with `duration`, `size` and
//!   media. Its own `StatusCallback` gets `composition-enqueued`,
//!   `composition-started` and `composition-available` (or
//!   `composition-failed`). A room without recordings is refused, and one
//!   whose recordings were all deleted (53628).
//! * `DELETE` drops the media and keeps the metadata with `status: deleted`,
//!   as Twilio keeps it ("metadata is still available"): fetching still
//!   answers, the media is gone (404) and deleting again is 404 / 20404.
//! * `GET …/Media?Ttl=` answers 302 with `Location` and, as Twilio's body,
//!   `{"redirect_to": …}`: a URL on the simulator itself
//!   (`/_sim/media/…?Expires=…&Signature=…`) that serves a small fake file
//!   until it expires (403) or the media is deleted (404).

use std::time::Duration;

use chrono::{DateTime, Utc};
use escalate_twilio::{
    RoomStatus, RoomType,
    signature::{expected_signature, verify_signature},
};
use poem::{Request, Response, http::Method};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{
    Simulator,
    api::{field, iso, parse_form},
    callbacks::{self, Outgoing},
    error::{ApiError, codes},
    faults::ApiOp,
    ids,
    state::{ParticipantView, RoomView, State},
};

/// A media URL's longest life, in seconds (a week, as S3 presigned URLs).
const MAX_TTL_SECS: u64 = 7 * 24 * 3600;
/// `Ttl` when none is given, in seconds.
const DEFAULT_TTL_SECS: u64 = 3600;
/// The largest fake media file served, in bytes.
const MAX_MEDIA_BYTES: u64 = 256 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordingStatus {
    Processing,
    Completed,
    Deleted,
    Failed,
}

impl RecordingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Deleted => "deleted",
            Self::Failed => "failed",
        }
    }
}

/// A recorded track's media (`type` of a recording).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrackKind {
    Audio,
    Video,
}

impl TrackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audio => "audio",
            Self::Video => "video",
        }
    }

    /// `container_format`: Matroska audio or video.
    pub fn container(self) -> &'static str {
        match self {
            Self::Audio => "mka",
            Self::Video => "mkv",
        }
    }

    /// `codec`, spelled as twilio-oai's `recording_enum_codec`.
    pub fn codec(self) -> &'static str {
        match self {
            Self::Audio => "OPUS",
            Self::Video => "VP8",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Audio => "audio/x-matroska",
            Self::Video => "video/x-matroska",
        }
    }
}

/// A track recording as the simulator holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingView {
    pub sid: String,
    pub account_sid: String,
    pub room_sid: String,
    pub participant_sid: String,
    pub participant_identity: String,
    /// The recorded track (`MT…`); also its `track_name`, as Twilio names a
    /// track the client left unnamed.
    pub source_sid: String,
    pub kind: TrackKind,
    pub status: RecordingStatus,
    pub date_created: DateTime<Utc>,
    /// When recording stopped (the participant left or the room ended).
    pub end_time: Option<DateTime<Utc>>,
    pub date_deleted: Option<DateTime<Utc>>,
    /// Milliseconds from a point common to all rooms to the track's start.
    pub offset: i64,
}

impl RecordingView {
    /// Whole seconds recorded, at least 1 once stopped (as Twilio rounds
    /// sub-second tracks); 0 while recording.
    pub fn duration_secs(&self) -> u64 {
        self.end_time.map_or(0, |end| rounded_secs(end - self.date_created))
    }

    /// The media's size in bytes; 0 while recording.
    pub fn size(&self) -> u64 {
        if self.end_time.is_none() { 0 } else { media_size(self.duration_secs()) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompositionStatus {
    Enqueued,
    Processing,
    Completed,
    Deleted,
    Failed,
}

impl CompositionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enqueued => "enqueued",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Deleted => "deleted",
            Self::Failed => "failed",
        }
    }
}

/// A composition as the simulator holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompositionView {
    pub sid: String,
    pub account_sid: String,
    pub room_sid: String,
    pub status: CompositionStatus,
    /// `mp4` or `webm`.
    pub format: String,
    pub audio_sources: Vec<String>,
    pub audio_sources_excluded: Vec<String>,
    /// The `VideoLayout` as posted (`{}` when none).
    pub video_layout: Value,
    pub resolution: String,
    pub trim: bool,
    pub status_callback: Option<String>,
    pub status_callback_method: String,
    pub date_created: DateTime<Utc>,
    pub date_completed: Option<DateTime<Utc>>,
    pub date_deleted: Option<DateTime<Utc>>,
    /// When processing ends; set once the room has ended.
    pub ready_at: Option<DateTime<Utc>>,
    /// Seconds, once completed.
    pub duration: u64,
    /// Bytes, once completed.
    pub size: u64,
}

fn rounded_secs(d: chrono::Duration) -> u64 {
    let ms = d.num_milliseconds().max(0) as u64;
    ((ms + 500) / 1000).max(1)
}

/// The fake media's length for `duration` seconds: a few KiB a second, capped.
fn media_size(duration: u64) -> u64 {
    (4096 + 1024 * duration).min(MAX_MEDIA_BYTES)
}

fn records_media(room: &RoomView) -> bool {
    room.record_participants_on_connect && matches!(room.room_type, RoomType::Group | RoomType::GroupSmall)
}

fn recording_params(rec: &RecordingView) -> Vec<(&'static str, String)> {
    let mut params = vec![
        ("RecordingSid", rec.sid.clone()),
        ("RecordingUri", format!("/v1/Recordings/{}", rec.sid)),
        ("SourceSid", rec.source_sid.clone()),
        ("TrackName", rec.source_sid.clone()),
        ("Type", rec.kind.as_str().to_owned()),
        ("Container", rec.kind.container().to_owned()),
        ("Codec", rec.kind.codec().to_owned()),
        ("OffsetFromTwilioVectorEpoch", rec.offset.to_string()),
        ("GroupingSids", json!({ "room_sid": rec.room_sid, "participant_sid": rec.participant_sid }).to_string()),
    ];
    if rec.end_time.is_some() {
        params.push(("Duration", rec.duration_secs().to_string()));
        params.push(("Size", rec.size().to_string()));
        params.push(("MediaUri", format!("/v1/Recordings/{}/Media", rec.sid)));
    }
    params
}

/// A participant joined `room`: record their audio and video track if the
/// room records, with a `recording-started` callback each.
pub(crate) fn start_recordings(
    recordings: &mut Vec<RecordingView>,
    room: &mut RoomView,
    auth_token: &str,
    participant: &ParticipantView,
) -> Vec<Outgoing> {
    if !records_media(room) {
        return Vec::new();
    }
    let mut events = Vec::new();
    for kind in [TrackKind::Audio, TrackKind::Video] {
        let recording = RecordingView {
            sid: ids::sid("RT"),
            account_sid: room.account_sid.clone(),
            room_sid: room.sid.clone(),
            participant_sid: participant.sid.clone(),
            participant_identity: participant.identity.clone(),
            source_sid: ids::sid("MT"),
            kind,
            status: RecordingStatus::Processing,
            date_created: participant.start_time,
            end_time: None,
            date_deleted: None,
            offset: participant.start_time.timestamp_millis(),
        };
        let extra = recording_params(&recording);
        events.extend(callbacks::room_event_with(room, auth_token, "recording-started", Some(participant), extra));
        recordings.push(recording);
    }
    events
}

/// `participant` left `room`: stop their recordings (now `completed`), with
/// a `recording-completed` callback each.
pub(crate) fn stop_recordings(
    recordings: &mut [RecordingView],
    room: &mut RoomView,
    auth_token: &str,
    participant: &ParticipantView,
    now: DateTime<Utc>,
) -> Vec<Outgoing> {
    let mut events = Vec::new();
    for rec in recordings.iter_mut().filter(|r| r.participant_sid == participant.sid && r.end_time.is_none()) {
        rec.end_time = Some(now);
        if rec.status == RecordingStatus::Processing {
            rec.status = RecordingStatus::Completed;
        }
        let extra = recording_params(rec);
        events.extend(callbacks::room_event_with(room, auth_token, "recording-completed", Some(participant), extra));
    }
    events
}

fn composition_params(comp: &CompositionView) -> Vec<(&'static str, String)> {
    let mut params = vec![("CompositionUri", format!("/v1/Compositions/{}", comp.sid))];
    if comp.status == CompositionStatus::Completed {
        params.push(("MediaUri", format!("/v1/Compositions/{}/Media", comp.sid)));
        params.push(("Duration", comp.duration.to_string()));
        params.push(("Size", comp.size.to_string()));
    }
    params
}

impl State {
    pub fn set_composition_delay(&mut self, delay: Duration) {
        self.composition_delay = delay;
    }

    /// The room ended: its enqueued compositions start processing.
    pub(crate) fn room_ended_for_compositions(&mut self, room_sid: &str, now: DateTime<Utc>) {
        let ready = now + chrono::Duration::from_std(self.composition_delay).unwrap_or_default();
        for comp in self.compositions.iter_mut().filter(|c| c.room_sid == room_sid && c.ready_at.is_none()) {
            comp.ready_at = Some(ready);
        }
    }

    /// Moves compositions on: enqueued ones of ended rooms start
    /// processing; processing ones whose time has come complete (or fail,
    /// when every recording of the room was deleted meanwhile).
    pub fn advance_compositions(&mut self, now: DateTime<Utc>) -> Vec<Outgoing> {
        let mut events = Vec::new();
        for i in 0..self.compositions.len() {
            let Some(ready_at) = self.compositions[i].ready_at else { continue };
            if self.compositions[i].status == CompositionStatus::Enqueued {
                events.extend(self.composition_to(i, CompositionStatus::Processing, now));
            }
            if self.compositions[i].status == CompositionStatus::Processing && ready_at <= now {
                let room_sid = self.compositions[i].room_sid.clone();
                let media_left = self.recordings.iter().any(|r| r.room_sid == room_sid && r.date_deleted.is_none());
                let next = if media_left { CompositionStatus::Completed } else { CompositionStatus::Failed };
                events.extend(self.composition_to(i, next, now));
            }
        }
        events
    }

    /// Puts composition `i` in `status` (filling in its media when
    /// completed) and returns the callback that announces it.
    fn composition_to(&mut self, i: usize, status: CompositionStatus, now: DateTime<Utc>) -> Option<Outgoing> {
        let duration = {
            let room_sid = &self.compositions[i].room_sid;
            self.rooms
                .iter()
                .find(|r| &r.sid == room_sid)
                .map_or(1, |r| rounded_secs(r.end_time.unwrap_or(now) - r.date_created))
        };
        let token = self.auth_token(&self.compositions[i].account_sid);
        let comp = &mut self.compositions[i];
        comp.status = status;
        let event = match status {
            CompositionStatus::Processing => "composition-started",
            CompositionStatus::Completed => {
                comp.date_completed = Some(now);
                comp.duration = duration;
                comp.size = media_size(duration);
                "composition-available"
            }
            CompositionStatus::Failed => "composition-failed",
            CompositionStatus::Enqueued => "composition-enqueued",
            CompositionStatus::Deleted => return None,
        };
        callbacks::composition_event(comp, &token, event, composition_params(comp))
    }

    /// Completes a composition now, whatever its room (control API).
    pub fn force_composition(
        &mut self,
        sid: &str,
        status: CompositionStatus,
    ) -> Option<(CompositionView, Vec<Outgoing>)> {
        let i = self.compositions.iter().position(|c| c.sid == sid)?;
        let now = Utc::now();
        let mut events = Vec::new();
        if matches!(self.compositions[i].status, CompositionStatus::Enqueued | CompositionStatus::Processing) {
            if self.compositions[i].status == CompositionStatus::Enqueued && status == CompositionStatus::Completed {
                events.extend(self.composition_to(i, CompositionStatus::Processing, now));
            }
            self.compositions[i].ready_at.get_or_insert(now);
            events.extend(self.composition_to(i, status, now));
        }
        Some((self.compositions[i].clone(), events))
    }
}

/// The Video recording and composition operations, after `/v1`.
pub(crate) enum Route {
    ListRecordings,
    FetchRecording(String),
    DeleteRecording(String),
    RecordingMedia(String),
    ListRoomRecordings(String),
    FetchRoomRecording(String, String),
    CreateComposition,
    ListCompositions,
    FetchComposition(String),
    DeleteComposition(String),
    CompositionMedia(String),
}

impl Route {
    /// The route of `segments` after `v1`, and the methods its path allows.
    pub fn parse(method: &Method, segments: &[&str]) -> Option<(Self, &'static [&'static str])> {
        let get = method == Method::GET;
        let delete = method == Method::DELETE;
        const GET: &[&str] = &["GET"];
        const GET_POST: &[&str] = &["GET", "POST"];
        const GET_DELETE: &[&str] = &["GET", "DELETE"];
        Some(match segments {
            ["Recordings"] => (Self::ListRecordings, GET),
            ["Recordings", rt] if delete => (Self::DeleteRecording((*rt).into()), GET_DELETE),
            ["Recordings", rt] => (Self::FetchRecording((*rt).into()), GET_DELETE),
            ["Recordings", rt, "Media"] => (Self::RecordingMedia((*rt).into()), GET),
            ["Rooms", rm, "Recordings"] => (Self::ListRoomRecordings((*rm).into()), GET),
            ["Rooms", rm, "Recordings", rt] => (Self::FetchRoomRecording((*rm).into(), (*rt).into()), GET),
            ["Compositions"] if get => (Self::ListCompositions, GET_POST),
            ["Compositions"] => (Self::CreateComposition, GET_POST),
            ["Compositions", cj] if delete => (Self::DeleteComposition((*cj).into()), GET_DELETE),
            ["Compositions", cj] => (Self::FetchComposition((*cj).into()), GET_DELETE),
            ["Compositions", cj, "Media"] => (Self::CompositionMedia((*cj).into()), GET),
            _ => return None,
        })
    }

    pub fn op(&self) -> ApiOp {
        match self {
            Self::ListRecordings => ApiOp::ListRecordings,
            Self::FetchRecording(_) => ApiOp::FetchRecording,
            Self::DeleteRecording(_) => ApiOp::DeleteRecording,
            Self::RecordingMedia(_) => ApiOp::FetchRecordingMedia,
            Self::ListRoomRecordings(_) => ApiOp::ListRoomRecordings,
            Self::FetchRoomRecording(..) => ApiOp::FetchRoomRecording,
            Self::CreateComposition => ApiOp::CreateComposition,
            Self::ListCompositions => ApiOp::ListCompositions,
            Self::FetchComposition(_) => ApiOp::FetchComposition,
            Self::DeleteComposition(_) => ApiOp::DeleteComposition,
            Self::CompositionMedia(_) => ApiOp::FetchCompositionMedia,
        }
    }
}

type Answer = Result<(u16, Value), ApiError>;

/// Where the API is for a request; `media_base` is where the simulator can
/// be reached for media (the regional `*.twilio.com` host a client names is
/// not resolvable).
pub(crate) struct Bases<'a> {
    pub api: &'a str,
    pub media: &'a str,
}

pub(crate) fn serve(
    sim: &Simulator,
    route: Route,
    account: &str,
    body: &[u8],
    query: &str,
    bases: &Bases<'_>,
) -> Answer {
    let base = bases.api;
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    match route {
        Route::ListRecordings => {
            let state = sim.state();
            let grouping: Vec<&str> = values(&params, "GroupingSid");
            let items = state.recordings.iter().rev().filter(|r| r.account_sid == account).filter(|r| {
                grouping.iter().all(|g| *g == r.room_sid || *g == r.participant_sid)
                    && param(&params, "Status").is_none_or(|s| r.status.as_str() == s)
                    && param(&params, "SourceSid").is_none_or(|s| r.source_sid == s)
                    && param(&params, "MediaType").is_none_or(|t| r.kind.as_str() == t)
            });
            let items: Vec<Value> = items.map(|r| recording_json(r, base)).collect();
            Ok((200, page(&format!("{base}/v1/Recordings"), "recordings", items, &params)))
        }
        Route::FetchRecording(rt) => {
            let state = sim.state();
            Ok((200, recording_json(find_recording(&state, account, &rt)?, base)))
        }
        Route::DeleteRecording(rt) => {
            let mut state = sim.state();
            let index = recording_index(&state, account, &rt)?;
            let rec = &mut state.recordings[index];
            if rec.status == RecordingStatus::Deleted {
                return Err(ApiError::not_found(&format!("/Recordings/{rt}")));
            }
            rec.status = RecordingStatus::Deleted;
            rec.date_deleted = Some(Utc::now());
            Ok((204, Value::Null))
        }
        Route::RecordingMedia(rt) => {
            let state = sim.state();
            let rec = find_recording(&state, account, &rt)?;
            if rec.status != RecordingStatus::Completed {
                return Err(media_unavailable(&format!("/Recordings/{rt}/Media"), rec.status.as_str()));
            }
            let ttl = ttl(&params)?;
            let path = format!("/_sim/media/recordings/{}.{}", rec.sid, rec.kind.container());
            Ok((302, json!({ "redirect_to": signed_media_url(sim, bases.media, &path, ttl) })))
        }
        Route::ListRoomRecordings(rm) => {
            let state = sim.state();
            if state.find_room(account, &rm).is_none_or(|i| state.rooms[i].sid != rm) {
                return Err(ApiError::not_found(&format!("/Rooms/{rm}/Recordings")));
            }
            let items = state.recordings.iter().rev().filter(|r| r.room_sid == rm).filter(|r| {
                param(&params, "Status").is_none_or(|s| r.status.as_str() == s)
                    && param(&params, "SourceSid").is_none_or(|s| r.source_sid == s)
            });
            let items: Vec<Value> = items.map(|r| room_recording_json(r, base)).collect();
            Ok((200, page(&format!("{base}/v1/Rooms/{rm}/Recordings"), "recordings", items, &params)))
        }
        Route::FetchRoomRecording(rm, rt) => {
            let state = sim.state();
            match find_recording(&state, account, &rt) {
                Ok(rec) if rec.room_sid == rm => Ok((200, room_recording_json(rec, base))),
                _ => Err(ApiError::not_found(&format!("/Rooms/{rm}/Recordings/{rt}"))),
            }
        }
        Route::CreateComposition => create_composition(sim, account, body, base),
        Route::ListCompositions => {
            let state = sim.state();
            let items = state.compositions.iter().rev().filter(|c| c.account_sid == account).filter(|c| {
                param(&params, "RoomSid").is_none_or(|rm| c.room_sid == rm)
                    && param(&params, "Status").is_none_or(|s| c.status.as_str() == s)
            });
            let items: Vec<Value> = items.map(|c| composition_json(c, base)).collect();
            Ok((200, page(&format!("{base}/v1/Compositions"), "compositions", items, &params)))
        }
        Route::FetchComposition(cj) => {
            let state = sim.state();
            Ok((200, composition_json(&state.compositions[composition_index(&state, account, &cj)?], base)))
        }
        Route::DeleteComposition(cj) => {
            let mut state = sim.state();
            let index = composition_index(&state, account, &cj)?;
            let comp = &mut state.compositions[index];
            if comp.status == CompositionStatus::Deleted {
                return Err(ApiError::not_found(&format!("/Compositions/{cj}")));
            }
            comp.status = CompositionStatus::Deleted;
            comp.date_deleted = Some(Utc::now());
            Ok((204, Value::Null))
        }
        Route::CompositionMedia(cj) => {
            let state = sim.state();
            let comp = &state.compositions[composition_index(&state, account, &cj)?];
            if comp.status != CompositionStatus::Completed {
                return Err(media_unavailable(&format!("/Compositions/{cj}/Media"), comp.status.as_str()));
            }
            let ttl = ttl(&params)?;
            let path = format!("/_sim/media/compositions/{}.{}", comp.sid, comp.format);
            Ok((302, json!({ "redirect_to": signed_media_url(sim, bases.media, &path, ttl) })))
        }
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn values<'a>(params: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    params.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty()).collect()
}

fn media_unavailable(path: &str, status: &str) -> ApiError {
    ApiError::new(404, codes::NOT_FOUND, format!("The requested resource {path} was not found (status {status})"))
}

/// `Ttl` in seconds: 1 up to a week, an hour when absent.
fn ttl(params: &[(String, String)]) -> Result<u64, ApiError> {
    match param(params, "Ttl") {
        None => Ok(DEFAULT_TTL_SECS),
        Some(v) => v.parse::<u64>().ok().filter(|t| (1..=MAX_TTL_SECS).contains(t)).ok_or_else(|| {
            ApiError::bad_request(codes::INVALID_PARAMETER, format!("Ttl must be between 1 and {MAX_TTL_SECS} seconds"))
        }),
    }
}

/// One page of a list, `PageSize` (1–100, default 50) items from `Page`, in
/// Twilio's list shape; `next_page_url` when more remain.
fn page(url: &str, key: &str, items: Vec<Value>, params: &[(String, String)]) -> Value {
    let page_size = param(params, "PageSize").and_then(|v| v.parse::<usize>().ok()).unwrap_or(50).clamp(1, 100);
    let page = param(params, "Page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let kept: Vec<(String, String)> =
        params.iter().filter(|(k, _)| k != "PageSize" && k != "Page" && k != "PageToken").cloned().collect();
    let page_url = |n: usize| {
        let mut query = kept.clone();
        query.push(("PageSize".into(), page_size.to_string()));
        query.push(("Page".into(), n.to_string()));
        format!("{url}?{}", serde_urlencoded::to_string(&query).unwrap_or_default())
    };
    let more = items.len() > (page + 1) * page_size;
    let items: Vec<Value> = items.into_iter().skip(page * page_size).take(page_size).collect();
    json!({
        key: items,
        "meta": {
            "page": page,
            "page_size": page_size,
            "first_page_url": page_url(0),
            "previous_page_url": if page > 0 { Value::String(page_url(page - 1)) } else { Value::Null },
            "url": page_url(page),
            "next_page_url": if more { Value::String(page_url(page + 1)) } else { Value::Null },
            "key": key,
        },
    })
}

fn recording_index(state: &State, account: &str, rt: &str) -> Result<usize, ApiError> {
    state
        .recordings
        .iter()
        .position(|r| r.sid == rt && r.account_sid == account)
        .ok_or_else(|| ApiError::not_found(&format!("/Recordings/{rt}")))
}

fn find_recording<'a>(state: &'a State, account: &str, rt: &str) -> Result<&'a RecordingView, ApiError> {
    recording_index(state, account, rt).map(|i| &state.recordings[i])
}

fn composition_index(state: &State, account: &str, cj: &str) -> Result<usize, ApiError> {
    state
        .compositions
        .iter()
        .position(|c| c.sid == cj && c.account_sid == account)
        .ok_or_else(|| ApiError::not_found(&format!("/Compositions/{cj}")))
}

fn recording_fields(rec: &RecordingView) -> serde_json::Map<String, Value> {
    let value = json!({
        "account_sid": rec.account_sid,
        "status": rec.status.as_str(),
        "date_created": iso(rec.date_created),
        "sid": rec.sid,
        "source_sid": rec.source_sid,
        "size": rec.size(),
        "type": rec.kind.as_str(),
        "duration": rec.duration_secs(),
        "container_format": rec.kind.container(),
        "codec": rec.kind.codec(),
        "grouping_sids": { "room_sid": rec.room_sid, "participant_sid": rec.participant_sid },
        "track_name": rec.source_sid,
        "offset": rec.offset,
        "media_external_location": null,
    });
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// `video.v1.recording`.
fn recording_json(rec: &RecordingView, base: &str) -> Value {
    let url = format!("{base}/v1/Recordings/{}", rec.sid);
    let mut map = recording_fields(rec);
    map.insert("status_callback".into(), Value::Null);
    map.insert("status_callback_method".into(), json!("POST"));
    map.insert("links".into(), json!({ "media": format!("{url}/Media") }));
    map.insert("url".into(), json!(url));
    Value::Object(map)
}

/// `video.v1.room.room_recording`.
fn room_recording_json(rec: &RecordingView, base: &str) -> Value {
    let url = format!("{base}/v1/Rooms/{}/Recordings/{}", rec.room_sid, rec.sid);
    let mut map = recording_fields(rec);
    map.insert("room_sid".into(), json!(rec.room_sid));
    map.insert("links".into(), json!({ "media": format!("{url}/Media") }));
    map.insert("url".into(), json!(url));
    Value::Object(map)
}

/// `video.v1.composition`.
fn composition_json(comp: &CompositionView, base: &str) -> Value {
    let url = format!("{base}/v1/Compositions/{}", comp.sid);
    json!({
        "account_sid": comp.account_sid,
        "status": comp.status.as_str(),
        "date_created": iso(comp.date_created),
        "date_completed": comp.date_completed.map(iso),
        "date_deleted": comp.date_deleted.map(iso),
        "sid": comp.sid,
        "room_sid": comp.room_sid,
        "audio_sources": comp.audio_sources,
        "audio_sources_excluded": comp.audio_sources_excluded,
        "video_layout": comp.video_layout,
        "resolution": comp.resolution,
        "trim": comp.trim,
        "format": comp.format,
        "bitrate": if comp.status == CompositionStatus::Completed { 64 } else { 0 },
        "size": comp.size,
        "duration": comp.duration,
        "media_external_location": null,
        "status_callback": comp.status_callback,
        "status_callback_method": comp.status_callback_method,
        "url": url,
        "links": { "media": format!("{url}/Media") },
    })
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(codes::INVALID_PARAMETER, message)
}

/// `{width}x{height}`, each 16–1280, at most 921,600 pixels (twilio-oai's rule).
fn valid_resolution(value: &str) -> bool {
    let Some((w, h)) = value.split_once('x') else { return false };
    match (w.parse::<u32>(), h.parse::<u32>()) {
        (Ok(w), Ok(h)) => (16..=1280).contains(&w) && (16..=1280).contains(&h) && w * h <= 921_600,
        _ => false,
    }
}

fn create_composition(sim: &Simulator, account: &str, body: &[u8], base: &str) -> Answer {
    let form = parse_form(body)?;
    let room_sid = field(&form, "RoomSid")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid("Missing required parameter RoomSid"))?;
    let audio_sources: Vec<String> = values(&form, "AudioSources").into_iter().map(str::to_owned).collect();
    let audio_sources_excluded: Vec<String> =
        values(&form, "AudioSourcesExcluded").into_iter().map(str::to_owned).collect();
    let video_layout = match field(&form, "VideoLayout").filter(|v| !v.is_empty()) {
        None => json!({}),
        Some(text) => serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| invalid("VideoLayout must be a JSON object"))?,
    };
    if audio_sources.is_empty() && video_layout.as_object().is_none_or(|o| o.is_empty()) {
        return Err(invalid("Either VideoLayout or AudioSources must be provided"));
    }
    let format = field(&form, "Format").unwrap_or("webm");
    if format != "mp4" && format != "webm" {
        return Err(invalid("Format must be mp4 or webm"));
    }
    let resolution = field(&form, "Resolution").unwrap_or("640x480");
    if !valid_resolution(resolution) {
        return Err(invalid("Resolution is invalid"));
    }
    let trim = match field(&form, "Trim") {
        None => true,
        Some(v) => v.parse::<bool>().map_err(|_| invalid("Trim must be true or false"))?,
    };
    let status_callback = field(&form, "StatusCallback").filter(|u| !u.is_empty()).map(str::to_owned);
    if status_callback.as_ref().is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://"))) {
        return Err(invalid("StatusCallback is invalid"));
    }
    let status_callback_method = field(&form, "StatusCallbackMethod").unwrap_or("POST").to_ascii_uppercase();
    if status_callback_method != "POST" && status_callback_method != "GET" {
        return Err(invalid("StatusCallbackMethod is invalid"));
    }

    let (composition, events) = {
        let mut state = sim.state();
        let room = state
            .rooms
            .iter()
            .find(|r| r.sid == room_sid && r.account_sid == account)
            .ok_or_else(|| ApiError::new(404, codes::ROOM_NOT_FOUND, format!("Room {room_sid} not found")))?;
        let ended = room.status != RoomStatus::InProgress;
        let ours: Vec<&RecordingView> = state.recordings.iter().filter(|r| r.room_sid == room_sid).collect();
        if ours.is_empty() {
            return Err(invalid(format!("Room {room_sid} has no recordings to compose")));
        }
        if ours.iter().all(|r| r.status == RecordingStatus::Deleted) {
            return Err(ApiError::bad_request(codes::ROOM_RECORDINGS_DELETED, "Room recordings deleted"));
        }
        let now = Utc::now();
        let delay = chrono::Duration::from_std(state.composition_delay).unwrap_or_default();
        let composition = CompositionView {
            sid: ids::sid("CJ"),
            account_sid: account.to_owned(),
            room_sid: room_sid.to_owned(),
            status: CompositionStatus::Enqueued,
            format: format.to_owned(),
            audio_sources,
            audio_sources_excluded,
            video_layout,
            resolution: resolution.to_owned(),
            trim,
            status_callback,
            status_callback_method,
            date_created: now,
            date_completed: None,
            date_deleted: None,
            ready_at: ended.then(|| now + delay),
            duration: 0,
            size: 0,
        };
        let token = state.auth_token(account);
        let event = callbacks::composition_event(
            &composition,
            &token,
            "composition-enqueued",
            composition_params(&composition),
        );
        state.compositions.push(composition.clone());
        (composition, event)
    };
    sim.dispatch(events.into_iter().collect());
    Ok((201, composition_json(&composition, base)))
}

/// An absolute URL for `path` on the simulator, valid for `ttl` seconds,
/// signed with the simulator's media key (as a presigned storage URL is).
fn signed_media_url(sim: &Simulator, media_base: &str, path: &str, ttl: u64) -> String {
    let expires = Utc::now().timestamp() + ttl as i64;
    let signed = format!("{path}?Expires={expires}");
    let signature = expected_signature(sim.media_key(), &signed, &[]);
    let query =
        serde_urlencoded::to_string([("Expires", expires.to_string()), ("Signature", signature)]).unwrap_or_default();
    format!("{media_base}{path}?{query}")
}

/// `GET /_sim/media/{recordings|compositions}/{sid}.{ext}?Expires=&Signature=`:
/// the fake media file, while the URL is unexpired and the media exists.
/// Answers as a storage service would: 403 for an expired or forged URL,
/// 404 for media that is gone.
pub(crate) async fn serve_media(sim: &Simulator, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return storage_error(405, "MethodNotAllowed", "The specified method is not allowed");
    }
    let path = req.uri().path().to_owned();
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(req.uri().query().unwrap_or_default()).unwrap_or_default();
    let (Some(expires), Some(signature)) = (param(&params, "Expires"), param(&params, "Signature")) else {
        return storage_error(403, "AccessDenied", "Query-string authentication requires Expires and Signature");
    };
    if !verify_signature(sim.media_key(), &format!("{path}?Expires={expires}"), &[], signature) {
        return storage_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match");
    }
    if expires.parse::<i64>().is_ok_and(|at| at < Utc::now().timestamp()) {
        return storage_error(403, "AccessDenied", "Request has expired");
    }
    let file = path.trim_start_matches("/_sim/media/");
    let (kind, name) = file.split_once('/').unwrap_or_default();
    let sid = name.split('.').next().unwrap_or_default();
    let found = {
        let state = sim.state();
        match kind {
            "compositions" => state
                .compositions
                .iter()
                .find(|c| c.sid == sid && c.status == CompositionStatus::Completed)
                .map(|c| (if c.format == "mp4" { "video/mp4" } else { "video/webm" }, c.size)),
            "recordings" => state
                .recordings
                .iter()
                .find(|r| r.sid == sid && r.status == RecordingStatus::Completed)
                .map(|r| (r.kind.content_type(), r.size())),
            _ => None,
        }
    };
    let Some((content_type, size)) = found else {
        return storage_error(404, "NoSuchKey", "The specified key does not exist.");
    };
    let body = fake_media(content_type, size);
    let builder = Response::builder().content_type(content_type).header("Content-Length", body.len().to_string());
    if req.method() == Method::HEAD { builder.finish() } else { builder.body(body) }
}

/// A file of `size` bytes that starts as the real format does (an MP4
/// `ftyp` box, or the EBML magic of WebM and Matroska), zeros after.
fn fake_media(content_type: &str, size: u64) -> Vec<u8> {
    let head: &[u8] = if content_type == "video/mp4" {
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    } else {
        b"\x1a\x45\xdf\xa3"
    };
    let mut body = head.to_vec();
    body.resize((size as usize).max(head.len()), 0);
    body
}

fn storage_error(status: u16, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    Response::builder()
        .status(poem::http::StatusCode::from_u16(status).unwrap_or(poem::http::StatusCode::FORBIDDEN))
        .content_type("application/xml")
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions_follow_twilio_oai_limits() {
        assert!(valid_resolution("640x480"));
        assert!(valid_resolution("1280x720"));
        assert!(!valid_resolution("1280x1280"), "more than 921,600 pixels");
        assert!(!valid_resolution("8x480"));
        assert!(!valid_resolution("640*480"));
    }

    #[test]
    fn durations_round_to_whole_seconds_and_are_at_least_one() {
        assert_eq!(rounded_secs(chrono::Duration::milliseconds(200)), 1);
        assert_eq!(rounded_secs(chrono::Duration::milliseconds(2600)), 3);
        assert_eq!(media_size(10_000), MAX_MEDIA_BYTES);
    }

    #[test]
    fn fake_media_starts_like_the_real_format_and_has_the_reported_size() {
        let mp4 = fake_media("video/mp4", 5000);
        assert_eq!(mp4.len(), 5000);
        assert_eq!(&mp4[4..8], b"ftyp");
        assert_eq!(&fake_media("video/webm", 10)[..4], b"\x1a\x45\xdf\xa3");
    }

    #[test]
    fn pages_link_to_the_next_one_while_items_remain() {
        let items: Vec<Value> = (0..3).map(|i| json!(i)).collect();
        let params = vec![("RoomSid".to_owned(), "RMx".to_owned()), ("PageSize".to_owned(), "2".to_owned())];
        let first = page("http://sim/v1/Compositions", "compositions", items.clone(), &params);
        assert_eq!(first["compositions"], json!([0, 1]));
        let next = first["meta"]["next_page_url"].as_str().unwrap();
        assert_eq!(next, "http://sim/v1/Compositions?RoomSid=RMx&PageSize=2&Page=1");
        let params: Vec<(String, String)> = serde_urlencoded::from_str(next.split_once('?').unwrap().1).unwrap();
        let second = page("http://sim/v1/Compositions", "compositions", items, &params);
        assert_eq!(second["compositions"], json!([2]));
        assert!(second["meta"]["next_page_url"].is_null());
    }
}
