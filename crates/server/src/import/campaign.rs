//! `POST /api/campaigns/preview` and `POST /api/campaigns`: a holiday or store-anniversary
//! greeting, or a promotion invitation, to a segment of the customers (the core's
//! `care::segment`). Launching makes one unassigned callback task per customer in the
//! segment, for the supervisor to share out like any other; its key
//! (`<customer>:campaign:<name>`) makes launching the same campaign again create nothing new.
//! Customers who asked not to be called for campaigns (`do_not_contact.campaign` on the
//! customer) are left out and counted. Care supervisors and managers only.
//!
//! It lives beside the import because it reads the store the same way ([`super::tasks`]'s
//! facts) and writes through the same [`super::Changes`].

use super::tasks::{StoreFacts, fields, store_facts};
use crate::auth::CurrentUser;
use crate::db::now_ms;
use crate::error::Error;
use crate::json::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use huifang_core::care::dates::Day;
use huifang_core::care::rules::{self, Purpose, Rules};
use huifang_core::care::segment::{self, CustomerFacts, PREVIEW_SAMPLE, Segment};
pub use huifang_core::care::segment::{
    CampaignPreview, CampaignPreviewRequest, CampaignRequest, CampaignResponse,
};
use huifang_core::sync::{Entity, RecordId, RecordKind, UserCtx};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The field of a callback task naming its campaign, and the campaign's kind.
pub const CAMPAIGN: &str = "campaign";
pub const CAMPAIGN_KIND: &str = "campaign_kind";
/// The customer's field of purposes they must not be called for: `{"campaign": "<why>"}`.
pub const DO_NOT_CONTACT: &str = "do_not_contact";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns/preview", post(preview))
        .route("/campaigns", post(launch))
}

/// The day in the store's time (China, UTC+8, as the import's rules).
fn today(now_ms: i64) -> Day {
    Day::of_ms(now_ms, 8 * 60)
}

/// Whether the customer asked not to be called for `purpose`.
fn do_not_contact(customer: &Entity, purpose: Purpose) -> bool {
    customer
        .value(DO_NOT_CONTACT)
        .and_then(Value::as_object)
        .is_some_and(|o| o.contains_key(purpose.as_str()))
}

/// The customers in the segment, in record order: those to call and the number skipped.
fn reached<'a>(
    store: &StoreFacts<'a>,
    segment: &Segment,
    today: Day,
) -> (Vec<(RecordId, &'a Entity)>, usize) {
    let rules = Rules::default();
    let mut call = Vec::new();
    let mut skipped = 0;
    for (id, customer) in &store.customers {
        let facts = CustomerFacts {
            loyalty: store.facts.get(id).map_or(rules::Loyalty::Regular, |f| {
                rules::loyalty(&rules, f, today)
            }),
            member_level: customer
                .value("member_level")
                .and_then(Value::as_str)
                .map(str::to_owned),
            member_expiry: super::tasks::day_of(customer.value("member_expiry")),
            models: store.models.get(id).cloned().unwrap_or_default(),
            tags: huifang_core::care::segment::list_field(customer.value("tags")),
            today,
        };
        if !segment::matches(segment, &facts) {
            continue;
        }
        if do_not_contact(customer, Purpose::Campaign) {
            skipped += 1;
        } else {
            call.push((*id, *customer));
        }
    }
    (call, skipped)
}

async fn preview(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    ApiJson(request): ApiJson<CampaignPreviewRequest>,
) -> Result<Json<CampaignPreview>, Error> {
    crate::tasks::care_lead(&me, "plan campaigns")?;
    let ctx = UserCtx::of(&me);
    let now = now_ms();
    let entities = super::store_entities(&state.sync, &ctx, now).await?;
    let store = store_facts(&entities, &me.store_id);
    let (call, skipped) = reached(&store, &request.segment, today(now));
    Ok(Json(CampaignPreview {
        matched: call.len() + skipped,
        skipped_do_not_contact: skipped,
        sample: call
            .iter()
            .take(PREVIEW_SAMPLE)
            .map(|(_, c)| {
                c.value("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect(),
    }))
}

async fn launch(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    ApiJson(request): ApiJson<CampaignRequest>,
) -> Result<Json<CampaignResponse>, Error> {
    crate::tasks::care_lead(&me, "launch campaigns")?;
    let now = now_ms();
    let (name, due_by) = request
        .check(today(now))
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    let ctx = UserCtx::of(&me);
    let entities = super::store_entities(&state.sync, &ctx, now).await?;
    let store = store_facts(&entities, &me.store_id);
    let (call, skipped) = reached(&store, &request.segment, today(now));
    let mut changes = super::Changes::new(&ctx, now, 0xca);
    for (customer, _) in &call {
        let key = format!("{customer}:{}:{name}", Purpose::Campaign.as_str());
        if store.task_keys.contains(&key) {
            continue;
        }
        let mut task = BTreeMap::new();
        task.insert(fields::CUSTOMER.to_owned(), json!(customer.to_string()));
        task.insert(fields::PURPOSE.to_owned(), json!(Purpose::Campaign));
        task.insert(CAMPAIGN.to_owned(), json!(name));
        task.insert(CAMPAIGN_KIND.to_owned(), json!(request.kind));
        task.insert(fields::DUE_BY.to_owned(), json!(due_by.to_string()));
        task.insert(fields::KEY.to_owned(), json!(key));
        changes.create(RecordKind::CallbackTask, task);
    }
    let (created, refusals) = changes.send(&state.sync).await?;
    tracing::info!(user = %me.username, campaign = name, created, "campaign launched");
    Ok(Json(CampaignResponse {
        matched: call.len() + skipped,
        created,
        skipped_do_not_contact: skipped,
        refusals,
    }))
}
