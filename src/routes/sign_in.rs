//! Sign-in, and unlocking after a reload. Errors are shown in the user's language; the typed
//! username is kept on failure. With no network a user who signed in on this tablet before
//! signs in with the same password (the tablet's keyring checks it: `storage::crypto`).

use crate::components::lang_switch::LangSwitch;
use crate::i18n::{I18n, Key};
use crate::session::{Earlier, Session, SignInError};
use crate::sync::connectivity::Connectivity;
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

/// The app's name and tagline at the top of the sign-in and unlock cards.
#[component]
fn Brand() -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        <div class="brand large">
            <span class="brand-mark" aria-hidden="true">"回"</span>
            <div>
                <h1>{i18n.text(Key::AppName)}</h1>
                <p class="hint">{i18n.text(Key::AppTagline)}</p>
            </div>
        </div>
    }
}

#[component]
fn PasswordField(password: RwSignal<String>) -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
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
    }
}

/// Why signing in or unlocking did not work, in the user's language.
#[component]
fn FormError(error: RwSignal<Option<Key>>) -> impl IntoView {
    let i18n = I18n::use_context();
    move || {
        error.get().map(|key| {
            view! {
                <p class="error" role="alert" data-testid="sign-in-error">
                    {i18n.text(key)}
                </p>
            }
        })
    }
}

/// What an attempt's outcome does to the form: the earlier-password field appears when the
/// password changed elsewhere; a wrong password is cleared; the reason is shown.
fn show_outcome(
    result: Result<(), SignInError>,
    password: RwSignal<String>,
    earlier: RwSignal<Option<String>>,
    error: RwSignal<Option<Key>>,
) {
    let Err(e) = result else {
        return;
    };
    leptos::logging::warn!("sign-in: {e}");
    match &e {
        SignInError::EarlierPasswordNeeded => earlier.set(Some(String::new())),
        SignInError::FirstSignInNeedsNetwork => {}
        SignInError::WrongEarlierPassword => earlier.set(Some(String::new())),
        _ if earlier.get_untracked().is_some() => earlier.set(Some(String::new())),
        _ => password.set(String::new()),
    }
    error.set(Some(e.key()));
}

/// How the data sealed under an earlier password is to be opened, from the form.
fn earlier_of(earlier: RwSignal<Option<String>>) -> Earlier {
    match earlier.get_untracked() {
        Some(e) if !e.is_empty() => Earlier::Password(e),
        _ => Earlier::Unknown,
    }
}

/// Once the server said the password changed elsewhere: the earlier one, or starting afresh
/// on this tablet (after the person confirms what that means).
#[component]
fn EarlierPasswordField(
    earlier: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    #[prop(into)] on_forgotten: Callback<()>,
) -> impl IntoView {
    let i18n = I18n::use_context();
    let forgotten = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(i18n.t(Key::EarlierForgottenConfirm))
                    .ok()
            })
            .unwrap_or(false);
        if confirmed {
            on_forgotten.run(());
        }
    };
    move || {
        earlier.get().is_some().then(|| {
            view! {
                <label class="field">
                    <span class="label-text">{i18n.text(Key::EarlierPassword)}</span>
                    <input
                        type="password"
                        name="earlier-password"
                        autocomplete="off"
                        prop:value=move || earlier.get().unwrap_or_default()
                        on:input=move |ev| earlier.set(Some(event_target_value(&ev)))
                    />
                </label>
                <button
                    type="button"
                    class="link"
                    data-testid="earlier-forgotten"
                    disabled=move || busy.get()
                    on:click=forgotten
                >
                    {i18n.text(Key::EarlierForgotten)}
                </button>
            }
        })
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
    // Asked for when the server's password is not the one this tablet's data is sealed with.
    let earlier = RwSignal::new(None::<String>);
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
        let before = earlier_of(earlier);
        spawn_local(async move {
            let result = session.sign_in(u, p, before).await;
            busy.set(false);
            show_outcome(result, password, earlier, error);
        });
    };
    let on_forgotten = move |()| {
        let (u, p) = (username.get_untracked(), password.get_untracked());
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = session.sign_in(u, p, Earlier::Forgotten).await;
            busy.set(false);
            show_outcome(result, password, earlier, error);
        });
    };

    view! {
        <main class="sign-in">
            <form class="card sign-in-card" on:submit=submit novalidate=true>
                <Brand/>
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
                <PasswordField password=password/>
                <EarlierPasswordField earlier=earlier busy=busy on_forgotten=on_forgotten/>
                <FormError error=error/>
                <Show when=move || !net.is_online()>
                    <p class="hint">{i18n.text(Key::SignInOfflineHint)}</p>
                </Show>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || i18n.t(if busy.get() { Key::SigningIn } else { Key::SignIn })}
                </button>
                <LangSwitch id="sign-in-lang"/>
            </form>
        </main>
    }
}

/// The person is still signed in (a reload, the app opened again) but this tab does not hold
/// their data key: their password unlocks it, here, with or without the network.
#[component]
pub fn Unlock(user: huifang_core::UserProfile) -> impl IntoView {
    let i18n = I18n::use_context();
    let session = Session::use_context();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Key>);
    let busy = RwSignal::new(false);
    let earlier = RwSignal::new(None::<String>);
    let attempt = move |how: Option<Earlier>| {
        let p = password.get_untracked();
        if p.is_empty() {
            error.set(Some(Key::ErrPasswordRequired));
            return;
        }
        busy.set(true);
        error.set(None);
        crate::timing::mark(crate::timing::UNLOCK_START);
        spawn_local(async move {
            let result = match how {
                None => session.unlock(p).await,
                Some(how) => session.unlock_with_earlier(p, how).await,
            };
            busy.set(false);
            if result.is_ok() {
                crate::timing::mark(crate::timing::UNLOCKED);
            }
            show_outcome(result, password, earlier, error);
        });
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        match earlier_of(earlier) {
            Earlier::Unknown => attempt(None),
            how => attempt(Some(how)),
        }
    };
    let on_forgotten = move |()| attempt(Some(Earlier::Forgotten));
    let other_user = move |_| session.sign_out();
    crate::timing::mark(crate::timing::UNLOCK_SHOWN);
    view! {
        <main class="sign-in" data-testid="unlock">
            <form class="card sign-in-card" on:submit=submit novalidate=true>
                <Brand/>
                <h2>{i18n.text(Key::UnlockTitle)}</h2>
                <p data-testid="unlock-user">
                    {user.display_name.clone()} " (@" {user.username.to_string()} ")"
                </p>
                <p class="hint">{i18n.text(Key::UnlockHint)}</p>
                <PasswordField password=password/>
                <EarlierPasswordField earlier=earlier busy=busy on_forgotten=on_forgotten/>
                <FormError error=error/>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || i18n.t(if busy.get() { Key::Unlocking } else { Key::Unlock })}
                </button>
                <button type="button" class="link" on:click=other_user>
                    {i18n.text(Key::UnlockOtherUser)}
                </button>
                <LangSwitch id="unlock-lang"/>
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
