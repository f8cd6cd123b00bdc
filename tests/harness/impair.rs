//! An impaired network path for the WebRTC tests. This kernel has no
//! `netem`, and Debian's Chromium is built without WebRTC's fake-network
//! field trials, so the tests impair the one path all media takes instead:
//! browsers reach TURN (relay-only ICE) through this UDP relay, which
//! delays every datagram a browser sends and drops a share of them (as
//! WebRTC's send-side fake network would impair each browser's sending).
//! Everything stays on loopback.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::Mutex;

pub struct Impairment {
    /// Added to each datagram a browser sends.
    pub delay: Duration,
    /// Datagrams a browser sends that are dropped, in percent.
    pub loss_percent: u32,
}

/// The relay's port on 127.0.0.1; it runs until the test process ends.
pub fn start(upstream: SocketAddr, how: Impairment) -> u16 {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async move {
            let front = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            tx.send(front.local_addr().unwrap().port()).unwrap();
            let how = Arc::new(how);
            // One upstream socket per browser address, so TURN tells the
            // browsers apart as it would without the relay.
            let clients: Arc<Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>> = Arc::default();
            let mut buf = vec![0u8; 65_536];
            loop {
                let Ok((n, from)) = front.recv_from(&mut buf).await else { continue };
                let up = {
                    let mut clients = clients.lock().await;
                    match clients.get(&from) {
                        Some(up) => up.clone(),
                        None => {
                            let up = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
                            up.connect(upstream).await.unwrap();
                            clients.insert(from, up.clone());
                            tokio::spawn(back(up.clone(), front.clone(), from));
                            up
                        }
                    }
                };
                let datagram = buf[..n].to_vec();
                let how = how.clone();
                tokio::spawn(async move {
                    if dropped(&how) {
                        return;
                    }
                    tokio::time::sleep(how.delay).await;
                    let _ = up.send(&datagram).await;
                });
            }
        });
    });
    rx.recv().unwrap()
}

/// TURN's answers to one browser, passed on as they come.
async fn back(up: Arc<UdpSocket>, front: Arc<UdpSocket>, to: SocketAddr) {
    let mut buf = vec![0u8; 65_536];
    while let Ok(n) = up.recv(&mut buf).await {
        let _ = front.send_to(&buf[..n], to).await;
    }
}

fn dropped(how: &Impairment) -> bool {
    rand::random_range(0..100) < how.loss_percent
}
