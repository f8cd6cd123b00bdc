//! A Twilio-shaped HTTP server for tests, local development and the
//! service's embedded default mode.
//!
//! It serves, at one base URL, the Twilio endpoints the service calls, with
//! Twilio's paths, auth, status codes and JSON shapes:
//!
//! | Twilio API | path |
//! |---|---|
//! | Video | `POST /v1/Rooms` (with `RecordParticipantsOnConnect`), `GET /v1/Rooms/{Sid or UniqueName}`, `POST /v1/Rooms/{Sid or UniqueName}` (`Status=completed`) |
//! | Video recordings | `GET /v1/Recordings` (`GroupingSid`, `Status`, `SourceSid`, `MediaType`), `GET`/`DELETE /v1/Recordings/{RT…}`, `GET /v1/Recordings/{RT…}/Media?Ttl=`, `GET /v1/Rooms/{RM…}/Recordings`, `GET /v1/Rooms/{RM…}/Recordings/{RT…}` |
//! | Video compositions | `POST /v1/Compositions` (`RoomSid`, `AudioSources`, `VideoLayout`, `Format`, `Resolution`, `Trim`, `StatusCallback`), `GET /v1/Compositions` (`RoomSid`, `Status`), `GET`/`DELETE /v1/Compositions/{CJ…}`, `GET /v1/Compositions/{CJ…}/Media?Ttl=` |
//! | Conversations | `POST /v1/Conversations/{CH…}/Messages` |
//! | IAM | `POST /v1/Accounts/{AC…}/Tokens/validate` (JSON `{"token"}`) |
//! | REST 2010 | `GET /2010-04-01/Accounts/{AC…}.json` |
//! | Flex Plugins | `GET`/`POST /v1/PluginService/Plugins`, `…/Plugins/{FP or UniqueName}`, `…/Versions`, `/v1/PluginService/Configurations` (`Plugins` = JSON `{"plugin_version"}` each), `…/Configurations/{FJ}/Plugins`, `/v1/PluginService/Releases`, `…/Releases/Active` |
//! | Flex Configuration | `GET /v1/Configuration`, `POST /v1/Configuration` (JSON `{"account_sid","ui_attributes"}`; replaces `ui_attributes` whole) |
//!
//! Requests authenticate with HTTP basic auth, `AccountSid:AuthToken` or
//! `ApiKeySid:ApiKeySecret` of a configured account; otherwise 401 with
//! Twilio code 20003. Unknown resources are 404 / 20404, and rooms belong to
//! one account (another account's room is 404). Any well-formed `CH` SID is
//! an existing conversation (message indexes count per account and
//! conversation). Flex tokens are opaque strings minted by the simulator
//! ([`Simulator::mint_flex_token`]); validation answers `valid: false` with
//! code 20101 (unknown), 20103 (minted for another account) or 20104 (expired).
//!
//! Status callbacks (`room-created`, `participant-connected`,
//! `participant-disconnected`, `recording-started`, `recording-completed`,
//! `room-ended`) go to a room's `StatusCallback`
//! as Twilio sends them: form fields, `X-Twilio-Signature` over the full URL
//! with the account's auth token, `I-Twilio-Idempotency-Token`, and a
//! per-room increasing `SequenceNumber`. A background task delivers them in
//! order, so the API request that caused them never waits for the receiver.
//! Participants only exist through the control API (there is no media).
//! Not simulated: tracks and their callbacks, recording rules, composition
//! hooks and settings.
//!
//! Recordings and compositions: in a group room created with
//! `RecordParticipantsOnConnect=true`, each participant who connects is
//! recorded as one audio (`mka`, `OPUS`) and one video (`mkv`, `VP8`)
//! track: `processing` while connected, `completed` once they leave or the
//! room ends, with `recording-started` / `recording-completed` room
//! callbacks. A composition answers `enqueued`, becomes `processing` when
//! its room has ended and `completed` after [`SimConfig::composition_delay`]
//! (one second by default), calling its own `StatusCallback` with
//! `composition-enqueued`, `-started`, `-available` (or `-failed`). A room
//! without recordings cannot be composed (400); one whose recordings were
//! all deleted neither (400, 53628). A deleted recording or composition
//! keeps its metadata with `status: deleted` (Twilio keeps it too); its
//! media is gone and deleting it again is 404 / 20404. `…/Media?Ttl=`
//! answers 302 with `Location` and `{"redirect_to"}`: a signed
//! `/_sim/media/…?Expires=…&Signature=…` URL on the simulator that serves a
//! small fake file (`video/mp4`, `video/webm`, Matroska) until it expires
//! (403) or the media is deleted (404).
//!
//! # Control API (`/_sim/…`, JSON, no auth)
//!
//! | request | effect |
//! |---|---|
//! | `POST /_sim/accounts` (empty body: a fresh account) or `{"account_sid","auth_token","friendly_name"?,"api_keys"?:[["SK…","secret"]]}` | add an account; answers its SIDs, auth token and first API key |
//! | `POST /_sim/flex-tokens` `{"account_sid","identity","worker_sid"?,"roles"?,"ttl"?: secs}` | `{"token"}` for a fake agent |
//! | `GET /_sim/rooms`, `/_sim/messages`, `/_sim/requests`, `/_sim/callbacks` | inspect rooms (with participants), messages, API requests answered, callback deliveries |
//! | `POST /_sim/rooms/{room}/participants` `{"identity"}` | connect a participant |
//! | `POST /_sim/rooms/{room}/participants/{identity}/disconnect` | disconnect one |
//! | `POST /_sim/rooms/{room}/complete` | end the room |
//! | `GET /_sim/recordings`, `/_sim/compositions` (`?account_sid=`, `?room_sid=`) | inspect recordings, compositions (with their status now) |
//! | `POST /_sim/compositions/{CJ}/complete`, `…/fail` | complete (or fail) an enqueued or processing composition now, whether or not its room has ended |
//! | `GET`/`PUT /_sim/callbacks/mode` `{"repeat": n, "hold": bool}` | send each callback n times; hold new ones |
//! | `POST /_sim/callbacks/release` `{"order": "fifo"\|"reverse"\|"shuffle"}` | deliver held callbacks now, `{"released": n}` |
//! | `POST /_sim/callbacks/flush` | wait until queued callbacks are delivered |
//! | `PUT /_sim/faults/{op}` `{"latency_ms","status","retry_after_secs","drop_connection","times"}` | inject a fault; `op` is an [`ApiOp`] in snake case, e.g. `create_room`, `fetch_room`, `update_room`, `create_message`, `validate_token`, `fetch_account`, `list_room_recordings`, `delete_recording`, `create_composition`, `fetch_composition`, `fetch_composition_media`, `delete_composition` |
//! | `DELETE /_sim/faults` | clear faults |
//! | `GET /_sim/flex/{AC}` | the plugins the active release loads, `ui_attributes`, the number of releases |
//! | `PUT /_sim/flex/{AC}/ui-attributes` `{…}` | set an instance's `ui_attributes` (as an admin left them) |
//! | `POST /_sim/reset` | forget rooms, messages, recordings, compositions, tokens, logs, faults, held callbacks (accounts stay) |
//!
//! `{room}` is a room SID or unique name (any account).
//!
//! # Running it
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use twilio_sim::{SimAccount, SimConfig, Simulator};
//! let account = SimAccount::generate("Demo");
//! let sim = Simulator::new(SimConfig::default().with_account(account));
//! let running = sim.clone().spawn("127.0.0.1:0").await?; // in process
//! let endpoints = escalate_twilio::Endpoints::all(&running.base_url);
//! # let _ = endpoints; Ok(()) }
//! ```
//!
//! Standalone: bind a `tokio::net::TcpListener` and `sim.serve(listener).await`.

mod api;
mod callbacks;
mod config;
mod control;
mod error;
mod faults;
mod flex;
mod ids;
mod recordings;
mod state;
mod taskrouter;

use chrono::Utc;
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
};

pub use callbacks::{CallbackDelivery, CallbackMode, ReleaseOrder};
pub use config::{ConfigError, SimAccount, SimConfig};
pub use error::SimError;
pub use faults::{ApiOp, Fault, RequestRecord};
use poem::{Endpoint, Request, Response};
pub use recordings::{CompositionStatus, CompositionView, RecordingStatus, RecordingView, TrackKind};
pub use state::{FlexAgent, MessageView, ParticipantStatus, ParticipantView, RoomView};
pub use taskrouter::{FLEX_WORKSPACE, TaskView};

use crate::{
    callbacks::{Callbacks, Outgoing},
    faults::Faults,
    state::State,
};

/// The simulator. Cloning shares the same state.
#[derive(Clone)]
pub struct Simulator {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator").finish_non_exhaustive()
    }
}

struct Shared {
    state: Mutex<State>,
    faults: Mutex<Faults>,
    callbacks: Arc<Callbacks>,
    room_minute: std::time::Duration,
    latency: std::time::Duration,
    /// Signs the media URLs the `/Media` sub-resources redirect to.
    media_key: String,
}

/// A simulator serving on a local port (see [`Simulator::spawn`]).
pub struct RunningSimulator {
    /// `http://<addr>`, what [`escalate_twilio::Endpoints::all`] takes.
    pub base_url: String,
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningSimulator {
    /// Stop serving.
    pub fn abort(&self) {
        self.task.abort();
    }
}

impl Simulator {
    pub fn new(config: SimConfig) -> Self {
        let mut state = State::default();
        for account in config.accounts {
            state.add_account(account);
        }
        state.set_composition_delay(config.composition_delay);
        Self {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                faults: Mutex::new(Faults::default()),
                callbacks: Callbacks::new(),
                room_minute: config.room_minute,
                latency: config.latency,
                media_key: ids::sid("MK"),
            }),
        }
    }

    pub(crate) fn latency(&self) -> std::time::Duration {
        self.shared.latency
    }

    pub(crate) fn media_key(&self) -> &str {
        &self.shared.media_key
    }

    /// Ends the rooms whose `UnusedRoomTimeout` or `EmptyRoomTimeout` has
    /// passed, as Twilio does, with their `room-ended` callbacks.
    pub fn end_timed_out_rooms(&self) {
        let events = self.state().end_timed_out_rooms(Utc::now(), self.shared.room_minute);
        self.dispatch(events);
    }

    // A panic while holding a lock leaves plain data that is still usable.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, Faults> {
        self.shared.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn dispatch(&self, events: Vec<Outgoing>) {
        self.shared.callbacks.dispatch(events);
    }

    /// The simulator as a poem endpoint: the Twilio API plus `/_sim/`.
    pub fn endpoint(&self) -> impl Endpoint<Output = Response> + 'static {
        SimEndpoint(self.clone())
    }

    /// Serve on `listener` until the task is dropped or fails, ending rooms
    /// on their timeouts and completing compositions meanwhile.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener)?;
        let reaper = {
            let sim = self.clone();
            let every = (self.shared.room_minute / 10)
                .min(std::time::Duration::from_millis(100))
                .max(std::time::Duration::from_millis(10));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    sim.end_timed_out_rooms();
                    sim.advance_compositions();
                }
            })
        };
        let served = poem::Server::new_with_acceptor(acceptor).run(self.endpoint()).await;
        reaper.abort();
        served
    }

    /// Bind `addr` (e.g. `127.0.0.1:0` for a free port) and serve in a
    /// background task.
    pub async fn spawn(self, addr: &str) -> std::io::Result<RunningSimulator> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(self.serve(listener));
        Ok(RunningSimulator { base_url: format!("http://{addr}"), addr, task })
    }

    pub fn add_account(&self, account: SimAccount) {
        self.state().add_account(account);
    }

    /// Puts a conversation in a non-default Conversations service of the
    /// account (`IS…`): posting to it through the default path then fails
    /// with 404, as it does at Twilio.
    pub fn add_conversation_in_service(&self, account_sid: &str, service_sid: &str, conversation_sid: &str) {
        self.state().add_conversation(account_sid, service_sid, conversation_sid);
    }

    /// A Flex token for a fake agent of `account_sid`, valid for `agent.ttl`.
    pub fn mint_flex_token(&self, account_sid: &str, agent: FlexAgent) -> String {
        self.state().mint_flex_token(account_sid, agent).0
    }

    /// A Flex task of `account_sid` (Flex makes one per chat), in the
    /// account's Flex workspace, with these attributes and status.
    pub fn add_task(&self, account_sid: &str, attributes: &serde_json::Value, status: &str) -> TaskView {
        self.state().taskrouter.add_task(account_sid, attributes, status)
    }

    pub fn task(&self, sid: &str) -> Option<TaskView> {
        self.state().taskrouter.task(sid)
    }

    /// Flex changes the task's attributes (a new revision).
    pub fn set_task_attributes(&self, sid: &str, attributes: &serde_json::Value) -> Option<TaskView> {
        self.state().taskrouter.set_attributes(sid, attributes)
    }

    /// The task moves on (`wrapping`, `completed`…), as Flex moves it.
    pub fn set_task_status(&self, sid: &str, status: &str) -> Option<TaskView> {
        self.state().taskrouter.set_status(sid, status)
    }

    pub fn rooms(&self) -> Vec<RoomView> {
        self.state().rooms.clone()
    }

    pub fn messages(&self) -> Vec<MessageView> {
        self.state().messages.clone()
    }

    /// Every track recording, in creation order (deleted ones with `status: deleted`).
    pub fn recordings(&self) -> Vec<RecordingView> {
        self.state().recordings.clone()
    }

    /// Every composition, in creation order, as of now.
    pub fn compositions(&self) -> Vec<CompositionView> {
        self.advance_compositions();
        self.state().compositions.clone()
    }

    /// Moves compositions whose room has ended on to `processing`, and
    /// those whose processing time is over to `completed`, with their
    /// callbacks. The serving task does this every few milliseconds, and
    /// every API request first.
    pub fn advance_compositions(&self) {
        let events = self.state().advance_compositions(Utc::now());
        self.dispatch(events);
    }

    /// Completes an enqueued or processing composition now, whether or not
    /// its room has ended (its media then lasts as long as the room so far).
    pub fn complete_composition(&self, sid: &str) -> Result<CompositionView, SimError> {
        self.force_composition(sid, CompositionStatus::Completed)
    }

    /// Fails an enqueued or processing composition now (`composition-failed`).
    pub fn fail_composition(&self, sid: &str) -> Result<CompositionView, SimError> {
        self.force_composition(sid, CompositionStatus::Failed)
    }

    fn force_composition(&self, sid: &str, status: CompositionStatus) -> Result<CompositionView, SimError> {
        let (view, events) =
            self.state().force_composition(sid, status).ok_or_else(|| SimError::UnknownComposition(sid.to_owned()))?;
        self.dispatch(events);
        Ok(view)
    }

    /// Every Twilio API request received, in order (count attempts with it).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state().requests.clone()
    }

    /// How many requests for `op` were received.
    pub fn request_count(&self, op: ApiOp) -> usize {
        self.state().requests.iter().filter(|r| r.op == Some(op)).count()
    }

    /// Every status callback request made, in order.
    pub fn callback_deliveries(&self) -> Vec<CallbackDelivery> {
        self.shared.callbacks.log()
    }

    /// Connect a participant to an in-progress room (SID or unique name).
    pub fn connect_participant(&self, room: &str, identity: &str) -> Result<ParticipantView, SimError> {
        let (participant, events) = {
            let mut state = self.state();
            let index = state.find_room_any(room)?;
            state.connect_participant(index, identity)?
        };
        self.dispatch(events);
        Ok(participant)
    }

    pub fn disconnect_participant(&self, room: &str, identity: &str) -> Result<ParticipantView, SimError> {
        let (participant, events) = {
            let mut state = self.state();
            let index = state.find_room_any(room)?;
            state.disconnect_participant(index, identity)?
        };
        self.dispatch(events);
        Ok(participant)
    }

    /// End a room as if Twilio closed it (participants disconnect first).
    pub fn complete_room(&self, room: &str) -> Result<RoomView, SimError> {
        let (view, events) = {
            let mut state = self.state();
            let index = state.find_room_any(room)?;
            state.complete_room(index)
        };
        self.dispatch(events);
        Ok(view)
    }

    pub fn callback_mode(&self) -> CallbackMode {
        self.shared.callbacks.mode()
    }

    pub fn set_callback_mode(&self, mode: CallbackMode) {
        self.shared.callbacks.set_mode(mode);
    }

    /// How many callbacks are held.
    pub fn held_callbacks(&self) -> usize {
        self.shared.callbacks.held()
    }

    /// Deliver held callbacks in `order`; returns how many once all were sent.
    pub async fn release_callbacks(&self, order: ReleaseOrder) -> usize {
        self.shared.callbacks.release(order).await
    }

    /// Wait until every queued (not held) callback has been delivered.
    pub async fn flush_callbacks(&self) {
        self.shared.callbacks.flush().await;
    }

    pub fn set_fault(&self, op: ApiOp, fault: Fault) {
        self.faults().set(op, fault);
    }

    pub fn clear_faults(&self) {
        self.faults().clear();
    }

    /// Forget rooms, messages, recordings, compositions, Flex tokens, logs,
    /// faults and held callbacks; keep accounts.
    pub fn reset(&self) {
        self.state().reset();
        self.clear_faults();
        self.shared.callbacks.reset();
    }
}

struct SimEndpoint(Simulator);

impl Endpoint for SimEndpoint {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let path = req.uri().path();
        Ok(if path.starts_with("/_sim/media/") {
            recordings::serve_media(&self.0, req).await
        } else if path == "/_sim" || path.starts_with("/_sim/") {
            control::handle(&self.0, req).await
        } else {
            api::handle(&self.0, req).await
        })
    }
}
