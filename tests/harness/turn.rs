//! Debian's coturn on 127.0.0.1, for the WebRTC tests: a TURN server with a
//! shared secret (the TURN REST API scheme the built-in provider mints
//! passwords for), relaying only on loopback. Each test starts its own on
//! free ports, as its own process, and it stops when dropped.

use std::process::{Child, Command, Stdio};

pub struct Turn {
    pub port: u16,
    pub secret: String,
    child: Option<Child>,
    /// The command line, to start it again after a test kills it.
    pub command: String,
    pub args: Vec<String>,
}

fn free_udp_port() -> u16 {
    // TURN listens on UDP and TCP; a port free for both is good enough here.
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Why the WebRTC tests cannot run here, if they cannot.
pub fn missing() -> Option<String> {
    let found = Command::new("turnserver").arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    (!found)
        .then(|| "the WebRTC tests need coturn's turnserver: run scripts/services.sh (apt-get install coturn)".into())
}

impl Turn {
    pub fn start() -> Self {
        let port = free_udp_port();
        // A relay port range of its own per test (tests run in parallel).
        let min = 20000 + (port % 200) * 200;
        let secret = format!("turn-{}", uuid::Uuid::new_v4().simple());
        let dir = std::env::temp_dir().join(format!("escalate-turn-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let args: Vec<String> = [
            "--listening-ip=127.0.0.1".to_owned(),
            "--relay-ip=127.0.0.1".to_owned(),
            format!("--listening-port={port}"),
            format!("--min-port={min}"),
            format!("--max-port={}", min + 199),
            "--use-auth-secret".to_owned(),
            format!("--static-auth-secret={secret}"),
            "--realm=escalate.test".to_owned(),
            "--no-cli".to_owned(),
            "--no-tls".to_owned(),
            "--no-dtls".to_owned(),
            // coturn refuses to relay to loopback peers unless told to.
            "--allow-loopback-peers".to_owned(),
            "--no-multicast-peers".to_owned(),
            format!("--pidfile={}", dir.join("turn.pid").display()),
            format!("--userdb={}", dir.join("turn.db").display()),
            format!("--log-file={}", dir.join("turn.log").display()),
        ]
        .into();
        let child = Command::new("turnserver")
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver starts (apt-get install coturn)");
        // Ready when it answers on its TCP port.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Self { port, secret, child: Some(child), command: "turnserver".into(), args }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The service's settings for built-in calls through this server only.
    pub fn settings(&self) -> Vec<(String, String)> {
        vec![
            ("WEBRTC_ICE_SERVERS".into(), format!("turn:127.0.0.1:{}?transport=udp", self.port)),
            ("WEBRTC_TURN_SECRET".into(), self.secret.clone()),
            ("WEBRTC_ICE_TRANSPORT_POLICY".into(), "relay".into()),
        ]
    }
}

impl Turn {
    /// As [`settings`](Self::settings), with browsers reaching TURN through
    /// an impaired path (see [`crate::impair`]).
    pub fn impaired_settings(&self, how: crate::impair::Impairment) -> Vec<(String, String)> {
        let port = crate::impair::start(([127, 0, 0, 1], self.port).into(), how);
        let mut s = self.settings();
        s[0].1 = format!("turn:127.0.0.1:{port}?transport=udp");
        s
    }

    /// As [`settings`](Self::settings), with browsers reaching TURN over TCP
    /// only: what a network that refuses UDP leaves them.
    pub fn tcp_settings(&self) -> Vec<(String, String)> {
        let mut s = self.settings();
        s[0].1 = format!("turn:127.0.0.1:{}?transport=tcp", self.port);
        s
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Stops a process started elsewhere (the TURN server a test restarted).
pub fn kill_pid(pid: u32) {
    let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
}
