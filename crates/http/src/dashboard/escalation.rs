//! One escalation's page: what became of it, who and when, the timeline of
//! what happened (created, link posted, joins, leaves, reconnects, end), the
//! customer's rating and comment, snapshots, recording and the call's quality as both
//! browsers measured it; and, for an open one, an End call button. The
//! contact center's list of recent escalations links here.

use chrono::{DateTime, Utc};
use escalate_app::call_quality;
use escalate_app::records::EscalationRecord;
use escalate_app::services::contact_centers::Center;
use escalate_app::services::{erasure, escalations, reads, snapshots};
use escalate_domain::escalation::Status;
use minijinja::{Value, context};
use poem::Request;
use poem::handler;
use poem::http::StatusCode;
use poem::web::Path;
use uuid::Uuid;

use super::centers::cc_value;
use super::escalation_text::{agent_label, format_offset, outcome, quality_value, shown_status};
use super::figures;
use super::web::{self, AdminForm, Ctx, Page, PageError};
use crate::error::ApiError;

/// The most room events the page lists (a call has a handful; reconnects
/// of one participant are bounded by the service).
const EVENTS_SHOWN: u64 = 500;

/// The tenant's escalation by the id in the path; another tenant's or a
/// malformed id is the same 404 page.
async fn escalation(ctx: &Ctx, id: &str) -> Result<EscalationRecord, PageError> {
    let id = Uuid::parse_str(id).map_err(|_| ctx.error_page(ApiError::not_found()))?;
    reads::escalation(&ctx.state, ctx.scope(), id).await.map_err(|e| ctx.error_page(e))
}

/// One line of the timeline.
struct Moment {
    at: DateTime<Utc>,
    what: String,
    who: Option<String>,
}

#[handler]
pub async fn page(ctx: Ctx, req: &Request, Path(id): Path<String>) -> Page {
    let e = escalation(&ctx, &id).await?;
    let state = &ctx.state;
    let cc = reads::contact_center(state, ctx.scope(), e.contact_center_id).await.map_err(|err| ctx.error_page(err))?;
    let zone = escalate_domain::metrics::parse_zone(&cc.time_zone).unwrap_or(chrono_tz::Tz::UTC);
    let local = |t: DateTime<Utc>| t.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S %Z").to_string();
    let events = reads::escalation_events(state, ctx.scope(), e.id, None, EVENTS_SHOWN)
        .await
        .map_err(|err| ctx.error_page(err))?;
    let quality = call_quality::of(state, ctx.scope(), e.id).await.map_err(|err| ctx.error_page(err))?;
    // Customers' pictures are for admins (each one shown is a download, audited).
    let snapshots: Option<Vec<Value>> = if ctx.is_admin() {
        let list = snapshots::list(state, &ctx.principal(), e.id).await.map_err(|err| ctx.error_page(err))?;
        Some(
            list.into_iter()
                .map(|s| {
                    context! {
                        id => s.id.to_string(),
                        taken_at => local(s.created_at),
                        taken_by => s.taken_by,
                        width => s.width,
                        height => s.height,
                        url => format!("/v1/escalations/{}/snapshots/{}", e.id, s.id),
                    }
                })
                .collect(),
        )
    } else {
        None
    };
    let status = escalate_app::records::status_now(&e);

    let mut timeline = vec![Moment { at: e.created_at, what: "escalation created".into(), who: None }];
    if e.message_sid.is_some() {
        timeline.push(Moment { at: e.created_at, what: "join link posted in the chat".into(), who: None });
    }
    for ev in &events {
        timeline.push(Moment { at: ev.occurred_at, what: ev.event.clone(), who: ev.participant_identity.clone() });
    }
    if let Some(at) = e.rated_at {
        timeline.push(Moment { at, what: "customer rated the call".into(), who: None });
    }
    match status {
        Status::Expired => timeline.push(Moment { at: e.expires_at, what: "link expired unused".into(), who: None }),
        Status::Completed => {
            if let Some(at) = e.ended_at {
                timeline.push(Moment { at, what: "escalation ended".into(), who: None });
            }
        }
        Status::Failed => timeline.push(Moment { at: e.updated_at, what: "escalation failed".into(), who: None }),
        Status::Creating | Status::Open => {}
    }
    // Stable: moments at the same instant keep the order above.
    timeline.sort_by_key(|m| m.at);
    let timeline: Vec<Value> = timeline
        .into_iter()
        .map(|m| {
            context! {
                at => local(m.at),
                at_iso => m.at.to_rfc3339(),
                offset => format_offset((m.at - e.created_at).num_seconds()),
                what => m.what,
                who => m.who,
            }
        })
        .collect();

    let time_to_join = e.customer_joined_at.map(|t| (t - e.created_at).num_milliseconds() as f64 / 1000.0);
    let can_end = ctx.is_admin() && status == Status::Open;
    let can_erase = ctx.is_admin() && !matches!(status, Status::Open | Status::Creating) && e.erased_at.is_none();
    let title = format!("Escalation · {}", cc.name);
    Ok(ctx.render(
        StatusCode::OK,
        "escalation.html",
        "center",
        &title,
        context! {
            cc => cc_value(&cc),
            e => context! {
                id => e.id.to_string(),
                status => shown_status(&e),
                test_call => e.test_call,
                video_provider => e.video_provider.to_string(),
                agent => e.agent_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| agent_label(&e.agent_identity)),
                agent_identity => e.agent_identity.clone(),
                task_sid => (!e.task_sid.is_empty()).then(|| e.task_sid.clone()),
                conversation_sid => (!e.conversation_sid.is_empty()).then(|| e.conversation_sid.clone()),
                outcome => outcome(&e, Utc::now(), &figures::duration(time_to_join)),
                created_at => local(e.created_at),
                expires_at => local(e.expires_at),
                agent_joined_at => e.agent_joined_at.map(local),
                customer_joined_at => e.customer_joined_at.map(local),
                ended_at => e.ended_at.map(local),
                time_to_join => figures::duration(time_to_join),
                duration => figures::duration(e.duration_seconds.map(|d| d as f64)),
                failure => e.failure_reason.clone(),
                rating => e.rating,
                rating_comment => e.rating_comment.clone(),
                rated_at => e.rated_at.map(local),
                recorded => e.recorded,
                recording_consent_at => e.recording_consent_at.map(local),
                recordings_deleted_at => e.recordings_deleted_at.map(local),
                erased_at => e.erased_at.map(local),
            },
            quality => quality_value(quality),
            snapshots => snapshots,
            timeline => timeline,
            can_end => can_end,
            can_erase => can_erase,
            flash => web::flash_value(req),
        },
    ))
}

/// Erases the customer's data from a finished escalation (see
/// `services::erasure`), after the page's confirmation.
#[handler]
pub async fn erase(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let e = escalation(&ctx, &id).await?;
    erasure::erase(&ctx.state, &ctx.principal(), e.id).await.map_err(|err| ctx.error_page(err))?;
    Ok(web::redirect(&format!("/dashboard/escalations/{id}?flash=customer_data_erased")))
}

/// Ends an open escalation's call from the dashboard (as the agent's End
/// call would): the room closes, the customer's link stops working.
#[handler]
pub async fn end(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let e = escalation(&ctx, &id).await?;
    let cc =
        reads::contact_center(&ctx.state, ctx.scope(), e.contact_center_id).await.map_err(|err| ctx.error_page(err))?;
    let center = Center::new(ctx.scope(), cc);
    escalations::complete(&ctx.state, &center, e).await.map_err(|err| ctx.error_page(err))?;
    Ok(web::redirect(&format!("/dashboard/escalations/{id}?flash=call_ended")))
}
