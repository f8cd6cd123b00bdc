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
    ids,
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
    flex_tokens: HashMap<String, FlexTokenRecord>,
    pub requests: Vec<RequestRecord>,
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

    /// Forget rooms, messages, tokens and the request log; keep accounts.
    pub fn reset(&mut self) {
        self.rooms.clear();
        self.messages.clear();
        self.next_message_index.clear();
        self.flex_tokens.clear();
        self.requests.clear();
    }

    /// The account a pair of basic-auth credentials belongs to: Account SID +
    /// auth token, or API key SID + secret.
    pub fn authenticate(&self, user: &str, password: &str) -> Option<String> {
        if user.starts_with("AC") {
            let record = self.accounts.get(user)?;
            return (record.account.auth_token == password).then(|| user.to_owned());
        }
        self.accounts
            .values()
            .find(|r| r.account.api_keys.iter().any(|(sid, secret)| sid == user && secret == password))
            .map(|r| r.account.account_sid.clone())
    }

    pub fn account(&self, account_sid: &str) -> Option<(&SimAccount, DateTime<Utc>)> {
        self.accounts.get(account_sid).map(|r| (&r.account, r.date_created))
    }

    fn auth_token(&self, account_sid: &str) -> String {
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
        }
        room.status = RoomStatus::Completed;
        room.end_time = Some(now);
        room.date_updated = now;
        events.extend(callbacks::room_event(room, &token, "room-ended", None));
        (room.clone(), events)
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
        events.extend(callbacks::room_event(room, &token, "participant-connected", Some(&participant)));
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
        participant.status = ParticipantStatus::Disconnected;
        participant.end_time = Some(Utc::now());
        let participant = participant.clone();
        let events =
            callbacks::room_event(room, &token, "participant-disconnected", Some(&participant)).into_iter().collect();
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
        let chat_service_sid = self.accounts.get(account_sid).map(|r| r.chat_service_sid.clone()).unwrap_or_default();
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
        let token = format!("sim-flex.{}", &ids::sid("FT")[2..]);
        let expiration = Utc::now() + chrono::Duration::from_std(agent.ttl).unwrap_or(chrono::Duration::hours(1));
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
            "roles": record.roles,
            "worker_sid": record.worker_sid,
        })
    }
}
