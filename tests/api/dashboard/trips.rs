//! What a new admin tripped on, checked in headless Chromium at 1280×800 and
//! 390×844 by `tests/browser/trips.mjs`: the test call's controls on screen,
//! wording that follows the language before saving, a warning for a logo
//! that does not load, the preview near the top on a phone, the audit table
//! within its card, dates on hourly charts.

use serde_json::{Value, json};

use super::{Browser, csrf, location, tests_dir};

#[tokio::test]
async fn a_new_admins_trips_are_gone_at_both_sizes() {
    let app = escalate_e2e::spawn_app().await;
    let t = app.create_tenant("Acme").await;
    let cc: Value = t.admin.post("/v1/contact-centers", json!({ "name": "Help" })).await.json().await.unwrap();
    let cc = cc["id"].as_str().unwrap().to_owned();
    let b = Browser::new(&app);
    assert_eq!(b.login(&t.admin_email, &t.admin_password).await.status(), 303);
    let form = b.html(&format!("/dashboard/contact-centers/{cc}/test-call")).await;
    let started = b.post(&format!("/dashboard/contact-centers/{cc}/test-call"), &[("csrf_token", &csrf(&form))]).await;
    assert_eq!(started.status(), 303);
    let input = json!({
        "base": app.address,
        "email": t.admin_email,
        "password": t.admin_password,
        "contact_center_id": cc,
        "test_call_path": location(&started),
    });
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(300),
        tokio::process::Command::new("node")
            .arg(tests_dir().join("browser/trips.mjs"))
            .arg(input.to_string())
            .current_dir(tests_dir().join("browser"))
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("trips.mjs finishes in time")
    .expect("node runs (scripts/browser.sh)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l).ok().filter(|v| v.get("report").is_some()))
        .unwrap_or_else(|| panic!("no report: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)))["report"]
        .clone();
    assert_eq!(report["problems"], json!([]), "{report:#}");
    let checked: Vec<&str> = report["checked"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for name in ["test-call", "wording", "logo", "preview-phone", "audit", "chart-hours"] {
        assert!(checked.contains(&name), "{name} checked: {checked:?}");
    }
}
