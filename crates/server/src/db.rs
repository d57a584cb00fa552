//! The database: one code path through `sqlx::AnyPool` for SQLite and PostgreSQL.
//!
//! SQL here uses only what both backends accept: `$1` placeholders, BIGINT milliseconds for
//! times, TEXT UUIDv7 ids. Booleans are only written and filtered on (`WHERE active`), never
//! read back, because the Any driver cannot decode SQLite booleans.

use crate::error::Error;
use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyPool, ConnectOptions, Connection};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Chooses the backend by the URL's scheme.
    pub fn from_url(url: &str) -> Result<Self, Error> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::Internal(format!(
                "unsupported database URL {url:?}: use sqlite://FILE or postgres://..."
            )))
        }
    }

    /// The name `GET /api/health` reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The connection pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// How long a SQLite writer waits for the lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Db {
    /// Connects and runs the migrations of the backend. A SQLite file (and its folder) is
    /// created if missing and switched to WAL once; sqlx turns foreign keys on and sets the
    /// busy timeout for every SQLite connection.
    pub async fn connect(url: &str) -> Result<Db, Error> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite {
            prepare_sqlite_file(url).await?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        let db = Db { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies the migrations not yet applied, then fills what a migration left to the server
    /// (the duplicate check's index of lead numbers); running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), Error> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        crate::sync::SqlServerStore::new(self.clone())
            .backfill()
            .await
            .map_err(|e| Error::Internal(format!("filling the index of lead numbers: {e}")))?;
        Ok(())
    }

    /// A trivial query: proves the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the SQLite file's folder and the file, and sets WAL mode (persistent in the file).
/// Done on one connection before the pool opens: switching the journal mode needs an exclusive
/// lock that the busy timeout cannot wait for.
async fn prepare_sqlite_file(url: &str) -> Result<(), Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT);
    if let Some(parent) = options.get_filename().parent()
        && !parent.as_os_str().is_empty()
    {
        tokio::fs::create_dir_all(parent).await?;
    }
    let conn = options.connect().await?;
    conn.close().await?;
    Ok(())
}

/// Milliseconds since the Unix epoch: how every time is stored.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A new UUIDv7 id as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// `url` with its database name replaced by `name` (the server and the query kept).
pub fn url_with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[host_start..].find('/') {
        Some(i) => &base[..host_start + i],
        None => base,
    };
    format!("{server}/{name}{query}")
}

/// A fresh database `<prefix>_<uuid>` on the PostgreSQL server of `admin_url` (which names
/// any database the user may connect to); its URL. For tests, benchmarks and load runs.
pub async fn create_scratch_postgres(admin_url: &str, prefix: &str) -> Result<String, sqlx::Error> {
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::postgres::PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    Ok(url_with_database(admin_url, &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_keep_the_server_and_the_query() {
        assert_eq!(
            url_with_database("postgres://postgres@127.0.0.1:5432/postgres", "load_x"),
            "postgres://postgres@127.0.0.1:5432/load_x"
        );
        assert_eq!(
            url_with_database("postgres://u:p@h:1?sslmode=disable", "load_y"),
            "postgres://u:p@h:1/load_y?sslmode=disable"
        );
        assert_eq!(
            url_with_database("postgres://postgres@127.0.0.1:5432", "t_1"),
            "postgres://postgres@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            url_with_database("postgres://p@h/db?sslmode=disable", "t_1"),
            "postgres://p@h/t_1?sslmode=disable"
        );
    }

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }
}
