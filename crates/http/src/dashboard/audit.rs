//! The audit log page: the same entries and filters as `GET /v1/audit-log`,
//! newest first, a page at a time, with the CSV export a click away.

use escalate_app::services::audit::{self, AuditQuery};
use escalate_domain::audit::AuditAction;
use minijinja::{Value, context};
use poem::handler;
use poem::http::StatusCode;
use poem::web::Query;
use serde::Deserialize;
use uuid::Uuid;

use super::web::{Admin, Page};

const PAGE: u64 = 50;

#[derive(Deserialize, Default)]
pub struct Filters {
    #[serde(default)]
    action: String,
    #[serde(default)]
    before: String,
}

#[handler]
pub async fn page(Admin(ctx): Admin, Query(f): Query<Filters>) -> Page {
    // An unknown action or cursor from a hand-edited address shows everything, not an error.
    let action: Option<AuditAction> = f.action.parse().ok();
    let before: Option<Uuid> = f.before.parse().ok();
    let q = AuditQuery { action, actor_id: None, from: None, to: None, before, limit: PAGE };
    let rows = audit::list(&ctx.state, ctx.scope(), &q).await.map_err(|e| ctx.error_page(e))?;
    let next = (rows.len() as u64 == PAGE).then(|| rows.last().map(|e| e.id.to_string())).flatten();
    let targets = audit::target_labels(&ctx.state, ctx.scope(), &rows).await.map_err(|e| ctx.error_page(e))?;
    let entries: Vec<Value> = rows
        .iter()
        .zip(targets)
        .map(|(e, target)| {
            context! {
                id => e.id.to_string(),
                at => e.occurred_at.format("%-d %b %Y, %H:%M:%S UTC").to_string(),
                at_iso => e.occurred_at.to_rfc3339(),
                action => e.action.as_str(),
                what => e.action.describe(),
                actor => e.actor_label.clone(),
                actor_kind => e.actor_kind.as_str(),
                client_ip => e.client_ip.clone(),
                target => target,
                target_id => e.target_id.clone(),
                changes => summarize(&e.changes),
                failed => e.action == AuditAction::SignInFailed,
            }
        })
        .collect();
    let actions: Vec<Value> =
        AuditAction::ALL.iter().map(|a| context! { name => a.as_str(), label => a.describe() }).collect();
    let selected = action.map(AuditAction::as_str).unwrap_or_default();
    let csv = match action {
        Some(a) => format!("/v1/audit-log.csv?action={}", a.as_str()),
        None => "/v1/audit-log.csv".to_owned(),
    };
    Ok(ctx.render(
        StatusCode::OK,
        "audit.html",
        "audit",
        "Audit log",
        context! { entries, actions, selected, next, csv, retention_days => ctx.state.config.audit_retention.as_secs() / 86_400 },
    ))
}

/// `{"name": {"from": "A", "to": "B"}, "role": "admin"}` as
/// `name: A → B; role: admin`, for a table cell.
fn summarize(changes: &serde_json::Value) -> String {
    let Some(o) = changes.as_object() else { return String::new() };
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".to_owned(),
        other => other.to_string(),
    };
    o.iter()
        .map(|(k, v)| match (v.get("from"), v.get("to")) {
            (Some(from), Some(to)) if v.as_object().is_some_and(|m| m.len() == 2) => {
                format!("{k}: {} → {}", show(from), show(to))
            }
            _ => format!("{k}: {}", show(v)),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn changes_read_as_one_line() {
        let c = json!({ "name": { "from": "A", "to": "B" }, "role": "admin", "logo_url": { "from": null, "to": "x" } });
        assert_eq!(super::summarize(&c), "logo_url: — → x; name: A → B; role: admin");
    }
}
