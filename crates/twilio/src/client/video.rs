//! Recordings and compositions of Video rooms, as twilio-oai's
//! `twilio_video_v1` describes them: the track recordings a room made when
//! created with `RecordParticipantsOnConnect`, the composition that turns
//! them into one playable file, the time-limited link to its media, and
//! deleting both once they have been kept long enough.
//!
//! Reads and deletes are resent after any retryable failure (deleting twice
//! is deleting once; a 404 met by a *retry* means our earlier attempt
//! deleted it). Creating a composition is resent only when Twilio surely
//! did not process it: a second one would be composed and billed again.

use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::{AccountClient, Api, Auth, Body, Call};
use crate::TwilioError;
use crate::resources::{Composition, CompositionFormat, Recording};
use crate::retry::Resend;

/// The video layout of [`AccountClient::create_composition`]: every
/// participant's video in a grid.
const GRID_LAYOUT: &str = r#"{"grid":{"video_sources":["*"]}}"#;

/// A room has two recordings per participant and a handful of
/// compositions; 20 pages of 100 is far beyond any call.
const MAX_PAGES: usize = 20;

#[derive(serde::Deserialize)]
struct Page<T> {
    #[serde(alias = "recordings", alias = "compositions")]
    items: Vec<T>,
    meta: Meta,
}

#[derive(serde::Deserialize)]
struct Meta {
    #[serde(default)]
    next_page_url: Option<String>,
}

#[derive(serde::Deserialize)]
struct MediaRedirect {
    redirect_to: String,
}

impl AccountClient {
    /// `GET {video}/v1/Rooms/{RM}/Recordings`: every track recording of the
    /// room (each participant's audio and video), all pages.
    pub async fn list_room_recordings(&self, room_sid: &str) -> Result<Vec<Recording>, TwilioError> {
        let target = self.url(Api::Video, &["v1", "Rooms", room_sid, "Recordings"])?;
        self.read_pages("list_room_recordings", target).await
    }

    /// `DELETE {video}/v1/Recordings/{RT}` (Twilio answers 204; the
    /// recording's metadata stays with `status: deleted`, its media is gone).
    pub async fn delete_recording(&self, recording_sid: &str) -> Result<(), TwilioError> {
        let target = self.url(Api::Video, &["v1", "Recordings", recording_sid])?;
        self.delete("delete_recording", target).await
    }

    /// `GET {video}/v1/Recordings/{RT}/Media?Ttl=`: the time-limited URL of
    /// the recording's media file (see [`Self::composition_media_url`]).
    pub async fn recording_media_url(&self, recording_sid: &str, ttl_seconds: u32) -> Result<String, TwilioError> {
        let target = self.url(Api::Video, &["v1", "Recordings", recording_sid, "Media"])?;
        self.media_url("fetch_recording_media", target, ttl_seconds).await
    }

    /// `POST {video}/v1/Compositions`: one `format` file of the room, with
    /// the audio of every participant (`AudioSources=*`) and their videos in
    /// a grid. Twilio answers `enqueued`; the composition is processed once
    /// the room has ended, and `status_callback` (if any) is called with
    /// `composition-enqueued`, `-started`, `-available` or `-failed`.
    /// Resent only after a 429 or a connection that never opened.
    pub async fn create_composition(
        &self,
        room_sid: &str,
        format: CompositionFormat,
        status_callback: Option<&str>,
    ) -> Result<Composition, TwilioError> {
        let target = self.url(Api::Video, &["v1", "Compositions"])?;
        let mut form = vec![
            ("RoomSid", room_sid.to_owned()),
            ("AudioSources", "*".to_owned()),
            ("VideoLayout", GRID_LAYOUT.to_owned()),
            ("Format", format.as_str().to_owned()),
        ];
        if let Some(url) = status_callback {
            form.push(("StatusCallback", url.to_owned()));
            form.push(("StatusCallbackMethod", "POST".to_owned()));
        }
        let call = Call::new("create_composition", Method::POST, target, Auth::ApiKey)
            .body(Body::Form(form))
            .resend(Resend::OnlyIfUnprocessed);
        self.execute(call).await.0
    }

    /// `GET {video}/v1/Compositions/{CJ}`.
    pub async fn fetch_composition(&self, composition_sid: &str) -> Result<Composition, TwilioError> {
        let target = self.url(Api::Video, &["v1", "Compositions", composition_sid])?;
        self.execute(Call::new("fetch_composition", Method::GET, target, Auth::ApiKey)).await.0
    }

    /// `GET {video}/v1/Compositions?RoomSid={RM}`: the room's compositions,
    /// newest first, all pages.
    pub async fn list_compositions(&self, room_sid: &str) -> Result<Vec<Composition>, TwilioError> {
        let mut target = self.url(Api::Video, &["v1", "Compositions"])?;
        target.0.query_pairs_mut().append_pair("RoomSid", room_sid);
        self.read_pages("list_compositions", target).await
    }

    /// `GET {video}/v1/Compositions/{CJ}/Media?Ttl={ttl_seconds}`: the URL
    /// of the composition's file that Twilio redirects to, valid for
    /// `ttl_seconds`, which anyone holding it can download without
    /// credentials. The redirect is not followed (the file is not fetched):
    /// the URL is read from its `Location` (or the `redirect_to` of its body).
    /// A composition that is not `completed` has no media (404).
    pub async fn composition_media_url(&self, composition_sid: &str, ttl_seconds: u32) -> Result<String, TwilioError> {
        let target = self.url(Api::Video, &["v1", "Compositions", composition_sid, "Media"])?;
        self.media_url("fetch_composition_media", target, ttl_seconds).await
    }

    /// `DELETE {video}/v1/Compositions/{CJ}` (204; the metadata stays with
    /// `status: deleted`, the media and any link to it are gone).
    pub async fn delete_composition(&self, composition_sid: &str) -> Result<(), TwilioError> {
        let target = self.url(Api::Video, &["v1", "Compositions", composition_sid])?;
        self.delete("delete_composition", target).await
    }

    async fn media_url(
        &self,
        op: &'static str,
        mut target: (Url, Option<String>),
        ttl_seconds: u32,
    ) -> Result<String, TwilioError> {
        target.0.query_pairs_mut().append_pair("Ttl", &ttl_seconds.to_string());
        let mut call = Call::new(op, Method::GET, target, Auth::ApiKey);
        call.redirect = true;
        let answer: MediaRedirect = self.execute(call).await.0?;
        Ok(answer.redirect_to)
    }

    async fn delete(&self, op: &'static str, target: (Url, Option<String>)) -> Result<(), TwilioError> {
        let (answer, attempts) =
            self.execute::<serde_json::Value>(Call::new(op, Method::DELETE, target, Auth::ApiKey)).await;
        match answer {
            Ok(_) | Err(TwilioError::Decode(_)) => Ok(()), // 204: no body
            // An earlier attempt deleted it; its answer was lost.
            Err(TwilioError::Api { status: 404, .. }) if attempts > 1 => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every item of a list, following `next_page_url` (its path and query,
    /// on the host this client talks to).
    async fn read_pages<T: DeserializeOwned>(
        &self,
        op: &'static str,
        mut target: (Url, Option<String>),
    ) -> Result<Vec<T>, TwilioError> {
        target.0.query_pairs_mut().append_pair("PageSize", "100");
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<T> = self.execute(Call::new(op, Method::GET, target.clone(), Auth::ApiKey)).await.0?;
            all.extend(page.items);
            match page.meta.next_page_url.and_then(|u| Url::parse(&u).ok()) {
                Some(next) => {
                    target.0.set_path(next.path());
                    target.0.set_query(next.query());
                }
                None => break,
            }
        }
        Ok(all)
    }
}
