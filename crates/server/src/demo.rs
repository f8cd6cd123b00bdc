//! The embedded default's demo: a tenant, an admin whose password is reset on
//! every start (and printed), and a contact center wired to an account in the
//! in-process Twilio simulator.

use anyhow::Context;
use escalate_domain::Secret;
use escalate_domain::contact_center::ContactCenterSettings;
use escalate_http::auth::password;
use escalate_http::services::credentials::{self, CredentialsInput};
use escalate_store::TenantScope;
use escalate_store::repos::ContactCenterInput;
use twilio_sim::SimAccount;

use crate::Application;

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_EMAIL: &str = "admin@demo.example";

pub async fn seed_and_print(app: &Application) -> anyhow::Result<()> {
    let state = app.state();
    let store = &state.store;
    let now = chrono::Utc::now();
    let fresh_password = password::generate();
    let tenant = match store.find_tenant_by_slug(DEMO_SLUG).await? {
        Some(t) => {
            let scope = TenantScope::new(t.id);
            let admin = store.find_user_by_email(DEMO_EMAIL).await?.context("demo admin missing")?;
            let hash = password::hash(fresh_password.clone()).await.map_err(|e| anyhow::anyhow!(e.detail))?;
            store.set_user_password(scope, admin.id, &hash, None).await?;
            t
        }
        None => {
            let created = escalate_http::services::tenants::create(
                store,
                &state.keyring,
                "Demo Company",
                Some(DEMO_SLUG),
                DEMO_EMAIL,
            )
            .await
            .map_err(|e| anyhow::anyhow!(e.detail))?;
            let scope = TenantScope::new(created.tenant.id);
            let hash = password::hash(fresh_password.clone()).await.map_err(|e| anyhow::anyhow!(e.detail))?;
            store.set_user_password(scope, created.admin.id, &hash, None).await?;
            created.tenant
        }
    };
    let scope = TenantScope::new(tenant.id);
    let cc = match store.list_contact_centers(scope).await?.into_iter().next() {
        Some(cc) => cc,
        None => {
            let settings = ContactCenterSettings::default_for("Demo Support");
            store
                .create_contact_center(
                    scope,
                    ContactCenterInput { name: "Demo Support", slug: "support", settings: &settings },
                    now,
                )
                .await?
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
            scope,
            cc.id,
            CredentialsInput {
                account_sid: account.account_sid.clone(),
                api_key_sid,
                api_key_secret: Secret::new(api_key_secret),
                auth_token: Secret::new(account.auth_token.clone()),
            },
            true,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e))?;
    }

    // A ready escalation, so the join page can be opened straight away.
    let demo_join_url = if app.simulator.is_some() {
        let input = escalate_http::services::escalations::CreateInput {
            task_sid: format!("WT{}", uuid::Uuid::new_v4().simple()),
            conversation_sid: format!("CH{}", uuid::Uuid::new_v4().simple()),
            agent_name: Some("Demo Agent".into()),
            agent: "demo-agent".into(),
            idempotency_key: None,
        };
        let created = escalate_http::services::escalations::create(state, scope, &cc, input)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Some(format!("{}/join/{}", state.config.public_base_url, created.escalation.code))
    } else {
        None
    };

    let base = &state.config.public_base_url;
    println!();
    println!("  Embedded demo (SQLite, in-process Twilio simulator)");
    println!("  Dashboard:       {base}/dashboard");
    println!("  API docs:        {base}/docs");
    println!("  API sign-in:     POST {base}/v1/auth/login");
    println!("  Login:           {DEMO_EMAIL} / {}", fresh_password.expose());
    println!("  Contact center:  {} ({})", cc.name, cc.id);
    if let Some(url) = demo_join_url {
        println!("  Demo join URL:   {url}");
    }
    println!();
    Ok(())
}
