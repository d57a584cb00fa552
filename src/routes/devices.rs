//! `/reports/devices` 平板设备: the store's tablets for supervisors and managers, and revoking a
//! lost one — its sessions end, and what it pushes afterwards is refused and kept here for
//! review. Online only: the list lives on the server.

use crate::i18n::format::date_time;
use crate::i18n::{I18n, Key};
use crate::routes::reports::no_access_view;
use crate::sync::transport;
use huifang_core::Role;
use huifang_core::privacy::{
    Device, QuarantinedMutation, RevealError, RevokeDeviceRequest, check_reason, may_manage_devices,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

type Failed = (Key, String);

fn short(id: &str) -> String {
    id.chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

#[component]
pub fn DevicesPage(role: Role) -> impl IntoView {
    let i18n = I18n::use_context();
    if !may_manage_devices(role) {
        return no_access_view(i18n);
    }
    let devices: RwSignal<Option<Result<Vec<Device>, Failed>>> = RwSignal::new(None);
    let load = move || {
        spawn_local(async move {
            let got = transport::get_json::<Vec<Device>>("/api/devices").await;
            devices.set(Some(got.map_err(|e| (e.key(), e.to_string()))));
        });
    };
    load();
    view! {
        <section class="card" data-section="/reports/devices">
            <p class="no-print"><A href="/reports">{i18n.text(Key::RptBack)}</A></p>
            <h1>{i18n.text(Key::DevicesTitle)}</h1>
            <p class="hint">{i18n.text(Key::DevicesHint)}</p>
            {move || match devices.get() {
                None => view! { <p>{i18n.text(Key::SyncOpening)}</p> }.into_any(),
                Some(Err((key, detail))) => view! {
                    <p class="error" role="alert" title=detail>{i18n.t(key)}</p>
                    <p class="hint">{i18n.text(Key::DevicesOnline)}</p>
                }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="hint" data-testid="devices-empty">{i18n.text(Key::DevicesEmpty)}</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="rows" data-testid="devices">
                        {list.into_iter().map(|d| view! { <DeviceRow device=d on_change=load/> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn DeviceRow(device: Device, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = I18n::use_context();
    let asking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<Failed>);
    let kept: RwSignal<Option<Result<Vec<QuarantinedMutation>, Failed>>> = RwSignal::new(None);
    let client_id = device.client_id.clone();
    let revoke_id = client_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let given = match check_reason(&reason.get_untracked()) {
            Ok(given) => given.to_owned(),
            Err(e @ RevealError::ReasonTooShort) => {
                error.set(Some((Key::RevealErrShort, e.to_string())));
                return;
            }
            Err(e @ RevealError::ReasonTooLong) => {
                error.set(Some((Key::RevealErrLong, e.to_string())));
                return;
            }
        };
        sending.set(true);
        error.set(None);
        let path = format!("/api/devices/{revoke_id}/revoke");
        spawn_local(async move {
            let request = RevokeDeviceRequest { reason: given };
            let answer = transport::post_json::<_, Device>(&path, &request).await;
            sending.set(false);
            match answer {
                Ok(_) => {
                    asking.set(false);
                    on_change();
                }
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
        });
    };
    let show_kept = move |_| {
        let path = format!("/api/devices/{client_id}/quarantine");
        spawn_local(async move {
            let got = transport::get_json::<Vec<QuarantinedMutation>>(&path).await;
            kept.set(Some(got.map_err(|e| (e.key(), e.to_string()))));
        });
    };
    let lang = i18n.lang();
    let revoked = device.revoked_at_ms.is_some();
    view! {
        <li class="row" data-testid="device" data-client=device.client_id.clone() data-revoked=revoked.to_string()>
            <div>
                <strong>{format!("@{}", device.username)}</strong>
                " · "
                <span class="hint" title=device.client_id.clone()>{i18n.text(Key::DevicesTablet)} " …" {short(&device.client_id)}</span>
                <br/>
                <span class="hint">{i18n.text(Key::DevicesLastSeen)} " " {date_time(lang, device.last_seen_ms)}</span>
            </div>
            {match device.revoked_at_ms {
                Some(at) => view! {
                    <p class="notice" data-testid="device-revoked">
                        {i18n.text(Key::DevicesRevoked)} " " {date_time(lang, at)}
                        {device.revoked_by.clone().map(|by| format!(" · @{by}"))}
                        {device.revoked_reason.clone().map(|r| format!(" · {r}"))}
                    </p>
                }.into_any(),
                None => view! {
                    <button type="button" class="danger" data-testid="revoke-device" on:click=move |_| asking.update(|a| *a = !*a)>
                        {i18n.text(Key::DevicesRevoke)}
                    </button>
                }.into_any(),
            }}
            {(device.kept_mutations > 0).then(|| view! {
                <p data-testid="device-kept">
                    {format!("{} ", device.kept_mutations)} {i18n.text(Key::DevicesKept)} " "
                    <button type="button" class="link" data-testid="show-kept" on:click=show_kept>{i18n.text(Key::DevicesShowKept)}</button>
                </p>
            })}
            <form class="reveal-form" on:submit=submit data-testid="revoke-form" hidden=move || !asking.get()>
                <label class="field">
                    <span class="label-text">{i18n.text(Key::DevicesReason)}</span>
                    <input
                        type="text"
                        data-testid="revoke-reason"
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))
                    />
                </label>
                <p class="hint">{i18n.text(Key::DevicesRevokeHint)}</p>
                <button type="submit" class="danger" disabled=move || sending.get() data-testid="revoke-submit">
                    {i18n.text(Key::DevicesRevokeConfirm)}
                </button>
            </form>
            {move || error.get().map(|(key, detail)| view! {
                <p class="error" role="alert" title=detail data-testid="revoke-error">{i18n.t(key)}</p>
            })}
            {move || kept.get().map(|got| match got {
                Err((key, detail)) => view! { <p class="error" role="alert" title=detail>{i18n.t(key)}</p> }.into_any(),
                Ok(list) => view! {
                    <ul class="rows" data-testid="kept-list">
                        {list.into_iter().map(|k| {
                            let m = &k.mutation;
                            view! {
                                <li data-testid="kept-mutation">
                                    {date_time(lang, k.received_at_ms)} " · @" {k.username.clone()} " · "
                                    {m.kind.to_string()} " …" {short(&m.record_id.to_string())} " · "
                                    {m.op.name()}
                                    <pre class="hint">{serde_json::to_string(&m.op).unwrap_or_default()}</pre>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </li>
    }
}
