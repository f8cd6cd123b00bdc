//! The embedded default's demo: a tenant and a contact center that the demo
//! owns (found by their fixed slugs, so nothing a user made is ever touched),
//! an admin whose password is kept in a file beside the database (so a
//! restart does not sign everyone out), and the demo contact center wired to
//! a fresh account of the in-process Twilio simulator. A new demo contact
//! center gets three weeks of history ([`history`]).

use anyhow::Context;
use escalate_app::Principal;
use escalate_app::password;
use escalate_app::services::credentials::{self, CredentialsInput};
use escalate_app::services::{contact_centers, escalations, tenants};
use escalate_domain::Secret;
use escalate_domain::contact_center::SettingsPatch;
use escalate_store::TenantScope;
use twilio_sim::SimAccount;

use crate::Application;

mod history;

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_EMAIL: &str = "admin@demo.example";
pub const DEMO_CENTER_SLUG: &str = "demo-support";
const PASSWORD_FILE: &str = "escalate.demo-password";

pub async fn seed_and_print(app: &Application) -> anyhow::Result<()> {
    let state = app.state();
    let (scope, password) = demo_tenant(state).await?;
    let cc = match state.store.list_contact_centers(scope).await?.into_iter().find(|c| c.slug == DEMO_CENTER_SLUG) {
        Some(cc) => cc,
        None => {
            let cc = contact_centers::create(
                state,
                &Principal::operator(scope),
                "Demo Support",
                Some(DEMO_CENTER_SLUG),
                SettingsPatch::default(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("creating the demo contact center: {e}"))?;
            // Once, with the contact center: its past is the demo's own.
            let n = history::seed(&state.store, scope, cc.id, chrono::Utc::now()).await?;
            tracing::info!(escalations = n, days = history::DAYS, "seeded the demo contact center's history");
            cc
        }
    };

    // The simulator forgets everything on restart: give it a fresh account
    // and store that account's credentials for the demo contact center.
    if let Some((sim, _)) = &app.simulator {
        let account = SimAccount::generate("Demo account");
        sim.add_account(account.clone());
        let (api_key_sid, api_key_secret) = account.api_keys[0].clone();
        credentials::put(
            state,
            &Principal::operator(scope),
            cc.id,
            CredentialsInput {
                account_sid: account.account_sid.clone(),
                api_key_sid,
                api_key_secret: Secret::new(api_key_secret),
                auth_token: Secret::new(account.auth_token.clone()),
                region: None,
                edge: None,
            },
            true,
        )
        .await
        .map_err(|e| anyhow::anyhow!("storing the demo credentials: {e}"))?;
    }
    // A call ready to join from two tabs: the agent's side in the dashboard
    // (the test call page), the customer's at the join link.
    let center = contact_centers::resolve(state, scope, cc.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let created = escalations::start_test_call(state, &center, DEMO_EMAIL, "Demo Agent")
        .await
        .map_err(|e| anyhow::anyhow!("starting the demo call: {e}"))?;
    let demo_join_url = state.urls().join(&created.escalation.code);
    let agent_url =
        format!("{}/dashboard/contact-centers/{}/test-call/{}", state.urls().base(), cc.id, created.escalation.id);

    let base = state.urls().base().to_owned();
    println!();
    println!("  Embedded demo (SQLite, in-process Twilio simulator, built-in video)");
    println!("  Dashboard:       {base}/dashboard");
    println!("  API docs:        {base}/docs");
    println!("  API sign-in:     POST {base}/v1/auth/login");
    println!("  Login:           {DEMO_EMAIL} / {}", password.expose());
    println!("  Contact center:  {} ({})", cc.name, cc.id);
    if let Some((sim, running)) = &app.simulator {
        println!("  Twilio simulator: {}  (controls at /_sim/, see the README)", running.base_url);
        // A spare account to paste into a new contact center's credentials
        // form (the demo contact center has its own): simulator values, not secrets.
        let spare = SimAccount::generate("Spare account");
        sim.add_account(spare.clone());
        let (key_sid, key_secret) = &spare.api_keys[0];
        println!("  Simulator credentials for a new contact center (paste into its Twilio credentials):");
        println!("    Account SID:    {}", spare.account_sid);
        println!("    API Key SID:    {key_sid}");
        println!("    API Key Secret: {key_secret}");
        println!("    Auth Token:     {}", spare.auth_token);
        println!("    (more: POST {}/_sim/accounts with an empty body)", running.base_url);
    }
    println!("  Demo call ({} video), open both in two tabs:", created.escalation.video_provider);
    println!("    agent:         {agent_url}  (signed in)");
    println!("    customer:      {demo_join_url}");
    println!();
    Ok(())
}

/// The demo tenant, made on the first start; its admin's password is the
/// one in [`PASSWORD_FILE`], or a new one written there.
async fn demo_tenant(state: &escalate_http::AppState) -> anyhow::Result<(TenantScope, Secret)> {
    let kept =
        std::fs::read_to_string(PASSWORD_FILE).ok().map(|p| Secret::new(p.trim())).filter(|p| !p.expose().is_empty());
    let existing = state.store.unscoped().tenant_by_slug(DEMO_SLUG).await?;
    let (scope, admin_id, fresh) = match existing {
        Some((_, scope)) => {
            let (admin, _) = state
                .store
                .unscoped()
                .users_by_email(DEMO_EMAIL)
                .await?
                .into_iter()
                .find(|(_, s)| *s == scope)
                .context("demo admin missing")?;
            (scope, admin.id, kept.is_none())
        }
        None => {
            let created = tenants::create(state, "Demo Company", Some(DEMO_SLUG), DEMO_EMAIL)
                .await
                .map_err(|e| anyhow::anyhow!("creating the demo tenant: {e}"))?;
            (created.scope, created.admin.id, true)
        }
    };
    let password = match (kept, fresh) {
        (Some(p), false) => p,
        (kept, _) => {
            let p = kept.unwrap_or_else(password::generate);
            let hash = password::hash(p.clone()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            state.store.set_user_password(scope, admin_id, &hash, None).await?;
            write_private(PASSWORD_FILE, p.expose()).with_context(|| format!("writing {PASSWORD_FILE}"))?;
            p
        }
    };
    Ok((scope, password))
}

fn write_private(path: &str, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(contents.as_bytes())
}
