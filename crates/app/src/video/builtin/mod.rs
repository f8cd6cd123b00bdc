//! The built-in WebRTC provider: one-to-one calls (a supervisor may be a
//! third) with media peer to peer between the browsers, through a TURN
//! server when one is configured, and signalling through this service.
//!
//! A room is the escalation's room name; each time it starts (the
//! escalation opens, or someone joins after it ended empty) it gets a new
//! `RT…` id, as a Twilio room would, so the events of one run of the room
//! are told apart from the next. Credentials are signed by this service
//! ([`credential`]); ICE servers come from configuration ([`ice`]); the
//! WebSocket transport is the HTTP layer's, everything else is here
//! ([`session`], [`hub`], [`presence`], [`protocol`]).

pub mod credential;
pub mod hub;
pub mod ice;
pub mod presence;
pub mod protocol;
pub mod session;
pub mod typescript;

use chrono::Utc;
use escalate_domain::escalation::RoomEventKind;
use escalate_store::EscalationRecord;
use uuid::Uuid;

use self::hub::Outbound;
use self::protocol::{Close, ServerMessage};
use self::session::{RoomTarget, record_event};
use super::{BuiltinGrant, CenterRef, Grant, NetworkAhead, Provider, ProviderGrant};
use crate::App;
use crate::center::Center;
use crate::error::{AppError, AppResult};

pub struct Builtin;

#[async_trait::async_trait]
impl Provider for Builtin {
    async fn open_room(&self, app: &App, center: &Center, e: &EscalationRecord) -> AppResult<String> {
        let room_sid = format!("RT{}", Uuid::new_v4().simple());
        let target = RoomTarget {
            scope: center.scope,
            contact_center_id: center.id(),
            escalation_id: e.id,
            room_name: e.room_name.clone(),
            room_sid: room_sid.clone(),
        };
        record_event(app, &target, RoomEventKind::RoomCreated, None).await;
        Ok(room_sid)
    }

    async fn find_room(&self, _app: &App, _center: &Center, _e: &EscalationRecord) -> AppResult<Option<String>> {
        // A room id is only ever kept on the escalation: without one there
        // is no room yet, and the first join starts it.
        Ok(None)
    }

    async fn end_room(&self, app: &App, center: &Center, e: &EscalationRecord, room_sid: &str) -> AppResult<()> {
        let hub = &app.video_hub;
        let members = hub
            .presence
            .clear(&e.room_name)
            .await
            .map_err(|err| AppError::internal(format!("could not read who is in the built-in room: {err}")))?;
        let target = RoomTarget {
            scope: center.scope,
            contact_center_id: center.id(),
            escalation_id: e.id,
            room_name: e.room_name.clone(),
            room_sid: room_sid.to_owned(),
        };
        let ended = ServerMessage::Ended.to_text();
        for (identity, entry) in &members {
            hub.deliver(entry, Outbound::Text(ended.clone())).await;
            hub.deliver(entry, Outbound::Close(Close::Ended)).await;
            record_event(app, &target, RoomEventKind::ParticipantDisconnected, Some((identity, ""))).await;
        }
        record_event(app, &target, RoomEventKind::RoomEnded, None).await;
        Ok(())
    }

    async fn grant(
        &self,
        app: &App,
        _center: CenterRef<'_>,
        e: &EscalationRecord,
        identity: &str,
        ttl_seconds: i64,
    ) -> AppResult<Grant> {
        let now = Utc::now();
        let minted = credential::mint(&app.keyring, e.into(), identity, ttl_seconds, now)
            .map_err(|err| AppError::internal(format!("could not sign a room credential: {err}")))?;
        let cfg = &app.config.webrtc;
        Ok(Grant {
            token: minted.token,
            identity: identity.to_owned(),
            room_name: e.room_name.clone(),
            expires_at: minted.expires_at,
            // Peer-to-peer media never passes through us: nothing records it.
            recording: false,
            detail: ProviderGrant::Builtin(BuiltinGrant {
                signaling_url: app.urls().signaling(&e.room_name),
                ice_servers: ice::servers(cfg, now),
                ice_transport_policy: cfg.ice_policy,
            }),
        })
    }

    fn network_ahead(&self, app: &App) -> Option<NetworkAhead> {
        let cfg = &app.config.webrtc;
        let now = Utc::now();
        Some(NetworkAhead {
            ice_servers: ice::servers(cfg, now),
            ice_transport_policy: cfg.ice_policy,
            expires_at: now + chrono::TimeDelta::seconds(cfg.turn_ttl.as_secs() as i64),
        })
    }
}
