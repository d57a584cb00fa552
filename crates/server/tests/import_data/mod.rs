//! A generated DMS service export, as large as asked, for the import tests and the import
//! bench: one row per workshop visit, Chinese names, phones in the shapes exports write them
//! (spaces, +86, 0086, dashes, landlines with the area code in brackets), plates with dots and
//! lower-case letters, VINs with valid check digits (some cars have none in the export),
//! dates in six formats, work orders, mileage with units, membership and insurance. Some rows
//! are bad (a phone one digit short, a VIN that fails its check, "明天" for a date), some
//! blank, some repeated word for word. Deterministic for a seed.
//!
//! The export knows what an import of it must create, so a test checks the counts exactly.

#![allow(dead_code)] // the test and the bench use different parts

use huifang_core::care::dates::Day;
use huifang_core::care::vin;
use std::collections::BTreeSet;

pub const HEADER: &str = "客户姓名,手机号码,车牌号,VIN码,车型,购车日期,进厂日期,委托书号,维修项目,服务顾问,行驶里程,会员等级,会员到期日,保险到期日,客户标签";

/// The export and what importing it creates.
pub struct Export {
    pub csv: String,
    /// Data rows (blank lines not counted), bad ones included.
    pub rows: usize,
    /// Rows with a problem, left out whole.
    pub bad_rows: usize,
    pub customers: usize,
    pub vehicles: usize,
    /// Distinct work orders among the clean rows (a repeated row is one visit).
    pub visits: usize,
}

impl Export {
    pub fn clean_rows(&self) -> usize {
        self.rows - self.bad_rows
    }
}

/// splitmix64: small, fast, good enough to pick names.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "欧阳",
    "司马",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建国", "志强", "海燕", "晓东", "子涵",
    "浩然", "雨桐",
];
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158",
    "159", "166", "176", "177", "180", "186", "187", "188", "189", "199",
];
const AREAS: &[&str] = &["010", "021", "0311", "0531", "020", "0755"];
const PROVINCES: &[char] = &['京', '冀', '津', '沪', '粤', '鲁', '豫', '苏'];
/// Plate serial characters: digits and capitals but I and O.
const SERIAL: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// VIN characters: digits and capitals but I, O and Q.
const VIN_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
const WMIS: &[&str] = &["LSV", "LFV", "LVS", "LGB", "LBV", "LHG", "LVH"];
const MODELS: &[&str] = &[
    "朗逸 1.5L",
    "帕萨特 330TSI",
    "途观L",
    "迈腾",
    "宝来",
    "速腾",
    "探岳",
    "ID.4 CROZZ",
];
const ITEMS: &[&str] = &[
    "常规保养",
    "更换机油机滤",
    "更换刹车片",
    "四轮定位",
    "空调清洗",
    "钣金喷漆",
    "更换轮胎",
    "首保",
];
const ADVISORS: &[&str] = &["刘强", "陈明", "张伟", "王芳", "李娜"];
const LEVELS: &[&str] = &["普通会员", "银卡", "金卡", "钻石卡"];
const TAGS: &[&str] = &["老客户", "VIP", "车队", "投诉过", "转介绍"];

struct Customer {
    name: String,
    /// Digits as the DMS keeps them (a mobile) or (area, local) for a landline.
    mobile: Option<String>,
    landline: Option<(&'static str, String)>,
    level: Option<(&'static str, Day)>,
    insurance: Option<Day>,
    tags: String,
}

struct Vehicle {
    owner: usize,
    vin: Option<String>,
    plate: String,
    model: &'static str,
    purchase: Day,
}

fn vin_for(rng: &mut Rng, serial: usize) -> String {
    let mut chars = [' '; 17];
    for (slot, c) in chars.iter_mut().zip(rng.pick(WMIS).chars()) {
        *slot = c;
    }
    for slot in &mut chars[3..8] {
        *slot = char::from(*rng.pick(VIN_CHARS));
    }
    chars[9] = char::from(b"LMNPRS"[rng.below(6)]); // model year 2020–2025
    chars[10] = char::from(*rng.pick(VIN_CHARS));
    // The serial makes it unique: six digits.
    for (i, slot) in chars[11..].iter_mut().enumerate() {
        let digit = serial / 10usize.pow(5 - i as u32) % 10;
        *slot = char::from(b'0' + digit as u8);
    }
    chars[8] = '0';
    chars[8] = vin::check_digit(&chars).expect("only VIN characters");
    chars.iter().collect()
}

/// A VIN whose check digit is wrong (a typo in the export).
fn mistyped(vin: &str) -> String {
    let mut chars: Vec<char> = vin.chars().collect();
    chars[8] = if chars[8] == '1' { '2' } else { '1' };
    chars.iter().collect()
}

fn plate_for(rng: &mut Rng, serial: usize) -> String {
    let province = *rng.pick(PROVINCES);
    let authority = char::from(b'A' + rng.below(8) as u8);
    // Five serial characters from the running number: unique per province and authority
    // would do, but unique overall is simpler to reason about.
    let mut n = serial;
    let mut body = String::new();
    for _ in 0..5 {
        body.insert(0, char::from(SERIAL[n % SERIAL.len()]));
        n /= SERIAL.len();
    }
    format!("{province}{authority}{body}")
}

fn messy_plate(rng: &mut Rng, plate: &str) -> String {
    let mut chars = plate.chars();
    let province = chars.next().unwrap_or('京');
    let authority = chars.next().unwrap_or('A');
    let rest: String = chars.collect();
    match rng.below(5) {
        0 => format!("{province}{}·{rest}", authority),
        1 => format!("{province}{} {rest}", authority.to_ascii_lowercase()),
        2 => format!("{province}{}-{rest}", authority),
        _ => plate.to_owned(),
    }
}

fn messy_mobile(rng: &mut Rng, digits: &str) -> String {
    let (a, b, c) = (&digits[..3], &digits[3..7], &digits[7..]);
    match rng.below(7) {
        0 => format!("{a} {b} {c}"),
        1 => format!("+86 {a}-{b}-{c}"),
        2 => format!("0086{digits}"),
        3 => format!("{a}-{b}-{c}"),
        4 => format!("+86{digits}"),
        5 => format!(" {digits} "),
        _ => digits.to_owned(),
    }
}

fn messy_landline(rng: &mut Rng, area: &str, local: &str) -> String {
    match rng.below(3) {
        0 => format!("({area}){local}"),
        1 => format!("{area} {local}"),
        _ => format!("+86 {} {local}", &area[1..]),
    }
}

fn messy_date(rng: &mut Rng, day: Day) -> String {
    let (y, m, d) = day.ymd();
    match rng.below(6) {
        0 => format!("{y}/{m}/{d}"),
        1 => format!("{y}年{m}月{d}日"),
        2 => format!("{y}{m:02}{d:02}"),
        3 => format!("{day} {:02}:{:02}:00", 8 + rng.below(10), rng.below(60)),
        4 => format!("{y}.{m}.{d}"),
        _ => day.to_string(),
    }
}

fn messy_mileage(rng: &mut Rng, km: u32) -> String {
    match rng.below(4) {
        0 => format!("\"{},{:03} km\"", km / 1000, km % 1000),
        1 => format!("{km}公里"),
        _ => km.to_string(),
    }
}

/// A CSV cell: quoted when it holds a comma or a quote.
fn cell(text: &str) -> String {
    if text.starts_with('"') {
        // Already quoted by its maker (mileage with a thousands comma).
        return text.to_owned();
    }
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// An export of `rows` data rows with visits up to `today`.
pub fn export(rows: usize, seed: u64, today: Day) -> Export {
    let mut rng = Rng(seed);
    // About 2.5 visits per customer, one car in eight a customer's second.
    let customer_count = (rows * 2 / 5).max(1);
    let customers: Vec<Customer> = (0..customer_count)
        .map(|i| {
            let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
            let (mobile, landline) = if rng.chance(4) {
                // Seven-digit locals from 2000000 up, unique per customer.
                let local = format!("{}", 2_000_000 + i);
                (None, Some((*rng.pick(AREAS), local)))
            } else {
                // The prefix and a bijection of the index onto eight digits: unique.
                let prefix = MOBILE_PREFIXES[i % MOBILE_PREFIXES.len()];
                let rest = (i / MOBILE_PREFIXES.len()) as u64 * 7_919 % 100_000_000;
                (Some(format!("{prefix}{rest:08}")), None)
            };
            let level = rng
                .chance(30)
                .then(|| (*rng.pick(LEVELS), today.plus(rng.below(400) as i32 - 30)));
            let insurance = rng
                .chance(60)
                .then(|| today.plus(rng.below(365) as i32 - 20));
            let tags = if rng.chance(20) {
                let first = *rng.pick(TAGS);
                let second = *rng.pick(TAGS);
                if first == second {
                    first.to_owned()
                } else {
                    format!("{first}、{second}")
                }
            } else {
                String::new()
            };
            Customer {
                name,
                mobile,
                landline,
                level,
                insurance,
                tags,
            }
        })
        .collect();
    let mut vehicles: Vec<Vehicle> = (0..customer_count)
        .map(|owner| Vehicle {
            owner,
            vin: None,
            plate: String::new(),
            model: "",
            purchase: today,
        })
        .collect();
    for owner in 0..customer_count {
        if rng.chance(12) {
            vehicles.push(Vehicle {
                owner,
                vin: None,
                plate: String::new(),
                model: "",
                purchase: today,
            });
        }
    }
    for (serial, v) in vehicles.iter_mut().enumerate() {
        // Old cars' VINs are often missing from the export.
        v.vin = (!rng.chance(6)).then(|| vin_for(&mut rng, serial));
        v.plate = plate_for(&mut rng, serial);
        v.model = *rng.pick(MODELS);
        v.purchase = today.plus(-((30 + rng.below(6 * 365)) as i32));
    }

    let mut csv = String::with_capacity(rows * 200);
    csv.push_str(HEADER);
    csv.push('\n');
    let mut made = 0;
    let mut bad_rows = 0;
    let mut seen_customers = BTreeSet::new();
    let mut seen_vehicles = BTreeSet::new();
    let mut seen_orders = BTreeSet::new();
    let mut previous: Option<String> = None;
    while made < rows {
        if rng.chance(1) && rng.chance(30) {
            csv.push_str(",,,,,,,,,,,,,,\n");
        }
        // A row repeated word for word (the DMS exported the order twice).
        if let Some(line) = previous.take().filter(|_| rng.chance(1)) {
            csv.push_str(&line);
            made += 1;
            continue;
        }
        let vehicle_index = rng.below(vehicles.len());
        let v = &vehicles[vehicle_index];
        let c = &customers[v.owner];
        let visit_day = today.plus(-(rng.below(730) as i32));
        let work_order = format!("WO{}{:06}", visit_day.ymd().0, made);
        let km = 1_000 + rng.below(150_000) as u32;
        let bad = rng.chance(1);
        let phone = match (&c.mobile, &c.landline) {
            (Some(digits), _) if bad => digits[..10].to_owned(),
            (Some(digits), _) => messy_mobile(&mut rng, digits),
            (None, Some((area, local))) => messy_landline(&mut rng, area, local),
            (None, None) => String::new(),
        };
        let vin = v.vin.clone().unwrap_or_default();
        // A bad row on a landline customer gets its typo in the VIN (or the date).
        let (vin, visit_text) = match (bad, c.mobile.is_some(), v.vin.is_some()) {
            (true, false, true) => (mistyped(&vin), messy_date(&mut rng, visit_day)),
            (true, false, false) => (vin, "明天".to_owned()),
            _ => (vin, messy_date(&mut rng, visit_day)),
        };
        let (level, level_expiry) = match c.level {
            Some((level, expiry)) => (level.to_owned(), expiry.to_string()),
            None => (String::new(), String::new()),
        };
        let cells = [
            c.name.clone(),
            phone,
            messy_plate(&mut rng, &v.plate),
            vin,
            v.model.to_owned(),
            v.purchase.to_string(),
            visit_text,
            work_order.clone(),
            rng.pick(ITEMS).to_string(),
            rng.pick(ADVISORS).to_string(),
            messy_mileage(&mut rng, km),
            level,
            level_expiry,
            c.insurance.map(|d| d.to_string()).unwrap_or_default(),
            c.tags.clone(),
        ];
        let line = cells.iter().map(|t| cell(t)).collect::<Vec<_>>().join(",") + "\n";
        csv.push_str(&line);
        made += 1;
        if bad {
            bad_rows += 1;
        } else {
            seen_customers.insert(v.owner);
            seen_vehicles.insert(vehicle_index);
            seen_orders.insert(work_order);
            previous = Some(line);
        }
    }
    Export {
        csv,
        rows,
        bad_rows,
        customers: seen_customers.len(),
        vehicles: seen_vehicles.len(),
        visits: seen_orders.len(),
    }
}
