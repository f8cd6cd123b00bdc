//! How the contact center page reports: in the contact center's time zone
//! (or one picked on the page), and recent escalations a page at a time.

use chrono::{DateTime, Utc};

use super::*;

/// Every value of `attr` in the page, in order.
fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// `data-bucket-start` of every row of the chart's data table.
fn bucket_starts(html: &str) -> Vec<String> {
    attr_values(html, "data-bucket-start")
}

/// The escalations count of the table row whose bucket holds `t`.
fn count_in_bucket_holding(html: &str, t: DateTime<Utc>) -> String {
    let starts = bucket_starts(html);
    let parsed: Vec<DateTime<Utc>> = starts.iter().map(|s| s.parse().unwrap()).collect();
    let i = parsed.iter().rposition(|s| *s <= t).unwrap_or_else(|| panic!("a bucket before {t} in {starts:?}"));
    let at = html.find(&format!("data-bucket-start=\"{}\"", starts[i])).unwrap();
    let row = &html[at..];
    let row = &row[..row.find("</tr>").unwrap()];
    let cell = &row[row.find("data-metric=\"escalations\">").unwrap() + "data-metric=\"escalations\">".len()..];
    cell[..cell.find('<').unwrap()].to_owned()
}

/// `data-escalation` ids of the recent-escalations list, in page order.
fn listed_escalations(html: &str) -> Vec<String> {
    attr_values(html, "data-escalation")
}

#[tokio::test]
async fn metrics_follow_the_contact_centers_time_zone() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Zone Co").await;
    let key = app.api_key(&r.tenant, &["escalations", "metrics"]).await;
    let b = Browser::new(&app);
    assert_eq!(b.login(&r.tenant.admin_email, &r.tenant.admin_password).await.status(), StatusCode::SEE_OTHER);
    let settings = format!("/dashboard/contact-centers/{}/settings", r.cc);

    // The settings form offers every zone and names a bad one.
    let html = b.html(&settings).await;
    assert!(html.contains("<option selected>UTC</option>"), "new contact centers report in UTC");
    assert!(html.contains("<option>Pacific/Kiritimati</option>") && html.contains("<option>America/New_York</option>"));
    let resp = b.submit(&settings, &settings, &[("time_zone", "Mars/Olympus_Mons")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("data-error-for=\"time_zone\""));
    let resp = r
        .tenant
        .admin
        .patch(&format!("/v1/contact-centers/{}", r.cc), json!({ "time_zone": "Mars/Olympus_Mons" }))
        .await;
    let problem = escalate_e2e::assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "time_zone", "{problem}");

    // UTC+14 all year: local midnight is 10:00 UTC the day before.
    let resp = b.submit(&settings, &settings, &[("time_zone", "Pacific/Kiritimati")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", resp.text().await.unwrap());
    let got: Value = r.tenant.admin.get(&format!("/v1/contact-centers/{}", r.cc)).await.json().await.unwrap();
    assert_eq!(got["time_zone"], "Pacific/Kiritimati");

    let resp = app
        .escalate(
            &r.cc,
            &key,
            None,
            json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": "kai" }),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let made: Value = resp.json().await.unwrap();
    let created: DateTime<Utc> = made["created_at"].as_str().unwrap().parse().unwrap();

    // The API's default zone is the contact center's.
    let api: Value = r.tenant.admin.get(&format!("/v1/contact-centers/{}/metrics", r.cc)).await.json().await.unwrap();
    assert_eq!(api["tz"], "Pacific/Kiritimati", "{api}");
    let series = api["series"].as_array().unwrap();
    let ten_utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap().format("%H:%M:%S").to_string() == "10:00:00";
    assert!(series[1..].iter().all(|b| ten_utc(b["start"].as_str().unwrap())), "{api}");

    // The page reports in the same zone by default: local days, and the
    // escalation counted in the local day that holds it.
    let page = format!("/dashboard/contact-centers/{}", r.cc);
    let html = b.html(&page).await;
    assert!(html.contains("<option selected>Pacific/Kiritimati</option>"), "picker shows the contact center's zone");
    assert!(section(&html, "totals").contains("data-testid=\"range-zone\">Pacific/Kiritimati<"));
    let starts = bucket_starts(&html);
    assert_eq!(starts.len(), 14, "{starts:?}");
    assert!(starts.iter().all(|s| s.ends_with("T10:00:00Z")), "{starts:?}");
    assert_eq!(count_in_bucket_holding(&html, created), "1");
    let local_today = Utc::now().with_timezone(&chrono_tz::Pacific::Kiritimati).date_naive().to_string();
    assert_eq!(attr_after(&html, "id=\"r-to\"", "value").unwrap(), local_today);
    // The figures equal the API's for the same range and zone.
    let api_url = attr_after(&html, "id=\"totals\"", "data-api-url").unwrap();
    assert!(api_url.contains("tz=Pacific%2FKiritimati"), "{api_url}");
    let api: Value = r.tenant.admin.get(&api_url).await.json().await.unwrap();
    assert_eq!(metric(section(&html, "totals"), "escalations"), api_number(&api["totals"]["escalations"]));
    // The recent escalations show local times.
    assert!(
        html.contains(&created.with_timezone(&chrono_tz::Pacific::Kiritimati).format("%Y-%m-%d %H:%M").to_string())
    );

    // Another zone picked on the page.
    let html = b.html(&format!("{page}?tz=UTC")).await;
    let starts = bucket_starts(&html);
    assert!(starts.iter().all(|s| s.ends_with("T00:00:00Z")), "{starts:?}");
    assert_eq!(count_in_bucket_holding(&html, created), "1");
    let html = b.html(&format!("{page}?tz=Nowhere%2FLand")).await;
    assert!(html.contains("Unknown time zone `Nowhere/Land`"), "a bad zone is explained");
    assert!(bucket_starts(&html).iter().all(|s| s.ends_with("T10:00:00Z")), "and the contact center's zone used");

    // The overview's "today" is the contact center's today.
    let html = b.html("/dashboard").await;
    let card = &html[html.find(&format!("data-contact-center=\"{}\"", r.cc)).unwrap()..];
    assert!(card.contains("Pacific/Kiritimati"), "zone named on the card");
    assert_eq!(metric(card, "escalations"), "1");
}

#[tokio::test]
async fn recent_escalations_page_past_the_first_twenty() {
    let app = spawn_app().await;
    let r = app.ready_contact_center("Busy Co").await;
    let key = app.api_key(&r.tenant, &["escalations"]).await;
    let mut made = Vec::new();
    for i in 0..23 {
        let resp = app
            .escalate(&r.cc, &key, None, json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid(), "agent_identity": format!("agent{i}") }))
            .await;
        assert_eq!(resp.status(), 201);
        made.push(resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let b = Browser::new(&app);
    assert_eq!(b.login(&r.tenant.admin_email, &r.tenant.admin_password).await.status(), StatusCode::SEE_OTHER);

    let first = b.html(&format!("/dashboard/contact-centers/{}", r.cc)).await;
    let page1 = listed_escalations(&first);
    let newest_first: Vec<String> = made.iter().rev().cloned().collect();
    assert_eq!(page1, newest_first[..20], "the 20 newest, newest first");
    assert!(!first.contains("data-testid=\"newest-page\""));
    let older = attr_after(&first, "data-testid=\"older-page\"", "href").expect("a link to older escalations");

    let second = b.html(&older).await;
    assert_eq!(listed_escalations(&second), newest_first[20..], "the rest");
    assert!(!second.contains("data-testid=\"older-page\""), "no page after the last");
    let newest = attr_after(&second, "data-testid=\"newest-page\"", "href").expect("back to the newest");
    assert_eq!(listed_escalations(&b.html(&newest).await), page1);

    // A bad cursor shows the first page rather than failing.
    assert_eq!(listed_escalations(&b.html(&format!("/dashboard/contact-centers/{}?before=nope", r.cc)).await), page1);
}
