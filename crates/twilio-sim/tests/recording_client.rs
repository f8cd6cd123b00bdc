#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! The escalate-twilio recording and composition calls against the
//! simulator: results, errors, which failures are resent, and the names the
//! calls report to a `CallObserver`.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{Receiver, credentials, env_with, fast_options};
use escalate_twilio::{
    CallObserver, CallOutcome, CompositionFormat, CompositionStatus, CreateRoom, RecordingStatus, RecordingType,
    Twilio, TwilioError,
};
use twilio_sim::{ApiOp, Fault, SimAccount, SimConfig};

fn instant() -> SimConfig {
    SimConfig { composition_delay: Duration::ZERO, ..SimConfig::default() }
}

fn api_error(err: &TwilioError) -> (u16, Option<u32>) {
    match err {
        TwilioError::Api { status, code, .. } => (*status, *code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn recording_room(name: &str) -> CreateRoom {
    CreateRoom { record_participants_on_connect: Some(true), ..CreateRoom::group(name) }
}

fn once(status: u16) -> Fault {
    Fault { status: Some(status), retry_after_secs: Some(0), times: Some(1), ..Fault::default() }
}

#[derive(Default)]
struct Calls(Mutex<Vec<(&'static str, CallOutcome, u32)>>);

impl CallObserver for Calls {
    fn observe(&self, op: &'static str, outcome: CallOutcome, attempts: u32, _elapsed: Duration) {
        self.0.lock().unwrap().push((op, outcome, attempts));
    }
}

#[tokio::test]
async fn a_recorded_call_is_listed_composed_linked_and_deleted() {
    let env = env_with(instant()).await;
    let calls = Arc::new(Calls::default());
    let client = env.twilio.clone().with_observer(calls.clone()).account(credentials(&env.account));
    let receiver = Receiver::start(Duration::ZERO).await;

    let room = client.create_room(&recording_room("recorded")).await.unwrap();
    assert_eq!(room.record_participants_on_connect, Some(true));
    env.sim.connect_participant(&room.sid, "agent").unwrap();
    env.sim.connect_participant(&room.sid, "customer").unwrap();
    client.complete_room(&room.sid).await.unwrap();

    let recordings = client.list_room_recordings(&room.sid).await.unwrap();
    assert_eq!(recordings.len(), 4);
    for rec in &recordings {
        assert_eq!(rec.status, RecordingStatus::Completed);
        assert!(rec.duration.unwrap() >= 1 && rec.size.unwrap() > 0, "{rec:?}");
        assert_eq!(rec.room_sid.as_deref(), Some(room.sid.as_str()));
        assert_eq!(rec.grouping_sids.room_sid.as_deref(), Some(room.sid.as_str()));
        assert!(rec.sid.starts_with("RT") && rec.source_sid.as_deref().is_some_and(|s| s.starts_with("MT")));
    }
    let kinds: Vec<RecordingType> = recordings.iter().map(|r| r.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == RecordingType::Audio).count(), 2);

    let hook = format!("{}/compositions", receiver.base_url);
    let composition = client.create_composition(&room.sid, CompositionFormat::Mp4, Some(&hook)).await.unwrap();
    assert_eq!(composition.status, CompositionStatus::Enqueued);
    assert_eq!((composition.room_sid.as_str(), composition.format), (room.sid.as_str(), Some(CompositionFormat::Mp4)));
    assert_eq!(composition.status_callback.as_deref(), Some(hook.as_str()));
    let held = &env.sim.compositions()[0];
    assert_eq!(held.audio_sources, ["*"]);
    assert_eq!(held.video_layout, serde_json::json!({"grid": {"video_sources": ["*"]}}));

    let done = client.fetch_composition(&composition.sid).await.unwrap();
    assert_eq!(done.status, CompositionStatus::Completed);
    assert!(done.duration.unwrap() >= 1 && done.size.unwrap() > 0 && done.date_completed.is_some());
    assert_eq!(client.list_compositions(&room.sid).await.unwrap(), vec![done.clone()]);
    let got = receiver.wait_for(3).await;
    assert_eq!(got[2].param("StatusCallbackEvent"), Some("composition-available"));

    let link = client.composition_media_url(&composition.sid, 600).await.unwrap();
    assert!(link.starts_with(&format!("{}/_sim/media/compositions/{}.mp4?", env.running.base_url, composition.sid)));
    let file = reqwest::get(&link).await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "video/mp4");
    assert_eq!(file.bytes().await.unwrap().len() as u64, done.size.unwrap());
    let track = client.recording_media_url(&recordings[0].sid, 60).await.unwrap();
    assert_eq!(reqwest::get(&track).await.unwrap().status(), 200);

    // Retention: delete the composition and every recording.
    client.delete_composition(&composition.sid).await.unwrap();
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 404);
    assert_eq!(client.fetch_composition(&composition.sid).await.unwrap().status, CompositionStatus::Deleted);
    let err = client.delete_composition(&composition.sid).await.unwrap_err();
    assert_eq!(api_error(&err), (404, Some(20404)));
    let err = client.composition_media_url(&composition.sid, 600).await.unwrap_err();
    assert_eq!(api_error(&err), (404, Some(20404)));
    for rec in &recordings {
        client.delete_recording(&rec.sid).await.unwrap();
    }
    assert!(client.list_room_recordings(&room.sid).await.unwrap().iter().all(|r| r.status == RecordingStatus::Deleted));
    let err = client.create_composition(&room.sid, CompositionFormat::Webm, None).await.unwrap_err();
    assert_eq!(api_error(&err), (400, Some(53628)));

    let ops: Vec<&str> = calls.0.lock().unwrap().iter().map(|(op, _, _)| *op).collect();
    for op in [
        "list_room_recordings",
        "create_composition",
        "fetch_composition",
        "list_compositions",
        "fetch_composition_media",
        "fetch_recording_media",
        "delete_composition",
        "delete_recording",
    ] {
        assert!(ops.contains(&op), "{op} reported: {ops:?}");
    }
    assert!(calls.0.lock().unwrap().contains(&("delete_composition", CallOutcome::ClientError, 1)));
}

#[tokio::test]
async fn unknown_resources_are_404_and_not_retried() {
    let env = env_with(instant()).await;
    let client = &env.client;
    let err = client.fetch_composition("CJ00000000000000000000000000000000").await.unwrap_err();
    assert_eq!(api_error(&err), (404, Some(20404)));
    assert_eq!(env.sim.request_count(ApiOp::FetchComposition), 1);
    let err = client.delete_recording("RT00000000000000000000000000000000").await.unwrap_err();
    assert_eq!(api_error(&err), (404, Some(20404)));
    assert_eq!(env.sim.request_count(ApiOp::DeleteRecording), 1);
    let err = client.list_room_recordings("RM00000000000000000000000000000000").await.unwrap_err();
    assert_eq!(api_error(&err), (404, Some(20404)));
    let err = client
        .create_composition("RM00000000000000000000000000000000", CompositionFormat::Mp4, None)
        .await
        .unwrap_err();
    assert_eq!(api_error(&err), (404, Some(53106)));
    // A room without recordings cannot be composed.
    let room = client.create_room(&CreateRoom::group("silent")).await.unwrap();
    let err = client.create_composition(&room.sid, CompositionFormat::Mp4, None).await.unwrap_err();
    assert_eq!(api_error(&err), (400, Some(20001)));
    assert!(client.list_room_recordings(&room.sid).await.unwrap().is_empty());
    assert!(client.list_compositions(&room.sid).await.unwrap().is_empty());
}

#[tokio::test]
async fn reads_are_retried_after_a_rate_limit_or_a_server_error() {
    let env = env_with(instant()).await;
    let client = &env.client;
    let room = client.create_room(&recording_room("retried")).await.unwrap();
    env.sim.connect_participant(&room.sid, "agent").unwrap();
    client.complete_room(&room.sid).await.unwrap();
    let composition = client.create_composition(&room.sid, CompositionFormat::Webm, None).await.unwrap();

    env.sim.set_fault(ApiOp::FetchComposition, once(429));
    assert_eq!(client.fetch_composition(&composition.sid).await.unwrap().status, CompositionStatus::Completed);
    assert_eq!(env.sim.request_count(ApiOp::FetchComposition), 2);

    env.sim.set_fault(ApiOp::ListRoomRecordings, once(503));
    assert_eq!(client.list_room_recordings(&room.sid).await.unwrap().len(), 2);
    assert_eq!(env.sim.request_count(ApiOp::ListRoomRecordings), 2);

    env.sim.set_fault(ApiOp::FetchCompositionMedia, once(429));
    let link = client.composition_media_url(&composition.sid, 60).await.unwrap();
    assert_eq!(env.sim.request_count(ApiOp::FetchCompositionMedia), 2);
    assert_eq!(reqwest::get(&link).await.unwrap().headers()["content-type"], "video/webm");

    env.sim.set_fault(ApiOp::ListCompositions, Fault { status: Some(429), times: Some(100), ..Fault::default() });
    let err = client.list_compositions(&room.sid).await.unwrap_err();
    assert_eq!(err, TwilioError::RateLimited { retry_after: None });
    assert_eq!(env.sim.request_count(ApiOp::ListCompositions), 4, "1 attempt + 3 retries");
}

#[tokio::test]
async fn a_composition_is_resent_after_a_rate_limit_but_not_after_a_server_error_or_a_lost_answer() {
    let env = env_with(instant()).await;
    let client = &env.client;
    let room = client.create_room(&recording_room("once")).await.unwrap();
    env.sim.connect_participant(&room.sid, "agent").unwrap();

    env.sim.set_fault(ApiOp::CreateComposition, once(503));
    let err = client.create_composition(&room.sid, CompositionFormat::Mp4, None).await.unwrap_err();
    assert_eq!(api_error(&err), (503, Some(20500)));
    assert_eq!(env.sim.request_count(ApiOp::CreateComposition), 1, "a 5xx may hide a composition: not resent");

    env.sim.set_fault(ApiOp::CreateComposition, once(429));
    client.create_composition(&room.sid, CompositionFormat::Mp4, None).await.unwrap();
    assert_eq!(env.sim.request_count(ApiOp::CreateComposition), 3);
    assert_eq!(env.sim.compositions().len(), 1);

    // The answer is lost after the composition was made: not resent, so no second one.
    env.sim.set_fault(ApiOp::CreateComposition, Fault { drop_connection: true, times: Some(1), ..Fault::default() });
    let err = client.create_composition(&room.sid, CompositionFormat::Mp4, None).await.unwrap_err();
    assert!(matches!(err, TwilioError::Transport(_)), "{err:?}");
    assert_eq!(env.sim.request_count(ApiOp::CreateComposition), 4);
    assert_eq!(env.sim.compositions().len(), 2);
}

#[tokio::test]
async fn a_delete_whose_answer_was_lost_still_succeeds() {
    let env = env_with(instant()).await;
    let client = &env.client;
    let room = client.create_room(&recording_room("lost")).await.unwrap();
    env.sim.connect_participant(&room.sid, "agent").unwrap();
    client.complete_room(&room.sid).await.unwrap();
    let composition = client.create_composition(&room.sid, CompositionFormat::Mp4, None).await.unwrap();
    let recording = client.list_room_recordings(&room.sid).await.unwrap().remove(0);

    // The first attempt deletes, then the connection drops; the retry meets 404.
    env.sim.set_fault(ApiOp::DeleteComposition, Fault { drop_connection: true, times: Some(1), ..Fault::default() });
    client.delete_composition(&composition.sid).await.unwrap();
    assert_eq!(env.sim.request_count(ApiOp::DeleteComposition), 2);
    assert_eq!(client.fetch_composition(&composition.sid).await.unwrap().status, CompositionStatus::Deleted);

    env.sim.set_fault(ApiOp::DeleteRecording, once(500));
    client.delete_recording(&recording.sid).await.unwrap();
    assert_eq!(env.sim.request_count(ApiOp::DeleteRecording), 2);
}

#[tokio::test]
async fn media_links_of_a_regional_account_point_at_a_reachable_simulator() {
    let env = env_with(instant()).await;
    let mut dublin = SimAccount::generate("Dublin");
    dublin.key_regions.insert(dublin.api_keys[0].0.clone(), "ie1".into());
    env.sim.add_account(dublin.clone());
    let mut creds = credentials(&dublin);
    creds.location = escalate_twilio::Location { region: Some("ie1".into()), edge: Some("dublin".into()) };
    let client = Twilio::new(fast_options(&env.running.base_url)).account(creds);

    let room = client.create_room(&recording_room("in-dublin")).await.unwrap();
    env.sim.connect_participant(&room.sid, "agent").unwrap();
    client.complete_room(&room.sid).await.unwrap();
    let composition = client.create_composition(&room.sid, CompositionFormat::Mp4, None).await.unwrap();
    let link = client.composition_media_url(&composition.sid, 60).await.unwrap();
    assert!(link.starts_with(&format!("http://{}/_sim/media/", env.running.addr)), "{link}");
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 200);
}

#[tokio::test]
async fn long_recording_lists_are_read_across_pages() {
    let env = env_with(instant()).await;
    let client = &env.client;
    let room = client.create_room(&recording_room("crowded")).await.unwrap();
    for _ in 0..51 {
        env.sim.connect_participant(&room.sid, "agent").unwrap(); // each replaces the last: 2 recordings a time
    }
    let all = client.list_room_recordings(&room.sid).await.unwrap();
    assert_eq!(all.len(), 102);
    assert_eq!(env.sim.request_count(ApiOp::ListRoomRecordings), 2);
    let mut sids: Vec<&str> = all.iter().map(|r| r.sid.as_str()).collect();
    sids.sort_unstable();
    sids.dedup();
    assert_eq!(sids.len(), 102, "no recording twice");
}
