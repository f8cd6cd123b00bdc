//! What an outside probe of the running service broke, each kept broken no
//! more: tenant-authored templates within bounds, callbacks that cannot
//! silence another tenant, Flex-token validation that cannot be abused,
//! callers limited to their own calls, recovery of half-made escalations,
//! Redis outages, NUL bytes, sign-in lockouts, header sizes.

use std::time::{Duration, Instant};

use escalate_e2e::{assert_problem, spawn_app};
use serde_json::json;

#[tokio::test]
async fn a_runaway_template_is_refused_at_save_within_a_second_while_the_service_keeps_answering() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("Acme").await;
    let cc = app.create_contact_center(&tenant, "Support").await["id"].as_str().unwrap().to_owned();
    // Probe /healthz the whole time the save runs.
    let probe = {
        let (http, url) = (app.http.clone(), app.url("/healthz"));
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            for _ in 0..20 {
                let started = Instant::now();
                assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
                slowest = slowest.max(started.elapsed());
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            slowest
        })
    };
    for template in [
        // 1e10 iterations.
        "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}{{ join_url }}",
        // String doubling and repetition.
        "{% set s = join_url %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s }}",
        "{{ join_url * 100000000 }}",
    ] {
        let started = Instant::now();
        let resp = tenant.admin.patch(&format!("/v1/contact-centers/{cc}"), json!({ "message_template": template })).await;
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert!(started.elapsed() < Duration::from_secs(1), "{template}: {:?}", started.elapsed());
        assert_eq!(problem["errors"][0]["field"], "message_template", "{problem}");
    }
    let slowest = probe.await.unwrap();
    assert!(slowest < Duration::from_millis(500), "/healthz waited {slowest:?}");
    // Nothing was saved.
    let got: serde_json::Value = tenant.admin.get(&format!("/v1/contact-centers/{cc}")).await.json().await.unwrap();
    assert_eq!(got["message_template"], "Please join me on video: {{ join_url }}");
}
