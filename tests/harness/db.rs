//! A database per test: a fresh PostgreSQL database (named `escalate_test_…`,
//! dropped by the test script before the next run) or a SQLite file.

use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct TestDb {
    pub url: String,
}

impl TestDb {
    pub async fn create() -> Self {
        if std::env::var("TEST_DB").as_deref() == Ok("sqlite") {
            let dir = std::env::temp_dir().join("escalate-tests");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{}.db", Uuid::new_v4().simple()));
            return Self { url: format!("sqlite://{}?mode=rwc", path.display()) };
        }
        let admin_url =
            std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("escalate_test_{}", Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url).await.expect("PostgreSQL reachable at DATABASE_URL");
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
        admin.close().await.ok();
        let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
        Self { url: format!("{base}/{name}") }
    }
}
