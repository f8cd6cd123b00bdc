//! Flex Insights: when an escalation ends (or its link expires unused), its
//! outcome is written into its Flex task's `conversations` attributes,
//! merged with what the task holds, in the slots the contact center chose
//! (`escalate_domain::insights`). Flex Insights reads a task's attributes
//! when it completes, so a sweeper writes soon after the end (and again
//! when a rating arrives while the task is still open); a task already
//! completed, canceled or deleted is too late and is left alone, logged.
//! One replica sweeps per round; the task's `ETag` keeps a change Flex made
//! in between from being lost (read, merge and write again).

use std::time::Duration;

use chrono::Utc;
use escalate_domain::escalation::Status;
use escalate_domain::insights::{self, Outcome};
use escalate_store::{EscalationRecord, TenantScope};
use escalate_twilio::AccountClient;

use super::contact_centers;
use crate::App;
use crate::error::{AppError, AppResult};
use crate::video::twilio::failure;

/// How often one replica looks: soon enough to beat the agent's wrap-up.
pub const INTERVAL: Duration = Duration::from_secs(5);
/// Escalations handled per round; the next round takes the rest.
const BATCH: u64 = 100;
/// Reads and writes of one task when Flex keeps changing it in between.
const ATTEMPTS: usize = 3;
/// Failed writes of one escalation before it is given up on (the waits
/// double from [`RETRY_BASE`]: about 20 minutes in all, longer than Flex
/// keeps a finished task).
const MAX_ATTEMPTS: i32 = 8;
const RETRY_BASE: chrono::Duration = chrono::Duration::seconds(5);
/// Flex's own workspace, where chats become tasks.
const FLEX_WORKSPACE: &str = "Flex Task Assignment";

/// What became of one escalation's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Written,
    /// Completed, canceled or deleted: Flex Insights has what it will have.
    TooLate,
}

fn outcome(e: &EscalationRecord) -> Outcome {
    // The provider's measure of the room when it has arrived; else from the
    // first join to the end (the room's end event may come after this runs).
    let first_join = [e.agent_joined_at, e.customer_joined_at].into_iter().flatten().min();
    let span = first_join.zip(e.ended_at).map(|(start, end)| (end - start).num_seconds().max(0));
    Outcome {
        escalation_id: e.id,
        customer_joined: e.customer_joined_at.is_some(),
        time_to_join_seconds: e.customer_joined_at.map(|t| (t - e.created_at).num_seconds()),
        call_duration_seconds: e.duration_seconds.or(span),
        rating: e.rating,
    }
}

/// The contact center's workspace: the one set, else Flex's.
async fn workspace(client: &AccountClient, chosen: Option<&str>) -> AppResult<String> {
    if let Some(ws) = chosen {
        return Ok(ws.to_owned());
    }
    let all = client.list_workspaces().await.map_err(|e| failure(e, "listing TaskRouter workspaces"))?;
    let flex = all.iter().find(|w| w.friendly_name == FLEX_WORKSPACE);
    match (flex, all.as_slice()) {
        (Some(w), _) | (None, [w]) => Ok(w.sid.clone()),
        _ => Err(AppError::conflict(
            crate::error::ErrorCode::Conflict,
            "the account has several TaskRouter workspaces: set flex_insights.workspace_sid",
        )),
    }
}

/// Writes one escalation's outcome into its task, merged with what is there.
pub async fn write(app: &App, scope: TenantScope, e: &EscalationRecord) -> AppResult<Written> {
    let center = contact_centers::resolve(app, scope, e.contact_center_id).await?;
    let settings = center.record.settings().flex_insights;
    let client = contact_centers::twilio_client(app, scope, e.contact_center_id).await?;
    let ws = workspace(&client, settings.workspace_sid.as_deref()).await?;
    for _ in 0..ATTEMPTS {
        let Some(task) = client.fetch_task(&ws, &e.task_sid).await.map_err(|err| failure(err, "reading the task"))?
        else {
            return Ok(Written::TooLate);
        };
        if matches!(task.value.assignment_status.as_str(), "completed" | "canceled") {
            return Ok(Written::TooLate);
        }
        let held = serde_json::from_str(&task.value.attributes).unwrap_or(serde_json::Value::Null);
        let merged = insights::merge(held, &outcome(e), &settings.mapping);
        match client.update_task_attributes(&ws, &e.task_sid, &merged, task.etag.as_deref()).await {
            Ok(_) => return Ok(Written::Written),
            // Flex changed the task since it was read: read it again.
            Err(err) if err.status() == Some(412) => continue,
            Err(err) if err.status() == Some(404) => return Ok(Written::TooLate),
            Err(err) => return Err(failure(err, "writing the task's attributes")),
        }
    }
    Err(AppError::conflict(
        crate::error::ErrorCode::Conflict,
        "the task kept changing while its attributes were written",
    ))
}

/// One round: every escalation due, up to [`BATCH`]; how many were written.
pub async fn run_once(app: &App) -> AppResult<usize> {
    // What is written is the escalation as read now: a rating that lands
    // after this instant makes it due again, even while this round writes.
    let read_at = Utc::now();
    let mut written = 0;
    for (e, scope) in app.store.unscoped().insights_due(read_at, BATCH).await? {
        debug_assert!(matches!(e.status, Status::Completed | Status::Expired));
        match write(app, scope, &e).await {
            Ok(Written::Written) => {
                app.store.mark_insights_written(scope, e.id, read_at).await?;
                written += 1;
            }
            Ok(Written::TooLate) => {
                tracing::warn!(escalation = %e.id, task = %e.task_sid, "the Flex task was already finished: Flex Insights will not see this escalation's outcome");
                app.store.mark_insights_written(scope, e.id, read_at).await?;
            }
            Err(err) if e.insights_attempts + 1 >= MAX_ATTEMPTS => {
                tracing::warn!(error = %err, escalation = %e.id, "could not write the outcome into the Flex task; given up");
                app.store.mark_insights_written(scope, e.id, read_at).await?;
            }
            Err(err) => {
                let attempts = e.insights_attempts + 1;
                let next_try = Utc::now() + RETRY_BASE * 2i32.pow(attempts.unsigned_abs().min(10));
                tracing::warn!(error = %err, escalation = %e.id, attempts, "could not write the outcome into the Flex task; trying again later");
                app.store.defer_insights(scope, e.id, attempts, next_try).await?;
            }
        }
    }
    Ok(written)
}

/// Runs [`run_once`] every [`INTERVAL`] for as long as the app lives.
pub fn spawn(app: &App) {
    app.spawn_periodic("flex-insights", INTERVAL, |app| async move {
        let n = run_once(&app).await?;
        Ok((n > 0).then(|| format!("wrote {n} escalations' outcomes into their Flex tasks")))
    });
}
