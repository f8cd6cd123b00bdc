//! Contact center pages: metrics with a date range, settings (branding,
//! message, codes, rooms) with a live join-page preview, Twilio credentials.

use escalate_app::call_quality;
use escalate_app::services::reads;
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use escalate_app::records::ContactCenterRecord;
use escalate_app::records::{EscalationFilter, Grouping};
use escalate_app::services::contact_centers;
use escalate_app::services::credentials::{self, CredentialsInput};
use escalate_app::services::flex_install;
use escalate_app::{AppError, ErrorCode};
use escalate_domain::Secret;
use escalate_domain::contact_center::{
    ContactCenterSettings, RoomType, SUPPORTED_LOCALES, SettingsPatch, VideoProvider, default_wording,
};
use escalate_domain::metrics::{self, Bucket};
use minijinja::{Value, context};
use poem::http::{HeaderValue, StatusCode};
use poem::web::Path;
use poem::{Request, Response, handler};
use uuid::Uuid;

use super::figures::{self, Range};
use super::overview::plugin_config;
use super::web::{self, Admin, AdminForm, Ctx, Page, PageError};
use crate::error::ApiError;
use crate::pages::{JoinBrand, JoinPageView, JoinState};

/// One of the tenant's contact centers, by the id in the path; another
/// tenant's or a malformed id is the same 404 page.
pub(super) async fn center(ctx: &Ctx, id: &str) -> Result<ContactCenterRecord, PageError> {
    let id = Uuid::parse_str(id).map_err(|_| ctx.error_page(ApiError::not_found()))?;
    reads::contact_center(&ctx.state, ctx.scope(), id).await.map_err(|e| ctx.error_page(e))
}

pub(super) fn cc_value(cc: &ContactCenterRecord) -> Value {
    context! { id => cc.id.to_string(), name => cc.name.clone(), slug => cc.slug.clone() }
}

// ---- create ----------------------------------------------------------------

#[handler]
pub async fn create(AdminForm { ctx, form }: AdminForm) -> Page {
    let name = form.get("name").trim().to_owned();
    let message = match contact_centers::create(&ctx.state, &ctx.principal(), &name, None, SettingsPatch::default())
        .await
    {
        Ok(cc) => {
            return Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=cc_created", cc.id)));
        }
        Err(e) if e.code() == ErrorCode::SlugTaken => {
            "A contact center with this name already exists. Choose another name.".to_owned()
        }
        Err(e @ AppError::Invalid(_)) => {
            format!("Name {}", e.fields().first().map(|f| f.message.clone()).unwrap_or_default())
        }
        Err(e) => return Err(ctx.error_page(e)),
    };
    Ok(ctx.render(
        StatusCode::UNPROCESSABLE_ENTITY,
        "new_center.html",
        "new",
        "New contact center",
        context! { name => name, error => message },
    ))
}

#[handler]
pub async fn new_form(Admin(ctx): Admin) -> Page {
    Ok(ctx.render(StatusCode::OK, "new_center.html", "new", "New contact center", context! { name => "" }))
}

// ---- detail (metrics) --------------------------------------------------------

/// Recent escalations shown per page.
const RECENT_PAGE: u64 = 20;

#[handler]
pub async fn detail(ctx: Ctx, req: &Request, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    let state = &ctx.state;
    let scope = ctx.scope();
    let mut range_error = None;
    // The contact center's own zone unless the picker chose another.
    let mut zone_name = web::query_param(req, "tz").filter(|v| !v.is_empty()).unwrap_or_else(|| cc.time_zone.clone());
    let zone = match metrics::parse_zone(&zone_name) {
        Ok(z) => z,
        Err(e) => {
            range_error = Some(capitalise(&e.to_string()));
            zone_name = cc.time_zone.clone();
            metrics::parse_zone(&zone_name).unwrap_or(Tz::UTC)
        }
    };
    let today = Utc::now().with_timezone(&zone).date_naive();
    let parse_date = |name: &str, default: NaiveDate, err: &mut Option<String>| match web::query_param(req, name)
        .filter(|v| !v.is_empty())
    {
        None => default,
        Some(v) => NaiveDate::parse_from_str(&v, "%Y-%m-%d").unwrap_or_else(|_| {
            *err = Some(format!("“{v}” is not a date (YYYY-MM-DD)."));
            default
        }),
    };
    let mut from_date = parse_date("from", today - Duration::days(13), &mut range_error);
    let mut to_date = parse_date("to", today, &mut range_error);
    let bucket = match web::query_param(req, "bucket").as_deref() {
        Some("hour") => Bucket::Hour,
        _ => Bucket::Day,
    };
    let start = |d: NaiveDate| metrics::local_midnight(d, zone);
    if to_date < from_date && range_error.is_none() {
        // In the form's own words: its fields are "From" and "To (inclusive)".
        range_error = Some(format!(
            "“From” ({}) is after “To” ({}): pick a From date on or before the To date.",
            from_date.format("%-d %b %Y"),
            to_date.format("%-d %b %Y")
        ));
    }
    let range = match Range::new(start(from_date), start(to_date + Duration::days(1)), bucket, zone) {
        Ok(r) => r,
        Err(e) => {
            range_error.get_or_insert_with(|| e.fields().first().map(|f| capitalise(&f.message)).unwrap_or(e.detail()));
            from_date = today - Duration::days(13);
            to_date = today;
            Range::new(start(from_date), start(today + Duration::days(1)), bucket, zone)
                .map_err(|e| ctx.error_page(e))?
        }
    };
    let computed =
        figures::compute(state, scope, Some(cc.id), &range, Grouping::Agent).await.map_err(|e| ctx.error_page(e))?;
    // Recent escalations, newest first, a page at a time: `before` is the
    // last id of the previous page (ids are time-ordered).
    let before = web::query_param(req, "before").and_then(|v| Uuid::parse_str(&v).ok());
    let mut recent = reads::escalations(
        state,
        scope,
        cc.id,
        &EscalationFilter {
            from: Some(range.from),
            to: Some(range.to),
            before,
            limit: RECENT_PAGE + 1,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ctx.error_page(e))?;
    let has_older = recent.len() as u64 > RECENT_PAGE;
    recent.truncate(RECENT_PAGE as usize);
    let ids: Vec<Uuid> = recent.iter().map(|e| e.id).collect();
    let events = reads::events_of(state, scope, &ids).await.map_err(|e| ctx.error_page(e))?;
    let mut quality = call_quality::of_many(state, scope, &ids).await.map_err(|e| ctx.error_page(e))?;
    let local = |t: chrono::DateTime<Utc>, fmt: &str| t.with_timezone(&zone).format(fmt).to_string();
    let now = Utc::now();
    let escalations: Vec<Value> = recent
        .iter()
        .map(|e| {
            let time_to_join = e.customer_joined_at.map(|t| (t - e.created_at).num_milliseconds() as f64 / 1000.0);
            context! {
                id => e.id.to_string(),
                created_at => local(e.created_at, "%Y-%m-%d %H:%M:%S %Z"),
                agent => e.agent_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| agent_label(&e.agent_identity)),
                status => shown_status(e, now),
                joined => e.customer_joined_at.is_some(),
                time_to_join => figures::duration(time_to_join),
                outcome => outcome(e, now, &figures::duration(time_to_join)),
                duration => figures::duration(e.duration_seconds.map(|d| d as f64)),
                failure => e.failure_reason.clone(),
                rating => e.rating,
                rating_comment => e.rating_comment.clone(),
                quality => quality_value(quality.remove(&e.id).unwrap_or_default()),
                events => events.iter().filter(|ev| ev.escalation_id == Some(e.id)).map(|ev| context! {
                    at => local(ev.occurred_at, "%H:%M:%S"),
                    offset => format_offset((ev.occurred_at - e.created_at).num_seconds()),
                    event => ev.event.clone(),
                    who => ev.participant_identity.clone(),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let page_query = |before: Option<Uuid>| {
        let mut q = format!(
            "from={from_date}&to={to_date}&bucket={}&tz={}",
            if bucket == Bucket::Hour { "hour" } else { "day" },
            web::urlencode(&zone_name)
        );
        if let Some(b) = before {
            q.push_str(&format!("&before={b}"));
        }
        format!("/dashboard/contact-centers/{}?{q}#recent-title", cc.id)
    };
    let pages = context! {
        older => if has_older { ids.last().map(|last| page_query(Some(*last))) } else { None },
        newest => before.map(|_| page_query(None)),
    };
    // By-agent rows read as the recent list does: the agent's name where the
    // plugin sent one, the identity (without its `agent:` prefix) otherwise.
    let identities: Vec<String> = computed.grouped.iter().map(|(agent, _)| agent.clone()).collect();
    let names = reads::agent_names(state, scope, cc.id, (range.from, range.to), &identities)
        .await
        .map_err(|e| ctx.error_page(e))?;
    let agents: Vec<Value> = computed
        .grouped
        .iter()
        .map(|(agent, f)| {
            let shown = names.get(agent).cloned().unwrap_or_else(|| agent_label(agent));
            context! { agent => shown, identity => agent.clone(), f => figures::value(f) }
        })
        .collect();
    let api_query = format!(
        "from={}&to={}&bucket={}&tz={}",
        web::urlencode(&range.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        web::urlencode(&range.to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        if bucket == Bucket::Hour { "hour" } else { "day" },
        web::urlencode(&zone_name)
    );
    let title = format!("{}: escalations per {}", cc.name, if bucket == Bucket::Hour { "hour" } else { "day" });
    Ok(ctx.render(
        StatusCode::OK,
        "center.html",
        "center",
        &cc.name,
        context! {
            cc => cc_value(&cc),
            tab => "metrics",
            from => from_date.to_string(),
            to => to_date.to_string(),
            bucket => if bucket == Bucket::Hour { "hour" } else { "day" },
            range_from => range.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            range_to => range.to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            range_error => range_error,
            totals => figures::value(&computed.totals),
            agents => agents,
            chart => figures::chart(&computed.series, bucket, zone, &title, false),
            rows => figures::series_rows(&computed.series, bucket, zone),
            escalations => escalations,
            pages => pages,
            tz => zone_name,
            zones => figures::zone_names(),
            csv_url => format!("/v1/contact-centers/{}/escalations.csv?{}", cc.id, api_query.split("&bucket").next().unwrap_or("")),
            api_url => format!("/v1/contact-centers/{}/metrics?{}", cc.id, api_query),
            plugin_config => plugin_config(state, cc.id),
            flash => web::flash_value(req),
        },
    ))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

/// An agent as a person reads it: `alice@acme`, not `agent:alice@acme`.
fn agent_label(identity: &str) -> String {
    identity.strip_prefix(escalate_domain::escalation::AGENT_PREFIX).unwrap_or(identity).to_owned()
}

/// The status badge: an open escalation whose customer link has run out,
/// with no call going on, is shown as expired (the link no longer works).
/// A call's quality as the page shows it: per side, its medians in words.
fn quality_value(q: escalate_domain::quality::CallQuality) -> Value {
    let side = |s: Option<escalate_domain::quality::Summary>| {
        s.map(|s| {
            let video = match (s.width, s.height) {
                (Some(w), Some(h)) => format!(" · video {w}×{h}"),
                _ => String::new(),
            };
            let kbps = s.bitrate_kbps.map(|b| format!(" · {b:.0} kbit/s")).unwrap_or_default();
            context! {
                poor => s.poor,
                text => format!(
                    "round trip {:.0} ms · loss {:.1} %{kbps}{video}{}{} · {} samples",
                    s.round_trip_ms,
                    s.packet_loss_percent,
                    if s.relayed { " · relayed" } else { "" },
                    if s.freezes > 0 { format!(" · {} freezes", s.freezes) } else { String::new() },
                    s.samples,
                ),
            }
        })
    };
    let poor = q.poor();
    context! { measured => poor.is_some(), poor => poor.unwrap_or(false), agent => side(q.agent), customer => side(q.customer) }
}

fn shown_status(e: &escalate_app::records::EscalationRecord, now: chrono::DateTime<Utc>) -> &'static str {
    let in_call = e.customer_joined_at.is_some() || e.agent_joined_at.is_some();
    if e.status == escalate_domain::escalation::Status::Open && e.expires_at <= now && !in_call {
        "expired"
    } else {
        e.status.as_str()
    }
}

/// What became of the customer, in one phrase for the recent list.
fn outcome(e: &escalate_app::records::EscalationRecord, now: chrono::DateTime<Utc>, time_to_join: &str) -> String {
    use escalate_domain::escalation::Status;
    match (e.status, e.customer_joined_at) {
        (Status::Failed, _) => match e.failure_reason.as_deref() {
            Some(reason) if !reason.is_empty() => format!("failed: {reason}"),
            _ => "failed".into(),
        },
        (_, Some(_)) => format!("joined after {time_to_join}"),
        (Status::Open | Status::Creating, None) if e.expires_at > now => "waiting for the customer".into(),
        _ => "customer did not join".into(),
    }
}

fn format_offset(secs: i64) -> String {
    if secs < 0 {
        format!("-{}", figures::duration(Some((-secs) as f64)))
    } else {
        format!("+{}", figures::duration(Some(secs as f64)))
    }
}

// ---- settings ------------------------------------------------------------------

fn settings_values(name: &str, s: &ContactCenterSettings) -> BTreeMap<&'static str, String> {
    let b = &s.branding;
    BTreeMap::from([
        ("name", name.to_owned()),
        ("display_name", b.display_name.clone()),
        ("logo_url", b.logo_url.clone().unwrap_or_default()),
        ("primary_colour", b.primary_colour.clone()),
        ("accent_colour", b.accent_colour.clone()),
        ("headline", b.headline.clone()),
        ("button_text", b.button_text.clone()),
        ("locale", b.locale.clone()),
        ("message_template", s.message_template.clone()),
        ("code_ttl_seconds", s.code_ttl_seconds.to_string()),
        ("token_ttl_seconds", s.token_ttl_seconds.to_string()),
        ("video_provider", s.video_provider.as_str().to_owned()),
        ("room_type", s.room.room_type.as_str().to_owned()),
        ("empty_room_timeout_minutes", s.room.empty_room_timeout_minutes.to_string()),
        ("unused_room_timeout_minutes", s.room.unused_room_timeout_minutes.to_string()),
        ("max_participants", s.room.max_participants.map(|n| n.to_string()).unwrap_or_default()),
        ("time_zone", s.time_zone.clone()),
        ("conversations_service_sid", s.conversations_service_sid.clone().unwrap_or_default()),
        ("record_calls", s.recording.enabled.to_string()),
        ("recording_retention_days", s.recording.retention_days.to_string()),
    ])
}

/// `#rgb` → `#rrggbb`, for `<input type="color">`.
fn full_hex(c: &str) -> String {
    match c.strip_prefix('#') {
        Some(h) if h.len() == 3 => {
            format!("#{}", h.chars().flat_map(|ch| [ch, ch]).collect::<String>()).to_ascii_lowercase()
        }
        _ => c.to_ascii_lowercase(),
    }
}

fn settings_page(
    ctx: &Ctx,
    status: StatusCode,
    cc: &ContactCenterRecord,
    values: BTreeMap<&'static str, String>,
    errors: BTreeMap<String, String>,
    flash: Value,
) -> Response {
    let preview_query = preview_query(&values);
    let colour_inputs = context! {
        primary_colour => full_hex(values.get("primary_colour").map(String::as_str).unwrap_or("")),
        accent_colour => full_hex(values.get("accent_colour").map(String::as_str).unwrap_or("")),
    };
    let error_count = errors.len();
    let builtin = values.get("video_provider").map(String::as_str) == Some("builtin");
    ctx.render(
        status,
        "settings.html",
        "center",
        &format!("{} · Settings", cc.name),
        context! {
            cc => cc_value(cc),
            tab => "settings",
            v => values,
            colours => colour_inputs,
            errors => errors,
            error_count => error_count,
            preview_url => format!("/dashboard/contact-centers/{}/preview?{}", cc.id, preview_query),
            status_callback_url => ctx.state.urls().room_callback(cc.id),
            room_types => RoomType::OFFERED.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            zones => figures::zone_names(),
            // Each language's default wording: switching the language moves
            // fields still at a default to the new one before saving.
            wording => SUPPORTED_LOCALES.iter().map(|l| {
                let w = default_wording(l);
                (*l, context! { headline => w.headline, button_text => w.button_text, message_template => w.message_template })
            }).collect::<BTreeMap<_, _>>(),
            builtin => builtin,
            flash => flash,
        },
    )
}

fn preview_query(values: &BTreeMap<&'static str, String>) -> String {
    ["display_name", "logo_url", "primary_colour", "accent_colour", "headline", "button_text", "locale"]
        .iter()
        .map(|k| format!("{k}={}", web::urlencode(values.get(k).map(String::as_str).unwrap_or(""))))
        .collect::<Vec<_>>()
        .join("&")
}

#[handler]
pub async fn settings_form(Admin(ctx): Admin, req: &Request, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    let values = settings_values(&cc.name, &cc.settings());
    Ok(settings_page(&ctx, StatusCode::OK, &cc, values, BTreeMap::new(), web::flash_value(req)))
}

#[handler]
pub async fn save_settings(AdminForm { ctx, form }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    // What the page shows again if something is wrong: the stored values
    // with the submitted ones over them.
    let mut values = settings_values(&cc.name, &cc.settings());
    for (key, value) in values.iter_mut() {
        if let Some(v) = form.opt(key) {
            *value = v;
        }
    }
    let submitted: SettingsForm =
        form.to().map_err(|e| ctx.error_page(ApiError::bad_request(ErrorCode::InvalidBody, e)))?;
    let (patch, mut errors) = submitted.patch();
    let name = values["name"].trim().to_owned();
    // Every rule the values break, beside the fields that did not even parse.
    let mut settings = cc.settings();
    patch.clone().apply(&mut settings);
    if let Err(e) = contact_centers::validate(&name, &cc.slug, &settings).await {
        for (field, message) in web::field_errors(&e) {
            errors.entry(field).or_insert(message);
        }
    }
    if errors.is_empty() {
        match contact_centers::update(&ctx.state, &ctx.principal(), cc.id, Some(&name), None, patch).await {
            Ok(_) => {
                return Ok(web::redirect(&format!(
                    "/dashboard/contact-centers/{}/settings?flash=settings_saved",
                    cc.id
                )));
            }
            Err(e @ AppError::Invalid(_)) => errors = web::field_errors(&e),
            Err(e) => return Err(ctx.error_page(e)),
        }
    }
    Ok(settings_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, &cc, values, errors, Value::from(())))
}

/// The settings form as posted: every field as text, named as the page names them.
#[derive(Debug, Default, serde::Deserialize)]
struct SettingsForm {
    display_name: Option<String>,
    logo_url: Option<String>,
    primary_colour: Option<String>,
    accent_colour: Option<String>,
    headline: Option<String>,
    button_text: Option<String>,
    locale: Option<String>,
    message_template: Option<String>,
    code_ttl_seconds: Option<String>,
    token_ttl_seconds: Option<String>,
    video_provider: Option<String>,
    room_type: Option<String>,
    empty_room_timeout_minutes: Option<String>,
    unused_room_timeout_minutes: Option<String>,
    max_participants: Option<String>,
    time_zone: Option<String>,
    conversations_service_sid: Option<String>,
    /// A checkbox: absent when unchecked, so the form also sends `recording_form`.
    record_calls: Option<String>,
    recording_form: Option<String>,
    recording_retention_days: Option<String>,
}

impl SettingsForm {
    /// The application's settings patch, and the fields that are not even
    /// of the right kind (the patch's own rules are checked when it is applied).
    fn patch(self) -> (SettingsPatch, BTreeMap<String, String>) {
        let mut errors = BTreeMap::new();
        let mut number = |field: &str, value: Option<String>| -> Option<i64> {
            let v = value?;
            v.trim().parse().map_err(|_| errors.insert(field.to_owned(), "Must be a whole number".to_owned())).ok()
        };
        let code_ttl_seconds = number("code_ttl_seconds", self.code_ttl_seconds);
        let token_ttl_seconds = number("token_ttl_seconds", self.token_ttl_seconds);
        let recording_retention_days =
            number("recording_retention_days", self.recording_retention_days).map(|n| i32::try_from(n).unwrap_or(0));
        let recording_enabled = self.recording_form.is_some().then(|| self.record_calls.as_deref() == Some("true"));
        let minutes = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        let empty_room_timeout_minutes =
            number("empty_room_timeout_minutes", self.empty_room_timeout_minutes).map(minutes);
        let unused_room_timeout_minutes =
            number("unused_room_timeout_minutes", self.unused_room_timeout_minutes).map(minutes);
        let max_participants = match self.max_participants.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(v) => match v.parse() {
                Ok(n) => Some(Some(n)),
                Err(_) => {
                    errors.insert(
                        "max_participants".into(),
                        "Must be a whole number, or empty for Twilio's default".into(),
                    );
                    None
                }
            },
        };
        let room_type = match self.room_type.as_deref().map(str::trim) {
            None => None,
            Some(v) => match v.parse::<RoomType>() {
                Ok(t) => Some(t),
                Err(_) => {
                    let names: Vec<&str> = RoomType::ALL.iter().map(|t| t.as_str()).collect();
                    errors.insert("room_type".into(), format!("Must be one of {}", names.join(", ")));
                    None
                }
            },
        };
        let video_provider = match self.video_provider.as_deref().map(str::trim) {
            None => None,
            Some(v) => match v.parse::<VideoProvider>() {
                Ok(p) => Some(p),
                Err(_) => {
                    errors.insert("video_provider".into(), "Must be builtin or twilio".into());
                    None
                }
            },
        };
        let patch = SettingsPatch {
            display_name: self.display_name,
            logo_url: self.logo_url.map(Some),
            primary_colour: self.primary_colour,
            accent_colour: self.accent_colour,
            headline: self.headline,
            button_text: self.button_text,
            locale: self.locale,
            message_template: self.message_template,
            code_ttl_seconds,
            token_ttl_seconds,
            video_provider,
            room_type,
            empty_room_timeout_minutes,
            unused_room_timeout_minutes,
            max_participants,
            time_zone: self.time_zone,
            conversations_service_sid: self.conversations_service_sid.map(Some),
            recording_enabled,
            recording_retention_days,
        };
        (patch, errors)
    }
}

/// The real join page, rendered with the brand from the query (the form's
/// current values), framed by the settings page.
#[handler]
pub async fn preview(Admin(ctx): Admin, req: &Request, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    let stored = cc.settings().branding;
    let q = |k: &str| web::query_param(req, k);
    let text = |k: &str, fallback: &str, max: usize| {
        q(k).map(|v| v.trim().chars().take(max).collect::<String>())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| fallback.to_owned())
    };
    let brand = JoinBrand {
        display_name: text("display_name", &stored.display_name, 100),
        logo_url: match q("logo_url") {
            Some(v) if v.trim().is_empty() => None,
            Some(v) => Some(v.trim().to_owned()),
            None => stored.logo_url.clone(),
        },
        primary_colour: text("primary_colour", &stored.primary_colour, 7),
        accent_colour: text("accent_colour", &stored.accent_colour, 7),
        headline: text("headline", &stored.headline, 200),
        button_text: text("button_text", &stored.button_text, 40),
        locale: text("locale", &stored.locale, 5),
    }
    .localised();
    let mut resp = ctx.state.pages().join_page(&JoinPageView::new("PREVIEW", JoinState::Ready, Some(brand)));
    // A still picture: without its scripts the page asks for no camera and calls no token endpoint.
    let html = resp.take_body().into_string().await.unwrap_or_default();
    resp.set_body(strip_scripts(&html));
    // The join page refuses to be framed; its preview may be framed by our own pages.
    let headers = resp.headers_mut();
    headers.remove(poem::http::header::CONTENT_LENGTH);
    if let Some(csp) = headers.get("Content-Security-Policy").and_then(|v| v.to_str().ok()) {
        let csp = csp.replace("frame-ancestors 'none'", "frame-ancestors 'self'");
        if let Ok(v) = HeaderValue::from_str(&csp) {
            headers.insert("Content-Security-Policy", v);
        }
    }
    headers.insert("X-Frame-Options", HeaderValue::from_static("SAMEORIGIN"));
    headers.insert(
        "Permissions-Policy",
        HeaderValue::from_static("camera=(), microphone=(), display-capture=(), geolocation=()"),
    );
    Ok(resp)
}

/// `html` without its `<script …></script>` elements.
fn strip_scripts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</script>") {
            Some(end) => rest = &rest[start + end + "</script>".len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

// ---- credentials -----------------------------------------------------------------

async fn credentials_page(
    ctx: &Ctx,
    status: StatusCode,
    cc: &ContactCenterRecord,
    form: Value,
    errors: BTreeMap<String, String>,
    banner: Option<String>,
    flash: Value,
) -> Page {
    let current = match credentials::get(&ctx.state, ctx.scope(), cc.id).await {
        Ok(m) => context! {
            account_sid => m.account_sid,
            api_key_sid => m.api_key_sid,
            api_key_secret => m.api_key_secret,
            auth_token => m.auth_token,
            verified_at => m.verified_at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            updated_at => m.updated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            region => m.region.unwrap_or_else(|| "us1".into()),
            edge => m.edge,
        },
        Err(AppError::NotFound { .. }) => Value::from(()),
        Err(e) => return Err(ctx.error_page(e)),
    };
    Ok(ctx.render(
        status,
        "credentials.html",
        "center",
        &format!("{} · Twilio credentials", cc.name),
        context! {
            cc => cc_value(cc),
            tab => "credentials",
            builtin => cc.video_provider == escalate_domain::contact_center::VideoProvider::Builtin,
            current => current,
            form => form,
            errors => errors,
            banner => banner,
            status_callback_url => ctx.state.urls().room_callback(cc.id),
            plugin_config => plugin_config(&ctx.state, cc.id),
            flex_bundle => ctx.state.config.flex_plugin.as_ref().map(|b| b.version.clone()),
            flash => flash,
        },
    ))
}

#[handler]
pub async fn credentials_form(Admin(ctx): Admin, req: &Request, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    credentials_page(&ctx, StatusCode::OK, &cc, Value::from(()), BTreeMap::new(), None, web::flash_value(req)).await
}

/// Errors of a credential save or check, by field, plus a banner.
fn credential_errors(err: &AppError) -> (BTreeMap<String, String>, String) {
    let mut fields = web::field_errors(err);
    let banner = match err.code() {
        ErrorCode::TwilioCredentialsRejected => {
            let field = err.fields().first().map(|f| f.field.clone()).unwrap_or_default();
            let hint = match field.as_str() {
                "auth_token" => {
                    "Twilio rejected the Auth Token (the API key was accepted). Copy the Auth Token from the Twilio Console again."
                }
                _ => {
                    "Twilio rejected the API key: check the API Key SID and its secret (and that the key belongs to this Account SID)."
                }
            };
            if field == "api_key_secret" {
                fields.insert("api_key_sid".into(), "Check this SID together with its secret.".into());
            }
            fields.insert(field, hint.to_owned());
            format!("{} — {}", hint, err.detail())
        }
        ErrorCode::TwilioUnavailable => {
            "Twilio could not be reached to check the credentials, so nothing was changed. Try again in a moment."
                .to_owned()
        }
        ErrorCode::TwilioCredentialsMissing => {
            "This contact center has no Twilio credentials yet: store them below first.".to_owned()
        }
        ErrorCode::ValidationFailed => "Some values are not valid: see the fields below.".to_owned(),
        _ => err.detail(),
    };
    (fields, banner)
}

fn credential_status(err: &AppError) -> StatusCode {
    if matches!(err, AppError::Upstream { .. } | AppError::Internal) {
        StatusCode::BAD_GATEWAY
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

#[handler]
pub async fn save_credentials(AdminForm { ctx, form }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    let input = CredentialsInput {
        account_sid: form.get("account_sid").trim().to_owned(),
        api_key_sid: form.get("api_key_sid").trim().to_owned(),
        api_key_secret: Secret::new(form.get("api_key_secret").trim()),
        auth_token: Secret::new(form.get("auth_token").trim()),
        region: Some(form.get("region").trim().to_owned()).filter(|r| !r.is_empty()),
        edge: Some(form.get("edge").trim().to_owned()).filter(|e| !e.is_empty()),
    };
    match credentials::put(&ctx.state, &ctx.principal(), cc.id, input, true).await {
        Ok(_) => {
            Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=credentials_saved", cc.id)))
        }
        Err(err) => {
            let (fields, banner) = credential_errors(&err);
            // Only the SIDs come back into the form; secrets are never echoed.
            let values = context! {
                account_sid => form.get("account_sid"),
                api_key_sid => form.get("api_key_sid"),
                region => form.get("region"),
                edge => form.get("edge"),
            };
            credentials_page(&ctx, credential_status(&err), &cc, values, fields, Some(banner), Value::from(())).await
        }
    }
}

#[handler]
pub async fn verify_credentials(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    match credentials::verify(&ctx.state, &ctx.principal(), cc.id).await {
        Ok(_) => {
            Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=credentials_verified", cc.id)))
        }
        Err(err) => {
            let (_, banner) = credential_errors(&err);
            let status = credential_status(&err);
            credentials_page(&ctx, status, &cc, Value::from(()), BTreeMap::new(), Some(banner), Value::from(())).await
        }
    }
}

#[handler]
pub async fn delete_credentials(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    credentials::delete(&ctx.state, &ctx.principal(), cc.id).await.map_err(|e| ctx.error_page(e))?;
    Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=credentials_deleted", cc.id)))
}

// ---- delete ----------------------------------------------------------------------

/// Deletes the contact center with its escalations and credentials (the
/// API's `DELETE /v1/contact-centers/{id}`), after the page's confirmation.
#[handler]
pub async fn delete_center(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    contact_centers::delete(&ctx.state, &ctx.principal(), cc.id).await.map_err(|e| ctx.error_page(e))?;
    Ok(web::redirect("/dashboard?flash=cc_deleted"))
}

// ---- Install in Flex -------------------------------------------------------------

/// The credentials page again with why a Flex change did not happen.
async fn flex_failed(ctx: &Ctx, cc: &ContactCenterRecord, err: AppError) -> Page {
    let banner = match err.code() {
        ErrorCode::TwilioCredentialsMissing => {
            "This contact center has no Twilio credentials yet: store them below first.".to_owned()
        }
        ErrorCode::TwilioCredentialsRejected => {
            "Twilio rejected the stored credentials for the Flex APIs: check them (Verify with Twilio), or use an API key allowed to manage Flex.".to_owned()
        }
        ErrorCode::TwilioUnavailable | ErrorCode::TwilioRateLimited => format!(
            "Twilio did not answer, so Flex may be partly changed; run it again (it continues where it stopped). {}",
            err.detail()
        ),
        _ => err.detail(),
    };
    let status = credential_status(&err);
    credentials_page(ctx, status, cc, Value::from(()), BTreeMap::new(), Some(banner), Value::from(())).await
}

#[handler]
pub async fn install_in_flex(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    match flex_install::install(&ctx.state, &ctx.principal(), cc.id).await {
        Ok(_) => Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=flex_installed", cc.id))),
        Err(err) => flex_failed(&ctx, &cc, err).await,
    }
}

#[handler]
pub async fn uninstall_from_flex(AdminForm { ctx, .. }: AdminForm, Path(id): Path<String>) -> Page {
    let cc = center(&ctx, &id).await?;
    match flex_install::uninstall(&ctx.state, &ctx.principal(), cc.id).await {
        Ok(_) => Ok(web::redirect(&format!("/dashboard/contact-centers/{}/credentials?flash=flex_uninstalled", cc.id))),
        Err(err) => flex_failed(&ctx, &cc, err).await,
    }
}
