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
        }
    }
}

fn read_keyring(username: &str) -> Option<Keyring> {
    match local::read::<Keyring>(&keyring_key(username)) {
        Ok(k) => k,
        Err(e) => {
            leptos::logging::warn!("this tablet's keyring for {username} is unreadable: {e}");
            None
        }
    }
}

fn write_keyring(username: &str, keyring: &Keyring) -> Result<(), SignInError> {
    local::write(&keyring_key(username), keyring).map_err(|e| {
        SignInError::Crypto(CryptoError::Operation {
            what: "keep the keyring",
            message: e.to_string(),
        })
    })
}

/// The data key of `user` on this tablet, opened with `password` after the server accepted
/// it: the keyring's (made at the first sign-in here), re-wrapped from `earlier` when the
/// password changed elsewhere.
async fn server_accepted(
    user: &UserProfile,
    password: &str,
    earlier: Option<&str>,
) -> Result<Cipher, SignInError> {
    let username = user.username.to_string();
    let keyring = read_keyring(&username).filter(|k| k.user.id == user.id);
    let Some(keyring) = keyring else {
        let (keyring, cipher) = Keyring::create(user.clone(), password).await?;
        write_keyring(&username, &keyring)?;
        return Ok(cipher);
    };
    match keyring.unlock(password).await {
        Ok(cipher) => {
            if keyring.user != *user {
                // The profile changed (name, store): keep the current one for offline sign-in.
                let mut updated = keyring.clone();
                updated.user = user.clone();
                write_keyring(&username, &updated)?;
            }
            Ok(cipher)
        }
        Err(CryptoError::WrongPassword) => {
            let Some(earlier) = earlier else {
                return Err(SignInError::EarlierPasswordNeeded);
            };
            let mut rewrapped = keyring.rewrap(earlier, password).await?;
            rewrapped.user = user.clone();
            let cipher = rewrapped.unlock(password).await?;
            write_keyring(&username, &rewrapped)?;
            Ok(cipher)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct MeResponse {
    user: UserProfile,
}

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
    /// `earlier`: the password this tablet's data was sealed under, when the server's changed
    /// ([`SignInError::EarlierPasswordNeeded`]).
    pub async fn sign_in(
        &self,
        username: String,
        password: String,
        earlier: Option<String>,
    ) -> Result<(), SignInError> {
        let request = SignInRequest {
            username: username.clone(),
            password: password.clone(),
        };
        match transport::post_json::<_, SignInResponse>("/api/auth/sign-in", &request).await {
            Ok(answer) => {
                let cipher = server_accepted(&answer.user, &password, earlier.as_deref()).await?;
                self.unlocked_with(&answer.user, cipher).await;
                self.set_signed_in(answer.user);
                Ok(())
            }
            Err(ApiClientError::Network(e)) => {
                leptos::logging::log!("sign-in without the server ({e}): the tablet checks");
                let keyring =
                    read_keyring(&username).ok_or(SignInError::FirstSignInNeedsNetwork)?;
                let cipher = keyring.unlock(&password).await?;
                self.unlocked_with(&keyring.user, cipher).await;
                self.set_signed_in(keyring.user);
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
        match read_keyring(&username).filter(|k| k.user.id == user.id) {
            Some(keyring) => {
                let cipher = keyring.unlock(&password).await?;
                self.unlocked_with(&user, cipher).await;
                Ok(())
            }
            None => self.sign_in(username, password, None).await,
        }
    }

    /// Keeps the data key for this tab and opens the user's private entries.
    async fn unlocked_with(&self, user: &UserProfile, cipher: Cipher) {
        private::load(&user.id.0, &cipher).await;
        crypto::set_current(cipher);
        self.unlocked.set(true);
    }

    /// After a password change on this tablet: the data key is wrapped under the new one.
    pub async fn password_changed(&self, current: &str, new: &str) -> Result<(), SignInError> {
        let Some(user) = self.user.get_untracked() else {
            return Ok(());
        };
        let username = user.username.to_string();
        let Some(keyring) = read_keyring(&username) else {
            return Ok(());
        };
        let rewrapped = keyring.rewrap(current, new).await?;
        write_keyring(&username, &rewrapped)
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
                Ok(me) => this.set_signed_in(me.user),
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
