use chrono::{DateTime, Utc};
use escalate_domain::vault::WrappedDataKey;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

use crate::entities::{tenant, tenant_data_key};
use crate::{Store, StoreError, TenantRecord, TenantScope};

impl Store {
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "tenant"))]
    pub async fn tenant(&self, scope: TenantScope) -> Result<TenantRecord, StoreError> {
        tenant::Entity::find_by_id(scope.tenant_id()).one(self.db()).await?.ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "rename_tenant"))]
    pub async fn rename_tenant(
        &self,
        scope: TenantScope,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<TenantRecord, StoreError> {
        let mut t = self.tenant(scope).await?.into_active_model();
        t.name = Set(name.to_owned());
        t.updated_at = Set(now);
        Ok(t.update(self.db()).await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "data_key"))]
    pub async fn data_key(&self, scope: TenantScope) -> Result<WrappedDataKey, StoreError> {
        let row =
            tenant_data_key::Entity::find_by_id(scope.tenant_id()).one(self.db()).await?.ok_or(StoreError::NotFound)?;
        Ok(WrappedDataKey { key_id: row.key_id, ciphertext: row.wrapped_key })
    }
}
