//! The dashboard's compiled templates and the content-hashed URLs of the
//! assets its layout links; loaded once at start-up, shared by every page.

use std::collections::BTreeMap;

use minijinja::{Environment, UndefinedBehavior, Value, context};
use sha2::{Digest, Sha256};

use crate::files::DashboardFiles;

/// Assets the layout links with a content hash.
const VERSIONED: [&str; 2] = ["admin.css", "admin.js"];

/// Every page template; [`Templates::load`] fails if one is missing or broken.
const PAGES: [&str; 17] = [
    "layout.html",
    "login.html",
    "error.html",
    "overview.html",
    "center.html",
    "escalation.html",
    "settings.html",
    "credentials.html",
    "api_keys.html",
    "users.html",
    "audit.html",
    "webhooks.html",
    "webhook.html",
    "new_center.html",
    "account.html",
    "operator_login.html",
    "operator_tenants.html",
];

/// The dashboard's compiled templates, loaded once at start-up.
pub struct Templates {
    env: Environment<'static>,
    pub assets: BTreeMap<&'static str, String>,
}

impl Templates {
    /// Compiles `templates/admin/*.html`; fails if a page or a versioned
    /// asset is missing or one of its `extends`/`import`s is broken.
    pub fn load(files: &DashboardFiles) -> Result<Self, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        for (name, source) in files.templates("templates/admin").map_err(|e| format!("dashboard templates: {e}"))? {
            env.add_template_owned(name.clone(), source).map_err(|e| format!("dashboard template {name}: {e}"))?;
        }
        let mut assets = BTreeMap::new();
        for name in VERSIONED {
            let bytes = files
                .asset_blocking("assets/admin", name)
                .ok_or_else(|| format!("dashboard asset {name} is missing from {}", files.describe()))?;
            let v = Sha256::digest(&bytes).iter().take(6).map(|x| format!("{x:02x}")).collect::<String>();
            assets.insert(name, format!("/dashboard/assets/{name}?v={v}"));
        }
        let templates = Templates { env, assets };
        for name in PAGES {
            templates.env.get_template(name).map_err(|e| format!("dashboard template {name}: {e}"))?;
        }
        Ok(templates)
    }
}

impl Templates {
    /// Renders `name` with `ctx` merged with the values every page shares;
    /// the error names the template and each cause.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String, String> {
        let base = context! { assets => self.assets.clone() };
        self.env.get_template(name).and_then(|tpl| tpl.render(context! { ..ctx, ..base })).map_err(|e| {
            let mut msg = format!("dashboard template {name}: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                msg.push_str(&format!(": {s}"));
                source = s.source();
            }
            msg
        })
    }
}
