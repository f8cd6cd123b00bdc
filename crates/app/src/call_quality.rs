//! How each call went, as both browsers measured it: one path for every
//! provider's samples (the built-in signalling passes them on, Twilio
//! calls' browsers post them), kept per escalation and side (see
//! [`escalate_domain::quality`] for what is kept and what "poor" means).

use std::time::Duration;

use chrono::Utc;
use escalate_domain::escalation::Status;
use escalate_domain::quality::{CallQuality, Sample, Side};
use escalate_store::{EscalationRecord, TenantScope};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::rate_limit::{Decision, Limit};

/// Samples per escalation and side: one every few seconds is what the
/// clients send; a few more allow for a reload.
const SAMPLES_PER_SIDE: Limit = Limit { max: 30, window: Duration::from_secs(60) };
/// Samples still taken after the call ended: the last ones are on their way.
const AFTER_END: chrono::Duration = chrono::Duration::minutes(2);

/// Keeps one side's sample of an escalation's call.
pub async fn record(app: &App, scope: TenantScope, e: &EscalationRecord, side: Side, sample: Sample) -> AppResult<()> {
    sample.validate().map_err(AppError::Invalid)?;
    let measuring = match e.status {
        Status::Open => true,
        Status::Completed => e.ended_at.is_none_or(|end| Utc::now() - end < AFTER_END),
        Status::Creating | Status::Failed | Status::Expired => false,
    };
    if !measuring {
        return Err(AppError::conflict(ErrorCode::EscalationNotOpen, format!("the escalation is {}", e.status)));
    }
    let key = format!("quality:{}:{side}", e.id);
    if let Decision::Limited { retry_after } = app.limiter.hit(&key, SAMPLES_PER_SIDE).await {
        app.metrics.rate_limited("call_quality");
        return Err(AppError::rate_limited(retry_after));
    }
    app.store.add_call_quality_sample(scope, e.id, side, &sample, Utc::now()).await?;
    Ok(())
}

/// Both sides' figures of one escalation.
pub async fn of(app: &App, scope: TenantScope, escalation_id: Uuid) -> AppResult<CallQuality> {
    let sides = app.store.call_quality(scope, escalation_id).await?;
    Ok(CallQuality::from_histories(sides.iter().map(|s| (s.side, &s.history))))
}

/// The figures of several escalations (a page of a list).
pub async fn of_many(
    app: &App,
    scope: TenantScope,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, CallQuality>> {
    let all = app.store.call_quality_of(scope, ids).await?;
    Ok(all
        .into_iter()
        .map(|(id, sides)| (id, CallQuality::from_histories(sides.iter().map(|s| (s.side, &s.history)))))
        .collect())
}

/// The side a participant's identity speaks for (a supervisor's is neither).
pub fn side_of(identity: &str) -> Option<Side> {
    match escalate_domain::escalation::role_of(identity) {
        escalate_domain::escalation::Role::Agent => Some(Side::Agent),
        escalate_domain::escalation::Role::Customer => Some(Side::Customer),
        escalate_domain::escalation::Role::Other => None,
    }
}
