//! The top bar: app name, connectivity, sync state, the person signed in and their store.

use crate::components::lang_switch::LangSwitch;
use crate::components::sync_status::SyncStatusBar;
use crate::i18n::{I18n, Key};
use crate::sync::connectivity::Connectivity;
use huifang_core::UserProfile;
use leptos::prelude::*;

#[component]
pub fn TopBar(user: UserProfile) -> impl IntoView {
    let i18n = I18n::use_context();
    let net = Connectivity::use_context();
    let role = user.role;
    view! {
        <header class="top-bar">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"回"</span>
                <span class="brand-name">{i18n.text(Key::AppName)}</span>
            </div>
            <div class="status" role="status" aria-live="polite">
                <span
                    class="pill"
                    class:online=move || net.is_online()
                    class:offline=move || !net.is_online()
                    data-testid="connectivity"
                >
                    {move || i18n.t(if net.is_online() { Key::Online } else { Key::Offline })}
                </span>
                <SyncStatusBar/>
            </div>
            <div class="who" data-testid="signed-in-user">
                <span class="who-name">{user.display_name.clone()}</span>
                <span class="who-username">"@" {user.username.to_string()}</span>
                <span class="who-role">{move || i18n.t(Key::role(role))}</span>
                <span class="who-store" data-testid="store-name">{user.store_name.clone()}</span>
            </div>
            <LangSwitch/>
        </header>
    }
}
