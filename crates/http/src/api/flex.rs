use escalate_domain::access::Permission;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use super::Tag;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::state::AppState;
use escalate_app::services::flex_install::{self, FlexInstallation};

pub struct FlexApi;

/// What the contact center's Flex instance holds of the video plugin, read
/// from Twilio's Flex Plugins and Configuration APIs with the contact
/// center's credentials.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
struct FlexInstallationView {
    /// The plugin is in the active release: agents get it on their next Flex reload.
    installed: bool,
    /// The plugin version the release loads (`0.1.0`).
    version: Option<String>,
    /// Where Flex loads it from.
    plugin_url: Option<String>,
    /// That is the bundle this service hosts now (false: an older build, or one hosted elsewhere).
    current: bool,
    /// The active release (`FK…`).
    release_sid: Option<String>,
    /// The other plugins in the release, kept as they were (unique names).
    other_plugins: Vec<String>,
    /// `ui_attributes.videoEscalation` is enabled and points at this service and contact center.
    configured: bool,
}

fn view(i: FlexInstallation) -> FlexInstallationView {
    FlexInstallationView {
        installed: i.installed,
        version: i.version,
        plugin_url: i.plugin_url,
        current: i.current,
        release_sid: i.release_sid,
        other_plugins: i.other_plugins,
        configured: i.configured,
    }
}

#[OpenApi(tag = "Tag::Flex")]
impl FlexApi {
    /// Whether the video plugin is installed in the contact center's Flex.
    #[oai(path = "/v1/contact-centers/:cc/flex-installation", method = "get", operation_id = "getFlexInstallation")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
    ) -> ApiResult<Json<FlexInstallationView>> {
        let scope = auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(view(flex_install::status(&state, scope, cc.0).await?)))
    }

    /// Install the video plugin in the contact center's Flex ("Install in Flex").
    ///
    /// Registers the bundle this service hosts as a plugin version, releases
    /// it together with the plugins already active, and sets
    /// `ui_attributes.videoEscalation` (other keys are kept). Needs no build;
    /// agents get it on their next Flex reload. Repeating it changes nothing.
    #[oai(path = "/v1/contact-centers/:cc/flex-installation", method = "put", operation_id = "installInFlex")]
    async fn install(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
    ) -> ApiResult<Json<FlexInstallationView>> {
        auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(view(flex_install::install(&state, auth.principal(), cc.0).await?)))
    }

    /// Take the video plugin out of the contact center's Flex.
    ///
    /// Releases the active plugins without it and removes its
    /// `ui_attributes` settings. Nothing to remove is not an error.
    #[oai(path = "/v1/contact-centers/:cc/flex-installation", method = "delete", operation_id = "uninstallFromFlex")]
    async fn uninstall(
        &self,
        state: Data<&AppState>,
        auth: TenantAuth,
        cc: Path<Uuid>,
    ) -> ApiResult<Json<FlexInstallationView>> {
        auth.principal().require(Permission::ManageSettings)?;
        Ok(Json(view(flex_install::uninstall(&state, auth.principal(), cc.0).await?)))
    }
}
