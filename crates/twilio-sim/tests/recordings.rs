#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! Recordings and compositions as the simulator serves them over HTTP, in
//! twilio-oai's `twilio_video_v1` shapes: auth, errors, the lifecycle of
//! recordings and compositions, their callbacks, time-limited media links,
//! fault injection and the control API.

mod common;

use std::time::Duration;

use common::{Env, Receiver, env_with};
use escalate_twilio::signature::verify_signature;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use twilio_sim::{ApiOp, Fault, SimAccount, SimConfig};

/// A raw Twilio API caller with the test account's API key; redirects are
/// answers, not followed.
struct Api {
    base: String,
    user: String,
    password: String,
    http: reqwest::Client,
}

impl Api {
    fn new(env: &Env) -> Self {
        Self::of(&env.running.base_url, &env.account)
    }

    fn of(base: &str, account: &SimAccount) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let (user, password) = account.api_keys[0].clone();
        Self { base: base.to_owned(), user, password, http }
    }

    async fn send(&self, method: Method, path: &str, form: Option<&[(&str, &str)]>) -> reqwest::Response {
        let mut request =
            self.http.request(method, format!("{}{path}", self.base)).basic_auth(&self.user, Some(&self.password));
        if let Some(form) = form {
            request = request.form(form);
        }
        request.send().await.unwrap()
    }

    async fn call(&self, method: Method, path: &str, form: Option<&[(&str, &str)]>) -> (u16, Value) {
        let response = self.send(method, path, form).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        self.call(Method::POST, path, Some(form)).await
    }

    async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// A group room that records, optionally with a status callback.
    async fn recording_room(&self, name: &str, callback: Option<&str>) -> String {
        let mut form = vec![("UniqueName", name), ("RecordParticipantsOnConnect", "true")];
        if let Some(url) = callback {
            form.push(("StatusCallback", url));
        }
        let (status, room) = self.post("/v1/Rooms", &form).await;
        assert_eq!(status, 201, "{room}");
        room["sid"].as_str().unwrap().to_owned()
    }

    async fn compose(&self, room: &str, extra: &[(&str, &str)]) -> (u16, Value) {
        let mut form =
            vec![("RoomSid", room), ("AudioSources", "*"), ("VideoLayout", r#"{"grid":{"video_sources":["*"]}}"#)];
        form.extend_from_slice(extra);
        self.post("/v1/Compositions", &form).await
    }
}

fn is_sid(value: &Value, prefix: &str) -> bool {
    value
        .as_str()
        .is_some_and(|v| v.len() == 34 && v.starts_with(prefix) && v[2..].bytes().all(|b| b.is_ascii_hexdigit()))
}

fn error(body: &Value) -> (u64, u64) {
    assert!(body["message"].is_string() && body["more_info"].is_string(), "Twilio error document: {body}");
    (body["status"].as_u64().unwrap(), body["code"].as_u64().unwrap())
}

fn quick() -> SimConfig {
    SimConfig { composition_delay: Duration::from_millis(500), ..SimConfig::default() }
}

fn instant() -> SimConfig {
    SimConfig { composition_delay: Duration::ZERO, ..SimConfig::default() }
}

/// Polls `GET path` until `status` is `want` (or fails after 3 s).
async fn wait_for_status(api: &Api, path: &str, want: &str) -> Value {
    for _ in 0..300 {
        let (_, body) = api.get(path).await;
        if body["status"] == want {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{path} never became {want}: {}", api.get(path).await.1);
}

#[tokio::test]
async fn rooms_remember_record_participants_on_connect() {
    let env = env_with(SimConfig::default()).await;
    let api = Api::new(&env);
    let (status, room) = api.post("/v1/Rooms", &[("UniqueName", "rec"), ("RecordParticipantsOnConnect", "true")]).await;
    assert_eq!(status, 201);
    assert_eq!(room["record_participants_on_connect"], true);
    let (_, fetched) = api.get(&format!("/v1/Rooms/{}", room["sid"].as_str().unwrap())).await;
    assert_eq!(fetched["record_participants_on_connect"], true);
    assert!(fetched["links"]["recordings"].as_str().unwrap().ends_with("/Recordings"));
    let (_, plain) = api.post("/v1/Rooms", &[("UniqueName", "plain")]).await;
    assert_eq!(plain["record_participants_on_connect"], false);
    let (status, body) = api.post("/v1/Rooms", &[("UniqueName", "bad"), ("RecordParticipantsOnConnect", "yes")]).await;
    assert_eq!((status, error(&body)), (400, (400, 20001)));
}

#[tokio::test]
async fn each_participant_of_a_recording_room_is_recorded_per_track() {
    let env = env_with(SimConfig::default()).await;
    let api = Api::new(&env);
    let room = api.recording_room("tracks", None).await;
    let alice = env.sim.connect_participant(&room, "alice").unwrap();
    let bob = env.sim.connect_participant(&room, "bob").unwrap();

    let (status, page) = api.get(&format!("/v1/Recordings?GroupingSid={room}")).await;
    assert_eq!(status, 200);
    assert_eq!(page["meta"]["key"], "recordings");
    let recordings = page["recordings"].as_array().unwrap();
    assert_eq!(recordings.len(), 4);
    for rec in recordings {
        assert!(is_sid(&rec["sid"], "RT") && is_sid(&rec["source_sid"], "MT"), "{rec}");
        assert_eq!(rec["account_sid"], env.account.account_sid.as_str());
        assert_eq!(rec["status"], "processing");
        assert_eq!((rec["duration"].as_u64(), rec["size"].as_u64()), (Some(0), Some(0)));
        assert_eq!(rec["grouping_sids"]["room_sid"], room.as_str());
        assert!(rec["date_created"].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().is_ok());
        let url = rec["url"].as_str().unwrap();
        assert_eq!(url, format!("{}/v1/Recordings/{}", env.running.base_url, rec["sid"].as_str().unwrap()));
        assert_eq!(rec["links"]["media"], format!("{url}/Media"));
        match rec["type"].as_str().unwrap() {
            "audio" => assert_eq!((&rec["container_format"], &rec["codec"]), (&json!("mka"), &json!("OPUS"))),
            "video" => assert_eq!((&rec["container_format"], &rec["codec"]), (&json!("mkv"), &json!("VP8"))),
            other => panic!("type {other}"),
        }
    }
    let (_, alices) = api.get(&format!("/v1/Recordings?GroupingSid={room}&GroupingSid={}", alice.sid)).await;
    assert_eq!(alices["recordings"].as_array().unwrap().len(), 2);
    let (_, videos) = api.get(&format!("/v1/Recordings?GroupingSid={}&MediaType=video", bob.sid)).await;
    assert_eq!(videos["recordings"].as_array().unwrap().len(), 1);

    // Leaving stops a participant's recordings; the room's end stops the rest.
    tokio::time::sleep(Duration::from_millis(600)).await;
    env.sim.disconnect_participant(&room, "alice").unwrap();
    let (_, done) = api.get(&format!("/v1/Recordings?GroupingSid={room}&Status=completed")).await;
    let done = done["recordings"].as_array().unwrap().clone();
    assert_eq!(done.len(), 2);
    for rec in &done {
        assert_eq!(rec["grouping_sids"]["participant_sid"], alice.sid.as_str());
        assert!(rec["duration"].as_u64().unwrap() >= 1, "{rec}");
        assert!(rec["size"].as_u64().unwrap() > 0, "{rec}");
    }
    let (_, fetched) = api.get(&format!("/v1/Recordings/{}", done[0]["sid"].as_str().unwrap())).await;
    assert_eq!(fetched, done[0]);
    env.sim.complete_room(&room).unwrap();
    let (_, all) = api.get(&format!("/v1/Rooms/{room}/Recordings")).await;
    let all = all["recordings"].as_array().unwrap().clone();
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|r| r["status"] == "completed" && r["room_sid"] == room.as_str()), "{all:?}");
    let rt = all[0]["sid"].as_str().unwrap();
    let (status, one) = api.get(&format!("/v1/Rooms/{room}/Recordings/{rt}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["url"], format!("{}/v1/Rooms/{room}/Recordings/{rt}", env.running.base_url));

    // A room that does not record has none; another account sees none of ours.
    let (_, plain) = api.post("/v1/Rooms", &[("UniqueName", "plain")]).await;
    env.sim.connect_participant(plain["sid"].as_str().unwrap(), "carol").unwrap();
    // Twilio records group rooms only.
    let p2p = [("UniqueName", "p2p"), ("Type", "peer-to-peer"), ("RecordParticipantsOnConnect", "true")];
    let (_, p2p) = api.post("/v1/Rooms", &p2p).await;
    env.sim.connect_participant(p2p["sid"].as_str().unwrap(), "dave").unwrap();
    assert_eq!(env.sim.recordings().len(), 4);
    let other = SimAccount::generate("Other");
    env.sim.add_account(other.clone());
    let theirs = Api::of(&env.running.base_url, &other);
    let (status, body) = theirs.get(&format!("/v1/Recordings/{rt}")).await;
    assert_eq!((status, error(&body)), (404, (404, 20404)));
    assert_eq!(theirs.get("/v1/Recordings").await.1["recordings"], json!([]));
    assert_eq!(theirs.get(&format!("/v1/Rooms/{room}/Recordings")).await.0, 404);
}

#[tokio::test]
async fn recording_callbacks_are_signed_and_numbered_with_the_rooms_others() {
    let env = env_with(SimConfig::default()).await;
    let api = Api::new(&env);
    let receiver = Receiver::start(Duration::ZERO).await;
    let hook = format!("{}/rooms?t=1", receiver.base_url);
    let room = api.recording_room("hooked", Some(&hook)).await;
    let alice = env.sim.connect_participant(&room, "alice").unwrap();
    env.sim.complete_room(&room).unwrap();

    let got = receiver.wait_for(8).await;
    let events: Vec<&str> = got.iter().map(|r| r.param("StatusCallbackEvent").unwrap()).collect();
    assert_eq!(
        events,
        [
            "room-created",
            "participant-connected",
            "recording-started",
            "recording-started",
            "participant-disconnected",
            "recording-completed",
            "recording-completed",
            "room-ended"
        ]
    );
    let numbers: Vec<u64> = got.iter().map(|r| r.param("SequenceNumber").unwrap().parse().unwrap()).collect();
    assert_eq!(numbers, (0..8).collect::<Vec<_>>());
    let recordings = env.sim.recordings();
    for r in &got {
        assert!(verify_signature(&env.account.auth_token, &r.url, &r.params, r.signature.as_deref().unwrap()));
        if r.param("StatusCallbackEvent").unwrap().starts_with("recording-") {
            let sid = r.param("RecordingSid").unwrap();
            let rec = recordings.iter().find(|x| x.sid == sid).unwrap();
            assert_eq!(r.param("RecordingUri"), Some(format!("/v1/Recordings/{sid}").as_str()));
            assert_eq!(r.param("SourceSid"), Some(rec.source_sid.as_str()));
            assert_eq!(r.param("ParticipantSid"), Some(alice.sid.as_str()));
            assert_eq!(r.param("Container"), Some(rec.kind.container()));
            let grouping: Value = serde_json::from_str(r.param("GroupingSids").unwrap()).unwrap();
            assert_eq!(grouping["room_sid"], room.as_str());
            let completed = r.param("StatusCallbackEvent") == Some("recording-completed");
            assert_eq!(r.param("Duration").is_some(), completed);
            assert_eq!(r.param("Size").is_some(), completed);
        }
    }
}

#[tokio::test]
async fn recording_and_composition_endpoints_need_credentials() {
    let env = env_with(SimConfig::default()).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let base = &env.running.base_url;
    let rt = "RT00000000000000000000000000000000";
    let cj = "CJ00000000000000000000000000000000";
    let requests = [
        (Method::GET, format!("{base}/v1/Recordings")),
        (Method::GET, format!("{base}/v1/Recordings/{rt}")),
        (Method::DELETE, format!("{base}/v1/Recordings/{rt}")),
        (Method::GET, format!("{base}/v1/Recordings/{rt}/Media")),
        (Method::GET, format!("{base}/v1/Rooms/RM00000000000000000000000000000000/Recordings")),
        (Method::GET, format!("{base}/v1/Compositions")),
        (Method::POST, format!("{base}/v1/Compositions")),
        (Method::GET, format!("{base}/v1/Compositions/{cj}")),
        (Method::DELETE, format!("{base}/v1/Compositions/{cj}")),
        (Method::GET, format!("{base}/v1/Compositions/{cj}/Media")),
    ];
    for (method, url) in requests {
        for wrong in [None, Some("wrong-secret")] {
            let mut request = http.request(method.clone(), &url);
            if let Some(secret) = wrong {
                request = request.basic_auth(&env.account.api_keys[0].0, Some(secret));
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {url}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(error(&body), (401, 20003), "{method} {url}");
        }
    }
    let api = Api::new(&env);
    let (status, body) = api.call(Method::PUT, &format!("/v1/Compositions/{cj}"), None).await;
    assert_eq!((status, error(&body)), (405, (405, 20004)));
}

#[tokio::test]
async fn a_deleted_recording_keeps_its_metadata_and_loses_its_media() {
    let env = env_with(SimConfig::default()).await;
    let api = Api::new(&env);
    let room = api.recording_room("gone", None).await;
    env.sim.connect_participant(&room, "alice").unwrap();
    env.sim.complete_room(&room).unwrap();
    let rt = env.sim.recordings()[0].sid.clone();

    let (status, media) = api.get(&format!("/v1/Recordings/{rt}/Media")).await;
    assert_eq!(status, 302);
    let link = media["redirect_to"].as_str().unwrap().to_owned();
    let file = reqwest::get(&link).await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "audio/x-matroska");

    let response = api.send(Method::DELETE, &format!("/v1/Recordings/{rt}"), None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
    let (status, rec) = api.get(&format!("/v1/Recordings/{rt}")).await;
    assert_eq!((status, rec["status"].as_str()), (200, Some("deleted")));
    let (status, body) = api.delete(&format!("/v1/Recordings/{rt}")).await;
    assert_eq!((status, error(&body)), (404, (404, 20404)));
    let (status, body) = api.get(&format!("/v1/Recordings/{rt}/Media")).await;
    assert_eq!((status, error(&body)), (404, (404, 20404)));
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 404, "the media is gone");
    let (_, deleted) = api.get(&format!("/v1/Recordings?GroupingSid={room}&Status=deleted")).await;
    assert_eq!(deleted["recordings"].as_array().unwrap().len(), 1);
    let (status, body) = api.delete("/v1/Recordings/RT00000000000000000000000000000000").await;
    assert_eq!((status, error(&body)), (404, (404, 20404)));
}

#[tokio::test]
async fn a_composition_waits_for_its_room_then_processes_and_completes() {
    let env = env_with(quick()).await;
    let api = Api::new(&env);
    let receiver = Receiver::start(Duration::ZERO).await;
    let room = api.recording_room("composed", None).await;
    env.sim.connect_participant(&room, "alice").unwrap();
    env.sim.connect_participant(&room, "bob").unwrap();
    let hook = format!("{}/compositions", receiver.base_url);
    let (status, comp) = api.compose(&room, &[("Format", "mp4"), ("StatusCallback", &hook)]).await;
    assert_eq!(status, 201, "{comp}");
    assert!(is_sid(&comp["sid"], "CJ"));
    let cj = comp["sid"].as_str().unwrap().to_owned();
    assert_eq!(comp["status"], "enqueued");
    assert_eq!(comp["room_sid"], room.as_str());
    assert_eq!(comp["format"], "mp4");
    assert_eq!(comp["audio_sources"], json!(["*"]));
    assert_eq!(comp["video_layout"], json!({"grid": {"video_sources": ["*"]}}));
    assert_eq!((comp["resolution"].as_str(), comp["trim"].as_bool()), (Some("640x480"), Some(true)));
    assert_eq!((comp["duration"].as_u64(), comp["size"].as_u64()), (Some(0), Some(0)));
    assert!(comp["date_completed"].is_null() && comp["date_deleted"].is_null());
    let url = format!("{}/v1/Compositions/{cj}", env.running.base_url);
    assert_eq!(
        (comp["url"].as_str(), comp["links"]["media"].as_str()),
        (Some(url.as_str()), Some(format!("{url}/Media").as_str()))
    );

    // Nothing happens while the room is in progress.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(api.get(&format!("/v1/Compositions/{cj}")).await.1["status"], "enqueued");
    let (status, body) = api.get(&format!("/v1/Compositions/{cj}/Media")).await;
    assert_eq!((status, error(&body)), (404, (404, 20404)));

    env.sim.complete_room(&room).unwrap();
    assert_eq!(api.get(&format!("/v1/Compositions/{cj}")).await.1["status"], "processing");
    let done = wait_for_status(&api, &format!("/v1/Compositions/{cj}"), "completed").await;
    assert!(done["duration"].as_u64().unwrap() >= 1, "{done}");
    assert!(done["size"].as_u64().unwrap() > 0);
    assert!(done["date_completed"].is_string());

    let (_, listed) = api.get(&format!("/v1/Compositions?RoomSid={room}")).await;
    assert_eq!(listed["meta"]["key"], "compositions");
    assert_eq!(listed["compositions"], json!([done]));
    let (_, none) = api.get(&format!("/v1/Compositions?RoomSid={room}&Status=enqueued")).await;
    assert_eq!(none["compositions"], json!([]));

    let got = receiver.wait_for(3).await;
    let events: Vec<&str> = got.iter().map(|r| r.param("StatusCallbackEvent").unwrap()).collect();
    assert_eq!(events, ["composition-enqueued", "composition-started", "composition-available"]);
    for r in &got {
        assert!(verify_signature(&env.account.auth_token, &r.url, &r.params, r.signature.as_deref().unwrap()));
        assert_eq!((r.param("CompositionSid"), r.param("RoomSid")), (Some(cj.as_str()), Some(room.as_str())));
        assert_eq!(r.param("AccountSid"), Some(env.account.account_sid.as_str()));
    }
    assert_eq!(got[2].param("MediaUri"), Some(format!("/v1/Compositions/{cj}/Media").as_str()));
    assert_eq!(got[2].param("Duration"), Some(done["duration"].to_string().as_str()));
}

#[tokio::test]
async fn a_composition_of_an_ended_room_answers_enqueued_and_then_completes() {
    let env = env_with(instant()).await;
    let api = Api::new(&env);
    let room = api.recording_room("ended", None).await;
    env.sim.connect_participant(&room, "alice").unwrap();
    env.sim.complete_room(&room).unwrap();
    let (status, comp) = api.compose(&room, &[]).await;
    assert_eq!((status, comp["status"].as_str(), comp["format"].as_str()), (201, Some("enqueued"), Some("webm")));
    let (_, now) = api.get(&format!("/v1/Compositions/{}", comp["sid"].as_str().unwrap())).await;
    assert_eq!(now["status"], "completed");
}

#[tokio::test]
async fn compositions_are_refused_as_twilio_refuses_them() {
    let env = env_with(SimConfig::default()).await;
    let api = Api::new(&env);
    let room = api.recording_room("refusals", None).await;
    let grid = r#"{"grid":{"video_sources":["*"]}}"#;

    // A room without recordings yet.
    let (status, body) = api.compose(&room, &[]).await;
    assert_eq!((status, error(&body)), (400, (400, 20001)));
    assert!(body["message"].as_str().unwrap().contains("no recordings"), "{body}");

    env.sim.connect_participant(&room, "alice").unwrap();
    type Form<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(Form, (u64, u64))> = vec![
        (vec![("AudioSources", "*")], (400, 20001)),
        (vec![("RoomSid", "RM00000000000000000000000000000000"), ("AudioSources", "*")], (404, 53106)),
        (vec![("RoomSid", &room)], (400, 20001)),
        (vec![("RoomSid", &room), ("VideoLayout", "{}")], (400, 20001)),
        (vec![("RoomSid", &room), ("VideoLayout", "not json")], (400, 20001)),
        (vec![("RoomSid", &room), ("AudioSources", "*"), ("Format", "avi")], (400, 20001)),
        (vec![("RoomSid", &room), ("AudioSources", "*"), ("Resolution", "1280x1280")], (400, 20001)),
        (vec![("RoomSid", &room), ("VideoLayout", grid), ("StatusCallback", "ftp://x")], (400, 20001)),
        (vec![("RoomSid", &room), ("VideoLayout", grid), ("StatusCallbackMethod", "PUT")], (400, 20001)),
        (vec![("RoomSid", &room), ("VideoLayout", grid), ("Trim", "maybe")], (400, 20001)),
    ];
    for (form, expected) in &cases {
        let (status, body) = api.post("/v1/Compositions", form).await;
        assert_eq!((status as u64, error(&body)), (expected.0, *expected), "{form:?}");
    }
    // Another account's room does not exist for us.
    let other = SimAccount::generate("Other");
    env.sim.add_account(other.clone());
    let (status, body) = Api::of(&env.running.base_url, &other).compose(&room, &[]).await;
    assert_eq!((status, error(&body)), (404, (404, 53106)));

    // Every recording deleted: Twilio's 53628.
    env.sim.complete_room(&room).unwrap();
    for rec in env.sim.recordings() {
        assert_eq!(api.delete(&format!("/v1/Recordings/{}", rec.sid)).await.0, 204);
    }
    let (status, body) = api.compose(&room, &[]).await;
    assert_eq!((status, error(&body)), (400, (400, 53628)));
    assert!(env.sim.compositions().is_empty());
}

#[tokio::test]
async fn a_media_link_is_a_signed_url_on_the_simulator_that_expires() {
    let env = env_with(instant()).await;
    let api = Api::new(&env);
    let room = api.recording_room("media", None).await;
    env.sim.connect_participant(&room, "alice").unwrap();
    env.sim.complete_room(&room).unwrap();
    let (_, comp) = api.compose(&room, &[("Format", "mp4")]).await;
    let cj = comp["sid"].as_str().unwrap();
    let done = wait_for_status(&api, &format!("/v1/Compositions/{cj}"), "completed").await;

    let response = api.send(Method::GET, &format!("/v1/Compositions/{cj}/Media?Ttl=1"), None).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "redirect_to": location }));
    assert!(location.starts_with(&format!("{}/_sim/media/compositions/{cj}.mp4?", env.running.base_url)), "{location}");
    assert!(location.contains("Expires=") && location.contains("Signature="));

    // Anyone holding the link downloads the file, without credentials.
    let file = reqwest::get(&location).await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "video/mp4");
    let bytes = file.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, done["size"].as_u64().unwrap());
    assert_eq!(&bytes[4..8], b"ftyp");
    // A forged or altered link is refused.
    let forged = location.replace("Expires=", "Expires=9");
    assert_eq!(reqwest::get(&forged).await.unwrap().status(), 403);
    let unsigned = location.split("&Signature").next().unwrap().to_owned();
    assert_eq!(reqwest::get(&unsigned).await.unwrap().status(), 403);
    // … and so is the link once its Ttl has passed.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = reqwest::get(&location).await.unwrap();
    assert_eq!(expired.status(), 403);
    assert!(expired.text().await.unwrap().contains("expired"));

    // Ttl is 1 s up to a week; an hour by default.
    let (status, body) = api.get(&format!("/v1/Compositions/{cj}/Media?Ttl=0")).await;
    assert_eq!((status, error(&body)), (400, (400, 20001)));
    let (status, body) = api.get(&format!("/v1/Compositions/{cj}/Media?Ttl=soon")).await;
    assert_eq!((status, error(&body)), (400, (400, 20001)));
    let (status, body) = api.get(&format!("/v1/Compositions/{cj}/Media")).await;
    assert_eq!(status, 302);
    let expires: i64 = body["redirect_to"]
        .as_str()
        .unwrap()
        .split("Expires=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((expires - chrono::Utc::now().timestamp() - 3600).abs() <= 2, "{expires}");
}

#[tokio::test]
async fn deleting_a_composition_revokes_its_media_and_keeps_its_metadata() {
    let env = env_with(instant()).await;
    let api = Api::new(&env);
    let room = api.recording_room("revoked", None).await;
    env.sim.connect_participant(&room, "alice").unwrap();
    env.sim.complete_room(&room).unwrap();
    let (_, comp) = api.compose(&room, &[]).await;
    let cj = comp["sid"].as_str().unwrap();
    wait_for_status(&api, &format!("/v1/Compositions/{cj}"), "completed").await;
    let (_, media) = api.get(&format!("/v1/Compositions/{cj}/Media?Ttl=600")).await;
    let link = media["redirect_to"].as_str().unwrap().to_owned();
    let file = reqwest::get(&link).await.unwrap();
    assert_eq!((file.status().as_u16(), file.headers()["content-type"].to_str().unwrap()), (200, "video/webm"));

    assert_eq!(api.delete(&format!("/v1/Compositions/{cj}")).await.0, 204);
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 404, "a link handed out earlier stops working");
    let (status, gone) = api.get(&format!("/v1/Compositions/{cj}")).await;
    assert_eq!((status, gone["status"].as_str()), (200, Some("deleted")));
    assert!(gone["date_deleted"].is_string());
    let (status, body) = api.get(&format!("/v1/Compositions/{cj}/Media")).await;
    assert_eq!((status, error(&body)), (404, (404, 20404)));
    let (status, body) = api.delete(&format!("/v1/Compositions/{cj}")).await;
    assert_eq!((status, error(&body)), (404, (404, 20404)));
    let (status, body) = api.get("/v1/Compositions/CJ00000000000000000000000000000000").await;
    assert_eq!((status, error(&body)), (404, (404, 20404)));
}

#[tokio::test]
async fn composition_faults_are_injected_through_the_control_api() {
    let env = env_with(SimConfig::default()).await;
    let api = Api::new(&env);
    let room = api.recording_room("faulty", None).await;
    env.sim.connect_participant(&room, "alice").unwrap();
    let control = reqwest::Client::new();
    let base = &env.running.base_url;
    for (status, code) in [(429u16, 20429u64), (503, 20500)] {
        let fault = json!({ "status": status, "retry_after_secs": 2, "times": 1 });
        let answer = control.put(format!("{base}/_sim/faults/create_composition")).json(&fault).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let before = env.sim.compositions().len();
        let response =
            api.send(Method::POST, "/v1/Compositions", Some(&[("RoomSid", &room), ("AudioSources", "*")])).await;
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(response.headers()["retry-after"], "2");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error(&body), (status as u64, code));
        assert_eq!(env.sim.compositions().len(), before, "a refused request creates nothing");
        let (again, _) = api.compose(&room, &[]).await;
        assert_eq!(again, 201, "the fault applied once");
    }
    assert_eq!(env.sim.request_count(ApiOp::CreateComposition), 4);
    env.sim.set_fault(ApiOp::FetchCompositionMedia, Fault { status: Some(500), times: Some(1), ..Fault::default() });
    let cj = env.sim.compositions()[0].sid.clone();
    assert_eq!(api.get(&format!("/v1/Compositions/{cj}/Media")).await.0, 500);
}

#[tokio::test]
async fn the_control_api_lists_recordings_and_compositions_and_forces_them_on() {
    let env = env_with(SimConfig::default()).await;
    let api = Api::new(&env);
    let receiver = Receiver::start(Duration::ZERO).await;
    let base = &env.running.base_url;
    let control = reqwest::Client::new();
    let get = |path: String| {
        let control = control.clone();
        async move { control.get(path).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let room = api.recording_room("forced", None).await;
    let other_room = api.recording_room("other", None).await;
    env.sim.connect_participant(&room, "alice").unwrap();
    env.sim.connect_participant(&other_room, "bob").unwrap();

    let all = get(format!("{base}/_sim/recordings?account_sid={}", env.account.account_sid)).await;
    assert_eq!(all.as_array().unwrap().len(), 4);
    let ours = get(format!("{base}/_sim/recordings?room_sid={room}")).await;
    assert_eq!(ours.as_array().unwrap().len(), 2);
    assert_eq!(ours[0]["participant_identity"], "alice");
    assert_eq!(ours[0]["status"], "processing");
    assert_eq!(get(format!("{base}/_sim/recordings?account_sid=AC00000000000000000000000000000000")).await, json!([]));

    // The room is still in progress; the control API completes the composition anyway.
    let hook = format!("{}/c", receiver.base_url);
    let (_, comp) = api.compose(&room, &[("StatusCallback", &hook)]).await;
    let cj = comp["sid"].as_str().unwrap();
    let forced = control.post(format!("{base}/_sim/compositions/{cj}/complete")).send().await.unwrap();
    assert_eq!(forced.status(), 200);
    let forced: Value = forced.json().await.unwrap();
    assert_eq!(forced["status"], "completed");
    assert_eq!(api.get(&format!("/v1/Compositions/{cj}")).await.1["status"], "completed");
    assert_eq!(api.get(&format!("/v1/Compositions/{cj}/Media")).await.0, 302);
    let events: Vec<String> =
        receiver.wait_for(3).await.iter().map(|r| r.param("StatusCallbackEvent").unwrap().to_owned()).collect();
    assert_eq!(events, ["composition-enqueued", "composition-started", "composition-available"]);

    let (_, failing) = api.compose(&other_room, &[("StatusCallback", &hook)]).await;
    let failing = failing["sid"].as_str().unwrap();
    let failed: Value =
        control.post(format!("{base}/_sim/compositions/{failing}/fail")).send().await.unwrap().json().await.unwrap();
    assert_eq!(failed["status"], "failed");
    let got = receiver.wait_for(5).await;
    assert_eq!(got[4].param("StatusCallbackEvent"), Some("composition-failed"));
    // A failed composition stays failed when its room ends.
    env.sim.complete_room(&other_room).unwrap();
    assert_eq!(api.get(&format!("/v1/Compositions/{failing}")).await.1["status"], "failed");

    let listed = get(format!("{base}/_sim/compositions?room_sid={room}")).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["sid"], cj);
    let unknown = control
        .post(format!("{base}/_sim/compositions/CJ00000000000000000000000000000000/complete"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    control.post(format!("{base}/_sim/reset")).send().await.unwrap();
    assert_eq!(get(format!("{base}/_sim/recordings")).await, json!([]));
    assert_eq!(get(format!("{base}/_sim/compositions")).await, json!([]));
}

#[tokio::test]
async fn recording_lists_are_paged_like_twilios() {
    let env = env_with(SimConfig::default()).await;
    let api = Api::new(&env);
    let room = api.recording_room("paged", None).await;
    for _ in 0..3 {
        env.sim.connect_participant(&room, "alice").unwrap(); // replaces the previous alice
    }
    let (_, first) = api.get(&format!("/v1/Rooms/{room}/Recordings?PageSize=4")).await;
    assert_eq!(first["recordings"].as_array().unwrap().len(), 4);
    assert_eq!(first["meta"]["page_size"], 4);
    let next = first["meta"]["next_page_url"].as_str().unwrap();
    let path = next.strip_prefix(&env.running.base_url).unwrap();
    let (_, second) = api.get(path).await;
    assert_eq!(second["recordings"].as_array().unwrap().len(), 2);
    assert!(second["meta"]["next_page_url"].is_null());
    assert_eq!(second["meta"]["page"], 1);
}
