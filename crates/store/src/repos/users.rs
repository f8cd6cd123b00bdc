use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use escalate_domain::access::Role;

use crate::entities::{session, user};
use crate::{SessionRecord, Store, StoreError, TenantScope, UserRecord};

/// A session as a sign-in makes it: the token itself is never stored.
pub struct NewSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub token_hash: Vec<u8>,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "list_users"))]
    pub async fn list_users(&self, scope: TenantScope) -> Result<Vec<UserRecord>, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::TenantId.eq(scope.tenant_id()))
            .order_by_asc(user::Column::CreatedAt)
            .all(self.db())
            .await?)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "user"))]
    pub async fn user(&self, scope: TenantScope, id: Uuid) -> Result<UserRecord, StoreError> {
        user::Entity::find_by_id(id)
            .filter(user::Column::TenantId.eq(scope.tenant_id()))
            .one(self.db())
            .await?
            .ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "create_user"))]
    pub async fn create_user(
        &self,
        scope: TenantScope,
        email: &str,
        password_hash: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<UserRecord, StoreError> {
        Ok(user::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(scope.tenant_id()),
            email: Set(email.to_lowercase()),
            password_hash: Set(password_hash.to_owned()),
            role: Set(role),
            created_at: Set(now),
            last_login_at: Set(None),
        }
        .insert(self.db())
        .await?)
    }

    /// Changes a role, refusing to leave the tenant without an admin.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "set_user_role"))]
    pub async fn set_user_role(&self, scope: TenantScope, id: Uuid, role: Role) -> Result<UserRecord, StoreError> {
        let txn = self.begin_write().await?;
        let u = user_in(&txn, scope, id).await?;
        if u.role == Role::Admin && role != Role::Admin && count_admins(&txn, scope).await? <= 1 {
            return Err(StoreError::Conflict("last_admin".into()));
        }
        let mut am = u.into_active_model();
        am.role = Set(role);
        let u = am.update(&txn).await?;
        txn.commit().await?;
        Ok(u)
    }

    /// Sets a user's password and ends every other session of theirs (a
    /// stolen session must not outlive the password change), in one transaction.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "set_user_password"))]
    pub async fn set_user_password(
        &self,
        scope: TenantScope,
        id: Uuid,
        password_hash: &str,
        keep_session: Option<Uuid>,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let u = user_in(&txn, scope, id).await?;
        let mut am = u.into_active_model();
        am.password_hash = Set(password_hash.to_owned());
        am.update(&txn).await?;
        let mut others = session::Entity::delete_many()
            .filter(session::Column::TenantId.eq(scope.tenant_id()))
            .filter(session::Column::UserId.eq(id));
        if let Some(keep) = keep_session {
            others = others.filter(session::Column::Id.ne(keep));
        }
        others.exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// A successful sign-in's session and last-login time.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "create_session"))]
    pub async fn create_session(&self, scope: TenantScope, new: NewSession) -> Result<SessionRecord, StoreError> {
        let txn = self.begin_write().await?;
        let session = session::ActiveModel {
            id: Set(new.id),
            tenant_id: Set(scope.tenant_id()),
            user_id: Set(new.user_id),
            token_hash: Set(new.token_hash),
            csrf_token: Set(new.csrf_token),
            created_at: Set(new.created_at),
            expires_at: Set(new.expires_at),
        }
        .insert(&txn)
        .await?;
        user::Entity::update_many()
            .col_expr(user::Column::LastLoginAt, sea_orm::sea_query::Expr::value(new.created_at))
            .filter(user::Column::Id.eq(new.user_id))
            .filter(user::Column::TenantId.eq(scope.tenant_id()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(session)
    }

    /// Removes a user (and, by cascade, their sessions), never the last admin.
    #[tracing::instrument(name = "db", skip_all, fields(db.operation = "delete_user"))]
    pub async fn delete_user(&self, scope: TenantScope, id: Uuid) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let u = user_in(&txn, scope, id).await?;
        if u.role == Role::Admin && count_admins(&txn, scope).await? <= 1 {
            return Err(StoreError::Conflict("last_admin".into()));
        }
        user::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// The tenant's user `id`, read inside a write transaction.
async fn user_in(db: &impl sea_orm::ConnectionTrait, scope: TenantScope, id: Uuid) -> Result<user::Model, StoreError> {
    user::Entity::find_by_id(id)
        .filter(user::Column::TenantId.eq(scope.tenant_id()))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn count_admins(db: &impl sea_orm::ConnectionTrait, scope: TenantScope) -> Result<u64, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::TenantId.eq(scope.tenant_id()))
        .filter(user::Column::Role.eq(Role::Admin))
        .count(db)
        .await?)
}
