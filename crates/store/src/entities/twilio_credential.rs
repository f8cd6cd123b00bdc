use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "twilio_credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contact_center_id: Uuid,
    pub tenant_id: Uuid,
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret_ciphertext: Vec<u8>,
    pub auth_token_ciphertext: Vec<u8>,
    pub verified_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The Twilio region the API key was made in (`None`: us1).
    pub region: Option<String>,
    /// The Twilio edge location to reach it through (`None`: Twilio's choice).
    pub edge: Option<String>,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioCredential")
            .field("contact_center_id", &self.contact_center_id)
            .field("account_sid", &self.account_sid)
            .field("api_key_sid", &self.api_key_sid)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
