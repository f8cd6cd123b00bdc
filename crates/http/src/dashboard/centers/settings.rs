//! A contact center's settings form (branding, message, codes, rooms)
//! with a live preview of its join page.

use std::collections::BTreeMap;

use escalate_app::records::ContactCenterRecord;
use escalate_app::services::contact_centers;
use escalate_app::{AppError, ErrorCode};
use escalate_domain::contact_center::{
    ContactCenterSettings, RoomType, SUPPORTED_LOCALES, SettingsPatch, VideoProvider, default_wording,
};
use minijinja::{Value, context};
use poem::http::{HeaderValue, StatusCode};
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::dashboard::figures::{self};
use crate::dashboard::web::{self, Admin, AdminForm, Ctx, Page};
use crate::error::ApiError;
use crate::pages::{JoinBrand, JoinPageView, JoinState};

use super::lookup::{cc_value, center};

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
        ("snapshots_enabled", s.snapshots.enabled.to_string()),
        ("snapshot_retention_days", s.snapshots.retention_days.to_string()),
        ("flex_insights_enabled", s.flex_insights.enabled.to_string()),
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
    /// A checkbox, with `snapshots_form` beside it as for recording.
    snapshots_enabled: Option<String>,
    snapshots_form: Option<String>,
    snapshot_retention_days: Option<String>,
    /// A checkbox, with `flex_insights_form` beside it.
    flex_insights_enabled: Option<String>,
    flex_insights_form: Option<String>,
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
        let snapshots_retention_days =
            number("snapshot_retention_days", self.snapshot_retention_days).map(|n| i32::try_from(n).unwrap_or(0));
        let snapshots_enabled =
            self.snapshots_form.is_some().then(|| self.snapshots_enabled.as_deref() == Some("true"));
        let flex_insights_enabled =
            self.flex_insights_form.is_some().then(|| self.flex_insights_enabled.as_deref() == Some("true"));
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
            snapshots_enabled,
            snapshots_retention_days,
            flex_insights_enabled,
            flex_insights_workspace_sid: None,
            flex_insights_mapping: None,
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
