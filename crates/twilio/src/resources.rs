//! Request and response shapes, following Twilio's OpenAPI descriptions
//! (twilio_video_v1, twilio_conversations_v1, twilio_api_v2010 and the IAM
//! token validation answer). Only the fields the service reads are typed;
//! unknown fields are ignored so Twilio can add more.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// `Type` of a Video room: one name in our settings and in Twilio's API.
pub use escalate_domain::contact_center::RoomType;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoomStatus {
    InProgress,
    Completed,
    Failed,
}

impl RoomStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }
}

/// A Video room (`video.v1.room`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub sid: String,
    pub status: RoomStatus,
    pub unique_name: String,
    pub account_sid: String,
    #[serde(rename = "type")]
    pub room_type: RoomType,
    pub date_created: DateTime<Utc>,
    #[serde(default)]
    pub date_updated: Option<DateTime<Utc>>,
    #[serde(default)]
    pub end_time: Option<DateTime<Utc>>,
    /// Seconds, once the room has ended.
    #[serde(default)]
    pub duration: Option<u64>,
    #[serde(default)]
    pub status_callback: Option<String>,
    #[serde(default)]
    pub status_callback_method: Option<String>,
    #[serde(default)]
    pub max_participants: Option<u32>,
    #[serde(default)]
    pub empty_room_timeout: Option<u32>,
    #[serde(default)]
    pub unused_room_timeout: Option<u32>,
    #[serde(default)]
    pub record_participants_on_connect: Option<bool>,
    pub url: String,
}

/// A Conversations message (`conversations.v1.conversation.message`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub sid: String,
    pub index: u64,
    pub account_sid: String,
    pub conversation_sid: String,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    /// Twilio sends attributes as a JSON *string*; this is it parsed (or the
    /// raw string, should it not be JSON).
    #[serde(default, deserialize_with = "json_string")]
    pub attributes: serde_json::Value,
    #[serde(default)]
    pub participant_sid: Option<String>,
    pub date_created: DateTime<Utc>,
    #[serde(default)]
    pub date_updated: Option<DateTime<Utc>>,
    #[serde(default)]
    pub url: Option<String>,
}

fn json_string<'de, D: Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
    Ok(match Option::<String>::deserialize(d)? {
        None => serde_json::Value::Null,
        Some(raw) => serde_json::from_str(&raw).unwrap_or(serde_json::Value::String(raw)),
    })
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    Active,
    Suspended,
    Closed,
    #[serde(other)]
    Other,
}

/// The 2010-04-01 Account resource. Twilio also returns the auth token in it;
/// that field is deliberately not kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub sid: String,
    pub friendly_name: String,
    pub status: AccountStatus,
    #[serde(rename = "type", default)]
    pub account_type: Option<String>,
}

/// Twilio IAM's answer to `POST /v1/Accounts/{AC}/Tokens/validate`.
/// Identity fields are present only when `valid`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlexTokenValidation {
    pub valid: bool,
    #[serde(default)]
    pub code: u32,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub expiration: Option<DateTime<Utc>>,
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub realm_user_id: Option<String>,
    #[serde(default)]
    pub worker_sid: Option<String>,
    /// Twilio sends `null` for a user without roles.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub roles: Vec<String>,
    #[serde(default)]
    pub flex_instance_sid: Option<String>,
}

/// `POST /v1/Rooms`. `unique_name` makes creation idempotent (see the client).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateRoom {
    pub unique_name: String,
    pub room_type: RoomType,
    pub status_callback: Option<String>,
    pub status_callback_method: Option<String>,
    pub max_participants: Option<u32>,
    /// Minutes, 1–60.
    pub empty_room_timeout: Option<u32>,
    /// Minutes, 1–60.
    pub unused_room_timeout: Option<u32>,
    pub record_participants_on_connect: Option<bool>,
}

impl CreateRoom {
    /// A group room with Twilio's defaults for everything else.
    pub fn group(unique_name: impl Into<String>) -> Self {
        Self {
            unique_name: unique_name.into(),
            room_type: RoomType::Group,
            status_callback: None,
            status_callback_method: None,
            max_participants: None,
            empty_room_timeout: None,
            unused_room_timeout: None,
            record_participants_on_connect: None,
        }
    }

    pub(crate) fn form(&self) -> Vec<(&'static str, String)> {
        let mut form = vec![("UniqueName", self.unique_name.clone()), ("Type", self.room_type.as_str().into())];
        let optional = [
            ("StatusCallback", self.status_callback.clone()),
            ("StatusCallbackMethod", self.status_callback_method.clone()),
            ("MaxParticipants", self.max_participants.map(|v| v.to_string())),
            ("EmptyRoomTimeout", self.empty_room_timeout.map(|v| v.to_string())),
            ("UnusedRoomTimeout", self.unused_room_timeout.map(|v| v.to_string())),
            ("RecordParticipantsOnConnect", self.record_participants_on_connect.map(|v| v.to_string())),
        ];
        form.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        form
    }
}

/// `POST /v1/Conversations/{CH}/Messages`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateMessage {
    pub author: Option<String>,
    /// At most 1600 characters.
    pub body: String,
    /// Sent as a JSON string in `Attributes`.
    pub attributes: Option<serde_json::Value>,
}

impl CreateMessage {
    pub(crate) fn form(&self) -> Vec<(&'static str, String)> {
        let mut form = vec![("Body", self.body.clone())];
        if let Some(author) = &self.author {
            form.push(("Author", author.clone()));
        }
        if let Some(attributes) = &self.attributes {
            form.push(("Attributes", attributes.to_string()));
        }
        form
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// A Flex plugin (`flex.v1.plugin`, `FP…`): a name under which versions are registered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlexPlugin {
    pub sid: String,
    pub unique_name: String,
    #[serde(default)]
    pub friendly_name: Option<String>,
    #[serde(default)]
    pub archived: bool,
}

/// One version of a Flex plugin (`flex.v1.plugin.plugin_versions`, `FV…`): the bundle's URL.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlexPluginVersion {
    pub sid: String,
    pub plugin_sid: String,
    pub version: String,
    pub plugin_url: String,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub archived: bool,
}

/// A set of plugin versions (`flex.v1.plugin_configuration`, `FJ…`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PluginConfiguration {
    pub sid: String,
    pub name: String,
}

/// A plugin version in a configuration (`flex.v1.plugin_configuration.configured_plugin`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfiguredPlugin {
    pub plugin_sid: String,
    pub plugin_version_sid: String,
    pub unique_name: String,
    pub version: String,
    pub plugin_url: String,
}

/// The release that makes a configuration live (`flex.v1.plugin_release`, `FK…`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PluginRelease {
    pub sid: String,
    pub configuration_sid: String,
}

/// A Flex instance's configuration (`flex.v1.configuration`); only what the service changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlexConfiguration {
    pub account_sid: String,
    /// The instance's free-form UI settings, where plugins read theirs.
    #[serde(default)]
    pub ui_attributes: Option<serde_json::Value>,
}

/// A track recording's status (`recording_enum_status`). `Deleted`: the
/// media is gone, the metadata stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordingStatus {
    Processing,
    Completed,
    Deleted,
    Failed,
    /// A status this client does not know yet.
    #[serde(other)]
    Unknown,
}

/// A recording's media type (`recording_enum_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordingType {
    Audio,
    Video,
    Data,
    #[serde(other)]
    Unknown,
}

/// The SIDs a recording belongs to (`grouping_sids`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupingSids {
    #[serde(default)]
    pub room_sid: Option<String>,
    #[serde(default)]
    pub participant_sid: Option<String>,
}

/// One recorded track (`video.v1.recording`, or `video.v1.room.room_recording`
/// which adds `room_sid`), `RT…`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    pub sid: String,
    #[serde(default)]
    pub account_sid: Option<String>,
    pub status: RecordingStatus,
    pub date_created: DateTime<Utc>,
    #[serde(rename = "type")]
    pub kind: RecordingType,
    /// Seconds (0 while recording).
    #[serde(default)]
    pub duration: Option<u64>,
    /// Bytes (0 while recording).
    #[serde(default)]
    pub size: Option<u64>,
    /// `mka` (audio) or `mkv` (video).
    #[serde(default)]
    pub container_format: Option<String>,
    /// `OPUS`, `PCMU`, `VP8` or `H264` (Twilio's examples also show lowercase).
    #[serde(default)]
    pub codec: Option<String>,
    /// The recorded track (`MT…`).
    #[serde(default)]
    pub source_sid: Option<String>,
    #[serde(default)]
    pub track_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub grouping_sids: GroupingSids,
    /// Present when read through `/v1/Rooms/{RM}/Recordings`.
    #[serde(default)]
    pub room_sid: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// A composition's status (`composition_enum_status`): `Enqueued` first,
/// `Processing` once its room has ended, then `Completed` (media
/// available) or `Failed`; `Deleted` keeps the metadata, not the media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompositionStatus {
    Enqueued,
    Processing,
    Completed,
    Deleted,
    Failed,
    #[serde(other)]
    Unknown,
}

/// The container of a composition's media (`composition_enum_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompositionFormat {
    Mp4,
    Webm,
}

impl CompositionFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mp4 => "mp4",
            Self::Webm => "webm",
        }
    }
}

/// One playable file made from a room's recordings (`video.v1.composition`), `CJ…`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Composition {
    pub sid: String,
    #[serde(default)]
    pub account_sid: Option<String>,
    pub room_sid: String,
    pub status: CompositionStatus,
    #[serde(default)]
    pub format: Option<CompositionFormat>,
    pub date_created: DateTime<Utc>,
    #[serde(default)]
    pub date_completed: Option<DateTime<Utc>>,
    #[serde(default)]
    pub date_deleted: Option<DateTime<Utc>>,
    /// Seconds of media (0 until completed).
    #[serde(default)]
    pub duration: Option<u64>,
    /// Bytes of media (0 until completed).
    #[serde(default)]
    pub size: Option<u64>,
    /// `{width}x{height}`.
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub status_callback: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The examples of twilio-oai's twilio_video_v1 (FetchRecording,
    // FetchRoomRecording, CreateComposition, FetchComposition), trimmed.
    #[test]
    fn recordings_read_as_twilio_oai_describes_them() {
        let recording: Recording = serde_json::from_value(serde_json::json!({
            "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "status": "completed",
            "date_created": "2015-07-30T20:00:00Z",
            "sid": "RTaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "source_sid": "MTaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "size": 23,
            "type": "audio",
            "duration": 10,
            "container_format": "mka",
            "codec": "opus",
            "track_name": "A name",
            "offset": 10,
            "status_callback": "https://mycallbackurl.com",
            "status_callback_method": "POST",
            "grouping_sids": {
                "room_sid": "RMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "participant_sid": "PAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            },
            "media_external_location": null,
            "url": "https://video.twilio.com/v1/Recordings/RTaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "links": { "media": "https://video.twilio.com/v1/Recordings/RTaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Media" }
        }))
        .unwrap();
        assert_eq!(recording.status, RecordingStatus::Completed);
        assert_eq!(recording.kind, RecordingType::Audio);
        assert_eq!((recording.duration, recording.size), (Some(10), Some(23)));
        assert_eq!(recording.grouping_sids.room_sid.as_deref(), Some("RMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));

        let in_room: Recording = serde_json::from_value(serde_json::json!({
            "status": "processing", "date_created": "2015-07-30T20:00:00Z",
            "sid": "RTaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "type": "video", "grouping_sids": null,
            "room_sid": "RMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "duration": null, "size": 0
        }))
        .unwrap();
        assert_eq!(in_room.grouping_sids, GroupingSids::default());
        assert_eq!(in_room.room_sid.as_deref(), Some("RMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        let later: Recording = serde_json::from_value(serde_json::json!({
            "status": "archived", "date_created": "2015-07-30T20:00:00Z", "sid": "RT1", "type": "hologram"
        }))
        .unwrap();
        assert_eq!((later.status, later.kind), (RecordingStatus::Unknown, RecordingType::Unknown));
    }

    #[test]
    fn compositions_read_as_twilio_oai_describes_them() {
        let composition: Composition = serde_json::from_value(serde_json::json!({
            "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "status": "completed",
            "date_created": "2015-07-30T20:00:00Z",
            "date_completed": "2015-07-30T20:01:33Z",
            "date_deleted": null,
            "sid": "CJaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "room_sid": "RMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "audio_sources": ["PAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "user*"],
            "audio_sources_excluded": [],
            "video_layout": { "grid": { "video_sources": ["*"] } },
            "resolution": "1280x720",
            "format": "webm",
            "bitrate": 64,
            "size": 4,
            "duration": 6,
            "trim": true,
            "media_external_location": null,
            "url": "https://video.twilio.com/v1/Compositions/CJaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "status_callback": "https://mycallbackurl.com",
            "status_callback_method": "POST",
            "links": { "media": "https://video.twilio.com/v1/Compositions/CJaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Media" }
        }))
        .unwrap();
        assert_eq!(composition.status, CompositionStatus::Completed);
        assert_eq!(composition.format, Some(CompositionFormat::Webm));
        assert_eq!((composition.duration, composition.size), (Some(6), Some(4)));
        assert!(composition.date_completed.is_some() && composition.date_deleted.is_none());
        assert_eq!(CompositionFormat::Mp4.as_str(), "mp4");
    }
}

/// A TaskRouter workspace (`taskrouter.v1.workspace`, `WS…`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub sid: String,
    pub friendly_name: String,
}

/// A TaskRouter task (`taskrouter.v1.workspace.task`, `WT…`): what Flex
/// routes to an agent; its `attributes` (a JSON string) is what Flex
/// Insights reads when the task completes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub sid: String,
    pub workspace_sid: String,
    pub attributes: String,
    /// `pending`, `reserved`, `assigned`, `wrapping`, `completed`, `canceled`.
    pub assignment_status: String,
}
