//! Migrations and the demo seed, on every backend.

mod common;

use huifang_server::{DEMO_STORE, DEMO_USERS, Db};

#[tokio::test]
async fn migrations_run_twice_idempotently() {
    for test_db in common::test_databases().await {
        let db = Db::connect(&test_db.url)
            .await
            .expect("first start migrates");
        db.migrate().await.expect("migrating again is a no-op");
        db.close().await;
        let db = Db::connect(&test_db.url)
            .await
            .expect("second start migrates");
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&db.pool)
            .await
            .unwrap_or_else(|e| panic!("[{}] count migrations: {e}", test_db.label));
        assert!(applied >= 1, "[{}] migrations recorded", test_db.label);
        db.close().await;
    }
}

#[tokio::test]
async fn demo_seed_creates_the_six_users_once() {
    for test_db in common::test_databases().await {
        let label = test_db.label;
        let db = Db::connect(&test_db.url).await.expect("connects");
        assert!(
            huifang_server::seed::seed_demo(&db).await.expect("seeds"),
            "[{label}] first seed seeds"
        );
        assert!(
            !huifang_server::seed::seed_demo(&db)
                .await
                .expect("seeds again"),
            "[{label}] second seed does nothing"
        );
        db.close().await;

        // Starting with --demo on a seeded database adds nothing either.
        let mut config = test_db.config();
        config.demo = true;
        let (_app, state) = common::app_with(&config).await;
        let stores: Vec<String> = sqlx::query_scalar("SELECT name FROM stores")
            .fetch_all(&state.db.pool)
            .await
            .expect("stores");
        assert_eq!(stores, vec![DEMO_STORE.to_owned()], "[{label}]");
        let mut users: Vec<(String, String, String)> =
            sqlx::query_as("SELECT username, display_name, role FROM users")
                .fetch_all(&state.db.pool)
                .await
                .expect("users");
        users.sort();
        let mut expected: Vec<(String, String, String)> = DEMO_USERS
            .iter()
            .map(|(u, d, r)| ((*u).to_owned(), (*d).to_owned(), r.as_str().to_owned()))
            .collect();
        expected.sort();
        assert_eq!(users, expected, "[{label}]");
        state.db.close().await;
    }
}
