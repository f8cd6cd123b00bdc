//! `GET /v1/video/rooms/{room}/signal`: the WebSocket of a built-in room.
//! Transport only: the first text message must be the `hello` with the
//! room credential (never in the URL, so it stays out of access logs);
//! the session, the relay and every rule are the application core's
//! ([`escalate_app::video::builtin`]). Refusals close with the protocol's
//! codes (4401 unauthorized, 4403 another room, 4409 full, 4413 too big,
//! 4429 flood, …) and are logged, never relayed.

use escalate_app::App;
use escalate_app::video::builtin::hub::Outbound;
use escalate_app::video::builtin::protocol::{Close, HELLO_TIMEOUT, MAX_MESSAGE_BYTES};
use escalate_app::video::builtin::session;
use futures_util::{SinkExt, StreamExt};
use poem::web::websocket::{Message, WebSocket, WebSocketConfig, WebSocketStream};
use poem::web::{Data, Path};
use poem::{IntoResponse, handler};

use crate::state::AppState;

/// Log targets that print WebSocket frame payloads at debug and trace
/// level. Those payloads are `hello` messages carrying call credentials
/// and SDP carrying addresses, so whatever `LOG_LEVEL` an operator picks,
/// these targets stay at `info` (the service's and the tests' filters both
/// apply this).
pub const FRAME_LOGGING_TARGETS: &[&str] = &["tungstenite", "tokio_tungstenite"];

#[handler]
pub async fn signal(ws: WebSocket, state: Data<&AppState>, Path(room): Path<String>) -> impl IntoResponse {
    let app = state.app().clone();
    // Frames beyond this are cut off by the WebSocket layer itself; those
    // between our limit and this one get the protocol's 4413.
    // Signalling is many quiet connections with small messages: tungstenite's
    // 128 KiB read and write buffers would be most of a participant's
    // memory (`scripts/bench signal` reports it), so they start small and
    // grow only for a large message; writes go out at once, and a reader
    // that stops reading is cut off at the write bound.
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_MESSAGE_BYTES * 8)
        .max_message_size(Some(MAX_MESSAGE_BYTES * 4))
        .max_frame_size(Some(MAX_MESSAGE_BYTES * 4));
    ws.config(config).on_upgrade(move |socket| run(app, room, socket))
}

async fn run(app: App, room: String, socket: WebSocketStream) {
    let (mut sink, mut stream) = socket.split();
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, stream.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => text,
        Ok(Some(Ok(_))) => return refuse(&mut sink, &mut stream, &room, Close::BadMessage).await,
        Ok(Some(Err(_)) | None) => return,
        Err(_) => return refuse(&mut sink, &mut stream, &room, Close::HelloTimeout).await,
    };
    let (mut session, mut queue, welcome) = match session::open(&app, &room, &hello).await {
        Ok(opened) => opened,
        Err(close) => return refuse(&mut sink, &mut stream, &room, close).await,
    };
    let mut shutdown = app.video_hub.shutting_down();
    let why = if sink.send(Message::Text(welcome)).await.is_err() {
        None
    } else {
        loop {
            tokio::select! {
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        if let Err(close) = session.handle(&text).await {
                            break Some(close);
                        }
                    }
                    Some(Ok(Message::Binary(_))) => break Some(Close::BadMessage),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    // A frame over the WebSocket layer's own bound ends the stream with an error.
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break None,
                },
                out = queue.recv() => match out {
                    Some(Outbound::Text(text)) => {
                        if sink.send(Message::Text(text)).await.is_err() {
                            break None;
                        }
                    }
                    Some(Outbound::Close(close)) => break Some(close),
                    // The hub dropped the queue: this browser stopped reading.
                    None => break Some(Close::Flood),
                },
                _ = shutdown.changed() => break Some(Close::GoingAway),
            }
        }
    };
    if let Some(close) = why {
        if !matches!(close, Close::Bye | Close::Replaced | Close::Ended | Close::GoingAway) {
            tracing::warn!(room_name = %room, code = close.code(), reason = close.reason(), "signalling connection closed");
        }
        let _ = sink.send(Message::close_with(close.code(), close.reason())).await;
    }
    // The participant's place is given up at once; only the transport lingers.
    let lingers = why.is_some();
    session.closed(why).await;
    if lingers {
        linger(&mut stream).await;
    }
    let _ = sink.close().await;
}

async fn refuse(
    sink: &mut futures_util::stream::SplitSink<WebSocketStream, Message>,
    stream: &mut futures_util::stream::SplitStream<WebSocketStream>,
    room: &str,
    close: Close,
) {
    tracing::warn!(room_name = %room, code = close.code(), reason = close.reason(), "signalling connection refused");
    let _ = sink.send(Message::close_with(close.code(), close.reason())).await;
    linger(stream).await;
    let _ = sink.close().await;
}

/// After our close frame, reads what the browser still sends until its own
/// close (the closing handshake) or for a second at most. Dropping the
/// connection with unread data in it resets it, and a reset can reach the
/// browser before our close code does (a flooding client then never learns
/// it was `rate_limited`).
async fn linger(stream: &mut futures_util::stream::SplitStream<WebSocketStream>) {
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), async {
        while let Some(Ok(m)) = stream.next().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}
