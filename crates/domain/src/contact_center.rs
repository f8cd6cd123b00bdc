//! A contact center's settings: brand, message template, code and room options.
//! Defaults are what a new contact center gets; `validate` names every bad field.

use crate::validation::{FieldError, Validator, is_hex_colour};

pub const SUPPORTED_LOCALES: [&str; 2] = ["en", "es"];
pub const DEFAULT_MESSAGE_TEMPLATE: &str = EN_WORDING.message_template;

/// The tenant-authored texts a contact center starts with, in one locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wording {
    pub headline: &'static str,
    pub button_text: &'static str,
    pub message_template: &'static str,
}

const EN_WORDING: Wording = Wording {
    headline: "Your agent is ready to see you",
    button_text: "Join Video Room",
    message_template: "Please join me on video: {{ join_url }}",
};

/// The join page's own Spanish speaks to the customer as `tú`; so does this.
const ES_WORDING: Wording = Wording {
    headline: "Tu agente está listo para verte",
    button_text: "Unirse a la videollamada",
    message_template: "Únete a la videollamada: {{ join_url }}",
};

/// The default wording of a supported locale (English for any other).
pub fn default_wording(locale: &str) -> &'static Wording {
    match locale {
        "es" => &ES_WORDING,
        _ => &EN_WORDING,
    }
}

/// Which of the tenant-authored texts.
#[derive(Debug, Clone, Copy)]
pub enum WordingField {
    Headline,
    ButtonText,
    MessageTemplate,
}

impl WordingField {
    fn of(self, w: &'static Wording) -> &'static str {
        match self {
            Self::Headline => w.headline,
            Self::ButtonText => w.button_text,
            Self::MessageTemplate => w.message_template,
        }
    }
}

/// `text` as a customer in `locale` should read it: a text left at any
/// locale's default is that default in `locale` (so choosing Spanish does not
/// keep English defaults on the page and in the chat), while a text the
/// tenant wrote is theirs and stays as written.
pub fn localised<'a>(field: WordingField, text: &'a str, locale: &str) -> &'a str {
    let is_default = SUPPORTED_LOCALES.iter().any(|l| field.of(default_wording(l)) == text.trim());
    if is_default { field.of(default_wording(locale)) } else { text }
}

/// Limits from Twilio (timeouts, participants) and from what makes sense for a
/// chat escalation (a code living a week is already generous).
pub const CODE_TTL_SECONDS: std::ops::RangeInclusive<i64> = 60..=7 * 24 * 3600;
pub const TOKEN_TTL_SECONDS: std::ops::RangeInclusive<i64> = 60..=24 * 3600;
pub const ROOM_TIMEOUT_MINUTES: std::ops::RangeInclusive<i32> = 1..=60;
pub const MAX_PARTICIPANTS: std::ops::RangeInclusive<i32> = 2..=50;
pub const MESSAGE_TEMPLATE_MAX: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    pub display_name: String,
    pub logo_url: Option<String>,
    pub primary_colour: String,
    pub accent_colour: String,
    pub headline: String,
    pub button_text: String,
    pub locale: String,
}

/// `Type` of a Twilio Video room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum), oai(rename_all = "kebab-case"))]
pub enum RoomType {
    Group,
    GroupSmall,
    PeerToPeer,
    Go,
}

impl RoomType {
    pub const ALL: [RoomType; 4] = [RoomType::Group, RoomType::GroupSmall, RoomType::PeerToPeer, RoomType::Go];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Group => "group",
            Self::GroupSmall => "group-small",
            Self::PeerToPeer => "peer-to-peer",
            Self::Go => "go",
        }
    }
}

crate::names::named!(RoomType, "room type");

impl RoomType {
    /// The types Twilio offers for new rooms today: its Rooms page lists
    /// only `group`. The others still read (older settings) but are refused on save.
    pub const OFFERED: [RoomType; 1] = [RoomType::Group];

    pub fn is_offered(self) -> bool {
        Self::OFFERED.contains(&self)
    }
}

/// Who carries a contact center's video calls. Chat stays on Twilio
/// Conversations either way; this is only the room the join link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String"))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum), oai(rename_all = "snake_case"))]
pub enum VideoProvider {
    /// Twilio Programmable Video rooms, in the contact center's Twilio account.
    Twilio,
    /// This service's own WebRTC calls: media peer to peer between the
    /// browsers (through TURN when configured), signalling through the service.
    Builtin,
}

impl VideoProvider {
    pub const ALL: [VideoProvider; 2] = [VideoProvider::Twilio, VideoProvider::Builtin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Twilio => "twilio",
            Self::Builtin => "builtin",
        }
    }
}

crate::names::named!(VideoProvider, "video provider");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSettings {
    pub room_type: RoomType,
    pub empty_room_timeout_minutes: i32,
    pub unused_room_timeout_minutes: i32,
    pub max_participants: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCenterSettings {
    pub branding: Branding,
    /// New escalations use it; open ones keep the provider they were made with.
    pub video_provider: VideoProvider,
    pub message_template: String,
    pub code_ttl_seconds: i64,
    pub token_ttl_seconds: i64,
    pub room: RoomSettings,
    /// The IANA zone whose days and hours the contact center reports in
    /// (a day in its metrics is a local day there).
    pub time_zone: String,
    /// The Twilio Conversations service (`IS…`) its chats are in, when not
    /// the account's default service; unset, it is found from the conversation.
    pub conversations_service_sid: Option<String>,
    pub recording: RecordingSettings,
    pub snapshots: SnapshotSettings,
    pub flex_insights: FlexInsightsSettings,
}

/// Recording calls (Twilio Video only): the customer is told and must agree
/// before joining; recordings are deleted after the retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordingSettings {
    pub enabled: bool,
    pub retention_days: i32,
}

impl Default for RecordingSettings {
    fn default() -> Self {
        Self { enabled: false, retention_days: 30 }
    }
}

pub const RECORDING_RETENTION_DAYS: std::ops::RangeInclusive<i32> = 1..=365;

/// Reporting to Flex Insights: when an escalation ends, its outcome is
/// written into its Flex task's `conversations` attributes (see
/// [`crate::insights`]). Off unless a contact center chooses it: it
/// changes tasks in the tenant's own Flex.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlexInsightsSettings {
    pub enabled: bool,
    /// The TaskRouter workspace (`WS…`) of the contact center's Flex; unset,
    /// the account's "Flex Task Assignment" workspace.
    pub workspace_sid: Option<String>,
    pub mapping: crate::insights::Mapping,
}

/// Agents may save stills of the customer's video (the customer is told
/// each time); they are deleted after the retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotSettings {
    pub enabled: bool,
    pub retention_days: i32,
}

impl Default for SnapshotSettings {
    /// On: seeing the problem is why a chat becomes a call. A month, like
    /// recordings: long enough to settle a claim, short for a picture.
    fn default() -> Self {
        Self { enabled: true, retention_days: 30 }
    }
}

impl Branding {
    pub fn default_for(name: &str) -> Self {
        Self {
            display_name: name.to_owned(),
            logo_url: None,
            primary_colour: "#1f4bd8".into(),
            accent_colour: "#0f9d58".into(),
            headline: EN_WORDING.headline.into(),
            button_text: EN_WORDING.button_text.into(),
            locale: "en".into(),
        }
    }
}

impl Default for RoomSettings {
    fn default() -> Self {
        Self {
            room_type: RoomType::Group,
            empty_room_timeout_minutes: 5,
            unused_room_timeout_minutes: 10,
            max_participants: None,
        }
    }
}

impl ContactCenterSettings {
    pub fn default_for(name: &str) -> Self {
        Self {
            branding: Branding::default_for(name),
            // Twilio Video no longer takes new customers: a new contact center
            // gets calls that need no video vendor; Twilio is one setting away.
            video_provider: VideoProvider::Builtin,
            message_template: DEFAULT_MESSAGE_TEMPLATE.into(),
            code_ttl_seconds: 3600,
            token_ttl_seconds: 3600,
            room: RoomSettings::default(),
            time_zone: "UTC".into(),
            conversations_service_sid: None,
            recording: RecordingSettings::default(),
            snapshots: SnapshotSettings::default(),
            flex_insights: FlexInsightsSettings::default(),
        }
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut v = Validator::new();
        let b = &self.branding;
        v.check(non_blank(&b.display_name, 100), "branding.display_name", "must be 1-100 characters")
            .check(
                b.logo_url.as_deref().is_none_or(is_https_url),
                "branding.logo_url",
                "must be an https:// URL of at most 2000 characters",
            )
            .check(is_hex_colour(&b.primary_colour), "branding.primary_colour", "must be #rgb or #rrggbb")
            .check(is_hex_colour(&b.accent_colour), "branding.accent_colour", "must be #rgb or #rrggbb")
            .check(non_blank(&b.headline, 200), "branding.headline", "must be 1-200 characters")
            .check(non_blank(&b.button_text, 40), "branding.button_text", "must be 1-40 characters")
            .check(
                SUPPORTED_LOCALES.contains(&b.locale.as_str()),
                "branding.locale",
                format!("must be one of {}", SUPPORTED_LOCALES.join(", ")),
            )
            .check(
                non_blank(&self.message_template, MESSAGE_TEMPLATE_MAX),
                "message_template",
                format!("must be 1-{MESSAGE_TEMPLATE_MAX} characters"),
            )
            .check(
                self.message_template.contains("join_url"),
                "message_template",
                "must use {{ join_url }} so the customer gets the link",
            )
            .check(
                CODE_TTL_SECONDS.contains(&self.code_ttl_seconds),
                "code_ttl_seconds",
                format!("must be between {} and {}", CODE_TTL_SECONDS.start(), CODE_TTL_SECONDS.end()),
            )
            .check(
                TOKEN_TTL_SECONDS.contains(&self.token_ttl_seconds),
                "token_ttl_seconds",
                format!("must be between {} and {}", TOKEN_TTL_SECONDS.start(), TOKEN_TTL_SECONDS.end()),
            );
        let r = &self.room;
        v.check(
            r.room_type.is_offered(),
            "room.room_type",
            "must be group: Twilio retired group-small, peer-to-peer and go rooms",
        )
        .check(
            ROOM_TIMEOUT_MINUTES.contains(&r.empty_room_timeout_minutes),
            "room.empty_room_timeout_minutes",
            "must be between 1 and 60",
        )
        .check(
            ROOM_TIMEOUT_MINUTES.contains(&r.unused_room_timeout_minutes),
            "room.unused_room_timeout_minutes",
            "must be between 1 and 60",
        )
        .check(
            r.max_participants.is_none_or(|n| MAX_PARTICIPANTS.contains(&n)),
            "room.max_participants",
            "must be between 2 and 50",
        )
        .check(
            self.conversations_service_sid.as_deref().is_none_or(|s| crate::validation::is_twilio_sid(s, "IS")),
            "conversations_service_sid",
            "must be IS followed by 32 hex digits",
        )
        .check(
            self.time_zone.parse::<chrono_tz::Tz>().is_ok(),
            "time_zone",
            "must be an IANA time zone such as Europe/Paris or America/New_York",
        )
        .check(
            !self.recording.enabled || self.video_provider == VideoProvider::Twilio,
            "recording.enabled",
            "calls can be recorded with the twilio video provider only (built-in calls are peer to peer)",
        )
        .check(
            RECORDING_RETENTION_DAYS.contains(&self.recording.retention_days),
            "recording.retention_days",
            "must be between 1 and 365",
        )
        .check(
            crate::snapshot::RETENTION_DAYS.contains(&self.snapshots.retention_days),
            "snapshots.retention_days",
            "must be between 1 and 365",
        )
        .check(
            self.flex_insights.workspace_sid.as_deref().is_none_or(|s| crate::validation::is_twilio_sid(s, "WS")),
            "flex_insights.workspace_sid",
            "must be WS followed by 32 hex digits",
        );
        for e in self.flex_insights.mapping.check("flex_insights.mapping") {
            v.push(e);
        }
        v.finish()
    }
}

/// A change to some settings; `None` keeps a value. The API's body and the
/// dashboard's form both become one of these, so both write settings the
/// same way. Text is trimmed (the message template keeps its spacing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    pub display_name: Option<String>,
    /// `Some(None)` removes the logo.
    pub logo_url: Option<Option<String>>,
    pub primary_colour: Option<String>,
    pub accent_colour: Option<String>,
    pub headline: Option<String>,
    pub button_text: Option<String>,
    pub locale: Option<String>,
    pub message_template: Option<String>,
    pub code_ttl_seconds: Option<i64>,
    pub token_ttl_seconds: Option<i64>,
    pub video_provider: Option<VideoProvider>,
    pub room_type: Option<RoomType>,
    pub empty_room_timeout_minutes: Option<i32>,
    pub unused_room_timeout_minutes: Option<i32>,
    /// `Some(None)` means Twilio's default.
    pub max_participants: Option<Option<i32>>,
    pub time_zone: Option<String>,
    /// `Some(None)` goes back to finding it from the conversation.
    pub conversations_service_sid: Option<Option<String>>,
    pub recording_enabled: Option<bool>,
    pub recording_retention_days: Option<i32>,
    pub snapshots_enabled: Option<bool>,
    pub snapshots_retention_days: Option<i32>,
    pub flex_insights_enabled: Option<bool>,
    /// `Some(None)` goes back to the account's Flex workspace.
    pub flex_insights_workspace_sid: Option<Option<String>>,
    /// Replaces the whole mapping.
    pub flex_insights_mapping: Option<crate::insights::Mapping>,
}

impl SettingsPatch {
    pub fn apply(self, s: &mut ContactCenterSettings) {
        fn set<T>(target: &mut T, value: Option<T>) {
            if let Some(v) = value {
                *target = v;
            }
        }
        let trim = |v: Option<String>| v.map(|v| v.trim().to_owned());
        let b = &mut s.branding;
        set(&mut b.display_name, trim(self.display_name));
        set(&mut b.logo_url, self.logo_url.map(|l| l.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())));
        set(&mut b.primary_colour, trim(self.primary_colour));
        set(&mut b.accent_colour, trim(self.accent_colour));
        set(&mut b.headline, trim(self.headline));
        set(&mut b.button_text, trim(self.button_text));
        set(&mut b.locale, trim(self.locale));
        set(&mut s.message_template, self.message_template);
        set(&mut s.code_ttl_seconds, self.code_ttl_seconds);
        set(&mut s.token_ttl_seconds, self.token_ttl_seconds);
        set(&mut s.video_provider, self.video_provider);
        let r = &mut s.room;
        set(&mut r.room_type, self.room_type);
        set(&mut r.empty_room_timeout_minutes, self.empty_room_timeout_minutes);
        set(&mut r.unused_room_timeout_minutes, self.unused_room_timeout_minutes);
        set(&mut r.max_participants, self.max_participants);
        set(&mut s.time_zone, trim(self.time_zone));
        set(&mut s.recording.enabled, self.recording_enabled);
        set(&mut s.recording.retention_days, self.recording_retention_days);
        set(&mut s.snapshots.enabled, self.snapshots_enabled);
        set(&mut s.snapshots.retention_days, self.snapshots_retention_days);
        set(&mut s.flex_insights.enabled, self.flex_insights_enabled);
        set(
            &mut s.flex_insights.workspace_sid,
            self.flex_insights_workspace_sid.map(|v| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())),
        );
        set(&mut s.flex_insights.mapping, self.flex_insights_mapping);
        set(
            &mut s.conversations_service_sid,
            self.conversations_service_sid.map(|v| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())),
        );
        // Defaults follow the locale; what the tenant wrote stays.
        let locale = s.branding.locale.clone();
        let b = &mut s.branding;
        b.headline = localised(WordingField::Headline, &b.headline, &locale).to_owned();
        b.button_text = localised(WordingField::ButtonText, &b.button_text, &locale).to_owned();
        s.message_template = localised(WordingField::MessageTemplate, &s.message_template, &locale).to_owned();
    }
}

fn non_blank(s: &str, max_chars: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max_chars
}

fn is_https_url(s: &str) -> bool {
    s.len() <= 2000
        && s.strip_prefix("https://").is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        ContactCenterSettings::default_for("Acme Support").validate().unwrap();
    }

    #[test]
    fn a_patch_changes_what_it_names_and_keeps_the_rest() {
        let mut s = ContactCenterSettings::default_for("Acme");
        s.branding.logo_url = Some("https://cdn.example/logo.png".into());
        let before = s.clone();
        SettingsPatch {
            headline: Some("  Hello  ".into()),
            logo_url: Some(None),
            code_ttl_seconds: Some(120),
            ..Default::default()
        }
        .apply(&mut s);
        assert_eq!(
            (s.branding.headline.as_str(), s.branding.logo_url.as_deref(), s.code_ttl_seconds),
            ("Hello", None, 120)
        );
        assert_eq!(
            (&s.branding.button_text, &s.room, &s.time_zone),
            (&before.branding.button_text, &before.room, &before.time_zone)
        );
        let patched = s.clone();
        SettingsPatch::default().apply(&mut s);
        assert_eq!(s, patched, "an empty patch changes nothing");
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut s = ContactCenterSettings::default_for("x");
        s.branding.primary_colour = "blue".into();
        s.branding.logo_url = Some("http://insecure.example/logo.png".into());
        s.branding.locale = "xx".into();
        s.message_template = "Hi there".into();
        s.code_ttl_seconds = 5;
        s.room.empty_room_timeout_minutes = 0;
        s.room.max_participants = Some(100);
        s.time_zone = "Mars/Olympus_Mons".into();
        let fields: Vec<String> = s.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "branding.logo_url",
                "branding.primary_colour",
                "branding.locale",
                "message_template",
                "code_ttl_seconds",
                "room.empty_room_timeout_minutes",
                "room.max_participants",
                "time_zone"
            ]
        );
    }

    #[test]
    fn defaults_follow_the_locale_and_the_tenants_own_wording_stays() {
        let mut s = ContactCenterSettings::default_for("Acme");
        // The dashboard sends every field: the English defaults come back with the new locale.
        SettingsPatch {
            locale: Some("es".into()),
            headline: Some("Your agent is ready to see you".into()),
            button_text: Some("Join Video Room".into()),
            ..Default::default()
        }
        .apply(&mut s);
        assert_eq!(s.branding.headline, "Tu agente está listo para verte");
        assert_eq!(s.branding.button_text, "Unirse a la videollamada");
        assert_eq!(s.message_template, "Únete a la videollamada: {{ join_url }}");
        assert!(s.validate().is_ok(), "the Spanish defaults are valid settings");
        // Back to English: the Spanish defaults were defaults too.
        SettingsPatch { locale: Some("en".into()), ..Default::default() }.apply(&mut s);
        assert_eq!(s.branding.headline, EN_WORDING.headline);
        // Wording a tenant wrote is kept whatever the locale.
        SettingsPatch { locale: Some("es".into()), button_text: Some("Ver al agente".into()), ..Default::default() }
            .apply(&mut s);
        SettingsPatch { locale: Some("en".into()), ..Default::default() }.apply(&mut s);
        assert_eq!(s.branding.button_text, "Ver al agente");
        assert_eq!(localised(WordingField::Headline, "Hola", "en"), "Hola");
    }
}
