//! Creating, completing and joining escalations.
//!
//! Creation is idempotent per `Idempotency-Key`: the escalation row is
//! inserted first (status `creating`) under a unique index, so of two racing
//! requests exactly one goes on to open the room and the other waits for its
//! result. The room is opened through the escalation's video provider
//! ([`crate::video`]) under the escalation's room name, so a retried create
//! finds the same room. If the chat message cannot be sent after the room
//! exists, the room is ended: no orphan rooms.
//!
//! A *test call* (from the dashboard) is an escalation with no chat: no
//! message is posted, and the metrics leave it out unless asked.

use std::time::Duration;

use chrono::Utc;
use escalate_domain::contact_center::VideoProvider;
use escalate_domain::escalation::{self, Status};
use escalate_domain::room_code::RoomCode;
use escalate_domain::validation::{Validator, is_twilio_sid};
use escalate_store::repos::NewEscalation;
use escalate_store::{EscalationRecord, StoreError};
use escalate_twilio::{AccountClient, CreateMessage, Message, TwilioError};
use uuid::Uuid;

use super::contact_centers::Center;
use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::events::Event;
use crate::message_template::{self, OwnedVars};
use crate::video::twilio::failure as twilio_failure;
use crate::video::{self, Grant};

pub struct CreateInput {
    pub task_sid: String,
    pub conversation_sid: String,
    pub agent_name: Option<String>,
    /// The Flex identity (without the `agent:` prefix).
    pub agent: String,
    pub idempotency_key: Option<String>,
}

pub struct Created {
    pub escalation: EscalationRecord,
    pub agent_token: Grant,
    /// True when an earlier request with the same key made it.
    pub replayed: bool,
}

/// How long a replay waits for the request that is creating the escalation;
/// then it answers 409 `escalation_in_progress` and the client retries.
const MAX_WAIT_FOR_PEER: Duration = Duration::from_secs(5);
/// A row still `creating` after this was left by a replica that died mid-way
/// (creation itself is bounded by the Twilio client's timeouts and retries).
pub(crate) const STALE_CREATING: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

pub fn validate(input: &CreateInput) -> AppResult<()> {
    let mut v = Validator::new();
    v.check(
        !input.task_sid.is_empty()
            && input.task_sid.len() <= 64
            && input.task_sid.chars().all(|c| c.is_ascii_alphanumeric()),
        "task_sid",
        "must be a Twilio task SID (WT…)",
    )
    .check(is_twilio_sid(&input.conversation_sid, "CH"), "conversation_sid", "must be CH followed by 32 hex digits")
    .check(
        input.agent_name.as_deref().is_none_or(|n| !n.trim().is_empty() && n.chars().count() <= 100),
        "agent_name",
        "must be 1-100 characters",
    )
    .check(!input.agent.is_empty() && input.agent.len() <= 150, "agent_identity", "must be 1-150 characters")
    .check(
        input
            .idempotency_key
            .as_deref()
            .is_none_or(|k| !k.is_empty() && k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic())),
        "Idempotency-Key",
        "must be 1-200 visible ASCII characters",
    );
    Ok(v.finish()?)
}

pub async fn create(app: &App, center: &Center, input: CreateInput) -> AppResult<Created> {
    validate(&input)?;
    let (scope, cc) = (center.scope, &center.record);
    // The join link is posted with these, whichever provider carries the call.
    center.credentials(app).await?;
    let now = Utc::now();
    let agent_identity = escalation::agent_identity(&input.agent);

    let id = Uuid::now_v7();
    let code = RoomCode::generate();
    let expires_at = now + chrono::Duration::seconds(cc.code_ttl_seconds);
    let new = NewEscalation {
        id,
        contact_center_id: cc.id,
        idempotency_key: input.idempotency_key.clone(),
        task_sid: input.task_sid.clone(),
        conversation_sid: input.conversation_sid.clone(),
        agent_identity: agent_identity.clone(),
        agent_name: input.agent_name.clone(),
        room_name: escalation::new_room_name(),
        code: code.to_string(),
        expires_at,
        video_provider: cc.video_provider,
        test_call: false,
        // Only Twilio rooms record; the setting is checked to say so when saved.
        recorded: cc.record_calls && cc.video_provider == escalate_domain::contact_center::VideoProvider::Twilio,
    };
    let record = match app.store.insert_escalation(scope, new, now).await {
        Ok(record) => record,
        Err(StoreError::Conflict(_)) if input.idempotency_key.is_some() => {
            return replay(app, center, &input).await;
        }
        Err(e) => return Err(e.into()),
    };
    let escalation = make_room_and_message(app, center, record).await?;
    let agent_token = grant(app, center, &escalation, &agent_identity).await?;
    Ok(Created { escalation, agent_token, replayed: false })
}

/// Starts a test call from the dashboard: an escalation with `agent` as its
/// agent and no chat behind it. Its customer link is shown to the admin
/// instead of posted, and the metrics leave it out unless asked.
/// Why a call with `provider` cannot carry video from this service, in
/// words that say whose matter it is; `None` when it can.
pub fn video_unavailable_here(app: &App, provider: VideoProvider) -> Option<&'static str> {
    (provider == VideoProvider::Twilio && !app.config.twilio_video_media).then_some(
        "This service runs with the Twilio simulator, which answers Twilio's API but has no media server: \
         a Twilio Video call cannot carry video here. This is the service's setup, not your network: \
         switch the contact center to the built-in video provider to try a real call on this machine, \
         or run the service with real Twilio credentials.",
    )
}

pub async fn start_test_call(app: &App, center: &Center, agent: &str, agent_name: &str) -> AppResult<Created> {
    let (scope, cc) = (center.scope, &center.record);
    if let Some(why) = video_unavailable_here(app, cc.video_provider) {
        return Err(AppError::conflict(ErrorCode::VideoUnavailableHere, why));
    }
    let now = Utc::now();
    let agent_identity = escalation::agent_identity(agent);
    let new = NewEscalation {
        id: Uuid::now_v7(),
        contact_center_id: cc.id,
        idempotency_key: None,
        task_sid: String::new(),
        conversation_sid: String::new(),
        agent_identity: agent_identity.clone(),
        agent_name: Some(agent_name.to_owned()),
        room_name: escalation::new_room_name(),
        code: RoomCode::generate().to_string(),
        expires_at: now + chrono::Duration::seconds(cc.code_ttl_seconds),
        video_provider: cc.video_provider,
        test_call: true,
        // A test call tries the setup; nobody consents to recording it.
        recorded: false,
    };
    let record = app.store.insert_escalation(scope, new, now).await?;
    let escalation = make_room_and_message(app, center, record).await?;
    let agent_token = grant(app, center, &escalation, &agent_identity).await?;
    Ok(Created { escalation, agent_token, replayed: false })
}

/// A credential for `identity` in the escalation's room, from its provider.
async fn grant(app: &App, center: &Center, e: &EscalationRecord, identity: &str) -> AppResult<Grant> {
    video::provider(e.video_provider)
        .grant(app, video::CenterRef::Open(center), e, identity, center.record.token_ttl_seconds)
        .await
}

/// A second request with a key already used: the same escalation, once it
/// is made; a failed one is retried by whoever reclaims it first.
async fn replay(app: &App, center: &Center, input: &CreateInput) -> AppResult<Created> {
    let (scope, cc) = (center.scope, &center.record);
    let key = input.idempotency_key.as_deref().unwrap_or_default();
    let deadline = tokio::time::Instant::now() + MAX_WAIT_FOR_PEER;
    loop {
        let existing = app
            .store
            .escalation_by_idempotency_key(scope, cc.id, key)
            .await?
            .ok_or_else(|| AppError::internal("idempotency key conflict without a row"))?;
        // The same key from another agent is not a retry: it would hand them a token for this room.
        if existing.task_sid != input.task_sid
            || existing.conversation_sid != input.conversation_sid
            || existing.agent_identity != escalation::agent_identity(&input.agent)
        {
            return Err(AppError::conflict(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used for a different task, conversation or agent",
            ));
        }
        match existing.status {
            Status::Open | Status::Completed | Status::Expired => {
                let agent_token = grant(app, center, &existing, &escalation::agent_identity(&input.agent)).await?;
                return Ok(Created { escalation: existing, agent_token, replayed: true });
            }
            Status::Creating if Utc::now() - existing.updated_at > STALE_CREATING => {
                // Left by a replica that stopped: finish it where its room and
                // message exist (the customer keeps the first link), else fail it.
                if app.store.claim_stale(scope, existing.id, existing.updated_at, Utc::now()).await? {
                    finish_abandoned(app, center, existing).await?;
                }
                continue;
            }
            Status::Failed => {
                let now = Utc::now();
                let code = RoomCode::generate();
                let expires_at = now + chrono::Duration::seconds(cc.code_ttl_seconds);
                if app.store.reclaim_failed_escalation(scope, existing.id, code.as_str(), expires_at, now).await? {
                    let record = app.store.escalation(scope, existing.id).await?;
                    let escalation = make_room_and_message(app, center, record).await?;
                    let agent_token =
                        grant(app, center, &escalation, &escalation::agent_identity(&input.agent)).await?;
                    return Ok(Created { escalation, agent_token, replayed: false });
                }
            }
            Status::Creating => {}
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(AppError::conflict(
                ErrorCode::EscalationInProgress,
                "an escalation with this Idempotency-Key is still being created; retry shortly",
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Makes the room and posts the customer's link *at the same time* (the
/// link and code are ours, so neither waits for the other: an escalation
/// costs the agent one round trip to the slower of the two).
///
/// - Both made: the escalation opens.
/// - The link posted, the room not: it opens anyway; the room is made when
///   the first participant asks for a token (the customer has the link).
/// - The room made, the link not: the room is ended (no orphan) and the
///   escalation fails; a retry with the same key makes both again.
///
/// A test call has no chat: only its room is made.
async fn make_room_and_message(app: &App, center: &Center, record: EscalationRecord) -> AppResult<EscalationRecord> {
    let scope = center.scope;
    let provider = video::provider(record.video_provider);
    if record.test_call {
        return match provider.open_room(app, center, &record).await {
            Ok(room_sid) => Ok(app.store.open_escalation(scope, record, Some(&room_sid), None, Utc::now()).await?),
            Err(err) => {
                let reason = format!("making the room failed: {err}");
                app.store.fail_escalation(scope, record.id, None, &reason, Utc::now()).await?;
                Err(err)
            }
        };
    }
    let client = app.twilio.account(center.credentials(app).await?.clone());
    let message = join_message(app, center, &record).await?;
    let (room, posted) =
        tokio::join!(provider.open_room(app, center, &record), post_message(&client, center, &record, &message));
    match (room, posted) {
        (room, Ok(msg)) => {
            let room_sid = match &room {
                Ok(sid) => Some(sid.as_str()),
                Err(err) => {
                    tracing::warn!(escalation_id = %record.id, error = %err, "the link is posted but the room is not made; it is made when someone joins");
                    None
                }
            };
            let opened = app.store.open_escalation(scope, record, room_sid, Some(&msg.sid), Utc::now()).await?;
            app.metrics.escalation_created();
            Ok(opened)
        }
        (Ok(room_sid), Err(err)) => {
            // The customer never got a link: end the room rather than leave it open.
            let cleanup = provider.end_room(app, center, &record, &room_sid).await;
            let reason = match &cleanup {
                Ok(()) => format!("sending the chat message failed: {err}; room ended"),
                Err(e2) => format!("sending the chat message failed: {err}; ending room {room_sid} also failed: {e2}"),
            };
            if cleanup.is_err() {
                tracing::error!(room_sid = %room_sid, "room left open after a failed message; recorded on the escalation");
            }
            app.store.fail_escalation(scope, record.id, Some(&room_sid), &reason, Utc::now()).await?;
            Err(twilio_failure(err, "could not post the join link into the conversation"))
        }
        (Err(room_err), Err(err)) => {
            let reason = format!("sending the chat message failed: {err}; creating the room failed too: {room_err}");
            app.store.fail_escalation(scope, record.id, None, &reason, Utc::now()).await?;
            Err(twilio_failure(err, "could not post the join link into the conversation"))
        }
    }
}

/// Whether a failed post may have reached Twilio anyway (its answer lost).
fn ambiguous(err: &TwilioError) -> bool {
    matches!(err, TwilioError::Timeout | TwilioError::Transport(_) | TwilioError::Decode(_))
        || matches!(err, TwilioError::Api { status, .. } if *status >= 500)
}

/// Posts the customer's link into the conversation, in the conversation's
/// Conversations service (the contact center's setting, or found when the
/// default path does not know the conversation). When the answer is lost,
/// looks for the message before calling the post failed: a retry must not
/// send the customer a second link.
async fn post_message(
    client: &AccountClient,
    center: &Center,
    record: &EscalationRecord,
    message: &CreateMessage,
) -> Result<Message, TwilioError> {
    let mut service = center.record.conversations_service_sid.clone();
    let mut posted = client.create_message(service.as_deref(), &record.conversation_sid, message).await;
    if service.is_none() && matches!(posted, Err(TwilioError::Api { status: 404, .. })) {
        // Not in the default service: look for the service that has it.
        if let Some(found) = client.find_conversation_service(&record.conversation_sid).await? {
            tracing::info!(conversations_service_sid = %found, "the conversation is in a non-default Conversations service");
            posted = client.create_message(Some(&found), &record.conversation_sid, message).await;
            service = Some(found);
        }
    }
    match posted {
        Err(err) if ambiguous(&err) => match posted_message(client, service.as_deref(), record).await {
            Ok(Some(found)) => {
                tracing::info!(escalation_id = %record.id, "the post's answer was lost, but the message is there");
                Ok(found)
            }
            _ => Err(err),
        },
        other => other,
    }
}

/// The chat message with the customer's link, rendered from the contact
/// center's template; a template that does not render fails the escalation.
async fn join_message(app: &App, center: &Center, record: &EscalationRecord) -> AppResult<CreateMessage> {
    let join_url = app.urls().join(&record.code);
    let agent = record.agent_identity.strip_prefix(escalation::AGENT_PREFIX).unwrap_or(&record.agent_identity);
    let vars = OwnedVars {
        join_url: join_url.clone(),
        agent_name: record.agent_name.clone().unwrap_or_else(|| agent.to_owned()),
        expires_at: record.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        code: record.code.clone(),
    };
    let template = escalate_domain::contact_center::localised(
        escalate_domain::contact_center::WordingField::MessageTemplate,
        &center.record.message_template,
        &center.record.locale,
    );
    let body = match message_template::render_off_worker(template.to_owned(), vars).await {
        Ok(body) => body,
        Err(e) => {
            // Checked on save, so only a template saved under older rules gets here.
            let reason = format!("the message template does not render: {e}");
            app.store.fail_escalation(center.scope, record.id, None, &reason, Utc::now()).await?;
            return Err(AppError::conflict(
                ErrorCode::MessageTemplateInvalid,
                format!("{reason}; correct it in the contact center's settings"),
            ));
        }
    };
    Ok(CreateMessage {
        author: Some(agent.to_owned()),
        body,
        // What the Flex template's own feature puts there, so Flex-side
        // renderers that look for a video message find ours too.
        attributes: Some(serde_json::json!({ "hasVideo": true, "videoUrl": join_url, "uniqueCode": record.code })),
    })
}

/// The join message already posted for this escalation, if any: its
/// attributes carry the code. For when a post's answer was lost.
pub(crate) async fn posted_message(
    client: &AccountClient,
    service: Option<&str>,
    record: &EscalationRecord,
) -> Result<Option<Message>, TwilioError> {
    let recent = client.recent_messages(service, &record.conversation_sid, 50).await?;
    Ok(recent
        .into_iter()
        .find(|m| m.attributes.get("uniqueCode").and_then(|c| c.as_str()) == Some(record.code.as_str())))
}

/// Finishes, or fails, an escalation a replica left mid-creation: where the
/// customer's message was posted it opens (the customer's first link works;
/// a missing room is made when someone joins); where only the room exists
/// the message is posted now; where neither exists it fails.
pub(crate) async fn finish_abandoned(
    app: &App,
    center: &Center,
    record: EscalationRecord,
) -> AppResult<EscalationRecord> {
    let scope = center.scope;
    let room = video::provider(record.video_provider).find_room(app, center, &record).await?;
    if record.test_call {
        // No chat to look in: a test call left mid-creation is simply failed.
        let reason = "abandoned mid-creation (replica stopped)";
        return Ok(app.store.fail_escalation(scope, record.id, None, reason, Utc::now()).await?);
    }
    let client = app.twilio.account(center.credentials(app).await?.clone());
    let service = center.record.conversations_service_sid.as_deref();
    let found = posted_message(&client, service, &record)
        .await
        .map_err(|e| twilio_failure(e, "could not look for the join message"))?;
    let message = match (found, &room) {
        (Some(m), _) => m,
        (None, Some(_)) => {
            let message = join_message(app, center, &record).await?;
            post_message(&client, center, &record, &message)
                .await
                .map_err(|e| twilio_failure(e, "could not post the join link into the conversation"))?
        }
        (None, None) => {
            tracing::warn!(escalation_id = %record.id, "abandoned mid-creation before its room or link was made; failed");
            let reason = "abandoned mid-creation (replica stopped)";
            return Ok(app.store.fail_escalation(scope, record.id, None, reason, Utc::now()).await?);
        }
    };
    tracing::info!(escalation_id = %record.id, "finished an escalation abandoned mid-creation");
    let opened = app.store.open_escalation(scope, record, room.as_deref(), Some(&message.sid), Utc::now()).await?;
    app.metrics.escalation_created();
    Ok(opened)
}

/// Ends the room (if it is still open) and the escalation; the customer's
/// code stops working at once, on every replica.
pub async fn complete(app: &App, center: &Center, e: EscalationRecord) -> AppResult<EscalationRecord> {
    if matches!(e.status, Status::Completed | Status::Expired) {
        return Ok(e);
    }
    if let Some(room_sid) = &e.room_sid {
        video::provider(e.video_provider).end_room(app, center, &e, room_sid).await?;
    }
    let done = app.store.complete_escalation(center.scope, e.id, Utc::now()).await?;
    app.publish(Event::CodeChanged { code: done.code.clone() }).await;
    // `escalation.ended` is in the outbox: send it now rather than at the next poll.
    app.webhooks_wake();
    Ok(done)
}

/// A fresh credential for `identity` in the escalation's room; only while it is open.
pub async fn agent_token(app: &App, center: &Center, e: &EscalationRecord, identity: &str) -> AppResult<Grant> {
    if e.status != Status::Open {
        return Err(AppError::conflict(ErrorCode::EscalationNotOpen, format!("the escalation is {}", e.status)));
    }
    video::ensure_room(app, center, e).await?;
    grant(app, center, e, identity).await
}
