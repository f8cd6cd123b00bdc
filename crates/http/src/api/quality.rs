//! Call quality on the wire: the samples browsers post for Twilio calls
//! (built-in calls send theirs over the signalling socket), and each side's
//! figures on an escalation.

use escalate_app::call_quality;
use escalate_app::services::{callers, join};
use escalate_domain::access::Permission;
use escalate_domain::quality::{CallQuality, Sample, Side, Summary};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use crate::auth::agent::EscalationAuth;
use crate::auth::client_ip;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct QualityApi;

/// A summary of one browser's WebRTC statistics (`RTCPeerConnection.getStats`).
#[derive(Object)]
#[oai(rename = "QualitySample")]
pub struct SampleRequest {
    /// The selected candidate pair's current round trip, in milliseconds.
    #[oai(validator(minimum(value = "0"), maximum(value = "60000")))]
    round_trip_ms: f64,
    /// Packets lost of those expected since the previous sample, in percent.
    #[oai(validator(minimum(value = "0"), maximum(value = "100")))]
    packet_loss_percent: f64,
    /// Media goes through a TURN relay.
    relayed: bool,
    /// Bitrate received since the previous sample, in kbit/s.
    #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))]
    bitrate_kbps: Option<f64>,
    /// The received video's width, in pixels.
    #[oai(validator(minimum(value = "0"), maximum(value = "16384")))]
    width: Option<u32>,
    /// The received video's height, in pixels.
    #[oai(validator(minimum(value = "0"), maximum(value = "16384")))]
    height: Option<u32>,
    /// The received video's freezes so far.
    #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))]
    freezes: Option<u32>,
    /// Times this side's connection came back so far.
    #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))]
    reconnects: Option<u32>,
}

impl From<SampleRequest> for Sample {
    fn from(r: SampleRequest) -> Self {
        Sample {
            round_trip_ms: r.round_trip_ms,
            packet_loss_percent: r.packet_loss_percent,
            relayed: r.relayed,
            bitrate_kbps: r.bitrate_kbps,
            width: r.width,
            height: r.height,
            freezes: r.freezes,
            reconnects: r.reconnects,
        }
    }
}

/// How the call went, per side; a side is null until its browser sent a summary.
#[derive(Object)]
#[oai(rename = "CallQuality")]
pub struct CallQualityView {
    agent: Option<SideQualityView>,
    customer: Option<SideQualityView>,
    /// Either side's call was poor: a median round trip of at least 300 ms
    /// or a median packet loss of at least 3 %. Null until a side measured.
    poor: Option<bool>,
}

/// One side's figures: medians over the call, and call-long counters.
#[derive(Object)]
#[oai(rename = "SideQuality")]
pub struct SideQualityView {
    /// Median round trip, in milliseconds.
    round_trip_ms: f64,
    /// Median packet loss of what this side received, in percent.
    packet_loss_percent: f64,
    /// Media went through a TURN relay at some point.
    relayed: bool,
    /// How many summaries the side sent.
    samples: u32,
    /// Median bitrate received, in kbit/s.
    bitrate_kbps: Option<f64>,
    /// The last size of the video received.
    width: Option<u32>,
    height: Option<u32>,
    /// Freezes of the video received.
    freezes: u32,
    /// Times the side's connection came back.
    reconnects: u32,
    /// This side's median round trip or loss was past the limits above.
    poor: bool,
}

fn side_view(s: Summary) -> SideQualityView {
    SideQualityView {
        round_trip_ms: s.round_trip_ms,
        packet_loss_percent: s.packet_loss_percent,
        relayed: s.relayed,
        samples: s.samples,
        bitrate_kbps: s.bitrate_kbps,
        width: s.width,
        height: s.height,
        freezes: s.freezes,
        reconnects: s.reconnects,
        poor: s.poor,
    }
}

pub fn view(q: CallQuality) -> CallQualityView {
    let poor = q.poor();
    CallQualityView { agent: q.agent.map(side_view), customer: q.customer.map(side_view), poor }
}

#[derive(ApiResponse)]
enum Accepted {
    /// Kept.
    #[oai(status = 204)]
    Kept,
}

#[OpenApi(tag = "Tag::Escalations")]
impl QualityApi {
    /// The agent's browser reports its call's statistics (Twilio calls;
    /// built-in calls report over their signalling socket). Every few
    /// seconds while the call runs, and up to two minutes after it ended;
    /// 30 a minute at most (429 past that).
    #[oai(path = "/v1/escalations/:id/quality", method = "post", operation_id = "reportAgentCallQuality")]
    async fn agent(
        &self,
        state: Data<&AppState>,
        auth: EscalationAuth,
        req: &Request,
        id: Path<Uuid>,
        body: Json<SampleRequest>,
    ) -> ApiResult<Accepted> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        let (center, e, _) =
            callers::for_escalation(&state, auth.credential(&state, &ip).await?, id.0, Permission::ManageEscalations)
                .await?;
        call_quality::record(&state, center.scope, &e, Side::Agent, body.0.into()).await?;
        Ok(Accepted::Kept)
    }

    /// The customer's browser reports its call's statistics (Twilio calls),
    /// with the room code as for the token; limits as for the agent's.
    #[oai(path = "/v1/join/:code/quality", method = "post", operation_id = "reportCustomerCallQuality")]
    async fn customer(
        &self,
        state: Data<&AppState>,
        req: &Request,
        code: Path<String>,
        body: Json<SampleRequest>,
    ) -> ApiResult<Accepted> {
        let ip = client_ip(req, state.http().trust_proxy_headers);
        join::report_quality(&state, &code.0, &ip, body.0.into()).await?;
        Ok(Accepted::Kept)
    }
}
