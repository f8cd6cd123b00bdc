//! Escalations whose customer link ran out with nobody ever in the call
//! become `expired`, written down by a sweeper so that `escalation.expired`
//! reaches integrators and lists filter on it. Reads never wait for it:
//! `Status::at` shows an escalation expired from the instant it is, and the
//! sweep makes that permanent. One replica sweeps per round; each row's
//! change is conditional, so a second sweep changes nothing.

use std::time::Duration;

use chrono::Utc;

use crate::App;
use crate::error::AppResult;
use crate::events::Event;

/// How often one replica looks.
pub const INTERVAL: Duration = Duration::from_secs(15);
/// Rows handled per round; the next round takes the rest.
const BATCH: u64 = 200;

/// One round: every escalation due, up to [`BATCH`]; how many expired.
pub async fn run_once(app: &App) -> AppResult<usize> {
    let mut expired = 0;
    for (record, scope) in app.store.unscoped().expiring(Utc::now(), BATCH).await? {
        if let Some(e) = app.store.expire_escalation(scope, record.id, Utc::now()).await? {
            app.publish(Event::CodeChanged { code: e.code }).await;
            expired += 1;
        }
    }
    if expired > 0 {
        app.webhooks_wake();
    }
    Ok(expired)
}

/// Runs [`run_once`] every [`INTERVAL`] for as long as the app lives.
pub fn spawn(app: &App) {
    app.spawn_periodic("expiry", INTERVAL, |app| async move {
        let n = run_once(&app).await?;
        Ok((n > 0).then(|| format!("{n} escalations expired")))
    });
}
