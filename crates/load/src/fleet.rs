//! The people behind the tablets: stores of a dealer group, each with its care agents, sales
//! advisors and a care supervisor, and one group manager who reads everything (the
//! verification's eyes). Written into a fresh database through the server's own functions
//! (`users::create_store`, `users::create_user`, `auth::session::create`) before any server
//! process starts: the server has no HTTP API to create users.
//!
//! Each tablet is its own user with its own session, as in a store (one agent, one tablet).
//! The sessions are made directly rather than by signing in 1,000 times, because each sign-in
//! is an Argon2 verification (tens of ms of CPU) that is not what a load run measures; the
//! group manager does sign in through `POST /api/auth/sign-in`, so every run exercises it.

use crate::tablet::Identity;
use huifang_core::{Role, StoreId, UserId, Username};
use huifang_server::Db;
use huifang_server::users::{NewUser, create_store, create_user};
use sqlx::Connection;

/// The password of every load user.
pub const LOAD_PASSWORD: &str = "load-password-1";
/// The group manager's username.
pub const AUDITOR: &str = "load-group";
const GROUP: &str = "负载测试汽车集团";

/// Why the fleet could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("the server's database functions: {0}")]
    Server(#[from] huifang_server::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error("{0}")]
    Other(String),
}

/// How the tablets divide into stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FleetPlan {
    pub tablets: usize,
    /// Tablets per store (the last store may have fewer).
    pub per_store: usize,
    /// Of each store's tablets, one in this many is a sales advisor's (the rest: care agents).
    pub advisor_every: usize,
}

impl FleetPlan {
    pub fn new(tablets: usize) -> Self {
        FleetPlan {
            tablets,
            per_store: 20,
            advisor_every: 5,
        }
    }

    pub fn stores(&self) -> usize {
        self.tablets.div_ceil(self.per_store.max(1))
    }
}

/// Everyone, signed in.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// One per tablet, in tablet order.
    pub tablets: Vec<Identity>,
    pub stores: Vec<StoreId>,
    /// The group manager (no session yet: [`crate::run`] signs in through the API).
    pub auditor: UserId,
}

/// Creates the stores, users and sessions of `plan` in the database at `database_url`
/// (migrating it first). Returns once it is all committed and the pool is closed.
pub async fn seed(database_url: &str, plan: FleetPlan) -> Result<Fleet, FleetError> {
    let db = Db::connect(database_url).await?;
    let result = seed_into(&db, plan).await;
    db.close().await;
    result
}

async fn seed_into(db: &Db, plan: FleetPlan) -> Result<Fleet, FleetError> {
    let hash = huifang_server::auth::hash_password(LOAD_PASSWORD.to_owned()).await?;
    let username = |text: &str| {
        Username::parse(text).map_err(|e| FleetError::Other(format!("username {text:?}: {e}")))
    };
    let mut stores = Vec::new();
    let mut people: Vec<(String, UserId, StoreId, Role)> = Vec::with_capacity(plan.tablets);
    let mut auditor = None;
    for s in 0..plan.stores() {
        let mut tx = db.pool.begin().await.map_err(huifang_server::Error::from)?;
        let store = create_store(&mut *tx, &format!("负载测试店{s:03}"), Some(GROUP)).await?;
        // A care supervisor per store: the server writes a delivery's post-delivery callback
        // in her name.
        let supervisor = username(&format!("s{s}-supervisor"))?;
        create_user(
            &mut *tx,
            NewUser {
                store_id: &store,
                username: &supervisor,
                display_name: "负载主管",
                role: Role::CareSupervisor,
                password_hash: &hash,
            },
        )
        .await?;
        if s == 0 {
            let name = username(AUDITOR)?;
            auditor = Some(
                create_user(
                    &mut *tx,
                    NewUser {
                        store_id: &store,
                        username: &name,
                        display_name: "负载集团经理",
                        role: Role::GroupManager,
                        password_hash: &hash,
                    },
                )
                .await?,
            );
        }
        let first = s * plan.per_store;
        let last = (first + plan.per_store).min(plan.tablets);
        for n in first..last {
            let k = n - first;
            let (role, name, display) = if k % plan.advisor_every.max(1) == plan.advisor_every - 1 {
                (Role::SalesAdvisor, format!("s{s}-advisor{k}"), "负载顾问")
            } else {
                (Role::CareAgent, format!("s{s}-agent{k}"), "负载专员")
            };
            let name = username(&name)?;
            let id = create_user(
                &mut *tx,
                NewUser {
                    store_id: &store,
                    username: &name,
                    display_name: display,
                    role,
                    password_hash: &hash,
                },
            )
            .await?;
            people.push((name.as_str().to_owned(), id, store.clone(), role));
        }
        tx.commit().await.map_err(huifang_server::Error::from)?;
        stores.push(store);
    }
    let mut tablets = Vec::with_capacity(people.len());
    for (username, user, store, role) in people {
        let token = huifang_server::auth::new_token()?;
        huifang_server::auth::session::create(db, &huifang_server::auth::token_hash(&token), &user)
            .await?;
        tablets.push(Identity {
            username,
            user,
            store,
            role,
            token,
        });
    }
    let auditor = auditor.ok_or_else(|| FleetError::Other("no store was made".into()))?;
    Ok(Fleet {
        tablets,
        stores,
        auditor,
    })
}

/// A fresh database on the PostgreSQL server of `admin_url` (which names any database the
/// user may connect to); returns its URL.
pub async fn fresh_pg_database(admin_url: &str) -> Result<String, FleetError> {
    Ok(huifang_server::db::create_scratch_postgres(admin_url, "load").await?)
}

/// Drops a database [`fresh_pg_database`] made (after every server using it stopped).
pub async fn drop_pg_database(admin_url: &str, url: &str) -> Result<(), FleetError> {
    let Some(name) = url
        .split('?')
        .next()
        .and_then(|base| base.rsplit('/').next())
        .filter(|n| n.starts_with("load_"))
    else {
        return Ok(());
    };
    let mut admin = sqlx::postgres::PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_hold_their_share() {
        assert_eq!(FleetPlan::new(1000).stores(), 50);
        assert_eq!(FleetPlan::new(21).stores(), 2);
    }
}
