//! The Flex calls: the Plugins API (plugins, their versions, configurations
//! of versions and the release that makes one configuration live) and the
//! Flex Configuration (its `ui_attributes`), as described by twilio-oai's
//! `twilio_flex_v1` and used by the Flex Plugins CLI.
//!
//! Releases replace the whole set of plugins an instance loads, so callers
//! read the active configuration's plugins first and write the full set
//! back; a configuration update replaces `ui_attributes` whole, so callers
//! merge into what they read.

use reqwest::Method;
use serde_json::Value;

use super::{AccountClient, Api, Auth, Body, Call};
use crate::TwilioError;
use crate::resources::{
    ConfiguredPlugin, FlexConfiguration, FlexPlugin, FlexPluginVersion, PluginConfiguration, PluginRelease,
};
use crate::retry::Resend;

#[derive(serde::Deserialize)]
struct VersionPage {
    plugin_versions: Vec<FlexPluginVersion>,
    meta: Meta,
}

#[derive(serde::Deserialize)]
struct ConfiguredPluginPage {
    plugins: Vec<ConfiguredPlugin>,
    meta: Meta,
}

#[derive(serde::Deserialize)]
struct Meta {
    next_page_url: Option<String>,
}

/// Pages of a list we read whole (a plugin's versions, a configuration's
/// plugins) are bounded: an instance has a handful of plugins and a plugin
/// some hundreds of versions at most.
const MAX_PAGES: usize = 20;

impl AccountClient {
    /// `GET {flex}/v1/PluginService/Plugins/{sid or unique name}`; `None` when there is none.
    pub async fn fetch_flex_plugin(&self, sid_or_unique_name: &str) -> Result<Option<FlexPlugin>, TwilioError> {
        let target = self.url(Api::Flex, &["v1", "PluginService", "Plugins", sid_or_unique_name])?;
        not_found_is_none(self.execute(Call::new("fetch_flex_plugin", Method::GET, target, Auth::ApiKey)).await.0)
    }

    /// `POST {flex}/v1/PluginService/Plugins`. The unique name makes a second
    /// creation fail instead of making a second plugin, so resending is safe.
    pub async fn create_flex_plugin(
        &self,
        unique_name: &str,
        friendly_name: &str,
        description: &str,
    ) -> Result<FlexPlugin, TwilioError> {
        let target = self.url(Api::Flex, &["v1", "PluginService", "Plugins"])?;
        let form = vec![
            ("UniqueName", unique_name.to_owned()),
            ("FriendlyName", friendly_name.to_owned()),
            ("Description", description.to_owned()),
        ];
        self.execute(Call::new("create_flex_plugin", Method::POST, target, Auth::ApiKey).body(Body::Form(form))).await.0
    }

    /// Every version of a plugin, newest first.
    pub async fn list_flex_plugin_versions(&self, plugin_sid: &str) -> Result<Vec<FlexPluginVersion>, TwilioError> {
        let mut target = self.url(Api::Flex, &["v1", "PluginService", "Plugins", plugin_sid, "Versions"])?;
        target.0.query_pairs_mut().append_pair("PageSize", "100");
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: VersionPage = self
                .execute(Call::new("list_flex_plugin_versions", Method::GET, target.clone(), Auth::ApiKey))
                .await
                .0?;
            all.extend(page.plugin_versions);
            match page.meta.next_page_url.and_then(|u| url::Url::parse(&u).ok()) {
                Some(next) => target.0 = next,
                None => break,
            }
        }
        Ok(all)
    }

    /// `POST {flex}/v1/PluginService/Plugins/{FP}/Versions`. A version string
    /// is unique per plugin, so resending cannot make two.
    pub async fn create_flex_plugin_version(
        &self,
        plugin_sid: &str,
        version: &str,
        plugin_url: &str,
        changelog: &str,
    ) -> Result<FlexPluginVersion, TwilioError> {
        let target = self.url(Api::Flex, &["v1", "PluginService", "Plugins", plugin_sid, "Versions"])?;
        let form = vec![
            ("Version", version.to_owned()),
            ("PluginUrl", plugin_url.to_owned()),
            ("Changelog", changelog.to_owned()),
            // Private versions are fetched by Flex with the agent's token; ours
            // is served publicly (it holds no settings or secrets).
            ("Private", "false".to_owned()),
        ];
        let call = Call::new("create_flex_plugin_version", Method::POST, target, Auth::ApiKey).body(Body::Form(form));
        self.execute(call).await.0
    }

    /// `GET {flex}/v1/PluginService/Releases/Active`: the release Flex loads; `None` before the first.
    pub async fn active_flex_release(&self) -> Result<Option<PluginRelease>, TwilioError> {
        let target = self.url(Api::Flex, &["v1", "PluginService", "Releases", "Active"])?;
        not_found_is_none(self.execute(Call::new("fetch_flex_release", Method::GET, target, Auth::ApiKey)).await.0)
    }

    /// The plugin versions a configuration holds.
    pub async fn list_configured_plugins(&self, configuration_sid: &str) -> Result<Vec<ConfiguredPlugin>, TwilioError> {
        let mut target =
            self.url(Api::Flex, &["v1", "PluginService", "Configurations", configuration_sid, "Plugins"])?;
        target.0.query_pairs_mut().append_pair("PageSize", "100");
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: ConfiguredPluginPage =
                self.execute(Call::new("list_configured_plugins", Method::GET, target.clone(), Auth::ApiKey)).await.0?;
            all.extend(page.plugins);
            match page.meta.next_page_url.and_then(|u| url::Url::parse(&u).ok()) {
                Some(next) => target.0 = next,
                None => break,
            }
        }
        Ok(all)
    }

    /// `POST {flex}/v1/PluginService/Configurations` with one `Plugins` entry
    /// per version (`{"plugin_version": "FV…"}`, as twilio-node sends each
    /// object: serialised to JSON). Resent only when surely unprocessed: a
    /// duplicate would be harmless but is clutter in the tenant's Flex.
    pub async fn create_plugin_configuration(
        &self,
        name: &str,
        description: &str,
        plugin_version_sids: &[String],
    ) -> Result<PluginConfiguration, TwilioError> {
        let target = self.url(Api::Flex, &["v1", "PluginService", "Configurations"])?;
        let mut form = vec![("Name", name.to_owned()), ("Description", description.to_owned())];
        form.extend(
            plugin_version_sids.iter().map(|fv| ("Plugins", serde_json::json!({ "plugin_version": fv }).to_string())),
        );
        let call = Call::new("create_plugin_configuration", Method::POST, target, Auth::ApiKey)
            .body(Body::Form(form))
            .resend(Resend::OnlyIfUnprocessed);
        self.execute(call).await.0
    }

    /// `POST {flex}/v1/PluginService/Releases`: makes a configuration the one
    /// Flex loads (agents get it on their next reload). Releasing the same
    /// configuration twice is the same as once.
    pub async fn create_flex_release(&self, configuration_sid: &str) -> Result<PluginRelease, TwilioError> {
        let target = self.url(Api::Flex, &["v1", "PluginService", "Releases"])?;
        let form = vec![("ConfigurationId", configuration_sid.to_owned())];
        self.execute(Call::new("create_flex_release", Method::POST, target, Auth::ApiKey).body(Body::Form(form)))
            .await
            .0
    }

    /// `GET {flex}/v1/Configuration`.
    pub async fn fetch_flex_configuration(&self) -> Result<FlexConfiguration, TwilioError> {
        let target = self.url(Api::Flex, &["v1", "Configuration"])?;
        self.execute(Call::new("fetch_flex_configuration", Method::GET, target, Auth::ApiKey)).await.0
    }

    /// `POST {flex}/v1/Configuration` with a JSON body: sets `ui_attributes`
    /// to exactly `ui_attributes` (Twilio replaces the object whole).
    pub async fn update_flex_ui_attributes(&self, ui_attributes: &Value) -> Result<FlexConfiguration, TwilioError> {
        let target = self.url(Api::Flex, &["v1", "Configuration"])?;
        let body = serde_json::json!({ "account_sid": self.creds.account_sid, "ui_attributes": ui_attributes });
        let call = Call::new("update_flex_configuration", Method::POST, target, Auth::ApiKey).body(Body::Json(body));
        self.execute(call).await.0
    }
}

fn not_found_is_none<T>(result: Result<T, TwilioError>) -> Result<Option<T>, TwilioError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(TwilioError::Api { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
