//! A user's email is unique within their tenant, not across tenants: the
//! same person may belong to two tenants, and inviting an email reveals
//! nothing about other tenants (an answer of "taken" would). Sign-in looks
//! the email up across tenants and keeps the user whose password matches.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    TenantId,
    Email,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                // The column's own UNIQUE constraint, under PostgreSQL's default name.
                db.execute_unprepared("ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key").await?;
            }
            DbBackend::Sqlite => rebuild_sqlite_users_without_global_unique(db).await?,
            other => return Err(DbErr::Migration(format!("unsupported database {other:?}"))),
        }
        m.create_index(
            Index::create()
                .name("ux_users_tenant_email")
                .table(Users::Table)
                .col(Users::TenantId)
                .col(Users::Email)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_users_email").table(Users::Table).col(Users::Email).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_users_email").table(Users::Table).to_owned()).await?;
        m.drop_index(Index::drop().name("ux_users_tenant_email").table(Users::Table).to_owned()).await?;
        m.create_index(Index::create().name("ux_users_email").table(Users::Table).col(Users::Email).unique().to_owned())
            .await
    }
}

/// SQLite cannot drop a column's UNIQUE constraint: the table is made again
/// from its own definition less that word, and its rows, sessions (which
/// cascade from users) and index are carried over.
async fn rebuild_sqlite_users_without_global_unique(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'",
        ))
        .await?
        .ok_or_else(|| DbErr::Migration("table users not found".into()))?;
    let sql: String = row.try_get("", "sql")?;
    let at = sql.find("\"email\"").ok_or_else(|| DbErr::Migration("users.email not found".into()))?;
    let end = at + sql[at..].find(',').unwrap_or(sql.len() - at);
    let column = sql[at..end].replace(" UNIQUE", "");
    let columns_from = sql.find('(').ok_or_else(|| DbErr::Migration("users: no column list".into()))?;
    let create = format!("CREATE TABLE \"users_new\" {}{}{}", &sql[columns_from..at], column, &sql[end..]);
    // One connection for all of it (a temporary table lives in one) and all
    // or nothing: a pool would spread the statements over connections.
    let txn = db.begin().await?;
    for statement in [
        "CREATE TEMP TABLE sessions_kept AS SELECT * FROM sessions",
        &create,
        "INSERT INTO users_new SELECT * FROM users",
        "DROP TABLE users",
        "ALTER TABLE users_new RENAME TO users",
        "INSERT INTO sessions SELECT * FROM sessions_kept",
        "DROP TABLE sessions_kept",
        "CREATE INDEX ix_users_tenant ON users (tenant_id)",
    ] {
        txn.execute_unprepared(statement).await?;
    }
    txn.commit().await
}
