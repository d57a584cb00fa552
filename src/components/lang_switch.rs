//! Switches the interface language; the choice is remembered on the device.

use crate::i18n::{I18n, Key, Lang};
use leptos::prelude::*;

#[component]
pub fn LangSwitch(#[prop(optional)] id: Option<&'static str>) -> impl IntoView {
    let i18n = I18n::use_context();
    let id = id.unwrap_or("lang-switch");
    view! {
        <label class="lang-switch" for=id>
            <span class="label-text">{i18n.text(Key::Language)}</span>
            <select
                id=id
                on:change=move |ev| {
                    if let Some(lang) = Lang::from_tag(&event_target_value(&ev)) {
                        i18n.set_lang(lang);
                    }
                }
            >
                {Lang::ALL
                    .into_iter()
                    .map(|lang| {
                        view! {
                            <option value=lang.tag() selected=move || i18n.lang() == lang>
                                {lang.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
