//! What every handler can reach.

use crate::config::Config;
use crate::db::Db;
use crate::error::Error;
use std::path::PathBuf;
use std::sync::Arc;

/// Shared by every request: cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    /// The built app's folder (`--static-dir`).
    pub static_dir: Arc<PathBuf>,
    /// The sync engine over the database (`/api/sync/*`).
    pub sync: Arc<crate::sync::Engine>,
    /// Where blobs go (`/api/blobs/*`).
    pub blobs: Arc<crate::blobs::BlobStore>,
    /// The complaint rules (`--complaint-rules`): sent with the directory, used by the
    /// complaint statistics.
    pub complaint_rules: Arc<huifang_core::care::complaints::ComplaintRules>,
    /// The sales cadence (`--sales-rules`): sent with the directory.
    pub sales_rules: Arc<huifang_core::sales::SalesRules>,
    /// The models the store sells (`--models`): sent with the directory.
    pub models: Arc<Vec<String>>,
    /// The store's test-drive cars (`--test-drive-fleet`): sent with the directory.
    pub test_drive_fleet: Arc<Vec<String>>,
    /// Whether the session cookie is marked `Secure` (`--secure-cookies`).
    pub secure_cookies: bool,
    /// Failed sign-ins per address (`--sign-in-per-minute`).
    pub sign_in_limiter: Arc<crate::auth::rate::SignInLimiter>,
}

impl AppState {
    /// Connects to the database, runs the migrations and, with `--demo`, seeds the demo store
    /// when there is no store yet.
    pub async fn from_config(config: &Config) -> Result<AppState, Error> {
        let db = Db::connect(&config.database_url).await?;
        if config.demo && crate::seed::seed_demo(&db).await? {
            tracing::info!("seeded the demo store and its users (password: demo)");
        }
        crate::static_files::warn_if_missing(&config.static_dir);
        let sync = crate::sync::Engine::new(
            crate::sync::SqlServerStore::new(db.clone()),
            huifang_core::sync::StateMachines::standard(),
            huifang_core::sync::ServerConfig {
                stamps: huifang_core::sync::StampPolicy {
                    max_future_ms: i64::from(config.max_clock_ahead_secs) * 1_000,
                },
                ..huifang_core::sync::ServerConfig::default()
            },
        );
        Ok(AppState {
            db,
            static_dir: Arc::new(config.static_dir.clone()),
            sync: Arc::new(sync),
            blobs: Arc::new(crate::blobs::BlobStore {
                dir: config.blob_dir.clone(),
                max_bytes: config.blob_max_bytes,
            }),
            complaint_rules: Arc::new(config.complaint_rules.clone()),
            sales_rules: Arc::new(config.sales_rules.clone()),
            models: Arc::new(config.models.clone()),
            test_drive_fleet: Arc::new(config.test_drive_fleet.clone()),
            secure_cookies: config.secure_cookies,
            sign_in_limiter: Arc::new(crate::auth::rate::SignInLimiter::new(
                config.sign_in_per_minute,
            )),
        })
    }
}
