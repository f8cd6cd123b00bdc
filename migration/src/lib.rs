//! Database schema, as ordered sea-orm migrations. Works on PostgreSQL and SQLite.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_initial;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261124_000001_initial::Migration)]
    }
}
