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
