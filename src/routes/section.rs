//! A section's page. Sections whose feature has not landed say what is coming — no fake data.

use crate::i18n::{I18n, Key};
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SectionPage(section: Section, role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !section.visible_to(role) {
        return view! {
            <section class="card" data-testid="no-access">
                <h1>{i18n.text(Key::NoAccessTitle)}</h1>
                <p>{i18n.text(Key::NoAccessBody)}</p>
                <A href=Section::home(role).path()>{i18n.text(Key::BackHome)}</A>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="card" data-section=section.path()>
            <h1>{move || i18n.t(Key::nav(section))}</h1>
            {Key::planned(section)
                .map(|planned| {
                    view! {
                        <div class="planned">
                            <h2>{i18n.text(Key::PlannedHeading)}</h2>
                            <p>{i18n.text(planned)}</p>
                        </div>
                    }
                })}
        </section>
    }
    .into_any()
}
