//! "Install in Flex": the service registers the plugin bundle it hosts with
//! a contact center's Flex (the simulator's Flex Plugins and Configuration
//! APIs, in Twilio's shapes), beside the plugins already released, and sets
//! `ui_attributes.videoEscalation` without touching anything else; the
//! dashboard button and the CLI command do the same; uninstall undoes it.

use std::path::PathBuf;
use std::process::Command;

use escalate_e2e::replica::escalate_binary;
use escalate_e2e::{Options, TestApp, assert_problem, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};
use twilio_sim::{ApiOp, Fault, SimAccount};

fn plugin_build() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sdk-flex-plugin/build");
    assert!(
        dir.join("manifest.json").exists(),
        "the plugin bundle is missing: run `npm ci && npm run build` in sdk-flex-plugin (scripts/test does)"
    );
    dir
}

async fn spawn() -> TestApp {
    let dir = plugin_build().to_string_lossy().into_owned();
    spawn_app_with(Options { extra: vec![("FLEX_PLUGIN_DIR".into(), dir)], ..Options::default() }).await
}

/// What the account's Flex loads now, as the simulator holds it.
async fn flex_of(app: &TestApp, account: &SimAccount) -> Value {
    let url = format!("{}/_sim/flex/{}", app.sim_server.base_url, account.account_sid);
    app.http.get(url).send().await.unwrap().json().await.unwrap()
}

/// An admin's earlier work in that Flex: another plugin released with the
/// Plugins API (as the Flex Plugins CLI does it), and UI settings of theirs.
async fn existing_flex(app: &TestApp, account: &SimAccount) {
    let base = &app.sim_server.base_url;
    let (user, secret) = &account.api_keys[0];
    let post = |path: &str, form: Vec<(&str, String)>| {
        app.http.post(format!("{base}/v1/PluginService/{path}")).basic_auth(user, Some(secret)).form(&form).send()
    };
    let plugin: Value = post("Plugins", vec![("UniqueName", "plugin-crm".into())]).await.unwrap().json().await.unwrap();
    let fp = plugin["sid"].as_str().unwrap();
    let version: Value = post(
        &format!("Plugins/{fp}/Versions"),
        vec![("Version", "2.0.0".into()), ("PluginUrl", "https://assets.example.com/crm.js".into())],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let plugins = json!({ "plugin_version": version["sid"] }).to_string();
    let configuration: Value =
        post("Configurations", vec![("Name", "CRM".into()), ("Plugins", plugins)]).await.unwrap().json().await.unwrap();
    let release = post("Releases", vec![("ConfigurationId", configuration["sid"].as_str().unwrap().into())]).await;
    assert_eq!(release.unwrap().status(), StatusCode::CREATED);
    let ui = json!({ "colorTheme": { "baseName": "FlexDark" }, "videoEscalation": { "whenTaskHidden": "mute-agent" } });
    let url = format!("{base}/_sim/flex/{}/ui-attributes", account.account_sid);
    assert!(app.http.put(url).json(&ui).send().await.unwrap().status().is_success());
}

#[tokio::test]
async fn install_in_flex_releases_the_hosted_bundle_beside_other_plugins_and_uninstall_undoes_it() {
    let app = spawn().await;
    let r = app.ready_contact_center("Acme").await;
    existing_flex(&app, &r.account).await;
    let path = format!("/v1/contact-centers/{}/flex-installation", r.cc);
    // A Spanish contact center: its agents' plugin speaks Spanish too.
    let es = json!({ "branding": { "locale": "es" } });
    assert_eq!(r.tenant.admin.patch(&format!("/v1/contact-centers/{}", r.cc), es).await.status(), 200);

    let before: Value = r.tenant.admin.get(&path).await.json().await.unwrap();
    assert_eq!((before["installed"].clone(), before["configured"].clone()), (json!(false), json!(false)), "{before}");
    assert_eq!(before["other_plugins"], json!(["plugin-crm"]));

    let resp = r.tenant.admin.put(&path, json!({})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let installed: Value = resp.json().await.unwrap();
    assert_eq!(installed["installed"], true, "{installed}");
    assert_eq!(installed["current"], true);
    assert_eq!(installed["configured"], true);
    assert_eq!(installed["version"], "0.1.0");
    assert_eq!(installed["other_plugins"], json!(["plugin-crm"]), "the admin's plugin stays released");

    // Flex now loads both, ours from this service; the settings are merged.
    let flex = flex_of(&app, &r.account).await;
    let names: Vec<&str> =
        flex["plugins"].as_array().unwrap().iter().map(|p| p["unique_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["plugin-crm", "plugin-video-escalation"], "{flex}");
    let url = flex["plugins"][1]["plugin_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{}/flex-plugin/", app.address)), "{url}");
    let ui = &flex["ui_attributes"];
    assert_eq!(ui["colorTheme"], json!({ "baseName": "FlexDark" }), "other keys untouched: {ui}");
    assert_eq!(
        ui["videoEscalation"],
        json!({
            "whenTaskHidden": "mute-agent", "enabled": true, "serviceBaseUrl": app.address, "contactCenterId": r.cc,
            "language": "es",
        })
    );

    // The registered URL serves the built bundle, for a year, to Flex's origin.
    let resp = app.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(resp.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let built = std::fs::read(plugin_build().join("plugin-video-escalation.js")).unwrap();
    assert_eq!(resp.bytes().await.unwrap().as_ref(), built.as_slice());
    let br = app.http.get(&url).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    assert!(br.bytes().await.unwrap().len() < built.len() / 3);
    // Another build's URL (say, the previous release's) is not this one's.
    let stale = format!("{}/flex-plugin/0123456789abcdef/plugin-video-escalation.js", app.address);
    assert_ne!(stale, url);
    assert_eq!(app.http.get(&stale).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // Again: nothing new is released.
    let releases = flex["releases"].as_u64().unwrap();
    assert_eq!(r.tenant.admin.put(&path, json!({})).await.status(), StatusCode::OK);
    assert_eq!(flex_of(&app, &r.account).await["releases"].as_u64().unwrap(), releases);

    // Uninstall: the other plugin and settings stay, ours go.
    let resp = r.tenant.admin.delete(&path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let removed: Value = resp.json().await.unwrap();
    assert_eq!((removed["installed"].clone(), removed["configured"].clone()), (json!(false), json!(false)));
    let flex = flex_of(&app, &r.account).await;
    let names: Vec<&str> =
        flex["plugins"].as_array().unwrap().iter().map(|p| p["unique_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["plugin-crm"]);
    assert_eq!(flex["ui_attributes"], json!({ "colorTheme": { "baseName": "FlexDark" } }));
    // Nothing left to remove is not an error.
    assert_eq!(r.tenant.admin.delete(&path).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_failed_install_leaves_the_settings_alone_and_running_it_again_finishes_it() {
    let app = spawn().await;
    let r = app.ready_contact_center("Acme").await;
    let path = format!("/v1/contact-centers/{}/flex-installation", r.cc);
    app.sim.set_fault(ApiOp::CreateFlexRelease, Fault { status: Some(503), times: Some(10), ..Fault::default() });
    let resp = r.tenant.admin.put(&path, json!({})).await;
    let problem = assert_problem(resp, 502, "twilio_unavailable").await;
    assert!(problem["detail"].as_str().unwrap().contains("releasing the plugin"), "{problem}");
    let flex = flex_of(&app, &r.account).await;
    assert_eq!(flex["plugins"], json!([]), "nothing released");
    assert_eq!(flex["ui_attributes"], json!({}), "the plugin is not pointed at a half-done install");

    app.sim.clear_faults();
    let done: Value = r.tenant.admin.put(&path, json!({})).await.json().await.unwrap();
    assert_eq!(done["installed"], true, "{done}");
    // The version registered by the failed run was found by its URL, not made twice.
    let versions = app
        .sim
        .requests()
        .into_iter()
        .filter(|q| q.op == Some(ApiOp::CreateFlexPluginVersion) && q.status == Some(201))
        .count();
    assert_eq!(versions, 1);
}

#[tokio::test]
async fn install_needs_credentials_an_admin_and_the_tenants_own_contact_center() {
    let app = spawn().await;
    let r = app.ready_contact_center("Acme").await;
    let path = format!("/v1/contact-centers/{}/flex-installation", r.cc);

    let other = app.create_tenant("Other").await;
    assert_problem(other.admin.put(&path, json!({})).await, 404, "not_found").await;
    let viewer_key = app.api_key(&r.tenant, &["metrics"]).await;
    let resp = app.http.put(app.url(&path)).bearer_auth(&viewer_key).json(&json!({})).send().await.unwrap();
    assert_problem(resp, 403, "forbidden").await;

    let bare = app.create_contact_center(&r.tenant, "No credentials").await["id"].as_str().unwrap().to_owned();
    let resp = r.tenant.admin.put(&format!("/v1/contact-centers/{bare}/flex-installation"), json!({})).await;
    assert_problem(resp, 409, "twilio_credentials_missing").await;
    assert_eq!(flex_of(&app, &r.account).await["releases"], 0);
}

#[tokio::test]
async fn the_dashboard_button_and_the_cli_install_the_same_way() {
    let app = spawn().await;
    let r = app.ready_contact_center("Acme").await;
    let page =
        r.tenant.admin.get(&format!("/dashboard/contact-centers/{}/credentials", r.cc)).await.text().await.unwrap();
    assert!(page.contains("id=\"install-in-flex\""), "the credentials page offers the button");

    let resp = r
        .tenant
        .admin
        .client
        .post(app.url(&format!("/dashboard/contact-centers/{}/flex/install", r.cc)))
        .form(&[("csrf_token", r.tenant.admin.csrf.as_str())])
        .send()
        .await
        .unwrap();
    // The session's client follows the redirect to the page with the outcome.
    assert!(resp.url().as_str().ends_with("/credentials?flash=flex_installed"), "{}", resp.url());
    assert!(resp.text().await.unwrap().contains("Installed in Flex"));
    assert_eq!(flex_of(&app, &r.account).await["plugins"][0]["unique_name"], "plugin-video-escalation");

    // The CLI, as an operator runs it with the service's settings: uninstall, then install again.
    let base = app.sim_server.base_url.clone();
    let dir = plugin_build().to_string_lossy().into_owned();
    let env: Vec<(String, String)> = [
        ("DATABASE_URL", app.db.url.as_str()),
        ("MASTER_KEYS", app.master_keys.as_str()),
        ("PUBLIC_BASE_URL", app.address.as_str()),
        ("TWILIO_MODE", "real"),
        ("TWILIO_FLEX_BASE_URL", base.as_str()),
        ("FLEX_PLUGIN_DIR", dir.as_str()),
        ("LOG_LEVEL", "warn"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    // Off the test's runtime thread: the simulator answering the CLI runs on it.
    let run = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let env = env.clone();
        async move {
            let out = tokio::task::spawn_blocking(move || {
                Command::new(escalate_binary())
                    .args(&args)
                    .env_clear()
                    .env("PATH", std::env::var("PATH").unwrap_or_default())
                    .envs(env)
                    .current_dir(std::env::temp_dir())
                    .output()
                    .expect("escalate runs")
            })
            .await
            .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    let out = run(&["flex", "uninstall", "--contact-center", &r.cc]).await;
    assert!(out.contains("installed: false"), "{out}");
    assert_eq!(flex_of(&app, &r.account).await["plugins"], json!([]));
    let out = run(&["flex", "install", "--contact-center", &r.cc]).await;
    assert!(out.contains("installed: true") && out.contains("configured: true"), "{out}");
    assert_eq!(flex_of(&app, &r.account).await["plugins"][0]["unique_name"], "plugin-video-escalation");
    let out = run(&["flex", "status", "--contact-center", &r.cc]).await;
    assert!(out.contains("version: 0.1.0 from"), "{out}");
}
