use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

use crate::entities::{contact_center, twilio_credential};
use crate::{Store, StoreError, TenantScope, TwilioCredentialRecord};

/// Credentials as they are stored: SIDs in clear, secrets already sealed.
pub struct NewCredentials {
    pub account_sid: String,
    pub api_key_sid: String,
    pub api_key_secret_ciphertext: Vec<u8>,
    pub auth_token_ciphertext: Vec<u8>,
    pub verified_at: Option<DateTime<Utc>>,
    pub region: Option<String>,
    pub edge: Option<String>,
}

impl Store {
    /// Creates or replaces a contact center's Twilio credentials.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "put_credentials"))]
    pub async fn put_credentials(
        &self,
        scope: TenantScope,
        contact_center_id: Uuid,
        new: NewCredentials,
        now: DateTime<Utc>,
    ) -> Result<TwilioCredentialRecord, StoreError> {
        let txn = self.begin_write().await?;
        // The contact center must be the caller's before anything is written.
        contact_center::Entity::find_by_id(contact_center_id)
            .filter(contact_center::Column::TenantId.eq(scope.tenant_id()))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let existing = twilio_credential::Entity::find_by_id(contact_center_id)
            .filter(twilio_credential::Column::TenantId.eq(scope.tenant_id()))
            .one(&txn)
            .await?;
        let record = match existing {
            Some(row) => {
                let mut am = row.into_active_model();
                am.account_sid = Set(new.account_sid);
                am.api_key_sid = Set(new.api_key_sid);
                am.api_key_secret_ciphertext = Set(new.api_key_secret_ciphertext);
                am.auth_token_ciphertext = Set(new.auth_token_ciphertext);
                am.verified_at = Set(new.verified_at);
                am.region = Set(new.region);
                am.edge = Set(new.edge);
                am.updated_at = Set(now);
                am.update(&txn).await?
            }
            None => {
                twilio_credential::ActiveModel {
                    contact_center_id: Set(contact_center_id),
                    tenant_id: Set(scope.tenant_id()),
                    account_sid: Set(new.account_sid),
                    api_key_sid: Set(new.api_key_sid),
                    api_key_secret_ciphertext: Set(new.api_key_secret_ciphertext),
                    auth_token_ciphertext: Set(new.auth_token_ciphertext),
                    verified_at: Set(new.verified_at),
                    region: Set(new.region),
                    edge: Set(new.edge),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?
            }
        };
        txn.commit().await?;
        Ok(record)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "credentials"))]
    pub async fn credentials(
        &self,
        scope: TenantScope,
        contact_center_id: Uuid,
    ) -> Result<TwilioCredentialRecord, StoreError> {
        twilio_credential::Entity::find_by_id(contact_center_id)
            .filter(twilio_credential::Column::TenantId.eq(scope.tenant_id()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Records the outcome of a check with Twilio: when it passed, or `None` when Twilio refused them.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "set_credentials_verified"))]
    pub async fn set_credentials_verified(
        &self,
        scope: TenantScope,
        contact_center_id: Uuid,
        verified_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let res = twilio_credential::Entity::update_many()
            .col_expr(twilio_credential::Column::VerifiedAt, sea_orm::sea_query::Expr::value(verified_at))
            .filter(twilio_credential::Column::ContactCenterId.eq(contact_center_id))
            .filter(twilio_credential::Column::TenantId.eq(scope.tenant_id()))
            .exec(self.db())
            .await?;
        if res.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "delete_credentials"))]
    pub async fn delete_credentials(&self, scope: TenantScope, contact_center_id: Uuid) -> Result<(), StoreError> {
        let res = twilio_credential::Entity::delete_many()
            .filter(twilio_credential::Column::ContactCenterId.eq(contact_center_id))
            .filter(twilio_credential::Column::TenantId.eq(scope.tenant_id()))
            .exec(self.db())
            .await?;
        if res.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}
