//! Campaigns on a segment of the customers (DOMAIN.md "Callbacks": holiday or
//! store-anniversary greetings, promotion invitations): which customers a campaign reaches,
//! and the API's request and answers (`POST /api/campaigns/preview`, `POST /api/campaigns`).
//! Pure: the server gathers each customer's [`CustomerFacts`], [`matches`] decides.

use super::dates::{self, Day};
use super::rules::Loyalty;
use serde::{Deserialize, Serialize};

/// Who a campaign reaches. Every condition given must hold; an empty list or `None` is
/// "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Segment {
    /// Loyalty classes (from `rules::loyalty`).
    #[serde(default)]
    pub loyalty: Vec<Loyalty>,
    /// Only members whose card has not expired.
    #[serde(default)]
    pub members_only: bool,
    /// Membership levels as the DMS writes them (`金卡`), matched ignoring case and spaces
    /// around; an expired card still has its level.
    #[serde(default)]
    pub member_levels: Vec<String>,
    /// Part of the model of any of the customer's cars (`凯美瑞`, `rav4`), ignoring case.
    #[serde(default)]
    pub model_contains: Option<String>,
    /// One of the customer's tags, exactly (spaces around ignored).
    #[serde(default)]
    pub tag: Option<String>,
}

/// What a segment looks at of one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFacts {
    pub loyalty: Loyalty,
    pub member_level: Option<String>,
    pub member_expiry: Option<Day>,
    /// The models of the customer's cars.
    pub models: Vec<String>,
    pub tags: Vec<String>,
    /// The day the segment is taken (a member card is valid through its expiry day).
    pub today: Day,
}

impl CustomerFacts {
    /// A member (会员) today: a level, and a card not expired.
    pub fn is_member(&self) -> bool {
        self.member_level
            .as_deref()
            .is_some_and(|l| !l.trim().is_empty())
            && self.member_expiry.is_none_or(|expiry| expiry >= self.today)
    }
}

/// A wanted text: trimmed, and `None` when nothing is left.
/// A list field as records hold it: a JSON array of strings, or one string as a person or an
/// export typed it (`VIP, 老客户`, `VIP，老客户`, `VIP、老客户`). Tags, quiet times.
pub fn list_field(value: Option<&serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s
            .split([',', '，', ';', '；', '、'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn wanted(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// Whether the customer belongs to the segment.
pub fn matches(segment: &Segment, customer: &CustomerFacts) -> bool {
    if !segment.loyalty.is_empty() && !segment.loyalty.contains(&customer.loyalty) {
        return false;
    }
    if segment.members_only && !customer.is_member() {
        return false;
    }
    let levels: Vec<String> = segment
        .member_levels
        .iter()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    if !levels.is_empty() {
        let level = customer
            .member_level
            .as_deref()
            .map(|l| l.trim().to_lowercase());
        if !level.is_some_and(|l| levels.contains(&l)) {
            return false;
        }
    }
    if let Some(part) = wanted(&segment.model_contains) {
        let part = part.to_lowercase();
        if !customer
            .models
            .iter()
            .any(|m| m.to_lowercase().contains(&part))
        {
            return false;
        }
    }
    if let Some(tag) = wanted(&segment.tag)
        && !customer.tags.iter().any(|t| t.trim() == tag)
    {
        return false;
    }
    true
}

/// What a campaign is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// 节日回访: a holiday greeting.
    Holiday,
    /// 店庆回访: the store's anniversary.
    Anniversary,
    /// 促销邀约: a promotion invitation.
    Promotion,
}

impl CampaignKind {
    pub const ALL: [CampaignKind; 3] = [
        CampaignKind::Holiday,
        CampaignKind::Anniversary,
        CampaignKind::Promotion,
    ];

    /// The name records carry (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignKind::Holiday => "holiday",
            CampaignKind::Anniversary => "anniversary",
            CampaignKind::Promotion => "promotion",
        }
    }
}

/// The longest campaign name, in characters (it is shown on every task of the campaign).
pub const NAME_MAX_CHARS: usize = 60;

/// `POST /api/campaigns`: launch a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignRequest {
    /// Also what makes the campaign's tasks unique: launching the same name twice creates
    /// nothing new.
    pub name: String,
    pub kind: CampaignKind,
    #[serde(default)]
    pub segment: Segment,
    /// The day the calls are due by, `YYYY-MM-DD`.
    pub due_by: String,
}

/// Why a campaign cannot be launched as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    #[error("a campaign needs a name")]
    NoName,
    #[error("a campaign name is at most {NAME_MAX_CHARS} characters")]
    NameTooLong,
    #[error("{0:?} is not a day written YYYY-MM-DD")]
    BadDay(String),
    #[error("the calls cannot be due by {due_by}: today is {today}")]
    DueInThePast { due_by: Day, today: Day },
}

impl CampaignRequest {
    /// The trimmed name and the due day, checked against `today`.
    pub fn check(&self, today: Day) -> Result<(&str, Day), CampaignError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(CampaignError::NoName);
        }
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(CampaignError::NameTooLong);
        }
        let raw = self.due_by.trim();
        let due_by = dates::parse(raw)
            .ok()
            .filter(|d| d.to_string() == raw)
            .ok_or_else(|| CampaignError::BadDay(self.due_by.clone()))?;
        if due_by < today {
            return Err(CampaignError::DueInThePast { due_by, today });
        }
        Ok((name, due_by))
    }
}

/// `POST /api/campaigns/preview`: who a segment reaches, before launching.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignPreviewRequest {
    #[serde(default)]
    pub segment: Segment,
}

/// How many customers this many names are shown of in a preview.
pub const PREVIEW_SAMPLE: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignPreview {
    /// Customers in the segment.
    pub matched: usize,
    /// Of them, customers who asked not to be called for campaigns.
    pub skipped_do_not_contact: usize,
    /// Names of up to [`PREVIEW_SAMPLE`] customers who would be called.
    pub sample: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignResponse {
    /// Customers in the segment.
    pub matched: usize,
    /// Callback tasks created (none for a customer who has this campaign's task already).
    pub created: usize,
    /// Of the matched, customers who asked not to be called for campaigns.
    #[serde(default)]
    pub skipped_do_not_contact: usize,
    #[serde(default)]
    pub refusals: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_fields_read_arrays_and_typed_lists() {
        use serde_json::json;
        assert_eq!(
            list_field(Some(&json!(["VIP", "老客户"]))),
            ["VIP", "老客户"]
        );
        assert_eq!(
            list_field(Some(&json!("VIP， 老客户、车友会;"))),
            ["VIP", "老客户", "车友会"]
        );
        assert!(list_field(Some(&json!(""))).is_empty());
        assert!(list_field(None).is_empty());
    }

    fn day(y: i32, m: u32, d: u32) -> Day {
        Day::from_ymd(y, m, d).expect("a day")
    }

    fn customer() -> CustomerFacts {
        CustomerFacts {
            loyalty: Loyalty::Loyal,
            member_level: Some("金卡".into()),
            member_expiry: Some(day(2026, 12, 31)),
            models: vec!["凯美瑞 2.5L".into(), "RAV4荣放".into()],
            tags: vec!["VIP".into(), "车队".into()],
            today: day(2026, 12, 1),
        }
    }

    #[test]
    fn an_empty_segment_is_everyone() {
        let nobody_special = CustomerFacts {
            loyalty: Loyalty::Lost,
            member_level: None,
            member_expiry: None,
            models: vec![],
            tags: vec![],
            today: day(2026, 12, 1),
        };
        assert!(matches(&Segment::default(), &nobody_special));
        let blank = Segment {
            model_contains: Some("  ".into()),
            tag: Some(String::new()),
            member_levels: vec![" ".into()],
            ..Segment::default()
        };
        assert!(
            matches(&blank, &nobody_special),
            "blank conditions are none"
        );
    }

    #[test]
    fn each_condition_narrows() {
        let c = customer();
        let yes = |s: Segment| assert!(matches(&s, &c), "{s:?}");
        let no = |s: Segment| assert!(!matches(&s, &c), "{s:?}");
        yes(Segment {
            loyalty: vec![Loyalty::Regular, Loyalty::Loyal],
            ..Segment::default()
        });
        no(Segment {
            loyalty: vec![Loyalty::Lost, Loyalty::Lapsing],
            ..Segment::default()
        });
        yes(Segment {
            members_only: true,
            ..Segment::default()
        });
        yes(Segment {
            member_levels: vec![" 金卡 ".into(), "银卡".into()],
            ..Segment::default()
        });
        no(Segment {
            member_levels: vec!["银卡".into()],
            ..Segment::default()
        });
        yes(Segment {
            model_contains: Some("rav4".into()),
            ..Segment::default()
        });
        no(Segment {
            model_contains: Some("卡罗拉".into()),
            ..Segment::default()
        });
        yes(Segment {
            tag: Some(" 车队".into()),
            ..Segment::default()
        });
        no(Segment {
            tag: Some("车".into()),
            ..Segment::default()
        });
        // All must hold.
        no(Segment {
            loyalty: vec![Loyalty::Loyal],
            model_contains: Some("凯美瑞".into()),
            tag: Some("新客".into()),
            ..Segment::default()
        });
    }

    #[test]
    fn members_only_wants_a_valid_card() {
        let members = Segment {
            members_only: true,
            ..Segment::default()
        };
        let mut c = customer();
        c.member_expiry = Some(c.today);
        assert!(matches(&members, &c), "valid through its expiry day");
        c.member_expiry = Some(c.today.plus(-1));
        assert!(!matches(&members, &c), "expired");
        // The level still matches an expired card (e.g. to invite renewals).
        let gold = Segment {
            member_levels: vec!["金卡".into()],
            ..Segment::default()
        };
        assert!(matches(&gold, &c));
        c.member_expiry = None;
        assert!(matches(&members, &c), "a card without expiry");
        c.member_level = None;
        assert!(!matches(&members, &c), "no level: no member");
        assert!(!matches(&gold, &c));
    }

    #[test]
    fn a_campaign_request_is_checked() {
        let today = day(2026, 12, 1);
        let request = |name: &str, due_by: &str| CampaignRequest {
            name: name.into(),
            kind: CampaignKind::Holiday,
            segment: Segment::default(),
            due_by: due_by.into(),
        };
        assert_eq!(
            request(" 春节问候 ", "2026-12-01").check(today),
            Ok(("春节问候", today))
        );
        assert_eq!(
            request("  ", "2026-12-20").check(today),
            Err(CampaignError::NoName)
        );
        assert_eq!(
            request(&"节".repeat(NAME_MAX_CHARS + 1), "2026-12-20").check(today),
            Err(CampaignError::NameTooLong)
        );
        for bad in ["2026-13-01", "2026/12/20", "tomorrow", ""] {
            assert_eq!(
                request("x", bad).check(today),
                Err(CampaignError::BadDay(bad.into())),
                "{bad}"
            );
        }
        assert!(matches!(
            request("x", "2026-11-30").check(today),
            Err(CampaignError::DueInThePast { .. })
        ));
    }

    #[test]
    fn the_wire_shapes() {
        let request: CampaignRequest = serde_json::from_value(serde_json::json!({
            "name": "店庆",
            "kind": "anniversary",
            "segment": {"loyalty": ["loyal"], "model_contains": "凯美瑞"},
            "due_by": "2026-12-20",
        }))
        .expect("a request");
        assert_eq!(request.kind, CampaignKind::Anniversary);
        assert_eq!(request.segment.loyalty, vec![Loyalty::Loyal]);
        assert!(!request.segment.members_only);
        for kind in CampaignKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::json!(kind.as_str()))
            );
        }
    }
}
