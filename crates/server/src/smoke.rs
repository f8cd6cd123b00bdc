//! `escalate twilio-smoke`: what a tenant runs against their own Twilio
//! account before rolling out (the tests here run it against the
//! simulator; no real account is reachable from the build machine). Each
//! step prints what it checked; the first failure stops with its reason.
//! Everything it makes it removes: the room is ended, the message deleted.

use anyhow::{Context, bail};
use escalate_domain::Secret;
use escalate_twilio::token::{VideoTokenRequest, mint_video_token, verify_video_token};
use escalate_twilio::{CreateMessage, CreateRoom, Credentials, Location, Twilio};

use crate::settings::Settings;

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name}: required in the environment"))
}

pub async fn run(
    settings: &Settings,
    conversation: &str,
    service: Option<&str>,
    flex_token: Option<&str>,
) -> anyhow::Result<()> {
    let creds = Credentials {
        account_sid: env("TWILIO_ACCOUNT_SID")?,
        api_key_sid: env("TWILIO_API_KEY_SID")?,
        api_key_secret: Secret::new(env("TWILIO_API_KEY_SECRET")?),
        auth_token: Secret::new(env("TWILIO_AUTH_TOKEN")?),
        location: Location {
            region: std::env::var("TWILIO_REGION").ok().filter(|v| !v.is_empty()),
            edge: std::env::var("TWILIO_EDGE").ok().filter(|v| !v.is_empty()),
        },
    };
    let twilio = Twilio::new(crate::startup::twilio_options(settings, None));
    let client = twilio.account(creds.clone());
    let step = |name: &str| println!("ok   {name}");

    client.check_api_key().await.context("the API key (listing rooms with it)")?;
    step("API key accepted by the Video Rooms API");
    client.fetch_account_with_auth_token().await.context("the auth token (fetching the account with it)")?;
    step("auth token accepted (callbacks will verify)");

    let name = format!("escalate-smoke-{}", uuid::Uuid::new_v4().simple());
    let room = client.create_room(&CreateRoom::group(&name)).await.context("creating a room")?;
    step(&format!("room {} made ({})", room.sid, room.unique_name));

    let message = CreateMessage {
        author: Some("escalate-smoke".into()),
        body: "Escalate smoke test: you may delete this message.".into(),
        attributes: Some(serde_json::json!({ "escalateSmoke": true })),
    };
    let posted = client.create_message(service, conversation, &message).await;
    let cleanup_room = client.complete_room(&room.sid).await;
    let posted = posted.context("posting into the test conversation")?;
    step(&format!("message {} posted", posted.sid));

    let now = chrono::Utc::now();
    let req = VideoTokenRequest {
        account_sid: &creds.account_sid,
        api_key_sid: &creds.api_key_sid,
        identity: "smoke:check",
        room: &name,
        ttl: std::time::Duration::from_secs(60),
        now,
    };
    let token = mint_video_token(&req, &creds.api_key_secret).context("minting a video token")?;
    verify_video_token(&token, &creds.api_key_secret).context("checking the minted token")?;
    step("video token minted for that room and identity");

    if let Some(flex) = flex_token {
        let answer = client.validate_flex_token(flex).await.context("validating the Flex token")?;
        if !answer.valid {
            bail!("Twilio did not accept the Flex token: {}", answer.message.unwrap_or_default());
        }
        step(&format!("Flex token valid for {}", answer.identity.unwrap_or_default()));
    }

    cleanup_room.context("ending the room")?;
    client.delete_message(service, conversation, &posted.sid).await.context("deleting the test message")?;
    step("cleaned up: room ended, message deleted");
    println!("Twilio account {} is ready for Escalate.", creds.account_sid);
    Ok(())
}
