//! Server processes: the real `escalate` binary started as a replica of a
//! [`TestApp`] (same database, Redis prefix, master keys, operator token and
//! Twilio simulator), for the tests about several replicas. The binary is
//! (re)built once per test run.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use crate::TestApp;

pub struct Replica {
    pub address: String,
    pub log: PathBuf,
    child: Child,
}

impl Replica {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Its process id (a test kills it from elsewhere: a browser walk).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no graceful shutdown, as when a node dies.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: what an orchestrator sends before stopping a pod.
    pub fn terminate(&self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
    }

    /// The exit status, if the process ends within `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `escalate` binary next to this test binary, built if needed: with the
/// workspace's features, as this test binary's libraries were (`-p escalate`
/// alone resolves other features and would compile them all again).
pub fn escalate_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        // target/<profile>/deps/api-… → target/<profile>/escalate
        let dir = exe.parent().and_then(|p| p.parent()).expect("target profile dir").to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        // Not this test's package variables: build scripts that watch them
        // (ring's watches CARGO_MANIFEST_DIR) would run again, and everything
        // above them be compiled again, here and in the next build outside.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CARGO_PKG_")
                || ["CARGO_MANIFEST_DIR", "CARGO_MANIFEST_PATH", "CARGO_CRATE_NAME", "CARGO_PRIMARY_PACKAGE"]
                    .contains(&name.as_ref())
            {
                build.env_remove(name.as_ref());
            }
        }
        let status = build
            .args(["build", "-q", "--workspace", "--bin", "escalate"])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the escalate binary failed");
        dir.join("escalate")
    })
    .clone()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl TestApp {
    /// Another replica of this app, as a separate process.
    pub async fn spawn_replica(&self) -> Replica {
        self.spawn_replica_with(&[]).await
    }

    /// A replica with extra environment (e.g. the OTLP endpoint).
    pub async fn spawn_replica_with(&self, extra: &[(&str, &str)]) -> Replica {
        self.spawn_replica_inner(extra, false).await
    }

    /// A replica that hands out its own URL (join links, signalling URLs)
    /// instead of the deployment's: the way to put one participant of a
    /// call on it and the other on this app.
    pub async fn spawn_replica_with_own_url(&self, extra: &[(&str, &str)]) -> Replica {
        self.spawn_replica_inner(extra, true).await
    }

    async fn spawn_replica_inner(&self, extra: &[(&str, &str)], own_url: bool) -> Replica {
        let bin = escalate_binary();
        let port = free_port();
        let public = if own_url { format!("http://127.0.0.1:{port}") } else { self.address.clone() };
        let log = std::env::temp_dir().join(format!("escalate-replica-{}.log", uuid::Uuid::new_v4().simple()));
        let sim = &self.sim_server.base_url;
        let child = Command::new(bin)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            // One public URL for the whole deployment, as behind a load balancer.
            .env("PUBLIC_BASE_URL", &public)
            .env("DATABASE_URL", &self.db.url)
            .env("DATABASE_MAX_CONNECTIONS", "5")
            .env("REDIS_URL", &self.redis_url)
            .env("REDIS_KEY_PREFIX", &self.redis_prefix)
            .env("MASTER_KEYS", &self.master_keys)
            .env("OPERATOR_TOKEN", &self.operator_token)
            .env("TWILIO_MODE", "real")
            .env("TWILIO_VIDEO_BASE_URL", sim)
            .env("TWILIO_CONVERSATIONS_BASE_URL", sim)
            .env("TWILIO_IAM_BASE_URL", sim)
            .env("TWILIO_API_BASE_URL", sim)
            .env("TWILIO_FLEX_BASE_URL", sim)
            .env("TWILIO_TASKROUTER_BASE_URL", sim)
            .env("TWILIO_TIMEOUT_MS", "2000")
            .env("TWILIO_MAX_RETRIES", "1")
            .env("DASHBOARD_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/../dashboard"))
            .env("LOG_LEVEL", "info")
            .envs(extra.iter().copied())
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::from(std::fs::File::options().append(true).open(&log).unwrap()))
            .spawn()
            .expect("replica starts");
        let replica = Replica { address: format!("http://127.0.0.1:{port}"), log, child };
        for _ in 0..200 {
            if let Ok(r) = self.http.get(replica.url("/readyz")).send().await
                && r.status() == 200
            {
                return replica;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("replica did not become ready; log:\n{}", replica.logs());
    }
}
