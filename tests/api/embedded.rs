//! The embedded default as a newcomer meets it: the built binary started
//! from an empty folder, with no configuration at all, serves the dashboard,
//! the demo call and the join page with every asset they reference, and the
//! vendored twilio-video bundle is byte for byte the one the repository
//! records (version, licence and checksum in `dashboard/assets/vendor/manifest.json`).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use escalate_e2e::replica::escalate_binary;
use sha2::{Digest, Sha256};

struct Service {
    child: Child,
    base: String,
    stdout: Vec<String>,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A scratch folder removed on drop (the binary writes its SQLite file,
/// master key and demo password there).
mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("escalate-empty-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir(&p).unwrap();
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// `escalate` with an empty environment (only PATH and HOME), its working
/// directory `dir`; waits for the demo banner on stdout.
fn start_in(dir: &tempdir::Dir) -> Service {
    // A statement of its own: the probe listener must be closed before the service binds.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    start_on(dir, port)
}

fn start_on(dir: &tempdir::Dir, port: u16) -> Service {
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(escalate_binary())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &dir.0)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_BASE_URL", &base)
        .current_dir(&dir.0)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::options().create(true).append(true).open(dir.0.join("stderr.log")).unwrap()))
        .spawn()
        .expect("escalate starts");
    let (tx, rx) = std::sync::mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdout = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        let done = line.contains("customer:");
        stdout.push(line);
        if done {
            break;
        }
    }
    let log = std::fs::read_to_string(dir.0.join("stderr.log")).unwrap_or_default();
    let tail: String = log.lines().rev().take(8).collect::<Vec<_>>().join("\n");
    assert!(stdout.iter().any(|l| l.contains("customer:")), "no demo banner: {stdout:#?}\n{tail}");
    Service { child, base, stdout }
}

async fn sign_in(http: &reqwest::Client, base: &str, email: &str, password: &str) -> serde_json::Value {
    let resp = http
        .post(format!("{base}/v1/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "sign-in");
    resp.json().await.unwrap()
}

async fn get_json(http: &reqwest::Client, url: &str) -> serde_json::Value {
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    resp.json().await.unwrap()
}

fn login(stdout: &[String]) -> (String, String) {
    let line = stdout.iter().find(|l| l.trim_start().starts_with("Login:")).expect("login line");
    let rest = line.trim_start().trim_start_matches("Login:").trim();
    let (email, password) = rest.split_once(" / ").expect("email / password");
    (email.to_owned(), password.to_owned())
}

fn url_after<'a>(lines: &'a [String], label: &str) -> &'a str {
    let line =
        lines.iter().find(|l| l.trim_start().starts_with(label)).unwrap_or_else(|| panic!("{label} in {lines:#?}"));
    line.split_whitespace().find(|w| w.starts_with("http")).expect("a URL")
}

/// Every `src="/…"` and `href="/…"` in `html`.
fn references(html: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            // minijinja escapes `/` in attributes as `&#x2f;`, which browsers decode.
            let value = part.split('"').next().unwrap_or_default().replace("&#x2f;", "/").replace("&amp;", "&");
            if value.starts_with('/') && !value.starts_with("//") {
                out.insert(value);
            }
        }
    }
    out
}

#[tokio::test]
async fn the_binary_serves_every_page_and_asset_from_an_empty_folder() {
    let dir = tempdir::Dir::new();
    let service = start_in(&dir);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let customer = url_after(&service.stdout, "customer:").to_owned();
    let mut pages = vec![format!("{}/dashboard/login", service.base), customer];
    pages.push(format!("{}/docs", service.base));
    let mut checked = BTreeSet::new();
    for page in &pages {
        let resp = http.get(page).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{page}");
        let html = resp.text().await.unwrap();
        let refs = references(&html);
        assert!(!refs.is_empty() || page.ends_with("/docs"), "{page} references nothing?");
        for r in refs {
            let resp = http.get(format!("{}{r}", service.base)).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{page} references {r}");
            assert!(!resp.bytes().await.unwrap().is_empty(), "{r} is empty");
            checked.insert(r);
        }
    }
    for needed in ["/assets/join.js", "/assets/rtc.js", "/assets/join.css", "/dashboard/assets/admin.css"] {
        assert!(checked.iter().any(|r| r.starts_with(needed)), "{needed} among {checked:#?}");
    }
}

#[tokio::test]
async fn the_served_twilio_video_bundle_is_the_one_the_repository_records() {
    let manifest: serde_json::Value =
        serde_json::from_str(include_str!("../../dashboard/assets/vendor/manifest.json")).unwrap();
    let entry = &manifest["vendor/twilio-video.min.js"];
    assert_eq!(entry["package"], "twilio-video");
    assert!(entry["version"].as_str().is_some_and(|v| v.starts_with("2.")), "{entry}");
    assert_eq!(entry["license"], "BSD-3-Clause");
    let dir = tempdir::Dir::new();
    let service = start_in(&dir);
    let http = reqwest::Client::new();
    let resp = http.get(format!("{}/assets/vendor/twilio-video.min.js", service.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/javascript; charset=utf-8");
    let served = resp.bytes().await.unwrap();
    let sha: String = Sha256::digest(&served).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(sha, entry["sha256"].as_str().unwrap(), "served bytes match the recorded checksum");
    // Its licence is served beside it, from the same embedded copy.
    let licence = http.get(format!("{}/assets/vendor/twilio-video.LICENSE.txt", service.base)).send().await.unwrap();
    assert_eq!(licence.status(), 200, "licence served");
}

/// A contact center the user made is the user's: a restart seeds only what
/// the demo owns (found by its slug), keeps the demo password, and the demo
/// contact center comes with weeks of figures from its first start.
#[tokio::test]
async fn a_restart_leaves_the_users_data_alone_and_the_demo_has_weeks_of_figures() {
    let dir = tempdir::Dir::new();
    let first = start_in(&dir);
    let (email, password) = login(&first.stdout);
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let signed_in = sign_in(&http, &first.base, &email, &password).await;
    let csrf = signed_in["csrf_token"].as_str().expect("csrf token").to_owned();
    let created = http
        .post(format!("{}/v1/contact-centers", first.base))
        .header("X-CSRF-Token", &csrf)
        .json(&serde_json::json!({ "name": "Acme Health EMEA", "branding": { "primary_colour": "#0b5fff" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    let mine: serde_json::Value = created.json().await.unwrap();
    let id = mine["id"].as_str().unwrap().to_owned();
    let before =
        http.get(format!("{}/v1/contact-centers/{id}", first.base)).send().await.unwrap().text().await.unwrap();

    // The demo contact center's figures: at least two weeks of days with escalations.
    let centers = get_json(&http, &format!("{}/v1/contact-centers", first.base)).await;
    let demo = centers
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == "demo-support")
        .expect("the demo contact center")
        .clone();
    let from = (chrono::Utc::now() - chrono::Duration::days(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let range = format!("from={from}&to={to}&bucket=day");
    let demo_metrics =
        |base: &str| format!("{base}/v1/contact-centers/{}/metrics?{range}", demo["id"].as_str().unwrap());
    let metrics = get_json(&http, &demo_metrics(&first.base)).await;
    let totals = &metrics["totals"];
    assert!(totals["escalations"].as_u64().unwrap() >= 100, "{totals}");
    let joined = totals["customers_joined"].as_u64().unwrap();
    assert!(joined > 0 && joined < totals["escalations"].as_u64().unwrap(), "some, not all, joined: {totals}");
    let days_with_figures = metrics["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["figures"]["escalations"].as_u64().unwrap_or(0) > 0)
        .count();
    assert!(days_with_figures >= 14, "{days_with_figures} days with figures: {metrics}");

    // The same address: what is derived from the public URL stays the same.
    let port: u16 = first.base.rsplit(':').next().unwrap().parse().unwrap();
    drop(first);
    let second = start_on(&dir, port);
    // A new client: the old one's pooled connections went with the old process.
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    assert_eq!(login(&second.stdout).1, password, "the demo password survives a restart");
    let again = sign_in(&http, &second.base, &email, &password).await;
    assert!(again["csrf_token"].is_string(), "{again}");
    let after =
        http.get(format!("{}/v1/contact-centers/{id}", second.base)).send().await.unwrap().text().await.unwrap();
    assert_eq!(before, after, "the user's contact center is untouched by the restart");
    let creds = http.get(format!("{}/v1/contact-centers/{id}/twilio-credentials", second.base)).send().await.unwrap();
    assert_eq!(creds.status(), 404, "no credentials were written into the user's contact center");
    let metrics_again = get_json(&http, &demo_metrics(&second.base)).await;
    assert_eq!(metrics_again["totals"]["escalations"], totals["escalations"], "history is seeded once");
}

/// A client signed in as the demo admin of the banner, with its CSRF token.
async fn signed_in_client(service: &Service) -> (reqwest::Client, String) {
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let (email, password) = login(&service.stdout);
    let me = sign_in(&http, &service.base, &email, &password).await;
    (http, me["csrf_token"].as_str().unwrap().to_owned())
}

/// The value after `label` on its banner line.
fn banner_value<'a>(lines: &'a [String], label: &str) -> &'a str {
    let line =
        lines.iter().find(|l| l.trim_start().starts_with(label)).unwrap_or_else(|| panic!("{label} in {lines:#?}"));
    line.trim_start().trim_start_matches(label).trim()
}

#[tokio::test]
async fn the_banner_and_the_simulator_hand_out_credentials_that_work() {
    let dir = tempdir::Dir::new();
    let service = start_in(&dir);
    let (http, csrf) = signed_in_client(&service).await;
    let sim = url_after(&service.stdout, "Twilio simulator:").to_owned();
    let banner = serde_json::json!({
        "account_sid": banner_value(&service.stdout, "Account SID:"),
        "api_key_sid": banner_value(&service.stdout, "API Key SID:"),
        "api_key_secret": banner_value(&service.stdout, "API Key Secret:"),
        "auth_token": banner_value(&service.stdout, "Auth Token:"),
    });
    // An empty request makes another ready account, in the same shape.
    let made = http.post(format!("{sim}/_sim/accounts")).send().await.unwrap();
    assert_eq!(made.status(), 201);
    let made: serde_json::Value = made.json().await.unwrap();
    for (i, creds) in [banner, made].into_iter().enumerate() {
        let body = serde_json::json!({
            "account_sid": creds["account_sid"], "api_key_sid": creds["api_key_sid"],
            "api_key_secret": creds["api_key_secret"], "auth_token": creds["auth_token"],
        });
        assert!(body.as_object().unwrap().values().all(|v| v.as_str().is_some_and(|s| s.len() >= 32)), "{body}");
        let cc: serde_json::Value = http
            .post(format!("{}/v1/contact-centers", service.base))
            .header("X-CSRF-Token", &csrf)
            .json(&serde_json::json!({ "name": format!("Sales {i}") }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let resp = http
            .put(format!("{}/v1/contact-centers/{}/twilio-credentials", service.base, cc["id"].as_str().unwrap()))
            .header("X-CSRF-Token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "credentials {i} verify with the simulator: {}", resp.text().await.unwrap());
    }
}

#[tokio::test]
async fn twilio_video_on_the_simulator_is_refused_with_the_reason_not_blamed_on_the_network() {
    let dir = tempdir::Dir::new();
    let service = start_in(&dir);
    let (http, csrf) = signed_in_client(&service).await;
    let cc =
        banner_value(&service.stdout, "Contact center:").rsplit_once('(').unwrap().1.trim_end_matches(')').to_owned();
    let resp = http
        .patch(format!("{}/v1/contact-centers/{cc}", service.base))
        .header("X-CSRF-Token", &csrf)
        .json(&serde_json::json!({ "video_provider": "twilio" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let page = http.get(format!("{}/dashboard/contact-centers/{cc}/test-call", service.base)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("data-testid=\"video-unavailable\""), "{html}");
    assert!(html.contains("Twilio simulator") && html.contains("not your network"), "{html}");
    assert!(html.contains("id=\"start-test-call\" disabled"), "{html}");
    // Asked anyway, the service refuses to start a call that could carry no video.
    let at = html.find("name=\"csrf_token\" value=\"").unwrap() + "name=\"csrf_token\" value=\"".len();
    let form_csrf = &html[at..at + html[at..].find('"').unwrap()];
    let resp = http
        .post(format!("{}/dashboard/contact-centers/{cc}/test-call", service.base))
        .form(&[("csrf_token", form_csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("built-in video provider"));
    // A customer's link of a Twilio escalation says the same, with its own code.
    let key: serde_json::Value = http
        .post(format!("{}/v1/api-keys", service.base))
        .header("X-CSRF-Token", &csrf)
        .json(&serde_json::json!({ "name": "crm", "scopes": ["escalations"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let e: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/contact-centers/{cc}/escalations", service.base))
        .bearer_auth(key["key"].as_str().unwrap())
        .json(&serde_json::json!({
            "task_sid": format!("WT{}", "a".repeat(32)),
            "conversation_sid": format!("CH{}", "b".repeat(32)),
            "agent_identity": "alex",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = e["code"].as_str().unwrap_or_else(|| panic!("{e}"));
    let resp = http.post(format!("{}/v1/join/{code}/token", service.base)).send().await.unwrap();
    assert_eq!(resp.status(), 409);
    let problem: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(problem["code"], "video_unavailable_here", "{problem}");
}
