//! The page for an address the app does not know.

use crate::i18n::{I18n, Key};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        <section class="card" data-testid="not-found">
            <h1>{i18n.text(Key::NotFoundTitle)}</h1>
            <p>{i18n.text(Key::NotFoundBody)}</p>
            <A href="/">{i18n.text(Key::BackHome)}</A>
        </section>
    }
}
