//! One participant's signalling session in a built-in room: the `hello`
//! that admits it, the messages it relays, and its leaving (said, timed out
//! after a drop, or ended with the call). Presence changes become the
//! escalation's events here, so the metrics, the dashboard and the join
//! page see a built-in call as they see a Twilio one.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;
use escalate_domain::contact_center::VideoProvider;
use escalate_domain::escalation::{Role, RoomEvent, RoomEventKind, Status, role_of};
use escalate_domain::quality::Sample;
use escalate_store::TenantScope;
use escalate_store::repos::EventOutcome;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::credential::{self, CredentialError};
use super::hub::Outbound;
use super::presence::{Entry, Joined};
use super::protocol::{Budget, ClientMessage, Close, LeaveReason, MAX_MESSAGE_BYTES, Peer, ServerMessage};
use crate::App;
use crate::call_quality;
use crate::center::Center;
use crate::room_events::{self, Reported};

/// How long a dropped connection keeps its place before it counts as left.
pub const RECONNECT_GRACE: Duration = Duration::from_secs(15);

/// Joins and leaves written per participant and room (see `Session::record`):
/// about five reconnects' worth, over a day.
const EVENTS_PER_PARTICIPANT: crate::rate_limit::Limit =
    crate::rate_limit::Limit { max: 10, window: Duration::from_secs(24 * 3600) };

/// Where the session's events go.
#[derive(Debug, Clone)]
pub(crate) struct RoomTarget {
    pub scope: TenantScope,
    pub contact_center_id: Uuid,
    pub escalation_id: Uuid,
    pub room_name: String,
    pub room_sid: String,
}

pub struct Session {
    app: App,
    target: RoomTarget,
    identity: String,
    entry: Entry,
    participant_sid: String,
    budget: Budget,
    gone: bool,
}

fn role_name(identity: &str) -> &'static str {
    match role_of(identity) {
        Role::Agent => "agent",
        Role::Customer => "customer",
        Role::Other => "other",
    }
}

fn peer(identity: &str) -> Peer {
    Peer { identity: identity.to_owned(), role: role_name(identity) }
}

fn valid_session(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Admits a connection to `room_name` by its first message. On success:
/// the session, its queue, and the `welcome` to send first.
pub async fn open(
    app: &App,
    room_name: &str,
    hello: &str,
) -> Result<(Session, mpsc::Receiver<Outbound>, String), Close> {
    if hello.len() > MAX_MESSAGE_BYTES {
        return Err(Close::TooBig);
    }
    let Ok(ClientMessage::Hello { token, session }) = serde_json::from_str::<ClientMessage>(hello) else {
        return Err(Close::BadMessage);
    };
    if !valid_session(&session) {
        return Err(Close::BadMessage);
    }
    let claims = credential::verify(&app.keyring, &token).map_err(|e| {
        tracing::info!(reason = %e, "signalling refused a credential");
        match e {
            CredentialError::Expired | CredentialError::Invalid => Close::Unauthorized,
        }
    })?;
    if claims.room != room_name {
        tracing::warn!(room_name, "signalling credential for another room");
        return Err(Close::WrongRoom);
    }
    let lookup = async {
        let Some((cc, scope)) = app.store.unscoped().contact_center(claims.contact_center_id).await? else {
            return Ok::<_, crate::AppError>(None);
        };
        let e = match app.store.escalation(scope, claims.escalation_id).await {
            Ok(e) => e,
            Err(escalate_store::StoreError::NotFound) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        Ok(Some((Center::new(scope, cc), e)))
    };
    let (center, mut e) = match lookup.await {
        Ok(Some(found)) => found,
        Ok(None) => return Err(Close::Unauthorized),
        Err(err) => {
            tracing::error!(error = %err, "signalling could not read the escalation");
            return Err(Close::Internal);
        }
    };
    crate::telemetry::record_tenant(e.tenant_id, Some(e.contact_center_id));
    if e.room_name != claims.room || e.video_provider != VideoProvider::Builtin {
        return Err(Close::Unauthorized);
    }
    match e.status {
        Status::Open => {}
        Status::Completed | Status::Expired => return Err(Close::Ended),
        Status::Creating | Status::Failed => return Err(Close::Unauthorized),
    }
    if e.room_sid.is_none() {
        // The room ended while empty: this join starts it again.
        if let Err(err) = super::super::ensure_room(app, &center, &e).await {
            tracing::error!(error = %err, "could not start the built-in room again");
            return Err(Close::Internal);
        }
        e = app.store.escalation(center.scope, e.id).await.map_err(|_| Close::Internal)?;
    }
    let Some(room_sid) = e.room_sid.clone() else { return Err(Close::Internal) };
    let target = RoomTarget {
        scope: center.scope,
        contact_center_id: e.contact_center_id,
        escalation_id: e.id,
        room_name: e.room_name,
        room_sid,
    };

    let hub = &app.video_hub;
    let (mut entry, rx) = hub.register();
    entry.session = session;
    let identity = claims.sub;
    let joined = hub.presence.join(&target.room_name, &identity, &entry).await;
    let (previous, evicted, handed_over) = match joined {
        Ok(Joined::In { previous, evicted, handed_over }) => (previous, evicted, handed_over),
        Ok(Joined::Full) => {
            hub.unregister(entry.conn);
            tracing::info!(room_name = %target.room_name, "signalling refused a participant: the room is full");
            return Err(Close::RoomFull);
        }
        Err(err) => {
            hub.unregister(entry.conn);
            tracing::error!(error = %err, "signalling presence is unavailable");
            return Err(Close::Internal);
        }
    };
    let s = Session {
        app: app.clone(),
        target,
        identity,
        entry,
        participant_sid: format!("PA{}", Uuid::new_v4().simple()),
        budget: Budget::default(),
        gone: false,
    };
    for gone in &evicted {
        // Away past saving: a newcomer took the place.
        s.broadcast(ServerMessage::PeerLeft { identity: gone, reason: LeaveReason::Timeout }).await;
        let (app, target, identity) = (app.clone(), s.target.clone(), gone.clone());
        tokio::spawn(async move {
            record_event(&app, &target, RoomEventKind::ParticipantDisconnected, Some((&identity, ""))).await
        });
    }
    for (gone, their) in &handed_over {
        // The same link on another device took over: the earlier one steps
        // aside (its page shows that the call continued elsewhere and does
        // not fight for the place), and it is recorded as leaving once here,
        // since a replaced connection records nothing when it closes.
        hub.deliver(their, Outbound::Close(Close::Replaced)).await;
        s.broadcast(ServerMessage::PeerLeft { identity: gone, reason: LeaveReason::Left }).await;
        let (app, target, identity) = (app.clone(), s.target.clone(), gone.clone());
        tokio::spawn(async move {
            record_event(&app, &target, RoomEventKind::ParticipantDisconnected, Some((&identity, ""))).await
        });
    }
    let reconnected = previous.as_ref().is_some_and(|p| p.session == s.entry.session);
    if let Some(prev) = previous.filter(|p| p.conn != s.entry.conn || p.replica != s.entry.replica) {
        // The same identity's earlier connection, if still open, is superseded.
        hub.deliver(&prev, Outbound::Close(Close::Replaced)).await;
        if !reconnected {
            // A new page session (a reload): the peers drop the old media connection.
            s.broadcast(ServerMessage::PeerLeft { identity: &s.identity, reason: LeaveReason::Left }).await;
            s.record(RoomEventKind::ParticipantDisconnected);
        }
    }
    if reconnected {
        s.broadcast(ServerMessage::PeerReconnected { identity: &s.identity }).await;
        s.record(RoomEventKind::ParticipantReconnected);
    } else {
        s.broadcast(ServerMessage::PeerJoined { peer: peer(&s.identity) }).await;
        s.record(RoomEventKind::ParticipantConnected);
    }
    let peers = match hub.presence.members(&s.target.room_name).await {
        Ok(m) => m.into_iter().filter(|(i, _)| *i != s.identity).map(|(i, _)| peer(&i)).collect(),
        Err(_) => Vec::new(),
    };
    let welcome =
        ServerMessage::Welcome { identity: &s.identity, room_name: &s.target.room_name, peers, reconnected }.to_text();
    tracing::info!(room_name = %s.target.room_name, role = role_name(&s.identity), reconnected, "joined a built-in room");
    Ok((s, rx, welcome))
}

impl Session {
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// One message from the browser. `Err` closes the connection with that code.
    pub async fn handle(&mut self, text: &str) -> Result<(), Close> {
        if text.len() > MAX_MESSAGE_BYTES {
            tracing::warn!(room_name = %self.target.room_name, bytes = text.len(), "signalling message too big");
            return Err(Close::TooBig);
        }
        if !self.budget.take() {
            tracing::warn!(room_name = %self.target.room_name, "signalling flood");
            return Err(Close::Flood);
        }
        let msg = serde_json::from_str::<ClientMessage>(text).map_err(|_| Close::BadMessage)?;
        match msg {
            ClientMessage::Hello { .. } => return Err(Close::BadMessage),
            ClientMessage::Signal { to, data } => {
                if to == self.identity {
                    return Err(Close::BadMessage);
                }
                // Only to someone in this room: a name from elsewhere reaches no one.
                if let Ok(Some(peer)) = self.app.video_hub.presence.member(&self.target.room_name, &to).await {
                    let out = ServerMessage::Signal { from: &self.identity, data: &data }.to_text();
                    self.app.video_hub.deliver(&peer, Outbound::Text(out)).await;
                }
            }
            ClientMessage::State { audio, video } => {
                self.broadcast(ServerMessage::State { from: &self.identity, audio, video }).await;
            }
            ClientMessage::Quality { sample } => self.report_quality(sample),
            ClientMessage::Ask { to, what } => {
                // Staff ask a customer; a customer asks no one, and a name
                // from elsewhere reaches no one.
                let staff = role_of(&self.identity) != Role::Customer;
                if staff
                    && role_of(&to) == Role::Customer
                    && let Ok(Some(peer)) = self.app.video_hub.presence.member(&self.target.room_name, &to).await
                {
                    let out = ServerMessage::Asked { from: &self.identity, what }.to_text();
                    self.app.video_hub.deliver(&peer, Outbound::Text(out)).await;
                }
            }
            ClientMessage::Tell { what } => {
                // Staff tell the customers; a customer tells no one.
                if role_of(&self.identity) != Role::Customer {
                    let out = ServerMessage::Told { from: &self.identity, what }.to_text();
                    let members = self.app.video_hub.presence.members(&self.target.room_name).await.unwrap_or_default();
                    for (identity, peer) in members {
                        if role_of(&identity) == Role::Customer {
                            self.app.video_hub.deliver(&peer, Outbound::Text(out.clone())).await;
                        }
                    }
                }
            }
            ClientMessage::Ping => {
                self.app.video_hub.deliver(&self.entry, Outbound::Text(ServerMessage::Pong.to_text())).await;
            }
            ClientMessage::Bye => {
                self.leave(LeaveReason::Left).await;
                return Err(Close::Bye);
            }
        }
        Ok(())
    }

    /// Keeps a quality sample of this participant's side of the call, off
    /// the message loop: a slow database never delays signalling.
    fn report_quality(&self, sample: serde_json::Value) {
        let Some(side) = call_quality::side_of(&self.identity) else { return };
        let Ok(sample) = serde_json::from_value::<Sample>(sample) else {
            tracing::debug!("dropped a quality sample that is not one");
            return;
        };
        let app = self.app.clone();
        let target = self.target.clone();
        tokio::spawn(async move {
            let e = match app.store.escalation(target.scope, target.escalation_id).await {
                Ok(e) => e,
                Err(err) => return tracing::debug!(error = %err, "no escalation for a quality sample"),
            };
            if let Err(err) = call_quality::record(&app, target.scope, &e, side, sample).await {
                tracing::debug!(error = %err, "dropped a quality sample");
            }
        });
    }

    /// The connection ended without `bye`, or the service closed it: the
    /// participant keeps its place for [`RECONNECT_GRACE`], unless `why`
    /// says it has none to keep.
    pub async fn closed(mut self, why: Option<Close>) {
        self.app.video_hub.unregister(self.entry.conn);
        match why {
            // Someone else holds the place now, or the call is over.
            Some(Close::Replaced | Close::Ended | Close::Bye) => {}
            // Refused messages: it leaves now.
            Some(Close::BadMessage | Close::TooBig | Close::Flood) => self.leave(LeaveReason::Left).await,
            _ if self.gone => {}
            _ => {
                let hub = &self.app.video_hub;
                if let Err(err) = hub.presence.mark_away(&self.target.room_name, &self.identity, &self.entry).await {
                    tracing::warn!(error = %err, "could not mark a dropped participant away");
                }
                tokio::spawn(async move {
                    tokio::time::sleep(RECONNECT_GRACE).await;
                    self.leave(LeaveReason::Timeout).await;
                });
            }
        }
    }

    async fn leave(&mut self, reason: LeaveReason) {
        if std::mem::replace(&mut self.gone, true) {
            return;
        }
        let hub = &self.app.video_hub;
        match hub.presence.leave_if(&self.target.room_name, &self.identity, &self.entry).await {
            Ok(Some(remaining)) => {
                self.broadcast(ServerMessage::PeerLeft { identity: &self.identity, reason }).await;
                self.record(RoomEventKind::ParticipantDisconnected);
                if remaining == 0 {
                    schedule_empty_room_end(&self.app, self.target.clone());
                }
            }
            // Another connection of the same identity holds the place.
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "could not record a participant leaving"),
        }
    }

    async fn broadcast(&self, msg: ServerMessage<'_>) {
        let text = msg.to_text();
        let hub = &self.app.video_hub;
        let Ok(members) = hub.presence.members(&self.target.room_name).await else { return };
        for (identity, entry) in members {
            if identity != self.identity {
                hub.deliver(&entry, Outbound::Text(text.clone())).await;
            }
        }
    }

    /// Records a presence event for this participant (off the signalling path).
    /// Records a join or leave of this participant. One credential can
    /// reconnect without end (a reload, a flaky network, a script): only the
    /// first [`EVENTS_PER_PARTICIPANT`] of its joins and leaves in a room are
    /// written, so its first join (what the metrics read) is always there
    /// and the escalation's timeline stays bounded. The count is shared by
    /// every replica.
    fn record(&self, event: RoomEventKind) {
        let app = self.app.clone();
        let target = self.target.clone();
        let identity = self.identity.clone();
        let participant_sid = self.participant_sid.clone();
        tokio::spawn(async move {
            let key = format!("room-events:{}:{identity}", target.room_name);
            if let crate::rate_limit::Decision::Limited { .. } = app.limiter.hit(&key, EVENTS_PER_PARTICIPANT).await {
                app.metrics.rate_limited("room_events");
                return;
            }
            record_event(&app, &target, event, Some((&identity, &participant_sid))).await;
        });
    }
}

/// Event sequence numbers: microseconds, unique within this process.
fn next_sequence() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = Utc::now().timestamp_micros();
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// Reports one room event on the room-event path ([`crate::room_events`]).
pub(crate) async fn record_event(
    app: &App,
    target: &RoomTarget,
    kind: RoomEventKind,
    participant: Option<(&str, &str)>,
) -> Option<EventOutcome> {
    let identity = participant.map(|(i, _)| i.to_owned());
    let raw =
        serde_json::json!({ "room_sid": target.room_sid, "event": kind.as_str(), "participant_identity": identity });
    let reported = Reported {
        room_sid: target.room_sid.clone(),
        sequence_number: next_sequence(),
        participant_sid: participant.map(|(_, sid)| sid).filter(|sid| !sid.is_empty()).map(str::to_owned),
        event: RoomEvent {
            provider: VideoProvider::Builtin,
            kind,
            at: Utc::now(),
            participant_identity: identity,
            room_duration_seconds: None,
        },
        raw,
    };
    let room = room_events::RoomTarget {
        scope: target.scope,
        contact_center_id: target.contact_center_id,
        room_name: target.room_name.clone(),
    };
    match room_events::record(app, room, reported).await {
        Ok(outcome) => Some(outcome),
        Err(err) => {
            tracing::error!(error = %err, "could not record a built-in room event");
            None
        }
    }
}

/// A room nobody is in ends after the contact center's empty-room timeout,
/// as a Twilio room does; the next join starts it again. The timer lives
/// on the replica of the last one out (a restart loses it; the room then
/// ends with the escalation).
fn schedule_empty_room_end(app: &App, target: RoomTarget) {
    let weak = app.downgrade();
    tokio::spawn(async move {
        let minutes = {
            let Some(app) = App::upgrade(&weak) else { return };
            match app.store.unscoped().contact_center(target.contact_center_id).await {
                Ok(Some((cc, _))) => cc.empty_room_timeout_minutes,
                _ => return,
            }
        };
        tokio::time::sleep(Duration::from_secs(60 * minutes.max(1) as u64)).await;
        let Some(app) = App::upgrade(&weak) else { return };
        // An escalation completed meanwhile ended its room then: its end is
        // written once, not again when this timer wakes.
        match app.store.escalation(target.scope, target.escalation_id).await {
            Ok(e) if e.status == Status::Open => {}
            _ => return,
        }
        if app.video_hub.presence.members(&target.room_name).await.is_ok_and(|m| m.is_empty()) {
            record_event(&app, &target, RoomEventKind::RoomEnded, None).await;
        }
    });
}
