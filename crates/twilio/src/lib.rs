//! Twilio REST client, access tokens and webhook signatures.
//!
//! * [`Twilio`] owns one HTTP connection pool shared by every tenant;
//!   [`Twilio::account`] binds it to one tenant's [`Credentials`] and gives an
//!   [`AccountClient`] with the handful of calls the service makes (rooms,
//!   their recordings and compositions, conversation messages, Flex token
//!   validation, account fetch, the Flex Plugins and Configuration APIs).
//! * [`token`] mints and verifies Twilio access tokens (offline, HS256).
//! * [`signature`] computes and checks `X-Twilio-Signature`.
//!
//! Base URLs are configuration ([`Endpoints`]) so the same code talks to real
//! Twilio or to the `twilio-sim` simulator. Secrets travel as
//! [`Secret`], which never prints its value; errors and trace events carry
//! SIDs, paths and statuses only.

mod client;
mod error;
mod options;
mod resources;
mod retry;
pub mod signature;
pub mod token;

pub use client::taskrouter::Tagged;
pub use client::{AccountClient, CallObserver, CallOutcome, Credentials, HeaderInjector, Twilio, regional_host};
pub use error::TwilioError;
pub use escalate_domain::Secret;
pub use options::{ClientOptions, Endpoints, Location};
pub use resources::{
    Account, AccountStatus, Composition, CompositionFormat, CompositionStatus, ConfiguredPlugin, CreateMessage,
    CreateRoom, FlexConfiguration, FlexPlugin, FlexPluginVersion, FlexTokenValidation, GroupingSids, Message,
    PluginConfiguration, PluginRelease, Recording, RecordingStatus, RecordingType, Room, RoomStatus, RoomType, Task,
    Workspace,
};

/// Twilio's error code for "a room with this UniqueName is already in progress".
pub const ROOM_EXISTS_CODE: u32 = 53113;
