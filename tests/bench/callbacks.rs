//! `scripts/bench callbacks`: Twilio's signed room status callbacks at
//! volume, against a running service on loopback.
//!
//! The script seeds `--seeded` open escalations in a Twilio contact center
//! (room `esc-bench-{n}`, SID `RM{n:032x}`, n from 1). This picks `--rooms`
//! of them at random and plays each room's life as Twilio reports it: the
//! room created, agent and customer connected, both disconnected, the room
//! ended, six events with their sequence numbers, signed with the account's
//! auth token exactly as Twilio signs them. Rooms overlap in time, events of
//! one room sometimes arrive out of order (neighbours swapped by jitter),
//! and `--repeats` of them arrive a second time (Twilio retries), with
//! `--parallel` requests in flight.
//!
//! Then it accounts for every event: each distinct event is stored exactly
//! once (counted in the database), each repeat was counted as a duplicate
//! (the service's own counter), none was refused. Prints the figures beside
//! the target and exits 1 when one is missed.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{TimeZone, Utc};
use clap::Parser;
use escalate_twilio::signature::expected_signature;
use futures_util::stream::{self, StreamExt};
use sea_orm::{ConnectionTrait, Database, Statement};

#[derive(Parser)]
#[command(about = "Signed room status callbacks at volume")]
struct Args {
    /// The service's base URL (loopback).
    #[arg(long)]
    app: String,
    /// The callback URL exactly as the service gives it to Twilio (what is signed).
    #[arg(long)]
    callback_url: String,
    #[arg(long)]
    account_sid: String,
    #[arg(long)]
    auth_token: String,
    /// The contact center the rooms belong to (for the accounting query).
    #[arg(long)]
    contact_center: String,
    /// The service's database, to count what was stored.
    #[arg(long)]
    database_url: String,
    /// Open escalations seeded in the contact center.
    #[arg(long, default_value_t = 100_000)]
    seeded: u64,
    /// Rooms whose callbacks are sent (six events each).
    #[arg(long, default_value_t = 20_000)]
    rooms: u64,
    /// Share of events sent a second time.
    #[arg(long, default_value_t = 0.1)]
    repeats: f64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 64)]
    parallel: usize,
    /// Target: events per second, sustained.
    #[arg(long, default_value_t = 5000.0)]
    target: f64,
}

const EVENTS: [(&str, Option<&str>); 6] = [
    ("room-created", None),
    ("participant-connected", Some("agent")),
    ("participant-connected", Some("customer")),
    ("participant-disconnected", Some("customer")),
    ("participant-disconnected", Some("agent")),
    ("room-ended", None),
];

/// One callback as Twilio would send it: when (in the play's own clock), and the form.
struct Send {
    at: f64,
    form: Vec<(String, String)>,
}

/// A small deterministic generator: the same plan every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn form(account: &str, room: u64, seq: usize) -> Vec<(String, String)> {
    let (event, who) = EVENTS[seq];
    let start = Utc.timestamp_opt(1_796_000_000 + room as i64, 0).unwrap();
    let mut f = vec![
        ("AccountSid".to_owned(), account.to_owned()),
        ("RoomSid".to_owned(), format!("RM{room:032x}")),
        ("RoomName".to_owned(), format!("esc-bench-{room}")),
        ("RoomType".to_owned(), "group".to_owned()),
        ("RoomStatus".to_owned(), if seq == 5 { "completed" } else { "in-progress" }.to_owned()),
        ("StatusCallbackEvent".to_owned(), event.to_owned()),
        ("SequenceNumber".to_owned(), seq.to_string()),
        ("Timestamp".to_owned(), (start + chrono::Duration::seconds(seq as i64 * 30)).to_rfc3339()),
    ];
    if let Some(who) = who {
        let identity = if who == "agent" { "agent:bench".to_owned() } else { format!("customer:{room}") };
        f.push(("ParticipantSid".to_owned(), format!("PA{:030x}{}", room, if who == "agent" { "01" } else { "02" })));
        f.push(("ParticipantIdentity".to_owned(), identity));
        f.push(("ParticipantStatus".to_owned(), if seq <= 2 { "connected" } else { "disconnected" }.to_owned()));
    }
    if seq == 5 {
        f.push(("RoomDuration".to_owned(), "120".to_owned()));
    }
    f
}

fn plan(args: &Args) -> (Vec<Send>, u64, u64) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Distinct rooms out of the seeded ones.
    let mut rooms: Vec<u64> = (1..=args.seeded).collect();
    for i in 0..rooms.len() {
        let j = i + (rng.next() % (rooms.len() - i) as u64) as usize;
        rooms.swap(i, j);
    }
    rooms.truncate(args.rooms as usize);
    let mut sends = Vec::new();
    let (mut unique, mut repeats) = (0, 0);
    // Each room's life is spread over one unit of the play's clock, rooms
    // starting across 1,000 units; jitter of up to a step swaps neighbours.
    let step = 1.0 / EVENTS.len() as f64;
    for &room in &rooms {
        let start = rng.unit() * 1000.0;
        for seq in 0..EVENTS.len() {
            let at = start + seq as f64 * step + rng.unit() * step * 1.5;
            sends.push(Send { at, form: form(&args.account_sid, room, seq) });
            unique += 1;
            if rng.unit() < args.repeats {
                sends.push(Send { at: at + rng.unit() * 3.0, form: form(&args.account_sid, room, seq) });
                repeats += 1;
            }
        }
    }
    sends.sort_by(|a, b| a.at.total_cmp(&b.at));
    (sends, unique, repeats)
}

async fn counter(client: &reqwest::Client, app: &str, outcome: &str) -> Result<u64> {
    let text = client.get(format!("{app}/metrics")).send().await?.text().await?;
    let needle = format!("escalate_room_callbacks_total{{outcome=\"{outcome}\"}} ");
    Ok(text.lines().find_map(|l| l.strip_prefix(&needle)).map_or(0, |v| v.trim().parse().unwrap_or(0)))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (sends, unique, repeats) = plan(&args);
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.parallel).build()?;
    let before = (
        counter(&client, &args.app, "applied").await?,
        counter(&client, &args.app, "duplicate").await?,
        counter(&client, &args.app, "unmatched").await?,
    );
    println!(
        "{} rooms of {} seeded, {} events and {} repeats, {} in flight",
        args.rooms, args.seeded, unique, repeats, args.parallel
    );
    let total = sends.len();
    let started = Instant::now();
    let results: Vec<Result<(u16, Duration)>> = stream::iter(sends)
        .map(|s| {
            let client = client.clone();
            let url = args.callback_url.clone();
            let token = args.auth_token.clone();
            async move {
                let signature = expected_signature(&token, &url, &s.form);
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .header("X-Twilio-Signature", signature)
                    .form(&s.form)
                    .send()
                    .await
                    .context("callback request")?;
                Ok((res.status().as_u16(), t.elapsed()))
            }
        })
        .buffer_unordered(args.parallel)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut refused = 0;
    let mut latencies = Vec::with_capacity(total);
    for r in &results {
        match r {
            Ok((204, d)) => latencies.push(*d),
            Ok((status, _)) => {
                refused += 1;
                if refused <= 3 {
                    eprintln!("a callback was answered {status}");
                }
            }
            Err(e) => bail!("{e:#}"),
        }
    }
    latencies.sort();
    let pct = |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)));
    let rate = total as f64 / elapsed.as_secs_f64();
    println!(
        "sent {total} in {:.1} s: {rate:.0} events/s, p50 {:.1} ms, p99 {:.1} ms, refused {refused}",
        elapsed.as_secs_f64(),
        pct(0.5).map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        pct(0.99).map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    );

    // The accounting: every distinct event stored once, every repeat counted as one.
    let after = (
        counter(&client, &args.app, "applied").await?,
        counter(&client, &args.app, "duplicate").await?,
        counter(&client, &args.app, "unmatched").await?,
    );
    let db = Database::connect(&args.database_url).await?;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n FROM escalation_events WHERE contact_center_id = '{}' AND room_sid LIKE 'RM%' \
                 AND escalation_id IS NOT NULL",
                args.contact_center.replace('\'', "")
            ),
        ))
        .await?
        .context("a count")?;
    let stored: i64 = row.try_get("", "n")?;
    let (applied, duplicates, unmatched) = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
    println!(
        "accounted: {stored} stored and attached (of {unique} distinct), {applied} applied, {duplicates} duplicates \
         (of {repeats} repeats), {unmatched} unmatched, {refused} refused"
    );
    let accounted =
        stored as u64 == unique && applied == unique && duplicates == repeats && unmatched == 0 && refused == 0;
    let met = rate >= args.target;
    println!(
        "RESULT|signed room callbacks, {} escalations|{rate:.0} events/s|>= {:.0} events/s|{}",
        args.seeded,
        args.target,
        if met { "met" } else { "MISSED" }
    );
    println!(
        "RESULT|callbacks accounted for|{}|all, none lost|{}",
        if accounted { "all" } else { "NOT ALL" },
        if accounted { "met" } else { "MISSED" }
    );
    std::process::exit(if met && accounted { 0 } else { 1 });
}
