//! The app's reading of synced records: a customer and the call attempts made to them, as
//! the pages show them, and the changes the pages make. (The care agent's day grows these
//! into full customer records, callbacks and forms.)

use huifang_core::UserId;
use huifang_core::sync::{
    Entity, FieldWrite, Hlc, Op, Record, RecordId, RecordKind, Scope, UserCtx,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Customer fields.
pub mod field {
    pub const NAME: &str = "name";
    pub const PHONE: &str = "phone";
    pub const NOTE: &str = "note";
    pub const EMAIL: &str = "email";
    /// A call attempt's customer (record id).
    pub const CUSTOMER: &str = "customer";
    pub const OUTCOME: &str = "outcome";
}

/// A customer as the pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: RecordId,
    pub name: String,
    pub phone: String,
    pub note: String,
    pub email: String,
    /// The stamp of each field's value, to send as the base of an edit.
    pub stamps: BTreeMap<String, Hlc>,
    /// Fields with an open conflict.
    pub conflicted: Vec<String>,
}

fn text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Whether `value` reads as the id text `expected` (what `text` would give), without
/// allocating: no number, bool, array or object spells an id.
fn is_text(value: Option<&Value>, expected: &str) -> bool {
    match value {
        Some(Value::String(s)) => s == expected,
        Some(Value::Null) | None => expected.is_empty(),
        Some(_) => false,
    }
}

impl Customer {
    pub fn from_record(record: &Record) -> Option<Customer> {
        let entity = record.as_entity()?;
        if entity.kind != RecordKind::Customer || entity.tombstone.is_some() {
            return None;
        }
        let value = |f: &str| text(entity.fields.get(f).map(|s| &s.value));
        Some(Customer {
            id: entity.id,
            name: value(field::NAME),
            phone: value(field::PHONE),
            note: value(field::NOTE),
            email: value(field::EMAIL),
            stamps: entity
                .fields
                .iter()
                .map(|(k, s)| (k.clone(), s.stamp))
                .collect(),
            conflicted: entity.conflicts.keys().cloned().collect(),
        })
    }

    /// Every customer among `records`, by name.
    pub fn all(records: &[Record]) -> Vec<Customer> {
        let mut list: Vec<Customer> = records.iter().filter_map(Customer::from_record).collect();
        list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        list
    }

    /// Sets `field` to `value`, from the stamp the person saw when they began editing.
    pub fn edit(field: &str, value: String, base: Option<Hlc>) -> Op {
        Op::SetFields {
            writes: vec![FieldWrite {
                field: field.to_owned(),
                value: Value::String(value),
                base,
            }],
        }
    }
}

/// Why a new customer cannot be saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    #[error("a customer needs a name")]
    NameRequired,
    #[error("not a mainland mobile or a landline with its area code")]
    BadPhone,
    #[error("not an e-mail address like name@example.com")]
    BadEmail,
}

/// The phone as typed, cleaned to its canonical form (`13800138000`, `010-65529988`) so the
/// same number is always written the same way; empty stays empty.
pub fn check_phone(phone: &str) -> Result<String, CustomerError> {
    if phone.trim().is_empty() {
        return Ok(String::new());
    }
    huifang_core::care::phone::clean(phone, None)
        .map(|p| p.to_string())
        .map_err(|_| CustomerError::BadPhone)
}

/// The e-mail address as typed, trimmed; empty stays empty. Only the shape is checked
/// (one `@`, a dot in the domain, no spaces): the mail server is the real judge.
pub fn check_email(email: &str) -> Result<String, CustomerError> {
    let e = email.trim();
    if e.is_empty() {
        return Ok(String::new());
    }
    match e.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.contains(char::is_whitespace)
                && !domain.contains('@') =>
        {
            Ok(e.to_owned())
        }
        _ => Err(CustomerError::BadEmail),
    }
}

/// A new customer of the user's store.
pub fn new_customer(user: &UserCtx, name: &str, phone: &str) -> Result<Op, CustomerError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CustomerError::NameRequired);
    }
    let phone = check_phone(phone)?;
    let mut fields = BTreeMap::new();
    fields.insert(field::NAME.to_owned(), json!(name));
    fields.insert(field::PHONE.to_owned(), json!(phone));
    Ok(Op::Create {
        scope: Scope {
            store: user.store.clone(),
            owner: None,
        },
        fields,
    })
}

pub use crate::calls::Attempt;
pub use huifang_core::care::calls::Outcome;

#[cfg(test)]
mod tests {
    use super::*;
    use huifang_core::{Role, StoreId};

    fn user() -> UserCtx {
        UserCtx {
            user: UserId("u1".into()),
            role: Role::CareAgent,
            store: StoreId("s1".into()),
        }
    }

    #[test]
    fn e_mail_addresses_are_checked_for_their_shape() {
        assert_eq!(check_email(" li@example.cn "), Ok("li@example.cn".into()));
        assert_eq!(check_email(""), Ok(String::new()));
        for bad in [
            "li",
            "li@",
            "@example.cn",
            "li@example",
            "li @example.cn",
            "a@b@c.cn",
            "li@.cn",
        ] {
            assert_eq!(check_email(bad), Err(CustomerError::BadEmail), "{bad}");
        }
    }

    #[test]
    fn phones_are_cleaned_to_one_form() {
        assert_eq!(check_phone(" 138 0013 8000 "), Ok("13800138000".into()));
        assert_eq!(check_phone("+86-10-6552-9988"), Ok("010-65529988".into()));
        assert_eq!(check_phone(""), Ok(String::new()));
        assert_eq!(check_phone("12345"), Err(CustomerError::BadPhone));
        assert_eq!(check_phone("138abc00138"), Err(CustomerError::BadPhone));
    }

    #[test]
    fn a_new_customer_needs_a_name_and_belongs_to_the_store() {
        assert_eq!(
            new_customer(&user(), "  ", "13800138000"),
            Err(CustomerError::NameRequired)
        );
        let Ok(Op::Create { scope, fields }) = new_customer(&user(), " 陈先生 ", "13800138000")
        else {
            panic!("a create op");
        };
        assert_eq!(scope.store, StoreId("s1".into()));
        assert_eq!(scope.owner, None);
        assert_eq!(fields[field::NAME], json!("陈先生"));
    }
}

/// One line of the agent's list for today: an open callback task of theirs, with whom to
/// call and by when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TodayItem {
    pub task: RecordId,
    pub customer: RecordId,
    pub name: String,
    pub phone: String,
    pub plates: Vec<String>,
    pub purpose: Option<huifang_core::care::rules::Purpose>,
    pub due_by: Option<huifang_core::care::dates::Day>,
    /// Days from today to the deadline (negative: overdue).
    pub days_left: Option<i32>,
    pub status: String,
    /// Not before this time (ms): a retry or the time agreed with the customer.
    pub next_try_at: Option<i64>,
    /// The customer must be contacted by this day (a week after assignment), shown until
    /// a first attempt is made.
    pub contact_by: Option<huifang_core::care::dates::Day>,
}

/// An assigned customer must be contacted within this many days (DOMAIN.md).
pub const CONTACT_WITHIN_DAYS: i32 = 7;

/// The agent's open tasks: overdue first, then by deadline; `search` matches name, phone
/// (digits, however typed) or plate while typing; `purpose` filters by kind.
pub fn today_list(
    records: &[Record],
    me: &UserId,
    today: huifang_core::care::dates::Day,
    offset_minutes: i32,
    search: &str,
    purpose: Option<huifang_core::care::rules::Purpose>,
) -> Vec<TodayItem> {
    TodayIndex::of(records, me, today, offset_minutes).list(search, purpose)
}

/// The agent's open tasks in list order, each with what a search looks at, made once per
/// read of the records so that a keystroke is a scan without allocation per task.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct TodayIndex {
    items: Vec<(TodayItem, SearchKey)>,
}

/// A task's name, phone and plates as the search compares them.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
struct SearchKey {
    name: String,
    phone_digits: String,
    plates: Vec<String>,
}

impl TodayIndex {
    /// The agent's open tasks among `records`: overdue first, then by deadline.
    pub fn of(
        records: &[Record],
        me: &UserId,
        today: huifang_core::care::dates::Day,
        offset_minutes: i32,
    ) -> TodayIndex {
        use huifang_core::care::dates;
        // First the agent's open tasks (a few hundred), then only what they name: their
        // customers' names, plates and last attempts. Nothing is kept for the thousands of
        // other customers and their events.
        let tasks: Vec<&Entity> = records
            .iter()
            .filter_map(Record::as_entity)
            .filter(|e| {
                e.kind == RecordKind::CallbackTask
                    && e.tombstone.is_none()
                    && e.scope.owner.as_ref() == Some(me)
                    && e.value("status")
                        .and_then(Value::as_str)
                        .is_some_and(huifang_core::care::distribute::is_unfinished)
            })
            .collect();
        let wanted: HashSet<&str> = tasks
            .iter()
            .filter_map(|e| e.value(field::CUSTOMER).and_then(Value::as_str))
            .collect();
        let wanted_ids: HashSet<RecordId> = wanted
            .iter()
            .filter_map(|c| c.parse().ok().map(RecordId))
            .collect();
        let mut customers: HashMap<RecordId, (&str, &str)> = HashMap::new();
        let mut plates: HashMap<&str, Vec<String>> = HashMap::new();
        let mut attempted: HashMap<&str, i64> = HashMap::new();
        for r in records {
            match r {
                Record::Entity(e) => {
                    let s = |f: &str| e.value(f).and_then(Value::as_str).unwrap_or("");
                    match e.kind {
                        RecordKind::Customer if wanted_ids.contains(&e.id) => {
                            customers.insert(e.id, (s(field::NAME), s(field::PHONE)));
                        }
                        RecordKind::Vehicle if !s("plate").is_empty() => {
                            if let Some(c) = wanted.get(s(field::CUSTOMER)) {
                                plates.entry(c).or_default().push(s("plate").to_owned());
                            }
                        }
                        _ => {}
                    }
                }
                // The last attempt on each customer (ms).
                Record::Event(e) if e.kind == RecordKind::CallAttempt => {
                    if let Some(c) = e
                        .fields
                        .get(field::CUSTOMER)
                        .and_then(Value::as_str)
                        .and_then(|c| wanted.get(c))
                    {
                        let last = attempted.entry(c).or_insert(e.stamp.wall_ms);
                        *last = (*last).max(e.stamp.wall_ms);
                    }
                }
                Record::Event(_) => {}
            }
        }
        let mut items: Vec<TodayItem> = tasks
            .into_iter()
            .filter_map(|e| {
                let customer = e.value(field::CUSTOMER).and_then(Value::as_str)?;
                let customer_id = customer.parse().ok().map(RecordId)?;
                let (name, phone) = customers.get(&customer_id).copied().unwrap_or(("", ""));
                let due_by = e
                    .value("due_by")
                    .and_then(Value::as_str)
                    .and_then(|d| dates::parse(d).ok());
                let assigned_at = e.value("assigned_at").and_then(Value::as_i64);
                let contacted = assigned_at
                    .is_some_and(|at| attempted.get(customer).is_some_and(|last| *last >= at));
                Some(TodayItem {
                    status: e
                        .value("status")
                        .and_then(Value::as_str)
                        .unwrap_or("open")
                        .to_owned(),
                    next_try_at: e.value("next_try_at").and_then(Value::as_i64),
                    contact_by: assigned_at
                        .filter(|_| !contacted)
                        .map(|at| dates::Day::of_ms(at, offset_minutes).plus(CONTACT_WITHIN_DAYS)),
                    task: e.id,
                    customer: customer_id,
                    name: name.to_owned(),
                    phone: phone.to_owned(),
                    plates: plates.get(customer).cloned().unwrap_or_default(),
                    purpose: e
                        .value("purpose")
                        .and_then(Value::as_str)
                        .and_then(huifang_core::care::rules::Purpose::parse),
                    due_by,
                    days_left: due_by.map(|d| d.0 - today.0),
                })
            })
            .collect();
        items.sort_by(|a, b| {
            (a.days_left.unwrap_or(i32::MAX), &a.name, a.task).cmp(&(
                b.days_left.unwrap_or(i32::MAX),
                &b.name,
                b.task,
            ))
        });
        let items = items
            .into_iter()
            .map(|item| {
                let key = SearchKey {
                    name: item.name.to_lowercase(),
                    phone_digits: item.phone.chars().filter(char::is_ascii_digit).collect(),
                    plates: item.plates.iter().map(|p| p.to_lowercase()).collect(),
                };
                (item, key)
            })
            .collect();
        TodayIndex { items }
    }

    /// The tasks matching `search` (name, phone digits however typed, or plate) and
    /// `purpose`, in list order.
    pub fn list(
        &self,
        search: &str,
        purpose: Option<huifang_core::care::rules::Purpose>,
    ) -> Vec<TodayItem> {
        let needle = search.trim().to_lowercase();
        let digits: String = needle.chars().filter(char::is_ascii_digit).collect();
        let plate = needle.replace(['·', ' '], "");
        self.items
            .iter()
            .filter(|(item, _)| purpose.is_none() || item.purpose == purpose)
            .filter(|(_, key)| {
                needle.is_empty()
                    || key.name.contains(&needle)
                    || (!digits.is_empty() && key.phone_digits.contains(&digits))
                    || key.plates.iter().any(|p| p.contains(&plate))
            })
            .map(|(item, _)| item.clone())
            .collect()
    }
}

#[cfg(test)]
mod today_tests {
    use super::*;
    use huifang_core::care::dates::Day;
    use huifang_core::sync::{ClientId, Entity, FieldState, Hlc};
    use huifang_core::{StoreId, UserId};

    fn entity(n: u128, kind: RecordKind, owner: Option<&str>, fields: &[(&str, Value)]) -> Record {
        let node = ClientId(uuid::Uuid::from_u128(1));
        Record::Entity(Entity {
            id: RecordId(uuid::Uuid::from_u128(n)),
            kind,
            scope: Scope {
                store: StoreId("s".into()),
                owner: owner.map(|o| UserId(o.into())),
            },
            fields: fields
                .iter()
                .map(|(k, v)| {
                    (
                        (*k).to_owned(),
                        FieldState {
                            value: v.clone(),
                            stamp: Hlc {
                                wall_ms: 1,
                                counter: 0,
                                node,
                            },
                            by: UserId("sup".into()),
                        },
                    )
                })
                .collect(),
            tombstone: None,
            conflicts: BTreeMap::new(),
            version: 1,
        })
    }

    fn customer_id(n: u128) -> String {
        RecordId(uuid::Uuid::from_u128(n)).to_string()
    }

    #[test]
    fn my_open_tasks_overdue_first_and_searchable() {
        let today = Day::from_ymd(2026, 11, 30).expect("day");
        let records = vec![
            entity(
                1,
                RecordKind::Customer,
                None,
                &[("name", json!("王建国")), ("phone", json!("13800138000"))],
            ),
            entity(
                2,
                RecordKind::Customer,
                None,
                &[("name", json!("李秀英")), ("phone", json!("13900139000"))],
            ),
            entity(
                3,
                RecordKind::Vehicle,
                None,
                &[
                    ("customer", json!(customer_id(2))),
                    ("plate", json!("沪BD12345")),
                ],
            ),
            entity(
                10,
                RecordKind::CallbackTask,
                Some("me"),
                &[
                    ("customer", json!(customer_id(1))),
                    ("purpose", json!("post_service")),
                    ("due_by", json!("2026-12-02")),
                    ("status", json!("open")),
                ],
            ),
            entity(
                11,
                RecordKind::CallbackTask,
                Some("me"),
                &[
                    ("customer", json!(customer_id(2))),
                    ("purpose", json!("insurance_renewal")),
                    ("due_by", json!("2026-11-28")),
                    ("status", json!("open")),
                ],
            ),
            entity(
                12,
                RecordKind::CallbackTask,
                Some("me"),
                &[
                    ("customer", json!(customer_id(2))),
                    ("purpose", json!("post_service")),
                    ("due_by", json!("2026-11-29")),
                    ("status", json!("completed")),
                ],
            ),
            entity(
                13,
                RecordKind::CallbackTask,
                Some("other"),
                &[
                    ("customer", json!(customer_id(1))),
                    ("purpose", json!("post_service")),
                    ("due_by", json!("2026-11-20")),
                    ("status", json!("open")),
                ],
            ),
        ];
        let me = UserId("me".into());
        let list = today_list(&records, &me, today, 480, "", None);
        let names: Vec<(&str, Option<i32>)> = list
            .iter()
            .map(|i| (i.name.as_str(), i.days_left))
            .collect();
        assert_eq!(names, vec![("李秀英", Some(-2)), ("王建国", Some(2))]);
        assert_eq!(list[0].plates, vec!["沪BD12345".to_owned()]);
        for search in ["王", "138 0013", "bd123", "沪B"] {
            let found = today_list(&records, &me, today, 480, search, None);
            assert_eq!(found.len(), 1, "{search:?}");
        }
        use huifang_core::care::rules::Purpose;
        let renewals = today_list(
            &records,
            &me,
            today,
            480,
            "",
            Some(Purpose::InsuranceRenewal),
        );
        assert_eq!(renewals.len(), 1);
        assert_eq!(renewals[0].name, "李秀英");
    }

    #[test]
    fn an_assigned_customer_shows_the_week_to_contact_them_until_the_first_attempt() {
        use huifang_core::sync::{ClientId, Event};
        let today = Day::from_ymd(2026, 11, 30).expect("day");
        let assigned = i64::from(Day::from_ymd(2026, 11, 28).expect("day").0) * 86_400_000;
        let mut records = vec![
            entity(1, RecordKind::Customer, None, &[("name", json!("王建国"))]),
            entity(
                10,
                RecordKind::CallbackTask,
                Some("me"),
                &[
                    ("customer", json!(customer_id(1))),
                    ("due_by", json!("2026-12-02")),
                    ("status", json!("in_progress")),
                    ("assigned_at", json!(assigned)),
                    ("next_try_at", json!(assigned + 7_200_000)),
                ],
            ),
        ];
        let me = UserId("me".into());
        let list = today_list(&records, &me, today, 480, "", None);
        assert_eq!(list[0].contact_by, Day::from_ymd(2026, 12, 5));
        assert_eq!(list[0].status, "in_progress");
        assert_eq!(list[0].next_try_at, Some(assigned + 7_200_000));
        records.push(Record::Event(Event {
            id: RecordId(uuid::Uuid::from_u128(20)),
            kind: RecordKind::CallAttempt,
            scope: Scope {
                store: StoreId("s".into()),
                owner: Some(me.clone()),
            },
            fields: [("customer".to_owned(), json!(customer_id(1)))]
                .into_iter()
                .collect(),
            stamp: Hlc {
                wall_ms: assigned + 1,
                counter: 0,
                node: ClientId(uuid::Uuid::from_u128(1)),
            },
            by: me.clone(),
            version: 1,
        }));
        assert_eq!(
            today_list(&records, &me, today, 480, "", None)[0].contact_by,
            None
        );
    }

    #[test]
    fn a_customer_file_gathers_cars_visits_and_the_loyalty_class() {
        use huifang_core::care::rules::Loyalty;
        let today = Day::from_ymd(2026, 11, 30).expect("day");
        let records = vec![
            entity(
                1,
                RecordKind::Customer,
                None,
                &[
                    ("name", json!("李秀英")),
                    ("member_level", json!("金卡")),
                    ("quiet_hours", json!(["12:00-15:00", "nonsense"])),
                    ("do_not_contact", json!({"campaign": "不接受营销电话"})),
                ],
            ),
            entity(
                2,
                RecordKind::Vehicle,
                None,
                &[
                    ("customer", json!(customer_id(1))),
                    ("plate", json!("沪A12345")),
                ],
            ),
            entity(
                3,
                RecordKind::ServiceVisit,
                None,
                &[
                    ("customer", json!(customer_id(1))),
                    ("date", json!("2025-10-01")),
                    ("work_order", json!("WO-1")),
                    ("mileage", json!(15000)),
                ],
            ),
        ];
        let file = CustomerFile::of(&records, RecordId(uuid::Uuid::from_u128(1)), today)
            .expect("the customer");
        assert_eq!(file.vehicles.len(), 1);
        assert_eq!(file.visits[0].mileage, Some(15_000));
        // 425 days since the last visit: lost, so a call asks why.
        assert_eq!(file.loyalty, Loyalty::Lost);
        assert!(file.is_lapsing());
        assert_eq!(file.quiet_windows().len(), 1);
        use huifang_core::care::rules::Purpose;
        assert_eq!(file.blocked_for(Purpose::Campaign), Some("不接受营销电话"));
        assert_eq!(file.blocked_for(Purpose::PostService), None);
    }
}

/// A customer's car.
#[derive(Debug, Clone, PartialEq)]
pub struct Vehicle {
    pub id: RecordId,
    pub model: String,
    pub plate: String,
    pub vin: String,
    pub purchase_date: String,
}

/// A service visit from the DMS.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub id: RecordId,
    pub date: String,
    pub work_order: String,
    pub items: String,
    pub advisor: String,
    pub mileage: Option<u32>,
}

/// A completed callback record (回访记录表), as the history shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackRecord {
    pub id: RecordId,
    pub task: String,
    pub purpose: Option<huifang_core::care::rules::Purpose>,
    pub satisfaction: Option<huifang_core::care::calls::Satisfaction>,
    pub suggestions: String,
    pub complaint: bool,
    pub notes: String,
    pub lapse_reason: String,
    pub by: UserId,
    pub at_ms: i64,
}

/// Everything the tablet holds about one customer: the record, their cars and visits,
/// tasks, attempts, callback records and appointments, and what follows from them.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerFile {
    pub customer: Customer,
    pub member_level: String,
    pub member_expiry: String,
    pub insurance_expiry: String,
    pub tags: Vec<String>,
    /// When the customer does not want calls (`12:00-15:00`), beside the store's quiet hours.
    pub quiet_hours: Vec<String>,
    /// Purposes the customer must not be called for, with the reason.
    pub do_not_contact: BTreeMap<String, String>,
    pub vehicles: Vec<Vehicle>,
    /// Newest first.
    pub visits: Vec<Visit>,
    pub tasks: Vec<crate::calls::Task>,
    pub attempts: Vec<Attempt>,
    /// Newest first.
    pub records: Vec<CallbackRecord>,
    pub appointments: Vec<crate::calls::Appointment>,
    pub loyalty: huifang_core::care::rules::Loyalty,
}

/// More customer fields (from the DMS import, and what agents set).
pub mod more {
    pub const MEMBER_LEVEL: &str = "member_level";
    pub const MEMBER_EXPIRY: &str = "member_expiry";
    pub const INSURANCE_EXPIRY: &str = "insurance_expiry";
    pub const TAGS: &str = "tags";
    pub const QUIET_HOURS: &str = "quiet_hours";
    pub const DO_NOT_CONTACT: &str = "do_not_contact";
}

impl CustomerFile {
    /// The file of customer `id` among `records`, on `today`.
    pub fn of(
        records: &[Record],
        id: RecordId,
        today: huifang_core::care::dates::Day,
    ) -> Option<CustomerFile> {
        use huifang_core::care::calls::{Satisfaction, fields as cf};
        use huifang_core::care::dates;
        use huifang_core::care::rules::{self, Facts, Rules};
        let record = records.iter().find(|r| r.id() == id)?;
        let customer = Customer::from_record(record)?;
        let key = id.to_string();
        let entity = record.as_entity()?;
        let value = |f: &str| text(entity.value(f));
        let do_not_contact = match entity.value(more::DO_NOT_CONTACT) {
            Some(Value::Object(map)) => map
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|r| (k.clone(), r.to_owned())))
                .collect(),
            _ => BTreeMap::new(),
        };
        let mut file = CustomerFile {
            customer,
            member_level: value(more::MEMBER_LEVEL),
            member_expiry: value(more::MEMBER_EXPIRY),
            insurance_expiry: value(more::INSURANCE_EXPIRY),
            tags: huifang_core::care::segment::list_field(entity.value(more::TAGS)),
            quiet_hours: huifang_core::care::segment::list_field(entity.value(more::QUIET_HOURS)),
            do_not_contact,
            vehicles: Vec::new(),
            visits: Vec::new(),
            tasks: Vec::new(),
            attempts: Vec::new(),
            records: Vec::new(),
            appointments: Vec::new(),
            loyalty: rules::Loyalty::Regular,
        };
        let mut facts = Facts::default();
        for r in records {
            match r {
                Record::Entity(e) if e.tombstone.is_none() => {
                    // Compared in place: this runs over every record the tablet holds.
                    if !is_text(e.value(field::CUSTOMER), &key) {
                        continue;
                    }
                    let s = |f: &str| text(e.value(f));
                    match e.kind {
                        RecordKind::Vehicle => {
                            if let Ok(day) = dates::parse(&s("purchase_date")) {
                                facts.purchase = facts.purchase.max(Some(day));
                            }
                            file.vehicles.push(Vehicle {
                                id: e.id,
                                model: s("model"),
                                plate: s("plate"),
                                vin: s("vin"),
                                purchase_date: s("purchase_date"),
                            });
                        }
                        RecordKind::ServiceVisit => {
                            let mileage = e
                                .value("mileage")
                                .and_then(Value::as_u64)
                                .and_then(|m| u32::try_from(m).ok());
                            if let Ok(day) = dates::parse(&s("date")) {
                                facts.visits.push(rules::Visit {
                                    day,
                                    work_order: s("work_order"),
                                    km: mileage,
                                });
                            }
                            file.visits.push(Visit {
                                id: e.id,
                                date: s("date"),
                                work_order: s("work_order"),
                                items: s("items"),
                                advisor: s("advisor"),
                                mileage,
                            });
                        }
                        RecordKind::CallbackTask => {
                            file.tasks.extend(crate::calls::Task::from_record(r));
                        }
                        RecordKind::Appointment => {
                            file.appointments
                                .extend(crate::calls::Appointment::from_record(r));
                        }
                        _ => {}
                    }
                }
                Record::Event(e)
                    if e.kind == RecordKind::CallAttempt
                        && is_text(e.fields.get(field::CUSTOMER), &key) =>
                {
                    file.attempts.extend(Attempt::from_record(r));
                }
                Record::Event(e) if e.kind == RecordKind::CallbackRecord => {
                    if !is_text(e.fields.get(cf::CUSTOMER), &key) {
                        continue;
                    }
                    let s = |f: &str| text(e.fields.get(f));
                    file.records.push(CallbackRecord {
                        id: e.id,
                        task: s(cf::TASK),
                        purpose: huifang_core::care::rules::Purpose::parse(&s(cf::PURPOSE)),
                        satisfaction: Satisfaction::parse(&s(cf::SATISFACTION)),
                        suggestions: s(cf::SUGGESTIONS),
                        complaint: e.fields.get(cf::COMPLAINT) == Some(&Value::Bool(true)),
                        notes: s(cf::NOTES),
                        lapse_reason: s(cf::LAPSE_REASON),
                        by: e.by.clone(),
                        at_ms: e.stamp.wall_ms,
                    });
                }
                _ => {}
            }
        }
        // Newest first, as `Attempt::of_customer` lists them.
        file.attempts
            .sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then(b.id.cmp(&a.id)));
        file.visits
            .sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
        file.records.sort_by_key(|r| std::cmp::Reverse(r.at_ms));
        file.tasks
            .sort_by(|a, b| a.due_by.cmp(&b.due_by).then(a.id.cmp(&b.id)));
        file.appointments = {
            let mut list = std::mem::take(&mut file.appointments);
            list.sort_by(|a, b| (b.day, &b.slot).cmp(&(a.day, &a.slot)));
            list
        };
        file.loyalty = rules::loyalty(&Rules::default(), &facts, today);
        Some(file)
    }

    /// The reason of the customer's "do not contact" for `purpose`, if they have one.
    pub fn blocked_for(&self, purpose: huifang_core::care::rules::Purpose) -> Option<&str> {
        self.do_not_contact
            .get(purpose.as_str())
            .map(String::as_str)
    }

    /// The customer is lapsing or lost: a call asks why the car did not come back.
    pub fn is_lapsing(&self) -> bool {
        use huifang_core::care::rules::Loyalty;
        matches!(self.loyalty, Loyalty::Lapsing | Loyalty::Lost)
    }

    /// The customer's own quiet windows that read as times.
    pub fn quiet_windows(&self) -> Vec<huifang_core::care::quiet::Window> {
        self.quiet_hours
            .iter()
            .filter_map(|w| huifang_core::care::quiet::Window::parse(w).ok())
            .collect()
    }
}
