//! Contact center pages, one module per page or action: creating and
//! deleting, the figures page, the settings form, the Twilio credentials
//! and the Flex installation.

mod credentials;
mod flex;
mod lifecycle;
mod lookup;
mod page;
mod settings;

pub use credentials::{credentials_form, delete_credentials, save_credentials, verify_credentials};
pub use flex::{install_in_flex, uninstall_from_flex};
pub use lifecycle::{create, delete_center, new_form};
pub(crate) use lookup::{cc_value, center};
pub use page::detail;
pub use settings::{preview, save_settings, settings_form};
