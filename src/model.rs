//! The app's reading of synced records: a customer and the call attempts made to them, as
//! the pages show them, and the changes the pages make. (The care agent's day grows these
//! into full customer records, callbacks and forms.)

use huifang_core::UserId;
use huifang_core::sync::{FieldWrite, Hlc, Op, Record, RecordId, RecordKind, Scope, UserCtx};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Customer fields.
pub mod field {
    pub const NAME: &str = "name";
    pub const PHONE: &str = "phone";
    pub const NOTE: &str = "note";
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

/// How a call attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Reached,
    NoAnswer,
    Busy,
    WrongNumber,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Reached,
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::WrongNumber,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::NoAnswer => "no_answer",
            Outcome::Busy => "busy",
            Outcome::WrongNumber => "wrong_number",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// One logged attempt to call a customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub id: RecordId,
    pub customer: String,
    pub outcome: Option<Outcome>,
    pub by: UserId,
    pub at_ms: i64,
}

impl Attempt {
    pub fn from_record(record: &Record) -> Option<Attempt> {
        let Record::Event(event) = record else {
            return None;
        };
        if event.kind != RecordKind::CallAttempt {
            return None;
        }
        Some(Attempt {
            id: event.id,
            customer: text(event.fields.get(field::CUSTOMER)),
            outcome: Outcome::parse(&text(event.fields.get(field::OUTCOME))),
            by: event.by.clone(),
            at_ms: event.stamp.wall_ms,
        })
    }

    /// The attempts made to `customer`, newest first.
    pub fn of(records: &[Record], customer: RecordId) -> Vec<Attempt> {
        let key = customer.to_string();
        let mut list: Vec<Attempt> = records
            .iter()
            .filter_map(Attempt::from_record)
            .filter(|a| a.customer == key)
            .collect();
        list.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then(b.id.cmp(&a.id)));
        list
    }

    /// A new attempt by the user (an event: written once, never edited).
    pub fn log(user: &UserCtx, customer: RecordId, outcome: Outcome) -> Op {
        let mut fields = BTreeMap::new();
        fields.insert(field::CUSTOMER.to_owned(), json!(customer.to_string()));
        fields.insert(field::OUTCOME.to_owned(), json!(outcome.as_str()));
        Op::AppendEvent {
            scope: Scope {
                store: user.store.clone(),
                owner: Some(user.user.clone()),
            },
            fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huifang_core::sync::{ClientId, Event, Hlc};
    use huifang_core::{Role, StoreId};

    fn user() -> UserCtx {
        UserCtx {
            user: UserId("u1".into()),
            role: Role::CareAgent,
            store: StoreId("s1".into()),
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

    #[test]
    fn attempts_are_found_by_customer_newest_first() {
        let customer = RecordId(uuid::Uuid::from_u128(7));
        let node = ClientId(uuid::Uuid::from_u128(1));
        let event = |n: u128, at: i64, outcome: Outcome| {
            let Op::AppendEvent { scope, fields } = Attempt::log(&user(), customer, outcome) else {
                panic!("an event");
            };
            Record::Event(Event {
                id: RecordId(uuid::Uuid::from_u128(n)),
                kind: RecordKind::CallAttempt,
                scope,
                fields,
                stamp: Hlc {
                    wall_ms: at,
                    counter: 0,
                    node,
                },
                by: UserId("u1".into()),
                version: 1,
            })
        };
        let records = vec![
            event(1, 100, Outcome::NoAnswer),
            event(2, 300, Outcome::Reached),
        ];
        let list = Attempt::of(&records, customer);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].outcome, Some(Outcome::Reached));
        assert!(Attempt::of(&records, RecordId(uuid::Uuid::from_u128(8))).is_empty());
    }
}

/// One line of the agent's list for today: an open callback task of theirs, with whom to
/// call and by when.
#[derive(Debug, Clone, PartialEq)]
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
}

/// The agent's open tasks: overdue first, then by deadline; `search` matches name, phone
/// (digits, however typed) or plate while typing; `purpose` filters by kind.
pub fn today_list(
    records: &[Record],
    me: &UserId,
    today: huifang_core::care::dates::Day,
    search: &str,
    purpose: Option<huifang_core::care::rules::Purpose>,
) -> Vec<TodayItem> {
    use huifang_core::care::dates;
    let mut customers: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    let mut plates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in records {
        let Some(e) = r.as_entity() else { continue };
        let s = |f: &str| e.value(f).and_then(Value::as_str).unwrap_or("");
        match e.kind {
            RecordKind::Customer => {
                customers.insert(e.id.to_string(), (s(field::NAME), s(field::PHONE)));
            }
            RecordKind::Vehicle if !s("plate").is_empty() => {
                plates
                    .entry(s(field::CUSTOMER).to_owned())
                    .or_default()
                    .push(s("plate").to_owned());
            }
            _ => {}
        }
    }
    let needle = search.trim().to_lowercase();
    let digits: String = needle.chars().filter(char::is_ascii_digit).collect();
    let mut list: Vec<TodayItem> = records
        .iter()
        .filter_map(Record::as_entity)
        .filter(|e| {
            e.kind == RecordKind::CallbackTask
                && e.tombstone.is_none()
                && e.scope.owner.as_ref() == Some(me)
                && e.value("status") == Some(&json!("open"))
        })
        .filter_map(|e| {
            let customer = e.value(field::CUSTOMER).and_then(Value::as_str)?;
            let (name, phone) = customers.get(customer).copied().unwrap_or(("", ""));
            let due_by = e
                .value("due_by")
                .and_then(Value::as_str)
                .and_then(|d| dates::parse(d).ok());
            Some(TodayItem {
                task: e.id,
                customer: customer.parse().ok().map(RecordId)?,
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
        .filter(|item| purpose.is_none() || item.purpose == purpose)
        .filter(|item| {
            needle.is_empty()
                || item.name.to_lowercase().contains(&needle)
                || (!digits.is_empty()
                    && item
                        .phone
                        .chars()
                        .filter(char::is_ascii_digit)
                        .collect::<String>()
                        .contains(&digits))
                || item
                    .plates
                    .iter()
                    .any(|p| p.to_lowercase().contains(&needle.replace(['·', ' '], "")))
        })
        .collect();
    list.sort_by(|a, b| {
        let key = |i: &TodayItem| (i.days_left.unwrap_or(i32::MAX), i.name.clone(), i.task);
        key(a).cmp(&key(b))
    });
    list
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
        let list = today_list(&records, &me, today, "", None);
        let names: Vec<(&str, Option<i32>)> = list
            .iter()
            .map(|i| (i.name.as_str(), i.days_left))
            .collect();
        assert_eq!(names, vec![("李秀英", Some(-2)), ("王建国", Some(2))]);
        assert_eq!(list[0].plates, vec!["沪BD12345".to_owned()]);
        for search in ["王", "138 0013", "bd123", "沪B"] {
            let found = today_list(&records, &me, today, search, None);
            assert_eq!(found.len(), 1, "{search:?}");
        }
        use huifang_core::care::rules::Purpose;
        let renewals = today_list(&records, &me, today, "", Some(Purpose::InsuranceRenewal));
        assert_eq!(renewals.len(), 1);
        assert_eq!(renewals[0].name, "李秀英");
    }
}
