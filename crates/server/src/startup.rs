//! Building the running service from settings: database, keys, Redis,
//! Twilio client (or the in-process simulator), and the HTTP server.

use std::time::Duration;

use anyhow::{Context, bail};
use escalate_app::flex_plugin::FlexPluginBundle;
use escalate_app::{App, AppConfig, RedisParts};
use escalate_domain::vault::Keyring;
use escalate_http::AppState;
use escalate_http::config::HttpConfig;
use escalate_store::Store;
use escalate_twilio::{ClientOptions, Endpoints, Twilio};
use poem::Server;
use poem::listener::Acceptor;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use twilio_sim::{RunningSimulator, SimConfig, Simulator};

use crate::settings::Settings;

pub struct Application {
    acceptor: poem::listener::TcpAcceptor,
    port: u16,
    state: AppState,
    /// The in-process Twilio simulator, when the settings ask for one.
    pub simulator: Option<(Simulator, RunningSimulator)>,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // Settings first: a bad MASTER_KEYS must stop the start before the
        // database is touched (no migration by a service that cannot run).
        let keyring = keyring(settings)?;
        let store = connect_store(settings).await?;
        store.migrate().await.context("running database migrations")?;

        let redis = match &settings.redis.url {
            Some(url) => {
                let (conn, client) = connect_redis(url.expose()).await?;
                Some(RedisParts {
                    conn,
                    client,
                    key_prefix: settings.redis.key_prefix.clone(),
                    command_timeout: Duration::from_millis(settings.redis.timeout_ms),
                })
            }
            None => None,
        };

        let simulator = if settings.uses_simulator() {
            let sim = Simulator::new(SimConfig::default());
            let running = sim.clone().spawn("127.0.0.1:0").await.context("starting the in-process Twilio simulator")?;
            tracing::info!(url = %running.base_url, "Twilio simulator running in process");
            Some((sim, running))
        } else {
            None
        };
        let metrics = std::sync::Arc::new(escalate_app::telemetry::Metrics::new());
        let twilio = Twilio::new(twilio_options(settings, simulator.as_ref().map(|(_, r)| r.base_url.as_str())))
            .with_observer(metrics.clone())
            .with_header_injector(std::sync::Arc::new(escalate_http::trace_context::inject_current));

        let acceptor = listen(settings.server.listen_addr)
            .with_context(|| format!("LISTEN_ADDR: cannot listen on {}", settings.server.listen_addr))?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .context("listener has no socket address")?;
        // With port 0 the public URL can only be known now.
        let public_base_url = match &settings.server.public_base_url {
            Some(url) => url.clone(),
            None => format!("http://{}:{}", settings.server.listen_addr.ip(), port),
        };

        let app = App::new(escalate_app::Parts {
            store,
            keyring,
            twilio,
            config: app_config(settings, public_base_url.clone())?,
            metrics,
            redis,
        });
        let files = escalate_http::files::DashboardFiles::from_dir(settings.server.dashboard_dir.clone());
        let http = HttpConfig {
            operator_token: settings.server.operator_token.clone(),
            max_body_bytes: settings.server.max_body_bytes,
            trust_proxy_headers: settings.server.trust_proxy_headers,
            files: files.clone(),
            cors: escalate_http::cors::CorsPolicy::new(
                settings.server.cors_allowed_origins.split(',').map(str::to_owned),
            ),
            cookie_secure: public_base_url.starts_with("https://"),
        };
        let pages = escalate_http::pages::Pages::load(&files)
            .with_context(|| format!("DASHBOARD_DIR: cannot load the page templates from {}", files.describe()))?;
        let dashboard =
            escalate_http::dashboard::Templates::load(&files).map_err(|e| anyhow::anyhow!("DASHBOARD_DIR: {e}"))?;
        app.start_background_tasks();
        let state = AppState::new(app, http, pages, std::sync::Arc::new(dashboard));
        Ok(Self { acceptor, port, state, simulator })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT/SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let app = escalate_http::app(self.state.clone());
        let _sim = self.simulator;
        let hub = self.state.video_hub.clone();
        let stopping = async move {
            shutdown_signal().await;
            // Signalling connections last as long as calls: close them (browsers
            // reconnect to another replica) instead of waiting out the timeout.
            hub.shut_down();
        };
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, stopping, Some(Duration::from_secs(20)))
            .await
    }
}

/// The application core alone, for CLI commands that change data: no
/// listener, no simulator, no Redis (they run once, not as a replica).
pub async fn cli_app(settings: &Settings) -> anyhow::Result<App> {
    let keyring = keyring(settings)?;
    let store = connect_store(settings).await?;
    store.migrate().await.context("running database migrations")?;
    Ok(App::new(escalate_app::Parts {
        store,
        keyring,
        twilio: Twilio::new(twilio_options(settings, None)),
        config: app_config(settings, settings.public_base_url())?,
        metrics: std::sync::Arc::new(escalate_app::telemetry::Metrics::new()),
        redis: None,
    }))
}

/// What the application core is told of the settings.
fn app_config(settings: &Settings, public_base_url: String) -> anyhow::Result<AppConfig> {
    Ok(AppConfig {
        public_base_url,
        session_ttl: Duration::from_secs(settings.server.session_ttl_minutes * 60),
        audit_retention: Duration::from_secs(u64::from(settings.server.audit_retention_days) * 24 * 3600),
        limits: settings.limits.clone(),
        webrtc: settings.webrtc.config(),
        webhooks: settings.webhooks.config(),
        flex_plugin: flex_plugin(settings)?,
        twilio_video_media: !settings.uses_simulator(),
    })
}

/// The Flex plugin bundle to host: from `FLEX_PLUGIN_DIR` (which must hold
/// one), else from the plugin's build folder in the source tree this binary
/// was built from, if it was built there; else none ("Install in Flex" then
/// says how to provide it).
pub fn flex_plugin(settings: &Settings) -> anyhow::Result<Option<std::sync::Arc<FlexPluginBundle>>> {
    let bundle = match &settings.server.flex_plugin_dir {
        Some(dir) => FlexPluginBundle::load(dir).map_err(|e| anyhow::anyhow!("FLEX_PLUGIN_DIR: {e}"))?,
        None => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk-flex-plugin/build");
            match FlexPluginBundle::load(&dir) {
                Ok(bundle) => bundle,
                Err(e) => {
                    tracing::info!(reason = %e, "no Flex plugin bundle to host (set FLEX_PLUGIN_DIR)");
                    return Ok(None);
                }
            }
        }
    };
    tracing::info!(version = %bundle.version, path = %bundle.path(), "hosting the Flex plugin bundle");
    Ok(Some(std::sync::Arc::new(bundle)))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down: finishing in-flight requests");
}

pub async fn connect_store(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.database_url();
    Store::connect(url.expose(), settings.database.max_connections)
        .await
        .with_context(|| format!("DATABASE_URL: cannot connect to {}", redact_url(url.expose())))
}

/// The keyring from MASTER_KEYS; the embedded default keeps a generated key
/// in a file beside its SQLite database so restarts can read old data.
pub fn keyring(settings: &Settings) -> anyhow::Result<Keyring> {
    let (spec, active) = match &settings.keys.master_keys {
        Some(spec) => (spec.expose().to_owned(), settings.keys.active_master_key_id.clone()),
        None if settings.is_embedded() => (local_master_key()?, None),
        None => bail!("MASTER_KEYS: required when DATABASE_URL is set (make one with `escalate keys generate`)"),
    };
    let active = match active {
        Some(a) => a,
        None => {
            let ids: Vec<&str> = spec
                .split(',')
                .filter(|e| !e.trim().is_empty())
                .filter_map(|e| e.split_once(':').map(|(id, _)| id.trim()))
                .collect();
            match ids.as_slice() {
                [one] => (*one).to_owned(),
                _ => bail!("ACTIVE_MASTER_KEY_ID: required when MASTER_KEYS holds more than one key"),
            }
        }
    };
    Ok(Keyring::parse(&spec, &active)?)
}

const LOCAL_KEY_FILE: &str = "escalate.master-key";

fn local_master_key() -> anyhow::Result<String> {
    if let Ok(existing) = std::fs::read_to_string(LOCAL_KEY_FILE) {
        return Ok(existing.trim().to_owned());
    }
    let spec = format!("local:{}", Keyring::generate_key());
    write_private(LOCAL_KEY_FILE, &spec).with_context(|| format!("writing {LOCAL_KEY_FILE}"))?;
    tracing::warn!(
        file = LOCAL_KEY_FILE,
        "generated a local master key for the embedded default; set MASTER_KEYS in production"
    );
    Ok(spec)
}

fn write_private(path: &str, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(contents.as_bytes())
}

/// Connects with bounded timeouts: the connection manager alone would retry
/// forever against a server that does not answer.
pub async fn connect_redis(url: &str) -> anyhow::Result<(ConnectionManager, redis::Client)> {
    let client = redis::Client::open(url).with_context(|| format!("REDIS_URL: invalid ({})", redact_url(url)))?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)))
        .set_number_of_retries(2);
    let conn = tokio::time::timeout(Duration::from_secs(5), ConnectionManager::new_with_config(client.clone(), config))
        .await
        .map_err(|_| anyhow::anyhow!("REDIS_URL: no answer from {} within 5 s", redact_url(url)))?
        .with_context(|| format!("REDIS_URL: cannot connect to {}", redact_url(url)))?;
    Ok((conn, client))
}

pub fn twilio_options(settings: &Settings, simulator_url: Option<&str>) -> ClientOptions {
    let endpoints = match simulator_url {
        Some(url) => Endpoints::all(url),
        None => {
            let real = Endpoints::twilio();
            Endpoints {
                video: settings.twilio.video_base_url.clone().unwrap_or(real.video),
                conversations: settings.twilio.conversations_base_url.clone().unwrap_or(real.conversations),
                iam: settings.twilio.iam_base_url.clone().unwrap_or(real.iam),
                api: settings.twilio.api_base_url.clone().unwrap_or(real.api),
                flex: settings.twilio.flex_base_url.clone().unwrap_or(real.flex),
                taskrouter: settings.twilio.taskrouter_base_url.clone().unwrap_or(real.taskrouter),
            }
        }
    };
    ClientOptions {
        endpoints,
        timeout: Duration::from_millis(settings.twilio.timeout_ms),
        max_retries: settings.twilio.max_retries,
        ..ClientOptions::default()
    }
}

/// A URL for error messages: the password, if any, replaced.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Binds with `SO_REUSEADDR`, so a restart (a crash, a deploy, a developer's
/// Ctrl-C and `cargo run`) can listen again at once while the previous
/// process's connections are still in TIME_WAIT. A port another process
/// listens on is still refused.
fn listen(addr: std::net::SocketAddr) -> std::io::Result<poem::listener::TcpAcceptor> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    poem::listener::TcpAcceptor::from_tokio(socket.listen(1024)?)
}
