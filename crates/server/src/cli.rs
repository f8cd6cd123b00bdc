//! Command line: `escalate [serve]`, `migrate`, `tenant …`, `keys …`, `flex …`,
//! `openapi`, `twilio-sim`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use escalate_app::Principal;
use escalate_domain::vault::Keyring;

use crate::settings::Settings;
use crate::startup::{self, Application};
use crate::{demo, telemetry};

#[derive(Debug, Parser)]
#[command(name = "escalate", version, about = "Chat-to-video escalation for Twilio Flex contact centers")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default). With no configuration: SQLite, the
    /// Twilio simulator in process and a seeded demo tenant.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage master keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The video plugin in a contact center's Flex, with its stored Twilio
    /// credentials: the same as the dashboard's "Install in Flex". Talks to
    /// Twilio's Flex APIs (TWILIO_FLEX_BASE_URL); the plugin URL it registers
    /// is under PUBLIC_BASE_URL, so run it with the service's settings.
    #[command(subcommand)]
    Flex(FlexCommand),
    /// Print the OpenAPI document (YAML).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Write the browsers' copy of the signalling protocol (close codes,
    /// limits, message types) into the call client, from the repository root.
    SignalingTypes {
        /// Only check that the committed copies are current.
        #[arg(long)]
        check: bool,
    },
    /// Run the Twilio simulator standalone. Besides Twilio's own routes it
    /// answers a control API under /_sim/ (JSON, no authentication): GET
    /// rooms, messages, requests, callbacks, recordings, compositions; POST
    /// accounts, flex-tokens, rooms/{room}/participants,
    /// rooms/{room}/participants/{identity}/disconnect, rooms/{room}/complete,
    /// compositions/{CJ}/complete, compositions/{CJ}/fail, callbacks/release,
    /// callbacks/flush, reset; PUT
    /// callbacks/mode, faults/{op}; DELETE faults. See the README.
    TwilioSim {
        #[arg(long, default_value = "127.0.0.1:4010")]
        listen: String,
        /// Accounts: `ACxxx:authtoken[:SKxxx:secret…]`, comma-separated.
        #[arg(long, env = "TWILIO_SIM_ACCOUNTS")]
        accounts: Option<String>,
        /// A JSON file of accounts (see the simulator's docs).
        #[arg(long)]
        accounts_file: Option<std::path::PathBuf>,
        /// Added to every Twilio API answer, as a round trip to Twilio would be.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// How long a "minute" of a room's empty and unused timeouts lasts.
        #[arg(long, default_value_t = 60_000)]
        room_minute_ms: u64,
    },
    /// Check a Twilio account for real: make a room, post to a test
    /// conversation, mint a video token (and check a Flex token if given),
    /// then clean up. Reads TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID,
    /// TWILIO_API_KEY_SECRET, TWILIO_AUTH_TOKEN (and TWILIO_REGION,
    /// TWILIO_EDGE) from the environment; the API base URLs are the service's
    /// (real Twilio unless TWILIO_*_BASE_URL say otherwise).
    TwilioSmoke {
        /// A conversation to post the test message into (`CH…`), e.g. one made in the Console.
        #[arg(long)]
        conversation: String,
        /// Its Conversations service (`IS…`), when not the default one.
        #[arg(long)]
        service: Option<String>,
        /// A Flex token to validate (an agent's `manager.user.token`).
        #[arg(long, env = "TWILIO_FLEX_TOKEN")]
        flex_token: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and its first admin; prints the admin's initial password.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        /// Defaults to one made from the name.
        #[arg(long)]
        slug: Option<String>,
    },
    /// List tenants.
    List,
}

#[derive(Debug, Subcommand)]
pub enum FlexCommand {
    /// Register the hosted bundle, release it beside the other plugins, set `ui_attributes.videoEscalation`.
    Install {
        #[arg(long)]
        contact_center: uuid::Uuid,
    },
    /// Release the other plugins without it and remove its settings.
    Uninstall {
        #[arg(long)]
        contact_center: uuid::Uuid,
    },
    /// Show what the contact center's Flex holds of the plugin.
    Status {
        #[arg(long)]
        contact_center: uuid::Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Rewrap every tenant data key under ACTIVE_MASTER_KEY_ID. Configure the
    /// new key beside the old one in MASTER_KEYS first (on every replica).
    Rotate,
    /// Print a new random master key as a MASTER_KEYS entry.
    Generate {
        #[arg(long, default_value = "k1")]
        id: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let settings = Settings::load()?;
            let telemetry = telemetry::init(&settings)?;
            let app = Application::build(&settings).await?;
            if settings.is_embedded() {
                demo::seed_and_print(&app).await.context("seeding the demo tenant")?;
            }
            tracing::info!(port = app.port(), public_base_url = %app.state().urls().base(), "serving");
            app.run_until_stopped().await?;
            telemetry.shutdown().await;
        }
        Command::Migrate => {
            let settings = Settings::load()?;
            let _telemetry = telemetry::init(&settings)?;
            let store = startup::connect_store(&settings).await?;
            store.migrate().await.context("running database migrations")?;
            println!("migrations applied");
        }
        Command::Tenant(TenantCommand::Create { name, admin_email, slug }) => {
            let settings = Settings::load()?;
            let _telemetry = telemetry::init(&settings)?;
            let app = startup::cli_app(&settings).await?;
            let created = escalate_app::services::tenants::create(&app, &name, slug.as_deref(), &admin_email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("tenant created: {} ({}) id {}", created.tenant.name, created.tenant.slug, created.tenant.id);
            println!("admin: {}", created.admin.email);
            println!(
                "initial password (shown once; change it after signing in): {}",
                created.initial_password.expose()
            );
        }
        Command::Tenant(TenantCommand::List) => {
            let settings = Settings::load()?;
            let store = startup::connect_store(&settings).await?;
            for t in store.unscoped().list_all_tenants().await? {
                println!("{}\t{}\t{}", t.id, t.slug, t.name);
            }
        }
        Command::Keys(KeysCommand::Rotate) => {
            let settings = Settings::load()?;
            let _telemetry = telemetry::init(&settings)?;
            let store = startup::connect_store(&settings).await?;
            let keyring = startup::keyring(&settings)?;
            let report =
                escalate_app::services::keys::rotate(&store, &keyring).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{} data keys: {} rewrapped under `{}`, {} already current",
                report.total,
                report.rewrapped,
                keyring.active_id(),
                report.already_current
            );
        }
        Command::Flex(command) => {
            let settings = Settings::load()?;
            let _telemetry = telemetry::init(&settings)?;
            let app = startup::cli_app(&settings).await?;
            let id = match &command {
                FlexCommand::Install { contact_center }
                | FlexCommand::Uninstall { contact_center }
                | FlexCommand::Status { contact_center } => *contact_center,
            };
            let (_, scope) =
                app.store.unscoped().contact_center(id).await?.with_context(|| format!("no contact center {id}"))?;
            use escalate_app::services::flex_install;
            let result = match command {
                FlexCommand::Install { .. } => flex_install::install(&app, &Principal::operator(scope), id).await,
                FlexCommand::Uninstall { .. } => flex_install::uninstall(&app, &Principal::operator(scope), id).await,
                FlexCommand::Status { .. } => flex_install::status(&app, scope, id).await,
            };
            let s = result.map_err(|e| anyhow::anyhow!("{} ({})", e, e.code()))?;
            println!("installed: {}", s.installed);
            if let (Some(version), Some(url)) = (&s.version, &s.plugin_url) {
                println!(
                    "version: {version} from {url}{}",
                    if s.current { "" } else { " (not this service's current build)" }
                );
            }
            println!("configured: {}", s.configured);
            println!(
                "other plugins: {}",
                if s.other_plugins.is_empty() { "none".into() } else { s.other_plugins.join(", ") }
            );
        }
        Command::Keys(KeysCommand::Generate { id }) => {
            println!("{id}:{}", Keyring::generate_key());
        }
        Command::Openapi { output } => {
            let yaml = escalate_http::openapi_yaml();
            match output {
                Some(path) => std::fs::write(&path, yaml).with_context(|| format!("writing {}", path.display()))?,
                None => print!("{yaml}"),
            }
        }
        Command::SignalingTypes { check } => {
            use escalate_app::video::builtin::typescript as generated;
            let ts = generated::typescript();
            if check {
                let ts_now = std::fs::read_to_string(generated::TS_PATH).unwrap_or_default();
                anyhow::ensure!(ts_now == ts, "stale: run `escalate signaling-types`");
            } else {
                if let Some(dir) = std::path::Path::new(generated::TS_PATH).parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::write(generated::TS_PATH, ts)?;
                println!(
                    "wrote {}; now run `npm run build:web` in sdk-flex-plugin/ for the join page's rtc.js",
                    generated::TS_PATH
                );
            }
        }
        Command::TwilioSmoke { conversation, service, flex_token } => {
            let settings = Settings::load()?;
            let _telemetry = telemetry::init(&settings)?;
            crate::smoke::run(&settings, &conversation, service.as_deref(), flex_token.as_deref()).await?;
        }
        Command::TwilioSim { listen, accounts, accounts_file, latency_ms, room_minute_ms } => {
            let settings = Settings::load()?;
            let _telemetry = telemetry::init(&settings)?;
            let mut config = match accounts_file {
                Some(path) => twilio_sim::SimConfig::from_file(&path)?,
                None => twilio_sim::SimConfig::default(),
            };
            if let Some(spec) = accounts {
                for account in twilio_sim::SimConfig::parse_accounts(&spec)?.accounts {
                    config = config.with_account(account);
                }
            }
            config.latency = std::time::Duration::from_millis(latency_ms);
            config.room_minute = std::time::Duration::from_millis(room_minute_ms.max(1));
            let listener =
                tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("--listen {listen}"))?;
            println!("Twilio simulator listening on http://{}", listener.local_addr()?);
            twilio_sim::Simulator::new(config).serve(listener).await?;
        }
    }
    Ok(())
}
