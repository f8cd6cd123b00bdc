//! Headless Chromium for page tests: [`inspect`] runs
//! `node tests/browser/inspect.mjs <url> <options>` (playwright-core driving
//! Debian's `/usr/bin/chromium`) and returns what the page did. Prepare a
//! machine with `scripts/browser.sh`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What to do on the page after it loads.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectOptions {
    /// CSS selector to click.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub click: Option<String>,
    /// A key to press before the click (e.g. `Tab`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub press: Option<String>,
    /// Wait until the page's visible text contains this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_for_text: Option<String>,
    /// Wait until this selector is visible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_for_selector: Option<String>,
    /// Settle time after load, in ms (default 500).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<u64>,
    /// Per-step timeout in ms (default 15000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewport: Option<Viewport>,
    /// Save a screenshot under this file name into `tests/artifacts/` (one
    /// is always saved, with a generated name, when something went wrong).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<String>,
    /// Prefix of automatic screenshot names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Origins (`https://cdn.example`) not to count as third-party, such as
    /// the tenant's logo host; the page's own and `*.twilio.com` never are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow_origins: Vec<String>,
    /// More steps after the ones above, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// How many fake cameras Chromium offers (a phone's front and back: 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cameras: Option<u32>,
    /// Run axe-core once more after every step (its findings are labelled `final`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub axe: bool,
}

/// One thing to do on the page; build with the constructors.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub click: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub press: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_for_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_for_selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<u64>,
    /// A JS expression evaluated in the page by the harness (not subject to
    /// the page's CSP); its JSON value is appended to `PageReport::evaluated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluate: Option<String>,
    /// A screenshot file name in `tests/artifacts/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<String>,
    /// Check the page as it is now with axe-core (WCAG 2.0/2.1 A and AA),
    /// recording what it finds under this label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub axe: Option<String>,
}

impl Step {
    pub fn click(selector: &str) -> Self {
        Self { click: Some(selector.into()), ..Self::default() }
    }
    pub fn press(key: &str) -> Self {
        Self { press: Some(key.into()), ..Self::default() }
    }
    pub fn wait_for_text(text: &str) -> Self {
        Self { wait_for_text: Some(text.into()), ..Self::default() }
    }
    pub fn wait_for_selector(selector: &str) -> Self {
        Self { wait_for_selector: Some(selector.into()), ..Self::default() }
    }
    pub fn wait_ms(ms: u64) -> Self {
        Self { wait_ms: Some(ms), ..Self::default() }
    }
    pub fn evaluate(expression: &str) -> Self {
        Self { evaluate: Some(expression.into()), ..Self::default() }
    }
    pub fn screenshot(file: &str) -> Self {
        Self { screenshot: Some(file.into()), ..Self::default() }
    }
    pub fn axe(label: &str) -> Self {
        Self { axe: Some(label.into()), ..Self::default() }
    }
}

/// One axe-core rule a page state breaks.
#[derive(Debug, Clone, Deserialize)]
pub struct AxeViolation {
    /// The label of the step (or `final`) that found it.
    #[serde(default)]
    pub state: Option<String>,
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    /// Selectors of the offending elements.
    pub nodes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct JoinButton {
    pub present: bool,
    pub visible: bool,
    pub text: Option<String>,
    /// Computed `background-color`, e.g. `rgb(11, 95, 255)`.
    pub background: Option<String>,
    /// The same as `#rrggbb`.
    pub background_hex: Option<String>,
    pub color: Option<String>,
    #[serde(default)]
    pub focused: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FailedRequest {
    pub url: String,
    pub failure: Option<String>,
}

/// What `inspect.mjs` saw.
#[derive(Debug, Clone, Deserialize)]
pub struct PageReport {
    pub url: String,
    pub status: Option<u16>,
    pub title: Option<String>,
    pub html_lang: Option<String>,
    pub console_errors: Vec<String>,
    pub page_errors: Vec<String>,
    pub csp_violations: Vec<String>,
    /// Network-level failures (no HTTP answer).
    pub failed_requests: Vec<FailedRequest>,
    /// Answers with status >= 400, as `STATUS METHOD url` (Chrome's own
    /// "Failed to load resource" console lines for them are not in
    /// `console_errors`).
    pub error_responses: Vec<String>,
    /// Requests to origins other than the page's own and `*.twilio.com`.
    pub third_party_requests: Vec<String>,
    /// Every request as `METHOD url`.
    pub requests: Vec<String>,
    pub websockets: Vec<String>,
    pub join_button: JoinButton,
    /// The top bar's brand border colour (computed).
    pub brand_colour: Option<String>,
    pub brand_colour_hex: Option<String>,
    /// Visible text of `<main>`.
    pub main_text: Option<String>,
    /// Visible text of `#error` / `#status`, when shown.
    pub error_text: Option<String>,
    pub status_text: Option<String>,
    /// `data-view` of `<body>` set by join.js (lobby, call, left, invalid, ended).
    pub view: Option<String>,
    /// Absolute path of the screenshot taken, if any.
    pub screenshot: Option<String>,
    /// Screenshots taken by steps.
    pub step_screenshots: Vec<String>,
    /// Results of `Step::evaluate`, in order.
    pub evaluated: Vec<serde_json::Value>,
    /// axe-core's findings by label (one entry per checked state, empty when clean).
    #[serde(default)]
    pub axe: std::collections::BTreeMap<String, Vec<AxeViolation>>,
    /// Every finding of every checked state (each also counts in `problems`).
    #[serde(default)]
    pub axe_violations: Vec<AxeViolation>,
    /// Navigation or step failures, and summaries of the lists above.
    pub problems: Vec<String>,
}

impl PageReport {
    /// Panics with the whole report unless the page loaded cleanly: no
    /// console or page errors, no CSP violations, no third-party requests,
    /// no failed step.
    #[track_caller]
    pub fn assert_clean(&self) {
        assert!(self.problems.is_empty(), "page {} had problems {:?}; report: {self:#?}", self.url, self.problems);
    }
}

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Why the browser tests cannot run here, if they cannot.
pub fn missing_prerequisites() -> Option<String> {
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let modules = tests_dir().join("browser/node_modules/playwright-core");
    let axe = tests_dir().join("browser/node_modules/axe-core");
    let vendor = tests_dir().join("../dashboard/assets/vendor/twilio-video.min.js");
    let mut missing = Vec::new();
    if !Path::new(&chromium).exists() {
        missing.push(format!("{chromium} (Debian's chromium)"));
    }
    if !modules.exists() || !axe.exists() {
        missing.push("tests/browser/node_modules (npm ci)".into());
    }
    if !vendor.exists() {
        missing.push("dashboard/assets/vendor/twilio-video.min.js (npm ci + vendor copy)".into());
    }
    if std::process::Command::new("node").arg("--version").output().is_err() {
        missing.push("node (Node.js)".into());
    }
    (!missing.is_empty()).then(|| format!("browser tests need {}: run scripts/browser.sh", missing.join(", ")))
}

/// Opens `url` in headless Chromium, does what `opts` says, and reports.
/// Panics with a pointer to `scripts/browser.sh` if Chromium, Node or the
/// node modules are missing, and with the script's output if it breaks.
/// Two cores are common on CI: more than two Chromium pages at once only
/// makes every one of them slow enough to time out.
static BROWSERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// A two-page call (`tests/browser/call.mjs`): its JSON report.
pub async fn call(opts: serde_json::Value) -> serde_json::Value {
    two_page_script("call.mjs", opts).await
}

/// The Flex plugin's own call code (its browser bundle) as the agent, the
/// join page as the customer (`tests/browser/plugin-call.mjs`): its JSON report.
pub async fn plugin_call(opts: serde_json::Value) -> serde_json::Value {
    two_page_script("plugin-call.mjs", opts).await
}

/// Runs a script of `tests/browser` that drives two pages with media, and
/// reads the one JSON report it prints last.
async fn two_page_script(name: &str, mut opts: serde_json::Value) -> serde_json::Value {
    if let Some(why) = missing_prerequisites() {
        panic!("{why}");
    }
    // Both pages of the call, and their media, at once.
    let _permits = BROWSERS.acquire_many(2).await.expect("semaphore open");
    let script = tests_dir().join("browser").join(name);
    opts["artifacts"] = serde_json::Value::String(tests_dir().join("artifacts").display().to_string());
    let _ = std::fs::create_dir_all(tests_dir().join("artifacts"));
    let run = tokio::process::Command::new("node")
        .arg(&script)
        .arg(opts.to_string())
        .current_dir(tests_dir().join("browser"))
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .unwrap_or_else(|_| panic!("{name} did not finish within 240 s"))
        .unwrap_or_else(|e| panic!("cannot run node {}: {e} (run scripts/browser.sh)", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("{name} printed no report\nstdout: {stdout}\nstderr: {stderr}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{name} report is not JSON ({e}): {line}\nstderr: {stderr}"))
}

pub async fn inspect(url: &str, opts: InspectOptions) -> PageReport {
    if let Some(why) = missing_prerequisites() {
        panic!("{why}");
    }
    let _permit = BROWSERS.acquire().await.expect("semaphore open");
    let script = tests_dir().join("browser/inspect.mjs");
    let opts_json = serde_json::to_string(&opts).expect("options serialise");
    let run = tokio::process::Command::new("node")
        .arg(&script)
        .arg(url)
        .arg(&opts_json)
        .current_dir(tests_dir().join("browser"))
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .unwrap_or_else(|_| panic!("inspect.mjs did not finish within 120 s for {url}"))
        .unwrap_or_else(|e| panic!("cannot run node {}: {e} (run scripts/browser.sh)", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_else(|| {
        panic!(
            "inspect.mjs printed no report for {url} (exit {:?})\nstdout: {stdout}\nstderr: {stderr}",
            out.status.code()
        )
    });
    let value: serde_json::Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("inspect.mjs report is not JSON ({e}): {line}\nstderr: {stderr}"));
    if let Some(fatal) = value.get("fatal").and_then(|f| f.as_str()) {
        panic!("browser test cannot run: {fatal}");
    }
    serde_json::from_value(value).unwrap_or_else(|e| panic!("unexpected inspect.mjs report ({e}): {line}"))
}
