use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use escalate_domain::access::Scopes;

use crate::entities::api_key;
use crate::{ApiKeyRecord, Store, StoreError, TenantScope};

impl Store {
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "create_api_key"))]
    pub async fn create_api_key(
        &self,
        scope: TenantScope,
        name: &str,
        prefix: &str,
        key_hash: Vec<u8>,
        scopes: Scopes,
        now: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, StoreError> {
        Ok(api_key::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(scope.tenant_id()),
            name: Set(name.to_owned()),
            prefix: Set(prefix.to_owned()),
            key_hash: Set(key_hash),
            scopes: Set(scopes),
            created_at: Set(now),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(self.db())
        .await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "list_api_keys"))]
    pub async fn list_api_keys(&self, scope: TenantScope) -> Result<Vec<ApiKeyRecord>, StoreError> {
        Ok(api_key::Entity::find()
            .filter(api_key::Column::TenantId.eq(scope.tenant_id()))
            .order_by_desc(api_key::Column::CreatedAt)
            .all(self.db())
            .await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "api_key"))]
    pub async fn api_key(&self, scope: TenantScope, id: Uuid) -> Result<ApiKeyRecord, StoreError> {
        api_key::Entity::find_by_id(id)
            .filter(api_key::Column::TenantId.eq(scope.tenant_id()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Notes when a key was last used (at most once a minute per key: the caller decides).
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "touch_api_key"))]
    pub async fn touch_api_key(&self, scope: TenantScope, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, sea_orm::sea_query::Expr::value(now))
            .filter(api_key::Column::Id.eq(id))
            .filter(api_key::Column::TenantId.eq(scope.tenant_id()))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Revoking twice keeps the first revocation time.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "revoke_api_key"))]
    pub async fn revoke_api_key(
        &self,
        scope: TenantScope,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, StoreError> {
        let key = self.api_key(scope, id).await?;
        if key.revoked_at.is_some() {
            return Ok(key);
        }
        let mut am = key.into_active_model();
        am.revoked_at = Set(Some(now));
        Ok(am.update(self.db()).await?)
    }
}
