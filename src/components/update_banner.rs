//! "A new version is ready": accepting activates it and reloads, but not while a form holds
//! unsaved input.

use crate::i18n::{I18n, Key};
use crate::sync::service_worker::{AppUpdate, UpdateError};
use crate::unsaved::UnsavedWork;
use leptos::prelude::*;

#[component]
pub fn UpdateBanner() -> impl IntoView {
    let i18n = I18n::use_context();
    let unsaved = UnsavedWork::use_context();
    let dismissed = RwSignal::new(false);
    let Some(update) = AppUpdate::use_context() else {
        return ().into_any();
    };
    let apply = move |_| match update.apply(unsaved) {
        Ok(()) => {}
        Err(UpdateError::UnsavedInput) => {}
        Err(e @ UpdateError::NothingWaiting) => leptos::logging::warn!("update: {e}"),
    };
    view! {
        <Show when=move || update.is_ready() && !dismissed.get()>
            <div class="update-banner" role="alert" data-testid="update-banner">
                <span>{i18n.text(Key::UpdateAvailable)}</span>
                <Show when=move || unsaved.any()>
                    <span class="hint">{i18n.text(Key::UpdateBlockedUnsaved)}</span>
                </Show>
                <button
                    class="primary"
                    on:click=apply
                    disabled=move || unsaved.any() || update.is_applying()
                >
                    {move || {
                        i18n.t(if update.is_applying() { Key::UpdateApplying } else { Key::UpdateNow })
                    }}
                </button>
                <button class="secondary" on:click=move |_| dismissed.set(true)>
                    {i18n.text(Key::UpdateLater)}
                </button>
            </div>
        </Show>
    }
    .into_any()
}
