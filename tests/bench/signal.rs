//! `scripts/bench signal`: the built-in provider's signalling relay under
//! many rooms at once, driven against a running service on loopback.
//!
//! It makes `--rooms` escalations in a built-in contact center, connects
//! every room's agent, then joins every room's customer (`--parallel` joins
//! in flight at a time, every connection kept open) and times, per room,
//! the second participant's join (its `hello` sent) to the first answer
//! relayed back to it: the customer's offer goes to the agent through the
//! service, the agent answers at once, the answer comes back. With every
//! participant connected it then times a relay round trip in each room, and
//! reads the service's resident memory (`/proc/PID/status`) before the
//! first connection and with all of them open.
//!
//! Prints one line per figure, each beside its target, and exits 1 when a
//! target is missed. Load goes only to the `--app` address given (loopback
//! in the script), bounded by `--rooms`.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use futures_util::{SinkExt, stream::SplitSink, stream::SplitStream};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Parser)]
#[command(about = "Signalling relay benchmark for the built-in video provider")]
struct Args {
    /// The service's base URL (loopback).
    #[arg(long)]
    app: String,
    /// An admin API key of the tenant.
    #[arg(long)]
    key: String,
    /// A contact center of that tenant with the built-in provider and Twilio credentials (for the chat message).
    #[arg(long)]
    contact_center: String,
    /// The service's process id, to read its memory.
    #[arg(long)]
    pid: u32,
    /// Rooms joined at a steady rate (the measured phase).
    #[arg(long, default_value_t = 1000)]
    rooms: usize,
    /// Customers joining per second in the measured phase, each on time
    /// whatever the others are doing (an open loop, as real arrivals are):
    /// 1,000 rooms of five-minute calls start about 3 a second; the default
    /// is thirty times that.
    #[arg(long, default_value_t = 100.0)]
    join_rate: f64,
    /// More rooms joined as fast as `--parallel` allows after the measured
    /// phase: the replica's join capacity, with the first rooms still connected.
    #[arg(long, default_value_t = 500)]
    burst_rooms: usize,
    /// Joins (and escalation creates) in flight at once in the burst.
    #[arg(long, default_value_t = 32)]
    parallel: usize,
    /// Target: p99 of join to first relayed answer, in milliseconds.
    #[arg(long, default_value_t = 20.0)]
    target_p99_ms: f64,
}

struct Room {
    agent: Value,
    customer: Value,
}

/// One participant's open signalling connection.
struct Conn {
    tx: SplitSink<Ws, Message>,
    rx: SplitStream<Ws>,
}

impl Conn {
    async fn join(grant: &Value, session: &str) -> Result<Conn> {
        let url = grant["signaling_url"].as_str().context("a built-in grant has a signaling_url")?;
        let (ws, _) = tokio_tungstenite::connect_async(url).await.context("WebSocket upgrade")?;
        let (tx, rx) = ws.split();
        let mut conn = Conn { tx, rx };
        conn.send(json!({ "type": "hello", "token": grant["token"], "session": session })).await?;
        let welcome = conn.expect("welcome").await?;
        if welcome["type"] != "welcome" {
            bail!("expected a welcome, got {welcome}");
        }
        Ok(conn)
    }

    async fn send(&mut self, v: Value) -> Result<()> {
        self.tx.send(Message::text(v.to_string())).await.context("send")
    }

    /// The next message of type `kind` (presence and state messages in between are skipped).
    async fn expect(&mut self, kind: &str) -> Result<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let msg = tokio::time::timeout_at(deadline, self.rx.next())
                .await
                .with_context(|| format!("no {kind} within 30 s"))?;
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t)?;
                    if v["type"] == kind {
                        return Ok(v);
                    }
                }
                Some(Ok(Message::Close(f))) => bail!("closed while waiting for {kind}: {f:?}"),
                Some(Ok(_)) => {}
                Some(Err(e)) => bail!("while waiting for {kind}: {e}"),
                None => bail!("connection ended while waiting for {kind}"),
            }
        }
    }
}

/// The agent's side of a relay: wait for the customer's signal, answer at once.
async fn answer(agent: &mut Conn, answer_sdp: &str) -> Result<()> {
    let offer = agent.expect("signal").await?;
    let from = offer["from"].as_str().context("a relayed signal names its sender")?.to_owned();
    agent
        .send(
            json!({ "type": "signal", "to": from, "data": { "description": { "type": "answer", "sdp": answer_sdp } } }),
        )
        .await
}

/// The customer's offer to the agent, and the time until the agent's answer is back.
async fn offer_and_wait(customer: &mut Conn, agent_identity: &str, sdp: &str) -> Result<()> {
    customer
        .send(json!({ "type": "signal", "to": agent_identity, "data": { "description": { "type": "offer", "sdp": sdp } } }))
        .await?;
    let got = customer.expect("signal").await?;
    if got["data"]["description"]["type"] != "answer" {
        bail!("expected the agent's answer, got {got}");
    }
    Ok(())
}

fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading the service's memory")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS in /proc/PID/status")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn summary(name: &str, mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    let p99 = percentile(&ms, 0.99);
    println!(
        "{name}: n {}, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.9),
        p99,
        ms[ms.len() - 1]
    );
    p99
}

async fn make_rooms(args: &Args, http: &reqwest::Client, n: usize, first: usize) -> Result<Vec<Room>> {
    let url = format!("{}/v1/contact-centers/{}/escalations", args.app, args.contact_center);
    stream::iter(first..first + n)
        .map(|i| {
            let url = url.clone();
            async move {
                let e: Value = http
                    .post(&url)
                    .bearer_auth(&args.key)
                    .json(&json!({
                        "task_sid": format!("WT{:032x}", i + 1),
                        "conversation_sid": format!("CH{:032x}", i + 1),
                        "agent_identity": format!("bench{i}"),
                    }))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                if e["video_provider"] != "builtin" {
                    bail!("the contact center's provider is {}, not builtin", e["video_provider"]);
                }
                let code = e["code"].as_str().context("the escalation's code")?;
                let customer: Value = http
                    .post(format!("{}/v1/join/{code}/token", args.app))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                Ok(Room { agent: e["agent_video"].clone(), customer })
            }
        })
        .buffer_unordered(args.parallel)
        .try_collect()
        .await
}

/// A room with both participants in, after its measured join.
struct Joined {
    agent: Conn,
    customer: Conn,
    agent_identity: String,
    join_ms: f64,
}

/// Connects every room's agent, `parallel` at a time.
async fn connect_agents(rooms: &[Room], parallel: usize, tag: &str) -> Result<Vec<Conn>> {
    stream::iter(rooms.iter().enumerate())
        .map(|(i, r)| async move { Conn::join(&r.agent, &format!("{tag}-agent-{i}")).await })
        .buffered(parallel)
        .try_collect()
        .await
}

/// One room's customer joins while its agent waits to answer; the time runs
/// from the customer's first byte to the agent's answer relayed back to it.
async fn join_customer(room: &Room, mut agent: Conn, session: String, sdp: &str) -> Result<Joined> {
    let agent_identity = room.agent["identity"].as_str().context("the agent's identity")?.to_owned();
    let answer_sdp = sdp.to_owned();
    let responder = tokio::spawn(async move { answer(&mut agent, &answer_sdp).await.map(|_| agent) });
    let t0 = Instant::now();
    let mut customer = Conn::join(&room.customer, &session).await?;
    offer_and_wait(&mut customer, &agent_identity, sdp).await?;
    let join_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let agent = responder.await??;
    Ok(Joined { agent, customer, agent_identity, join_ms })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    // About the size of a real offer or answer (2 KB).
    let sdp: &'static str = Box::leak("v=0\r\n".repeat(400).into_boxed_str());

    let started = Instant::now();
    let rooms = make_rooms(&args, &http, args.rooms, 0).await?;
    let burst = make_rooms(&args, &http, args.burst_rooms, args.rooms).await?;
    println!("made {} built-in escalations in {:.1} s", rooms.len() + burst.len(), started.elapsed().as_secs_f64());
    let rss_before = rss_kib(args.pid)?;

    // The measured phase: customers arrive at `join_rate`, each on its own schedule.
    let agents = connect_agents(&rooms, args.parallel, "paced").await?;
    let rooms = std::sync::Arc::new(rooms);
    let t_start = tokio::time::Instant::now();
    let tasks: Vec<_> = agents
        .into_iter()
        .enumerate()
        .map(|(i, agent)| {
            let rooms = rooms.clone();
            let at = t_start + Duration::from_secs_f64(i as f64 / args.join_rate);
            tokio::spawn(async move {
                tokio::time::sleep_until(at).await;
                join_customer(&rooms[i], agent, format!("paced-customer-{i}"), sdp).await
            })
        })
        .collect();
    let mut paced = Vec::with_capacity(tasks.len());
    for t in tasks {
        paced.push(t.await??);
    }
    let paced_secs = t_start.elapsed().as_secs_f64();

    // The burst: as many joins at once as `parallel`, with the paced rooms still in.
    let agents = connect_agents(&burst, args.parallel, "burst").await?;
    let t_burst = Instant::now();
    let bursted: Vec<Joined> = stream::iter(burst.iter().zip(agents).enumerate())
        .map(|(i, (room, agent))| join_customer(room, agent, format!("burst-customer-{i}"), sdp))
        .buffer_unordered(args.parallel)
        .try_collect()
        .await?;
    let burst_secs = t_burst.elapsed().as_secs_f64();

    let participants = (paced.len() + bursted.len()) * 2;
    let rss_connected = rss_kib(args.pid)?;

    // With everyone connected: one relay round trip per room.
    let mut all: Vec<Joined> = paced.into_iter().chain(bursted).collect();
    let round_trips: Vec<f64> = stream::iter(all.iter_mut())
        .map(|j| async move {
            let (agent, customer) = (&mut j.agent, &mut j.customer);
            let t0 = Instant::now();
            let (sent, answered) = tokio::join!(offer_and_wait(customer, &j.agent_identity, sdp), answer(agent, "v=0"));
            sent?;
            answered?;
            Ok::<_, anyhow::Error>(t0.elapsed().as_secs_f64() * 1000.0)
        })
        .buffer_unordered(args.parallel)
        .try_collect()
        .await?;

    let paced_ms: Vec<f64> = all[..rooms.len()].iter().map(|j| j.join_ms).collect();
    let burst_ms: Vec<f64> = all[rooms.len()..].iter().map(|j| j.join_ms).collect();
    println!();
    println!(
        "{} rooms joined at {:.0}/s (achieved {:.0}/s), then {} more with {} joins in flight; {participants} participants connected",
        rooms.len(),
        args.join_rate,
        rooms.len() as f64 / paced_secs,
        burst_ms.len(),
        args.parallel
    );
    let p99 = summary("second join to first relayed answer", paced_ms);
    if !burst_ms.is_empty() {
        let n = burst_ms.len();
        summary(&format!("burst join ({:.0} joins/s, capacity)", n as f64 / burst_secs), burst_ms);
    }
    summary("relay round trip, everyone connected", round_trips);
    let per_participant = (rss_connected.saturating_sub(rss_before)) as f64 / participants as f64;
    println!(
        "service memory: {:.1} MiB before, {:.1} MiB with {participants} participants connected, {:.1} KiB per participant",
        rss_before as f64 / 1024.0,
        rss_connected as f64 / 1024.0,
        per_participant
    );
    println!();
    let ok = p99 < args.target_p99_ms;
    println!(
        "{} second join to first relayed answer p99 {p99:.2} ms at {:.0} joins/s with {} rooms connected (target: < {} ms)",
        if ok { "met:   " } else { "MISSED:" },
        args.join_rate,
        rooms.len(),
        args.target_p99_ms
    );
    // The connections close only now, so every figure above had all rooms in.
    drop(all);
    std::process::exit(if ok { 0 } else { 1 });
}
