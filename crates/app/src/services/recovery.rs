//! Escalations a replica left mid-creation (it stopped after making the
//! room, or even after posting the customer's message, but before the row
//! was opened). A task on every replica looks for them; one replica at a
//! time works through them (a lock in Redis, and a compare-and-swap on each
//! row), finishing those whose room exists (the customer's first link keeps
//! working) and failing the rest.

use std::time::Duration;

use chrono::Utc;

use super::escalations::{STALE_CREATING, finish_abandoned};
use crate::App;
use crate::error::AppResult;

/// How often each replica looks.
pub const INTERVAL: Duration = Duration::from_secs(30);
/// Rows handled per round.
const BATCH: u64 = 50;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    pub opened: usize,
    pub failed: usize,
}

/// One round: every stale `creating` row this replica can claim.
pub async fn run_once(app: &App) -> AppResult<Recovered> {
    let mut done = Recovered::default();
    let now = Utc::now();
    for (record, scope) in app.store.unscoped().stale_creating(now - STALE_CREATING, BATCH).await? {
        if !app.store.claim_stale(scope, record.id, record.updated_at, Utc::now()).await? {
            continue; // another replica has it
        }
        let id = record.id;
        let center = super::contact_centers::resolve(app, scope, record.contact_center_id).await?;
        match finish_abandoned(app, &center, record).await {
            Ok(e) if e.status == escalate_domain::escalation::Status::Open => done.opened += 1,
            Ok(_) => done.failed += 1,
            // Twilio did not answer: the row stays `creating` and is tried next round.
            Err(e) => tracing::warn!(escalation_id = %id, error = %e, "could not recover an escalation yet"),
        }
    }
    Ok(done)
}

/// Runs [`run_once`] every [`INTERVAL`] for as long as the app lives.
pub fn spawn(app: &App) {
    app.spawn_periodic("recovery", INTERVAL, |app| async move {
        let r = run_once(&app).await?;
        Ok((r != Recovered::default())
            .then(|| format!("recovered abandoned escalations: {} opened, {} failed", r.opened, r.failed)))
    });
}
