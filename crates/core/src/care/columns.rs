//! Recognising the columns of a DMS export by their headers, in Chinese or English, the way
//! different DMS vendors and stores name them. What is not recognised is left for the
//! supervisor's mapping screen; nothing is guessed from the data.

use serde::{Deserialize, Serialize};

/// What a column of an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Name,
    Mobile,
    Plate,
    Vin,
    Model,
    PurchaseDate,
    VisitDate,
    WorkOrder,
    ServiceItems,
    ServiceAdvisor,
    Mileage,
    MemberLevel,
    MemberExpiry,
    InsuranceExpiry,
    Tags,
}

impl Column {
    pub const ALL: [Column; 15] = [
        Column::Name,
        Column::Mobile,
        Column::Plate,
        Column::Vin,
        Column::Model,
        Column::PurchaseDate,
        Column::VisitDate,
        Column::WorkOrder,
        Column::ServiceItems,
        Column::ServiceAdvisor,
        Column::Mileage,
        Column::MemberLevel,
        Column::MemberExpiry,
        Column::InsuranceExpiry,
        Column::Tags,
    ];

    /// The column's name in the API (`visit_date`), as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Mobile => "mobile",
            Column::Plate => "plate",
            Column::Vin => "vin",
            Column::Model => "model",
            Column::PurchaseDate => "purchase_date",
            Column::VisitDate => "visit_date",
            Column::WorkOrder => "work_order",
            Column::ServiceItems => "service_items",
            Column::ServiceAdvisor => "service_advisor",
            Column::Mileage => "mileage",
            Column::MemberLevel => "member_level",
            Column::MemberExpiry => "member_expiry",
            Column::InsuranceExpiry => "insurance_expiry",
            Column::Tags => "tags",
        }
    }

    pub fn parse(name: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Header texts (normalised by [`normalise`]) that name this column.
    fn names(self) -> &'static [&'static str] {
        match self {
            Column::Name => &[
                "客户姓名",
                "姓名",
                "客户名称",
                "客户",
                "车主",
                "车主姓名",
                "联系人",
                "name",
                "customer",
                "customername",
                "owner",
                "ownername",
            ],
            Column::Mobile => &[
                "手机",
                "手机号",
                "手机号码",
                "移动电话",
                "联系电话",
                "电话",
                "联系方式",
                "车主电话",
                "mobile",
                "phone",
                "tel",
                "telephone",
                "mobilephone",
                "phonenumber",
            ],
            Column::Plate => &[
                "车牌",
                "车牌号",
                "车牌号码",
                "牌照号",
                "号牌",
                "plate",
                "licenseplate",
                "plateno",
                "plateno.",
            ],
            Column::Vin => &[
                "vin",
                "vin码",
                "车架号",
                "车辆识别代号",
                "车辆识别码",
                "底盘号",
                "vinno",
            ],
            Column::Model => &[
                "车型",
                "车型名称",
                "车系",
                "车辆型号",
                "model",
                "vehiclemodel",
                "carmodel",
            ],
            Column::PurchaseDate => &[
                "购车日期",
                "购买日期",
                "开票日期",
                "交车日期",
                "销售日期",
                "purchasedate",
                "deliverydate",
                "saledate",
            ],
            Column::VisitDate => &[
                "进厂日期",
                "进店日期",
                "来厂日期",
                "维修日期",
                "保养日期",
                "服务日期",
                "结算日期",
                "visitdate",
                "servicedate",
                "repairdate",
            ],
            Column::WorkOrder => &[
                "工单号",
                "工单编号",
                "委托书号",
                "维修单号",
                "结算单号",
                "workorder",
                "workorderno",
                "wo",
                "rono",
                "repairorder",
            ],
            Column::ServiceItems => &[
                "维修项目",
                "服务项目",
                "保养项目",
                "作业项目",
                "项目",
                "serviceitems",
                "items",
                "jobs",
            ],
            Column::ServiceAdvisor => &[
                "服务顾问",
                "接待",
                "接待员",
                "服务专员",
                "serviceadvisor",
                "advisor",
                "sa",
            ],
            Column::Mileage => &[
                "里程",
                "行驶里程",
                "进厂里程",
                "公里数",
                "mileage",
                "odometer",
                "km",
            ],
            Column::MemberLevel => &[
                "会员等级",
                "会员级别",
                "会员卡等级",
                "卡类型",
                "memberlevel",
                "membership",
                "memberclass",
            ],
            Column::MemberExpiry => &[
                "会员到期",
                "会员到期日",
                "会员卡到期",
                "会员有效期",
                "卡到期日",
                "memberexpiry",
                "membershipexpiry",
            ],
            Column::InsuranceExpiry => &[
                "保险到期",
                "保险到期日",
                "商业险到期",
                "交强险到期",
                "续保日期",
                "insuranceexpiry",
                "insuranceenddate",
            ],
            Column::Tags => &["标签", "客户标签", "备注标签", "tags", "tag", "labels"],
        }
    }
}

/// A header as compared: lower case, without spaces, punctuation, brackets or a trailing
/// colon, full-width letters folded (`客户姓名（必填）` → `客户姓名必填`).
pub fn normalise(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter_map(|c| match c {
            'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９' => {
                char::from_u32(c as u32 - 0xFEE0).map(|c| c.to_ascii_lowercase())
            }
            c if c.is_whitespace() => None,
            '_' | '-' | '/' | ':' | '：' | '*' | '#' | '(' | ')' | '（' | '）' | '[' | ']'
            | '【' | '】' | '.' => None,
            c => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

/// The column a header names, if it is one of the known names (exactly, after
/// [`normalise`], or with a bracketed remark like `（必填）` dropped).
pub fn recognise(header: &str) -> Option<Column> {
    let plain = normalise(&strip_remark(header));
    let full = normalise(header);
    Column::ALL.into_iter().find(|c| {
        c.names()
            .iter()
            .any(|n| normalise(n) == plain || normalise(n) == full)
    })
}

/// `客户姓名（必填）` → `客户姓名`.
fn strip_remark(header: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in header.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = (depth - 1).max(0),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The suggested mapping of a header row: each header's column, where recognised; a column
/// named twice is taken by its first header only, the second is left for the person.
pub fn suggest(headers: &[String]) -> Vec<Option<Column>> {
    let mut taken = std::collections::BTreeSet::new();
    headers
        .iter()
        .map(|h| recognise(h).filter(|c| taken.insert(*c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers_are_recognised() {
        for (header, column) in [
            ("客户姓名", Column::Name),
            (" 车主姓名 ", Column::Name),
            ("客户姓名（必填）", Column::Name),
            ("手机号码", Column::Mobile),
            ("联系电话", Column::Mobile),
            ("Mobile Phone", Column::Mobile),
            ("车牌号", Column::Plate),
            ("License Plate", Column::Plate),
            ("VIN码", Column::Vin),
            ("车架号", Column::Vin),
            ("进厂日期", Column::VisitDate),
            ("Work Order No.", Column::WorkOrder),
            ("委托书号", Column::WorkOrder),
            ("服务顾问", Column::ServiceAdvisor),
            ("行驶里程(km)", Column::Mileage),
            ("会员卡到期", Column::MemberExpiry),
            ("保险到期日", Column::InsuranceExpiry),
            ("\u{feff}姓名", Column::Name),
            ("ＶＩＮ", Column::Vin),
        ] {
            assert_eq!(recognise(header), Some(column), "{header:?}");
        }
        assert_eq!(recognise("备注"), None);
        assert_eq!(recognise("客户等级评分"), None);
    }

    #[test]
    fn api_names_match_serde() {
        for c in Column::ALL {
            assert_eq!(serde_json::to_value(c).expect("json"), c.as_str());
            assert_eq!(Column::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn a_column_named_twice_is_left_to_the_person() {
        let headers: Vec<String> = ["姓名", "手机", "电话", "车牌", "其他"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            suggest(&headers),
            vec![
                Some(Column::Name),
                Some(Column::Mobile),
                None,
                Some(Column::Plate),
                None
            ]
        );
    }
}
