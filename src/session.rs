//! Who is signed in. The profile is cached on the device so the shell, and the name of the
//! person signed in, show with no network; the server is asked again whenever it can be reached.

use crate::i18n::Key;
use crate::storage::local;
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

    /// Signs in against the server and caches the profile on the device.
    pub async fn sign_in(&self, username: String, password: String) -> Result<(), ApiClientError> {
        let answer: SignInResponse =
            transport::post_json("/api/auth/sign-in", &SignInRequest { username, password })
                .await?;
        self.set_signed_in(answer.user);
        Ok(())
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
                    this.notice.set(Some(Key::SessionExpired));
                    this.user.set(None);
                }
                Err(e) => leptos::logging::log!("session not rechecked now: {e}"),
            }
        });
    }
}
