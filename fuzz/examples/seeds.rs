//! Writes the generated seeds of the fuzz corpora: the pushes of `mutation_decode` (built from
//! the core's own types, so their ids, clocks and steps are what a tablet sends) and the
//! workbooks of `import_xlsx` (written as the server's tests write workbooks). The CSV and phone
//! seeds are plain files, written by hand.
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds` (any toolchain); the files are
//! committed, so this runs only when the seeds should change.

use huifang_core::sync::{
    ClientId, FieldWrite, Hlc, Mutation, MutationId, Op, PushRequest, RecordId, RecordKind, Scope,
};
use huifang_core::{SCHEMA_VERSION, StoreId, UserId};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const T0: u64 = 1_767_000_000_000;

fn corpus(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    std::fs::create_dir_all(&dir).expect("corpus folder");
    dir
}

struct Device {
    client: ClientId,
    user: UserId,
    seq: u64,
}

impl Device {
    fn new(n: u8, user: &str) -> Self {
        Device {
            client: ClientId::new_v7(T0, [n; 10]),
            user: UserId(user.to_owned()),
            seq: 0,
        }
    }

    fn stamp(&self, offset_ms: i64) -> Hlc {
        Hlc {
            wall_ms: T0 as i64 + offset_ms,
            counter: 0,
            node: self.client,
        }
    }

    fn mutation(&mut self, kind: RecordKind, record: RecordId, op: Op) -> Mutation {
        self.seq += 1;
        let mut bits = [0u8; 10];
        bits[..8].copy_from_slice(&self.seq.to_be_bytes());
        bits[8] = self.client.0.as_bytes()[15];
        Mutation {
            mutation_id: MutationId::new_v7(T0 + self.seq, bits),
            client_id: self.client,
            client_seq: self.seq,
            hlc: self.stamp(self.seq as i64 * 1000),
            user: self.user.clone(),
            kind,
            record_id: record,
            op,
            step: None,
        }
    }

    fn push(&self, mutations: Vec<Mutation>) -> PushRequest {
        PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: self.client,
            mutations,
        }
    }
}

fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn record(n: u8) -> RecordId {
    RecordId::new_v7(T0, [n; 10])
}

fn write_json(target: &str, name: &str, value: &impl serde::Serialize) {
    let text = serde_json::to_string_pretty(value).expect("serialises");
    std::fs::write(corpus(target).join(name), text).expect("writes the seed");
}

fn pushes() {
    let store = StoreId("store-demo".to_owned());
    let mine = |user: &UserId| Scope {
        store: store.clone(),
        owner: Some(user.clone()),
    };
    let mut agent = Device::new(1, "user-agent1");
    let customer = record(10);
    let vehicle = record(11);
    // A customer and their car, saved together (one step).
    let step = MutationId::new_v7(T0, [99; 10]);
    let mut create_customer = agent.mutation(
        RecordKind::Customer,
        customer,
        Op::Create {
            scope: mine(&agent.user),
            fields: fields(&[
                ("name", json!("王建国")),
                ("mobile", json!("13800138000")),
                ("tags", json!(["VIP", "老客户"])),
                ("member_level", json!("金卡")),
            ]),
        },
    );
    create_customer.step = Some(step);
    let mut create_vehicle = agent.mutation(
        RecordKind::Vehicle,
        vehicle,
        Op::Create {
            scope: mine(&agent.user),
            fields: fields(&[
                ("customer_id", json!(customer.to_string())),
                ("plate", json!("京A12345")),
                ("vin", json!("LVGBE40K8GG123456")),
                ("model", json!("凯美瑞 2.0G")),
                ("mileage", json!(5230)),
            ]),
        },
    );
    create_vehicle.step = Some(step);
    let created_at = create_customer.hlc;
    let edit = agent.mutation(
        RecordKind::Customer,
        customer,
        Op::SetFields {
            writes: vec![
                FieldWrite {
                    field: "mobile".to_owned(),
                    value: json!("13900139000"),
                    base: Some(created_at),
                },
                FieldWrite {
                    field: "note".to_owned(),
                    value: json!("周末下午方便接电话"),
                    base: None,
                },
            ],
        },
    );
    write_json(
        "mutation_decode",
        "agent-customer-and-car.json",
        &agent.push(vec![create_customer.clone(), create_vehicle, edit.clone()]),
    );
    write_json("mutation_decode", "outbox-mutation.json", &edit);

    // A callback task worked through: started, a call attempt logged, failed with a reason.
    let task = record(20);
    let mut steps = vec![agent.mutation(
        RecordKind::CallbackTask,
        task,
        Op::Create {
            scope: mine(&agent.user),
            fields: fields(&[
                ("customer_id", json!(customer.to_string())),
                ("kind", json!("post_service")),
                ("due_day", json!("2026-01-05")),
            ]),
        },
    )];
    for (from, to, reason) in [
        ("open", "in_progress", None),
        ("in_progress", "failed", Some("三次未接通")),
    ] {
        steps.push(agent.mutation(
            RecordKind::CallbackTask,
            task,
            Op::Transition {
                field: "status".to_owned(),
                from: from.to_owned(),
                to: to.to_owned(),
                reason: reason.map(str::to_owned),
            },
        ));
    }
    steps.insert(
        2,
        agent.mutation(
            RecordKind::CallAttempt,
            record(21),
            Op::AppendEvent {
                scope: mine(&agent.user),
                fields: fields(&[
                    ("task_id", json!(task.to_string())),
                    ("outcome", json!("no_answer")),
                    ("at_ms", json!(T0 + 5_000)),
                ]),
            },
        ),
    );
    write_json(
        "mutation_decode",
        "agent-callback-failed.json",
        &agent.push(steps),
    );

    // A supervisor's complaint: registered, judged, deleted by mistake, moved to an agent.
    let mut supervisor = Device::new(2, "user-supervisor");
    let complaint = record(30);
    let moves = vec![
        supervisor.mutation(
            RecordKind::Complaint,
            complaint,
            Op::Create {
                scope: Scope {
                    store: store.clone(),
                    owner: None,
                },
                fields: fields(&[
                    ("customer_id", json!(customer.to_string())),
                    ("category", json!("service_attitude")),
                    ("severity", json!("escalated")),
                    (
                        "description",
                        json!("客户反映保养等待时间过长，服务顾问态度不好"),
                    ),
                ]),
            },
        ),
        supervisor.mutation(
            RecordKind::Complaint,
            complaint,
            Op::Transition {
                field: "status".to_owned(),
                from: "registered".to_owned(),
                to: "judged".to_owned(),
                reason: None,
            },
        ),
        supervisor.mutation(
            RecordKind::Complaint,
            complaint,
            Op::MoveScope {
                to: Scope {
                    store: store.clone(),
                    owner: Some(UserId("user-agent2".to_owned())),
                },
            },
        ),
        supervisor.mutation(RecordKind::Customer, record(12), Op::Delete),
    ];
    write_json(
        "mutation_decode",
        "supervisor-complaint.json",
        &supervisor.push(moves),
    );

    // A sales advisor's lead and test drive.
    let mut advisor = Device::new(3, "user-advisor1");
    let lead = record(40);
    let sales = vec![
        advisor.mutation(
            RecordKind::Lead,
            lead,
            Op::Create {
                scope: mine(&advisor.user),
                fields: fields(&[
                    ("name", json!("刘女士")),
                    ("mobile", json!("+86 139-0013-9000")),
                    ("source", json!("walk_in")),
                    ("grade", json!("h")),
                    ("models", json!(["RAV4荣放"])),
                ]),
            },
        ),
        advisor.mutation(
            RecordKind::TestDrive,
            record(41),
            Op::Create {
                scope: mine(&advisor.user),
                fields: fields(&[
                    ("lead_id", json!(lead.to_string())),
                    ("car", json!("RAV4 试驾车 京N·D8888")),
                    ("slot_start_ms", json!(T0 + 86_400_000)),
                ]),
            },
        ),
        advisor.mutation(
            RecordKind::Lead,
            lead,
            Op::Transition {
                field: "stage".to_owned(),
                from: "new".to_owned(),
                to: "following".to_owned(),
                reason: None,
            },
        ),
    ];
    write_json("mutation_decode", "advisor-lead.json", &advisor.push(sales));

    // Hostile shapes a decoder must refuse calmly.
    write_json(
        "mutation_decode",
        "wrong-schema-version.json",
        &PushRequest {
            schema_version: 999,
            ..agent.push(vec![create_customer])
        },
    );
    std::fs::write(
        corpus("mutation_decode").join("empty-push.json"),
        format!(
            "{{\"schema_version\":{SCHEMA_VERSION},\"client_id\":\"{}\",\"mutations\":[]}}",
            agent.client
        ),
    )
    .expect("writes the seed");
}

fn workbooks() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let date = Format::new().set_num_format("yyyy-mm-dd");
    // A DMS export as a service department writes it: phones as numbers, dates as dates.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let headers = [
        "客户姓名",
        "手机号码",
        "车牌号",
        "VIN码",
        "车型",
        "进厂日期",
        "行驶里程",
        "会员等级",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("cell");
    }
    /// Name, phone, plate, VIN, model, visit day, mileage, membership.
    type Row<'a> = (
        &'a str,
        f64,
        &'a str,
        &'a str,
        &'a str,
        (u16, u8, u8),
        f64,
        &'a str,
    );
    let rows: [Row; 3] = [
        (
            "王建国",
            13800138000.0,
            "京A12345",
            "LVGBE40K8GG123456",
            "凯美瑞",
            (2026, 11, 3),
            5230.0,
            "金卡",
        ),
        (
            "李秀英",
            13900139000.0,
            "沪B·D12345",
            "",
            "RAV4荣放",
            (2026, 11, 4),
            10120.5,
            "",
        ),
        (
            "",
            0.0,
            "粤B88888",
            "bad-vin",
            "卡罗拉",
            (2025, 2, 28),
            -1.0,
            "银卡",
        ),
    ];
    for (r, (name, phone, plate, vin, model, (y, m, d), km, level)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *name).expect("cell");
        sheet.write_number(r, 1, *phone).expect("cell");
        sheet.write_string(r, 2, *plate).expect("cell");
        sheet.write_string(r, 3, *vin).expect("cell");
        sheet.write_string(r, 4, *model).expect("cell");
        let day = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
        sheet
            .write_datetime_with_format(r, 5, &day, &date)
            .expect("cell");
        sheet.write_number(r, 6, *km).expect("cell");
        sheet.write_string(r, 7, *level).expect("cell");
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    std::fs::write(corpus("import_xlsx").join("dms-export.xlsx"), bytes).expect("writes");

    // Blank rows before the header, a second sheet, text phones and a formula.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(2, 0, "姓名").expect("cell");
    sheet.write_string(2, 1, "联系电话").expect("cell");
    sheet.write_string(2, 2, "购车日期").expect("cell");
    sheet.write_string(3, 0, "张三").expect("cell");
    sheet.write_string(3, 1, "(010) 6552-9988").expect("cell");
    sheet.write_string(3, 2, "2024年5月1日").expect("cell");
    sheet.write_string(4, 0, "赵六").expect("cell");
    sheet.write_string(4, 1, "8765432").expect("cell");
    sheet.write_formula(4, 2, "=DATE(2024,6,1)").expect("cell");
    book.add_worksheet()
        .write_string(0, 0, "备注")
        .expect("cell");
    let bytes = book.save_to_buffer().expect("xlsx");
    std::fs::write(
        corpus("import_xlsx").join("header-lower-two-sheets.xlsx"),
        bytes,
    )
    .expect("writes");
}

fn gbk_csv() {
    let text = "客户姓名,手机号码,车牌号,进厂日期,服务顾问\n\
                王建国,138 0013 8000,京A12345,2026/11/3,张伟\n\
                李秀英,+86 139-0013-9000,沪B·D12345,2026年11月4日,刘洋\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    std::fs::write(corpus("import_csv").join("gbk-export.csv"), gbk).expect("writes");
}

fn main() {
    pushes();
    workbooks();
    gbk_csv();
    println!("seeds written under {}", corpus("").display());
}
