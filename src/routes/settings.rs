//! Device settings: language, the signed-in account, the app version, signing out.

use crate::components::lang_switch::LangSwitch;
use crate::i18n::{I18n, Key};
use crate::session::Session;
use crate::sync::connectivity::Connectivity;
use crate::sync::service_worker;
use leptos::prelude::*;

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
            <h1>{move || i18n.t(Key::SettingsTitle)}</h1>
            <div class="field">
                <LangSwitch id="settings-lang"/>
                <p class="hint">{move || i18n.t(Key::SettingsLanguageHint)}</p>
            </div>
            <h2>{move || i18n.t(Key::SettingsAccount)}</h2>
            {move || {
                session
                    .user()
                    .map(|u| {
                        view! {
                            <dl class="facts">
                                <dt>{move || i18n.t(Key::SignedInAs)}</dt>
                                <dd>{u.display_name.clone()} " (" {u.username.to_string()} ")"</dd>
                                <dt>{move || i18n.t(Key::StoreLabel)}</dt>
                                <dd>{u.store_name.clone()}</dd>
                            </dl>
                        }
                    })
            }}
            <h2>{move || i18n.t(Key::SettingsVersion)}</h2>
            <p data-testid="app-version">
                {env!("CARGO_PKG_VERSION")} " · "
                {move || match build.get() {
                    Some(Some(id)) => id,
                    _ => i18n.t(Key::SettingsVersionUnknown).to_owned(),
                }}
            </p>
            <button class="danger" on:click=sign_out>{move || i18n.t(Key::SignOut)}</button>
        </section>
    }
}
