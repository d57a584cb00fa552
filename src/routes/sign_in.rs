//! Sign-in. Errors are shown in the user's language; the typed username is kept on failure.

use crate::components::lang_switch::LangSwitch;
use crate::i18n::{I18n, Key};
use crate::session::Session;
use crate::sync::connectivity::Connectivity;
use crate::sync::transport::ApiClientError;
use crate::unsaved::use_unsaved_guard;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What is wrong with the sign-in form before anything is sent.
fn check(username: &str, password: &str) -> Option<Key> {
    if username.trim().is_empty() {
        Some(Key::ErrUsernameRequired)
    } else if password.is_empty() {
        Some(Key::ErrPasswordRequired)
    } else {
        None
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = I18n::use_context();
    let session = Session::use_context();
    let net = Connectivity::use_context();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(session.notice());
    let busy = RwSignal::new(false);
    use_unsaved_guard(move || !username.get().is_empty() || !password.get().is_empty());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (u, p) = (username.get_untracked(), password.get_untracked());
        if let Some(problem) = check(&u, &p) {
            error.set(Some(problem));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = session.sign_in(u, p).await;
            busy.set(false);
            match result {
                Ok(()) => {}
                Err(e @ ApiClientError::Network(_)) => {
                    leptos::logging::warn!("sign-in: {e}");
                    error.set(Some(Key::ErrSignInNeedsNetwork));
                }
                Err(e) => {
                    leptos::logging::warn!("sign-in: {e}");
                    password.set(String::new());
                    error.set(Some(e.key()));
                }
            }
        });
    };

    view! {
        <main class="sign-in">
            <form class="card sign-in-card" on:submit=submit novalidate=true>
                <div class="brand large">
                    <span class="brand-mark" aria-hidden="true">"回"</span>
                    <div>
                        <h1>{i18n.text(Key::AppName)}</h1>
                        <p class="hint">{i18n.text(Key::AppTagline)}</p>
                    </div>
                </div>
                <h2>{i18n.text(Key::SignInTitle)}</h2>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::Username)}</span>
                    <input
                        type="text"
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::Password)}</span>
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                {move || {
                    error
                        .get()
                        .map(|key| {
                            view! {
                                <p class="error" role="alert" data-testid="sign-in-error">
                                    {i18n.text(key)}
                                </p>
                            }
                        })
                }}
                <Show when=move || !net.is_online()>
                    <p class="hint">{i18n.text(Key::ErrSignInNeedsNetwork)}</p>
                </Show>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || i18n.t(if busy.get() { Key::SigningIn } else { Key::SignIn })}
                </button>
                <LangSwitch id="sign-in-lang"/>
            </form>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_names_what_is_missing_first() {
        assert_eq!(check("", ""), Some(Key::ErrUsernameRequired));
        assert_eq!(check("   ", "x"), Some(Key::ErrUsernameRequired));
        assert_eq!(check("agent1", ""), Some(Key::ErrPasswordRequired));
        assert_eq!(check("agent1", "demo"), None);
    }
}
