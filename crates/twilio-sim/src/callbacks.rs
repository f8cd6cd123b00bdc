//! Room status callbacks: building them, signing them, delivering them off
//! the request path, and the test controls (repeat, hold and release out of
//! order) plus a log of every delivery.

use std::{
    sync::{Arc, Mutex, Weak},
    time::Duration,
};

use chrono::{DateTime, SecondsFormat, Utc};
use escalate_twilio::{Secret, signature::expected_signature};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc};

use crate::{
    ids,
    recordings::CompositionView,
    state::{ParticipantView, RoomView},
};

/// One callback ready to send. The auth token is kept as a [`Secret`] only
/// to sign; it is not part of any view or log.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    url: String,
    method: String,
    auth_token: Secret,
    params: Vec<(String, String)>,
    idempotency_token: String,
    event: String,
    room_sid: String,
    sequence_number: u64,
}

/// The callback for `event` in `room`, numbered with the room's next
/// SequenceNumber; `None` when the room has no StatusCallback.
pub(crate) fn room_event(
    room: &mut RoomView,
    auth_token: &str,
    event: &str,
    participant: Option<&ParticipantView>,
) -> Option<Outgoing> {
    room_event_with(room, auth_token, event, participant, Vec::new())
}

/// [`room_event`] with `extra` parameters after the common ones (a
/// recording's `RecordingSid`, `SourceSid`, …).
pub(crate) fn room_event_with(
    room: &mut RoomView,
    auth_token: &str,
    event: &str,
    participant: Option<&ParticipantView>,
    extra: Vec<(&'static str, String)>,
) -> Option<Outgoing> {
    let url = room.status_callback.clone()?;
    let sequence_number = room.next_sequence_number;
    room.next_sequence_number += 1;
    let now = Utc::now();
    let mut params = vec![
        ("AccountSid", room.account_sid.clone()),
        ("RoomSid", room.sid.clone()),
        ("RoomName", room.unique_name.clone()),
        ("RoomStatus", room.status.as_str().to_owned()),
        ("RoomType", room.room_type.as_str().to_owned()),
        ("StatusCallbackEvent", event.to_owned()),
        ("Timestamp", now.to_rfc3339_opts(SecondsFormat::Millis, true)),
        ("SequenceNumber", sequence_number.to_string()),
    ];
    if let Some(p) = participant {
        params.push(("ParticipantSid", p.sid.clone()));
        params.push(("ParticipantIdentity", p.identity.clone()));
        params.push(("ParticipantStatus", p.status.as_str().to_owned()));
        if p.end_time.is_some() {
            params.push(("ParticipantDuration", p.duration_secs(now).to_string()));
        }
    }
    if event == "room-ended" {
        params.push(("RoomDuration", room.duration_secs(now).to_string()));
    }
    params.extend(extra);
    Some(Outgoing {
        url,
        method: room.status_callback_method.clone(),
        auth_token: Secret::new(auth_token),
        params: params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        idempotency_token: ids::sid("ID")[2..].to_owned(),
        event: event.to_owned(),
        room_sid: room.sid.clone(),
        sequence_number,
    })
}

/// The callback for `event` of a composition, to the composition's own
/// `StatusCallback` (`None` without one). Composition callbacks carry no
/// `SequenceNumber`; their log entries show 0.
pub(crate) fn composition_event(
    composition: &CompositionView,
    auth_token: &str,
    event: &str,
    extra: Vec<(&'static str, String)>,
) -> Option<Outgoing> {
    let url = composition.status_callback.clone()?;
    let mut params = vec![
        ("AccountSid", composition.account_sid.clone()),
        ("CompositionSid", composition.sid.clone()),
        ("RoomSid", composition.room_sid.clone()),
        ("StatusCallbackEvent", event.to_owned()),
        ("Timestamp", Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)),
    ];
    params.extend(extra);
    Some(Outgoing {
        url,
        method: composition.status_callback_method.clone(),
        auth_token: Secret::new(auth_token),
        params: params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        idempotency_token: ids::sid("ID")[2..].to_owned(),
        event: event.to_owned(),
        room_sid: composition.room_sid.clone(),
        sequence_number: 0,
    })
}

/// How callbacks are delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackMode {
    /// Each callback is sent this many times in a row (Twilio may repeat one).
    #[serde(default = "one")]
    pub repeat: u32,
    /// Keep new callbacks until [`crate::Simulator::release_callbacks`].
    #[serde(default)]
    pub hold: bool,
}

fn one() -> u32 {
    1
}

impl Default for CallbackMode {
    fn default() -> Self {
        Self { repeat: 1, hold: false }
    }
}

/// The order held callbacks are released in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseOrder {
    /// As they happened.
    #[default]
    Fifo,
    Reverse,
    Shuffle,
}

/// One HTTP request made to a status callback URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackDelivery {
    pub event: String,
    pub room_sid: String,
    pub sequence_number: u64,
    pub url: String,
    pub method: String,
    /// The form parameters (or query parameters for GET) as sent.
    pub params: Vec<(String, String)>,
    /// Same for every copy of one callback; Twilio's `I-Twilio-Idempotency-Token`.
    pub idempotency_token: String,
    /// 1 for the first copy of a repeated callback, 2 for the next, …
    pub copy: u32,
    /// What the receiver answered; `None` if it could not be reached.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub sent_at: DateTime<Utc>,
}

pub(crate) struct Callbacks {
    http: reqwest::Client,
    inner: Mutex<Inner>,
    idle: Notify,
}

#[derive(Default)]
struct Inner {
    mode: CallbackMode,
    held: Vec<Outgoing>,
    queue: Option<mpsc::UnboundedSender<(Outgoing, u32)>>,
    in_flight: usize,
    log: Vec<CallbackDelivery>,
}

impl Callbacks {
    pub fn new() -> Arc<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("static reqwest client configuration");
        Arc::new(Self { http, inner: Mutex::new(Inner::default()), idle: Notify::new() })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn mode(&self) -> CallbackMode {
        self.lock().mode
    }

    pub fn set_mode(&self, mode: CallbackMode) {
        self.lock().mode = CallbackMode { repeat: mode.repeat.max(1), hold: mode.hold };
    }

    pub fn log(&self) -> Vec<CallbackDelivery> {
        self.lock().log.clone()
    }

    pub fn held(&self) -> usize {
        self.lock().held.len()
    }

    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.mode = CallbackMode::default();
        inner.held.clear();
        inner.log.clear();
    }

    /// Queue callbacks for delivery in order by a background task (or hold
    /// them). Returns at once: the Twilio API request that caused them does
    /// not wait for the receiver.
    pub fn dispatch(self: &Arc<Self>, outgoing: Vec<Outgoing>) {
        if outgoing.is_empty() {
            return;
        }
        let mut inner = self.lock();
        if inner.mode.hold {
            inner.held.extend(outgoing);
            return;
        }
        let repeat = inner.mode.repeat;
        for item in outgoing {
            inner.in_flight += 1;
            let sent = inner.queue.as_ref().is_some_and(|q| q.send((item.clone(), repeat)).is_ok());
            if !sent && !self.start_worker(&mut inner, (item, repeat)) {
                inner.in_flight -= 1;
            }
        }
    }

    /// Start the delivery task (lazily, so a simulator can be built outside
    /// a runtime). It holds only a weak reference so it ends with the simulator.
    fn start_worker(self: &Arc<Self>, inner: &mut Inner, first: (Outgoing, u32)) -> bool {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no tokio runtime: status callback dropped");
            return false;
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let _ = tx.send(first);
        inner.queue = Some(tx);
        let weak: Weak<Self> = Arc::downgrade(self);
        runtime.spawn(async move {
            while let Some((item, repeat)) = rx.recv().await {
                let Some(this) = weak.upgrade() else { return };
                this.deliver(&item, repeat).await;
                let mut inner = this.lock();
                inner.in_flight -= 1;
                if inner.in_flight == 0 {
                    this.idle.notify_waiters();
                }
            }
        });
        true
    }

    /// Send every held callback in `order` (each `repeat` times as set now);
    /// returns when all were delivered.
    pub async fn release(&self, order: ReleaseOrder) -> usize {
        let (mut held, repeat) = {
            let mut inner = self.lock();
            (std::mem::take(&mut inner.held), inner.mode.repeat)
        };
        match order {
            ReleaseOrder::Fifo => {}
            ReleaseOrder::Reverse => held.reverse(),
            ReleaseOrder::Shuffle => held.shuffle(&mut rand::rng()),
        }
        for item in &held {
            self.deliver(item, repeat).await;
        }
        held.len()
    }

    /// Wait until every queued (not held) callback has been delivered.
    pub async fn flush(&self) {
        loop {
            let notified = self.idle.notified();
            if self.lock().in_flight == 0 {
                return;
            }
            notified.await;
        }
    }

    async fn deliver(&self, item: &Outgoing, repeat: u32) {
        for copy in 1..=repeat {
            let record = self.send_once(item, copy).await;
            tracing::debug!(event = %record.event, room_sid = %record.room_sid, status = ?record.status, "status callback delivered");
            self.lock().log.push(record);
        }
    }

    async fn send_once(&self, item: &Outgoing, copy: u32) -> CallbackDelivery {
        let token = item.auth_token.expose();
        // Sign the URL exactly as it goes on the wire (parsing percent-encodes
        // e.g. non-ASCII characters), which is what the receiver sees.
        let target = if item.method == "GET" {
            // Parameters travel in the query string, which the signature covers as part of the URL.
            let query = serde_urlencoded::to_string(&item.params).unwrap_or_default();
            let separator = if item.url.contains('?') { '&' } else { '?' };
            format!("{}{separator}{query}", item.url)
        } else {
            item.url.clone()
        };
        let url = match reqwest::Url::parse(&target) {
            Ok(url) => url,
            Err(e) => {
                return self.record(item, copy, None, Some(format!("invalid callback URL: {e}")));
            }
        };
        let request = if item.method == "GET" {
            let signature = expected_signature(token, url.as_str(), &[]);
            self.http.get(url).header("X-Twilio-Signature", signature)
        } else {
            let signature = expected_signature(token, url.as_str(), &item.params);
            self.http.post(url).form(&item.params).header("X-Twilio-Signature", signature)
        };
        let result = request
            .header("I-Twilio-Idempotency-Token", &item.idempotency_token)
            .header("User-Agent", "TwilioProxy/1.1")
            .send()
            .await;
        let (status, error) = match result {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(e) => (None, Some(e.without_url().to_string())),
        };
        self.record(item, copy, status, error)
    }

    fn record(&self, item: &Outgoing, copy: u32, status: Option<u16>, error: Option<String>) -> CallbackDelivery {
        CallbackDelivery {
            event: item.event.clone(),
            room_sid: item.room_sid.clone(),
            sequence_number: item.sequence_number,
            url: item.url.clone(),
            method: item.method.clone(),
            params: item.params.clone(),
            idempotency_token: item.idempotency_token.clone(),
            copy,
            status,
            error,
            sent_at: Utc::now(),
        }
    }
}
