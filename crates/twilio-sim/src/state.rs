//! The simulated Twilio data: accounts, rooms and their participants,
//! conversation messages and Flex tokens. Plain data behind one mutex; the
//! operations here never await, so the lock is never held across I/O.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};
use escalate_twilio::{RoomStatus, RoomType};
use serde::{Deserialize, Serialize};

use crate::{
    SimAccount,
    callbacks::{self, Outgoing},
    error::{ApiError, SimError, codes},
    faults::RequestRecord,
    ids, recordings,
};

/// A room as the simulator holds it (inspection view; the API renders
/// Twilio's JSON from it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomView {
    pub sid: String,
    pub account_sid: String,
    pub unique_name: String,
    pub status: RoomStatus,
    pub room_type: RoomType,
    pub date_created: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub status_callback: Option<String>,
    pub status_callback_method: String,
    pub max_participants: u32,
    pub empty_room_timeout: u32,
    pub unused_room_timeout: u32,
    pub record_participants_on_connect: bool,
    pub participants: Vec<ParticipantView>,
    /// The next status callback's SequenceNumber (Twilio numbers per room from 0).
    pub next_sequence_number: u64,
    /// When the last connected participant left (for `EmptyRoomTimeout`).
    #[serde(default)]
    pub empty_since: Option<DateTime<Utc>>,
}

impl RoomView {
    /// Seconds from creation to end (or now).
    pub fn duration_secs(&self, now: DateTime<Utc>) -> i64 {
        (self.end_time.unwrap_or(now) - self.date_created).num_seconds().max(0)
    }

    fn connected(&self) -> impl Iterator<Item = &ParticipantView> {
        self.participants.iter().filter(|p| p.status == ParticipantStatus::Connected)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParticipantStatus {
    Connected,
    Disconnected,
}

impl ParticipantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Disconnected => "disconnected",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantView {
    pub sid: String,
    pub identity: String,
    pub status: ParticipantStatus,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
}

impl ParticipantView {
    pub fn duration_secs(&self, now: DateTime<Utc>) -> i64 {
        (self.end_time.unwrap_or(now) - self.start_time).num_seconds().max(0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub sid: String,
    pub account_sid: String,
    pub chat_service_sid: String,
    pub conversation_sid: String,
    pub index: u64,
    pub author: String,
    pub body: String,
    /// The JSON string exactly as posted (`{}` when none).
    pub attributes: String,
    pub date_created: DateTime<Utc>,
}

/// Who made a request: the account, and the API key if one was used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    pub key: Option<KeyUse>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUse {
    /// A Main key (may use `/Accounts`); Standard keys may not.
    pub main: bool,
    pub region: String,
}

/// A fake Flex agent to mint a Flex token for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlexAgent {
    pub identity: String,
    /// Defaults to a random `WK…` SID.
    #[serde(default)]
    pub worker_sid: Option<String>,
    /// Defaults to `["agent"]`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Defaults to one hour.
    #[serde(default = "default_flex_ttl", with = "secs")]
    pub ttl: Duration,
}

fn default_flex_ttl() -> Duration {
    Duration::from_secs(3600)
}

mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

impl FlexAgent {
    pub fn new(identity: impl Into<String>) -> Self {
        Self { identity: identity.into(), worker_sid: None, roles: Vec::new(), ttl: default_flex_ttl() }
    }
}

#[derive(Clone, Debug)]
struct FlexTokenRecord {
    account_sid: String,
    identity: String,
    worker_sid: String,
    roles: Vec<String>,
    realm_user_id: String,
    expiration: DateTime<Utc>,
}

struct AccountRecord {
    account: SimAccount,
    flex_instance_sid: String,
    chat_service_sid: String,
    date_created: DateTime<Utc>,
}

/// Validated `POST /v1/Rooms` parameters.
pub(crate) struct NewRoom {
    pub unique_name: Option<String>,
    pub room_type: RoomType,
    pub status_callback: Option<String>,
    pub status_callback_method: String,
    pub max_participants: u32,
    pub empty_room_timeout: u32,
    pub unused_room_timeout: u32,
    pub record_participants_on_connect: bool,
}

#[derive(Default)]
pub(crate) struct State {
    accounts: HashMap<String, AccountRecord>,
    pub rooms: Vec<RoomView>,
    pub messages: Vec<MessageView>,
    next_message_index: HashMap<(String, String), u64>,
    /// Non-default Conversations services per account.
    services: HashMap<String, std::collections::BTreeSet<String>>,
    /// Conversations registered in a non-default service.
    conversation_services: HashMap<String, String>,
    flex_tokens: HashMap<String, FlexTokenRecord>,
    pub requests: Vec<RequestRecord>,
    /// Flex plugins, versions, configurations, releases and `ui_attributes`.
    pub flex: crate::flex::FlexState,
    /// TaskRouter workspaces and tasks.
    pub(crate) taskrouter: crate::taskrouter::TaskRouterState,
    /// Track recordings of rooms that record, in creation order.
    pub recordings: Vec<crate::recordings::RecordingView>,
    /// Compositions, in creation order.
    pub compositions: Vec<crate::recordings::CompositionView>,
    /// How long a composition processes once its room has ended.
    pub composition_delay: Duration,
}

impl State {
    pub fn add_account(&mut self, account: SimAccount) {
        let record = AccountRecord {
            flex_instance_sid: ids::sid("GO"),
            chat_service_sid: ids::sid("IS"),
            date_created: Utc::now(),
            account,
        };
        self.accounts.insert(record.account.account_sid.clone(), record);
    }

    /// Forget rooms, messages, tokens, recordings, compositions and the
    /// request log; keep accounts.
    pub fn reset(&mut self) {
        self.rooms.clear();
        self.messages.clear();
        self.next_message_index.clear();
        self.flex_tokens.clear();
        self.requests.clear();
        self.services.clear();
        self.conversation_services.clear();
        self.flex = Default::default();
        self.taskrouter = Default::default();
        self.recordings.clear();
        self.compositions.clear();
    }

    /// Who a pair of basic-auth credentials is: an Account SID and its auth
    /// token, or an API key SID and secret (with its kind and region).
    pub fn authenticate(&self, user: &str, password: &str) -> Option<Caller> {
        if user.starts_with("AC") {
            let record = self.accounts.get(user)?;
            return (record.account.auth_token == password).then(|| Caller { account: user.to_owned(), key: None });
        }
        self.accounts.values().find_map(|r| {
            let a = &r.account;
            a.api_keys.iter().any(|(sid, secret)| sid == user && secret == password).then(|| Caller {
                account: a.account_sid.clone(),
                key: Some(KeyUse {
                    main: a.main_keys.iter().any(|m| m == user),
                    region: a.key_region(user).to_owned(),
                }),
            })
        })
    }

    /// Registers a conversation in a non-default Conversations service
    /// (making the service if new): the default path no longer finds it.
    pub fn add_conversation(&mut self, account_sid: &str, service_sid: &str, conversation_sid: &str) {
        self.services.entry(account_sid.to_owned()).or_default().insert(service_sid.to_owned());
        self.conversation_services.insert(conversation_sid.to_owned(), service_sid.to_owned());
    }

    /// The Conversations service a conversation is in: a registered one, or
    /// the account's default service for any other well-formed SID.
    pub fn service_of(&self, account_sid: &str, conversation_sid: &str) -> Option<String> {
        match self.conversation_services.get(conversation_sid) {
            Some(is) => Some(is.clone()),
            None => self.accounts.get(account_sid).map(|r| r.chat_service_sid.clone()),
        }
    }

    /// The account's services, the default first.
    pub fn services_of(&self, account_sid: &str) -> Vec<String> {
        let mut out: Vec<String> =
            self.accounts.get(account_sid).map(|r| r.chat_service_sid.clone()).into_iter().collect();
        out.extend(self.services.get(account_sid).into_iter().flatten().cloned());
        out
    }

    pub fn default_service(&self, account_sid: &str) -> Option<String> {
        self.accounts.get(account_sid).map(|r| r.chat_service_sid.clone())
    }

    pub fn account(&self, account_sid: &str) -> Option<(&SimAccount, DateTime<Utc>)> {
        self.accounts.get(account_sid).map(|r| (&r.account, r.date_created))
    }

    pub(crate) fn auth_token(&self, account_sid: &str) -> String {
        self.accounts.get(account_sid).map(|r| r.account.auth_token.clone()).unwrap_or_default()
    }

    pub fn create_room(&mut self, account_sid: &str, new: NewRoom) -> Result<(RoomView, Vec<Outgoing>), ApiError> {
        let sid = ids::sid("RM");
        let unique_name = new.unique_name.unwrap_or_else(|| sid.clone());
        let taken = self.rooms.iter().any(|r| {
            r.account_sid == account_sid && r.status == RoomStatus::InProgress && r.unique_name == unique_name
        });
        if taken {
            return Err(ApiError::bad_request(codes::ROOM_EXISTS, "Room exists"));
        }
        let now = Utc::now();
        let mut room = RoomView {
            sid,
            account_sid: account_sid.to_owned(),
            unique_name,
            status: RoomStatus::InProgress,
            room_type: new.room_type,
            date_created: now,
            date_updated: now,
            end_time: None,
            status_callback: new.status_callback,
            status_callback_method: new.status_callback_method,
            max_participants: new.max_participants,
            empty_room_timeout: new.empty_room_timeout,
            unused_room_timeout: new.unused_room_timeout,
            record_participants_on_connect: new.record_participants_on_connect,
            participants: Vec::new(),
            next_sequence_number: 0,
            empty_since: None,
        };
        let token = self.auth_token(account_sid);
        let events = callbacks::room_event(&mut room, &token, "room-created", None).into_iter().collect();
        self.rooms.push(room.clone());
        Ok((room, events))
    }

    /// Index of an account's room by SID, or by unique name among in-progress
    /// rooms (as Twilio resolves names).
    pub fn find_room(&self, account_sid: &str, key: &str) -> Option<usize> {
        self.rooms.iter().position(|r| {
            r.account_sid == account_sid
                && (r.sid == key || (r.status == RoomStatus::InProgress && r.unique_name == key))
        })
    }

    /// Like [`Self::find_room`] across all accounts (the control API has no
    /// credentials); prefers an in-progress room for a name.
    pub fn find_room_any(&self, key: &str) -> Result<usize, SimError> {
        self.rooms
            .iter()
            .position(|r| r.sid == key || (r.status == RoomStatus::InProgress && r.unique_name == key))
            .or_else(|| self.rooms.iter().rposition(|r| r.unique_name == key))
            .ok_or_else(|| SimError::UnknownRoom(key.to_owned()))
    }

    /// End the room: disconnect everyone, then `room-ended`. Completing a
    /// completed room changes nothing (so a retried request is harmless).
    pub fn complete_room(&mut self, index: usize) -> (RoomView, Vec<Outgoing>) {
        let token = self.auth_token(&self.rooms[index].account_sid);
        let room = &mut self.rooms[index];
        let mut events = Vec::new();
        if room.status != RoomStatus::InProgress {
            return (room.clone(), events);
        }
        let now = Utc::now();
        let connected: Vec<usize> = (0..room.participants.len())
            .filter(|&i| room.participants[i].status == ParticipantStatus::Connected)
            .collect();
        for i in connected {
            let participant = &mut room.participants[i];
            participant.status = ParticipantStatus::Disconnected;
            participant.end_time = Some(now);
            let participant = participant.clone();
            events.extend(callbacks::room_event(room, &token, "participant-disconnected", Some(&participant)));
            events.extend(recordings::stop_recordings(&mut self.recordings, room, &token, &participant, now));
        }
        room.status = RoomStatus::Completed;
        room.end_time = Some(now);
        room.date_updated = now;
        events.extend(callbacks::room_event(room, &token, "room-ended", None));
        let view = room.clone();
        self.room_ended_for_compositions(&view.sid, now);
        events.extend(self.advance_compositions(now));
        (view, events)
    }

    /// Ends every in-progress room nobody joined within `UnusedRoomTimeout`,
    /// or that has been empty for `EmptyRoomTimeout`, counting in `minute`s.
    pub fn end_timed_out_rooms(&mut self, now: DateTime<Utc>, minute: Duration) -> Vec<Outgoing> {
        let minutes = |n: u32| chrono::Duration::from_std(minute * n).unwrap_or(chrono::Duration::MAX);
        let due: Vec<usize> = (0..self.rooms.len())
            .filter(|&i| {
                let r = &self.rooms[i];
                r.status == RoomStatus::InProgress
                    && if r.participants.is_empty() {
                        now - r.date_created >= minutes(r.unused_room_timeout)
                    } else {
                        r.empty_since.is_some_and(|since| now - since >= minutes(r.empty_room_timeout))
                    }
            })
            .collect();
        due.into_iter().flat_map(|i| self.complete_room(i).1).collect()
    }

    /// A participant joins. An identity already in the room is disconnected
    /// first, as Twilio does with duplicate identities.
    pub fn connect_participant(
        &mut self,
        index: usize,
        identity: &str,
    ) -> Result<(ParticipantView, Vec<Outgoing>), SimError> {
        let token = self.auth_token(&self.rooms[index].account_sid);
        let room = &mut self.rooms[index];
        if room.status != RoomStatus::InProgress {
            return Err(SimError::RoomNotInProgress(room.sid.clone()));
        }
        let mut events = Vec::new();
        let now = Utc::now();
        if let Some(existing) =
            room.participants.iter_mut().find(|p| p.identity == identity && p.status == ParticipantStatus::Connected)
        {
            existing.status = ParticipantStatus::Disconnected;
            existing.end_time = Some(now);
            let existing = existing.clone();
            events.extend(callbacks::room_event(room, &token, "participant-disconnected", Some(&existing)));
            events.extend(recordings::stop_recordings(&mut self.recordings, room, &token, &existing, now));
        }
        if room.connected().count() >= room.max_participants as usize {
            return Err(SimError::RoomFull(room.sid.clone()));
        }
        let participant = ParticipantView {
            sid: ids::sid("PA"),
            identity: identity.to_owned(),
            status: ParticipantStatus::Connected,
            start_time: now,
            end_time: None,
        };
        room.participants.push(participant.clone());
        room.empty_since = None;
        events.extend(callbacks::room_event(room, &token, "participant-connected", Some(&participant)));
        events.extend(recordings::start_recordings(&mut self.recordings, room, &token, &participant));
        Ok((participant, events))
    }

    pub fn disconnect_participant(
        &mut self,
        index: usize,
        identity: &str,
    ) -> Result<(ParticipantView, Vec<Outgoing>), SimError> {
        let token = self.auth_token(&self.rooms[index].account_sid);
        let room = &mut self.rooms[index];
        let Some(participant) =
            room.participants.iter_mut().find(|p| p.identity == identity && p.status == ParticipantStatus::Connected)
        else {
            return Err(SimError::UnknownParticipant { room: room.sid.clone(), identity: identity.to_owned() });
        };
        let now = Utc::now();
        participant.status = ParticipantStatus::Disconnected;
        participant.end_time = Some(now);
        let participant = participant.clone();
        if room.connected().next().is_none() {
            room.empty_since = participant.end_time;
        }
        let mut events: Vec<Outgoing> =
            callbacks::room_event(room, &token, "participant-disconnected", Some(&participant)).into_iter().collect();
        events.extend(recordings::stop_recordings(&mut self.recordings, room, &token, &participant, now));
        Ok((participant, events))
    }

    pub fn create_message(
        &mut self,
        account_sid: &str,
        conversation_sid: &str,
        author: String,
        body: String,
        attributes: String,
    ) -> MessageView {
        let key = (account_sid.to_owned(), conversation_sid.to_owned());
        let next = self.next_message_index.entry(key).or_insert(0);
        let index = *next;
        *next += 1;
        let chat_service_sid = self.service_of(account_sid, conversation_sid).unwrap_or_default();
        let message = MessageView {
            sid: ids::sid("IM"),
            account_sid: account_sid.to_owned(),
            chat_service_sid,
            conversation_sid: conversation_sid.to_owned(),
            index,
            author,
            body,
            attributes,
            date_created: Utc::now(),
        };
        self.messages.push(message.clone());
        message
    }

    pub fn mint_flex_token(&mut self, account_sid: &str, agent: FlexAgent) -> (String, DateTime<Utc>) {
        let expiration = Utc::now() + chrono::Duration::from_std(agent.ttl).unwrap_or(chrono::Duration::hours(1));
        let token = flex_jwt(account_sid, &agent.identity, expiration);
        let roles = if agent.roles.is_empty() { vec!["agent".to_owned()] } else { agent.roles };
        let record = FlexTokenRecord {
            account_sid: account_sid.to_owned(),
            identity: agent.identity,
            worker_sid: agent.worker_sid.unwrap_or_else(|| ids::sid("WK")),
            roles,
            realm_user_id: ids::sid("US"),
            expiration,
        };
        self.flex_tokens.insert(token.clone(), record);
        (token, expiration)
    }

    /// Twilio IAM's answer for `token` presented to `account_sid`.
    pub fn validate_flex_token(&self, account_sid: &str, token: &str) -> serde_json::Value {
        let invalid = |code: u32, message: &str| serde_json::json!({"valid": false, "code": code, "message": message});
        let Some(record) = self.flex_tokens.get(token) else {
            return invalid(20101, "Invalid Access Token");
        };
        if record.account_sid != account_sid {
            return invalid(20103, "Invalid Access Token issuer/subject");
        }
        if record.expiration <= Utc::now() {
            return invalid(20104, "Access Token expired or expiration date invalid");
        }
        let flex_instance_sid = self.accounts.get(account_sid).map(|r| r.flex_instance_sid.clone());
        serde_json::json!({
            "valid": true,
            "code": 0,
            "message": null,
            "expiration": record.expiration.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "realm_user_id": record.realm_user_id,
            "identity": record.identity,
            "flex_instance_sid": flex_instance_sid,
            // Twilio sends null for a user without roles.
            "roles": if record.roles.is_empty() { serde_json::Value::Null } else { serde_json::json!(record.roles) },
            "worker_sid": record.worker_sid,
        })
    }
}

/// A Flex user token as Flex hands it to the UI: a Twilio access token (an
/// HS256 JWT with Twilio's header, the account as `sub` and an API key as
/// `iss`), signed with a key only this simulator knew. Like Twilio, the
/// simulator answers for it from its own records, not by the signature.
fn flex_jwt(account_sid: &str, identity: &str, expiration: DateTime<Utc>) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let now = Utc::now().timestamp();
    let key_sid = ids::sid("SK");
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"});
    let claims = serde_json::json!({
        "jti": format!("{key_sid}-{now}"),
        "grants": {"identity": identity, "flex": {"type": "flex-user"}},
        "iat": now,
        "exp": expiration.timestamp(),
        "iss": key_sid,
        "sub": account_sid,
    });
    // Random bytes stand in for the signature: nobody but Twilio can check it.
    let mut signature = [0u8; 32];
    rand::fill(&mut signature[..]);
    format!("{}.{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()), B64.encode(signature))
}
