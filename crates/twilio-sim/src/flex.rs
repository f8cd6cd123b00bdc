//! The Flex Plugins API (`/v1/PluginService/…`) and the Flex Configuration
//! (`/v1/Configuration`), in the shapes of twilio-oai's `twilio_flex_v1`:
//! plugins (`FP`), their versions (`FV`), configurations of versions (`FJ`),
//! releases (`FK`; the newest one is `Active`, the set of plugins Flex
//! loads) and the instance's configuration, whose `ui_attributes` an update
//! replaces whole (as Twilio's does: a client must merge).
//!
//! What Twilio refuses, this refuses too: a second plugin with a unique name
//! (409), a version string a plugin already has (409), a configuration
//! naming a version that does not exist, a `Plugins` entry that is not a
//! JSON object with `plugin_version`, a release of an unknown configuration
//! (404), and another account's resources (404).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::api::{field, iso, parse_form};
use crate::error::{ApiError, codes};
use crate::faults::ApiOp;
use crate::{Simulator, ids};

/// The Flex resources of every account.
#[derive(Default)]
pub(crate) struct FlexState {
    plugins: Vec<Plugin>,
    versions: Vec<Version>,
    configurations: Vec<Configuration>,
    releases: Vec<Release>,
    /// `ui_attributes` per account; absent is `{}`.
    ui_attributes: std::collections::HashMap<String, Value>,
}

struct Plugin {
    sid: String,
    account_sid: String,
    unique_name: String,
    friendly_name: String,
    description: String,
    archived: bool,
    created: DateTime<Utc>,
}

struct Version {
    sid: String,
    account_sid: String,
    plugin_sid: String,
    version: String,
    plugin_url: String,
    changelog: String,
    private: bool,
    archived: bool,
    created: DateTime<Utc>,
}

struct Configuration {
    sid: String,
    account_sid: String,
    name: String,
    description: String,
    /// Plugin version SIDs, in the order given.
    versions: Vec<String>,
    created: DateTime<Utc>,
}

struct Release {
    sid: String,
    account_sid: String,
    configuration_sid: String,
    created: DateTime<Utc>,
}

pub(crate) enum Route {
    ListPlugins,
    CreatePlugin,
    FetchPlugin(String),
    ArchivePlugin(String),
    ListVersions(String),
    CreateVersion(String),
    FetchVersion(String, String),
    ListConfigurations,
    CreateConfiguration,
    FetchConfiguration(String),
    ListConfiguredPlugins(String),
    ListReleases,
    CreateRelease,
    FetchRelease(String),
    FetchConfigurationOfFlex,
    UpdateConfigurationOfFlex,
}

impl Route {
    /// The route of `segments` after `v1`, and the methods its path allows.
    pub fn parse(method: &poem::http::Method, segments: &[&str]) -> Option<(Self, &'static [&'static str])> {
        let get = method == poem::http::Method::GET;
        const GET_POST: &[&str] = &["GET", "POST"];
        const GET: &[&str] = &["GET"];
        const POST: &[&str] = &["POST"];
        Some(match segments {
            ["Configuration"] if get => (Self::FetchConfigurationOfFlex, GET_POST),
            ["Configuration"] => (Self::UpdateConfigurationOfFlex, GET_POST),
            ["PluginService", "Plugins"] if get => (Self::ListPlugins, GET_POST),
            ["PluginService", "Plugins"] => (Self::CreatePlugin, GET_POST),
            ["PluginService", "Plugins", p] => (Self::FetchPlugin((*p).into()), GET),
            ["PluginService", "Plugins", p, "Archive"] => (Self::ArchivePlugin((*p).into()), POST),
            ["PluginService", "Plugins", p, "Versions"] if get => (Self::ListVersions((*p).into()), GET_POST),
            ["PluginService", "Plugins", p, "Versions"] => (Self::CreateVersion((*p).into()), GET_POST),
            ["PluginService", "Plugins", p, "Versions", v] => (Self::FetchVersion((*p).into(), (*v).into()), GET),
            ["PluginService", "Configurations"] if get => (Self::ListConfigurations, GET_POST),
            ["PluginService", "Configurations"] => (Self::CreateConfiguration, GET_POST),
            ["PluginService", "Configurations", c] => (Self::FetchConfiguration((*c).into()), GET),
            ["PluginService", "Configurations", c, "Plugins"] => (Self::ListConfiguredPlugins((*c).into()), GET),
            ["PluginService", "Releases"] if get => (Self::ListReleases, GET_POST),
            ["PluginService", "Releases"] => (Self::CreateRelease, GET_POST),
            ["PluginService", "Releases", r] => (Self::FetchRelease((*r).into()), GET),
            _ => return None,
        })
    }

    pub fn op(&self) -> ApiOp {
        match self {
            Self::ListPlugins => ApiOp::ListFlexPlugins,
            Self::CreatePlugin => ApiOp::CreateFlexPlugin,
            Self::FetchPlugin(_) => ApiOp::FetchFlexPlugin,
            Self::ArchivePlugin(_) => ApiOp::ArchiveFlexPlugin,
            Self::ListVersions(_) => ApiOp::ListFlexPluginVersions,
            Self::CreateVersion(_) => ApiOp::CreateFlexPluginVersion,
            Self::FetchVersion(..) => ApiOp::FetchFlexPluginVersion,
            Self::ListConfigurations => ApiOp::ListFlexPluginConfigurations,
            Self::CreateConfiguration => ApiOp::CreateFlexPluginConfiguration,
            Self::FetchConfiguration(_) => ApiOp::FetchFlexPluginConfiguration,
            Self::ListConfiguredPlugins(_) => ApiOp::ListFlexConfiguredPlugins,
            Self::ListReleases => ApiOp::ListFlexReleases,
            Self::CreateRelease => ApiOp::CreateFlexRelease,
            Self::FetchRelease(_) => ApiOp::FetchFlexRelease,
            Self::FetchConfigurationOfFlex => ApiOp::FetchFlexConfiguration,
            Self::UpdateConfigurationOfFlex => ApiOp::UpdateFlexConfiguration,
        }
    }
}

type Answer = Result<(u16, Value), ApiError>;

pub(crate) fn serve(sim: &Simulator, route: Route, account: &str, body: &[u8], base: &str) -> Answer {
    let mut guard = sim.state();
    let state = &mut guard.flex;
    let now = Utc::now();
    let svc = format!("{base}/v1/PluginService");
    match route {
        Route::ListPlugins => {
            let items = state.plugins.iter().filter(|p| p.account_sid == account).rev();
            Ok((200, page(&format!("{svc}/Plugins"), "plugins", items.map(|p| plugin_json(p, &svc)).collect())))
        }
        Route::CreatePlugin => {
            let form = parse_form(body)?;
            let unique_name = required(&form, "UniqueName")?;
            if state.plugins.iter().any(|p| p.account_sid == account && p.unique_name == unique_name) {
                return Err(ApiError::new(409, codes::CONFLICT, format!("Plugin {unique_name} already exists")));
            }
            let plugin = Plugin {
                sid: ids::sid("FP"),
                account_sid: account.into(),
                friendly_name: field(&form, "FriendlyName").unwrap_or(&unique_name).into(),
                unique_name,
                description: field(&form, "Description").unwrap_or_default().into(),
                archived: false,
                created: now,
            };
            let answer = plugin_json(&plugin, &svc);
            state.plugins.push(plugin);
            Ok((201, answer))
        }
        Route::FetchPlugin(key) => Ok((200, plugin_json(state.plugin(account, &key)?, &svc))),
        Route::ArchivePlugin(key) => {
            let sid = state.plugin(account, &key)?.sid.clone();
            let plugin = state.plugins.iter_mut().find(|p| p.sid == sid).expect("found above");
            plugin.archived = true;
            Ok((200, plugin_json(plugin, &svc)))
        }
        Route::ListVersions(key) => {
            let plugin = state.plugin(account, &key)?.sid.clone();
            let items = state.versions.iter().filter(|v| v.plugin_sid == plugin).rev();
            let url = format!("{svc}/Plugins/{plugin}/Versions");
            Ok((200, page(&url, "plugin_versions", items.map(|v| version_json(v, &svc)).collect())))
        }
        Route::CreateVersion(key) => {
            let plugin = state.plugin(account, &key)?.sid.clone();
            let form = parse_form(body)?;
            let version = required(&form, "Version")?;
            let plugin_url = required(&form, "PluginUrl")?;
            if !(plugin_url.starts_with("https://") || plugin_url.starts_with("http://")) {
                return Err(ApiError::bad_request(codes::INVALID_PARAMETER, "PluginUrl must be a URL"));
            }
            if state.versions.iter().any(|v| v.plugin_sid == plugin && v.version == version) {
                return Err(ApiError::new(409, codes::CONFLICT, format!("Version {version} already exists")));
            }
            let private = match field(&form, "Private") {
                None => false,
                Some(v) => v
                    .parse::<bool>()
                    .map_err(|_| ApiError::bad_request(codes::INVALID_PARAMETER, "Private must be true or false"))?,
            };
            let v = Version {
                sid: ids::sid("FV"),
                account_sid: account.into(),
                plugin_sid: plugin,
                version,
                plugin_url,
                changelog: field(&form, "Changelog").unwrap_or_default().into(),
                private,
                archived: false,
                created: now,
            };
            let answer = version_json(&v, &svc);
            state.versions.push(v);
            Ok((201, answer))
        }
        Route::FetchVersion(key, v) => {
            let plugin = state.plugin(account, &key)?.sid.clone();
            let version = state
                .versions
                .iter()
                .find(|x| x.plugin_sid == plugin && x.sid == v)
                .ok_or_else(|| ApiError::not_found(&format!("/PluginService/Plugins/{key}/Versions/{v}")))?;
            Ok((200, version_json(version, &svc)))
        }
        Route::ListConfigurations => {
            let items = state.configurations.iter().filter(|c| c.account_sid == account).rev();
            let url = format!("{svc}/Configurations");
            Ok((200, page(&url, "configurations", items.map(|c| configuration_json(c, &svc)).collect())))
        }
        Route::CreateConfiguration => {
            let form = parse_form(body)?;
            let name = required(&form, "Name")?;
            let mut versions = Vec::new();
            for (_, entry) in form.iter().filter(|(k, _)| k == "Plugins") {
                let fv = serde_json::from_str::<Value>(entry)
                    .ok()
                    .and_then(|v| v.get("plugin_version").and_then(Value::as_str).map(str::to_owned))
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            codes::INVALID_PARAMETER,
                            "Plugins must be JSON objects with a plugin_version",
                        )
                    })?;
                if !state.versions.iter().any(|v| v.account_sid == account && v.sid == fv) {
                    return Err(ApiError::bad_request(
                        codes::INVALID_PARAMETER,
                        format!("Plugin version {fv} does not exist"),
                    ));
                }
                versions.push(fv);
            }
            let c = Configuration {
                sid: ids::sid("FJ"),
                account_sid: account.into(),
                name,
                description: field(&form, "Description").unwrap_or_default().into(),
                versions,
                created: now,
            };
            let answer = configuration_json(&c, &svc);
            state.configurations.push(c);
            Ok((201, answer))
        }
        Route::FetchConfiguration(c) => Ok((200, configuration_json(state.configuration(account, &c)?, &svc))),
        Route::ListConfiguredPlugins(c) => {
            let configuration = state.configuration(account, &c)?;
            let items: Vec<Value> = configuration
                .versions
                .iter()
                .filter_map(|fv| {
                    let v = state.versions.iter().find(|v| &v.sid == fv)?;
                    let p = state.plugins.iter().find(|p| p.sid == v.plugin_sid)?;
                    Some(configured_plugin_json(configuration, p, v, &svc))
                })
                .collect();
            Ok((200, page(&format!("{svc}/Configurations/{c}/Plugins"), "plugins", items)))
        }
        Route::ListReleases => {
            let items = state.releases.iter().filter(|r| r.account_sid == account).rev();
            Ok((200, page(&format!("{svc}/Releases"), "releases", items.map(|r| release_json(r, &svc)).collect())))
        }
        Route::CreateRelease => {
            let form = parse_form(body)?;
            let configuration = required(&form, "ConfigurationId")?;
            let configuration = state.configuration(account, &configuration)?.sid.clone();
            let r = Release {
                sid: ids::sid("FK"),
                account_sid: account.into(),
                configuration_sid: configuration,
                created: now,
            };
            let answer = release_json(&r, &svc);
            state.releases.push(r);
            Ok((201, answer))
        }
        Route::FetchRelease(key) => {
            let release = state
                .releases
                .iter()
                .rev()
                .filter(|r| r.account_sid == account)
                .find(|r| key == "Active" || r.sid == key)
                .ok_or_else(|| ApiError::not_found(&format!("/PluginService/Releases/{key}")))?;
            Ok((200, release_json(release, &svc)))
        }
        Route::FetchConfigurationOfFlex => {
            let ui = state.ui_attributes.get(account).cloned().unwrap_or_else(|| json!({}));
            Ok((200, flex_configuration_json(account, ui, base)))
        }
        Route::UpdateConfigurationOfFlex => {
            let update: Value = serde_json::from_slice(body)
                .map_err(|_| ApiError::bad_request(codes::INVALID_PARAMETER, "The body must be a JSON object"))?;
            if update.get("account_sid").and_then(Value::as_str) != Some(account) {
                return Err(ApiError::bad_request(codes::INVALID_PARAMETER, "account_sid must be the account's SID"));
            }
            if let Some(ui) = update.get("ui_attributes") {
                if !ui.is_object() {
                    return Err(ApiError::bad_request(codes::INVALID_PARAMETER, "ui_attributes must be an object"));
                }
                state.ui_attributes.insert(account.into(), ui.clone());
            }
            let ui = state.ui_attributes.get(account).cloned().unwrap_or_else(|| json!({}));
            Ok((200, flex_configuration_json(account, ui, base)))
        }
    }
}

impl FlexState {
    /// A plugin by SID or unique name.
    fn plugin(&self, account: &str, key: &str) -> Result<&Plugin, ApiError> {
        self.plugins
            .iter()
            .find(|p| p.account_sid == account && (p.sid == key || p.unique_name == key))
            .ok_or_else(|| ApiError::not_found(&format!("/PluginService/Plugins/{key}")))
    }

    fn configuration(&self, account: &str, sid: &str) -> Result<&Configuration, ApiError> {
        self.configurations
            .iter()
            .find(|c| c.account_sid == account && c.sid == sid)
            .ok_or_else(|| ApiError::not_found(&format!("/PluginService/Configurations/{sid}")))
    }

    /// The plugins the active release loads, per account: for the control API.
    pub fn active(&self, account: &str) -> Value {
        let release = self.releases.iter().rev().find(|r| r.account_sid == account);
        let plugins: Vec<Value> = release
            .and_then(|r| self.configurations.iter().find(|c| c.sid == r.configuration_sid))
            .map(|c| {
                c.versions
                    .iter()
                    .filter_map(|fv| self.versions.iter().find(|v| &v.sid == fv))
                    .filter_map(|v| {
                        let p = self.plugins.iter().find(|p| p.sid == v.plugin_sid)?;
                        Some(json!({ "unique_name": p.unique_name, "version": v.version, "plugin_url": v.plugin_url }))
                    })
                    .collect()
            })
            .unwrap_or_default();
        json!({
            "release_sid": release.map(|r| r.sid.clone()),
            "plugins": plugins,
            "ui_attributes": self.ui_attributes.get(account).cloned().unwrap_or_else(|| json!({})),
            "releases": self.releases.iter().filter(|r| r.account_sid == account).count(),
        })
    }

    /// Sets an account's `ui_attributes` (the control API: a Flex instance as an admin left it).
    pub fn set_ui_attributes(&mut self, account: &str, ui: Value) {
        self.ui_attributes.insert(account.into(), ui);
    }
}

fn required(form: &[(String, String)], name: &str) -> Result<String, ApiError> {
    field(form, name)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ApiError::bad_request(codes::INVALID_PARAMETER, format!("Missing required parameter {name}")))
}

fn page(url: &str, key: &str, items: Vec<Value>) -> Value {
    let size = 50.max(items.len());
    let mut out = Map::new();
    out.insert(key.into(), Value::Array(items));
    out.insert(
        "meta".into(),
        json!({
            "page": 0,
            "page_size": size,
            "first_page_url": format!("{url}?PageSize={size}&Page=0"),
            "previous_page_url": null,
            "url": format!("{url}?PageSize={size}&Page=0"),
            "next_page_url": null,
            "key": key,
        }),
    );
    Value::Object(out)
}

fn plugin_json(p: &Plugin, svc: &str) -> Value {
    let url = format!("{svc}/Plugins/{}", p.sid);
    json!({
        "sid": p.sid,
        "account_sid": p.account_sid,
        "unique_name": p.unique_name,
        "friendly_name": p.friendly_name,
        "description": p.description,
        "archived": p.archived,
        "date_created": iso(p.created),
        "date_updated": iso(p.created),
        "url": url,
        "links": { "plugin_versions": format!("{url}/Versions") },
    })
}

fn version_json(v: &Version, svc: &str) -> Value {
    json!({
        "sid": v.sid,
        "plugin_sid": v.plugin_sid,
        "account_sid": v.account_sid,
        "version": v.version,
        "plugin_url": v.plugin_url,
        "changelog": v.changelog,
        "private": v.private,
        "archived": v.archived,
        "validated": false,
        "date_created": iso(v.created),
        "url": format!("{svc}/Plugins/{}/Versions/{}", v.plugin_sid, v.sid),
    })
}

fn configuration_json(c: &Configuration, svc: &str) -> Value {
    let url = format!("{svc}/Configurations/{}", c.sid);
    json!({
        "sid": c.sid,
        "account_sid": c.account_sid,
        "name": c.name,
        "description": c.description,
        "archived": false,
        "date_created": iso(c.created),
        "url": url,
        "links": { "plugins": format!("{url}/Plugins") },
    })
}

fn configured_plugin_json(c: &Configuration, p: &Plugin, v: &Version, svc: &str) -> Value {
    json!({
        "account_sid": c.account_sid,
        "configuration_sid": c.sid,
        "plugin_sid": p.sid,
        "plugin_version_sid": v.sid,
        "phase": 3,
        "plugin_url": v.plugin_url,
        "unique_name": p.unique_name,
        "friendly_name": p.friendly_name,
        "description": p.description,
        "plugin_archived": p.archived,
        "version": v.version,
        "changelog": v.changelog,
        "plugin_version_archived": v.archived,
        "private": v.private,
        "date_created": iso(c.created),
        "url": format!("{svc}/Configurations/{}/Plugins/{}", c.sid, p.sid),
    })
}

fn release_json(r: &Release, svc: &str) -> Value {
    json!({
        "sid": r.sid,
        "account_sid": r.account_sid,
        "configuration_sid": r.configuration_sid,
        "date_created": iso(r.created),
        "url": format!("{svc}/Releases/{}", r.sid),
    })
}

fn flex_configuration_json(account: &str, ui: Value, base: &str) -> Value {
    json!({
        "account_sid": account,
        "status": "ok",
        "service_version": "2.0.0",
        "ui_language": "en",
        "ui_version": "~2.0",
        "ui_attributes": ui,
        "plugin_service_enabled": true,
        "url": format!("{base}/v1/Configuration"),
    })
}
