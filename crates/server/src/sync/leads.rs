//! What the server adds to a push of sales records (DOMAIN.md "Sales leads"):
//!
//! - **Duplicates, again on the server.** A tablet holds only its advisor's leads, so it can
//!   refuse only its own duplicates. After a push applies a `lead` create, if another live
//!   (not deleted) lead of the store with the same mobile belongs to another advisor, the
//!   server writes `duplicate_of = <that advisor's user id>` on the new lead — nothing else of
//!   the other lead is written or revealed, and the new lead is kept: the sales manager
//!   decides. The mark is written once: a lead that has a `duplicate_of` already (even one the
//!   manager cleared) is left alone. The other advisors' leads are looked up by number in
//!   `lead_phones` ([`phone_entry`], kept by the sync store with each lead it writes), so a
//!   push reads only the leads that can match, not every lead of the store.
//! - **Delivery → post-delivery callback.** When a push moves a lead's `stage` to
//!   `delivered`, the server makes sure the store's care team calls the new owner: the care
//!   `customer` with the lead's mobile (else one created from the lead's name and mobile), and
//!   an unassigned `callback_task` with purpose `post_delivery`, due the store's
//!   `post_delivery_within` days after the delivery day (UTC+8), for the care supervisor to
//!   share out. Its record id comes from `lead:<id>:post_delivery`, so it is made once
//!   however often the delivery is pushed; its `key` is the import's
//!   (`<customer>:post_delivery:<day>`), so a DMS import showing the same purchase day does
//!   not make a second one.
//! - **Test drives.** A booking's record id is its car, day and slot (`drives::slot_id`), so a
//!   second booking of a slot is a create of an existing record. Before the engine's generic
//!   "already exists", [`slot_refusal`] says plainly which car is taken when.
//!
//! The writes are the server's own ([`crate::import::Changes`]: a fresh client per run,
//! stamps above every earlier server write), through the same engine as any device's, so
//! they reach tablets by the ordinary pull. The duplicate mark is made as the pushing user
//! (who may write the lead they just created); the customer and the task as the store's care
//! supervisor (else its store manager), who may write care records.
//!
//! Both follow-ups run for every mutation the push acknowledged, replays included, and are
//! idempotent: if one fails on the database, the push answers an error, the device pushes
//! again, the engine answers the replay, and the follow-up runs again. A server-made write the
//! engine refuses (a race with a deletion; no care lead in the store) would be refused again
//! on every retry, so it does not fail the push: it is logged as an error.

use crate::db::Db;
use crate::error::Error;
use crate::import::Changes;
use crate::state::AppState;
use huifang_core::care::dates::Day;
use huifang_core::care::phone;
use huifang_core::care::rules::{Purpose, Rules};
use huifang_core::sales::drives::{self, DriveStatus};
use huifang_core::sales::leads::{self, Lead, Stage};
use huifang_core::sync::{
    Entity, FieldWrite, Mutation, MutationId, Op, PushRequest, PushResponse, Record, RecordId,
    RecordKind, RecordMeta, RejectCode, Scope, StoredRecord, UserCtx, can_read,
};
use huifang_core::{Role, StoreId, UserId, UserProfile};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The store's time zone, minutes east of UTC (China; as the rest of the server counts days).
const STORE_UTC_OFFSET_MINUTES: i32 = 8 * 60;

/// How many ids one `IN (...)` lists.
const QUERY_CHUNK: usize = 200;

/// The marks on the ids of the server's writes (see [`Changes`]).
const DUPLICATE_TAG: u8 = 0x1e;
const DELIVERY_TAG: u8 = 0xde;

/// The fields of the care records a delivery makes (the import's and the care pages').
mod care_fields {
    pub const NAME: &str = "name";
    pub const PHONE: &str = "phone";
    pub const CUSTOMER: &str = "customer";
    pub const PURPOSE: &str = "purpose";
    pub const DUE_BY: &str = "due_by";
    pub const KEY: &str = "key";
    /// The lead the record came from.
    pub const LEAD: &str = "lead";
}

/// The post-delivery callback's record id for a lead.
pub fn post_delivery_task_id(lead: RecordId) -> RecordId {
    RecordId::fixed(&format!("lead:{lead}:post_delivery"))
}

/// The id of the customer a delivery creates when the store has none with the lead's mobile.
pub fn post_delivery_customer_id(lead: RecordId) -> RecordId {
    RecordId::fixed(&format!("lead:{lead}:post_delivery:customer"))
}

fn decode(body: &str) -> Result<StoredRecord, Error> {
    serde_json::from_str(body)
        .map_err(|e| Error::Internal(format!("a stored sync record does not read: {e}")))
}

/// The records among `ids` the server holds, by id.
async fn records_by_id(
    db: &Db,
    ids: &BTreeSet<RecordId>,
) -> Result<BTreeMap<RecordId, Record>, Error> {
    let ids: Vec<String> = ids.iter().map(RecordId::to_string).collect();
    let mut found = BTreeMap::new();
    for chunk in ids.chunks(QUERY_CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT body FROM sync_records WHERE record_id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for body in query.fetch_all(&db.pool).await? {
            let record = decode(&body)?.record;
            found.insert(record.id(), record);
        }
    }
    Ok(found)
}

/// The store's live entities of `kind`, read by store and kind (indexed), not through the
/// whole feed.
async fn store_entities_of(
    db: &Db,
    store: &StoreId,
    kind: RecordKind,
) -> Result<Vec<Entity>, Error> {
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM sync_records WHERE store_id = $1 AND kind = $2")
            .bind(store.0.as_str())
            .bind(kind.as_str())
            .fetch_all(&db.pool)
            .await?;
    let mut out = Vec::with_capacity(bodies.len());
    for body in bodies {
        if let Record::Entity(e) = decode(&body)?.record
            && e.tombstone.is_none()
        {
            out.push(e);
        }
    }
    Ok(out)
}

/// A number as duplicates are compared: the cleaned form (`13800138000`, `010-65529988`), or
/// the trimmed text when it does not clean; `None` when empty.
fn phone_key(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(phone::clean(trimmed, None).map_or_else(|_| trimmed.to_owned(), |p| p.to_string()))
}

// ---------------------------------------------------------------------------------------
// Test drives: the plain reason for a slot that is taken.

/// The existing bookings a push's test-drive creates would land on, by record id.
#[derive(Debug, Default)]
pub(crate) struct Booked(BTreeMap<RecordId, Entity>);

/// Reads the bookings the push's test-drive creates name (before the push, outside its
/// transactions: a booking landing in between still gets the engine's own refusal).
pub(crate) async fn booked_slots(db: &Db, request: &PushRequest) -> Result<Booked, Error> {
    let ids: BTreeSet<RecordId> = request
        .mutations
        .iter()
        .filter(|m| m.kind == RecordKind::TestDrive && matches!(m.op, Op::Create { .. }))
        .map(|m| m.record_id)
        .collect();
    if ids.is_empty() {
        return Ok(Booked::default());
    }
    let found = records_by_id(db, &ids)
        .await?
        .into_iter()
        .filter_map(|(id, record)| match record {
            Record::Entity(e) if e.kind == RecordKind::TestDrive => Some((id, e)),
            _ => None,
        })
        .collect();
    Ok(Booked(found))
}

/// Why a test-drive create by `me` is refused: the slot's record exists as another booking
/// (another advisor's, another lead's, or a cancelled one). `None` lets the engine decide (a
/// new slot, the same booking again, or a booking `me` may not see).
pub(crate) fn slot_refusal(
    m: &Mutation,
    me: &UserCtx,
    booked: &Booked,
) -> Option<(RejectCode, String)> {
    let Op::Create { fields, scope } = &m.op else {
        return None;
    };
    if m.kind != RecordKind::TestDrive {
        return None;
    }
    let existing = booked.0.get(&m.record_id)?;
    let meta = RecordMeta {
        kind: existing.kind,
        scope: &existing.scope,
    };
    if existing.scope.store != scope.store || !can_read(me, &meta) {
        return None;
    }
    let text = |e: Option<&Value>| e.and_then(Value::as_str).unwrap_or_default().to_owned();
    let cancelled = existing.tombstone.is_some()
        || DriveStatus::parse(&text(existing.value(drives::fields::STATUS)))
            == Some(DriveStatus::Cancelled);
    let same_booking = existing.scope.owner.as_ref() == Some(&me.user)
        && text(existing.value(drives::fields::LEAD)) == text(fields.get(drives::fields::LEAD));
    if same_booking && !cancelled {
        return None;
    }
    // The existing booking's own words; the create's where it lacks them.
    let said = |field: &str| {
        let own = text(existing.value(field));
        if own.is_empty() {
            text(fields.get(field))
        } else {
            own
        }
    };
    let (car, day, slot) = (
        said(drives::fields::CAR),
        said(drives::fields::DAY),
        said(drives::fields::SLOT),
    );
    let reason = if cancelled {
        format!(
            "{car} was booked for {day} {slot} and the booking was cancelled; a cancelled slot \
             cannot be booked again: choose another slot or car"
        )
    } else {
        format!("{car} is already booked for {day} {slot}: choose another slot or car")
    };
    Some((RejectCode::AlreadyExists, reason))
}

// ---------------------------------------------------------------------------------------
// After the push: duplicates and deliveries.

/// The mutations of a push whose acknowledgement calls for a follow-up.
#[derive(Debug, Default)]
pub(crate) struct Followups {
    /// Lead creates: check for another advisor's lead with the same mobile.
    created: BTreeMap<MutationId, RecordId>,
    /// Moves of a lead's stage to delivered: the post-delivery callback.
    delivered: BTreeMap<MutationId, RecordId>,
}

impl Followups {
    pub(crate) fn of(request: &PushRequest) -> Followups {
        let mut out = Followups::default();
        for m in request
            .mutations
            .iter()
            .filter(|m| m.kind == RecordKind::Lead)
        {
            match &m.op {
                Op::Create { .. } => {
                    out.created.insert(m.mutation_id, m.record_id);
                }
                Op::Transition { field, to, .. }
                    if field == leads::fields::STAGE && to == Stage::Delivered.as_str() =>
                {
                    out.delivered.insert(m.mutation_id, m.record_id);
                }
                _ => {}
            }
        }
        out
    }

    fn is_empty(&self) -> bool {
        self.created.is_empty() && self.delivered.is_empty()
    }
}

/// Runs the follow-ups of every mutation `response` acknowledged (applied now or before).
pub(crate) async fn after_push(
    state: &AppState,
    me: &UserProfile,
    followups: &Followups,
    response: &PushResponse,
    now_ms: i64,
) -> Result<(), Error> {
    if followups.is_empty() {
        return Ok(());
    }
    let mut created = BTreeSet::new();
    let mut delivered = BTreeSet::new();
    for result in response
        .results
        .iter()
        .filter(|r| r.outcome.version().is_some())
    {
        if let Some(id) = followups.created.get(&result.mutation_id) {
            created.insert(*id);
        }
        if let Some(id) = followups.delivered.get(&result.mutation_id) {
            delivered.insert(*id);
        }
    }
    let all: BTreeSet<RecordId> = created.union(&delivered).copied().collect();
    if all.is_empty() {
        return Ok(());
    }
    let current = records_by_id(&state.db, &all).await?;
    let user = UserCtx::of(me);
    // Only what the pusher may see acts: a replayed mutation id is answered from memory, so
    // its record id is the request's word, not the server's.
    let lead = |id: &RecordId| {
        current
            .get(id)
            .filter(|r| huifang_core::sync::can_read(&user, &r.meta()))
            .and_then(Record::as_entity)
            .filter(|e| e.kind == RecordKind::Lead && e.tombstone.is_none())
    };
    let marks: Vec<&Entity> = created
        .iter()
        .filter_map(lead)
        .filter(|e| e.scope.owner.as_ref() == Some(&me.id))
        .collect();
    if !marks.is_empty() {
        mark_duplicates(state, &user, &marks, now_ms).await?;
    }
    for e in delivered
        .iter()
        .filter_map(lead)
        .filter(|e| Lead::of(e).is_some_and(|l| l.stage == Stage::Delivered))
    {
        post_delivery(state, e, now_ms).await?;
    }
    Ok(())
}

/// A lead another advisor's new lead can duplicate, as the duplicate check looks it up (its
/// `lead_phones` row, migration 0003, written with the lead by the sync store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PhoneEntry {
    pub(crate) store: StoreId,
    /// The number as duplicates are compared ([`phone_key`]).
    pub(crate) phone_key: String,
    pub(crate) owner: UserId,
    pub(crate) captured_at: i64,
}

/// The entry of a stored record: `Some` for a live, open lead with an advisor and a number;
/// `None` for any other record, and for a lead that no longer counts.
pub(crate) fn phone_entry(e: &Entity) -> Option<PhoneEntry> {
    let lead = Lead::of(e)?;
    // A lost or delivered lead is nobody's to follow any more: the customer may return.
    if !lead.is_open() {
        return None;
    }
    Some(PhoneEntry {
        store: e.scope.store.clone(),
        phone_key: phone_key(&lead.phone)?,
        owner: lead.owner?,
        captured_at: lead.captured_at,
    })
}

/// The advisor other than `owner` who already follows the number `phone_key` in `store`: the
/// owner of the earliest captured (then lowest id) of their open leads with that number. Reads
/// only other advisors' entries with the number (indexed), not the store's leads: the two
/// halves `owner < $3` and `owner > $3` are each a range of the index, where `owner <> $3`
/// would walk `owner`'s own leads with the number too.
async fn other_advisor(
    db: &Db,
    store: &StoreId,
    phone_key: &str,
    owner: &UserId,
) -> Result<Option<UserId>, Error> {
    const EARLIEST: &str = "SELECT owner, captured_at, record_id FROM lead_phones \
                            WHERE store_id = $1 AND phone_key = $2 AND owner {op} $3 \
                            ORDER BY captured_at, record_id LIMIT 1";
    let sql = format!(
        "SELECT owner, captured_at, record_id FROM ({}) AS below \
         UNION ALL SELECT owner, captured_at, record_id FROM ({}) AS above",
        EARLIEST.replace("{op}", "<"),
        EARLIEST.replace("{op}", ">"),
    );
    let found: Vec<(String, i64, String)> = sqlx::query_as(&sql)
        .bind(store.0.as_str())
        .bind(phone_key)
        .bind(owner.0.as_str())
        .fetch_all(&db.pool)
        .await?;
    // Ids are UUIDs in their one text form, so their text orders as they do.
    Ok(found
        .into_iter()
        .min_by(|a, b| (a.1, &a.2).cmp(&(b.1, &b.2)))
        .map(|(other, _, _)| UserId(other)))
}

/// Writes `duplicate_of` on each new lead another advisor's lead shares a mobile with.
async fn mark_duplicates(
    state: &AppState,
    me: &UserCtx,
    new_leads: &[&Entity],
    now_ms: i64,
) -> Result<(), Error> {
    // One look-up per store, number and advisor, however many new leads share them.
    let mut by_number: BTreeMap<(&StoreId, String, &UserId), Vec<&Entity>> = BTreeMap::new();
    for e in new_leads {
        // Marked once: a mark the manager cleared stays cleared.
        if e.fields.contains_key(leads::fields::DUPLICATE_OF) {
            continue;
        }
        let (Some(owner), Some(key)) = (
            e.scope.owner.as_ref(),
            Lead::of(e).and_then(|l| phone_key(&l.phone)),
        ) else {
            continue;
        };
        by_number
            .entry((&e.scope.store, key, owner))
            .or_default()
            .push(e);
    }
    let mut changes = Changes::new(me, now_ms, DUPLICATE_TAG);
    let mut marked = Vec::new();
    for ((store, key, owner), new_leads) in by_number {
        let Some(other) = other_advisor(&state.db, store, &key, owner).await? else {
            continue;
        };
        for e in new_leads {
            changes.push(
                RecordKind::Lead,
                e.id,
                Op::SetFields {
                    writes: vec![FieldWrite {
                        field: leads::fields::DUPLICATE_OF.to_owned(),
                        value: json!(other.0),
                        base: None,
                    }],
                },
            );
            marked.push((e.id, other.clone()));
        }
    }
    if marked.is_empty() {
        return Ok(());
    }
    let (_, refusals) = changes.send(&state.sync).await?;
    for reason in &refusals {
        // The pusher may write the lead they created, so only a race (the lead deleted or
        // given away in between) refuses: the lead is no longer theirs to be warned about.
        tracing::warn!(user = %me.user.0, reason, "a duplicate mark was refused");
    }
    for (lead, other) in marked {
        tracing::info!(%lead, advisor = %other.0, "lead marked as another advisor's duplicate");
    }
    Ok(())
}

/// Who writes a store's care records: its care supervisor, else its store manager, else a
/// group manager of the store.
async fn care_lead(db: &Db, store: &StoreId) -> Result<Option<UserCtx>, Error> {
    let users = crate::users::store_users(db, store).await?;
    let pick = [Role::CareSupervisor, Role::StoreManager, Role::GroupManager]
        .into_iter()
        .find_map(|role| users.iter().find(|u| u.role == role));
    Ok(pick.map(UserCtx::of))
}

/// The care customer and the post-delivery callback of a delivered lead, unless made before.
async fn post_delivery(state: &AppState, lead: &Entity, now_ms: i64) -> Result<(), Error> {
    let task_id = post_delivery_task_id(lead.id);
    let own_customer = post_delivery_customer_id(lead.id);
    let made = records_by_id(&state.db, &BTreeSet::from([task_id, own_customer])).await?;
    if made.contains_key(&task_id) {
        // Made before (and perhaps since cancelled or deleted by the supervisor: it stands).
        return Ok(());
    }
    let store = &lead.scope.store;
    let Some(carer) = care_lead(&state.db, store).await? else {
        tracing::error!(
            store = %store.0,
            lead = %lead.id,
            "a lead was delivered but the store has no care supervisor or manager to own its \
             post-delivery callback: none was made"
        );
        return Ok(());
    };
    let Some(details) = Lead::of(lead) else {
        return Ok(());
    };
    let day = Day::of_ms(now_ms, STORE_UTC_OFFSET_MINUTES);
    let due_by = day.plus(Rules::default().post_delivery_within);
    let mut changes = Changes::new(&carer, now_ms, DELIVERY_TAG);
    let scope = Scope {
        store: store.clone(),
        owner: None,
    };
    // The customer this lead made on an earlier run (whose task was not made then), else the
    // store's customer with the mobile, else a new one.
    let by_phone = match (made.contains_key(&own_customer), phone_key(&details.phone)) {
        (true, _) | (false, None) => None,
        (false, Some(key)) => store_entities_of(&state.db, store, RecordKind::Customer)
            .await?
            .iter()
            .filter(|c| {
                c.value(care_fields::PHONE)
                    .and_then(Value::as_str)
                    .and_then(phone_key)
                    .as_deref()
                    == Some(key.as_str())
            })
            .map(|c| c.id)
            .min(),
    };
    let customer = match by_phone {
        Some(id) => id,
        None => {
            if !made.contains_key(&own_customer) {
                let mut fields = BTreeMap::new();
                fields.insert(care_fields::NAME.to_owned(), json!(details.name));
                fields.insert(care_fields::PHONE.to_owned(), json!(details.phone));
                fields.insert(care_fields::LEAD.to_owned(), json!(lead.id.to_string()));
                changes.push(
                    RecordKind::Customer,
                    own_customer,
                    Op::Create {
                        scope: scope.clone(),
                        fields,
                    },
                );
            }
            own_customer
        }
    };
    let task_key = format!("{customer}:{}:{day}", Purpose::PostDelivery.as_str());
    let keyed = store_entities_of(&state.db, store, RecordKind::CallbackTask)
        .await?
        .iter()
        .any(|t| t.value(care_fields::KEY).and_then(Value::as_str) == Some(task_key.as_str()));
    if !keyed {
        let mut fields = BTreeMap::new();
        fields.insert(
            care_fields::CUSTOMER.to_owned(),
            json!(customer.to_string()),
        );
        fields.insert(
            care_fields::PURPOSE.to_owned(),
            json!(Purpose::PostDelivery.as_str()),
        );
        fields.insert(care_fields::DUE_BY.to_owned(), json!(due_by.to_string()));
        fields.insert(care_fields::KEY.to_owned(), json!(task_key));
        fields.insert(care_fields::LEAD.to_owned(), json!(lead.id.to_string()));
        changes.push(
            RecordKind::CallbackTask,
            task_id,
            Op::Create { scope, fields },
        );
    }
    // else: the DMS import made this customer's callback for that purchase day already.
    let (applied, refusals) = changes.send(&state.sync).await?;
    if !refusals.is_empty() {
        let now = records_by_id(&state.db, &BTreeSet::from([task_id])).await?;
        if !now.contains_key(&task_id) {
            // The lead's own push stands (it was applied); a retry would be refused the same
            // way, so the push is not failed for it. Loud, for whoever runs the server.
            tracing::error!(
                lead = %lead.id,
                refusals = %refusals.join("; "),
                "the post-delivery callback of a delivered lead was refused"
            );
            return Ok(());
        }
        // Another process made it in between: it stands.
    }
    if applied > 0 {
        tracing::info!(lead = %lead.id, %customer, %due_by, "post-delivery callback created");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_ids_are_stable_v7_and_distinct() {
        let lead = RecordId(uuid::Uuid::now_v7());
        assert_eq!(post_delivery_task_id(lead), post_delivery_task_id(lead));
        assert_ne!(post_delivery_task_id(lead), post_delivery_customer_id(lead));
        assert!(huifang_core::sync::ids::is_v7(
            &post_delivery_task_id(lead).0
        ));
    }

    #[test]
    fn phones_compare_cleaned() {
        assert_eq!(phone_key("138 0013 8000"), phone_key("+86-138-0013-8000"));
        assert_eq!(phone_key("  "), None);
        assert_eq!(phone_key("unknown").as_deref(), Some("unknown"));
    }

    fn booking(owner: &str, lead: &str, status: &str) -> (RecordId, Entity) {
        use huifang_core::sync::{ClientId, FieldState, Hlc};
        let id = RecordId(uuid::Uuid::now_v7());
        let stamp = Hlc {
            wall_ms: 1,
            counter: 0,
            node: ClientId(uuid::Uuid::now_v7()),
        };
        let fields = [
            ("car", "bZ4X 试驾车"),
            ("day", "2026-12-01"),
            ("slot", "10:00"),
            ("lead", lead),
            ("status", status),
        ]
        .into_iter()
        .map(|(k, v)| {
            let state = FieldState {
                value: json!(v),
                stamp,
                by: UserId(owner.to_owned()),
            };
            (k.to_owned(), state)
        })
        .collect();
        let entity = Entity {
            id,
            kind: RecordKind::TestDrive,
            scope: Scope {
                store: StoreId("s".into()),
                owner: Some(UserId(owner.to_owned())),
            },
            fields,
            tombstone: None,
            conflicts: BTreeMap::new(),
            version: 1,
        };
        (id, entity)
    }

    fn create(id: RecordId, by: &str, lead: &str) -> Mutation {
        use huifang_core::sync::{ClientId, Hlc};
        let client = ClientId(uuid::Uuid::now_v7());
        Mutation {
            mutation_id: MutationId(uuid::Uuid::now_v7()),
            client_id: client,
            client_seq: 1,
            hlc: Hlc {
                wall_ms: 2,
                counter: 0,
                node: client,
            },
            user: UserId(by.to_owned()),
            kind: RecordKind::TestDrive,
            record_id: id,
            op: Op::Create {
                scope: Scope {
                    store: StoreId("s".into()),
                    owner: Some(UserId(by.to_owned())),
                },
                fields: [("lead".to_owned(), json!(lead))].into_iter().collect(),
            },
            step: None,
        }
    }

    fn user(id: &str, role: Role) -> UserCtx {
        UserCtx {
            user: UserId(id.to_owned()),
            role,
            store: StoreId("s".into()),
        }
    }

    #[test]
    fn a_taken_slot_is_refused_plainly_unless_it_is_the_same_booking() {
        let (id, taken) = booking("a1", "L1", "booked");
        let booked = Booked(BTreeMap::from([(id, taken)]));
        let a2 = user("a2", Role::SalesAdvisor);
        let (code, reason) = slot_refusal(&create(id, "a2", "L2"), &a2, &booked).expect("taken");
        assert_eq!(code, RejectCode::AlreadyExists);
        assert_eq!(
            reason,
            "bZ4X 试驾车 is already booked for 2026-12-01 10:00: choose another slot or car"
        );
        // The same booking again: the engine decides (a replay, or its own answer).
        let a1 = user("a1", Role::SalesAdvisor);
        assert_eq!(slot_refusal(&create(id, "a1", "L1"), &a1, &booked), None);
        // The same advisor for another lead: taken all the same.
        assert!(slot_refusal(&create(id, "a1", "L3"), &a1, &booked).is_some());
        // Someone who may not see bookings learns nothing from the reason.
        let agent = user("c1", Role::CareAgent);
        assert_eq!(slot_refusal(&create(id, "c1", "L2"), &agent, &booked), None);
        // A free slot.
        let free = RecordId(uuid::Uuid::now_v7());
        assert_eq!(slot_refusal(&create(free, "a2", "L2"), &a2, &booked), None);
    }

    #[test]
    fn a_cancelled_slot_says_so() {
        let (id, cancelled) = booking("a1", "L1", "cancelled");
        let booked = Booked(BTreeMap::from([(id, cancelled)]));
        let a1 = user("a1", Role::SalesAdvisor);
        let (_, reason) = slot_refusal(&create(id, "a1", "L1"), &a1, &booked).expect("refused");
        assert!(reason.contains("was cancelled"), "{reason}");
    }
}
