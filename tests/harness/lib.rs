#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
//! One harness for every end-to-end test: [`spawn_app`] starts the real
//! service on a free port against a fresh database (PostgreSQL by default, a
//! SQLite file with `TEST_DB=sqlite`), a Redis key prefix of its own, and its
//! own Twilio simulator. Logs of every test are captured so tests can prove
//! secrets never reach them.

use std::io::Write;
use std::sync::{Arc, LazyLock, Mutex, Once};

use escalate::{Application, Settings};
use escalate_http::AppState;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use twilio_sim::{RunningSimulator, SimAccount, SimConfig, Simulator};
use uuid::Uuid;

pub mod browser;
pub mod db;
pub mod impair;
pub mod receiver;
pub mod replica;
pub mod turn;

pub use db::TestDb;

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub state: AppState,
    pub db: TestDb,
    pub redis_url: String,
    pub redis_prefix: String,
    pub master_keys: String,
    pub operator_token: String,
    pub sim: Simulator,
    pub sim_server: Arc<RunningSimulator>,
    /// A client without a cookie jar, for API-key and anonymous calls.
    pub http: Client,
}

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Overrides that a test may add to the settings.
#[derive(Default, Clone)]
pub struct Options {
    pub extra: Vec<(String, String)>,
    /// Reuse this database instead of a fresh one (to restart "the same" service).
    pub db: Option<TestDb>,
    pub master_keys: Option<String>,
    pub active_master_key_id: Option<String>,
    pub sim: Option<(Simulator, Arc<RunningSimulator>)>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(opts: Options) -> TestApp {
    init_log_capture();
    let db = match opts.db {
        Some(db) => db,
        None => TestDb::create().await,
    };
    let (sim, sim_server) = match opts.sim {
        Some(s) => s,
        None => {
            let sim = Simulator::new(SimConfig::default());
            let running = sim.clone().spawn("127.0.0.1:0").await.expect("simulator starts");
            (sim, Arc::new(running))
        }
    };
    let master_keys =
        opts.master_keys.unwrap_or_else(|| format!("k1:{}", escalate_domain::vault::Keyring::generate_key()));
    let operator_token = format!("op-{}", Uuid::new_v4().simple());
    let redis_prefix = format!("test:{}:", Uuid::new_v4().simple());
    let mut pairs: Vec<(String, String)> = vec![
        ("LISTEN_ADDR".into(), "127.0.0.1:0".into()),
        ("DATABASE_URL".into(), db.url.clone()),
        ("DATABASE_MAX_CONNECTIONS".into(), "5".into()),
        ("REDIS_URL".into(), redis_url()),
        ("REDIS_KEY_PREFIX".into(), redis_prefix.clone()),
        ("MASTER_KEYS".into(), master_keys.clone()),
        ("OPERATOR_TOKEN".into(), operator_token.clone()),
        ("TWILIO_MODE".into(), "real".into()),
        ("TWILIO_VIDEO_BASE_URL".into(), sim_server.base_url.clone()),
        ("TWILIO_CONVERSATIONS_BASE_URL".into(), sim_server.base_url.clone()),
        ("TWILIO_IAM_BASE_URL".into(), sim_server.base_url.clone()),
        ("TWILIO_API_BASE_URL".into(), sim_server.base_url.clone()),
        ("TWILIO_FLEX_BASE_URL".into(), sim_server.base_url.clone()),
        ("TWILIO_TASKROUTER_BASE_URL".into(), sim_server.base_url.clone()),
        ("TWILIO_TIMEOUT_MS".into(), "2000".into()),
        ("TWILIO_MAX_RETRIES".into(), "1".into()),
        // Tests run in tests/; the templates and assets are in the repository's dashboard/.
        ("DASHBOARD_DIR".into(), concat!(env!("CARGO_MANIFEST_DIR"), "/../dashboard").into()),
    ];
    if let Some(active) = opts.active_master_key_id {
        pairs.push(("ACTIVE_MASTER_KEY_ID".into(), active));
    }
    pairs.extend(opts.extra);
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let settings = Settings::with(&refs).expect("test settings are valid");
    let app = Application::build(&settings).await.expect("application builds");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        state,
        db,
        redis_url: redis_url(),
        redis_prefix,
        master_keys,
        operator_token,
        sim,
        sim_server,
        http: Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
    }
}

/// A tenant made through the operator API, with its admin signed in.
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub admin_email: String,
    pub admin_password: String,
    pub admin: Session,
}

/// A signed-in dashboard user: a cookie jar and the CSRF token.
pub struct Session {
    pub client: Client,
    pub csrf: String,
    pub base: String,
}

impl Session {
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }
    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self.client.request(method, format!("{}{path}", self.base)).header("X-CSRF-Token", &self.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }
    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Response {
        self.send(reqwest::Method::DELETE, path, None).await
    }
    /// A POST whose body is bytes of a given type (a snapshot's picture).
    pub async fn post_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> Response {
        let url = format!("{}{path}", self.base);
        let req = self.client.post(url).header("X-CSRF-Token", &self.csrf).header("Content-Type", content_type);
        req.body(body).send().await.unwrap()
    }
}

/// A real picture of `width`×`height` (a gradient, so it does not compress
/// to nothing), as PNG or JPEG.
pub fn picture(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("an in-memory picture encodes");
    out.into_inner()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn create_tenant(&self, name: &str) -> Tenant {
        let email = format!("admin-{}@example.com", Uuid::new_v4().simple());
        let resp = self
            .http
            .post(self.url("/v1/platform/tenants"))
            .bearer_auth(&self.operator_token)
            .json(&json!({ "name": name, "admin_email": email }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "create tenant: {}", resp.text().await.unwrap());
        let body: Value = resp.json().await.unwrap();
        let password = body["initial_password"].as_str().unwrap().to_owned();
        let admin = self.login(&email, &password).await;
        Tenant {
            id: body["tenant"]["id"].as_str().unwrap().parse().unwrap(),
            slug: body["tenant"]["slug"].as_str().unwrap().to_owned(),
            admin_email: email,
            admin_password: password,
            admin,
        }
    }

    pub async fn try_login(&self, email: &str, password: &str) -> (Response, Client) {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let resp = client
            .post(self.url("/v1/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        (resp, client)
    }

    pub async fn login(&self, email: &str, password: &str) -> Session {
        let (resp, client) = self.try_login(email, password).await;
        assert_eq!(resp.status(), StatusCode::OK, "login");
        let body: Value = resp.json().await.unwrap();
        Session { client, csrf: body["csrf_token"].as_str().unwrap().to_owned(), base: self.address.clone() }
    }

    /// An API key of `tenant` with the given scopes.
    pub async fn api_key(&self, tenant: &Tenant, scopes: &[&str]) -> String {
        let resp = tenant.admin.post("/v1/api-keys", json!({ "name": "test key", "scopes": scopes })).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let body: Value = resp.json().await.unwrap();
        body["key"].as_str().unwrap().to_owned()
    }

    pub async fn create_contact_center(&self, tenant: &Tenant, name: &str) -> Value {
        // Twilio Video: what the simulator-backed tests exercise (new contact
        // centers otherwise default to the built-in provider).
        let resp = tenant.admin.post("/v1/contact-centers", json!({ "name": name, "video_provider": "twilio" })).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "create contact center");
        resp.json().await.unwrap()
    }

    /// A fresh account in this app's simulator.
    pub fn sim_account(&self) -> SimAccount {
        let account = SimAccount::generate("test account");
        self.sim.add_account(account.clone());
        account
    }

    /// Stores `account`'s credentials for the contact center, verified.
    pub async fn store_credentials(&self, tenant: &Tenant, cc_id: &str, account: &SimAccount) -> Response {
        tenant.admin.put(&format!("/v1/contact-centers/{cc_id}/twilio-credentials"), credentials_body(account)).await
    }
}

pub fn credentials_body(account: &SimAccount) -> Value {
    json!({
        "account_sid": account.account_sid,
        "api_key_sid": account.api_keys[0].0,
        "api_key_secret": account.api_keys[0].1,
        "auth_token": account.auth_token,
    })
}

/// Asserts a problem+json response and returns its body.
pub async fn assert_problem(resp: Response, status: u16, code: &str) -> Value {
    let got = resp.status().as_u16();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "status for {code}: {text}");
    assert_eq!(ct, "application/problem+json", "content type: {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], code, "{text}");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(), "{text}");
    assert!(body["request_id"].is_string(), "{text}");
    body
}

// ---- log capture ------------------------------------------------------

static LOGS: LazyLock<Mutex<Vec<u8>>> = LazyLock::new(|| Mutex::new(Vec::new()));

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything every test's server has logged so far, at trace level.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

fn init_log_capture() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The service's own rule for frame payloads applies here too, so the
        // tests see what an operator's trace-level logs would hold.
        let mut filter = tracing_subscriber::EnvFilter::new("trace,sqlx=info,hyper=info,h2=info,reqwest=debug");
        for target in escalate_http::signaling::FRAME_LOGGING_TARGETS {
            filter = filter.add_directive(format!("{target}=info").parse().unwrap());
        }
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(|| Capture).with_ansi(false).try_init();
    });
}

/// A tenant with a contact center whose Twilio credentials are stored.
pub struct Ready {
    pub tenant: Tenant,
    pub cc: String,
    pub account: SimAccount,
}

impl TestApp {
    pub async fn ready_contact_center(&self, tenant_name: &str) -> Ready {
        let tenant = self.create_tenant(tenant_name).await;
        let cc = self.create_contact_center(&tenant, "Support").await["id"].as_str().unwrap().to_owned();
        let account = self.sim_account();
        let resp = self.store_credentials(&tenant, &cc, &account).await;
        assert_eq!(resp.status(), StatusCode::OK, "store credentials");
        Ready { tenant, cc, account }
    }

    /// A Flex token for an agent of `account`, as Flex would hand the plugin.
    pub fn flex_token(&self, account: &SimAccount, identity: &str) -> String {
        self.sim.mint_flex_token(
            &account.account_sid,
            twilio_sim::FlexAgent {
                identity: identity.into(),
                worker_sid: None,
                roles: vec!["agent".into()],
                ttl: std::time::Duration::from_secs(3600),
            },
        )
    }

    /// A bearer shaped like a live Flex token of `account` (a JWT with the
    /// account as its subject) that Twilio never issued: the service cannot
    /// tell it from a real one without asking Twilio.
    pub fn forged_flex_token(&self, account: &SimAccount, n: u32) -> String {
        self.forged_flex_token_expiring(account, n, 3600)
    }

    /// As [`Self::forged_flex_token`], expiring `in_seconds` from now (negative: expired).
    pub fn forged_flex_token_expiring(&self, account: &SimAccount, n: u32, in_seconds: i64) -> String {
        use base64::Engine;
        let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let exp = chrono::Utc::now().timestamp() + in_seconds;
        format!(
            "{}.{}.{}",
            b64(json!({"alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"})),
            b64(json!({"jti": format!("SK{n:032x}-1"), "grants": {"identity": format!("forged-{n}")},
                "iat": exp - 3600, "exp": exp, "iss": format!("SK{n:032x}"), "sub": account.account_sid})),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([n as u8; 32]),
        )
    }

    /// `POST /v1/contact-centers/{cc}/escalations` as the Flex plugin sends it.
    pub async fn escalate(&self, cc: &str, bearer: &str, key: Option<&str>, body: Value) -> Response {
        let mut req =
            self.http.post(self.url(&format!("/v1/contact-centers/{cc}/escalations"))).bearer_auth(bearer).json(&body);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        req.send().await.unwrap()
    }

    /// Polls until `check` holds for the escalation (callbacks are asynchronous).
    pub async fn wait_for_escalation(&self, bearer: &str, id: &str, check: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..100 {
            last = self
                .http
                .get(self.url(&format!("/v1/escalations/{id}")))
                .bearer_auth(bearer)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if check(&last) {
                return last;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("escalation never reached the expected state: {last}");
    }
}

/// A random, well-formed Conversation SID.
pub fn conversation_sid() -> String {
    format!("CH{}", Uuid::new_v4().simple())
}

pub fn task_sid() -> String {
    format!("WT{}", Uuid::new_v4().simple())
}

impl TestApp {
    /// Posts a room callback signed with `account`'s auth token, as Twilio would.
    pub async fn post_callback(&self, cc: &str, account: &SimAccount, params: &[(&str, String)]) -> Response {
        let url = self.url(&format!("/v1/webhooks/twilio/rooms/{cc}"));
        let mut pairs: Vec<(String, String)> = vec![("AccountSid".into(), account.account_sid.clone())];
        pairs.extend(params.iter().map(|(k, v)| (k.to_string(), v.clone())));
        let sig = escalate_twilio::signature::expected_signature(&account.auth_token, &url, &pairs);
        self.http.post(url).header("X-Twilio-Signature", sig).form(&pairs).send().await.unwrap()
    }
}

/// Every room event of an escalation, following the pages of
/// `GET /v1/escalations/{id}/events`.
pub async fn events_of(tenant: &Tenant, id: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(c) => format!("/v1/escalations/{id}/events?limit=500&after={c}"),
            None => format!("/v1/escalations/{id}/events?limit=500"),
        };
        let page: Value = tenant.admin.get(&path).await.json().await.unwrap();
        all.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_after"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => return all,
        }
    }
}
