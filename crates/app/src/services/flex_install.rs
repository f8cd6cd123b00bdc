//! "Install in Flex": registers the bundle this service hosts with a
//! contact center's Flex instance and points the plugin at the contact
//! center, with the contact center's stored Twilio credentials, through
//! Twilio's Flex Plugins API (plugin, version, configuration, release) and
//! Flex Configuration API (`ui_attributes.videoEscalation`). No Node, no
//! Plugins CLI, no build: configuration is read by the plugin at run time.
//!
//! Two rules of those APIs shape this code. A release replaces the whole set
//! of plugins Flex loads, so the new configuration is the active one's
//! plugins with ours added (or swapped for the new version, or taken out).
//! An update of the Flex configuration replaces `ui_attributes` whole, so
//! ours is merged into what was read and every other key is sent back as
//! it was, and so are settings inside `videoEscalation` we do not own
//! (`endVideoOnTaskEnd`, `whenTaskHidden`).

use escalate_store::TenantScope;
use escalate_twilio::{AccountClient, ConfiguredPlugin, FlexPluginVersion, TwilioError};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::contact_centers;
use crate::App;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::flex_plugin::FlexPluginBundle;
use crate::principal::Principal;
use crate::services::audit;
use crate::video::twilio::failure;
use escalate_domain::audit::AuditAction;

/// The key of the plugin's settings in Flex's `ui_attributes`.
pub const UI_ATTRIBUTES_KEY: &str = "videoEscalation";

/// What the tenant's Flex holds of the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlexInstallation {
    /// Our plugin is in the active release.
    pub installed: bool,
    /// The version of ours that release loads, and from where.
    pub version: Option<String>,
    pub plugin_url: Option<String>,
    /// That URL is the bundle this service hosts now (not an older build).
    pub current: bool,
    pub release_sid: Option<String>,
    /// The other plugins the release loads (unique names), kept as they were.
    pub other_plugins: Vec<String>,
    /// `ui_attributes.videoEscalation` points at this contact center and service, enabled.
    pub configured: bool,
}

/// The install's target: the bundle, and the settings to write.
struct Target<'a> {
    bundle: &'a FlexPluginBundle,
    plugin_url: String,
    service_base_url: String,
    contact_center_id: Uuid,
    /// The plugin's language: the contact center's (`en` or `es`).
    language: String,
}

fn bundle(app: &App) -> AppResult<&FlexPluginBundle> {
    app.config.flex_plugin.as_deref().ok_or_else(|| {
        AppError::conflict(
            ErrorCode::FlexPluginNotBuilt,
            "this service has no Flex plugin bundle to install: build it (npm run build in sdk-flex-plugin) \
             and set FLEX_PLUGIN_DIR to its build folder",
        )
    })
}

/// Registers the hosted bundle with the contact center's Flex, releases it
/// beside the plugins already there, and sets its settings. Running it again
/// changes nothing that is already so (a new build is a new version).
pub async fn install(app: &App, by: &Principal, contact_center_id: Uuid) -> AppResult<FlexInstallation> {
    let scope = by.scope;
    let bundle = bundle(app)?;
    let client = contact_centers::twilio_client(app, scope, contact_center_id).await?;
    let base = app.config.public_base_url.clone();
    let language = contact_centers::resolve(app, scope, contact_center_id).await?.record.locale.clone();
    let target = Target {
        bundle,
        plugin_url: format!("{base}{}", bundle.path()),
        service_base_url: base,
        contact_center_id,
        language,
    };

    let version = registered_version(&client, &target).await.map_err(|e| failure(e, "registering the plugin"))?;
    let active = active_plugins(&client).await.map_err(|e| failure(e, "reading Flex's active plugins"))?;
    let mut versions: Vec<String> =
        active.iter().filter(|p| p.unique_name != bundle.name).map(|p| p.plugin_version_sid.clone()).collect();
    let already = active.iter().any(|p| p.plugin_version_sid == version.sid);
    if !already {
        versions.push(version.sid.clone());
        release(&client, &format!("{} {}", bundle.name, version.version), &versions)
            .await
            .map_err(|e| failure(e, "releasing the plugin"))?;
    }
    set_settings(&client, |section| {
        section.insert("enabled".into(), json!(true));
        section.insert("serviceBaseUrl".into(), json!(target.service_base_url));
        section.insert("contactCenterId".into(), json!(target.contact_center_id.to_string()));
        section.insert("language".into(), json!(target.language));
    })
    .await
    .map_err(|e| failure(e, "setting the plugin's Flex settings"))?;
    tracing::info!(%contact_center_id, version = %version.version, released = !already, "Flex plugin installed");
    let changes = json!({ "version": version.version, "plugin_version_sid": version.sid, "released": !already });
    audit::record(
        app,
        by,
        AuditAction::FlexInstalled,
        Some(audit::Target::new("contact_center", contact_center_id)),
        changes,
    )
    .await;
    status(app, scope, contact_center_id).await
}

/// Takes the plugin out of the active release (the others stay) and removes
/// its settings. Nothing to do is not an error.
pub async fn uninstall(app: &App, by: &Principal, contact_center_id: Uuid) -> AppResult<FlexInstallation> {
    let scope = by.scope;
    let name = app.config.flex_plugin.as_deref().map_or(DEFAULT_NAME, |b| b.name.as_str());
    let client = contact_centers::twilio_client(app, scope, contact_center_id).await?;
    let active = active_plugins(&client).await.map_err(|e| failure(e, "reading Flex's active plugins"))?;
    if active.iter().any(|p| p.unique_name == name) {
        let rest: Vec<String> =
            active.iter().filter(|p| p.unique_name != name).map(|p| p.plugin_version_sid.clone()).collect();
        release(&client, &format!("without {name}"), &rest)
            .await
            .map_err(|e| failure(e, "releasing without the plugin"))?;
    }
    remove_settings(&client).await.map_err(|e| failure(e, "removing the plugin's Flex settings"))?;
    tracing::info!(%contact_center_id, "Flex plugin uninstalled");
    let target = Some(audit::Target::new("contact_center", contact_center_id));
    audit::record(app, by, AuditAction::FlexUninstalled, target, json!({ "plugin": name })).await;
    status(app, scope, contact_center_id).await
}

/// The unique name the plugin has when this service hosts no bundle (uninstall still works).
const DEFAULT_NAME: &str = "plugin-video-escalation";

/// What the contact center's Flex holds of the plugin now.
pub async fn status(app: &App, scope: TenantScope, contact_center_id: Uuid) -> AppResult<FlexInstallation> {
    let hosted = app.config.flex_plugin.as_deref();
    let name = hosted.map_or(DEFAULT_NAME, |b| b.name.as_str());
    let ours_url = hosted.map(|b| format!("{}{}", app.config.public_base_url, b.path()));
    let client = contact_centers::twilio_client(app, scope, contact_center_id).await?;
    let read = async {
        let release = client.active_flex_release().await?;
        let plugins = match &release {
            Some(r) => client.list_configured_plugins(&r.configuration_sid).await?,
            None => Vec::new(),
        };
        let ui = client.fetch_flex_configuration().await?.ui_attributes;
        Ok::<_, TwilioError>((release, plugins, ui))
    };
    let (release, plugins, ui) = read.await.map_err(|e| failure(e, "reading the Flex instance"))?;
    let ours = plugins.iter().find(|p| p.unique_name == name);
    let section = ui.as_ref().and_then(|u| u.get(UI_ATTRIBUTES_KEY));
    let configured = section.is_some_and(|s| {
        s.get("enabled") != Some(&json!(false))
            && s.get("contactCenterId") == Some(&json!(contact_center_id.to_string()))
            && s.get("serviceBaseUrl") == Some(&json!(app.config.public_base_url))
    });
    Ok(FlexInstallation {
        installed: ours.is_some(),
        version: ours.map(|p| p.version.clone()),
        plugin_url: ours.map(|p| p.plugin_url.clone()),
        current: ours.is_some_and(|p| Some(&p.plugin_url) == ours_url.as_ref()),
        release_sid: release.map(|r| r.sid),
        other_plugins: plugins.iter().filter(|p| p.unique_name != name).map(|p| p.unique_name.clone()).collect(),
        configured,
    })
}

/// The plugin version for the hosted bundle: found by its URL, else made,
/// under the package version or, when a different build already took that,
/// under the build's own version.
async fn registered_version(client: &AccountClient, t: &Target<'_>) -> Result<FlexPluginVersion, TwilioError> {
    let plugin = match client.fetch_flex_plugin(&t.bundle.name).await? {
        Some(p) => p,
        None => {
            let made = client
                .create_flex_plugin(
                    &t.bundle.name,
                    "Video escalation",
                    "Turns a chat into a video call (hosted by the Escalate service)",
                )
                .await;
            match made {
                Ok(p) => p,
                // Made by an install running at the same moment (or an earlier attempt).
                Err(refused @ TwilioError::Api { status: 400 | 409, .. }) => {
                    match client.fetch_flex_plugin(&t.bundle.name).await? {
                        Some(p) => p,
                        None => return Err(refused),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    };
    let versions = client.list_flex_plugin_versions(&plugin.sid).await?;
    if let Some(v) = versions.iter().find(|v| v.plugin_url == t.plugin_url && !v.archived) {
        return Ok(v.clone());
    }
    let name = if versions.iter().any(|v| v.version == t.bundle.version) {
        t.bundle.build_version()
    } else {
        t.bundle.version.clone()
    };
    let changelog = format!("Hosted by the Escalate service (build {})", t.bundle.digest);
    client.create_flex_plugin_version(&plugin.sid, &name, &t.plugin_url, &changelog).await
}

async fn active_plugins(client: &AccountClient) -> Result<Vec<ConfiguredPlugin>, TwilioError> {
    match client.active_flex_release().await? {
        Some(release) => client.list_configured_plugins(&release.configuration_sid).await,
        None => Ok(Vec::new()),
    }
}

async fn release(client: &AccountClient, name: &str, versions: &[String]) -> Result<(), TwilioError> {
    let configuration = client
        .create_plugin_configuration(name, "Released by the Escalate service (Install in Flex)", versions)
        .await?;
    client.create_flex_release(&configuration.sid).await.map(|_| ())
}

/// Changes `ui_attributes.videoEscalation` with `edit`, keeping every other
/// key; writes only if something changed.
async fn set_settings(client: &AccountClient, edit: impl FnOnce(&mut Map<String, Value>)) -> Result<(), TwilioError> {
    let current = client.fetch_flex_configuration().await?.ui_attributes;
    let mut ui = object(current.clone());
    let mut section = object(ui.get(UI_ATTRIBUTES_KEY).cloned());
    edit(&mut section);
    ui.insert(UI_ATTRIBUTES_KEY.into(), Value::Object(section));
    let next = Value::Object(ui);
    if current.as_ref() != Some(&next) {
        client.update_flex_ui_attributes(&next).await?;
    }
    Ok(())
}

async fn remove_settings(client: &AccountClient) -> Result<(), TwilioError> {
    let current = client.fetch_flex_configuration().await?.ui_attributes;
    let mut ui = object(current);
    if ui.remove(UI_ATTRIBUTES_KEY).is_some() {
        client.update_flex_ui_attributes(&Value::Object(ui)).await?;
    }
    Ok(())
}

fn object(value: Option<Value>) -> Map<String, Value> {
    match value {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}
