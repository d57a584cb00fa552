//! Device settings: language, the signed-in account, the app version, signing out.

use crate::components::lang_switch::LangSwitch;
use crate::i18n::format::{bytes, percent};
use crate::i18n::{I18n, Key};
use crate::session::Session;
use crate::sync::connectivity::Connectivity;
use crate::sync::{browser, service_worker};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn Settings() -> impl IntoView {
    let i18n = I18n::use_context();
    let session = Session::use_context();
    let net = Connectivity::use_context();
    let build = LocalResource::new(service_worker::current_build);
    let sign_out = move |_| {
        let confirmed = net.is_online()
            || web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(i18n.t(Key::SignOutConfirmOffline))
                        .ok()
                })
                .unwrap_or(false);
        if confirmed {
            session.sign_out();
        }
    };
    view! {
        <section class="card settings">
            <h1>{i18n.text(Key::SettingsTitle)}</h1>
            <div class="field">
                <LangSwitch id="settings-lang"/>
                <p class="hint">{i18n.text(Key::SettingsLanguageHint)}</p>
            </div>
            <h2>{i18n.text(Key::SettingsAccount)}</h2>
            {move || {
                session
                    .user()
                    .map(|u| {
                        view! {
                            <dl class="facts">
                                <dt>{i18n.text(Key::SignedInAs)}</dt>
                                <dd>{u.display_name.clone()} " (" {u.username.to_string()} ")"</dd>
                                <dt>{i18n.text(Key::StoreLabel)}</dt>
                                <dd>{u.store_name.clone()}</dd>
                            </dl>
                        }
                    })
            }}
            <ChangePassword/>
            <StorageSection/>
            <h2>{i18n.text(Key::SettingsVersion)}</h2>
            <p data-testid="app-version">
                {env!("CARGO_PKG_VERSION")} " · "
                {move || match build.get() {
                    Some(Some(id)) => id,
                    _ => i18n.t(Key::SettingsVersionUnknown).to_owned(),
                }}
            </p>
            <button class="danger" on:click=sign_out>{i18n.text(Key::SignOut)}</button>
        </section>
    }
}

/// Usage against quota, and persistent storage (DESIGN.md "Storage in the browser").
#[component]
fn StorageSection() -> impl IntoView {
    let i18n = I18n::use_context();
    let asked = RwSignal::new(0u32);
    let refused = RwSignal::new(false);
    let state = LocalResource::new(move || {
        asked.track();
        browser::storage()
    });
    let ask = move |_| {
        spawn_local(async move {
            match browser::persist().await {
                Ok(granted) => refused.set(!granted),
                Err(e) => {
                    leptos::logging::warn!("persist() failed: {e}");
                    refused.set(true);
                }
            }
            asked.update(|n| *n += 1);
        });
    };
    view! {
        <h2>{i18n.text(Key::SettingsStorage)}</h2>
        {move || {
            state
                .get()
                .map(|read| match read {
                    Ok(s) => {
                        let usage = match (s.usage, s.quota) {
                            (Some(u), Some(q)) => {
                                format!("{} / {} ({})", bytes(u), bytes(q), percent(u, q))
                            }
                            _ => i18n.t(Key::StorageUnknown).to_owned(),
                        };
                        let persisted = s.persisted == Some(true);
                        view! {
                            <dl class="facts">
                                <dt>{i18n.text(Key::StorageUsage)}</dt>
                                <dd data-testid="storage-usage">{usage}</dd>
                            </dl>
                            <p data-testid="storage-persisted" data-persisted=persisted.to_string()>
                                {move || i18n.t(if persisted { Key::StoragePersisted } else { Key::StorageNotPersisted })}
                            </p>
                            {(!persisted)
                                .then(|| {
                                    view! {
                                        <button class="secondary" on:click=ask>
                                            {i18n.text(Key::StoragePersistAsk)}
                                        </button>
                                    }
                                })}
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="error" title=e.to_string()>{i18n.t(Key::StorageUnknown)}</p> }.into_any(),
                })
        }}
        {move || refused.get().then(|| view! { <p class="hint">{i18n.t(Key::StoragePersistRefused)}</p> })}
    }
}

/// Changing the signed-in user's password (online only: the server checks the current one).
/// The rules are checked here first, in the person's language; the server checks them again.
#[component]
fn ChangePassword() -> impl IntoView {
    use huifang_core::api::{ChangePasswordRequest, PasswordProblem, check_new_password};
    let i18n = I18n::use_context();
    let session = Session::use_context();
    let net = Connectivity::use_context();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    // The outcome: Ok(()) changed, Err(message) refused.
    let outcome = RwSignal::new(None::<Result<(), Key>>);
    // The password changed but this tablet's key is still wrapped under the earlier one.
    let key_warning = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let username = session
            .user()
            .map(|u| u.username.to_string())
            .unwrap_or_default();
        let (cur, next) = (current.get_untracked(), new.get_untracked());
        let checked = check_new_password(&username, &cur, &next).map_err(|p| match p {
            PasswordProblem::TooShort => Key::PasswordErrShort,
            PasswordProblem::TooLong => Key::PasswordErrLong,
            PasswordProblem::SameAsUsername => Key::PasswordErrUsername,
            PasswordProblem::Unchanged => Key::PasswordErrUnchanged,
        });
        let checked = checked.and_then(|()| {
            if next == repeat.get_untracked() {
                Ok(())
            } else {
                Err(Key::PasswordErrRepeat)
            }
        });
        if let Err(key) = checked {
            outcome.set(Some(Err(key)));
            return;
        }
        if !net.is_online() {
            outcome.set(Some(Err(Key::PasswordErrOffline)));
            return;
        }
        saving.set(true);
        outcome.set(None);
        spawn_local(async move {
            let (old_password, new_password) = (cur.clone(), next.clone());
            let request = ChangePasswordRequest {
                current: cur,
                new: next,
            };
            let result = crate::sync::transport::post_json_empty("/api/auth/password", &request)
                .await
                .map_err(|e| match &e {
                    crate::sync::transport::ApiClientError::Server { error, .. }
                        if error.error == huifang_core::ErrorCode::InvalidCredentials =>
                    {
                        Key::PasswordErrCurrent
                    }
                    crate::sync::transport::ApiClientError::Network(_) => Key::PasswordErrOffline,
                    _ => e.key(),
                });
            if result.is_ok() {
                // The tablet's data key is wrapped under the new password from now on (if
                // this fails, the next sign-in asks for the earlier one: nothing is lost).
                if let Err(e) = session.password_changed(&old_password, &new_password).await {
                    leptos::logging::warn!(
                        "the tablet's key stays under the earlier password: {e}"
                    );
                    key_warning.set(true);
                }
                current.set(String::new());
                new.set(String::new());
                repeat.set(String::new());
            }
            saving.set(false);
            outcome.set(Some(result));
        });
    };
    let field = move |label: Key, value: RwSignal<String>, auto: &'static str| {
        view! {
            <label class="field">
                <span class="label-text">{i18n.text(label)}</span>
                <input
                    type="password"
                    autocomplete=auto
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };
    view! {
        <form class="password-form" data-testid="change-password" on:submit=submit>
            <h2>{i18n.text(Key::PasswordTitle)}</h2>
            {field(Key::PasswordCurrent, current, "current-password")}
            {field(Key::PasswordNew, new, "new-password")}
            {field(Key::PasswordRepeat, repeat, "new-password")}
            <p class="hint">{i18n.text(Key::PasswordHint)}</p>
            {move || {
                key_warning
                    .get()
                    .then(|| view! { <p class="error" role="alert">{i18n.t(Key::PasswordKeyNotRewrapped)}</p> })
            }}
            {move || match outcome.get() {
                Some(Ok(())) => view! {
                    <p class="notice" role="status" data-testid="password-changed">{i18n.text(Key::PasswordChanged)}</p>
                }.into_any(),
                Some(Err(key)) => view! {
                    <p class="error" role="alert" data-testid="password-error">{i18n.t(key)}</p>
                }.into_any(),
                None => ().into_any(),
            }}
            <button type="submit" disabled=move || saving.get()>
                {move || i18n.t(if saving.get() { Key::PasswordSaving } else { Key::PasswordSave })}
            </button>
        </form>
    }
}
