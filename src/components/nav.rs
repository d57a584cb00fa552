//! Navigation by role: each role sees only the sections it may use (core `Section::for_role`).

use crate::i18n::{I18n, Key};
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn MainNav(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    view! {
        <nav class="main-nav" aria-label=i18n.text(Key::MainNavigation)>
            <ul>
                {Section::for_role(role)
                    .into_iter()
                    .map(|section| {
                        view! {
                            <li>
                                <A href=section.path()>
                                    {move || i18n.t(Key::nav(section))}
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
