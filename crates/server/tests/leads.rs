//! Sales leads on the server, on every backend: another advisor's lead with the same mobile is
//! marked on the new lead (and never shown), a delivery makes one care customer and one
//! post-delivery callback, a taken test-drive slot is refused with a plain reason while every
//! advisor sees the store's bookings, a lead the manager gives away leaves the old advisor's
//! tablet and reaches the new one, and the sales settings reach devices with the directory
//! (a bad one stops the start).
//!
//! Leads are made the way the app makes them: the core's `capture` / `move_stage` / `book` /
//! `reassign` writes, turned into a device's mutations and pushed through the router.

mod common;

use axum::Router;
use axum::http::StatusCode;
use common::device::{Device, Person, person, push, push_ok};
use common::{demo_app, get_with_token, send};
use huifang_core::UserId;
use huifang_core::care::dates::Day;
use huifang_core::sales::drives::{self, Drive};
use huifang_core::sales::leads::{self, Ctx, Grade, Lead, LeadForm, SalesRules, Source, Stage};
use huifang_core::sync::{
    Change, Entity, FieldWrite, Mutation, Op, Outcome, PullResponse, RecordId, RecordKind,
    RejectCode, Write,
};
use huifang_server::AppState;
use huifang_server::db::now_ms;
use serde_json::{Value, json};
use uuid::Uuid;

/// The store's time zone (China), as the server counts days.
const OFFSET: i32 = 8 * 60;

/// One pull page through `/api/sync/pull`, as the tablet asks for it, and its raw body.
async fn pull(app: &Router, who: &Person, cursor: u64) -> (PullResponse, String) {
    let uri = format!("/api/sync/pull?cursor={cursor}&limit=2000");
    let response = send(app, get_with_token(&uri, &who.token)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let page: PullResponse = serde_json::from_slice(&response.body).expect("a PullResponse");
    assert!(!page.has_more, "one page holds a test's records");
    (page, response.text())
}

fn pulled_entity(page: &PullResponse, id: RecordId) -> Option<Entity> {
    page.changes.iter().find_map(|c| match c {
        Change::Record {
            record: huifang_core::sync::Record::Entity(e),
        } if e.id == id => Some(e.clone()),
        _ => None,
    })
}

fn mentions(page: &PullResponse, id: RecordId) -> bool {
    page.changes.iter().any(|c| match c {
        Change::Record { record } => record.id() == id,
        Change::Removed { record_id, .. } => *record_id == id,
    })
}

fn ctx<'a>(who: &'a Person, rules: &'a SalesRules) -> Ctx<'a> {
    let now = now_ms();
    Ctx {
        user: &who.ctx,
        now_ms: now,
        today: Day::of_ms(now, OFFSET),
        rules,
    }
}

fn form(name: &str, phone: &str) -> LeadForm {
    LeadForm {
        phone: phone.into(),
        name: name.into(),
        source: Some(Source::WalkIn),
        models: vec!["凯美瑞".into()],
        grade: Some(Grade::A),
        notes: "周末带家人再来".into(),
        budget: "20万".into(),
        trade_in: false,
    }
}

/// Captures a lead as `who` from their tablet (which holds only their own leads); its id and
/// the mutation pushed.
async fn capture(
    app: &Router,
    who: &Person,
    device: &mut Device,
    name: &str,
    phone: &str,
) -> (RecordId, Mutation) {
    let rules = SalesRules::default();
    let id = RecordId(Uuid::now_v7());
    let writes = leads::capture(ctx(who, &rules), id, &form(name, phone), &[]).expect("captured");
    let mut pushed = push_ok(app, who, device, writes).await;
    (id, pushed.remove(0))
}

/// The entity as the server holds it now (seen by the store manager).
async fn current(state: &AppState, manager: &Person, kind: RecordKind, id: RecordId) -> Entity {
    common::entities(state, &manager.ctx, kind)
        .await
        .into_iter()
        .find(|e| e.id == id)
        .expect("the record is in the feed")
}

fn duplicate_of(e: &Entity) -> Option<UserId> {
    Lead::of(e).expect("a lead").duplicate_of
}

#[tokio::test]
async fn a_lead_another_advisor_follows_is_marked_on_the_new_one_and_never_shown() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor1 = person(&app, &state, "advisor1").await;
        let advisor2 = person(&app, &state, "advisor2").await;
        let manager = person(&app, &state, "manager").await;
        let (mut tablet1, mut tablet2) = (Device::of(&advisor1), Device::of(&advisor2));

        let (first, _) = capture(&app, &advisor1, &mut tablet1, "周建国", "138 0013 8000").await;
        // advisor2's tablet holds none of advisor1's leads: the core lets the capture through.
        let (second, created) =
            capture(&app, &advisor2, &mut tablet2, "周先生", "+86-138-0013-8000").await;
        let (other, _) = capture(&app, &advisor2, &mut tablet2, "吴女士", "139 0013 9000").await;

        let (page, body) = pull(&app, &advisor2, 0).await;
        let marked = pulled_entity(&page, second).expect("advisor2's lead");
        assert_eq!(
            duplicate_of(&marked),
            Some(advisor1.ctx.user.clone()),
            "[{label}]"
        );
        // The new lead is kept as advisor2 saved it.
        assert_eq!(
            Lead::of(&marked).expect("a lead").name,
            "周先生",
            "[{label}]"
        );
        assert_eq!(
            duplicate_of(&pulled_entity(&page, other).expect("lead")),
            None
        );
        // Nothing of advisor1's lead reaches advisor2's tablet.
        assert!(!mentions(&page, first), "[{label}]");
        assert!(!body.contains(&first.to_string()), "[{label}]");
        assert!(!body.contains("周建国"), "[{label}]");

        // advisor1's lead is untouched.
        let (page1, _) = pull(&app, &advisor1, 0).await;
        let theirs = pulled_entity(&page1, first).expect("advisor1's lead");
        assert_eq!(duplicate_of(&theirs), None, "[{label}]");
        assert!(!mentions(&page1, second), "[{label}]");

        // The manager decides it is a different customer and clears the mark; the tablet
        // pushing its capture again (a lost answer) does not mark it again.
        let lead = current(&state, &manager, RecordKind::Lead, second).await;
        let clear = Write {
            kind: RecordKind::Lead,
            record: Some(second),
            op: Op::SetFields {
                writes: vec![FieldWrite {
                    field: leads::fields::DUPLICATE_OF.into(),
                    value: json!(""),
                    base: lead
                        .fields
                        .get(leads::fields::DUPLICATE_OF)
                        .map(|f| f.stamp),
                }],
            },
        };
        push_ok(&app, &manager, &mut Device::of(&manager), vec![clear]).await;
        let replay = push(&app, &advisor2, &tablet2, &[created]).await;
        assert!(
            matches!(replay[..], [Outcome::Duplicate { .. }]),
            "[{label}] {replay:?}"
        );
        let lead = current(&state, &manager, RecordKind::Lead, second).await;
        assert_eq!(duplicate_of(&lead), None, "[{label}]");
        state.db.close().await;
    }
}

/// `who` sets the lead's mobile to `phone` (as an edit on their tablet would).
async fn set_phone(
    app: &Router,
    state: &AppState,
    who: &Person,
    device: &mut Device,
    manager: &Person,
    id: RecordId,
    phone: &str,
) {
    let lead = current(state, manager, RecordKind::Lead, id).await;
    let edit = Write {
        kind: RecordKind::Lead,
        record: Some(id),
        op: Op::SetFields {
            writes: vec![FieldWrite {
                field: leads::fields::PHONE.into(),
                value: json!(phone),
                base: lead.fields.get(leads::fields::PHONE).map(|f| f.stamp),
            }],
        },
    };
    push_ok(app, who, device, vec![edit]).await;
}

/// Whom the server marked the lead as a duplicate of.
async fn marked(state: &AppState, manager: &Person, id: RecordId) -> Option<UserId> {
    duplicate_of(&current(state, manager, RecordKind::Lead, id).await)
}

/// The server looks a new lead's number up among the other advisors' leads as they stand
/// now: a number changed later, a lead lost or given away, counts as it is, not as it was.
#[tokio::test]
async fn the_duplicate_check_follows_later_changes_of_a_lead() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor1 = person(&app, &state, "advisor1").await;
        let advisor2 = person(&app, &state, "advisor2").await;
        let manager = person(&app, &state, "manager").await;
        let (mut tablet1, mut tablet2) = (Device::of(&advisor1), Device::of(&advisor2));
        let mut manager_tablet = Device::of(&manager);
        let rules = SalesRules::default();
        let (old_number, new_number) = ("138 0013 8001", "139 0013 9002");

        let (first, _) = capture(&app, &advisor1, &mut tablet1, "钱多多", old_number).await;
        set_phone(
            &app,
            &state,
            &advisor1,
            &mut tablet1,
            &manager,
            first,
            new_number,
        )
        .await;
        // The old number is nobody's any more; the new one is advisor1's.
        let (on_old, _) = capture(&app, &advisor2, &mut tablet2, "钱先生", old_number).await;
        assert_eq!(marked(&state, &manager, on_old).await, None, "[{label}]");
        let (on_new, _) = capture(&app, &advisor2, &mut tablet2, "钱先生", new_number).await;
        assert_eq!(
            marked(&state, &manager, on_new).await,
            Some(advisor1.ctx.user.clone()),
            "[{label}]"
        );

        // advisor1's lead is lost: a new lead with its number is not advisor1's to follow.
        let lead = current(&state, &manager, RecordKind::Lead, first).await;
        let asked = leads::move_stage(
            ctx(&advisor1, &rules),
            &lead,
            Stage::LostPending,
            "买了别家",
        )
        .expect("advisor1 may ask");
        push_ok(&app, &advisor1, &mut tablet1, asked).await;
        let lead = current(&state, &manager, RecordKind::Lead, first).await;
        let lost = leads::move_stage(ctx(&manager, &rules), &lead, Stage::Lost, "")
            .expect("the manager may approve");
        push_ok(&app, &manager, &mut manager_tablet, lost).await;
        let (third, _) = capture(&app, &advisor1, &mut tablet1, "钱女士", old_number).await;
        // advisor2's open lead with the old number is the one advisor1 meets now.
        assert_eq!(
            marked(&state, &manager, third).await,
            Some(advisor2.ctx.user.clone()),
            "[{label}]"
        );

        // The manager gives advisor2's lead with the new number to advisor1: a new lead of
        // advisor2's with that number meets advisor1, one of advisor1's meets nobody.
        let lead = current(&state, &manager, RecordKind::Lead, on_new).await;
        let give = leads::reassign(ctx(&manager, &rules), &lead, &advisor1.ctx.user, &[])
            .expect("the manager may");
        push_ok(&app, &manager, &mut manager_tablet, give).await;
        let (again2, _) = capture(&app, &advisor2, &mut tablet2, "钱老板", new_number).await;
        assert_eq!(
            marked(&state, &manager, again2).await,
            Some(advisor1.ctx.user.clone()),
            "[{label}]"
        );
        state.db.close().await;
    }
}

/// Leads stored before the server kept its index of numbers (migration 0003) are found: the
/// server fills the index once at start.
#[tokio::test]
async fn leads_stored_before_the_number_index_are_found() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor1 = person(&app, &state, "advisor1").await;
        let mut tablet1 = Device::of(&advisor1);
        capture(&app, &advisor1, &mut tablet1, "孔亮", "136 0000 1111").await;
        // As the database stood before the migration: no entries, the backfill pending.
        for sql in [
            "DELETE FROM lead_phones",
            "INSERT INTO sync_backfills (name) VALUES ('lead_phones')",
        ] {
            sqlx::query(sql)
                .execute(&state.db.pool)
                .await
                .expect("rewound");
        }
        state.db.close().await;

        // The server starts again on the same database.
        let (app, state) = demo_app(&db).await;
        let advisor2 = person(&app, &state, "advisor2").await;
        let manager = person(&app, &state, "manager").await;
        let mut tablet2 = Device::of(&advisor2);
        let (second, _) = capture(&app, &advisor2, &mut tablet2, "孔女士", "13600001111").await;
        assert_eq!(
            marked(&state, &manager, second).await,
            Some(advisor1.ctx.user.clone()),
            "[{label}]"
        );
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_backfills")
            .fetch_one(&state.db.pool)
            .await
            .expect("counted");
        assert_eq!(pending, 0, "[{label}] the backfill is done once");
        state.db.close().await;
    }
}

/// Every live entity of `kind` whose `field` is `value`, as the supervisor sees them.
async fn with_field(
    state: &AppState,
    supervisor: &Person,
    kind: RecordKind,
    field: &str,
    value: &str,
) -> Vec<Entity> {
    common::entities(state, &supervisor.ctx, kind)
        .await
        .into_iter()
        .filter(|e| e.tombstone.is_none() && e.value(field).and_then(Value::as_str) == Some(value))
        .collect()
}

/// Moves the lead as `who` to `to` (from wherever it is, as the page does); the mutations.
async fn move_to(
    app: &Router,
    state: &AppState,
    who: &Person,
    device: &mut Device,
    manager: &Person,
    id: RecordId,
    to: Stage,
) -> Vec<Mutation> {
    let rules = SalesRules::default();
    let lead = current(state, manager, RecordKind::Lead, id).await;
    let writes =
        leads::move_stage(ctx(who, &rules), &lead, to, "").expect("a move the core allows");
    push_ok(app, who, device, writes).await
}

#[tokio::test]
async fn a_delivered_lead_makes_one_care_customer_and_one_post_delivery_callback() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor1 = person(&app, &state, "advisor1").await;
        let supervisor = person(&app, &state, "supervisor").await;
        let manager = person(&app, &state, "manager").await;
        let mut tablet = Device::of(&advisor1);

        let (id, _) = capture(&app, &advisor1, &mut tablet, "孙立", "137 1234 5678").await;
        move_to(
            &app,
            &state,
            &advisor1,
            &mut tablet,
            &manager,
            id,
            Stage::Order,
        )
        .await;
        // Nothing for care before the delivery.
        let lead_ref = id.to_string();
        let tasks = with_field(
            &state,
            &supervisor,
            RecordKind::CallbackTask,
            "lead",
            &lead_ref,
        )
        .await;
        assert!(tasks.is_empty(), "[{label}]");
        let delivered = move_to(
            &app,
            &state,
            &advisor1,
            &mut tablet,
            &manager,
            id,
            Stage::Delivered,
        )
        .await;

        let customers = with_field(
            &state,
            &supervisor,
            RecordKind::Customer,
            "phone",
            "13712345678",
        )
        .await;
        assert_eq!(customers.len(), 1, "[{label}] {customers:?}");
        let customer = &customers[0];
        assert_eq!(customer.value("name"), Some(&json!("孙立")), "[{label}]");
        assert_eq!(customer.scope.owner, None, "[{label}]");
        let tasks = with_field(
            &state,
            &supervisor,
            RecordKind::CallbackTask,
            "lead",
            &lead_ref,
        )
        .await;
        assert_eq!(tasks.len(), 1, "[{label}] {tasks:?}");
        let task = &tasks[0];
        let today = common::today();
        assert_eq!(task.value("purpose"), Some(&json!("post_delivery")));
        assert_eq!(task.value("status"), Some(&json!("open")), "[{label}]");
        assert_eq!(
            task.value("customer"),
            Some(&json!(customer.id.to_string()))
        );
        let within = huifang_core::care::rules::Rules::default().post_delivery_within;
        assert_eq!(
            task.value("due_by"),
            Some(&json!(today.plus(within).to_string())),
            "[{label}]"
        );
        assert_eq!(
            task.value("key"),
            Some(&json!(format!("{}:post_delivery:{today}", customer.id))),
            "[{label}]"
        );
        // Unassigned: the care supervisor shares it out; the advisor never sees care records.
        assert_eq!(task.scope.owner, None, "[{label}]");
        let (page, _) = pull(&app, &advisor1, 0).await;
        assert!(!mentions(&page, task.id) && !mentions(&page, customer.id));

        // The tablet pushes the delivery again (its answer was lost): nothing new.
        let replay = push(&app, &advisor1, &tablet, &delivered).await;
        assert!(
            replay
                .iter()
                .all(|o| matches!(o, Outcome::Duplicate { .. })),
            "[{label}] {replay:?}"
        );
        let customers = with_field(
            &state,
            &supervisor,
            RecordKind::Customer,
            "phone",
            "13712345678",
        )
        .await;
        assert_eq!(customers.len(), 1, "[{label}]");
        let tasks = with_field(
            &state,
            &supervisor,
            RecordKind::CallbackTask,
            "lead",
            &lead_ref,
        )
        .await;
        assert_eq!(tasks.len(), 1, "[{label}]");

        // A customer care already has (same mobile, written another way) gets the callback;
        // no second customer is made.
        let known = RecordId(Uuid::now_v7());
        common::apply_as(
            &state,
            &supervisor.ctx,
            RecordKind::Customer,
            known,
            Op::Create {
                scope: huifang_core::sync::Scope {
                    store: supervisor.ctx.store.clone(),
                    owner: None,
                },
                fields: [
                    ("name".to_owned(), json!("钱芳")),
                    ("phone".to_owned(), json!("136-0000-1111")),
                ]
                .into_iter()
                .collect(),
            },
        )
        .await;
        let (again, _) = capture(&app, &advisor1, &mut tablet, "钱女士", "13600001111").await;
        move_to(
            &app,
            &state,
            &advisor1,
            &mut tablet,
            &manager,
            again,
            Stage::Order,
        )
        .await;
        move_to(
            &app,
            &state,
            &advisor1,
            &mut tablet,
            &manager,
            again,
            Stage::Delivered,
        )
        .await;
        let tasks = with_field(
            &state,
            &supervisor,
            RecordKind::CallbackTask,
            "lead",
            &again.to_string(),
        )
        .await;
        assert_eq!(tasks.len(), 1, "[{label}]");
        assert_eq!(tasks[0].value("customer"), Some(&json!(known.to_string())));
        let made = with_field(&state, &supervisor, RecordKind::Customer, "name", "钱女士").await;
        assert!(made.is_empty(), "[{label}] {made:?}");
        state.db.close().await;
    }
}

#[tokio::test]
async fn a_taken_slot_is_refused_plainly_and_every_advisor_sees_the_booking() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor1 = person(&app, &state, "advisor1").await;
        let advisor2 = person(&app, &state, "advisor2").await;
        let manager = person(&app, &state, "manager").await;
        let (mut tablet1, mut tablet2) = (Device::of(&advisor1), Device::of(&advisor2));
        let rules = SalesRules::default();
        let car = "RAV4荣放 双擎 试驾车";
        let day = common::today().plus(1);

        let (lead1, _) = capture(&app, &advisor1, &mut tablet1, "郑凯", "135 0000 2222").await;
        let lead = current(&state, &manager, RecordKind::Lead, lead1).await;
        let writes =
            drives::book(ctx(&advisor1, &rules), &lead, car, day, "10:00", &[]).expect("free");
        push_ok(&app, &advisor1, &mut tablet1, writes).await;
        let slot = drives::slot_id(&advisor1.ctx.store.0, car, day, "10:00");

        // advisor2, offline since before that booking, books the same car and slot.
        let (lead2, _) = capture(&app, &advisor2, &mut tablet2, "冯敏", "135 0000 3333").await;
        let lead = current(&state, &manager, RecordKind::Lead, lead2).await;
        let writes =
            drives::book(ctx(&advisor2, &rules), &lead, car, day, "10:00", &[]).expect("offline");
        let mutations = tablet2.mutations(writes);
        let outcomes = push(&app, &advisor2, &tablet2, &mutations).await;
        match &outcomes[..] {
            [Outcome::Rejected { code, reason }] => {
                assert_eq!(*code, RejectCode::AlreadyExists, "[{label}]");
                assert_eq!(
                    reason,
                    &format!("{car} is already booked for {day} 10:00: choose another slot or car"),
                    "[{label}]"
                );
            }
            other => panic!("[{label}] the second booking was not refused: {other:?}"),
        }
        // The first booking stands as advisor1 made it.
        let booking = current(&state, &manager, RecordKind::TestDrive, slot).await;
        assert_eq!(booking.scope.owner, Some(advisor1.ctx.user.clone()));
        assert_eq!(booking.value("lead"), Some(&json!(lead1.to_string())));

        // advisor2's next pull has advisor1's booking (a car, a slot, an opaque lead id), so
        // the page shows the slot taken and the core refuses it before saving.
        let (page, _) = pull(&app, &advisor2, 0).await;
        let seen = pulled_entity(&page, slot).expect("advisor1's booking reaches advisor2");
        let drive = Drive::of(&seen).expect("a booking");
        assert_eq!(
            (drive.car.as_str(), drive.day, drive.slot.as_str()),
            (car, Some(day), "10:00")
        );
        assert!(
            !mentions(&page, lead1),
            "[{label}] the lead itself stays advisor1's"
        );
        let lead = current(&state, &manager, RecordKind::Lead, lead2).await;
        let refused = drives::book(
            ctx(&advisor2, &rules),
            &lead,
            car,
            day,
            "10:00",
            std::slice::from_ref(&drive),
        );
        assert!(matches!(refused, Err(leads::LeadError::SlotTaken(id)) if id == slot));
        // Another slot is free.
        let writes =
            drives::book(ctx(&advisor2, &rules), &lead, car, day, "11:00", &[drive]).expect("free");
        push_ok(&app, &advisor2, &mut tablet2, writes).await;
        state.db.close().await;
    }
}

#[tokio::test]
async fn a_lead_the_manager_gives_away_leaves_the_old_tablet_and_reaches_the_new_one() {
    for db in common::test_databases().await {
        let label = db.label;
        let (app, state) = demo_app(&db).await;
        let advisor1 = person(&app, &state, "advisor1").await;
        let advisor2 = person(&app, &state, "advisor2").await;
        let manager = person(&app, &state, "manager").await;
        let mut tablet1 = Device::of(&advisor1);
        let rules = SalesRules::default();

        let (id, _) = capture(&app, &advisor1, &mut tablet1, "陈宇", "158 1111 2222").await;
        let (page1, _) = pull(&app, &advisor1, 0).await;
        assert!(pulled_entity(&page1, id).is_some(), "[{label}]");
        let (page2, _) = pull(&app, &advisor2, 0).await;
        assert!(!mentions(&page2, id), "[{label}]");

        let lead = current(&state, &manager, RecordKind::Lead, id).await;
        let give = leads::reassign(ctx(&manager, &rules), &lead, &advisor2.ctx.user, &[])
            .expect("the manager may");
        push_ok(&app, &manager, &mut Device::of(&manager), give).await;
        // advisor1 may not give it back.
        let lead = current(&state, &manager, RecordKind::Lead, id).await;
        assert!(leads::reassign(ctx(&advisor1, &rules), &lead, &advisor1.ctx.user, &[]).is_err());

        let (after1, _) = pull(&app, &advisor1, page1.next_cursor).await;
        assert!(
            after1
                .changes
                .iter()
                .any(|c| matches!(c, Change::Removed { record_id, .. } if *record_id == id)),
            "[{label}] {:?}",
            after1.changes
        );
        assert!(pulled_entity(&after1, id).is_none(), "[{label}]");
        let (after2, _) = pull(&app, &advisor2, page2.next_cursor).await;
        let theirs = pulled_entity(&after2, id).expect("the lead reaches advisor2");
        assert_eq!(theirs.scope.owner, Some(advisor2.ctx.user.clone()));
        assert_eq!(Lead::of(&theirs).expect("a lead").name, "陈宇", "[{label}]");
        state.db.close().await;
    }
}

#[tokio::test]
async fn the_directory_carries_the_sales_settings() {
    for db in common::test_databases().await {
        let label = db.label;
        let mut config = db.config();
        config.demo = true;
        config.sales_rules = SalesRules::parse("follow_h=2").expect("rules");
        config.models = vec!["汉兰达".into(), "bZ4X".into()];
        config.test_drive_fleet = vec!["汉兰达 试驾车".into()];
        let (app, state) = common::app_with(&config).await;
        let advisor = person(&app, &state, "advisor1").await;
        let response = send(&app, get_with_token("/api/directory", &advisor.token)).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "[{label}] {}",
            response.text()
        );
        let directory: huifang_core::Directory =
            serde_json::from_slice(&response.body).expect("a Directory");
        assert_eq!(directory.sales_rules.follow_h, 2, "[{label}]");
        assert_eq!(
            directory.sales_rules.follow_a,
            SalesRules::default().follow_a
        );
        assert_eq!(directory.models, ["汉兰达", "bZ4X"], "[{label}]");
        assert_eq!(directory.test_drive_fleet, ["汉兰达 试驾车"], "[{label}]");
        // A directory a device cached before these were sent still reads.
        let mut cached = response.json();
        let object = cached.as_object_mut().expect("an object");
        for field in ["sales_rules", "models", "test_drive_fleet"] {
            object.remove(field);
        }
        let old: huifang_core::Directory = serde_json::from_value(cached).expect("still reads");
        assert_eq!(old.sales_rules, SalesRules::default(), "[{label}]");
        assert!(old.models.is_empty() && old.test_drive_fleet.is_empty());
        state.db.close().await;
    }
}

#[test]
fn bad_sales_settings_stop_the_start_with_the_reason() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let database = format!("sqlite://{}", dir.path().join("never.db").display());
    for (flag, variable, value, reason) in [
        (
            "--sales-rules",
            "HUIFANG_SALES_RULES",
            "follow_h=0",
            "a whole number of days above 0",
        ),
        (
            "--sales-rules",
            "HUIFANG_SALES_RULES",
            "follow_x=1",
            "no sales rule is called",
        ),
        (
            "--models",
            "HUIFANG_MODELS",
            " ，",
            "name at least one model",
        ),
        (
            "--test-drive-fleet",
            "HUIFANG_TEST_DRIVE_FLEET",
            "bZ4X 试驾车,bZ4X 试驾车",
            "listed twice",
        ),
    ] {
        // As a flag and as the environment variable.
        for by_flag in [true, false] {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_huifang-server"));
            command
                .args(["--database-url", &database, "--listen", "127.0.0.1:0"])
                .env_remove("HUIFANG_SALES_RULES")
                .env_remove("HUIFANG_MODELS")
                .env_remove("HUIFANG_TEST_DRIVE_FLEET");
            if by_flag {
                command.args([flag, value]);
            } else {
                command.env(variable, value);
            }
            let output = command.output().expect("the server binary runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                !output.status.success(),
                "{flag} {value:?} started: {stderr}"
            );
            assert!(stderr.contains(flag), "{stderr}");
            assert!(stderr.contains(reason), "{stderr}");
        }
    }
    assert!(!dir.path().join("never.db").exists(), "nothing was started");
}
