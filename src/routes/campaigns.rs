//! 活动回访 (supervisors): a holiday greeting, the store's anniversary or a promotion
//! invitation, launched on a segment of customers — loyalty class, members only or by
//! level, car model, tag. A preview counts who it reaches (and who asked not to be called
//! about campaigns) before anything is created; launching makes one unassigned callback per
//! customer, shared out on this page like the others. Needs the network (the server holds
//! the whole store); launching twice creates nothing new.

use crate::i18n::{I18n, Key};
use crate::routes::today::local_now;
use crate::sync::Sync;
use crate::sync::transport;
use huifang_core::care::rules::Loyalty;
use huifang_core::care::segment::{
    CampaignKind, CampaignPreview, CampaignPreviewRequest, CampaignRequest, CampaignResponse,
    Segment,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

fn kind_key(k: CampaignKind) -> Key {
    match k {
        CampaignKind::Holiday => Key::CampaignHoliday,
        CampaignKind::Anniversary => Key::CampaignAnniversary,
        CampaignKind::Promotion => Key::CampaignPromotion,
    }
}

const LOYALTIES: [Loyalty; 4] = [
    Loyalty::Loyal,
    Loyalty::Regular,
    Loyalty::Lapsing,
    Loyalty::Lost,
];

#[component]
pub fn CampaignForm() -> impl IntoView {
    let i18n = I18n::use_context();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(CampaignKind::Holiday);
    let due = RwSignal::new(local_now().0.plus(7).to_string());
    let loyalty = RwSignal::new(Vec::<Loyalty>::new());
    let members_only = RwSignal::new(false);
    let model = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<CampaignPreview>);
    let launched = RwSignal::new(None::<CampaignResponse>);
    let error = RwSignal::new(None::<(Key, String)>);
    let busy = RwSignal::new(false);
    let segment = move || Segment {
        loyalty: loyalty.get_untracked(),
        members_only: members_only.get_untracked(),
        member_levels: Vec::new(),
        model_contains: Some(model.get_untracked().trim().to_owned()).filter(|m| !m.is_empty()),
        tag: Some(tag.get_untracked().trim().to_owned()).filter(|t| !t.is_empty()),
    };
    let on_preview = move |_| {
        let request = CampaignPreviewRequest { segment: segment() };
        busy.set(true);
        spawn_local(async move {
            let answer: Result<CampaignPreview, _> =
                transport::post_json("/api/campaigns/preview", &request).await;
            match answer {
                Ok(p) => {
                    preview.set(Some(p));
                    error.set(None);
                }
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
            busy.set(false);
        });
    };
    let on_launch = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CampaignRequest {
            name: name.get_untracked().trim().to_owned(),
            kind: kind.get_untracked(),
            segment: segment(),
            due_by: due.get_untracked(),
        };
        if request.name.is_empty() {
            error.set(Some((Key::ErrCampaignName, String::new())));
            return;
        }
        match huifang_core::care::dates::parse(&request.due_by) {
            Ok(day) if day >= local_now().0 => {}
            _ => {
                error.set(Some((Key::ErrCampaignDue, String::new())));
                return;
            }
        }
        busy.set(true);
        let engine = Sync::use_context().and_then(|s| s.engine());
        spawn_local(async move {
            let answer: Result<CampaignResponse, _> =
                transport::post_json("/api/campaigns", &request).await;
            match answer {
                Ok(r) => {
                    launched.set(Some(r));
                    error.set(None);
                    if let Some(engine) = engine {
                        engine.sync_now();
                    }
                }
                // The server's reason (a date in the past, a name too long) is its detail.
                Err(e) => error.set(Some((e.key(), e.to_string()))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card" data-testid="campaign">
            <h2>{i18n.text(Key::CampaignTitle)}</h2>
            <p class="hint">{i18n.text(Key::CampaignIntro)}</p>
            <form on:submit=on_launch novalidate=true>
                <div class="row">
                    <label class="field">
                        <span class="label-text">{i18n.text(Key::CampaignName)}</span>
                        <input type="text" maxlength="60" prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span class="label-text">{i18n.text(Key::CampaignKindLabel)}</span>
                        <select on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Some(k) = CampaignKind::ALL.into_iter().find(|k| k.as_str() == v) {
                                kind.set(k);
                            }
                        }>
                            {CampaignKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str()>{i18n.t(kind_key(k))}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="field">
                        <span class="label-text">{i18n.text(Key::CampaignDue)}</span>
                        <input type="date" prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev))/>
                    </label>
                </div>
                <fieldset class="choices">
                    <legend>{i18n.text(Key::CustomerLoyalty)}</legend>
                    {LOYALTIES.into_iter().map(|l| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || loyalty.get().contains(&l)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    loyalty.update(|v| { v.retain(|x| *x != l); if on { v.push(l); } });
                                }/>
                            {i18n.t(Key::loyalty(l))}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label class="check">
                    <input type="checkbox" prop:checked=move || members_only.get()
                        on:change=move |ev| members_only.set(event_target_checked(&ev))/>
                    {i18n.text(Key::CampaignMembersOnly)}
                </label>
                <div class="row">
                    <label class="field">
                        <span class="label-text">{i18n.text(Key::CampaignModel)}</span>
                        <input type="text" prop:value=move || model.get() on:input=move |ev| model.set(event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span class="label-text">{i18n.text(Key::CustomerTags)}</span>
                        <input type="text" prop:value=move || tag.get() on:input=move |ev| tag.set(event_target_value(&ev))/>
                    </label>
                </div>
                {move || preview.get().map(|p| view! {
                    <p data-testid="campaign-preview" data-matched=p.matched>
                        {format!("{} {} · {} {}", i18n.t(Key::CampaignMatched), p.matched,
                            i18n.t(Key::CampaignSkipped), p.skipped_do_not_contact)}
                        {(!p.sample.is_empty()).then(|| format!(" · {}", p.sample.join("、")))}
                    </p>
                })}
                {move || launched.get().map(|r| view! {
                    <p class="ok" role="status" data-testid="campaign-launched" data-created=r.created>
                        {format!("{} {}", i18n.t(Key::CampaignCreated), r.created)}
                    </p>
                })}
                {move || error.get().map(|(key, detail)| {
                    let title = detail.clone();
                    view! { <p class="error" role="alert" title=title>{i18n.t(key)} " " {detail}</p> }
                })}
                <div class="row">
                    <button type="button" class="secondary" disabled=move || busy.get() on:click=on_preview>
                        {i18n.text(Key::CampaignPreviewButton)}
                    </button>
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {i18n.text(Key::CampaignLaunch)}
                    </button>
                </div>
            </form>
        </section>
    }
}
