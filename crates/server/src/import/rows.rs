//! From a table's text cells to clean rows: each mapped column cleaned by the core's rules
//! (phones, plates, VINs, dates), and every problem reported against its line and column so
//! the supervisor can fix the export. A row with a problem is not imported at all: half a
//! customer is worse than none, and importing the fixed file again updates, never doubles.

use super::table::Table;
use huifang_core::care::columns::Column;
use huifang_core::care::dates::{self, Day};
use huifang_core::care::{phone, plate, vin};
use serde::Serialize;
use std::collections::BTreeMap;

/// A clean row: one customer, possibly with a vehicle and a service visit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CleanRow {
    pub line: usize,
    pub name: String,
    /// Canonical (`13800138000`, `010-65529988`).
    pub mobile: Option<String>,
    pub plate: Option<String>,
    pub vin: Option<String>,
    pub model: Option<String>,
    pub purchase_date: Option<Day>,
    pub visit_date: Option<Day>,
    pub work_order: Option<String>,
    pub service_items: Option<String>,
    pub service_advisor: Option<String>,
    pub mileage: Option<u32>,
    pub member_level: Option<String>,
    pub member_expiry: Option<Day>,
    pub insurance_expiry: Option<Day>,
    pub tags: Vec<String>,
}

/// What is wrong with a cell (the app says each in the user's language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Neither a name nor a phone: nobody to call.
    NoNameNoPhone,
    BadPhone,
    BadPlate,
    BadVin,
    BadDate,
    BadNumber,
}

/// One problem, where the supervisor finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: Option<Column>,
    pub value: String,
    pub problem: Problem,
    /// The rule's own words (English), for whoever fixes the export.
    pub detail: String,
}

/// Clean rows and the problems of the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cleaned {
    pub rows: Vec<CleanRow>,
    pub errors: Vec<RowError>,
}

fn mileage(text: &str) -> Option<u32> {
    let digits: String = text
        .trim()
        .trim_end_matches(|c: char| c.is_alphabetic() || c == '公' || c == '里')
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    if let Ok(n) = digits.parse::<u32>() {
        return Some(n);
    }
    // "12345.0" from a workbook.
    digits
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0 && *f < 10_000_000.0)
        .map(|f| f.round() as u32)
}

/// Cleans every row of `table` under `mapping` (one entry per header; `None`: not imported).
/// `default_area` is the store's area code for landlines written without it.
pub fn clean(table: &Table, mapping: &[Option<Column>], default_area: Option<&str>) -> Cleaned {
    let mut out = Cleaned::default();
    for row in &table.rows {
        let mut clean_row = CleanRow {
            line: row.line,
            ..CleanRow::default()
        };
        let mut errors = Vec::new();
        let mut fail = |column: Column, value: &str, problem: Problem, detail: String| {
            errors.push(RowError {
                line: row.line,
                column: Some(column),
                value: value.to_owned(),
                problem,
                detail,
            });
        };
        for (cell, column) in row.cells.iter().zip(mapping) {
            let Some(column) = *column else { continue };
            let value = cell.trim();
            if value.is_empty() {
                continue;
            }
            let text = || Some(value.to_owned());
            let mut date = |problem_column: Column| match dates::parse(value) {
                Ok(day) => Some(day),
                Err(e) => {
                    fail(problem_column, value, Problem::BadDate, e.to_string());
                    None
                }
            };
            match column {
                Column::Name => clean_row.name = value.to_owned(),
                Column::Mobile => match phone::clean(value, default_area) {
                    Ok(p) => clean_row.mobile = Some(p.to_string()),
                    Err(e) => fail(column, value, Problem::BadPhone, e.to_string()),
                },
                Column::Plate => match plate::clean(value) {
                    Ok(p) => clean_row.plate = Some(p),
                    Err(e) => fail(column, value, Problem::BadPlate, e.to_string()),
                },
                Column::Vin => match vin::clean(value) {
                    Ok(v) => clean_row.vin = Some(v),
                    Err(e) => fail(column, value, Problem::BadVin, e.to_string()),
                },
                Column::Model => clean_row.model = text(),
                Column::PurchaseDate => clean_row.purchase_date = date(column),
                Column::VisitDate => clean_row.visit_date = date(column),
                Column::WorkOrder => clean_row.work_order = text(),
                Column::ServiceItems => clean_row.service_items = text(),
                Column::ServiceAdvisor => clean_row.service_advisor = text(),
                Column::Mileage => match mileage(value) {
                    Some(km) => clean_row.mileage = Some(km),
                    None => fail(
                        column,
                        value,
                        Problem::BadNumber,
                        format!("{value:?} is not a mileage in km"),
                    ),
                },
                Column::MemberLevel => clean_row.member_level = text(),
                Column::MemberExpiry => clean_row.member_expiry = date(column),
                Column::InsuranceExpiry => clean_row.insurance_expiry = date(column),
                Column::Tags => {
                    clean_row.tags = value
                        .split([',', '，', ';', '；', '、', '/', ' '])
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
            }
        }
        if clean_row.name.is_empty() && clean_row.mobile.is_none() && errors.is_empty() {
            errors.push(RowError {
                line: row.line,
                column: None,
                value: String::new(),
                problem: Problem::NoNameNoPhone,
                detail: "the row has neither a customer name nor a phone".to_owned(),
            });
        }
        if errors.is_empty() {
            out.rows.push(clean_row);
        } else {
            out.errors.extend(errors);
        }
    }
    out
}

/// Rows that are one customer: the same mobile or the same VIN, transitively (a customer's
/// second car shares the phone; a re-registered plate shares the VIN). Groups in file order.
pub fn same_customers(rows: &[CleanRow]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..rows.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut seen: BTreeMap<(u8, &str), usize> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let keys = [(0u8, row.mobile.as_deref()), (1u8, row.vin.as_deref())];
        for (kind, key) in keys {
            let Some(key) = key else { continue };
            match seen.get(&(kind, key)) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
                None => {
                    seen.insert((kind, key), i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..rows.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::table;
    use huifang_core::care::columns::suggest;

    fn cleaned(csv: &str) -> Cleaned {
        let table = table::read(csv.as_bytes()).expect("reads");
        let mapping = suggest(&table.headers);
        clean(&table, &mapping, Some("0311"))
    }

    #[test]
    fn messy_rows_are_cleaned_and_bad_ones_reported() {
        let out = cleaned(
            "客户姓名,手机号码,车牌号,VIN码,进厂日期,行驶里程,客户标签\n\
             王建国, 138 0013 8000 ,京a 12345,1M8GDM9AXKP042788,2026/11/3,\"12,345 km\",会员、老客户\n\
             李秀英,8765432,沪B·D12345,,2026年11月4日,,\n\
             赵六,1380013800,京A12345,,,,\n\
             钱七,13900139000,,1M8GDM9AXKP042789,明天,很多,\n\
             ,,,,,,\n\
             ,,京C55555,,,,\n",
        );
        assert_eq!(out.rows.len(), 2, "{:?}", out.errors);
        let wang = &out.rows[0];
        assert_eq!(wang.mobile.as_deref(), Some("13800138000"));
        assert_eq!(wang.plate.as_deref(), Some("京A12345"));
        assert_eq!(wang.mileage, Some(12_345));
        assert_eq!(
            wang.visit_date.map(|d| d.to_string()),
            Some("2026-11-03".into())
        );
        assert_eq!(wang.tags, ["会员", "老客户"]);
        assert_eq!(
            out.rows[1].mobile.as_deref(),
            Some("0311-8765432"),
            "store area code"
        );
        let problems: Vec<(usize, Problem)> =
            out.errors.iter().map(|e| (e.line, e.problem)).collect();
        assert_eq!(
            problems,
            vec![
                (4, Problem::BadPhone),
                (5, Problem::BadVin),
                (5, Problem::BadDate),
                (5, Problem::BadNumber),
                (7, Problem::NoNameNoPhone),
            ]
        );
        assert_eq!(out.errors[0].value, "1380013800");
    }

    #[test]
    fn the_same_customer_is_found_by_phone_or_vin() {
        let out = cleaned(
            "姓名,手机,车架号,车牌\n\
             王建国,13800138000,1M8GDM9AXKP042788,京A12345\n\
             李秀英,13900139000,,沪A11111\n\
             王建国,13800138000,11111111111111111,京A22222\n\
             王先生,,11111111111111111,京A22222\n",
        );
        assert_eq!(out.errors, vec![]);
        assert_eq!(same_customers(&out.rows), vec![vec![0, 2, 3], vec![1]]);
    }
}
