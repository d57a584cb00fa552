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
