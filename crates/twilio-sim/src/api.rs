//! The Twilio-shaped REST API: routing, basic auth, fault injection and the
//! handlers for rooms, messages, Flex token validation and accounts (the
//! Flex Plugins and Configuration APIs are in `flex`, recordings and
//! compositions in `recordings`).

use std::time::Duration;

use base64::prelude::*;
use chrono::{DateTime, Utc};
use escalate_twilio::RoomType;
use poem::{Body, Request, Response, http::Method};
use serde_json::{Value, json};

use crate::{
    Simulator,
    error::{ApiError, codes},
    faults::{ApiOp, RequestRecord},
    ids,
    state::Caller,
    state::{MessageView, NewRoom, RoomView},
};

/// Twilio's limit on a message body, in characters.
const MAX_BODY_CHARS: usize = 1600;

enum Route {
    CreateRoom,
    ListRooms,
    FetchRoom(String),
    UpdateRoom(String),
    /// `(service, conversation)`: `None` is the default-service path.
    CreateMessage(Option<String>, String),
    ListMessages(Option<String>, String),
    FetchConversation(Option<String>, String),
    ListServices,
    DeleteMessage(Option<String>, String, String),
    ValidateToken(String),
    FetchAccount(String),
    Flex(crate::flex::Route),
    TaskRouter(crate::taskrouter::Route),
    /// Recordings and compositions.
    Video(crate::recordings::Route),
}

impl Route {
    fn parse(method: &Method, path: &str) -> Result<Self, ApiError> {
        let segments: Vec<String> = path
            .trim_start_matches('/')
            .split('/')
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let (route, allowed) = match segments.as_slice() {
            ["v1", "Rooms"] if method == Method::GET => (Self::ListRooms, [Method::GET, Method::POST].as_slice()),
            ["v1", "Rooms"] => (Self::CreateRoom, [Method::GET, Method::POST].as_slice()),
            ["v1", "Rooms", key] if method == Method::GET => {
                (Self::FetchRoom((*key).into()), [Method::GET, Method::POST].as_slice())
            }
            ["v1", "Rooms", key] => (Self::UpdateRoom((*key).into()), [Method::GET, Method::POST].as_slice()),
            ["v1", "Conversations", ch, "Messages"] if method == Method::GET => {
                (Self::ListMessages(None, (*ch).into()), [Method::GET, Method::POST].as_slice())
            }
            ["v1", "Conversations", ch, "Messages"] => {
                (Self::CreateMessage(None, (*ch).into()), [Method::GET, Method::POST].as_slice())
            }
            ["v1", "Services", is, "Conversations", ch, "Messages"] if method == Method::GET => {
                (Self::ListMessages(Some((*is).into()), (*ch).into()), [Method::GET, Method::POST].as_slice())
            }
            ["v1", "Services", is, "Conversations", ch, "Messages"] => {
                (Self::CreateMessage(Some((*is).into()), (*ch).into()), [Method::GET, Method::POST].as_slice())
            }
            ["v1", "Conversations", ch, "Messages", im] => {
                (Self::DeleteMessage(None, (*ch).into(), (*im).into()), [Method::DELETE].as_slice())
            }
            ["v1", "Services", is, "Conversations", ch, "Messages", im] => {
                (Self::DeleteMessage(Some((*is).into()), (*ch).into(), (*im).into()), [Method::DELETE].as_slice())
            }
            ["v1", "Conversations", ch] => (Self::FetchConversation(None, (*ch).into()), [Method::GET].as_slice()),
            ["v1", "Services", is, "Conversations", ch] => {
                (Self::FetchConversation(Some((*is).into()), (*ch).into()), [Method::GET].as_slice())
            }
            ["v1", "Services"] => (Self::ListServices, [Method::GET].as_slice()),
            ["v1", "Accounts", ac, "Tokens", "validate"] => {
                (Self::ValidateToken((*ac).into()), [Method::POST].as_slice())
            }
            ["v1", rest @ ..] if crate::recordings::Route::parse(method, rest).is_some() => {
                let (route, allowed) = crate::recordings::Route::parse(method, rest).expect("checked");
                if !allowed.contains(&method.as_str()) {
                    return Err(ApiError::new(405, codes::METHOD_NOT_ALLOWED, "Method not allowed"));
                }
                return Ok(Self::Video(route));
            }
            ["v1", rest @ ..] if crate::taskrouter::Route::parse(method, rest).is_some() => {
                let (route, allowed) = crate::taskrouter::Route::parse(method, rest).expect("checked");
                if !allowed.contains(&method.as_str()) {
                    return Err(ApiError::new(405, codes::METHOD_NOT_ALLOWED, "Method not allowed"));
                }
                return Ok(Self::TaskRouter(route));
            }
            ["v1", rest @ ..] if crate::flex::Route::parse(method, rest).is_some() => {
                let (route, allowed) = crate::flex::Route::parse(method, rest).expect("checked");
                if !allowed.contains(&method.as_str()) {
                    return Err(ApiError::new(405, codes::METHOD_NOT_ALLOWED, "Method not allowed"));
                }
                return Ok(Self::Flex(route));
            }
            ["2010-04-01", "Accounts", file] if file.ends_with(".json") => {
                (Self::FetchAccount(file.trim_end_matches(".json").into()), [Method::GET].as_slice())
            }
            _ => return Err(ApiError::not_found(path)),
        };
        if !allowed.contains(method) {
            return Err(ApiError::new(405, codes::METHOD_NOT_ALLOWED, "Method not allowed"));
        }
        Ok(route)
    }

    fn op(&self) -> ApiOp {
        match self {
            Self::CreateRoom => ApiOp::CreateRoom,
            Self::ListRooms => ApiOp::ListRooms,
            Self::FetchRoom(_) => ApiOp::FetchRoom,
            Self::UpdateRoom(_) => ApiOp::UpdateRoom,
            Self::CreateMessage(..) => ApiOp::CreateMessage,
            Self::ListMessages(..) => ApiOp::ListMessages,
            Self::FetchConversation(..) => ApiOp::FetchConversation,
            Self::ListServices => ApiOp::ListServices,
            Self::DeleteMessage(..) => ApiOp::DeleteMessage,
            Self::ValidateToken(_) => ApiOp::ValidateToken,
            Self::FetchAccount(_) => ApiOp::FetchAccount,
            Self::Flex(route) => route.op(),
            Self::TaskRouter(route) => route.op(),
            Self::Video(route) => route.op(),
        }
    }
}

/// Answer one request to the Twilio API.
pub(crate) async fn handle(sim: &Simulator, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let base_url = base_url(&req);
    let media_base = media_base(&req, &base_url);
    let credentials = basic_auth(&req);
    let traceparent = req.header("traceparent").map(str::to_owned);
    let if_match = req.header("if-match").map(str::to_owned);
    let route = Route::parse(&method, &path);
    let query = req.uri().query().unwrap_or_default().to_owned();
    let region = region_of(&req);
    let body = req.into_body().into_bytes().await.unwrap_or_default();

    // Compositions whose time has come complete before anyone looks.
    sim.advance_compositions();
    let caller = credentials.and_then(|(user, password)| sim.state().authenticate(&user, &password));
    // An API key answers only in the region it was made in.
    let caller = caller.filter(|c| c.key.as_ref().is_none_or(|k| k.region == region));
    let account = caller.as_ref().map(|c| c.account.clone());
    // Logged on arrival, so a request whose client gave up (and whose answer
    // never happened) still counts as an attempt.
    let log_index = {
        let mut state = sim.state();
        state.requests.push(RequestRecord {
            op: route.as_ref().ok().map(Route::op),
            method: method.to_string(),
            path: path.clone(),
            account_sid: account.clone(),
            status: None,
            received_at: Utc::now(),
            traceparent,
        });
        state.requests.len() - 1
    };

    let (response, status) = match (route, account) {
        (Err(error), _) => (error.clone().into_response(), Some(error.status)),
        (Ok(_), None) => (ApiError::unauthenticated().into_response(), Some(401)),
        (Ok(route), Some(_)) => {
            let bases = crate::recordings::Bases { api: &base_url, media: &media_base };
            serve(sim, route, caller.as_ref(), &body, &query, if_match.as_deref(), &bases).await
        }
    };
    if let Some(record) = sim.state().requests.get_mut(log_index) {
        record.status = status;
    }
    response
}

/// Apply any injected fault, then run the handler. Returns the response and
/// the status to log (`None` for a dropped connection).
async fn serve(
    sim: &Simulator,
    route: Route,
    caller: Option<&Caller>,
    body: &[u8],
    query: &str,
    if_match: Option<&str>,
    bases: &crate::recordings::Bases<'_>,
) -> (Response, Option<u16>) {
    let base_url = bases.api;
    let Some(caller) = caller else { return (ApiError::unauthenticated().into_response(), Some(401)) };
    let account = caller.account.as_str();
    if !sim.latency().is_zero() {
        tokio::time::sleep(sim.latency()).await;
    }
    let fault = sim.faults().take(route.op());
    if let Some(fault) = &fault {
        if fault.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
        }
        if let Some(status) = fault.status {
            let error = ApiError::injected(status, fault.retry_after_secs);
            return (error.into_response(), Some(status));
        }
    }
    let mut etag = None;
    let result =
        match route {
            Route::CreateRoom => create_room(sim, account, body, base_url),
            Route::ListRooms => list_rooms(sim, account, query, base_url),
            Route::FetchRoom(key) => fetch_room(sim, account, &key, base_url),
            Route::UpdateRoom(key) => update_room(sim, account, &key, body, base_url),
            Route::CreateMessage(is, ch) => in_service(sim, account, is.as_deref(), &ch)
                .and_then(|_| create_message(sim, account, &ch, body, base_url)),
            Route::ListMessages(is, ch) => in_service(sim, account, is.as_deref(), &ch)
                .and_then(|_| list_messages(sim, account, &ch, query, base_url)),
            Route::FetchConversation(is, ch) => in_service(sim, account, is.as_deref(), &ch)
                .map(|is| (200, conversation_json(account, &is, &ch, base_url))),
            Route::ListServices => Ok((200, services_json(&sim.state().services_of(account), base_url))),
            Route::DeleteMessage(is, ch, im) => in_service(sim, account, is.as_deref(), &ch).and_then(|_| {
                let mut state = sim.state();
                let before = state.messages.len();
                state.messages.retain(|m| !(m.account_sid == account && m.conversation_sid == ch && m.sid == im));
                if state.messages.len() == before {
                    Err(ApiError::not_found(&format!("/Conversations/{ch}/Messages/{im}")))
                } else {
                    Ok((204, Value::Null))
                }
            }),
            Route::ValidateToken(ac) => validate_token(sim, account, &ac, body),
            // Twilio's /Accounts endpoints take the auth token or a Main API key;
            // a Standard key (the kind Twilio makes by default) is refused.
            Route::FetchAccount(_) if caller.key.as_ref().is_some_and(|k| !k.main) => Err(ApiError::new(
                401,
                codes::AUTHENTICATE,
                "Authentication Error - invalid username (a Standard API key cannot use the Accounts endpoints)",
            )),
            Route::FetchAccount(ac) => fetch_account(sim, account, &ac),
            Route::Flex(route) => crate::flex::serve(sim, route, account, body, base_url),
            Route::TaskRouter(route) => {
                crate::taskrouter::serve(sim, route, account, body, if_match, base_url).map(|(status, json, tag)| {
                    etag = tag;
                    (status, json)
                })
            }
            Route::Video(route) => crate::recordings::serve(sim, route, account, body, query, bases),
        };
    if fault.is_some_and(|f| f.drop_connection) {
        return (dropped_connection(), None);
    }
    match result {
        Ok((204, _)) => (Response::builder().status(poem::http::StatusCode::NO_CONTENT).finish(), Some(204)),
        Ok((status, json)) => {
            let mut builder = Response::builder()
                .status(poem::http::StatusCode::from_u16(status).unwrap_or_default())
                .content_type("application/json");
            // A media redirect: the URL in `Location` and, as Twilio's
            // examples read it, in the body's `redirect_to`.
            if status == 302
                && let Some(location) = json.get("redirect_to").and_then(Value::as_str)
            {
                builder = builder.header("Location", location);
            }
            // A task's revision, for `If-Match` (TaskRouter).
            if let Some(etag) = etag {
                builder = builder.header("ETag", etag);
            }
            (builder.body(json.to_string()), Some(status))
        }
        Err(error) => {
            let status = error.status;
            (error.into_response(), Some(status))
        }
    }
}

/// A response that breaks off: it promises a body it never completes, so
/// hyper has to close the connection and the client sees it cut mid-answer.
/// (A failing chunked body would not do: it is ended cleanly.)
fn dropped_connection() -> Response {
    let partial = futures_util::stream::iter([
        Ok::<Vec<u8>, std::io::Error>(b"{".to_vec()),
        Err(std::io::Error::other("connection dropped by fault injection")),
    ]);
    Response::builder()
        .content_type("application/json")
        .header("content-length", "1024")
        .body(Body::from_bytes_stream(partial))
}

type Answer = Result<(u16, Value), ApiError>;

pub(crate) fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_bytes(body).map_err(|_| ApiError::bad_request(codes::INVALID_PARAMETER, "Invalid form body"))
}

pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn parse_room(form: &[(String, String)]) -> Result<NewRoom, ApiError> {
    let room_type = match field(form, "Type") {
        None => RoomType::Group,
        Some(t) => t
            .parse::<RoomType>()
            .map_err(|_| ApiError::bad_request(codes::ROOM_TYPE_INVALID, "RoomType is not valid"))?,
    };
    let unique_name = field(form, "UniqueName").filter(|n| !n.is_empty()).map(str::to_owned);
    if unique_name.as_ref().is_some_and(|n| n.chars().count() > 128) {
        return Err(ApiError::bad_request(codes::ROOM_NAME_TOO_LONG, "Room name is too long"));
    }
    let status_callback = field(form, "StatusCallback").filter(|u| !u.is_empty()).map(str::to_owned);
    if status_callback.as_ref().is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://"))) {
        return Err(ApiError::bad_request(codes::STATUS_CALLBACK_INVALID, "StatusCallback is invalid"));
    }
    let status_callback_method = field(form, "StatusCallbackMethod").unwrap_or("POST").to_ascii_uppercase();
    if status_callback_method != "POST" && status_callback_method != "GET" {
        return Err(ApiError::bad_request(codes::STATUS_CALLBACK_METHOD_INVALID, "StatusCallbackMethod is invalid"));
    }
    let limit = match room_type {
        RoomType::Group => 50,
        RoomType::GroupSmall => 4,
        RoomType::PeerToPeer => 10,
        RoomType::Go => 2,
    };
    let max_participants = match field(form, "MaxParticipants") {
        None => limit,
        Some(v) => v.parse::<u32>().ok().filter(|n| (1..=limit).contains(n)).ok_or_else(|| {
            ApiError::bad_request(codes::MAX_PARTICIPANTS_OUT_OF_RANGE, "MaxParticipants is out of range")
        })?,
    };
    let timeout = |name: &str| -> Result<u32, ApiError> {
        match field(form, name) {
            None => Ok(5),
            Some(v) => v.parse::<u32>().ok().filter(|m| (1..=60).contains(m)).ok_or_else(|| {
                ApiError::bad_request(codes::TIMEOUT_OUT_OF_RANGE, format!("{name} must be between 1 and 60 minutes"))
            }),
        }
    };
    let record_participants_on_connect = match field(form, "RecordParticipantsOnConnect") {
        None => false,
        Some(v) => v.parse::<bool>().map_err(|_| {
            ApiError::bad_request(codes::INVALID_PARAMETER, "RecordParticipantsOnConnect must be true or false")
        })?,
    };
    Ok(NewRoom {
        unique_name,
        room_type,
        status_callback,
        status_callback_method,
        max_participants,
        empty_room_timeout: timeout("EmptyRoomTimeout")?,
        unused_room_timeout: timeout("UnusedRoomTimeout")?,
        record_participants_on_connect,
    })
}

fn create_room(sim: &Simulator, account: &str, body: &[u8], base_url: &str) -> Answer {
    let new = parse_room(&parse_form(body)?)?;
    let (room, events) = sim.state().create_room(account, new)?;
    sim.dispatch(events);
    Ok((201, room_json(&room, base_url)))
}

fn fetch_room(sim: &Simulator, account: &str, key: &str, base_url: &str) -> Answer {
    let state = sim.state();
    let index = state.find_room(account, key).ok_or_else(|| ApiError::not_found(&format!("/Rooms/{key}")))?;
    Ok((200, room_json(&state.rooms[index], base_url)))
}

fn update_room(sim: &Simulator, account: &str, key: &str, body: &[u8], base_url: &str) -> Answer {
    let form = parse_form(body)?;
    if field(&form, "Status") != Some("completed") {
        return Err(ApiError::bad_request(codes::ROOM_STATUS_INVALID, "Status is invalid"));
    }
    let (room, events) = {
        let mut state = sim.state();
        let index = state.find_room(account, key).ok_or_else(|| ApiError::not_found(&format!("/Rooms/{key}")))?;
        state.complete_room(index)
    };
    sim.dispatch(events);
    // Twilio answers an update with 202 Accepted.
    Ok((202, room_json(&room, base_url)))
}

/// Any well-formed `CH` SID names an existing conversation: the simulator
/// has no Conversations resource to create them with, and the service only
/// posts into conversations Flex created. A malformed SID is 404, as Twilio
/// answers for a conversation that does not exist.
fn create_message(sim: &Simulator, account: &str, ch: &str, body: &[u8], base_url: &str) -> Answer {
    if !ids::is_sid(ch, "CH") {
        return Err(ApiError::not_found(&format!("/Conversations/{ch}/Messages")));
    }
    let form = parse_form(body)?;
    let text = field(&form, "Body").unwrap_or_default();
    if text.is_empty() {
        return Err(ApiError::bad_request(codes::INVALID_PARAMETER, "Missing required parameter Body"));
    }
    if text.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::bad_request(codes::INVALID_PARAMETER, "Body must be at most 1600 characters"));
    }
    let attributes = field(&form, "Attributes").unwrap_or("{}");
    if serde_json::from_str::<Value>(attributes).is_err() {
        return Err(ApiError::bad_request(codes::INVALID_PARAMETER, "Attributes must be valid JSON"));
    }
    let author = field(&form, "Author").unwrap_or("system").to_owned();
    let message = sim.state().create_message(account, ch, author, text.to_owned(), attributes.to_owned());
    Ok((201, message_json(&message, base_url)))
}

/// A conversation's messages, `Order=asc` (default) or `desc`, one page of
/// `PageSize` (default 50, at most 100), in Twilio's list shape.
fn list_messages(sim: &Simulator, account: &str, ch: &str, query: &str, base_url: &str) -> Answer {
    if !ids::is_sid(ch, "CH") {
        return Err(ApiError::not_found(&format!("/Conversations/{ch}/Messages")));
    }
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let page_size = param("PageSize").and_then(|v| v.parse::<usize>().ok()).unwrap_or(50).clamp(1, 100);
    let desc = param("Order") == Some("desc");
    let state = sim.state();
    let mut ours: Vec<&MessageView> =
        state.messages.iter().filter(|m| m.account_sid == account && m.conversation_sid == ch).collect();
    if desc {
        ours.reverse();
    }
    let url = format!("{base_url}/v1/Conversations/{ch}/Messages");
    let page: Vec<Value> = ours.into_iter().take(page_size).map(|m| message_json(m, base_url)).collect();
    Ok((
        200,
        json!({
            "messages": page,
            "meta": {
                "page": 0,
                "page_size": page_size,
                "first_page_url": format!("{url}?PageSize={page_size}&Page=0"),
                "previous_page_url": null,
                "url": format!("{url}?PageSize={page_size}&Page=0"),
                "next_page_url": null,
                "key": "messages",
            },
        }),
    ))
}

fn validate_token(sim: &Simulator, account: &str, path_account: &str, body: &[u8]) -> Answer {
    if account != path_account {
        return Err(ApiError::unauthenticated());
    }
    let token = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(|| ApiError::bad_request(codes::INVALID_PARAMETER, "Missing required parameter token"))?;
    let answer = sim.state().validate_flex_token(account, &token);
    // Twilio answers a token it refuses with 401, the reason in the body
    // (`twilio-flex-token-validator` reads the body whatever the status).
    let status = if answer["valid"] == true { 200 } else { 401 };
    Ok((status, answer))
}

/// A conversation addressed through `service` (`None`: the default-service
/// path) exists there: its service, or 404 as Twilio answers.
fn in_service(sim: &Simulator, account: &str, service: Option<&str>, ch: &str) -> Result<String, ApiError> {
    let state = sim.state();
    let actual = state.service_of(account, ch);
    let asked = match service {
        Some(is) => Some(is.to_owned()),
        None => state.default_service(account),
    };
    match actual {
        Some(a) if ids::is_sid(ch, "CH") && Some(&a) == asked.as_ref() => Ok(a),
        _ => Err(ApiError::not_found(&format!("/Conversations/{ch}"))),
    }
}

fn conversation_json(account: &str, service: &str, ch: &str, base_url: &str) -> Value {
    json!({
        "sid": ch,
        "account_sid": account,
        "chat_service_sid": service,
        "state": "active",
        "url": format!("{base_url}/v1/Services/{service}/Conversations/{ch}"),
    })
}

fn services_json(services: &[String], base_url: &str) -> Value {
    let url = format!("{base_url}/v1/Services");
    json!({
        "services": services.iter().map(|s| json!({ "sid": s, "url": format!("{url}/{s}") })).collect::<Vec<_>>(),
        "meta": { "page": 0, "page_size": 50, "url": url, "next_page_url": null, "key": "services" },
    })
}

/// `GET /v1/Rooms`: the account's rooms, newest first, filtered by `Status`
/// and `UniqueName`, one page of `PageSize`.
fn list_rooms(sim: &Simulator, account: &str, query: &str, base_url: &str) -> Answer {
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let page_size = param("PageSize").and_then(|v| v.parse::<usize>().ok()).unwrap_or(50).clamp(1, 1000);
    let state = sim.state();
    let rooms: Vec<Value> = state
        .rooms
        .iter()
        .rev()
        .filter(|r| r.account_sid == account)
        .filter(|r| param("Status").is_none_or(|s| r.status.as_str() == s))
        .filter(|r| param("UniqueName").is_none_or(|n| r.unique_name == n))
        .take(page_size)
        .map(|r| room_json(r, base_url))
        .collect();
    let url = format!("{base_url}/v1/Rooms");
    Ok((
        200,
        json!({ "rooms": rooms, "meta": { "page": 0, "page_size": page_size, "url": url, "next_page_url": null, "key": "rooms" } }),
    ))
}

/// The region a request is for, from the regional host name Twilio's
/// clients use (`video.dublin.ie1.twilio.com`); `us1` for any other host.
fn region_of(req: &Request) -> String {
    let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
    let labels: Vec<&str> = host.split(':').next().unwrap_or_default().split('.').collect();
    match labels.as_slice() {
        [_, _, region, "twilio", "com"] | [_, region, "twilio", "com"] if region.len() == 3 => (*region).to_owned(),
        _ => "us1".to_owned(),
    }
}

fn fetch_account(sim: &Simulator, account: &str, path_account: &str) -> Answer {
    if account != path_account {
        return Err(ApiError::unauthenticated());
    }
    let state = sim.state();
    let (record, created) =
        state.account(account).ok_or_else(|| ApiError::not_found(&format!("/Accounts/{path_account}.json")))?;
    let uri = format!("/2010-04-01/Accounts/{account}.json");
    Ok((
        200,
        json!({
            "sid": record.account_sid,
            "owner_account_sid": record.account_sid,
            "friendly_name": record.friendly_name,
            "status": "active",
            "type": "Full",
            "date_created": rfc2822(created),
            "date_updated": rfc2822(created),
            "uri": uri,
            "subresource_uris": {},
        }),
    ))
}

pub(crate) fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn rfc2822(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

fn room_json(room: &RoomView, base_url: &str) -> Value {
    let url = format!("{base_url}/v1/Rooms/{}", room.sid);
    json!({
        "sid": room.sid,
        "status": room.status.as_str(),
        "date_created": iso(room.date_created),
        "date_updated": iso(room.date_updated),
        "account_sid": room.account_sid,
        "enable_turn": true,
        "unique_name": room.unique_name,
        "status_callback": room.status_callback,
        "status_callback_method": room.status_callback_method,
        "end_time": room.end_time.map(iso),
        "duration": room.end_time.map(|_| room.duration_secs(Utc::now())),
        "type": room.room_type.as_str(),
        "max_participants": room.max_participants,
        "max_participant_duration": 14400,
        "max_concurrent_published_tracks": 170,
        "record_participants_on_connect": room.record_participants_on_connect,
        "video_codecs": ["VP8", "H264"],
        "media_region": "us1",
        "audio_only": false,
        "empty_room_timeout": room.empty_room_timeout,
        "unused_room_timeout": room.unused_room_timeout,
        "large_room": false,
        "url": url,
        "links": {
            "participants": format!("{url}/Participants"),
            "recordings": format!("{url}/Recordings"),
            "recording_rules": format!("{url}/RecordingRules"),
        },
    })
}

fn message_json(message: &MessageView, base_url: &str) -> Value {
    let url = format!("{base_url}/v1/Conversations/{}/Messages/{}", message.conversation_sid, message.sid);
    json!({
        "account_sid": message.account_sid,
        "chat_service_sid": message.chat_service_sid,
        "conversation_sid": message.conversation_sid,
        "sid": message.sid,
        "index": message.index,
        "author": message.author,
        "body": message.body,
        "media": null,
        "attributes": message.attributes,
        "participant_sid": null,
        "date_created": iso(message.date_created),
        "date_updated": iso(message.date_created),
        "url": url,
        "delivery": null,
        "content_sid": null,
        "links": {
            "delivery_receipts": format!("{url}/Receipts"),
            "channel_metadata": format!("{url}/ChannelMetadata"),
        },
    })
}

fn base_url(req: &Request) -> String {
    let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

/// Where a client can fetch media from the simulator: the API's base URL,
/// unless the request named a regional `*.twilio.com` host (which routes
/// API keys by region but does not resolve); then the address it came in on.
fn media_base(req: &Request, base_url: &str) -> String {
    let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    match req.local_addr().as_socket_addr() {
        Some(addr) if host.ends_with(".twilio.com") => format!("http://{addr}"),
        _ => base_url.to_owned(),
    }
}

/// `Authorization: Basic base64(user:password)`.
fn basic_auth(req: &Request) -> Option<(String, String)> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(BASE64_STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}
