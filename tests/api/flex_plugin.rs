//! The Flex plugin's own escalation code (its built node bundle), run
//! against the real service and simulator. A Flex host page cannot be had
//! offline, so this drives the plugin's API client and escalation store in
//! node; `scripts/test` builds the bundle first.

use std::path::PathBuf;
use std::process::Command;

use escalate_e2e::spawn_app;
use serde_json::Value;

fn plugin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sdk-flex-plugin")
}

#[tokio::test]
async fn the_plugin_creates_an_escalation_against_the_running_service() {
    let bundle = plugin_dir().join("build/node/escalation.mjs");
    assert!(
        bundle.exists(),
        "the plugin bundle is missing: run `npm ci && npm run build` in sdk-flex-plugin (scripts/test does)"
    );
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let flex = app.flex_token(&r.account, "alex@acme.example");
    let (service, sim, cc) = (app.address.clone(), app.sim_server.base_url.clone(), r.cc.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("scripts/e2e.mjs")
            .current_dir(plugin_dir())
            .env("SERVICE_URL", service)
            .env("CONTACT_CENTER_ID", cc)
            .env("FLEX_TOKEN", flex)
            .env("SIM_URL", sim)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "plugin e2e failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    assert_eq!(report["ok"], true, "{report}");
    // The simulator holds what the plugin's call made: one room, one chat message with the link.
    assert_eq!(app.sim.rooms().len(), 1);
    let messages = app.sim.messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].body.contains(&format!("{}/join/", app.address)));
}
