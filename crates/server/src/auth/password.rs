//! Argon2id password hashing. Hashing is deliberately slow, so it runs on tokio's blocking
//! pool and never stalls the request threads.

use crate::error::Error;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;

/// Hashes a password with Argon2id (the crate's default parameters) into a PHC string.
pub async fn hash_password(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))?
}

/// Checks a password against a stored PHC string. `None` verifies against a dummy hash so an
/// unknown username takes as long as a wrong password, then answers `false`.
pub async fn verify_password(password: String, stored: Option<String>) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            match DUMMY_HASH.as_deref() {
                Some(dummy) => {
                    let _ = verify_blocking(&password, dummy);
                }
                None => tracing::warn!("no dummy password hash: sign-in timing may differ"),
            }
            Ok(false)
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("password verification task failed: {e}")))?
}

/// A hash of a random password with the same parameters as real hashes.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_blocking("no user has this password").ok());

fn hash_blocking(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Internal(format!("hashing a password failed: {e}")))
}

fn verify_blocking(password: &str, stored: &str) -> Result<bool, Error> {
    let parsed = PasswordHash::new(stored)
        .map_err(|e| Error::Internal(format!("a stored password hash is malformed: {e}")))?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(Error::Internal(format!("verifying a password failed: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password("demo".to_owned()).await.expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("demo".to_owned(), Some(hash.clone()))
                .await
                .expect("verifies")
        );
        assert!(
            !verify_password("Demo".to_owned(), Some(hash))
                .await
                .expect("verifies")
        );
        assert!(
            !verify_password("demo".to_owned(), None)
                .await
                .expect("dummy verifies")
        );
    }
}
