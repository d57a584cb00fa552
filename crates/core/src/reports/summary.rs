//! The callback summary report (回访总结报告) a supervisor writes after a campaign or a
//! period: how many were reached, how satisfied they were, what they suggested most, what
//! they complained about, agent by agent. Printable in the app; exported as CSV and XLSX by
//! the server from the same rows.
//!
//! Definitions, as the report shows them:
//! - **The callbacks**: for a campaign, its tasks (whatever their due day); for a period, the
//!   callback tasks due in it (cancelled ones aside).
//! - **Reached**: of those tasks, the ones with a completed callback record.
//! - **Attempts**: the calls logged for those tasks.
//! - **Satisfaction**: the answers on their records; satisfied = "very satisfied" or
//!   "satisfied" ÷ answered.
//! - **Suggestions**: the customers' suggestions on their records, counted by their text
//!   (trimmed, final punctuation dropped, "无"/"没有"/"none" left out), most frequent first.
//! - **Complaints**: the complaints registered from those callbacks, by category.
//! - **Per agent**: the same, by the agent who holds the task.

use super::{entity_str, id_in, live, str_field};
use crate::UserId;
use crate::care::calls::{Satisfaction, fields as call};
use crate::care::complaints::stats::{Row, csv_cell};
use crate::care::complaints::{Category, Complaint};
use crate::care::dates::{self, Day};
use crate::care::kpi::{Period, Ratio};
use crate::sync::{Record, RecordId, RecordKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The field naming a campaign's tasks.
pub const CAMPAIGN: &str = "campaign";

/// The longest suggestion text the report keeps, in characters (a spreadsheet cell holds
/// 32,767; a suggestion is a sentence).
pub const SUGGESTION_MAX_CHARS: usize = 200;

/// How many suggestions the report lists.
pub const TOP_SUGGESTIONS: usize = 10;

/// Which callbacks the report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// The tasks due in a period.
    Period(Period),
    /// One campaign's tasks, by its name.
    Campaign(String),
}

/// One agent's line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentLine {
    /// Reached ÷ tasks.
    pub reached: Ratio,
    pub attempts: u32,
    pub satisfied: Ratio,
    pub complaints: u32,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub scope: Scope,
    pub reached: Ratio,
    pub attempts: u32,
    pub satisfaction: Vec<(Satisfaction, u32)>,
    pub satisfied: Ratio,
    /// Most frequent first (ties by text), at most [`TOP_SUGGESTIONS`].
    pub suggestions: Vec<(String, u32)>,
    /// Every category, in the form's order, with its count.
    pub complaint_categories: Vec<(Category, u32)>,
    pub complaints: u32,
    pub agents: BTreeMap<UserId, AgentLine>,
    /// The tasks covered (the drill-down).
    pub tasks: Vec<RecordId>,
}

/// A suggestion's text as it is counted; `None` for "no suggestion".
pub fn suggestion_key(text: &str) -> Option<String> {
    let t = text
        .trim()
        .trim_end_matches(['。', '.', '！', '!', '，', ',', '；', ';', ' '])
        .trim();
    let none = ["", "无", "没有", "暂无", "none", "no", "n/a", "-"];
    (!none.contains(&t.to_lowercase().as_str()))
        .then(|| t.chars().take(SUGGESTION_MAX_CHARS).collect())
}

/// The summary of `records` for `scope`.
pub fn summary(records: &[Record], scope: &Scope) -> Summary {
    let mut owners: BTreeMap<RecordId, Option<UserId>> = BTreeMap::new();
    for e in records.iter().filter_map(live) {
        if e.kind != RecordKind::CallbackTask || entity_str(e, call::STATUS) == Some("cancelled") {
            continue;
        }
        let inside = match scope {
            Scope::Campaign(name) => entity_str(e, CAMPAIGN) == Some(name.as_str()),
            Scope::Period(p) => entity_str(e, call::DUE_BY)
                .and_then(|d| dates::parse(d).ok())
                .is_some_and(|d: Day| p.contains(d)),
        };
        if inside {
            owners.insert(e.id, e.scope.owner.clone());
        }
    }
    let mut agents: BTreeMap<UserId, AgentLine> = BTreeMap::new();
    let mut reached_tasks: BTreeSet<RecordId> = BTreeSet::new();
    let mut attempts = 0;
    let mut answers: BTreeMap<Satisfaction, u32> = BTreeMap::new();
    let mut satisfied = Ratio::default();
    let mut suggestions: BTreeMap<String, u32> = BTreeMap::new();
    for r in records {
        let Record::Event(e) = r else { continue };
        let Some(task) = id_in(str_field(&e.fields, call::TASK)) else {
            continue;
        };
        if !owners.contains_key(&task) {
            continue;
        }
        match e.kind {
            RecordKind::CallAttempt => {
                attempts += 1;
                if let Some(l) = line(&mut agents, &owners, task) {
                    l.attempts += 1;
                }
            }
            RecordKind::CallbackRecord => {
                reached_tasks.insert(task);
                if let Some(a) =
                    str_field(&e.fields, call::SATISFACTION).and_then(Satisfaction::parse)
                {
                    *answers.entry(a).or_default() += 1;
                    satisfied.num += u32::from(a.is_satisfied());
                    satisfied.den += 1;
                    if let Some(l) = line(&mut agents, &owners, task) {
                        l.satisfied.num += u32::from(a.is_satisfied());
                        l.satisfied.den += 1;
                    }
                }
                if let Some(k) = str_field(&e.fields, call::SUGGESTIONS).and_then(suggestion_key) {
                    *suggestions.entry(k).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    for task in owners.keys() {
        let hit = reached_tasks.contains(task);
        if let Some(l) = line(&mut agents, &owners, *task) {
            l.reached.num += u32::from(hit);
            l.reached.den += 1;
        }
    }
    let mut by_category: BTreeMap<Category, u32> = BTreeMap::new();
    let mut complaints = 0;
    for c in Complaint::all(records) {
        let Some(task) = c.task.filter(|t| owners.contains_key(t)) else {
            continue;
        };
        complaints += 1;
        if let Some(cat) = c.category {
            *by_category.entry(cat).or_default() += 1;
        }
        if let Some(l) = line(&mut agents, &owners, task) {
            l.complaints += 1;
        }
    }
    let mut top: Vec<(String, u32)> = suggestions.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(TOP_SUGGESTIONS);
    let reached = Ratio {
        num: u32::try_from(reached_tasks.len()).unwrap_or(u32::MAX),
        den: u32::try_from(owners.len()).unwrap_or(u32::MAX),
    };
    Summary {
        scope: scope.clone(),
        reached,
        attempts,
        satisfaction: Satisfaction::ALL
            .into_iter()
            .map(|s| (s, answers.get(&s).copied().unwrap_or(0)))
            .collect(),
        satisfied,
        suggestions: top,
        complaint_categories: Category::ALL
            .iter()
            .map(|c| (*c, by_category.get(c).copied().unwrap_or(0)))
            .collect(),
        complaints,
        agents,
        tasks: owners.into_keys().collect(),
    }
}

fn line<'a>(
    agents: &'a mut BTreeMap<UserId, AgentLine>,
    owners: &BTreeMap<RecordId, Option<UserId>>,
    task: RecordId,
) -> Option<&'a mut AgentLine> {
    let owner = owners.get(&task)?.clone()?;
    Some(agents.entry(owner).or_default())
}

/// A ratio as the report writes it: `12/15 (80.0%)`, or `0/0` when nothing was counted.
pub fn ratio_text(r: Ratio) -> String {
    match r.rate() {
        Some(rate) => format!("{}/{} ({:.1}%)", r.num, r.den, rate * 100.0),
        None => format!("{}/{}", r.num, r.den),
    }
}

/// The label people read for a satisfaction answer.
pub fn satisfaction_label(s: Satisfaction, zh: bool) -> &'static str {
    match (s, zh) {
        (Satisfaction::VerySatisfied, true) => "非常满意",
        (Satisfaction::VerySatisfied, false) => "Very satisfied",
        (Satisfaction::Satisfied, true) => "满意",
        (Satisfaction::Satisfied, false) => "Satisfied",
        (Satisfaction::Neutral, true) => "一般",
        (Satisfaction::Neutral, false) => "Neutral",
        (Satisfaction::Unsatisfied, true) => "不满意",
        (Satisfaction::Unsatisfied, false) => "Unsatisfied",
        (Satisfaction::VeryUnsatisfied, true) => "非常不满意",
        (Satisfaction::VeryUnsatisfied, false) => "Very unsatisfied",
    }
}

impl Summary {
    /// The report's rows, labelled in Chinese (`zh`) or English; agents by the names in
    /// `names` (their user id when not there).
    pub fn rows(&self, zh: bool, names: &BTreeMap<UserId, String>) -> Vec<Row> {
        let t = |c: &'static str, e: &'static str| if zh { c } else { e };
        let mut rows = Vec::new();
        let mut push = |section: &'static str, item: &str, value: String| {
            rows.push(Row {
                section,
                item: item.to_owned(),
                value,
            });
        };
        let (what, scope) = match &self.scope {
            Scope::Period(p) => (t("统计期间", "Period"), format!("{} – {}", p.from, p.to)),
            Scope::Campaign(name) => (t("回访活动", "Campaign"), name.clone()),
        };
        push(what, &scope, String::new());
        let total = t("总体", "Overall");
        push(
            total,
            t("回访任务", "Callbacks"),
            self.reached.den.to_string(),
        );
        push(total, t("已接通完成", "Reached"), ratio_text(self.reached));
        push(
            total,
            t("拨打次数", "Call attempts"),
            self.attempts.to_string(),
        );
        push(total, t("满意率", "Satisfied"), ratio_text(self.satisfied));
        push(total, t("投诉", "Complaints"), self.complaints.to_string());
        for (s, n) in &self.satisfaction {
            push(
                t("满意度", "Satisfaction"),
                satisfaction_label(*s, zh),
                n.to_string(),
            );
        }
        for (text, n) in &self.suggestions {
            push(
                t("客户建议（最多的）", "Most frequent suggestions"),
                text,
                n.to_string(),
            );
        }
        for (c, n) in &self.complaint_categories {
            push(
                t("投诉类别", "Complaint categories"),
                c.label(zh),
                n.to_string(),
            );
        }
        for (agent, l) in &self.agents {
            let name = names.get(agent).map_or(agent.0.as_str(), String::as_str);
            let section = t("按专员", "By agent");
            push(
                section,
                &format!("{name} · {}", t("接通完成", "reached")),
                ratio_text(l.reached),
            );
            push(
                section,
                &format!("{name} · {}", t("拨打", "attempts")),
                l.attempts.to_string(),
            );
            push(
                section,
                &format!("{name} · {}", t("满意", "satisfied")),
                ratio_text(l.satisfied),
            );
            push(
                section,
                &format!("{name} · {}", t("投诉", "complaints")),
                l.complaints.to_string(),
            );
        }
        rows
    }

    /// The report as CSV (UTF-8 with a byte-order mark, for Excel).
    pub fn to_csv(&self, zh: bool, names: &BTreeMap<UserId, String>) -> String {
        rows_to_csv(&self.rows(zh, names), zh)
    }
}

/// Rows as CSV with a header (UTF-8 with a byte-order mark, so Excel opens the Chinese right).
pub fn rows_to_csv(rows: &[Row], zh: bool) -> String {
    let mut out = String::from("\u{feff}");
    let header = if zh {
        ["分组", "项目", "数值"]
    } else {
        ["Section", "Item", "Figure"]
    };
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        let cells = [row.section, row.item.as_str(), row.value.as_str()];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}
