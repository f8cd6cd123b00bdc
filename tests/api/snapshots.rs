//! Snapshots of the customer's video: the agent saves one (a real picture,
//! its size read from it), the service keeps it sealed with the tenant's
//! data key, tells webhooks, bounds how many and how large, lets admins
//! (only) list, download and delete them (audited), and deletes them after
//! the contact center's retention period or with the customer's data.

use std::time::Duration;

use escalate_e2e::receiver::Receiver;
use escalate_e2e::{Options, TestApp, assert_problem, conversation_sid, picture, spawn_app_with, task_sid};
use image::ImageFormat;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

async fn spawn() -> TestApp {
    let extra = vec![("WEBHOOK_ALLOW_LOOPBACK".to_owned(), "true".to_owned())];
    spawn_app_with(Options { extra, ..Options::default() }).await
}

async fn escalation(app: &TestApp, cc: &str, flex: &str) -> String {
    let body = json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() });
    let e: Value = app.escalate(cc, flex, None, body).await.json().await.unwrap();
    e["id"].as_str().expect("escalation created").to_owned()
}

async fn post(app: &TestApp, bearer: &str, id: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    let req = app.http.post(app.url(&format!("/v1/escalations/{id}/snapshots"))).bearer_auth(bearer);
    req.header("Content-Type", content_type).body(body).send().await.unwrap()
}

/// Every sealed picture as the database holds it.
async fn sealed_rows(app: &TestApp) -> Vec<Vec<u8>> {
    let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
    let sql = Statement::from_string(db.get_database_backend(), "SELECT sealed FROM snapshots");
    let rows = db.query_all_raw(sql).await.unwrap();
    rows.iter().map(|r| r.try_get::<Vec<u8>>("", "sealed").unwrap()).collect()
}

#[tokio::test]
async fn an_agents_snapshot_is_sealed_announced_bounded_and_only_admins_download_it() {
    let app = spawn().await;
    let r = app.ready_contact_center("Acme").await;
    let admin = &r.tenant.admin;
    let cc: Value = admin.get(&format!("/v1/contact-centers/{}", r.cc)).await.json().await.unwrap();
    assert_eq!(cc["snapshots"], json!({ "enabled": true, "retention_days": 30 }), "on by default");
    let rx = Receiver::start().await;
    let hook = admin.post("/v1/webhook-endpoints", json!({ "url": rx.url, "events": ["snapshot.created"] })).await;
    assert_eq!(hook.status(), 201);

    let flex = app.flex_token(&r.account, "alex");
    let id = escalation(&app, &r.cc, &flex).await;
    let jpeg = picture(1280, 720, ImageFormat::Jpeg);
    let saved = post(&app, &flex, &id, "image/jpeg", jpeg.clone()).await;
    assert_eq!(saved.status(), 201);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!((saved["width"].as_u64(), saved["height"].as_u64()), (Some(1280), Some(720)));
    assert_eq!(saved["content_type"], "image/jpeg");
    assert_eq!(saved["taken_by"], "alex");
    assert_eq!(saved["size_bytes"].as_u64(), Some(jpeg.len() as u64));
    let snap = saved["id"].as_str().unwrap().to_owned();

    // Webhooks hear of it (never the picture).
    let got = rx.wait_for(1, Duration::from_secs(10)).await;
    let event = got[0].json();
    assert_eq!(event["type"], "snapshot.created");
    assert_eq!(event["data"]["escalation_id"], id.as_str());
    assert_eq!(event["data"]["snapshot"]["id"], snap.as_str());
    assert_eq!(event["data"]["snapshot"]["width"], 1280);

    // The database holds it sealed: no part of the picture in the clear.
    let sealed = sealed_rows(&app).await;
    assert_eq!(sealed.len(), 1);
    assert!(!sealed[0].starts_with(&[0xFF, 0xD8]), "not a JPEG");
    for part in jpeg.chunks(64).filter(|c| c.len() == 64) {
        assert!(!sealed[0].windows(64).any(|w| w == part), "a piece of the picture is stored in the clear");
    }

    // Admins download it, as it was, never cached; the download is audited.
    let path = format!("/v1/escalations/{id}/snapshots/{snap}");
    let got = admin.get(&path).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(got.headers()["cache-control"], "private, no-store");
    let bytes = got.bytes().await.unwrap().to_vec();
    assert_eq!(bytes, jpeg);
    let decoded = image::load_from_memory(&bytes).expect("it decodes as a picture");
    assert_eq!((decoded.width(), decoded.height()), (1280, 720));
    let audit: Value = admin.get("/v1/audit-log?action=snapshot.downloaded").await.json().await.unwrap();
    assert_eq!(audit["items"][0]["target_id"], id.as_str(), "{audit}");
    assert_eq!(audit["items"][0]["changes"]["snapshot_id"], snap.as_str(), "{audit}");

    // Only admins: not the agent's key, not a viewer.
    let key = app.api_key(&r.tenant, &["escalations"]).await;
    let listed = app.http.get(app.url(&format!("/v1/escalations/{id}/snapshots"))).bearer_auth(&key).send().await;
    assert_problem(listed.unwrap(), 403, "forbidden").await;
    let invited: Value =
        admin.post("/v1/users", json!({ "email": "v@example.com", "role": "viewer" })).await.json().await.unwrap();
    let viewer = app.login("v@example.com", invited["initial_password"].as_str().unwrap()).await;
    assert_problem(viewer.get(&path).await, 403, "forbidden").await;
    assert_problem(
        viewer.post_bytes(&format!("/v1/escalations/{id}/snapshots"), "image/png", jpeg.clone()).await,
        403,
        "forbidden",
    )
    .await;
    // Another agent's escalation is not theirs to photograph.
    let other = app.flex_token(&r.account, "blake");
    assert_problem(post(&app, &other, &id, "image/jpeg", jpeg.clone()).await, 403, "not_your_escalation").await;

    // Bad pictures: a clear refusal and nothing stored.
    let mut huge = picture(64, 64, ImageFormat::Png);
    huge.resize(4 * 1024 * 1024 + 1, 0);
    assert_problem(post(&app, &flex, &id, "image/png", huge).await, 413, "snapshot_too_large").await;
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    assert_problem(post(&app, &flex, &id, "image/png", svg).await, 415, "snapshot_not_an_image").await;
    assert_problem(post(&app, &flex, &id, "image/png", Vec::new()).await, 415, "snapshot_not_an_image").await;
    let wrong_type = post(&app, &flex, &id, "application/json", b"{}".to_vec()).await;
    assert_eq!(wrong_type.status(), 415, "{}", wrong_type.text().await.unwrap());
    assert_eq!(sealed_rows(&app).await.len(), 1, "refusals store nothing");

    // At most 20 per escalation; PNG too.
    for _ in 0..19 {
        assert_eq!(post(&app, &flex, &id, "image/png", picture(32, 24, ImageFormat::Png)).await.status(), 201);
    }
    let over = post(&app, &flex, &id, "image/png", picture(32, 24, ImageFormat::Png)).await;
    assert_problem(over, 409, "snapshot_limit_reached").await;
    let listed: Value = admin.get(&format!("/v1/escalations/{id}/snapshots")).await.json().await.unwrap();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    assert_eq!(items[0]["id"], snap.as_str(), "oldest first");
    assert_eq!(items[1]["content_type"], "image/png");

    // Deleting one is audited; it is gone.
    assert_eq!(admin.delete(&path).await.status(), 204);
    assert_problem(admin.get(&path).await, 404, "not_found").await;
    let audit: Value = admin.get("/v1/audit-log?action=snapshot.deleted").await.json().await.unwrap();
    assert_eq!(audit["items"][0]["changes"]["snapshot_id"], snap.as_str(), "{audit}");

    // A contact center that turned them off takes none.
    let off = admin.patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "snapshots": { "enabled": false } })).await;
    assert_eq!(off.status(), 200);
    let id2 = escalation(&app, &r.cc, &flex).await;
    let refused = post(&app, &flex, &id2, "image/png", picture(32, 24, ImageFormat::Png)).await;
    assert_problem(refused, 409, "snapshots_disabled").await;
    let bad = admin
        .patch(
            &format!("/v1/contact-centers/{}", r.cc),
            json!({ "snapshots": { "enabled": true, "retention_days": 0 } }),
        )
        .await;
    let problem = assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "snapshots.retention_days", "{problem}");
    let on = admin
        .patch(
            &format!("/v1/contact-centers/{}", r.cc),
            json!({ "snapshots": { "enabled": true, "retention_days": 7 } }),
        )
        .await;
    assert_eq!(on.status(), 200);

    // A finished call takes none.
    let done = app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await;
    assert!(done.unwrap().status().is_success());
    let late = post(&app, &flex, &id, "image/png", picture(32, 24, ImageFormat::Png)).await;
    assert_problem(late, 409, "escalation_not_open").await;

    // After the retention period (7 days now), one replica's purge deletes them, once.
    let purge = |days: i64| {
        escalate_app::services::snapshots::purge(&app.state, chrono::Utc::now() + chrono::Duration::days(days))
    };
    assert_eq!(purge(6).await.unwrap(), 0);
    assert_eq!(purge(8).await.unwrap(), 19);
    assert_eq!(purge(30).await.unwrap(), 0);
    let listed: Value = admin.get(&format!("/v1/escalations/{id}/snapshots")).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
    assert!(sealed_rows(&app).await.is_empty());
}

#[tokio::test]
async fn erasing_the_customers_data_deletes_their_snapshots() {
    let app = spawn().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex");
    let id = escalation(&app, &r.cc, &flex).await;
    assert_eq!(post(&app, &flex, &id, "image/png", picture(40, 30, ImageFormat::Png)).await.status(), 201);
    let done = app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await;
    assert!(done.unwrap().status().is_success());
    let admin = &r.tenant.admin;
    assert_eq!(admin.post(&format!("/v1/escalations/{id}/erase"), json!({})).await.status(), 200);
    let listed: Value = admin.get(&format!("/v1/escalations/{id}/snapshots")).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
    assert!(sealed_rows(&app).await.is_empty());
}
