//! The demo store: what `--demo` puts in an empty database so a new user can sign in at once.

use crate::auth::hash_password;
use crate::db::Db;
use crate::error::Error;
use crate::users::{NewUser, create_store, create_user};
use huifang_core::{Role, Username};

/// The demo store's name.
pub const DEMO_STORE: &str = "鸿达丰田4S店（演示）";
/// The demo store's dealer group.
pub const DEMO_GROUP: &str = "鸿达汽车集团";
/// Every demo user's password.
pub const DEMO_PASSWORD: &str = "demo";

/// The demo users: (username, display name, role).
pub const DEMO_USERS: [(&str, &str, Role); 8] = [
    ("supervisor", "陈静", Role::CareSupervisor),
    ("agent1", "王丽", Role::CareAgent),
    ("agent2", "李娜", Role::CareAgent),
    ("advisor1", "张伟", Role::SalesAdvisor),
    ("advisor2", "刘洋", Role::SalesAdvisor),
    ("manager", "赵强", Role::StoreManager),
    ("salesmgr", "周敏", Role::SalesManager),
    ("group", "孙浩", Role::GroupManager),
];

/// Seeds the demo store and users in one transaction if the database has no store.
/// Returns whether it seeded.
pub async fn seed_demo(db: &Db) -> Result<bool, Error> {
    if any_store(&db.pool).await? {
        return Ok(false);
    }
    // Hash before the transaction: Argon2 is slow and must not hold a write lock open.
    let mut hashes = Vec::with_capacity(DEMO_USERS.len());
    for _ in DEMO_USERS {
        hashes.push(tokio::spawn(hash_password(DEMO_PASSWORD.to_owned())));
    }
    let mut tx = db.pool.begin().await?;
    // Checked again inside the transaction: another process may have seeded meanwhile.
    if any_store(&mut *tx).await? {
        return Ok(false);
    }
    let store_id = create_store(&mut *tx, DEMO_STORE, Some(DEMO_GROUP)).await?;
    for ((username, display_name, role), hash) in DEMO_USERS.into_iter().zip(hashes) {
        let hash = hash
            .await
            .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))??;
        let username = Username::parse(username)
            .map_err(|e| Error::Internal(format!("demo username {username:?}: {e}")))?;
        create_user(
            &mut *tx,
            NewUser {
                store_id: &store_id,
                username: &username,
                display_name,
                role,
                password_hash: &hash,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

async fn any_store<'c, E>(executor: E) -> Result<bool, Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let id: Option<String> = sqlx::query_scalar("SELECT id FROM stores LIMIT 1")
        .fetch_optional(executor)
        .await?;
    Ok(id.is_some())
}
