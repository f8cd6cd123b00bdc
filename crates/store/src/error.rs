use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No row for this tenant: also what another tenant's id looks like.
    #[error("not found")]
    NotFound,
    /// A unique constraint said no (a duplicate slug, email, idempotency key).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored data the code cannot read (a bad enum string, a broken ciphertext).
    #[error("corrupt record: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => StoreError::Conflict(detail),
            _ => StoreError::Db(err),
        }
    }
}
