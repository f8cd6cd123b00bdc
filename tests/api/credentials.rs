use escalate_domain::vault::Keyring;
use escalate_e2e::{Options, assert_problem, captured_logs, credentials_body, spawn_app, spawn_app_with};
use escalate_store::TenantScope;
use serde_json::{Value, json};

#[tokio::test]
async fn credentials_are_verified_encrypted_and_only_shown_masked() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await;
    let cc_id = cc["id"].as_str().unwrap();
    let account = app.sim_account();
    let (key_sid, key_secret) = account.api_keys[0].clone();

    let resp = app.store_credentials(&tenant, cc_id, &account).await;
    assert_eq!(resp.status(), 200);
    let put_text = resp.text().await.unwrap();
    let shown: Value = serde_json::from_str(&put_text).unwrap();
    assert_eq!(shown["account_sid"], account.account_sid);
    assert_eq!(shown["api_key_sid"], key_sid);
    assert_eq!(shown["api_key_secret"], format!("••••{}", &key_secret[key_secret.len() - 4..]));
    assert_eq!(shown["auth_token"], format!("••••{}", &account.auth_token[account.auth_token.len() - 4..]));
    assert!(shown["verified_at"].is_string());
    let get_text =
        tenant.admin.get(&format!("/v1/contact-centers/{cc_id}/twilio-credentials")).await.text().await.unwrap();
    for text in [&put_text, &get_text] {
        assert!(!text.contains(&key_secret) && !text.contains(&account.auth_token), "secret in a response: {text}");
    }

    // At rest: ciphertexts, not the secrets.
    let scope = TenantScope::for_tests(tenant.id);
    let record = app.state.store.credentials(scope, cc_id.parse().unwrap()).await.unwrap();
    for blob in [&record.api_key_secret_ciphertext, &record.auth_token_ciphertext] {
        assert!(!contains(blob, key_secret.as_bytes()) && !contains(blob, account.auth_token.as_bytes()));
        assert!(blob.len() >= 12 + 16 + 16);
    }

    // Re-verification calls Twilio with the decrypted secrets.
    let resp = tenant.admin.post(&format!("/v1/contact-centers/{cc_id}/twilio-credentials/verify"), json!({})).await;
    assert_eq!(resp.status(), 200);

    // Nothing secret was logged by anyone, at any level.
    let logs = captured_logs();
    assert!(!logs.is_empty());
    assert!(!logs.contains(&key_secret), "API key secret found in logs");
    assert!(!logs.contains(&account.auth_token), "auth token found in logs");
    assert!(!logs.contains(&tenant.admin_password), "password found in logs");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn rejected_credentials_are_not_stored() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await;
    let cc_id = cc["id"].as_str().unwrap();
    let account = app.sim_account();

    let mut wrong_secret = credentials_body(&account);
    wrong_secret["api_key_secret"] = json!("0123456789abcdef0123456789abcdef");
    let resp = tenant.admin.put(&format!("/v1/contact-centers/{cc_id}/twilio-credentials"), wrong_secret).await;
    let body = assert_problem(resp, 422, "twilio_credentials_rejected").await;
    assert_eq!(body["errors"][0]["field"], "api_key_secret");
    assert!(!body.to_string().contains("0123456789abcdef0123456789abcdef"));

    let mut wrong_token = credentials_body(&account);
    wrong_token["auth_token"] = json!("ffffffffffffffffffffffffffffffff");
    let resp = tenant.admin.put(&format!("/v1/contact-centers/{cc_id}/twilio-credentials"), wrong_token).await;
    assert_eq!(assert_problem(resp, 422, "twilio_credentials_rejected").await["errors"][0]["field"], "auth_token");

    assert_problem(
        tenant.admin.get(&format!("/v1/contact-centers/{cc_id}/twilio-credentials")).await,
        404,
        "not_found",
    )
    .await;

    let mut bad_sid = credentials_body(&account);
    bad_sid["account_sid"] = json!("AC123");
    let resp = tenant.admin.put(&format!("/v1/contact-centers/{cc_id}/twilio-credentials"), bad_sid).await;
    assert_eq!(assert_problem(resp, 422, "validation_failed").await["errors"][0]["field"], "account_sid");
}

#[tokio::test]
async fn an_unreachable_twilio_is_a_clear_502_and_nothing_is_stored() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await;
    let cc_id = cc["id"].as_str().unwrap();
    let account = app.sim_account();
    app.sim_server.abort();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let resp = app.store_credentials(&tenant, cc_id, &account).await;
    assert_problem(resp, 502, "twilio_unavailable").await;
    assert_problem(
        tenant.admin.get(&format!("/v1/contact-centers/{cc_id}/twilio-credentials")).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn master_key_rotation_rewraps_data_keys_without_losing_secrets() {
    let k1 = Keyring::generate_key();
    let k2 = Keyring::generate_key();
    let old = spawn_app_with(Options { master_keys: Some(format!("k1:{k1}")), ..Default::default() }).await;
    let tenant = old.create_tenant("Acme").await;
    let cc = old.create_contact_center(&tenant, "Support").await;
    let cc_id = cc["id"].as_str().unwrap().to_owned();
    let account = old.sim_account();
    assert_eq!(old.store_credentials(&tenant, &cc_id, &account).await.status(), 200);
    let scope = TenantScope::for_tests(tenant.id);
    let before = old.state.store.credentials(scope, cc_id.parse().unwrap()).await.unwrap();
    let masked_before: Value =
        tenant.admin.get(&format!("/v1/contact-centers/{cc_id}/twilio-credentials")).await.json().await.unwrap();

    // Step 1: every replica gets both keys, the new one active.
    let both = spawn_app_with(Options {
        db: Some(old.db.clone()),
        master_keys: Some(format!("k1:{k1},k2:{k2}")),
        active_master_key_id: Some("k2".into()),
        sim: Some((old.sim.clone(), old.sim_server.clone())),
        ..Default::default()
    })
    .await;
    // Step 2: rotate.
    let report = escalate_app::services::keys::rotate(&both.state.store, &both.state.keyring).await.unwrap();
    assert_eq!((report.total, report.rewrapped, report.already_current), (1, 1, 0));
    let again = escalate_app::services::keys::rotate(&both.state.store, &both.state.keyring).await.unwrap();
    assert_eq!((again.rewrapped, again.already_current), (0, 1));
    assert_eq!(both.state.store.data_key(scope).await.unwrap().key_id, "k2");
    // The secrets' ciphertexts did not change: only the data key was rewrapped.
    let after = both.state.store.credentials(scope, cc_id.parse().unwrap()).await.unwrap();
    assert_eq!(before.api_key_secret_ciphertext, after.api_key_secret_ciphertext);

    // Step 3: the old key can be retired; a replica with only k2 reads everything.
    let new = spawn_app_with(Options {
        db: Some(old.db.clone()),
        master_keys: Some(format!("k2:{k2}")),
        sim: Some((old.sim.clone(), old.sim_server.clone())),
        ..Default::default()
    })
    .await;
    let admin = new.login(&tenant.admin_email, &tenant.admin_password).await;
    let masked_after: Value =
        admin.get(&format!("/v1/contact-centers/{cc_id}/twilio-credentials")).await.json().await.unwrap();
    assert_eq!(masked_before["api_key_secret"], masked_after["api_key_secret"]);
    assert_eq!(masked_before["auth_token"], masked_after["auth_token"]);
    let resp = admin.post(&format!("/v1/contact-centers/{cc_id}/twilio-credentials/verify"), json!({})).await;
    assert_eq!(resp.status(), 200, "decrypted secrets still work with Twilio");
    // New tenants get data keys wrapped by the active key.
    let t2 = new.create_tenant("Beta").await;
    assert_eq!(new.state.store.data_key(TenantScope::for_tests(t2.id)).await.unwrap().key_id, "k2");
}
