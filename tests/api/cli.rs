//! The binary's commands, run as processes: bad configuration stops it with
//! the setting's name; `migrate`, `tenant create` and `keys generate` work.

use std::process::{Command, Output};

use escalate_e2e::replica::escalate_binary;
use escalate_e2e::{Options, TestDb, spawn_app_with};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(escalate_binary())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .current_dir(std::env::temp_dir())
        .output()
        .expect("escalate runs")
}

const NO_SUCH_DB: &str = "postgres://postgres@127.0.0.1:5432/escalate_never_created";

#[test]
fn bad_configuration_names_the_setting() {
    for (env, setting) in [
        (vec![("DATABASE_URL", "mysql://localhost/x")], "DATABASE_URL"),
        (vec![("LISTEN_ADDR", "not-an-address")], "LISTEN_ADDR"),
        (vec![("PUBLIC_BASE_URL", "example.com")], "PUBLIC_BASE_URL"),
        // A database that does not exist: the keys are checked before any
        // connection, so these must fail on MASTER_KEYS, and no test writes
        // into a database it does not own.
        (vec![("DATABASE_URL", NO_SUCH_DB)], "MASTER_KEYS"),
        (vec![("MASTER_KEYS", "k1:short"), ("DATABASE_URL", NO_SUCH_DB)], "MASTER_KEYS"),
        (vec![("REDIS_URL", "http://nope")], "REDIS_URL"),
        (vec![("OTEL_TRACES_SAMPLER_ARG", "2")], "OTEL_TRACES_SAMPLER_ARG"),
    ] {
        let out = run(&["serve"], &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{env:?} should fail");
        assert!(stderr.contains(setting), "{env:?}: stderr should name {setting}: {stderr}");
    }
}

#[tokio::test]
async fn migrate_and_tenant_create_from_the_command_line() {
    let db = TestDb::create().await;
    let keys = format!("k1:{}", escalate_domain::vault::Keyring::generate_key());
    let env = [("DATABASE_URL", db.url.as_str()), ("MASTER_KEYS", keys.as_str()), ("LOG_LEVEL", "warn")];
    let out = run(&["migrate"], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["tenant", "create", "--name", "Acme Support", "--admin-email", "Owner@Acme.example"], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("acme-support"), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|l| l.split("change it after signing in): ").nth(1))
        .expect("password printed")
        .trim()
        .to_owned();
    // The printed password signs the admin in on a service over that database.
    let app =
        spawn_app_with(Options { db: Some(db.clone()), master_keys: Some(keys.clone()), ..Default::default() }).await;
    let session = app.login("owner@acme.example", &password).await;
    assert_eq!(session.get("/v1/tenant").await.status(), 200);
    // A second tenant with the same slug is refused with the reason.
    let out = run(&["tenant", "create", "--name", "Acme Support", "--admin-email", "other@acme.example"], &env);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("slug"));
    let out = run(&["tenant", "list"], &env);
    assert!(String::from_utf8_lossy(&out.stdout).contains("acme-support"));
}

#[test]
fn keys_generate_prints_a_usable_master_key() {
    let out = run(&["keys", "generate", "--id", "k7"], &[]);
    assert!(out.status.success());
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let keyring = escalate_domain::vault::Keyring::parse(&line, "k7").expect("a valid MASTER_KEYS entry");
    assert_eq!(keyring.active_id(), "k7");
}

#[tokio::test]
async fn the_twilio_smoke_command_checks_an_account_end_to_end_and_cleans_up() {
    let sim = twilio_sim::Simulator::new(twilio_sim::SimConfig::default());
    let running = sim.clone().spawn("127.0.0.1:0").await.unwrap();
    let account = twilio_sim::SimAccount::generate("Smoke");
    sim.add_account(account.clone());
    let flex = sim.mint_flex_token(&account.account_sid, twilio_sim::FlexAgent::new("alex"));
    let conversation = escalate_e2e::conversation_sid();
    let base = running.base_url.clone();
    let env = vec![
        ("TWILIO_MODE", "real".to_owned()),
        ("TWILIO_VIDEO_BASE_URL", base.clone()),
        ("TWILIO_CONVERSATIONS_BASE_URL", base.clone()),
        ("TWILIO_IAM_BASE_URL", base.clone()),
        ("TWILIO_API_BASE_URL", base.clone()),
        ("TWILIO_ACCOUNT_SID", account.account_sid.clone()),
        ("TWILIO_API_KEY_SID", account.api_keys[0].0.clone()),
        ("TWILIO_API_KEY_SECRET", account.api_keys[0].1.clone()),
        ("TWILIO_AUTH_TOKEN", account.auth_token.clone()),
        ("TWILIO_FLEX_TOKEN", flex),
    ];
    let out = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run(&["twilio-smoke", "--conversation", &conversation], &env)
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for step in
        ["API key accepted", "auth token accepted", "room", "message", "video token", "Flex token valid", "cleaned up"]
    {
        assert!(stdout.contains(step), "{step}: {stdout}");
    }
    // Nothing left behind.
    assert!(sim.messages().is_empty());
    assert!(sim.rooms().iter().all(|r| r.status == escalate_twilio::RoomStatus::Completed));
    // A wrong secret stops at the first check and says which.
    let out = run(
        &["twilio-smoke", "--conversation", &escalate_e2e::conversation_sid()],
        &[
            ("TWILIO_MODE", "real"),
            ("TWILIO_VIDEO_BASE_URL", &base),
            ("TWILIO_API_BASE_URL", &base),
            ("TWILIO_ACCOUNT_SID", &account.account_sid),
            ("TWILIO_API_KEY_SID", &account.api_keys[0].0),
            ("TWILIO_API_KEY_SECRET", "not-the-secret-at-all"),
            ("TWILIO_AUTH_TOKEN", &account.auth_token),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("the API key"), "{}", String::from_utf8_lossy(&out.stderr));
}
