use chrono::{DateTime, Duration, Utc};
use escalate_e2e::{Ready, TestApp, assert_problem, conversation_sid, spawn_app, task_sid};
use serde_json::{Value, json};
use twilio_sim::{ApiOp, Fault};

struct Made {
    id: String,
    room_sid: String,
    room_name: String,
    created: DateTime<Utc>,
}

async fn escalate(app: &TestApp, r: &Ready, key: &str, agent: &str) -> Made {
    let resp = app
        .escalate(
            &r.cc,
            key,
            None,
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": agent }),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let e: Value = resp.json().await.unwrap();
    Made {
        id: e["id"].as_str().unwrap().into(),
        room_sid: e["room_sid"].as_str().unwrap().into(),
        room_name: e["room_name"].as_str().unwrap().into(),
        created: DateTime::parse_from_rfc3339(e["created_at"].as_str().unwrap()).unwrap().with_timezone(&Utc),
    }
}

#[allow(clippy::too_many_arguments)] // one callback's fields, named at each call
async fn event(
    app: &TestApp,
    r: &Ready,
    m: &Made,
    seq: i64,
    kind: &str,
    at_secs: i64,
    who: Option<&str>,
    room_duration: Option<i64>,
) {
    let at = m.created + Duration::seconds(at_secs);
    let mut params = vec![
        ("RoomSid", m.room_sid.clone()),
        ("RoomName", m.room_name.clone()),
        ("RoomStatus", if kind == "room-ended" { "completed".into() } else { "in-progress".into() }),
        ("RoomType", "group".into()),
        ("StatusCallbackEvent", kind.into()),
        ("SequenceNumber", seq.to_string()),
        ("Timestamp", at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
    ];
    if let Some(w) = who {
        params.push(("ParticipantIdentity", w.into()));
        params.push(("ParticipantSid", format!("PA{:032x}", seq)));
    }
    if let Some(d) = room_duration {
        params.push(("RoomDuration", d.to_string()));
    }
    assert_eq!(app.post_callback(&r.cc, &r.account, &params).await.status(), 204);
}

fn figures(v: &Value) -> (i64, i64, f64, Value, Value, Value, Value) {
    (
        v["escalations"].as_i64().unwrap(),
        v["customers_joined"].as_i64().unwrap(),
        v["join_rate"].as_f64().unwrap(),
        v["time_to_join_seconds"]["median"].clone(),
        v["time_to_join_seconds"]["p90"].clone(),
        v["call_duration_seconds"]["median"].clone(),
        v["call_duration_seconds"]["p90"].clone(),
    )
}

#[tokio::test]
async fn metrics_match_hand_computed_figures() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Acme").await;
    let key = app.api_key(&r.tenant, &["escalations"]).await;

    // E1 alex: joins after 10 s, call of 100 s. Callbacks reversed and repeated.
    let e1 = escalate(&app, &r, &key, "alex").await;
    for _ in 0..2 {
        event(&app, &r, &e1, 104, "room-ended", 110, None, Some(110)).await;
        event(&app, &r, &e1, 103, "participant-disconnected", 110, Some("customer:aa"), None).await;
        event(&app, &r, &e1, 102, "participant-connected", 10, Some("customer:aa"), None).await;
        event(&app, &r, &e1, 101, "participant-connected", 2, Some("agent:alex"), None).await;
    }
    // E2 alex: joins after 30 s, leaves, rejoins (the first join counts), call ends at 330 s.
    let e2 = escalate(&app, &r, &key, "alex").await;
    event(&app, &r, &e2, 105, "participant-connected", 200, Some("customer:bb2"), None).await;
    event(&app, &r, &e2, 102, "participant-connected", 30, Some("customer:bb"), None).await;
    event(&app, &r, &e2, 106, "room-ended", 330, None, Some(330)).await;
    // E3 alex: the customer never joins.
    let e3 = escalate(&app, &r, &key, "alex").await;
    event(&app, &r, &e3, 101, "participant-connected", 3, Some("agent:alex"), None).await;
    event(&app, &r, &e3, 102, "room-ended", 600, None, Some(600)).await;
    // E4 sam: joined after 20 s, still in the call.
    let e4 = escalate(&app, &r, &key, "sam").await;
    event(&app, &r, &e4, 102, "participant-connected", 20, Some("customer:dd"), None).await;
    // A failed attempt does not count (the link could not be posted).
    app.sim.set_fault(ApiOp::CreateMessage, Fault { status: Some(400), ..Default::default() });
    let resp = app
        .escalate(
            &r.cc,
            &key,
            None,
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "alex" }),
        )
        .await;
    assert_eq!(resp.status(), 502);
    app.sim.clear_faults();

    let from = (e1.created - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (e4.created + Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let m: Value = r
        .tenant
        .admin
        .get(&format!("/v1/contact-centers/{}/metrics?from={from}&to={to}&bucket=hour", r.cc))
        .await
        .json()
        .await
        .unwrap();
    // Totals: 4 escalations, 3 joined; time to join [10, 20, 30]; calls [100, 300].
    assert_eq!(figures(&m["totals"]), (4, 3, 0.75, json!(10.0 + 10.0), json!(30.0), json!(100.0), json!(300.0)), "{m}");
    let agents = m["by_agent"].as_array().unwrap();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0]["agent_identity"], "agent:alex");
    assert_eq!(figures(&agents[0]["figures"]), (3, 2, 0.667, json!(10.0), json!(30.0), json!(100.0), json!(300.0)));
    assert_eq!(agents[1]["agent_identity"], "agent:sam");
    assert_eq!(figures(&agents[1]["figures"]), (1, 1, 1.0, json!(20.0), json!(20.0), Value::Null, Value::Null));
    // The hourly series covers the range, and its buckets add up to the totals.
    let series = m["series"].as_array().unwrap();
    assert!(series.len() >= 2);
    let sum: i64 = series.iter().map(|b| b["figures"]["escalations"].as_i64().unwrap()).sum();
    assert_eq!(sum, 4);
    let escalation: Value = r.tenant.admin.get(&format!("/v1/escalations/{}", e2.id)).await.json().await.unwrap();
    assert_eq!(escalation["duration_seconds"], 330);

    // A viewer can read metrics; a bad zone or range names the field.
    let bad = r.tenant.admin.get(&format!("/v1/contact-centers/{}/metrics?tz=Mars/Base", r.cc)).await;
    assert_eq!(assert_problem(bad, 422, "validation_failed").await["errors"][0]["field"], "tz");
    let bad = r.tenant.admin.get(&format!("/v1/contact-centers/{}/metrics?from={to}&to={from}", r.cc)).await;
    assert_problem(bad, 422, "validation_failed").await;

    // The tenant roll-up adds a second contact center.
    let other = app.create_contact_center(&r.tenant, "Sales").await;
    let other_id = other["id"].as_str().unwrap();
    assert_eq!(app.store_credentials(&r.tenant, other_id, &r.account).await.status(), 200);
    let resp = app
        .escalate(
            other_id,
            &key,
            None,
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "kim" }),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let t: Value = r
        .tenant
        .admin
        .get(&format!(
            "/v1/metrics?from={from}&to={}",
            (Utc::now() + Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["totals"]["escalations"], 5);
    let per_cc = t["by_contact_center"].as_array().unwrap();
    let sales = per_cc.iter().find(|c| c["contact_center_id"] == other_id).unwrap();
    assert_eq!(sales["figures"]["escalations"], 1);
    let support = per_cc.iter().find(|c| c["contact_center_id"] == r.cc.as_str()).unwrap();
    assert_eq!(support["figures"]["customers_joined"], 3);

    // CSV: every escalation of the range (the failed one too), newest first.
    let resp = r.tenant.admin.get(&format!("/v1/contact-centers/{}/escalations.csv?from={from}&to={to}", r.cc)).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("escalations-support-"));
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id,created_at,status,agent_identity"));
    assert_eq!(lines.len(), 1 + 5);
    let e1_line = lines.iter().find(|l| l.starts_with(&e1.id)).unwrap();
    assert!(e1_line.contains(",10.000,") && e1_line.contains(",100.000,110"), "{e1_line}");
}

#[tokio::test]
async fn metrics_are_scoped_and_need_permission() {
    let app = spawn_app().await;
    let a = app.ready_contact_center("Alpha").await;
    let b = app.create_tenant("Beta").await;
    let resp = b.admin.get(&format!("/v1/contact-centers/{}/metrics", a.cc)).await;
    assert_problem(resp, 404, "not_found").await;
    let resp = b.admin.get(&format!("/v1/contact-centers/{}/escalations.csv", a.cc)).await;
    assert_problem(resp, 404, "not_found").await;
    let esc_key = app.api_key(&a.tenant, &["escalations"]).await;
    let resp = app
        .http
        .get(app.url(&format!("/v1/contact-centers/{}/metrics", a.cc)))
        .bearer_auth(&esc_key)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let metrics_key = app.api_key(&a.tenant, &["metrics"]).await;
    let m: Value = app
        .http
        .get(app.url(&format!("/v1/contact-centers/{}/metrics", a.cc)))
        .bearer_auth(&metrics_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m["totals"]["escalations"], 0);
    assert_eq!(m["series"].as_array().unwrap().len(), 31, "30 days by day, partial first and last");
}

/// The breakdown behind every metrics answer (one scan with grouping sets on
/// PostgreSQL, window functions on SQLite) against figures computed here in
/// Rust, with the domain's nearest-rank percentile, over a few hundred
/// escalations across agents and days.
#[tokio::test]
async fn breakdown_equals_a_reference_computed_in_rust() {
    use escalate_domain::escalation::{RoomEvent, RoomEventKind};
    use escalate_domain::metrics::{self, Bucket};
    use escalate_store::TenantScope;
    use escalate_store::repos::{Grouping, MetricsQuery, NewEscalation, NewEvent};
    use std::collections::BTreeMap;
    use uuid::Uuid;

    let app = spawn_app().await;
    let tenant = app.create_tenant("Reference Co").await;
    let cc: Uuid = app.create_contact_center(&tenant, "Support").await["id"].as_str().unwrap().parse().unwrap();
    let store = &app.state.store;
    let scope = TenantScope::for_tests(tenant.id);
    let start = "2026-03-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let zone = metrics::parse_zone("Europe/Paris").unwrap();
    // Deterministic variety: a small linear congruential generator.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    // (agent, created, time to join, call duration) of every counted escalation.
    type Seeded = (String, DateTime<Utc>, Option<i64>, Option<i64>);
    let mut seeded: Vec<Seeded> = Vec::new();
    for i in 0..240 {
        let agent = format!("agent:a{}", next(5));
        let created = start + Duration::seconds(next(10 * 86_400) as i64);
        let id = Uuid::now_v7();
        let room_name = format!("esc-ref-{i}");
        let new = NewEscalation {
            id,
            contact_center_id: cc,
            idempotency_key: None,
            task_sid: format!("WT{i:032}"),
            conversation_sid: format!("CH{i:032}"),
            agent_identity: agent.clone(),
            agent_name: None,
            room_name: room_name.clone(),
            code: format!("REF{i:010}"),
            expires_at: created + Duration::hours(1),
            video_provider: escalate_domain::contact_center::VideoProvider::Twilio,
            test_call: false,
            recorded: false,
        };
        let record = store.insert_escalation(scope, new, created).await.unwrap();
        if next(10) == 0 {
            continue; // never opened: "creating" does not count
        }
        let room_sid = format!("RM{i:032}");
        store.open_escalation(scope, record, Some(&room_sid), Some(&format!("IM{i:032}")), created).await.unwrap();
        let joins = next(10) < 7;
        let ttj = joins.then(|| 1 + next(300) as i64);
        let ends = next(10) < 8;
        let call = (joins && ends).then(|| 30 + next(1800) as i64);
        let mut seq = 0;
        let mut send = |kind: RoomEventKind, at: DateTime<Utc>, who: Option<&str>| {
            seq += 1;
            NewEvent {
                room_sid: room_sid.clone(),
                sequence_number: seq,
                participant_sid: who.map(|_| format!("PA{i:030}{seq:02}")),
                payload: json!({}),
                domain: RoomEvent {
                    provider: escalate_domain::contact_center::VideoProvider::Twilio,
                    kind,
                    at,
                    participant_identity: who.map(str::to_owned),
                    room_duration_seconds: None,
                },
            }
        };
        let mut events = vec![send(RoomEventKind::RoomCreated, created, None)];
        if let Some(t) = ttj {
            events.push(send(RoomEventKind::ParticipantConnected, created + Duration::seconds(t), Some("customer:c")));
            if let Some(d) = call {
                events.push(send(RoomEventKind::RoomEnded, created + Duration::seconds(t + d), None));
            }
        } else if ends {
            events.push(send(RoomEventKind::RoomEnded, created + Duration::seconds(600), None));
        }
        for ev in events {
            store.record_room_event(scope, cc, &room_name, ev, created).await.unwrap();
        }
        seeded.push((agent, created, ttj, call));
    }

    // A range that cuts the seeded period on both sides, in Paris days.
    let (from, to) = (start + Duration::hours(30), start + Duration::days(8) + Duration::hours(5));
    let buckets = metrics::buckets(from, to, Bucket::Day, zone).unwrap();
    let q = MetricsQuery {
        contact_center_id: Some(cc),
        from,
        to,
        buckets: &buckets,
        include_test_calls: false,
        now: Utc::now(),
    };
    let got = store.escalation_breakdown(scope, &q, Grouping::Agent).await.unwrap();

    type Row = (i64, i64, Option<f64>, Option<f64>, Option<f64>, Option<f64>);
    let reference = |rows: Vec<&Seeded>| -> Row {
        let mut ttj: Vec<f64> = rows.iter().filter_map(|r| r.2).map(|s| s as f64).collect();
        let mut dur: Vec<f64> = rows.iter().filter_map(|r| r.3).map(|s| s as f64).collect();
        ttj.sort_by(f64::total_cmp);
        dur.sort_by(f64::total_cmp);
        let p = |v: &[f64], q: f64| metrics::percentile(v, q);
        (rows.len() as i64, ttj.len() as i64, p(&ttj, 0.5), p(&ttj, 0.9), p(&dur, 0.5), p(&dur, 0.9))
    };
    // To the millisecond, as the API rounds: SQLite's julianday arithmetic
    // is off by microseconds.
    let ms = |v: Option<f64>| v.map(|s| (s * 1000.0).round() / 1000.0);
    let row = |r: &escalate_store::repos::FigureRow| -> Row {
        (
            r.escalations,
            r.customers_joined,
            ms(r.time_to_join_p50),
            ms(r.time_to_join_p90),
            ms(r.call_duration_p50),
            ms(r.call_duration_p90),
        )
    };
    let in_range: Vec<_> = seeded.iter().filter(|r| r.1 >= from && r.1 < to).collect();
    assert!(in_range.len() > 100, "enough rows to mean something: {}", in_range.len());
    assert_eq!(row(got.total.as_ref().unwrap()), reference(in_range.clone()), "totals");
    // Links long run out: those nobody joined are expired (no agent joins here).
    let unused = in_range.iter().filter(|r| r.2.is_none()).count() as i64;
    assert!(unused > 0);
    assert_eq!(got.total.as_ref().unwrap().expired, unused, "expired");

    let mut by_agent: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for r in &in_range {
        by_agent.entry(r.0.as_str()).or_default().push(*r);
    }
    let got_agents: BTreeMap<&str, Row> = got.grouped.iter().map(|r| (r.key.as_str(), row(r))).collect();
    let want_agents: BTreeMap<&str, Row> = by_agent.into_iter().map(|(a, rows)| (a, reference(rows))).collect();
    assert_eq!(got_agents, want_agents, "per agent");

    for (i, (lo, hi)) in buckets.iter().enumerate() {
        let rows: Vec<_> = in_range.iter().copied().filter(|r| r.1 >= *lo && r.1 < *hi).collect();
        let got_bucket = got.buckets.iter().find(|r| r.key == i.to_string());
        match got_bucket {
            Some(b) => assert_eq!(row(b), reference(rows), "bucket {i} ({lo})"),
            None => assert!(rows.is_empty(), "bucket {i} ({lo}) has {} escalations but no row", rows.len()),
        }
    }
}
