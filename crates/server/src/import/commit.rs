//! Writing an import: clean rows become customers, vehicles and service visits, as sync
//! records (so they reach every tablet by the ordinary pull), made by the importing
//! supervisor through the same engine as any device's change.
//!
//! Tomorrow's export updates instead of doubling: a customer is found by phone (or through
//! a car's VIN), a car by VIN, a visit by its work-order number. And nothing an agent wrote
//! is overwritten: the import sets a field only when it is empty or was last written by an
//! import itself — an agent's corrected phone or name stays.
//!
//! A visit in the export also tells who came to their appointment: a customer's booked (or
//! no-show) appointment on the visit's day, or the day before (the DMS entered the order
//! late), is marked arrived with the visit's work order.
//!
//! The changes go to the engine in batches (of about [`BATCH`]) as the rows are read, and the
//! caller hears after each batch how many rows are written (the import job's progress). A
//! run stopped half way (a restart) leaves whole customers written; running it again finds
//! them and writes only the rest.

use super::Changes;
use super::rows::{CleanRow, Cleaned, same_customers};
use crate::error::Error;
use crate::sync::Engine;
use huifang_core::care::dates::Day;
pub use huifang_core::care::import::Summary;
use huifang_core::sync::{Entity, FieldWrite, Hlc, Op, RecordId, RecordKind, UserCtx};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The sync fields of the records an import writes (the care agent's pages read the same).
pub mod fields {
    pub const NAME: &str = "name";
    pub const PHONE: &str = "phone";
    pub const MEMBER_LEVEL: &str = "member_level";
    pub const MEMBER_EXPIRY: &str = "member_expiry";
    pub const INSURANCE_EXPIRY: &str = "insurance_expiry";
    pub const TAGS: &str = "tags";
    pub const CUSTOMER: &str = "customer";
    pub const VEHICLE: &str = "vehicle";
    pub const PLATE: &str = "plate";
    pub const VIN: &str = "vin";
    pub const MODEL: &str = "model";
    pub const PURCHASE_DATE: &str = "purchase_date";
    pub const DATE: &str = "date";
    pub const WORK_ORDER: &str = "work_order";
    pub const ITEMS: &str = "items";
    pub const ADVISOR: &str = "advisor";
    pub const MILEAGE: &str = "mileage";
    pub const SOURCE: &str = "source";
    /// An appointment's day, status, and the work order of the visit it was matched to.
    pub const DAY: &str = "day";
    pub const STATUS: &str = "status";
    pub const ARRIVED_WORK_ORDER: &str = "arrived_work_order";
    /// The values the last import wrote, to tell them from what people wrote since.
    pub const DMS_VALUES: &str = "dms_values";
}

/// What the store holds already, indexed the ways an import looks things up.
#[derive(Default)]
struct Existing {
    records: BTreeMap<RecordId, Entity>,
    customer_by_phone: BTreeMap<String, RecordId>,
    vehicle_by_vin: BTreeMap<String, RecordId>,
    vehicle_by_plate: BTreeMap<String, RecordId>,
    visit_by_work_order: BTreeMap<String, RecordId>,
    /// Appointments still waiting for the customer (booked or no-show), by customer.
    appointments_waiting: BTreeMap<String, Vec<Waiting>>,
}

/// An appointment the customer may yet be found to have come to.
struct Waiting {
    id: RecordId,
    day: Day,
    status: String,
    /// The stamp of its `arrived_work_order`, if it has one (set by hand, say).
    work_order_stamp: Option<Hlc>,
}

fn text(e: &Entity, field: &str) -> Option<String> {
    e.value(field).and_then(Value::as_str).map(str::to_owned)
}

async fn existing(engine: &Engine, me: &UserCtx, now_ms: i64) -> Result<Existing, Error> {
    let mut out = Existing::default();
    for e in super::store_entities(engine, me, now_ms).await? {
        match e.kind {
            RecordKind::Customer => {
                if let Some(p) = text(&e, fields::PHONE).filter(|p| !p.is_empty()) {
                    out.customer_by_phone.entry(p).or_insert(e.id);
                }
            }
            RecordKind::Vehicle => {
                if let Some(v) = text(&e, fields::VIN) {
                    out.vehicle_by_vin.entry(v).or_insert(e.id);
                }
                if let Some(p) = text(&e, fields::PLATE) {
                    out.vehicle_by_plate.entry(p).or_insert(e.id);
                }
            }
            RecordKind::ServiceVisit => {
                if let Some(w) = text(&e, fields::WORK_ORDER) {
                    out.visit_by_work_order.entry(w).or_insert(e.id);
                }
            }
            RecordKind::Appointment => {
                let status = text(&e, fields::STATUS).unwrap_or_default();
                let day = super::tasks::day_of(e.value(fields::DAY));
                if let (Some(customer), Some(day), "booked" | "no_show") =
                    (text(&e, fields::CUSTOMER), day, status.as_str())
                {
                    out.appointments_waiting
                        .entry(customer)
                        .or_default()
                        .push(Waiting {
                            id: e.id,
                            day,
                            status,
                            work_order_stamp: e
                                .fields
                                .get(fields::ARRIVED_WORK_ORDER)
                                .map(|f| f.stamp),
                        });
                }
                continue;
            }
            _ => continue,
        }
        out.records.insert(e.id, e);
    }
    Ok(out)
}

/// A batch closes after the customer that takes it to this many changes, so it nearly
/// always fits one push of the engine's 1,000.
pub const BATCH: usize = 900;

/// The mark on the ids an import makes (see [`Changes`]).
const TAG: u8 = 0x1d;

/// Builds the mutations of one import run, a batch at a time.
struct Writer<'a> {
    me: &'a UserCtx,
    now_ms: i64,
    changes: Changes<'a>,
    /// Changes in `changes`, not sent yet.
    pending: usize,
    summary: Summary,
}

impl<'a> Writer<'a> {
    fn new(me: &'a UserCtx, now_ms: i64) -> Self {
        Writer {
            me,
            now_ms,
            changes: Changes::new(me, now_ms, TAG),
            pending: 0,
            summary: Summary::default(),
        }
    }

    fn push(&mut self, kind: RecordKind, record_id: RecordId, op: Op) {
        self.pending += 1;
        self.changes.push(kind, record_id, op);
    }

    fn create(&mut self, kind: RecordKind, fields: BTreeMap<String, Value>) -> RecordId {
        self.pending += 1;
        self.changes.create(kind, fields)
    }

    /// Sends what is pending (a fresh run of ids for the next batch); every refusal is
    /// counted and said.
    async fn flush(&mut self, engine: &Engine) -> Result<(), Error> {
        if self.pending == 0 {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.changes, Changes::new(self.me, self.now_ms, TAG));
        self.pending = 0;
        let (_, refusals) = batch.send(engine).await?;
        self.summary.refused += refusals.len();
        self.summary.refusals.extend(refusals);
        Ok(())
    }

    /// Sets the fields that differ from the export, unless a person changed them since the
    /// last import; records what this import gave. Returns whether anything is written.
    fn update(&mut self, current: &Entity, wanted: BTreeMap<String, Value>) -> bool {
        let last_import = current
            .value(fields::DMS_VALUES)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut writes = Vec::new();
        for (field, value) in &wanted {
            match current.fields.get(field) {
                Some(state) if state.value == *value => {}
                Some(state) if last_import.get(field) != Some(&state.value) => {
                    self.summary.fields_kept += 1;
                }
                state => writes.push(FieldWrite {
                    field: field.clone(),
                    value: value.clone(),
                    base: state.map(|s| s.stamp),
                }),
            }
        }
        let given = Value::Object(wanted.into_iter().collect());
        if current.value(fields::DMS_VALUES) != Some(&given) {
            writes.push(FieldWrite {
                field: fields::DMS_VALUES.to_owned(),
                value: given,
                base: current.fields.get(fields::DMS_VALUES).map(|s| s.stamp),
            });
        }
        let changed = writes.iter().any(|w| w.field != fields::DMS_VALUES);
        if !writes.is_empty() {
            self.push(current.kind, current.id, Op::SetFields { writes });
        }
        changed
    }

    /// A new record with what the import gives it, remembered as imported.
    fn create_imported(&mut self, kind: RecordKind, wanted: BTreeMap<String, Value>) -> RecordId {
        let mut fields = wanted.clone();
        fields.insert(
            fields::DMS_VALUES.to_owned(),
            Value::Object(wanted.into_iter().collect()),
        );
        fields.insert(fields::SOURCE.to_owned(), json!("dms"));
        self.create(kind, fields)
    }
}

fn put(map: &mut BTreeMap<String, Value>, field: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(field.to_owned(), v);
    }
}

/// Writes the clean rows of an import. Rows sharing a phone or VIN are one customer.
/// `progress` hears, after each batch the engine took, how many rows are written and what
/// the import did so far.
pub async fn commit(
    engine: &Engine,
    me: &UserCtx,
    cleaned: &Cleaned,
    now_ms: i64,
    mut progress: impl FnMut(usize, &Summary),
) -> Result<Summary, Error> {
    let mut known = existing(engine, me, now_ms).await?;
    let mut w = Writer::new(me, now_ms);
    let mut rows_done = 0;
    for group in same_customers(&cleaned.rows) {
        let rows: Vec<&CleanRow> = group.iter().map(|&i| &cleaned.rows[i]).collect();
        customer(&mut w, &mut known, &rows);
        rows_done += rows.len();
        if w.pending >= BATCH {
            w.flush(engine).await?;
            progress(rows_done, &w.summary);
        }
    }
    w.flush(engine).await?;
    progress(rows_done, &w.summary);
    Ok(w.summary)
}

/// One customer's rows: the customer, their cars and visits.
fn customer(w: &mut Writer<'_>, known: &mut Existing, rows: &[&CleanRow]) {
    // Later rows of the export win for the customer's own fields.
    let mut wanted = BTreeMap::new();
    for r in rows {
        if !r.name.is_empty() {
            wanted.insert(fields::NAME.to_owned(), json!(r.name));
        }
        put(
            &mut wanted,
            fields::PHONE,
            r.mobile.as_ref().map(|p| json!(p)),
        );
        put(
            &mut wanted,
            fields::MEMBER_LEVEL,
            r.member_level.as_ref().map(|l| json!(l)),
        );
        put(
            &mut wanted,
            fields::MEMBER_EXPIRY,
            r.member_expiry.map(|d| json!(d.to_string())),
        );
        put(
            &mut wanted,
            fields::INSURANCE_EXPIRY,
            r.insurance_expiry.map(|d| json!(d.to_string())),
        );
        if !r.tags.is_empty() {
            wanted.insert(fields::TAGS.to_owned(), json!(r.tags));
        }
    }
    let found = rows
        .iter()
        .filter_map(|r| r.mobile.as_ref())
        .find_map(|p| known.customer_by_phone.get(p).copied())
        .or_else(|| {
            rows.iter()
                .filter_map(|r| r.vin.as_ref())
                .filter_map(|v| known.vehicle_by_vin.get(v))
                .filter_map(|id| known.records.get(id))
                .find_map(|car| text(car, fields::CUSTOMER))
                .and_then(|c| c.parse().ok().map(RecordId))
        });
    let customer = match found.and_then(|id| known.records.get(&id)) {
        Some(current) => {
            if w.update(current, wanted) {
                w.summary.customers_updated += 1;
            }
            current.id
        }
        None => {
            let id = w.create_imported(RecordKind::Customer, wanted);
            if let Some(p) = rows.iter().find_map(|r| r.mobile.clone()) {
                known.customer_by_phone.insert(p, id);
            }
            w.summary.customers_created += 1;
            id
        }
    };
    for r in rows {
        let vehicle = vehicle(w, known, customer, r);
        visit(w, known, customer, vehicle, r);
    }
}

fn vehicle(
    w: &mut Writer<'_>,
    known: &mut Existing,
    customer: RecordId,
    r: &CleanRow,
) -> Option<RecordId> {
    if r.vin.is_none() && r.plate.is_none() {
        return None;
    }
    let mut wanted = BTreeMap::new();
    wanted.insert(fields::CUSTOMER.to_owned(), json!(customer.to_string()));
    put(&mut wanted, fields::VIN, r.vin.as_ref().map(|v| json!(v)));
    put(
        &mut wanted,
        fields::PLATE,
        r.plate.as_ref().map(|p| json!(p)),
    );
    put(
        &mut wanted,
        fields::MODEL,
        r.model.as_ref().map(|m| json!(m)),
    );
    put(
        &mut wanted,
        fields::PURCHASE_DATE,
        r.purchase_date.map(|d| json!(d.to_string())),
    );
    let found = r
        .vin
        .as_ref()
        .and_then(|v| known.vehicle_by_vin.get(v))
        .or_else(|| r.plate.as_ref().and_then(|p| known.vehicle_by_plate.get(p)))
        .copied();
    match found.and_then(|id| known.records.get(&id)) {
        Some(current) => {
            if w.update(current, wanted) {
                w.summary.vehicles_updated += 1;
            }
            Some(current.id)
        }
        None => {
            // The same car twice in one file: the first row created it.
            if let Some(id) = found {
                return Some(id);
            }
            let id = w.create_imported(RecordKind::Vehicle, wanted);
            if let Some(v) = &r.vin {
                known.vehicle_by_vin.insert(v.clone(), id);
            }
            if let Some(p) = &r.plate {
                known.vehicle_by_plate.insert(p.clone(), id);
            }
            w.summary.vehicles_created += 1;
            Some(id)
        }
    }
}

fn visit(
    w: &mut Writer<'_>,
    known: &mut Existing,
    customer: RecordId,
    vehicle: Option<RecordId>,
    r: &CleanRow,
) {
    let Some(date) = r.visit_date else { return };
    // A visit is known by its work order; without one, by car and day.
    let key = match (&r.work_order, vehicle) {
        (Some(wo), _) => wo.clone(),
        (None, Some(v)) => format!("{v}@{date}"),
        (None, None) => format!("{customer}@{date}"),
    };
    // Known or new, the visit says the customer came.
    arrived(w, known, customer, date, &key);
    if known.visit_by_work_order.contains_key(&key) {
        return;
    }
    let mut fields = BTreeMap::new();
    fields.insert(fields::CUSTOMER.to_owned(), json!(customer.to_string()));
    put(
        &mut fields,
        fields::VEHICLE,
        vehicle.map(|v| json!(v.to_string())),
    );
    fields.insert(fields::DATE.to_owned(), json!(date.to_string()));
    fields.insert(fields::WORK_ORDER.to_owned(), json!(key));
    put(
        &mut fields,
        fields::ITEMS,
        r.service_items.as_ref().map(|i| json!(i)),
    );
    put(
        &mut fields,
        fields::ADVISOR,
        r.service_advisor.as_ref().map(|a| json!(a)),
    );
    put(&mut fields, fields::MILEAGE, r.mileage.map(|m| json!(m)));
    fields.insert(fields::SOURCE.to_owned(), json!("dms"));
    let id = w.create(RecordKind::ServiceVisit, fields);
    known.visit_by_work_order.insert(key, id);
    w.summary.visits_created += 1;
}

/// Marks arrived the customer's waiting appointment of the visit's day or, failing that, of
/// the day before.
fn arrived(
    w: &mut Writer<'_>,
    known: &mut Existing,
    customer: RecordId,
    date: Day,
    work_order: &str,
) {
    let Some(waiting) = known.appointments_waiting.get_mut(&customer.to_string()) else {
        return;
    };
    let Some(i) = [date, date.plus(-1)]
        .iter()
        .find_map(|d| waiting.iter().position(|a| a.day == *d))
    else {
        return;
    };
    let appointment = waiting.remove(i);
    w.push(
        RecordKind::Appointment,
        appointment.id,
        Op::Transition {
            field: fields::STATUS.to_owned(),
            from: appointment.status,
            to: "arrived".to_owned(),
            reason: None,
        },
    );
    w.push(
        RecordKind::Appointment,
        appointment.id,
        Op::SetFields {
            writes: vec![FieldWrite {
                field: fields::ARRIVED_WORK_ORDER.to_owned(),
                value: json!(work_order),
                base: appointment.work_order_stamp,
            }],
        },
    );
    w.summary.appointments_arrived += 1;
}
