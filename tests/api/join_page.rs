//! The customer's join page in headless Chromium, against a small server
//! that mounts `Pages::join_page` for fixed views, `/assets`, and a fake
//! token endpoint (no database, no Twilio). Needs `scripts/browser.sh`.

use std::net::SocketAddr;
use std::path::PathBuf;

use escalate_e2e::browser::{InspectOptions, PageReport, Step, Viewport, inspect};
use escalate_http::pages::{JoinBrand, JoinPageView, JoinState, Pages, assets_endpoint};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Path};
use poem::{EndpointExt, Response, Route, Server, get, handler, post};

const PRIMARY: &str = "#0b5fff";
const RETRY_AFTER: u32 = 7;

fn dashboard_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../dashboard"))
}

fn brand(locale: &str) -> JoinBrand {
    JoinBrand {
        display_name: "Acme Support".into(),
        logo_url: None,
        primary_colour: PRIMARY.into(),
        accent_colour: "#0f9d58".into(),
        headline: if locale == "es" {
            "Tu agente te está esperando".into()
        } else {
            "Your agent is ready to see you".into()
        },
        button_text: if locale == "es" { "Unirse a la videollamada".into() } else { "Join Video Room".into() },
        locale: locale.into(),
    }
}

/// A brand whose name is longer than a phone's top bar.
fn long_brand() -> JoinBrand {
    JoinBrand { display_name: LONG_NAME.into(), ..brand("en") }
}

const LONG_NAME: &str = "Acme Healthcare Customer Services International";

/// Fixed views by code: READY…, ES…, LONG…, DONE, EXPIRED; anything else is unknown.
/// The code's prefix also picks the fake token endpoint's answer (below).
fn view_for(code: &str) -> JoinPageView {
    let (state, brand) = match code {
        c if c.starts_with("ES") => (JoinState::Ready, Some(brand("es"))),
        c if c.starts_with("LONG") => (JoinState::Ready, Some(long_brand())),
        c if c.starts_with("READY")
            || c.starts_with("GONE")
            || c.starts_with("MISSING")
            || c.starts_with("CONNECT")
            || c.starts_with("CALL") =>
        {
            (JoinState::Ready, Some(brand("en")))
        }
        "DONE" => (JoinState::Completed, Some(brand("en"))),
        "EXPIRED" => (JoinState::Expired, None),
        _ => (JoinState::Unknown, None),
    };
    JoinPageView::new(code, state, brand)
}

#[handler]
fn join(Path(code): Path<String>, Data(pages): Data<&Pages>) -> Response {
    pages.join_page(&view_for(&code))
}

fn problem(status: u16, code: &str, title: &str) -> Response {
    let body = serde_json::json!({
        "type": format!("/problems/{code}"), "title": title, "status": status, "detail": title, "code": code,
    });
    Response::builder()
        .status(poem::http::StatusCode::from_u16(status).unwrap())
        .content_type("application/problem+json")
        .body(body.to_string())
}

/// The token endpoint's stand-in: CONNECT… and CALL… get a (fake) token, so the page
/// tries Twilio and must fail gracefully; GONE… 410; MISSING… 404; else 429.
#[handler]
fn token(Path(code): Path<String>) -> Response {
    if code.starts_with("CONNECT") || code.starts_with("CALL") {
        let body = serde_json::json!({
            "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImN0eSI6InR3aWxpby1mcGE7dj0xIn0.eyJleHAiOjF9.c2lnbmF0dXJl",
            "room_name": "esc-test-room", "identity": "customer:test", "expires_at": "2030-01-01T00:00:00Z",
        });
        return Response::builder().content_type("application/json").body(body.to_string());
    }
    if code.starts_with("GONE") {
        return problem(410, "code_completed", "The call has ended");
    }
    if code.starts_with("MISSING") {
        return problem(404, "not_found", "Not found");
    }
    let mut resp = problem(429, "rate_limited", "Too many requests");
    resp.headers_mut().insert("Retry-After", RETRY_AFTER.into());
    resp
}

/// The hand-off QR code, drawn by the service's own renderer.
#[handler]
fn qr(Path(code): Path<String>) -> Response {
    let svg = escalate_http::pages::qr::svg(&format!("http://127.0.0.1/join/{code}")).expect("a QR code");
    Response::builder().content_type("image/svg+xml").body(svg)
}

#[handler]
fn limited(Data(pages): Data<&Pages>) -> Response {
    pages.join_rate_limited(30, None)
}

/// The fake twilio-video SDK of `tests/browser/fake-twilio-video.js`.
#[handler]
fn fake_sdk() -> Response {
    let js = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/browser/fake-twilio-video.js"))
        .expect("fake SDK");
    Response::builder().content_type("text/javascript; charset=utf-8").body(js)
}

async fn serve() -> String {
    serve_app(Route::new()).await
}

/// Like [`serve`], with the fake SDK in place of the vendored twilio-video.
async fn serve_with_fake_sdk() -> String {
    serve_app(Route::new().at("/assets/vendor/twilio-video.min.js", get(fake_sdk))).await
}

async fn serve_app(routes: Route) -> String {
    let files = escalate_http::files::DashboardFiles::Dir(dashboard_dir());
    let pages = Pages::load(&files).expect("dashboard templates load");
    let app = routes
        .at("/join/:code", get(join))
        .at("/join/:code/qr.svg", get(qr))
        .at("/v1/join/:code/token", post(token))
        .at("/limited", get(limited))
        .nest("/assets", assets_endpoint(files))
        .data(pages);
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.expect("bind");
    let addr: SocketAddr = *acceptor.local_addr()[0].as_socket_addr().expect("tcp address");
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    format!("http://{addr}")
}

fn shot(name: &str) -> InspectOptions {
    InspectOptions { screenshot: Some(format!("{name}.png")), name: Some(name.into()), ..Default::default() }
}

fn assert_same_origin_only(report: &PageReport, base: &str) {
    assert!(report.third_party_requests.is_empty(), "third-party requests: {:?}", report.third_party_requests);
    for r in &report.requests {
        let url = r.split_once(' ').map_or(r.as_str(), |(_, u)| u);
        assert!(url.starts_with(base) || url.starts_with("data:"), "request outside the page's origin: {r}");
    }
    assert!(report.failed_requests.is_empty(), "failed requests: {:?}", report.failed_requests);
}

#[tokio::test]
async fn ready_page_loads_cleanly_in_the_brand() {
    let base = serve().await;
    let report = inspect(&format!("{base}/join/READY1"), shot("join-ready")).await;
    report.assert_clean();
    assert_eq!(report.status, Some(200));
    assert_eq!(report.html_lang.as_deref(), Some("en"));
    let button = &report.join_button;
    assert!(button.present && button.visible, "{report:#?}");
    assert_eq!(button.text.as_deref(), Some("Join Video Room"));
    assert_eq!(button.background_hex.as_deref(), Some(PRIMARY), "button in the primary colour");
    assert_eq!(report.brand_colour_hex.as_deref(), Some(PRIMARY), "top bar in the primary colour");
    let text = report.main_text.as_deref().unwrap_or_default();
    assert!(text.contains("Your agent is ready to see you"), "{text}");
    // The vendored SDK and our script came from our own origin.
    assert!(
        report.requests.iter().any(|r| r.contains("/assets/vendor/twilio-video.min.js?v=")),
        "{:?}",
        report.requests
    );
    assert!(report.requests.iter().any(|r| r.contains("/assets/join.js?v=")));
    assert_same_origin_only(&report, &base);
    // On a desktop, the hand-off to a phone: the link as a QR code from this origin.
    assert!(text.contains("On your phone?"), "{text}");
    assert!(report.requests.iter().any(|r| r.contains("/join/READY1/qr.svg")), "{:?}", report.requests);
    // The fake camera and microphone started.
    assert_eq!(report.view, None, "still in the lobby");
    assert!(report.error_text.is_none(), "{report:#?}");
}

#[tokio::test]
async fn spanish_brand_speaks_spanish() {
    let base = serve().await;
    let report = inspect(&format!("{base}/join/ES1"), shot("join-ready-es")).await;
    report.assert_clean();
    assert_eq!(report.html_lang.as_deref(), Some("es"));
    assert_eq!(report.join_button.text.as_deref(), Some("Unirse a la videollamada"));
    assert_eq!(report.join_button.background_hex.as_deref(), Some(PRIMARY));
    let text = report.main_text.as_deref().unwrap_or_default();
    assert!(text.contains("Comprueba tu cámara") && text.contains("¿Prefieres el móvil?"), "{text}");
    assert_same_origin_only(&report, &base);
}

#[tokio::test]
async fn unknown_and_expired_links_cannot_be_told_apart() {
    let base = serve().await;
    let http = reqwest::Client::new();
    let expired = http.get(format!("{base}/join/EXPIRED")).send().await.unwrap();
    let unknown = http.get(format!("{base}/join/NEVER1SSUED")).send().await.unwrap();
    assert_eq!(expired.status(), 404);
    assert_eq!(unknown.status(), 404);
    let header_list = |r: &reqwest::Response| {
        let mut h: Vec<_> = r
            .headers()
            .iter()
            .filter(|(k, _)| *k != "date")
            .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap()))
            .collect();
        h.sort();
        h
    };
    assert_eq!(header_list(&expired), header_list(&unknown));
    assert_eq!(expired.bytes().await.unwrap(), unknown.bytes().await.unwrap());

    let a = inspect(&format!("{base}/join/EXPIRED"), shot("join-expired")).await;
    let b = inspect(&format!("{base}/join/NEVER1SSUED"), shot("join-unknown")).await;
    for r in [&a, &b] {
        r.assert_clean();
        assert_eq!(r.status, Some(404));
        assert!(!r.join_button.present);
        assert!(r.main_text.as_deref().unwrap_or_default().contains("This link is no longer valid"));
        assert_same_origin_only(r, &base);
    }
    assert_eq!(a.main_text, b.main_text);
    assert_eq!(a.title, b.title);
    assert_eq!(a.brand_colour, b.brand_colour);
    assert_eq!(a.html_lang, b.html_lang);
}

#[tokio::test]
async fn completed_call_says_it_has_ended() {
    let base = serve().await;
    let report = inspect(&format!("{base}/join/DONE"), shot("join-completed")).await;
    report.assert_clean();
    assert_eq!(report.status, Some(410));
    assert!(!report.join_button.present);
    assert!(report.main_text.as_deref().unwrap_or_default().contains("This call has ended"));
    assert_eq!(report.brand_colour_hex.as_deref(), Some(PRIMARY));
}

#[tokio::test]
async fn joining_when_rate_limited_says_when_to_retry() {
    let base = serve().await;
    let opts = InspectOptions {
        click: Some("#join-button".into()),
        wait_for_text: Some("Too many attempts".into()),
        ..shot("join-rate-limited")
    };
    let report = inspect(&format!("{base}/join/READY2"), opts).await;
    // The 429 itself is the one failed resource the console mentions.
    assert!(report.page_errors.is_empty(), "{report:#?}");
    assert!(report.csp_violations.is_empty(), "{report:#?}");
    let error = report.error_text.as_deref().unwrap_or_default();
    assert_eq!(error, format!("Too many attempts. Please try again in {RETRY_AFTER} s."), "{report:#?}");
    assert!(report.requests.iter().any(|r| r.starts_with("POST ") && r.ends_with("/v1/join/READY2/token")));
    assert_same_origin_only(&report, &base);
}

#[tokio::test]
async fn a_dead_or_completed_code_at_join_time_switches_the_page() {
    let base = serve().await;
    let opts = |text: &str, name: &str| InspectOptions {
        click: Some("#join-button".into()),
        wait_for_text: Some(text.into()),
        ..shot(name)
    };
    let report =
        inspect(&format!("{base}/join/MISSING1"), opts("This link is no longer valid", "join-token-404")).await;
    assert!(report.page_errors.is_empty(), "{report:#?}");
    assert_eq!(report.view.as_deref(), Some("invalid"));
    assert!(!report.join_button.visible);

    let report = inspect(&format!("{base}/join/GONE1"), opts("This call has ended", "join-token-410")).await;
    assert!(report.page_errors.is_empty(), "{report:#?}");
    assert_eq!(report.view.as_deref(), Some("ended"));
}

#[tokio::test]
async fn failing_to_reach_twilio_shows_could_not_connect() {
    let base = serve().await;
    let opts = InspectOptions {
        click: Some("#join-button".into()),
        wait_for_text: Some("could not reach the video call".into()),
        timeout_ms: Some(40_000),
        ..shot("join-could-not-connect")
    };
    let report = inspect(&format!("{base}/join/CONNECT1"), opts).await;
    // Offline, the browser's own WebSocket error and the SDK's log line are
    // the only console errors; nothing from our script.
    assert!(
        report.console_errors.iter().all(|e| e.contains("twilio.com") || e.contains("signaling")),
        "{:?}",
        report.console_errors
    );
    assert!(report.page_errors.is_empty(), "no uncaught exception: {report:#?}");
    assert!(report.csp_violations.is_empty(), "{report:#?}");
    assert!(report.third_party_requests.is_empty(), "{:?}", report.third_party_requests);
    let error = report.error_text.as_deref().unwrap_or_default();
    assert!(error.starts_with("We could not reach the video call"), "{report:#?}");
    assert!(error.contains("another Wi-Fi or mobile data"), "says what to try: {error}");
    assert!(report.join_button.visible, "the customer can try again");
}

/// The video library failing to load is the service's problem, and the page
/// says so instead of blaming the customer's connection.
#[tokio::test]
async fn a_missing_video_library_is_not_blamed_on_the_customer() {
    #[handler]
    fn gone() -> poem::http::StatusCode {
        poem::http::StatusCode::NOT_FOUND
    }
    let base = serve_app(Route::new().at("/assets/vendor/twilio-video.min.js", get(gone))).await;
    let opts = InspectOptions {
        click: Some("#join-button".into()),
        wait_for_text: Some("not available right now".into()),
        timeout_ms: Some(20_000),
        ..shot("join-service-unavailable")
    };
    let report = inspect(&format!("{base}/join/CONNECT2"), opts).await;
    let error = report.error_text.as_deref().unwrap_or_default();
    assert!(error.contains("This is not a problem with your connection"), "{report:#?}");
    assert!(!error.contains("internet"), "{error}");
    assert!(report.page_errors.is_empty(), "{report:#?}");
    assert!(report.join_button.visible, "the customer can try again");
}

#[tokio::test]
async fn ready_page_fits_a_phone() {
    let base = serve().await;
    let opts = InspectOptions { viewport: Some(Viewport { width: 390, height: 844 }), ..shot("join-ready-phone") };
    let report = inspect(&format!("{base}/join/READY3"), opts).await;
    report.assert_clean();
    assert!(report.join_button.visible);
    // A phone is where the call goes: no QR code to carry it elsewhere.
    assert!(!report.requests.iter().any(|r| r.contains("/qr.svg")), "{:?}", report.requests);
    assert!(!report.main_text.as_deref().unwrap_or_default().contains("On your phone?"));
}

const CALL_STATE: &str = "({ view: document.body.dataset.view || null, \
    connects: window.__fakeTwilio.connects, events: window.__fakeTwilio.events, \
    mic: document.querySelector('#call-mic .round__label').textContent, \
    cam: document.querySelector('#call-cam .round__label').textContent, \
    remoteVideos: document.querySelectorAll('#remote video').length, \
    selfVideos: document.querySelectorAll('#self video').length, \
    focused: document.activeElement && document.activeElement.id })";

#[tokio::test]
async fn in_call_view_shows_the_agent_and_the_controls_work() {
    let base = serve_with_fake_sdk().await;
    let opts = InspectOptions {
        name: Some("join-in-call".into()),
        steps: vec![
            Step::click("#join-button"),
            Step::wait_for_selector("#remote video"),
            Step::wait_ms(300),
            Step::screenshot("join-in-call.png"),
            Step::evaluate(CALL_STATE),
            Step::click("#call-mic"),
            Step::click("#call-cam"),
            Step::evaluate(CALL_STATE),
            Step::click("#call-mic"),
            Step::evaluate(CALL_STATE),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/CALL1"), opts).await;
    report.assert_clean();
    assert_same_origin_only(&report, &base);
    let [joined, muted, unmuted] = &report.evaluated[..] else { panic!("{report:#?}") };
    assert_eq!(joined["view"], "call");
    assert_eq!(joined["connects"][0]["name"], "esc-test-room");
    assert_eq!(joined["connects"][0]["tracks"], serde_json::json!(["audio", "video"]), "preview tracks are published");
    assert_eq!(joined["remoteVideos"], 1);
    assert_eq!(joined["selfVideos"], 1);
    assert_eq!(joined["mic"], "Mute");
    assert_eq!(muted["mic"], "Unmute");
    assert_eq!(muted["cam"], "Start video");
    let events: Vec<&str> = muted["events"].as_array().unwrap().iter().filter_map(|e| e.as_str()).collect();
    assert!(events.contains(&"local:audio:disable") && events.contains(&"local:video:disable"), "{events:?}");
    assert_eq!(unmuted["mic"], "Mute");
    assert!(unmuted["events"].as_array().unwrap().iter().any(|e| e == "local:audio:enable"));
}

#[tokio::test]
async fn leaving_rejoining_and_the_agent_ending_the_call() {
    let base = serve_with_fake_sdk().await;
    let opts = InspectOptions {
        name: Some("join-leave".into()),
        steps: vec![
            Step::click("#join-button"),
            Step::wait_for_selector("#remote video"),
            Step::evaluate("window.__fakeTwilio.agentLeaves()"),
            Step::wait_for_text("Your agent has left the call."),
            Step::click("#leave-button"),
            Step::wait_for_text("You left the call"),
            Step::evaluate(CALL_STATE),
            Step::click("#rejoin-button"),
            Step::wait_for_selector("#remote video"),
            Step::evaluate(CALL_STATE),
            Step::evaluate("window.__fakeTwilio.endRoom()"),
            Step::wait_for_text("This call has ended"),
            Step::evaluate(CALL_STATE),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/CALL2"), opts).await;
    report.assert_clean();
    let values: Vec<&serde_json::Value> = report.evaluated.iter().filter(|v| v.is_object()).collect();
    let [left, rejoined, ended] = &values[..] else { panic!("{report:#?}") };
    assert_eq!(left["view"], "left");
    assert_eq!(left["focused"], "left-title", "focus moves to the new heading");
    assert_eq!(rejoined["view"], "call");
    assert_eq!(rejoined["connects"].as_array().unwrap().len(), 2);
    assert_eq!(ended["view"], "ended");
}

#[tokio::test]
async fn the_page_works_from_the_keyboard() {
    let base = serve().await;
    let focused = "document.activeElement && document.activeElement.id";
    let opts = InspectOptions {
        name: Some("join-keyboard".into()),
        steps: vec![
            // The preview controls are enabled once the (fake) devices are up;
            // on a busy machine that takes a moment after load.
            Step::wait_for_selector("#lobby-cam:not([disabled])"),
            Step::press("Tab"),
            Step::evaluate(focused),
            Step::press("Tab"),
            Step::evaluate(focused),
            Step::press("Tab"),
            Step::evaluate(focused),
            Step::press("Enter"),
            Step::wait_for_text("Too many attempts"),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/READY4"), opts).await;
    assert!(report.page_errors.is_empty(), "{report:#?}");
    let order: Vec<&str> = report.evaluated.iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(order, ["lobby-mic", "lobby-cam", "join-button"], "tab order: preview controls, then Join");
    assert!(report.error_text.as_deref().unwrap_or_default().contains("Too many attempts"));
}

#[tokio::test]
async fn a_rate_limited_visitor_gets_a_neutral_page() {
    let base = serve().await;
    let report = inspect(&format!("{base}/limited"), shot("join-page-rate-limited")).await;
    report.assert_clean();
    assert_eq!(report.status, Some(429));
    assert!(!report.join_button.present);
    assert!(report.main_text.as_deref().unwrap_or_default().contains("Please try again in 30 s."));
    assert_same_origin_only(&report, &base);
}

// ---- accessibility, focus and phones -------------------------------------

/// The id (or tag) of the focused element.
const FOCUSED: &str = "document.activeElement && (document.activeElement.id || document.activeElement.tagName)";

/// The visible buttons of the view on screen, with their boxes.
const CONTROLS: &str = "(() => { const view = document.querySelector('main > section:not([hidden])'); \
    const boxes = [...view.querySelectorAll('button')] \
      .filter((b) => !b.closest('[hidden]') && b.getClientRects().length > 0) \
      .map((b) => { const r = b.getBoundingClientRect(); return { id: b.id, left: r.left, top: r.top, right: r.right, bottom: r.bottom }; }); \
    return { view: view.id, width: window.innerWidth, height: window.innerHeight, \
      scrollWidth: document.documentElement.scrollWidth, boxes }; })()";

/// Every control of `controls` (a [`CONTROLS`] result) is on screen, and no
/// two overlap.
#[track_caller]
fn assert_controls_fit(controls: &serde_json::Value, what: &str) {
    let num = |v: &serde_json::Value| v.as_f64().unwrap_or_else(|| panic!("{what}: not a number in {controls}"));
    let (width, height) = (num(&controls["width"]), num(&controls["height"]));
    assert!(num(&controls["scrollWidth"]) <= width, "{what}: the page scrolls sideways: {controls}");
    let boxes = controls["boxes"].as_array().unwrap_or_else(|| panic!("{what}: {controls}"));
    assert!(!boxes.is_empty(), "{what}: no controls: {controls}");
    let edges = |b: &serde_json::Value| (num(&b["left"]), num(&b["top"]), num(&b["right"]), num(&b["bottom"]));
    for b in boxes {
        let (l, t, r, bottom) = edges(b);
        assert!(
            l >= 0.0 && t >= 0.0 && r <= width && bottom <= height,
            "{what}: {} is off-screen: {controls}",
            b["id"]
        );
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let (al, at, ar, ab) = edges(a);
            let (bl, bt, br, bb) = edges(b);
            let overlap = al < br - 0.5 && bl < ar - 0.5 && at < bb - 0.5 && bt < ab - 0.5;
            assert!(!overlap, "{what}: {} and {} overlap: {controls}", a["id"], b["id"]);
        }
    }
}

#[track_caller]
fn assert_no_axe_violations(report: &PageReport, states: &[&str]) {
    for state in states {
        assert!(report.axe.contains_key(*state), "axe-core did not check {state}: {report:#?}");
    }
    assert!(report.axe_violations.is_empty(), "WCAG 2.1 AA violations: {:#?}", report.axe_violations);
}

#[tokio::test]
async fn the_lobby_and_its_errors_have_no_accessibility_violations() {
    let base = serve().await;
    let opts = InspectOptions {
        name: Some("join-axe-lobby".into()),
        steps: vec![
            Step::wait_for_selector("#lobby-cam:not([disabled])"),
            Step::axe("lobby"),
            Step::click("#join-button"),
            Step::wait_for_text("Too many attempts"),
            Step::axe("error"),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/READY5"), opts).await;
    assert!(report.page_errors.is_empty(), "{report:#?}");
    assert_no_axe_violations(&report, &["lobby", "error"]);

    // The views that replace the lobby when the code is dead or completed.
    for (code, text, state) in
        [("MISSING2", "This link is no longer valid", "invalid"), ("GONE2", "This call has ended", "ended")]
    {
        let opts = InspectOptions {
            steps: vec![Step::click("#join-button"), Step::wait_for_text(text), Step::axe(state)],
            ..Default::default()
        };
        let report = inspect(&format!("{base}/join/{code}"), opts).await;
        assert!(report.page_errors.is_empty(), "{report:#?}");
        assert_no_axe_violations(&report, &[state]);
    }
}

#[tokio::test]
async fn the_call_view_has_no_accessibility_violations() {
    let base = serve_with_fake_sdk().await;
    let opts = InspectOptions {
        name: Some("join-axe-call".into()),
        cameras: Some(2),
        steps: vec![
            Step::click("#join-button"),
            Step::wait_for_selector("#remote video"),
            Step::wait_ms(300),
            Step::axe("in-call"),
            Step::evaluate("window.__fakeTwilio.room.emit('reconnecting')"),
            Step::wait_for_selector("#reconnecting"),
            Step::axe("reconnecting"),
            Step::evaluate("window.__fakeTwilio.agentLeaves()"),
            Step::wait_for_text("Your agent has left the call."),
            Step::axe("agent-left"),
            Step::click("#leave-button"),
            Step::wait_for_text("You left the call"),
            Step::axe("left"),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/CALL4"), opts).await;
    report.assert_clean();
    assert_no_axe_violations(&report, &["in-call", "reconnecting", "agent-left", "left"]);
}

/// Focus never stays on a disabled button or falls to `<body>`: it moves
/// to what says what happened.
#[tokio::test]
async fn focus_follows_each_change_of_state() {
    let base = serve_with_fake_sdk().await;
    // An error answer: focus on the message.
    let opts = InspectOptions {
        steps: vec![
            Step::wait_for_selector("#lobby-cam:not([disabled])"),
            Step::click("#join-button"),
            Step::wait_for_text("Too many attempts"),
            Step::evaluate(FOCUSED),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/READY6"), opts).await;
    assert_eq!(report.evaluated, [serde_json::json!("error")], "{report:#?}");

    // A dead code: focus on the heading of the view that replaced the lobby.
    let opts = InspectOptions {
        steps: vec![
            Step::click("#join-button"),
            Step::wait_for_text("This link is no longer valid"),
            Step::evaluate(FOCUSED),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/MISSING3"), opts).await;
    assert_eq!(report.evaluated, [serde_json::json!("invalid-title")], "{report:#?}");

    // Joined: focus on the call's heading; the video regions are labelled groups.
    let regions = "(() => { const a = (id, n) => document.getElementById(id).getAttribute(n); \
        return { remote: [a('remote', 'role'), a('remote', 'aria-label')], self: [a('self', 'role'), a('self', 'aria-label')], \
        labelledby: a('call', 'aria-labelledby'), heading: document.getElementById('call-title').tagName }; })()";
    let opts = InspectOptions {
        steps: vec![
            Step::click("#join-button"),
            Step::wait_for_selector("#remote video"),
            Step::evaluate(FOCUSED),
            Step::evaluate(regions),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/CALL5"), opts).await;
    report.assert_clean();
    let [focused, regions] = &report.evaluated[..] else { panic!("{report:#?}") };
    assert_eq!(focused.as_str(), Some("call-title"), "{report:#?}");
    assert_eq!(regions["heading"], "H1");
    assert_eq!(regions["labelledby"], "call-title");
    for region in ["remote", "self"] {
        assert_eq!(regions[region][0], "group", "{regions}");
        assert!(regions[region][1].as_str().is_some_and(|l| !l.is_empty()), "{regions}");
    }
}

const CAMERAS: &str = "({ preview: document.getElementById('preview-video').srcObject.getVideoTracks().map((t) => t.label), \
    self: [...document.querySelectorAll('#self video')].map((v) => v.srcObject.getVideoTracks()[0].label), \
    live: document.getElementById('preview-video').srcObject.getVideoTracks().every((t) => t.readyState === 'live'), \
    shown: [...document.querySelectorAll('button[data-role=switch]')].filter((b) => !b.closest('[hidden]')).map((b) => b.id) })";

#[tokio::test]
async fn a_phone_switches_between_its_front_and_back_camera() {
    let base = serve_with_fake_sdk().await;
    let opts = InspectOptions {
        viewport: Some(Viewport { width: 390, height: 844 }),
        cameras: Some(2),
        name: Some("join-switch-camera".into()),
        steps: vec![
            Step::wait_for_selector("#lobby-switch"),
            Step::evaluate(CAMERAS),
            Step::click("#lobby-switch"),
            Step::wait_for_selector("#lobby-switch:not([disabled])"),
            Step::evaluate(CAMERAS),
            Step::click("#join-button"),
            Step::wait_for_selector("#remote video"),
            Step::click("#call-switch"),
            Step::wait_for_selector("#call-switch:not([disabled])"),
            Step::wait_ms(300),
            Step::evaluate(CAMERAS),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/CALL6"), opts).await;
    report.assert_clean();
    let [first, switched, in_call] = &report.evaluated[..] else { panic!("{report:#?}") };
    assert_eq!(first["shown"], serde_json::json!(["lobby-switch"]), "{first}");
    assert_ne!(first["preview"], switched["preview"], "the preview shows the other camera: {first} {switched}");
    assert_eq!(switched["live"], true);
    assert_eq!(in_call["shown"], serde_json::json!(["call-switch"]), "{in_call}");
    assert_eq!(in_call["preview"], first["preview"], "back to the first camera: {in_call}");
    assert_eq!(in_call["self"], first["preview"], "the self view follows: {in_call}");
    assert_eq!(in_call["live"], true);

    // One camera: nothing to switch to.
    let opts = InspectOptions {
        steps: vec![Step::wait_for_selector("#lobby-cam:not([disabled])"), Step::evaluate(CAMERAS)],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/READY7"), opts).await;
    assert_eq!(report.evaluated[0]["shown"], serde_json::json!([]), "{report:#?}");
}

#[tokio::test]
async fn the_call_says_reconnecting_for_as_long_as_it_reconnects() {
    let base = serve_with_fake_sdk().await;
    let state = "(() => { const r = document.getElementById('reconnecting'); \
        return { shown: !r.hidden && r.getClientRects().length > 0, text: r.innerText.trim(), call: document.body.dataset.call }; })()";
    let opts = InspectOptions {
        viewport: Some(Viewport { width: 390, height: 844 }),
        name: Some("join-reconnecting".into()),
        steps: vec![
            Step::click("#join-button"),
            Step::wait_for_selector("#remote video"),
            Step::evaluate(state),
            Step::evaluate("window.__fakeTwilio.room.emit('reconnecting')"),
            Step::wait_for_selector("#reconnecting"),
            Step::screenshot("join-reconnecting-phone.png"),
            Step::evaluate(state),
            Step::evaluate("window.__fakeTwilio.room.emit('reconnected')"),
            Step::evaluate(state),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/CALL7"), opts).await;
    report.assert_clean();
    let values: Vec<&serde_json::Value> = report.evaluated.iter().filter(|v| v.is_object()).collect();
    let [before, during, after] = &values[..] else { panic!("{report:#?}") };
    assert_eq!(before["shown"], false, "{before}");
    assert_eq!(during["shown"], true, "{during}");
    assert_eq!(during["call"], "reconnecting");
    assert!(during["text"].as_str().unwrap_or_default().contains("Reconnecting"), "{during}");
    assert_eq!(after["shown"], false, "{after}");
    assert_eq!(after["call"], "connected");
}

/// Screenshots for a reviewer (tests/artifacts/join-{lobby,in-call}-{desktop,phone}.png),
/// and every control on screen, none overlapping, in both sizes.
#[tokio::test]
async fn every_control_is_on_screen_on_a_desktop_and_a_phone() {
    let base = serve_with_fake_sdk().await;
    for (label, viewport) in
        [("desktop", Viewport { width: 1280, height: 800 }), ("phone", Viewport { width: 390, height: 844 })]
    {
        let opts = InspectOptions {
            viewport: Some(viewport),
            cameras: Some(2),
            name: Some(format!("join-{label}")),
            steps: vec![
                Step::wait_for_selector("#lobby-switch"),
                Step::screenshot(&format!("join-lobby-{label}.png")),
                Step::evaluate(CONTROLS),
                Step::click("#join-button"),
                Step::wait_for_selector("#remote video"),
                Step::wait_ms(300),
                Step::screenshot(&format!("join-in-call-{label}.png")),
                Step::evaluate(CONTROLS),
                Step::axe(&format!("in-call-{label}")),
            ],
            ..Default::default()
        };
        let report = inspect(&format!("{base}/join/CALL8{label}"), opts).await;
        report.assert_clean();
        let [lobby, call] = &report.evaluated[..] else { panic!("{report:#?}") };
        assert_eq!(lobby["view"], "lobby", "{lobby}");
        assert_controls_fit(lobby, &format!("lobby, {label}"));
        assert_eq!(call["view"], "call", "{call}");
        // Chromium offers screen capture at both sizes (a real phone does not: the button hides there).
        assert_eq!(call["boxes"].as_array().map(Vec::len), Some(5), "mute, camera, switch, share, leave: {call}");
        assert_controls_fit(call, &format!("call, {label}"));
    }
}

#[tokio::test]
async fn a_long_brand_name_wraps_and_keeps_its_full_name() {
    let base = serve().await;
    let probe = "(() => { const n = document.querySelector('.brand__name'); const m = document.querySelector('.brand__mark'); \
        const r = n.getBoundingClientRect(); \
        return { title: n.title, right: r.right, width: window.innerWidth, lines: Math.round(r.height / parseFloat(getComputedStyle(n).lineHeight)), \
        mark: m.getBoundingClientRect().width, scrollWidth: document.documentElement.scrollWidth }; })()";
    let opts = InspectOptions {
        viewport: Some(Viewport { width: 390, height: 844 }),
        steps: vec![Step::evaluate(probe), Step::screenshot("join-long-name-phone.png")],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/LONG1"), opts).await;
    report.assert_clean();
    let v = &report.evaluated[0];
    assert_eq!(v["title"], LONG_NAME, "the full name is available: {v}");
    assert!(v["right"].as_f64().unwrap() <= v["width"].as_f64().unwrap(), "{v}");
    assert!(v["lines"].as_f64().unwrap() <= 2.0, "at most two lines: {v}");
    assert_eq!(v["mark"], 36.0, "the initials keep their size: {v}");
    assert!(v["scrollWidth"].as_f64().unwrap() <= 390.0, "{v}");
}

// ---- against the real service ------------------------------------------

mod real_service {
    use escalate_e2e::browser::{InspectOptions, inspect};
    use escalate_e2e::{conversation_sid, spawn_app, task_sid};
    use serde_json::{Value, json};

    /// An escalation made by an agent's Flex token; the customer opens its
    /// link in headless Chromium, sees the brand, clicks Join: the page gets a
    /// real token from the real endpoint (offline, Twilio itself is not reachable).
    #[tokio::test]
    async fn the_customer_opens_a_real_link_and_joins() {
        let app = spawn_app().await;
        let r = app.ready_contact_center("Acme").await;
        let resp = r
            .tenant
            .admin
            .patch(
                &format!("/v1/contact-centers/{}", r.cc),
                json!({ "branding": { "display_name": "Acme Care", "primary_colour": "#c2185b", "button_text": "Start video with Acme" } }),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let flex = app.flex_token(&r.account, "alex");
        let e: Value = app
            .escalate(
                &r.cc,
                &flex,
                Some("k"),
                json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }),
            )
            .await
            .json()
            .await
            .unwrap();
        let url = e["join_url"].as_str().unwrap();

        let report =
            inspect(url, InspectOptions { screenshot: Some("real-join-ready.png".into()), ..Default::default() }).await;
        report.assert_clean();
        assert_eq!(report.status, Some(200));
        assert!(report.join_button.present && report.join_button.visible);
        assert_eq!(report.join_button.text.as_deref(), Some("Start video with Acme"));
        assert_eq!(report.join_button.background_hex.as_deref(), Some("#c2185b"));
        assert!(report.title.as_deref().unwrap_or_default().contains("Acme Care"), "{:?}", report.title);

        // Clicking Join trades the code for a token at our API, then tries Twilio.
        let clicked = inspect(
            url,
            InspectOptions {
                click: Some("#join-button".into()),
                wait_for_text: Some("could not reach the video call".into()),
                timeout_ms: Some(40_000),
                ..Default::default()
            },
        )
        .await;
        assert!(
            clicked.requests.iter().any(|r| r.starts_with("POST ") && r.contains("/token")),
            "{:?}",
            clicked.requests
        );
        assert!(clicked.page_errors.is_empty(), "{clicked:#?}");
        assert!(clicked.third_party_requests.is_empty(), "{:?}", clicked.third_party_requests);

        // Once the agent ends the call, the same link says so.
        let id = e["id"].as_str().unwrap();
        app.http.post(app.url(&format!("/v1/escalations/{id}/complete"))).bearer_auth(&flex).send().await.unwrap();
        let ended = inspect(url, InspectOptions::default()).await;
        assert_eq!(ended.status, Some(410));
        assert!(!ended.join_button.visible);
    }

    #[tokio::test]
    async fn unknown_and_expired_real_links_are_identical() {
        let app = spawn_app().await;
        let r = app.ready_contact_center("Acme").await;
        let flex = app.flex_token(&r.account, "alex");
        let e: Value = app
            .escalate(
                &r.cc,
                &flex,
                Some("k"),
                json!({ "task_sid": task_sid(), "conversation_sid": conversation_sid() }),
            )
            .await
            .json()
            .await
            .unwrap();
        let code = e["code"].as_str().unwrap();
        let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
        use sea_orm::ConnectionTrait;
        db.execute_unprepared(&format!("UPDATE escalations SET expires_at = created_at WHERE code = '{code}'"))
            .await
            .unwrap();
        let fetch = |path: String| {
            let app = &app;
            async move {
                let resp = app.http.get(app.url(&path)).send().await.unwrap();
                let status = resp.status();
                let mut headers: Vec<(String, String)> = resp
                    .headers()
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "date" | "x-request-id"))
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
                    .collect();
                headers.sort();
                (status, headers, resp.text().await.unwrap())
            }
        };
        let expired = fetch(format!("/join/{code}")).await;
        let unknown = fetch("/join/0000000000000".into()).await;
        assert_eq!(expired.0, 404);
        assert_eq!(expired, unknown);
        let report = inspect(&app.url("/join/0000000000000"), InspectOptions::default()).await;
        assert!(!report.join_button.visible);
    }
}

/// The browser's screen picker cannot be driven headless: the page gets a
/// canvas stream instead, as `getDisplayMedia` would give it.
const STUB_SCREEN_PICKER: &str = "(() => { window.__pickerCalls = 0; \
    navigator.mediaDevices.getDisplayMedia = () => { window.__pickerCalls += 1; \
      const c = document.createElement('canvas'); c.width = 320; c.height = 180; \
      c.getContext('2d').fillRect(0, 0, 320, 180); \
      window.__screen = c.captureStream(5).getVideoTracks()[0]; \
      return Promise.resolve(new MediaStream([window.__screen])); }; return true; })()";

const SHARE_STATE: &str = "({ events: window.__fakeTwilio.events, \
    sharing: document.getElementById('call-share').dataset.sharing, \
    label: [...document.querySelectorAll('#call-share .round__label')].filter(l => !l.hidden).map(l => l.textContent).join(''), \
    status: document.getElementById('call-status').textContent, \
    screenLive: !!window.__screen && window.__screen.readyState === 'live' })";

#[tokio::test]
async fn the_customer_shares_their_screen_and_stops_from_the_page_or_the_browser() {
    let base = serve_with_fake_sdk().await;
    let opts = InspectOptions {
        name: Some("join-share".into()),
        steps: vec![
            Step::evaluate(STUB_SCREEN_PICKER),
            Step::click("#join-button"),
            Step::wait_for_selector("#remote video"),
            Step::wait_for_selector("#call-share"),
            Step::click("#call-share"),
            Step::wait_for_selector("#call-share[data-sharing=true]"),
            Step::evaluate(SHARE_STATE),
            Step::axe("sharing"),
            Step::click("#call-share"),
            Step::wait_for_selector("#call-share[data-sharing=false]"),
            Step::evaluate(SHARE_STATE),
            // Started again, then ended with the browser's own "Stop sharing".
            Step::click("#call-share"),
            Step::wait_for_selector("#call-share[data-sharing=true]"),
            Step::evaluate("window.__screen.stop(); window.__screen.dispatchEvent(new Event('ended')); true"),
            Step::wait_for_selector("#call-share[data-sharing=false]"),
            Step::evaluate(SHARE_STATE),
        ],
        ..Default::default()
    };
    let report = inspect(&format!("{base}/join/CALL3"), opts).await;
    assert!(report.page_errors.is_empty(), "{report:#?}");
    assert!(report.axe_violations.is_empty(), "{:#?}", report.axe_violations);
    let values: Vec<&serde_json::Value> = report.evaluated.iter().filter(|v| v.is_object()).collect();
    let [sharing, stopped, ended_by_browser] = &values[..] else { panic!("{report:#?}") };
    let events = |v: &serde_json::Value| -> Vec<String> {
        v["events"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()).collect()
    };
    assert!(events(sharing).contains(&"local:publish:screen".to_owned()), "published as `screen`: {sharing}");
    assert_eq!(sharing["label"], "Stop sharing");
    assert_eq!(sharing["status"], "You are sharing your screen.");
    assert!(events(stopped).contains(&"local:unpublish:screen".to_owned()), "{stopped}");
    assert_eq!((stopped["label"].as_str(), stopped["screenLive"].as_bool()), (Some("Share screen"), Some(false)));
    let unpublished = events(ended_by_browser).iter().filter(|e| *e == "local:unpublish:screen").count();
    assert_eq!(unpublished, 2, "the browser's Stop sharing unpublishes too");
    assert_eq!(ended_by_browser["sharing"], "false");
}
