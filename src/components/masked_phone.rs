//! A customer's or lead's phone number as the tablet holds it. Managers' tablets hold numbers
//! masked (`138****5678`, the server masks them on pull); this shows the mask with a
//! 查看号码 button that asks why, sends the reason to the server (which writes it to the
//! audit log) and shows the number — in this page only, never stored on the tablet.

use crate::i18n::{I18n, Key};
use crate::sync::connectivity::Connectivity;
use crate::sync::transport::{self, ApiClientError};
use huifang_core::privacy::{RevealError, RevealRequest, RevealResponse, check_reason, is_masked};
use huifang_core::sync::RecordId;
use leptos::prelude::*;
use leptos::task::spawn_local;

fn tel(phone: &str) -> String {
    format!("tel:{}", phone.replace('-', ""))
}

/// The number of `record` as `phone`: a call link when it is whole, the mask and a way to
/// reveal it when it is not.
#[component]
pub fn PhoneShown(record: RecordId, phone: String) -> impl IntoView {
    if !is_masked(&phone) {
        return view! {
            <a class="call" href=tel(&phone) data-testid="phone-link">{phone.clone()}</a>
        }
        .into_any();
    }
    view! { <MaskedPhone record=record masked=phone/> }.into_any()
}

#[component]
fn MaskedPhone(record: RecordId, masked: String) -> impl IntoView {
    let i18n = I18n::use_context();
    let net = Connectivity::use_context();
    let asking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<(Key, String)>);
    let revealed = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let given = reason.get_untracked();
        let checked = check_reason(&given)
            .map(str::to_owned)
            .map_err(|e| match e {
                RevealError::ReasonTooShort => (Key::RevealErrShort, e.to_string()),
                RevealError::ReasonTooLong => (Key::RevealErrLong, e.to_string()),
            });
        let given = match checked {
            Ok(given) => given,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        if !net.is_online() {
            error.set(Some((Key::RevealErrOffline, String::new())));
            return;
        }
        sending.set(true);
        error.set(None);
        let request = RevealRequest {
            record_id: record.to_string(),
            reason: given,
        };
        spawn_local(async move {
            let answer =
                transport::post_json::<_, RevealResponse>("/api/privacy/reveal", &request).await;
            sending.set(false);
            match answer {
                Ok(shown) => {
                    revealed.set(Some(shown.phone));
                    asking.set(false);
                    reason.set(String::new());
                }
                Err(e @ ApiClientError::Network(_)) => {
                    error.set(Some((Key::RevealErrOffline, e.to_string())));
                }
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
        });
    };
    view! {
        <span class="masked-phone" data-testid="masked-phone">
            {move || match revealed.get() {
                Some(phone) => view! {
                    <a class="call" href=tel(&phone) data-testid="revealed-phone">{phone.clone()}</a>
                    " "
                    <span class="hint">{i18n.text(Key::RevealLogged)}</span>
                }
                .into_any(),
                None => view! {
                    <span data-testid="phone-mask">{masked.clone()}</span>
                    " "
                    <button
                        type="button"
                        class="link"
                        data-testid="reveal-phone"
                        aria-expanded=move || asking.get().to_string()
                        on:click=move |_| asking.update(|a| *a = !*a)
                    >
                        {i18n.text(Key::RevealButton)}
                    </button>
                }
                .into_any(),
            }}
            <Show when=move || asking.get()>
                <form class="reveal-form" on:submit=submit data-testid="reveal-form">
                    <label class="field">
                        <span class="label-text">{i18n.text(Key::RevealReason)}</span>
                        <input
                            type="text"
                            data-testid="reveal-reason"
                            maxlength=huifang_core::privacy::REVEAL_REASON_MAX_CHARS.to_string()
                            prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))
                        />
                    </label>
                    <p class="hint">{i18n.text(Key::RevealHint)}</p>
                    <button type="submit" class="primary" disabled=move || sending.get() data-testid="reveal-submit">
                        {i18n.text(Key::RevealSubmit)}
                    </button>
                    {move || error.get().map(|(key, detail)| view! {
                        <p class="error" role="alert" title=detail data-testid="reveal-error">{i18n.t(key)}</p>
                    })}
                </form>
            </Show>
        </span>
    }
}
