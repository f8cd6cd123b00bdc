//! Callers of the escalation routes: a Flex agent (their Flex token, checked
//! with Twilio IAM using the contact center's own credentials), a tenant API
//! key with the escalations scope, or a signed-in user. Each route resolves
//! its caller and its contact center here, once, and carries both down.

use chrono::{DateTime, Utc};
use escalate_domain::access::Permission;
use escalate_store::EscalationRecord;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::contact_centers::Center;
use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::principal::Principal;
use crate::rate_limit::Decision;
use crate::services::audit::Target;
use escalate_domain::audit::AuditAction;

/// What the caller presented.
pub enum Credential<'a> {
    /// A session or API key, already authenticated.
    Tenant(Principal),
    /// An agent's Flex token (`manager.user.token`), from this client address.
    FlexToken { token: &'a str, client_ip: &'a str },
}

/// A Flex user, as Twilio vouched for them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlexUser {
    pub identity: String,
    pub worker_sid: Option<String>,
    pub roles: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub enum Caller {
    Flex(FlexUser),
    /// An API key or a dashboard user; the agent identity must come from the request.
    Tenant(Principal),
}

/// Flex roles that may escalate a chat at all.
const FLEX_ROLES: [&str; 3] = ["agent", "supervisor", "admin"];
/// Flex roles that may act on any agent's escalation (join it, end it).
const FLEX_SUPERVISOR_ROLES: [&str; 2] = ["supervisor", "admin"];

impl FlexUser {
    pub fn is_supervisor(&self) -> bool {
        self.roles.iter().any(|r| FLEX_SUPERVISOR_ROLES.contains(&r.as_str()))
    }
}

impl Caller {
    /// Whether the caller may see the customer's code and join link (they
    /// let anyone join the call as the customer): the escalation's own
    /// agent, a Flex supervisor or admin, an admin user, a key with the
    /// `escalations` scope. Not viewers, not metrics-only keys.
    pub fn sees_codes(&self) -> bool {
        match self {
            Caller::Flex(_) => true,
            Caller::Tenant(p) => p.can(Permission::ManageEscalations),
        }
    }
}

fn not_yours() -> AppError {
    AppError::Forbidden {
        code: ErrorCode::NotYourEscalation,
        detail: "this escalation belongs to another agent; a Flex supervisor or admin may join it".into(),
    }
}

/// The caller, for a contact center named in the path.
pub async fn for_contact_center(app: &App, credential: Credential<'_>, cc_id: Uuid) -> AppResult<(Center, Caller)> {
    let resolved = match credential {
        Credential::Tenant(p) => {
            let scope = p.require(Permission::ManageEscalations)?;
            let center = super::contact_centers::resolve(app, scope, cc_id).await?;
            (center, Caller::Tenant(p))
        }
        Credential::FlexToken { token, client_ip } => {
            let Some((cc, scope)) = app.store.unscoped().contact_center(cc_id).await? else {
                return Err(refused(app, client_ip).await);
            };
            let center = Center::new(scope, cc);
            let user = validate_flex_token(app, &center, token, client_ip).await?;
            if !user.roles.iter().any(|r| FLEX_ROLES.contains(&r.as_str())) {
                let err = AppError::forbidden("this Flex user has none of the roles agent, supervisor or admin");
                let target = Target::new("contact_center", center.id());
                return Err(denied(app, &center, &user, client_ip, target, err).await);
            }
            (center, Caller::Flex(user))
        }
    };
    crate::telemetry::record_tenant(resolved.0.scope.tenant_id(), Some(cc_id));
    Ok(resolved)
}

/// The caller and the escalation, for an escalation named in the path.
pub async fn for_escalation(
    app: &App,
    credential: Credential<'_>,
    id: Uuid,
    perm: Permission,
) -> AppResult<(Center, EscalationRecord, Caller)> {
    let resolved = match credential {
        Credential::Tenant(p) => {
            let scope = p.require(perm)?;
            let e = app.store.escalation(scope, id).await?;
            let center = super::contact_centers::resolve(app, scope, e.contact_center_id).await?;
            (center, e, Caller::Tenant(p))
        }
        Credential::FlexToken { token, client_ip } => {
            let Some((e, scope)) = app.store.unscoped().escalation(id).await? else {
                return Err(refused(app, client_ip).await);
            };
            let cc = app.store.contact_center(scope, e.contact_center_id).await?;
            let center = Center::new(scope, cc);
            let user = validate_flex_token(app, &center, token, client_ip).await?;
            // Another agent's call is theirs: its code and its room.
            if e.agent_identity != escalate_domain::escalation::agent_identity(&user.identity) && !user.is_supervisor()
            {
                return Err(denied(app, &center, &user, client_ip, Target::new("escalation", e.id), not_yours()).await);
            }
            (center, e, Caller::Flex(user))
        }
    };
    crate::telemetry::record_tenant(resolved.0.scope.tenant_id(), Some(resolved.1.contact_center_id));
    Ok(resolved)
}

/// The one answer to a Flex caller Twilio did not vouch for, whether the id
/// in the path exists or not: nobody can tell ids apart by trying them.
fn invalid_flex_token() -> AppError {
    AppError::unauthorized(ErrorCode::InvalidFlexToken, "the Flex token is not valid for this contact center")
}

/// Counts a failed Flex caller against its address and answers as for an invalid token.
async fn refused(app: &App, client_ip: &str) -> AppError {
    app.limiter.hit(&format!("flex-fail:{client_ip}"), app.config.limits.flex_failures_per_ip).await;
    invalid_flex_token()
}

/// As [`refused`], for a contact center that exists: its tenant's audit
/// log notes the refusal (bounded, anonymous).
async fn refused_at(app: &App, center: &Center, client_ip: &str, why: &str) -> AppError {
    let target = super::audit::Target::new("contact_center", center.id());
    let details = serde_json::json!({ "why": why });
    super::audit::record_anonymous(app, center.scope, AuditAction::FlexTokenRefused, client_ip, target, details).await;
    refused(app, client_ip).await
}

/// A Flex user Twilio vouched for, refused what they asked: audited, then answered.
async fn denied(
    app: &App,
    center: &Center,
    user: &FlexUser,
    client_ip: &str,
    target: Target,
    err: AppError,
) -> AppError {
    super::audit::record_flex_denied(app, center.scope, &user.identity, client_ip, target, err.code().as_str()).await;
    err
}

/// Checks a Flex token with Twilio IAM under the contact center's account.
///
/// Answers are cached (Redis when configured), so agents' calls do not each
/// cost a Twilio round trip: a positive one until a minute before the token
/// expires, a negative one for [`NEGATIVE_TTL`]. The cache key holds the
/// account, so a contact center moved to another Twilio account does not
/// keep the old account's agents.
///
/// Calls to Twilio are bounded so that nobody outside can spend them:
/// - a bearer that cannot be a live access token of the contact center's
///   account (not a JWT, another account, expired) is refused here, costing
///   neither a Twilio call nor the contact center's budget;
/// - each client address is limited by its failures;
/// - the contact center's budget of checks per minute is shared, but
///   addresses that had no valid Flex token of this contact center in the
///   last day may spend only half of it: a flood of plausible tokens from
///   new addresses leaves the agents' own addresses the other half.
pub async fn validate_flex_token(app: &App, center: &Center, token: &str, client_ip: &str) -> AppResult<FlexUser> {
    let limits = &app.config.limits;
    let fail_key = format!("flex-fail:{client_ip}");
    if let Decision::Limited { retry_after } = app.limiter.peek(&fail_key, limits.flex_failures_per_ip).await {
        app.metrics.rate_limited("flex_token");
        return Err(AppError::rate_limited(retry_after));
    }
    if token.is_empty() || token.len() > 8192 {
        return Err(refused_at(app, center, client_ip, "not a Flex token").await);
    }
    let creds = center.credentials(app).await?;
    if let Err(why) = escalate_twilio::token::plausible_for_account(token, &creds.account_sid, Utc::now()) {
        tracing::debug!(contact_center_id = %center.id(), %why, "Flex token refused without asking Twilio");
        return Err(refused_at(app, center, client_ip, &why.to_string()).await);
    }
    let digest = Sha256::digest(token.as_bytes());
    let key = format!(
        "flex:{}:{}:{}",
        center.id(),
        creds.account_sid,
        digest.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    match app.cache.get(&key).await.map(|v| serde_json::from_str::<Cached>(&v)) {
        Some(Ok(Cached::Valid(user))) => return Ok(user),
        Some(Ok(Cached::Invalid)) => return Err(refused_at(app, center, client_ip, "refused by Twilio").await),
        _ => {}
    }
    let known_key = format!("flex-agent-ip:{}:{client_ip}", center.id());
    let budget = limits.flex_checks_per_contact_center;
    if app.cache.get(&known_key).await.is_none() {
        let newcomers = crate::rate_limit::Limit { max: (budget.max / 2).max(1), ..budget };
        if let Decision::Limited { retry_after } =
            app.limiter.hit(&format!("flex-check-new:{}", center.id()), newcomers).await
        {
            tracing::warn!(contact_center_id = %center.id(), "Flex token checks from new addresses over their half of the budget");
            app.metrics.rate_limited("flex_token");
            return Err(AppError::rate_limited(retry_after));
        }
    }
    let check_key = format!("flex-check:{}", center.id());
    if let Decision::Limited { retry_after } = app.limiter.hit(&check_key, budget).await {
        tracing::warn!(contact_center_id = %center.id(), "Flex token checks over the contact center's limit");
        app.metrics.rate_limited("flex_token");
        return Err(AppError::rate_limited(retry_after));
    }
    let answer = app.twilio.account(creds.clone()).validate_flex_token(token).await.map_err(|e| {
        tracing::warn!(error = %e, "Flex token validation failed");
        AppError::upstream(ErrorCode::TwilioUnavailable, "could not check the Flex token with Twilio; try again")
    })?;
    let Some(identity) = answer.identity.filter(|_| answer.valid) else {
        if let Ok(json) = serde_json::to_string(&Cached::Invalid) {
            app.cache.set(&key, &json, NEGATIVE_TTL).await;
        }
        return Err(refused_at(app, center, client_ip, "refused by Twilio").await);
    };
    app.cache.set(&known_key, "1", KNOWN_ADDRESS_TTL).await;
    let user = FlexUser { identity, worker_sid: answer.worker_sid, roles: answer.roles, expires_at: answer.expiration };
    if let Some(exp) = user.expires_at {
        let ttl = (exp - Utc::now() - chrono::Duration::seconds(60)).to_std().unwrap_or_default();
        if let Ok(json) = serde_json::to_string(&Cached::Valid(user.clone())) {
            app.cache.set(&key, &json, ttl).await;
        }
    }
    Ok(user)
}

/// How long an address that presented a valid Flex token counts as an agent's.
const KNOWN_ADDRESS_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// How long Twilio's "not valid" is remembered for a token.
const NEGATIVE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Serialize, Deserialize)]
enum Cached {
    Valid(FlexUser),
    Invalid,
}
