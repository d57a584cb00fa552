//! The page for an address the app does not know.

use crate::i18n::{I18n, Key};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        <section class="card" data-testid="not-found">
            <h1>{move || i18n.t(Key::NotFoundTitle)}</h1>
            <p>{move || i18n.t(Key::NotFoundBody)}</p>
            <A href="/">{move || i18n.t(Key::BackHome)}</A>
        </section>
    }
}
