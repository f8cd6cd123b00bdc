//! The audit log: who changed a tenant's settings or access, when, from
//! where, and what changed (never a secret). Each audited operation records
//! its entry here after its change is stored; the log is read newest first,
//! filtered, exported as CSV, and purged after the configured retention.

use chrono::{DateTime, Utc};
use escalate_domain::audit::{ActorKind, AuditAction};
use escalate_store::repos::{AuditFilter, NewAuditEvent};
use escalate_store::{AuditEventRecord, TenantScope, UserRecord};
use futures_util::{Stream, stream};
use serde_json::Value;
use uuid::Uuid;

use crate::error::AppResult;
use crate::principal::{Actor, Principal};
use crate::{App, AppError};

/// What an entry is about: a kind (`contact_center`, `user`, `api_key`…) and its id.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: &'static str,
    pub id: String,
}

impl Target {
    pub fn new(kind: &'static str, id: impl ToString) -> Self {
        Self { kind, id: id.to_string() }
    }
}

/// Records what `by` did. The change it describes is already stored, so a
/// failure to write the entry is logged and counted, not returned: the
/// caller's operation did happen and must not be reported as failed.
pub async fn record(app: &App, by: &Principal, action: AuditAction, target: Option<Target>, changes: Value) {
    let (kind, id, label) = actor(app, by).await;
    write(app, by.scope, action, (kind, id, label), by.client_ip.clone(), target, changes).await;
}

/// What a user did before (or without) a principal: a sign-in, a password change.
pub async fn record_user(app: &App, scope: TenantScope, user: &UserRecord, client_ip: &str, action: AuditAction) {
    let actor = (ActorKind::User, Some(user.id), user.email.clone());
    write(app, scope, action, actor, Some(client_ip.to_owned()), None, Value::Object(Default::default())).await;
}

/// How many entries one source may add per window for refusals (each
/// signed-in actor, and all anonymous callers of a tenant together): a
/// flood leaves a trace without filling the log.
const REFUSALS_PER_WINDOW: crate::rate_limit::Limit =
    crate::rate_limit::Limit { max: 20, window: std::time::Duration::from_secs(10 * 60) };

/// Whether another refusal entry from `source` fits in its bound.
async fn within_bound(app: &App, scope: TenantScope, action: AuditAction, source: &str) -> bool {
    let key = format!("audit-refusals:{}:{}:{source}", scope.tenant_id(), action.as_str());
    let fits = matches!(app.limiter.hit(&key, REFUSALS_PER_WINDOW).await, crate::rate_limit::Decision::Allowed);
    if !fits {
        app.metrics.audit_entry_suppressed();
    }
    fits
}

/// A signed-in caller (user or key) was refused `what` (`METHOD route`)
/// because of `why` (the error code): bounded per actor.
pub async fn record_denied(app: &App, by: &Principal, what: &str, why: &str) {
    let source = match &by.actor {
        Actor::User { id, .. } | Actor::ApiKey { id, .. } => id.to_string(),
        Actor::Operator => "operator".to_owned(),
    };
    if within_bound(app, by.scope, AuditAction::AccessDenied, &source).await {
        record(app, by, AuditAction::AccessDenied, None, serde_json::json!({ "what": what, "why": why })).await;
    }
}

/// A Flex agent Twilio vouched for was refused `what` because of `why`.
pub async fn record_flex_denied(
    app: &App,
    scope: TenantScope,
    identity: &str,
    client_ip: &str,
    target: Target,
    why: &str,
) {
    if within_bound(app, scope, AuditAction::AccessDenied, &format!("flex:{identity}")).await {
        let actor = (ActorKind::FlexAgent, None, identity.to_owned());
        let changes = serde_json::json!({ "why": why });
        write(app, scope, AuditAction::AccessDenied, actor, Some(client_ip.to_owned()), Some(target), changes).await;
    }
}

/// Something nobody authenticated tried against this tenant (a failed
/// sign-in for one of its users, a refused Flex token for one of its
/// contact centers): marked `anonymous`, never attributed to the user it
/// names, and bounded per tenant and action whatever the addresses.
pub async fn record_anonymous(
    app: &App,
    scope: TenantScope,
    action: AuditAction,
    client_ip: &str,
    target: Target,
    changes: Value,
) {
    if within_bound(app, scope, action, "anonymous").await {
        let actor = (ActorKind::Anonymous, None, format!("unauthenticated caller at {client_ip}"));
        write(app, scope, action, actor, Some(client_ip.to_owned()), Some(target), changes).await;
    }
}

async fn write(
    app: &App,
    scope: TenantScope,
    action: AuditAction,
    (kind, id, label): (ActorKind, Option<Uuid>, String),
    client_ip: Option<String>,
    target: Option<Target>,
    changes: Value,
) {
    let entry = NewAuditEvent {
        occurred_at: Utc::now(),
        action,
        actor_kind: kind,
        actor_id: id,
        actor_label: label,
        client_ip,
        target_kind: target.as_ref().map(|t| t.kind),
        target_id: target.map(|t| t.id),
        changes,
    };
    if let Err(err) = app.store.record_audit(scope, entry).await {
        tracing::error!(error = %err, action = action.as_str(), "could not write an audit log entry");
        app.metrics.audit_write_failed();
    }
}

/// Who the principal is, in words that outlive them: a user's email, a
/// key's name and prefix (a removed user's entries still say who it was).
pub(crate) async fn actor(app: &App, by: &Principal) -> (ActorKind, Option<Uuid>, String) {
    match &by.actor {
        Actor::User { id, .. } => {
            let label = app.store.user(by.scope, *id).await.map(|u| u.email).unwrap_or_else(|_| id.to_string());
            (ActorKind::User, Some(*id), label)
        }
        Actor::ApiKey { id, .. } => {
            let label = app
                .store
                .api_key(by.scope, *id)
                .await
                .map(|k| format!("{} ({}…)", k.name, k.prefix))
                .unwrap_or_else(|_| id.to_string());
            (ActorKind::ApiKey, Some(*id), label)
        }
        Actor::Operator => (ActorKind::Operator, None, "platform operator".to_owned()),
    }
}

/// What each entry acted on, in words a person reads: a contact center by
/// its name, a user by their email, a key by its name (as they are now; for
/// one since deleted, as the entry recorded it), anything else by kind and id.
pub async fn target_labels(app: &App, scope: TenantScope, rows: &[AuditEventRecord]) -> AppResult<Vec<Option<String>>> {
    use std::collections::HashMap;
    let kinds = |k: &str| rows.iter().any(|e| e.target_kind.as_deref() == Some(k));
    let mut names: HashMap<(&str, String), String> = HashMap::new();
    if kinds("contact_center") {
        for cc in app.store.list_contact_centers(scope).await? {
            names.insert(("contact_center", cc.id.to_string()), cc.name);
        }
    }
    if kinds("user") {
        for u in app.store.list_users(scope).await? {
            names.insert(("user", u.id.to_string()), u.email);
        }
    }
    if kinds("api_key") {
        for k in app.store.list_api_keys(scope).await? {
            names.insert(("api_key", k.id.to_string()), format!("{} ({}…)", k.name, k.prefix));
        }
    }
    Ok(rows
        .iter()
        .map(|e| {
            let (kind, id) = (e.target_kind.as_deref()?, e.target_id.as_deref()?);
            let recorded = ["name", "email"].iter().find_map(|f| e.changes.get(*f).and_then(Value::as_str));
            let noun = kind.replace('_', " ");
            Some(match (names.get(&(kind, id.to_owned())), recorded) {
                (Some(name), _) => format!("{noun} {name}"),
                (None, Some(name)) if kind != "escalation" => format!("{noun} {name} (deleted)"),
                _ => format!("{noun} {}", id.get(..8).unwrap_or(id)),
            })
        })
        .collect())
}

/// A page of the log, newest first.
pub struct AuditQuery {
    pub action: Option<AuditAction>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub before: Option<Uuid>,
    pub limit: u64,
}

impl AuditQuery {
    /// A range must run forwards; the list and the CSV answer the same.
    fn check(&self) -> AppResult<()> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if from >= to => Err(AppError::field("to", "must be after from")),
            _ => Ok(()),
        }
    }

    fn filter(&self) -> AuditFilter {
        AuditFilter {
            action: self.action,
            actor_id: self.actor_id,
            from: self.from,
            to: self.to,
            before: self.before,
            limit: self.limit,
        }
    }
}

pub async fn list(app: &App, scope: TenantScope, q: &AuditQuery) -> AppResult<Vec<AuditEventRecord>> {
    q.check()?;
    Ok(app.store.list_audit(scope, &q.filter()).await?)
}

const HEADER: [&str; 9] =
    ["id", "occurred_at", "action", "actor_kind", "actor_id", "actor", "client_ip", "target", "changes"];

fn row(e: &AuditEventRecord) -> [String; 9] {
    use super::export::cell;
    [
        e.id.to_string(),
        e.occurred_at.to_rfc3339(),
        e.action.to_string(),
        e.actor_kind.to_string(),
        e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
        cell(&e.actor_label),
        e.client_ip.clone().unwrap_or_default(),
        match (&e.target_kind, &e.target_id) {
            (Some(k), Some(i)) => format!("{k}:{i}"),
            _ => String::new(),
        },
        cell(&e.changes.to_string()),
    ]
}

fn encode(rows: &[AuditEventRecord], header: bool) -> Result<Vec<u8>, std::io::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        w.write_record(HEADER).map_err(std::io::Error::other)?;
    }
    for r in rows {
        w.write_record(row(r)).map_err(std::io::Error::other)?;
    }
    w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
}

/// The whole filtered log as CSV, streamed a page at a time.
pub fn csv(
    app: &App,
    scope: TenantScope,
    mut q: AuditQuery,
) -> AppResult<impl Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static> {
    const PAGE: u64 = 1000;
    q.check()?;
    q.limit = PAGE;
    let store = app.store.clone();
    Ok(stream::unfold((q, true, false), move |(mut q, first, done)| {
        let store = store.clone();
        async move {
            if done {
                return None;
            }
            match store.list_audit(scope, &q.filter()).await {
                Ok(rows) => {
                    let finished = (rows.len() as u64) < PAGE;
                    q.before = rows.last().map(|e| e.id);
                    let chunk = encode(&rows, first);
                    Some((chunk, (q, false, finished)))
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit CSV export failed mid-stream");
                    Some((Err(std::io::Error::other("database error")), (q, false, true)))
                }
            }
        }
    }))
}

/// How often a replica purges entries past the retention period.
const PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes entries older than the retention period; the number deleted.
pub async fn purge(app: &App, now: DateTime<Utc>) -> AppResult<u64> {
    let keep = chrono::Duration::from_std(app.config.audit_retention).map_err(AppError::internal)?;
    Ok(app.store.unscoped().purge_audit_before(now - keep).await?)
}

/// Purges once an hour, on one replica at a time.
pub fn spawn_purge(app: &App) {
    app.spawn_periodic("audit-purge", PURGE_INTERVAL, |app| async move {
        let n = purge(&app, Utc::now()).await?;
        Ok((n > 0).then(|| format!("purged {n} audit log entries past retention")))
    });
}
