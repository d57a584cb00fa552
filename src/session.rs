//! Who is signed in, and whether this tab holds their data key. The profile is cached on the
//! device so the shell, and the name of the person signed in, show with no network; the server
//! is asked again whenever it can be reached.
//!
//! The device's data is sealed (`storage::crypto`): signing in unlocks it — online, or
//! offline on a tablet the user has signed in on before, with the same password. A reload
//! keeps the person signed in but locked until they type the password again ([`Unlock`]).
//!
//! [`Unlock`]: crate::routes::sign_in::Unlock

use crate::i18n::Key;
use crate::storage::crypto::{self, Cipher, CryptoError, Keyring, keyring_key};
use crate::storage::idb::{IdbClientStore, database_name};
use crate::storage::{local, private};
use crate::sync::transport::{self, ApiClientError};
use huifang_core::{SignInRequest, SignInResponse, UserProfile};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

#[derive(Clone, Copy)]
pub struct Session {
    user: RwSignal<Option<UserProfile>>,
    /// Why the user was signed out without asking (session expired), shown on the sign-in page.
    notice: RwSignal<Option<Key>>,
    /// Whether this tab holds the user's data key (`storage::crypto::current`).
    unlocked: RwSignal<bool>,
}

/// Why signing in or unlocking did not work.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Api(#[from] ApiClientError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The server took the password, but this tablet's data is sealed under an earlier one
    /// (changed on another device or reset by a supervisor): the earlier one opens it.
    #[error("this tablet's data was sealed under an earlier password")]
    EarlierPasswordNeeded,
    /// No network, and this user never signed in on this tablet (no keyring to check with).
    #[error("the first sign-in on this tablet needs the network")]
    FirstSignInNeedsNetwork,
    /// The earlier password given does not open this tablet's data either.
    #[error("the earlier password does not open this tablet's data")]
    WrongEarlierPassword,
}

impl SignInError {
    /// What the person reads.
    pub fn key(&self) -> Key {
        match self {
            SignInError::Api(e) => e.key(),
            SignInError::Crypto(CryptoError::WrongPassword) => Key::ErrInvalidCredentials,
            SignInError::Crypto(CryptoError::Unavailable(_)) => Key::ErrNoWebCrypto,
            SignInError::Crypto(_) => Key::ErrUnlockFailed,
            SignInError::EarlierPasswordNeeded => Key::UnlockEarlierPasswordNeeded,
            SignInError::FirstSignInNeedsNetwork => Key::ErrSignInNeedsNetwork,
            SignInError::WrongEarlierPassword => Key::ErrWrongEarlierPassword,
        }
    }
}

/// How the data sealed under an earlier password is to be opened after the server accepted a
/// new one ([`SignInError::EarlierPasswordNeeded`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Earlier {
    /// Not asked yet.
    Unknown,
    /// The earlier password: the key is re-wrapped under the new one.
    Password(String),
    /// The person does not remember it and chose to start afresh on this tablet: a new key and
    /// database; the old ones are kept aside, still sealed, never deleted.
    Forgotten,
}

/// `username`'s keyring on this tablet: `Ok(None)` if there is none; an error if there is
/// one this app cannot read (never replaced: that would lose the key to the data).
fn read_keyring(username: &str) -> Result<Option<Keyring>, SignInError> {
    local::read::<Keyring>(&keyring_key(username)).map_err(|e| {
        leptos::logging::warn!("this tablet's keyring for {username} is unreadable: {e}");
        SignInError::Crypto(CryptoError::Operation {
            what: "read the keyring",
            message: e.to_string(),
        })
    })
}

fn write_keyring(name: &str, keyring: &Keyring) -> Result<(), SignInError> {
    local::write(name, keyring).map_err(|e| {
        SignInError::Crypto(CryptoError::Operation {
            what: "keep the keyring",
            message: e.to_string(),
        })
    })
}

/// Keeps a keyring that is being replaced under another name (never deleted: with its old
/// password it still opens the database it names).
fn keep_aside(username: &str, keyring: &Keyring) -> Result<(), SignInError> {
    let name = format!(
        "{}.aside.{}.{}",
        keyring_key(username),
        keyring.user_id,
        js_sys::Date::now() as i64
    );
    write_keyring(&name, keyring)
}

/// The database a new key of `user` may seal: the usual one unless it already holds values
/// sealed under a key this tablet no longer has (then a fresh name; the old one is kept).
async fn database_for_new_key(user: &UserProfile) -> Result<String, SignInError> {
    let usual = database_name(&user.id);
    let probe = IdbClientStore::open(&usual, Cipher::generate().await?)
        .await
        .map_err(|e| {
            SignInError::Crypto(CryptoError::Operation {
                what: "open the device database",
                message: e.to_string(),
            })
        })?;
    let taken = probe.holds_sealed_values().await.map_err(|e| {
        SignInError::Crypto(CryptoError::Operation {
            what: "read the device database",
            message: e.to_string(),
        })
    })?;
    drop(probe);
    if !taken {
        return Ok(usual);
    }
    let suffix: String = crypto::random_bytes(4)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("{usual}-{suffix}"))
}

async fn new_keyring(user: &UserProfile, password: &str) -> Result<(Keyring, Cipher), SignInError> {
    let db = database_for_new_key(user).await?;
    let (keyring, cipher) = Keyring::create(user, db, password).await?;
    write_keyring(&keyring_key(&user.username.to_string()), &keyring)?;
    Ok((keyring, cipher))
}

/// The data key of `user` on this tablet, opened with `password` after the server accepted
/// it: the keyring's (made at the first sign-in here), re-wrapped from the earlier password
/// when it changed elsewhere.
async fn server_accepted(
    user: &UserProfile,
    password: &str,
    earlier: &Earlier,
) -> Result<(Keyring, Cipher), SignInError> {
    let username = user.username.to_string();
    let name = keyring_key(&username);
    let keyring = match read_keyring(&username)? {
        Some(k) if k.user_id == user.id.0 => k,
        Some(other) => {
            // The same name for another account (one that was deleted and made again).
            keep_aside(&username, &other)?;
            return new_keyring(user, password).await;
        }
        None => return new_keyring(user, password).await,
    };
    match keyring.unlock(password).await {
        Ok(cipher) => {
            if keyring.profile() != Some(user.clone()) {
                // The profile changed (name, store): keep the current one for offline sign-in.
                let mut updated = keyring.clone();
                updated.set_profile(user);
                write_keyring(&name, &updated)?;
                return Ok((updated, cipher));
            }
            Ok((keyring, cipher))
        }
        Err(CryptoError::WrongPassword) => match earlier {
            Earlier::Unknown => Err(SignInError::EarlierPasswordNeeded),
            Earlier::Password(earlier) => {
                let mut rewrapped =
                    keyring
                        .rewrap(earlier, password)
                        .await
                        .map_err(|e| match e {
                            CryptoError::WrongPassword => SignInError::WrongEarlierPassword,
                            other => other.into(),
                        })?;
                rewrapped.set_profile(user);
                let cipher = rewrapped.unlock(password).await?;
                write_keyring(&name, &rewrapped)?;
                Ok((rewrapped, cipher))
            }
            Earlier::Forgotten => {
                keep_aside(&username, &keyring)?;
                new_keyring(user, password).await
            }
        },
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/auth/me`.
#[derive(Deserialize)]
pub(crate) struct MeResponse {
    pub user: UserProfile,
}

/// Whose sign-in the server has not confirmed yet (made offline, with the tablet's keyring):
/// until it has, the sync does not run on a session cookie that may be someone else's.
pub const UNCONFIRMED: &str = "huifang.sign-in-unconfirmed";

impl Session {
    pub fn provide() -> Self {
        let cached = match local::read::<UserProfile>(local::keys::USER) {
            Ok(user) => user,
            Err(e) => {
                leptos::logging::warn!("cached profile unreadable: {e}");
                None
            }
        };
        let this = Session {
            user: RwSignal::new(cached),
            notice: RwSignal::new(None),
            unlocked: RwSignal::new(crypto::is_unlocked()),
        };
        provide_context(this);
        this
    }

    pub fn use_context() -> Self {
        use_context::<Session>().unwrap_or_else(Session::provide)
    }

    pub fn user(&self) -> Option<UserProfile> {
        self.user.get()
    }

    pub fn notice(&self) -> Option<Key> {
        self.notice.get()
    }

    /// Whether this tab holds the signed-in user's data key.
    pub fn is_unlocked(&self) -> bool {
        self.unlocked.get()
    }

    /// Signs in against the server, opens (or makes) this tablet's data key and caches the
    /// profile. With no network, the tablet's keyring checks the password instead.
    /// `earlier`: how to open data sealed under an earlier password, when the server's changed
    /// ([`SignInError::EarlierPasswordNeeded`]).
    pub async fn sign_in(
        &self,
        username: String,
        password: String,
        earlier: Earlier,
    ) -> Result<(), SignInError> {
        let request = SignInRequest {
            username: username.clone(),
            password: password.clone(),
        };
        match transport::post_json::<_, SignInResponse>("/api/auth/sign-in", &request).await {
            Ok(answer) => {
                let (keyring, cipher) = server_accepted(&answer.user, &password, &earlier).await?;
                local::remove(UNCONFIRMED);
                self.unlocked_with(&keyring, cipher).await;
                self.set_signed_in(answer.user);
                Ok(())
            }
            Err(ApiClientError::Network(e)) => {
                leptos::logging::log!("sign-in without the server ({e}): the tablet checks");
                let keyring =
                    read_keyring(&username)?.ok_or(SignInError::FirstSignInNeedsNetwork)?;
                let profile = keyring
                    .profile()
                    .ok_or(SignInError::FirstSignInNeedsNetwork)?;
                let cipher = keyring.unlock(&password).await?;
                // The session cookie this tablet holds may be another person's: the sync waits
                // until the server confirms whose it is.
                if let Err(e) = local::write(UNCONFIRMED, &profile.id.0) {
                    leptos::logging::warn!("could not note the offline sign-in: {e}");
                }
                self.unlocked_with(&keyring, cipher).await;
                self.set_signed_in(profile);
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Unlocks the data of the person still signed in (after a reload) with their password,
    /// checked by this tablet's keyring. A tablet without one (data kept by an earlier
    /// version) signs in with the server to make it.
    pub async fn unlock(&self, password: String) -> Result<(), SignInError> {
        let Some(user) = self.user.get_untracked() else {
            return Ok(());
        };
        let username = user.username.to_string();
        match read_keyring(&username)?.filter(|k| k.user_id == user.id.0) {
            Some(keyring) => match keyring.unlock(&password).await {
                Ok(cipher) => {
                    self.unlocked_with(&keyring, cipher).await;
                    Ok(())
                }
                // Perhaps the password changed elsewhere: the server tells (and then asks for
                // the earlier one); with no network it stays a wrong password.
                Err(CryptoError::WrongPassword) => {
                    match self.sign_in(username, password, Earlier::Unknown).await {
                        Err(SignInError::FirstSignInNeedsNetwork) => {
                            Err(CryptoError::WrongPassword.into())
                        }
                        other => other,
                    }
                }
                Err(e) => Err(e.into()),
            },
            None => self.sign_in(username, password, Earlier::Unknown).await,
        }
    }

    /// Unlocks with the earlier password, or starts afresh, after the unlock page learnt the
    /// password changed elsewhere.
    pub async fn unlock_with_earlier(
        &self,
        password: String,
        earlier: Earlier,
    ) -> Result<(), SignInError> {
        let Some(user) = self.user.get_untracked() else {
            return Ok(());
        };
        self.sign_in(user.username.to_string(), password, earlier)
            .await
    }

    /// Keeps the data key for this tab (for this user only) and opens the private entries.
    async fn unlocked_with(&self, keyring: &Keyring, cipher: Cipher) {
        private::load(&keyring.user_id, &cipher).await;
        crypto::set_unlocked(keyring, cipher);
        self.unlocked.set(true);
    }

    /// After a password change on this tablet: the data key is wrapped under the new one.
    pub async fn password_changed(&self, current: &str, new: &str) -> Result<(), SignInError> {
        let Some(user) = self.user.get_untracked() else {
            return Ok(());
        };
        let username = user.username.to_string();
        let Some(keyring) = read_keyring(&username)?.filter(|k| k.user_id == user.id.0) else {
            return Ok(());
        };
        let rewrapped = keyring.rewrap(current, new).await?;
        write_keyring(&keyring_key(&username), &rewrapped)
    }

    /// Forgets the data key and everything opened with it; the sealed data stays.
    fn lock(&self) {
        crypto::forget();
        private::clear();
        self.unlocked.set(false);
    }

    fn set_signed_in(&self, user: UserProfile) {
        if let Err(e) = local::write(local::keys::USER, &user) {
            leptos::logging::warn!("could not cache the profile for offline use: {e}");
        }
        self.notice.set(None);
        self.user.set(Some(user));
    }

    /// Signs out on the device at once, and on the server when it can be reached.
    pub fn sign_out(&self) {
        local::remove(local::keys::USER);
        self.lock();
        self.user.set(None);
        spawn_local(async {
            if let Err(e) = transport::post_empty("/api/auth/sign-out").await {
                leptos::logging::warn!("server sign-out failed (the device is signed out): {e}");
            }
        });
    }

    /// Asks the server whether the cached session still holds. Offline, nothing changes;
    /// a session the server no longer knows signs the device out with a notice.
    pub fn revalidate(&self) {
        if self.user.get_untracked().is_none() {
            return;
        }
        let this = *self;
        spawn_local(async move {
            match transport::get_json::<MeResponse>("/api/auth/me").await {
                Ok(me) => {
                    if this
                        .user
                        .get_untracked()
                        .is_some_and(|u| u.id == me.user.id)
                    {
                        local::remove(UNCONFIRMED);
                        this.set_signed_in(me.user);
                    } else {
                        // The tablet's session is another person's (signed in offline over
                        // it): nobody's data crosses; sign in again, online.
                        local::remove(local::keys::USER);
                        this.lock();
                        this.notice.set(Some(Key::ErrSessionOtherUser));
                        this.user.set(None);
                    }
                }
                Err(e) if e.is_unauthenticated() => {
                    local::remove(local::keys::USER);
                    this.lock();
                    this.notice.set(Some(Key::SessionExpired));
                    this.user.set(None);
                }
                Err(e) => leptos::logging::log!("session not rechecked now: {e}"),
            }
        });
    }
}
