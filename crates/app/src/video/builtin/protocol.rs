//! The signalling protocol of built-in rooms: JSON text messages over one
//! WebSocket per participant, and the close codes that end it.
//!
//! The browser sends `hello` (its credential; nothing else is read before
//! it), then `signal` (an SDP description or ICE candidate for one peer,
//! relayed as it is), `state` (microphone/camera on or off, for the peers'
//! UI), `quality` (its statistics' summary, kept as the call's quality),
//! `ping`, `ask` (staff asking the customer for something the customer
//! decides on, such as their back camera), `tell` (staff telling the
//! customers of something done, such as a photo taken) and `bye` when it
//! leaves. The service answers `welcome`
//! (who is already in the room), then tells of peers joining, leaving and
//! reconnecting, relays their `signal`s, `state`s, `ask`s (as `asked`) and
//! `tell`s (as `told`), and sends `ended`
//! when the call is over.

use serde::{Deserialize, Serialize};

/// The largest message read: SDP offers of a few codecs are 5-10 KB.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;
/// How long a new connection may take to send its `hello`.
pub const HELLO_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Messages per connection: a burst, then a steady rate (ICE trickles a few dozen candidates at the start).
pub const BURST: u32 = 200;
pub const PER_SECOND: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    Hello {
        token: String,
        /// Random per page session: the same value after a dropped
        /// connection is a reconnect (the peers keep their connection to it);
        /// a new one is a new session of the same identity (a reload).
        session: String,
    },
    Signal {
        to: String,
        data: serde_json::Map<String, serde_json::Value>,
    },
    State {
        audio: bool,
        video: bool,
    },
    /// A summary of the browser's WebRTC statistics
    /// ([`Sample`](escalate_domain::quality::Sample)), every few seconds.
    /// Read apart from the message: a sample the service cannot use is
    /// dropped, never a reason to close the call.
    Quality {
        sample: serde_json::Value,
    },
    /// Staff ask the customer `to` for something only the customer can do
    /// (never done for them: their page offers it with one tap).
    Ask {
        to: String,
        what: Ask,
    },
    /// Staff tell every customer in the room of something done that the
    /// customer should know of (the page shows a short notice).
    Tell {
        what: Tell,
    },
    Ping,
    Bye,
}

/// What staff may ask a customer for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// Show something with the back camera (the page offers the switch).
    BackCamera,
}

/// What staff may tell customers of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tell {
    /// A still of the customer's video was saved to the escalation.
    SnapshotTaken,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Peer {
    pub identity: String,
    /// `agent`, `customer` or `other`.
    pub role: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    Welcome {
        identity: &'a str,
        room_name: &'a str,
        peers: Vec<Peer>,
        reconnected: bool,
    },
    PeerJoined {
        peer: Peer,
    },
    /// The peer's signalling came back after a drop: its media connection is the same one.
    PeerReconnected {
        identity: &'a str,
    },
    PeerLeft {
        identity: &'a str,
        reason: LeaveReason,
    },
    Signal {
        from: &'a str,
        data: &'a serde_json::Map<String, serde_json::Value>,
    },
    State {
        from: &'a str,
        audio: bool,
        video: bool,
    },
    /// Staff `from` ask this customer for `what` (see [`ClientMessage::Ask`]).
    Asked {
        from: &'a str,
        what: Ask,
    },
    /// Staff `from` tell this customer of `what` (see [`ClientMessage::Tell`]).
    Told {
        from: &'a str,
        what: Tell,
    },
    Pong,
    Ended,
    Error {
        code: &'static str,
        message: &'a str,
    },
}

impl ServerMessage<'_> {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"type":"error","code":"internal","message":""}"#.into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// It said `bye`, or another session of the same identity replaced it.
    Left,
    /// Its connection dropped and did not come back in time.
    Timeout,
}

/// Why the service closes a signalling connection: the WebSocket close
/// code, and a stable name for logs and the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// The participant said `bye`.
    Bye,
    /// The same identity connected again: this connection is superseded.
    Replaced,
    /// Not JSON, not a known message, or `hello` missing or repeated.
    BadMessage,
    /// No credential, a forged or expired one, or an unknown escalation.
    Unauthorized,
    /// A credential for another room than the one in the URL.
    WrongRoom,
    /// No `hello` within [`HELLO_TIMEOUT`].
    HelloTimeout,
    /// The room already has its participants.
    RoomFull,
    /// The call is over (the escalation ended).
    Ended,
    /// A message over [`MAX_MESSAGE_BYTES`].
    TooBig,
    /// More messages than [`BURST`] / [`PER_SECOND`] allow, or a reader too slow to keep up.
    Flood,
    /// The service is shutting down; reconnect.
    GoingAway,
    /// Something failed on our side; reconnect.
    Internal,
}

impl Close {
    pub fn code(self) -> u16 {
        match self {
            Self::Bye => 1000,
            Self::Replaced => 4000,
            Self::BadMessage => 4400,
            Self::Unauthorized => 4401,
            Self::WrongRoom => 4403,
            Self::HelloTimeout => 4408,
            Self::RoomFull => 4409,
            Self::Ended => 4410,
            Self::TooBig => 4413,
            Self::Flood => 4429,
            Self::GoingAway => 1001,
            Self::Internal => 1011,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Self::Bye => "bye",
            Self::Replaced => "replaced",
            Self::BadMessage => "bad_message",
            Self::Unauthorized => "unauthorized",
            Self::WrongRoom => "wrong_room",
            Self::HelloTimeout => "hello_timeout",
            Self::RoomFull => "room_full",
            Self::Ended => "ended",
            Self::TooBig => "message_too_big",
            Self::Flood => "rate_limited",
            Self::GoingAway => "going_away",
            Self::Internal => "internal",
        }
    }

    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub const ALL: [Close; 12] = [
        Self::Bye,
        Self::Replaced,
        Self::BadMessage,
        Self::Unauthorized,
        Self::WrongRoom,
        Self::HelloTimeout,
        Self::RoomFull,
        Self::Ended,
        Self::TooBig,
        Self::Flood,
        Self::GoingAway,
        Self::Internal,
    ];

    /// Reconnecting with the same credential cannot help after this close:
    /// the client stops and says why. After the others it reconnects.
    pub fn is_final(self) -> bool {
        match self {
            Self::Replaced
            | Self::BadMessage
            | Self::Unauthorized
            | Self::WrongRoom
            | Self::RoomFull
            | Self::Ended
            | Self::TooBig
            | Self::Flood => true,
            Self::Bye | Self::HelloTimeout | Self::GoingAway | Self::Internal => false,
        }
    }
}

/// The messages' wire shapes as the browsers see them: `(type, fields)`,
/// each field `(name, TypeScript type)`, for the generated TypeScript
/// (`escalate signaling-types`). The tests below hold this table to the
/// serde types above, so the two cannot drift.
pub type Shape = (&'static str, &'static [(&'static str, &'static str)]);

pub const CLIENT_MESSAGES: &[Shape] = &[
    ("hello", &[("token", "string"), ("session", "string")]),
    ("signal", &[("to", "string"), ("data", "SignalData")]),
    ("state", &[("audio", "boolean"), ("video", "boolean")]),
    ("quality", &[("sample", "QualitySample")]),
    ("ask", &[("to", "string"), ("what", "AskWhat")]),
    ("tell", &[("what", "TellWhat")]),
    ("ping", &[]),
    ("bye", &[]),
];

pub const SERVER_MESSAGES: &[Shape] = &[
    ("welcome", &[("identity", "string"), ("room_name", "string"), ("peers", "Peer[]"), ("reconnected", "boolean")]),
    ("peer_joined", &[("peer", "Peer")]),
    ("peer_reconnected", &[("identity", "string")]),
    ("peer_left", &[("identity", "string"), ("reason", "LeaveReason")]),
    ("signal", &[("from", "string"), ("data", "SignalData")]),
    ("state", &[("from", "string"), ("audio", "boolean"), ("video", "boolean")]),
    ("asked", &[("from", "string"), ("what", "AskWhat")]),
    ("told", &[("from", "string"), ("what", "TellWhat")]),
    ("pong", &[]),
    ("ended", &[]),
    ("error", &[("code", "string"), ("message", "string")]),
];

/// A token bucket per connection.
#[derive(Debug)]
pub struct Budget {
    tokens: f64,
    at: std::time::Instant,
}

impl Default for Budget {
    fn default() -> Self {
        Self { tokens: f64::from(BURST), at: std::time::Instant::now() }
    }
}

impl Budget {
    /// Takes one message's worth; false when the connection is over its rate.
    pub fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * f64::from(PER_SECOND);
        self.tokens = (self.tokens + refill).min(f64::from(BURST));
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parse_strictly() {
        let ok: ClientMessage = serde_json::from_str(r#"{"type":"state","audio":false,"video":true}"#).unwrap();
        assert_eq!(ok, ClientMessage::State { audio: false, video: true });
        for bad in [
            r#"{"type":"state","audio":"no","video":true}"#,
            r#"{"type":"signal","to":"x","data":"not an object"}"#,
            r#"{"type":"shout"}"#,
            "[]",
            "",
        ] {
            assert!(serde_json::from_str::<ClientMessage>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn close_codes_are_distinct_and_round_trip() {
        for c in Close::ALL {
            assert_eq!(Close::from_code(c.code()), Some(c));
        }
        let mut codes: Vec<u16> = Close::ALL.iter().map(|c| c.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), Close::ALL.len());
    }

    /// A value of a field's TypeScript type, for the checks below.
    fn example(ts: &str) -> serde_json::Value {
        match ts {
            "string" => json!("x"),
            "boolean" => json!(true),
            "SignalData" => json!({ "candidate": null }),
            "QualitySample" => json!({ "round_trip_ms": 1.0, "packet_loss_percent": 0.0, "relayed": false }),
            "AskWhat" => json!("back_camera"),
            "TellWhat" => json!("snapshot_taken"),
            other => panic!("no example for {other}"),
        }
    }

    use serde_json::json;

    /// Every client message of the table parses with exactly its fields:
    /// none missing, none the service does not read.
    #[test]
    fn the_client_table_is_what_the_service_reads() {
        for (kind, fields) in CLIENT_MESSAGES {
            let mut msg = serde_json::Map::new();
            msg.insert("type".into(), json!(kind));
            for (name, ts) in *fields {
                msg.insert((*name).into(), example(ts));
            }
            assert!(serde_json::from_value::<ClientMessage>(msg.clone().into()).is_ok(), "{kind}: {msg:?}");
            for (name, _) in *fields {
                let mut less = msg.clone();
                less.remove(*name);
                assert!(serde_json::from_value::<ClientMessage>(less.into()).is_err(), "{kind} needs {name}");
            }
        }
        let unknown = json!({ "type": "shout" });
        assert!(serde_json::from_value::<ClientMessage>(unknown).is_err());
    }

    /// Every message the service sends has exactly the table's fields.
    #[test]
    fn the_server_table_is_what_the_service_sends() {
        let data = serde_json::Map::new();
        let peer = Peer { identity: "agent:a".into(), role: "agent" };
        let sent = [
            ServerMessage::Welcome { identity: "a", room_name: "r", peers: vec![peer.clone()], reconnected: false },
            ServerMessage::PeerJoined { peer },
            ServerMessage::PeerReconnected { identity: "a" },
            ServerMessage::PeerLeft { identity: "a", reason: LeaveReason::Left },
            ServerMessage::Signal { from: "a", data: &data },
            ServerMessage::State { from: "a", audio: true, video: false },
            ServerMessage::Asked { from: "a", what: Ask::BackCamera },
            ServerMessage::Told { from: "a", what: Tell::SnapshotTaken },
            ServerMessage::Pong,
            ServerMessage::Ended,
            ServerMessage::Error { code: "c", message: "m" },
        ];
        assert_eq!(sent.len(), SERVER_MESSAGES.len());
        for (msg, (kind, fields)) in sent.iter().zip(SERVER_MESSAGES) {
            let v: serde_json::Value = serde_json::from_str(&msg.to_text()).unwrap();
            assert_eq!(v["type"], *kind);
            let mut keys: Vec<&str> =
                v.as_object().unwrap().keys().map(String::as_str).filter(|k| *k != "type").collect();
            let mut want: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
            keys.sort_unstable();
            want.sort_unstable();
            assert_eq!(keys, want, "{kind}");
        }
    }

    #[test]
    fn the_budget_allows_a_burst_then_refuses() {
        let mut b = Budget::default();
        assert!((0..BURST).all(|_| b.take()));
        assert!(!b.take());
    }
}
