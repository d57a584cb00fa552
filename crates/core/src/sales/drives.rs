//! Test drives (试驾) on the store's fleet: a booking is the record of one car in one slot, so
//! its id is made from the car, the day and the slot. Two advisors booking the same slot (also
//! offline) make the same record: the server keeps the first and refuses the second with the
//! reason, which the second advisor sees under "needs attention" and books another slot.

use super::leads::{Ctx, LeadError, Stage};
use crate::care::dates::Day;
use crate::named::named;
use crate::sync::{Entity, FieldWrite, Op, Record, RecordId, RecordKind, Write};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The booking's fields.
pub mod fields {
    pub const LEAD: &str = "lead";
    pub const CAR: &str = "car";
    pub const DAY: &str = "day";
    pub const SLOT: &str = "slot";
    pub const STATUS: &str = "status";
    pub const LICENCE_CHECKED: &str = "licence_checked";
}

/// Hour-long slots a car can be booked for.
pub const SLOTS: [&str; 8] = [
    "09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00", "17:00",
];

named! {
    /// How a booked drive ended.
    DriveStatus {
        Booked => "booked", "已预约", "Booked";
        Done => "done", "已试驾", "Done";
        NoShow => "no_show", "未到店", "No-show";
        Cancelled => "cancelled", "已取消", "Cancelled";
    }
}

/// The record id of `car` in `slot` of `day` at `store`: the same on every device (FNV-1a of
/// the key, see `RecordId::fixed`).
pub fn slot_id(store: &str, car: &str, day: Day, slot: &str) -> RecordId {
    rebooking_id(store, car, day, slot, 0)
}

/// The id of the slot's booking after `cancelled` bookings of it were called off: a cancelled
/// slot can be booked again, and two devices that both know of the cancellation still make the
/// same record (one that does not know collides with the cancelled one and is told so).
pub fn rebooking_id(store: &str, car: &str, day: Day, slot: &str, cancelled: usize) -> RecordId {
    let key = format!("test_drive:{store}:{car}:{day}:{slot}");
    if cancelled == 0 {
        RecordId::fixed(&key)
    } else {
        RecordId::fixed(&format!("{key}:{cancelled}"))
    }
}

/// A booking as the pages read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drive {
    pub id: RecordId,
    pub lead: Option<RecordId>,
    pub advisor: Option<crate::UserId>,
    pub car: String,
    pub day: Option<Day>,
    pub slot: String,
    pub status: DriveStatus,
    pub licence_checked: bool,
}

impl Drive {
    pub fn of(e: &Entity) -> Option<Drive> {
        if e.kind != RecordKind::TestDrive || e.tombstone.is_some() {
            return None;
        }
        let s = |f: &str| {
            e.value(f)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Some(Drive {
            id: e.id,
            lead: s(fields::LEAD).parse().ok().map(RecordId),
            advisor: e.scope.owner.clone(),
            car: s(fields::CAR),
            day: crate::care::dates::parse(&s(fields::DAY)).ok(),
            slot: s(fields::SLOT),
            status: DriveStatus::parse(&s(fields::STATUS)).unwrap_or(DriveStatus::Booked),
            licence_checked: e
                .value(fields::LICENCE_CHECKED)
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    pub fn all(records: &[Record]) -> Vec<Drive> {
        let mut list: Vec<Drive> = records
            .iter()
            .filter_map(Record::as_entity)
            .filter_map(Drive::of)
            .collect();
        list.sort_by(|a, b| (a.day, &a.slot, &a.car).cmp(&(b.day, &b.slot, &b.car)));
        list
    }
}

/// Which car is taken in which slot of `day` (any booking not cancelled).
pub fn taken(drives: &[Drive], day: Day) -> BTreeMap<(String, String), RecordId> {
    drives
        .iter()
        .filter(|d| d.day == Some(day) && d.status != DriveStatus::Cancelled)
        .map(|d| ((d.car.clone(), d.slot.clone()), d.id))
        .collect()
}

/// Books `car` for `slot` of `day` for the lead; a lead still new or followed moves to
/// "test drive".
pub fn book(
    ctx: Ctx<'_>,
    lead: &Entity,
    car: &str,
    day: Day,
    slot: &str,
    drives: &[Drive],
) -> Result<Vec<Write>, LeadError> {
    if car.trim().is_empty() {
        return Err(LeadError::Missing(fields::CAR));
    }
    if !SLOTS.contains(&slot) {
        return Err(LeadError::Missing(fields::SLOT));
    }
    if let Some(existing) = taken(drives, day).get(&(car.to_owned(), slot.to_owned())) {
        return Err(LeadError::SlotTaken(*existing));
    }
    let cancelled = drives
        .iter()
        .filter(|d| {
            d.day == Some(day)
                && d.car == car
                && d.slot == slot
                && d.status == DriveStatus::Cancelled
        })
        .count();
    let id = rebooking_id(&ctx.user.store.0, car, day, slot, cancelled);
    let mut f = BTreeMap::new();
    f.insert(fields::LEAD.to_owned(), json!(lead.id.to_string()));
    f.insert(fields::CAR.to_owned(), json!(car));
    f.insert(fields::DAY.to_owned(), json!(day.to_string()));
    f.insert(fields::SLOT.to_owned(), json!(slot));
    f.insert(
        fields::STATUS.to_owned(),
        json!(DriveStatus::Booked.as_str()),
    );
    f.insert(fields::LICENCE_CHECKED.to_owned(), json!(false));
    Ok(vec![Write {
        kind: RecordKind::TestDrive,
        record: Some(id),
        op: Op::Create {
            scope: ctx.own_scope(),
            fields: f,
        },
    }])
}

/// Marks a booked drive done (the licence checked: required), a no-show, or cancelled. A drive
/// done moves a lead still following to "test drive".
pub fn mark(
    drive: &Entity,
    lead: Option<&Entity>,
    status: DriveStatus,
    licence_checked: bool,
) -> Result<Vec<Write>, LeadError> {
    let current = Drive::of(drive).ok_or(LeadError::Missing(fields::CAR))?;
    if current.status != DriveStatus::Booked {
        return Err(LeadError::WrongStage {
            current: current.status.as_str().to_owned(),
        });
    }
    if status == DriveStatus::Done && !licence_checked {
        return Err(LeadError::LicenceNotChecked);
    }
    let base = |f: &str| drive.fields.get(f).map(|s| s.stamp);
    let mut writes = vec![Write {
        kind: RecordKind::TestDrive,
        record: Some(drive.id),
        op: Op::SetFields {
            writes: vec![
                FieldWrite {
                    field: fields::STATUS.to_owned(),
                    value: json!(status.as_str()),
                    base: base(fields::STATUS),
                },
                FieldWrite {
                    field: fields::LICENCE_CHECKED.to_owned(),
                    value: json!(licence_checked),
                    base: base(fields::LICENCE_CHECKED),
                },
            ],
        },
    }];
    if status == DriveStatus::Done
        && let Some(lead) = lead
    {
        let stage = lead
            .value(super::leads::fields::STAGE)
            .and_then(Value::as_str)
            .and_then(Stage::parse)
            .unwrap_or(Stage::New);
        for (from, to) in [
            (Stage::New, Stage::Following),
            (Stage::Following, Stage::TestDrive),
        ] {
            if stage <= from {
                writes.push(Write {
                    kind: RecordKind::Lead,
                    record: Some(lead.id),
                    op: Op::Transition {
                        field: super::leads::fields::STAGE.to_owned(),
                        from: from.as_str().to_owned(),
                        to: to.as_str().to_owned(),
                        reason: None,
                    },
                });
            }
        }
    }
    Ok(writes)
}
