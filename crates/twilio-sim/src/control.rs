//! The `/_sim/` control and inspection API (JSON, no authentication; see the
//! crate documentation for the list).

use poem::{
    Request, Response,
    http::{Method, StatusCode},
};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};

use crate::{
    FlexAgent, ReleaseOrder, SimAccount, Simulator,
    error::SimError,
    faults::{ApiOp, Fault},
};

#[derive(Deserialize)]
struct FlexTokenRequest {
    account_sid: String,
    #[serde(flatten)]
    agent: FlexAgent,
}

#[derive(Deserialize)]
struct ParticipantRequest {
    identity: String,
}

#[derive(Deserialize, Default)]
struct ReleaseRequest {
    #[serde(default)]
    order: ReleaseOrder,
}

type Answer = Result<(StatusCode, Value), SimError>;

pub(crate) async fn handle(sim: &Simulator, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().trim_start_matches("/_sim").trim_matches('/').to_owned();
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.uri().query().unwrap_or_default()).unwrap_or_default();
    let body = req.into_body().into_bytes().await.unwrap_or_default();
    let segments: Vec<String> =
        path.split('/').map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let answer = route(sim, &method, &segments, &query, &body).await;
    let (status, value) = match answer {
        Ok(ok) => ok,
        Err(error) => (error.status(), json!({ "error": error.to_string() })),
    };
    Response::builder().status(status).content_type("application/json").body(value.to_string())
}

async fn route(sim: &Simulator, method: &Method, segments: &[&str], query: &[(String, String)], body: &[u8]) -> Answer {
    let ok = |value: Value| Ok((StatusCode::OK, value));
    // `?account_sid=` and `?room_sid=` narrow the recording and composition lists.
    let wanted = |name: &str, value: &str| query.iter().filter(|(k, _)| k == name).all(|(_, v)| v == value);
    match (method.as_str(), segments) {
        ("POST", ["accounts"]) => {
            // An empty body (or `{}`) makes a ready account with fresh SIDs;
            // a body names one. Either way the answer has what a
            // credentials form asks for.
            let blank = body.iter().all(u8::is_ascii_whitespace)
                || serde_json::from_slice::<Value>(body).ok() == Some(json!({}));
            let account = if blank { SimAccount::generate("Simulator account") } else { parse(body)? };
            let (api_key_sid, api_key_secret) = account.api_keys.first().cloned().unzip();
            let answer = json!({
                "account_sid": account.account_sid,
                "auth_token": account.auth_token,
                "api_key_sid": api_key_sid,
                "api_key_secret": api_key_secret,
                "friendly_name": account.friendly_name,
            });
            sim.add_account(account);
            Ok((StatusCode::CREATED, answer))
        }
        ("POST", ["flex-tokens"]) => {
            let req: FlexTokenRequest = parse(body)?;
            let token = sim.mint_flex_token(&req.account_sid, req.agent);
            Ok((StatusCode::CREATED, json!({ "token": token })))
        }
        ("GET", ["rooms"]) => ok(to_json(sim.rooms())),
        ("GET", ["messages"]) => ok(to_json(sim.messages())),
        ("GET", ["requests"]) => ok(to_json(sim.requests())),
        ("GET", ["callbacks"]) => ok(to_json(sim.callback_deliveries())),
        ("POST", ["rooms", room, "participants"]) => {
            let req: ParticipantRequest = parse(body)?;
            Ok((StatusCode::CREATED, to_json(sim.connect_participant(room, &req.identity)?)))
        }
        ("POST", ["rooms", room, "participants", identity, "disconnect"]) => {
            ok(to_json(sim.disconnect_participant(room, identity)?))
        }
        ("POST", ["rooms", room, "complete"]) => ok(to_json(sim.complete_room(room)?)),
        ("GET", ["recordings"]) => ok(to_json(
            sim.recordings()
                .into_iter()
                .filter(|r| wanted("account_sid", &r.account_sid) && wanted("room_sid", &r.room_sid))
                .collect::<Vec<_>>(),
        )),
        ("GET", ["compositions"]) => ok(to_json(
            sim.compositions()
                .into_iter()
                .filter(|c| wanted("account_sid", &c.account_sid) && wanted("room_sid", &c.room_sid))
                .collect::<Vec<_>>(),
        )),
        ("POST", ["compositions", cj, "complete"]) => ok(to_json(sim.complete_composition(cj)?)),
        ("POST", ["compositions", cj, "fail"]) => ok(to_json(sim.fail_composition(cj)?)),
        ("GET", ["callbacks", "mode"]) => ok(to_json(sim.callback_mode())),
        ("PUT", ["callbacks", "mode"]) => {
            sim.set_callback_mode(parse(body)?);
            ok(to_json(sim.callback_mode()))
        }
        ("POST", ["callbacks", "release"]) => {
            let req: ReleaseRequest = if body.is_empty() { ReleaseRequest::default() } else { parse(body)? };
            ok(json!({ "released": sim.release_callbacks(req.order).await }))
        }
        ("POST", ["callbacks", "flush"]) => {
            sim.flush_callbacks().await;
            ok(json!({}))
        }
        ("PUT", ["faults", op]) => {
            let op = ApiOp::parse(op).ok_or_else(|| SimError::Invalid(format!("unknown operation {op:?}")))?;
            let fault: Fault = parse(body)?;
            sim.set_fault(op, fault);
            ok(json!({}))
        }
        ("DELETE", ["faults"]) => {
            sim.clear_faults();
            ok(json!({}))
        }
        ("GET", ["flex", account]) => ok(sim.state().flex.active(account)),
        ("PUT", ["flex", account, "ui-attributes"]) => {
            let ui: Value = parse(body)?;
            if !ui.is_object() {
                return Err(SimError::Invalid("ui_attributes must be a JSON object".into()));
            }
            sim.state().flex.set_ui_attributes(account, ui);
            ok(sim.state().flex.active(account))
        }
        ("POST", ["reset"]) => {
            sim.reset();
            ok(json!({}))
        }
        _ => Err(SimError::Invalid(format!("no control route {method} /_sim/{}", segments.join("/")))),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, SimError> {
    serde_json::from_slice(body).map_err(|e| SimError::Invalid(e.to_string()))
}

fn to_json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
