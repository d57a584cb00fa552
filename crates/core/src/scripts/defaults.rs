//! The scripts a store starts with, one per callback purpose in zh-CN and English, written
//! for Huifang in the shape DOMAIN.md gives: opening (who calls, is it the customer, is now
//! convenient), the body for the purpose, satisfied and unsatisfied branches, the two
//! closings; with the telephone-manner reminders beside them.

use super::graph::{Action, Answer, EndOutcome, Field, FieldKind, Graph, Node, Tag};
use crate::care::rules::Purpose;
use std::collections::BTreeMap;

/// The languages scripts are written in.
pub const LANGS: [&str; 2] = ["zh-CN", "en"];

struct Texts {
    opening: &'static str,
    yes_me: &'static str,
    not_me: &'static str,
    convenient: &'static str,
    now_ok: &'static str,
    now_not: &'static str,
    when: &'static str,
    when_label: &'static str,
    moved: &'static str,
    end_moved: &'static str,
    end_wrong: &'static str,
    satisfied: &'static str,
    neutral: &'static str,
    unsatisfied: &'static str,
    suggest: &'static str,
    has: &'static str,
    has_not: &'static str,
    suggest_ask: &'static str,
    suggest_label: &'static str,
    improve: &'static str,
    improve_label: &'static str,
    yes: &'static str,
    no: &'static str,
    never: &'static str,
    dnc: &'static str,
    end_refused: &'static str,
    prefer: &'static str,
    prefer_label: &'static str,
    close_ok: &'static str,
    close_sorry: &'static str,
    reminders: [&'static str; 5],
}

const ZH: Texts = Texts {
    opening: "您好，我是{store.name}的客服专员{agent.name}。请问是{customer.name}{customer.title}吗？",
    yes_me: "是本人",
    not_me: "不是本人",
    convenient: "不好意思打扰您一两分钟，做个简短回访，现在方便吗？",
    now_ok: "方便",
    now_not: "现在不方便",
    when: "请问什么时间方便再联系您？",
    when_label: "约定的时间",
    moved: "把回访改约到约定的时间",
    end_moved: "好的，我们在约定的时间再联系您。祝您生活愉快，再见！",
    end_wrong: "不好意思，打扰您了，祝您生活愉快，再见！",
    satisfied: "满意",
    neutral: "一般",
    unsatisfied: "不满意",
    suggest: "谢谢您！您对我们还有什么意见或建议吗？",
    has: "有建议",
    has_not: "没有了",
    suggest_ask: "请您说一说，我记录下来转给相关部门。",
    suggest_label: "客户的建议",
    improve: "非常抱歉！请问您对哪方面不满意？我们应该怎样改进？",
    improve_label: "不满意的地方",
    yes: "需要",
    no: "暂时不需要",
    never: "以后不要再为此联系我",
    dnc: "记录客户不希望再为此事被联系",
    end_refused: "好的，我们记下了，以后不再为此打扰您。祝您生活愉快，再见！",
    prefer: "好的，请问您方便哪一天？",
    prefer_label: "客户方便的日期",
    close_ok: "感谢您的支持！有任何需要欢迎随时联系我们，祝您行车平安，再见！",
    close_sorry: "感谢您的宝贵意见！这次没有让您满意，我们一定改进，也请您继续关注和监督我们。祝您一切顺利，再见！",
    reminders: [
        "配合客户的语速",
        "语气热情、面带微笑",
        "声音比平时稍大一点",
        "简明扼要，通话要短",
        "不说“不能”“不知道”“不可能”",
    ],
};

const EN: Texts = Texts {
    opening: "Hello, this is {agent.name} from {store.name} customer care. Am I speaking with {customer.title} {customer.name}?",
    yes_me: "Yes, speaking",
    not_me: "Not the customer",
    convenient: "Sorry to trouble you: may I take a minute or two for a short follow-up call?",
    now_ok: "Yes, now is fine",
    now_not: "Not now",
    when: "When would suit you for us to call back?",
    when_label: "Agreed time",
    moved: "Move the callback to the agreed time",
    end_moved: "Thank you, we will call you then. Have a good day, goodbye!",
    end_wrong: "Sorry to have troubled you. Have a good day, goodbye!",
    satisfied: "Satisfied",
    neutral: "Average",
    unsatisfied: "Not satisfied",
    suggest: "Thank you! Do you have any comments or suggestions for us?",
    has: "Has a suggestion",
    has_not: "None",
    suggest_ask: "Please go ahead, I will note it and pass it on.",
    suggest_label: "The customer's suggestion",
    improve: "We are very sorry. Which part were you not satisfied with, and what should we improve?",
    improve_label: "What fell short",
    yes: "Yes, please",
    no: "Not for now",
    never: "Do not call me about this again",
    dnc: "Record that the customer does not want calls about this",
    end_refused: "Understood, we will not call you about this again. Have a good day, goodbye!",
    prefer: "Which day would suit you?",
    prefer_label: "The day that suits the customer",
    close_ok: "Thank you for your support! Contact us any time you need us. Drive safely, goodbye!",
    close_sorry: "Thank you for telling us. We fell short this time and will improve; please keep watching us. All the best, goodbye!",
    reminders: [
        "Match the customer's pace",
        "Be warm: smile as you speak",
        "Speak a little louder than usual",
        "Be brief: calls are short",
        "Never say \"can't\", \"don't know\" or \"impossible\"",
    ],
};

/// The body question for a purpose: satisfaction (after a visit or a delivery) or an offer.
fn body(purpose: Purpose, zh: bool) -> (&'static str, bool) {
    use Purpose as P;
    let satisfaction = matches!(purpose, P::PostService | P::PostDelivery);
    let text = match (purpose, zh) {
        (P::PostService, true) => {
            "感谢您{visit.date}到店做{visit.items}（服务顾问{visit.advisor}）。请问您对这次服务满意吗？"
        }
        (P::PostService, false) => {
            "Thank you for bringing your car in on {visit.date} for {visit.items} (with {visit.advisor}). Were you satisfied with the service?"
        }
        (P::PostDelivery, true) => {
            "感谢您在{store.name}购买{vehicle.model}。请问您对交车服务和新车满意吗？"
        }
        (P::PostDelivery, false) => {
            "Thank you for buying your {vehicle.model} at {store.name}. Are you satisfied with the car and its handover?"
        }
        (P::MaintenanceReminder, true) => {
            "您的{vehicle.model}（{vehicle.plate}）快到保养时间了，需要为您预约保养吗？"
        }
        (P::MaintenanceReminder, false) => {
            "Your {vehicle.model} ({vehicle.plate}) is nearly due for its service. Shall we book it for you?"
        }
        (P::InsuranceRenewal, true) => {
            "您的{vehicle.model}车险即将到期，我们为您准备了续保方案，需要为您报价吗？"
        }
        (P::InsuranceRenewal, false) => {
            "The insurance of your {vehicle.model} expires soon. May we send you a renewal quote?"
        }
        (P::MembershipRenewal, true) => {
            "您的会员卡即将到期，续卡后可继续享受保养优惠，需要为您办理吗？"
        }
        (P::MembershipRenewal, false) => {
            "Your membership card expires soon; renewing keeps your service discounts. Shall we renew it?"
        }
        (P::Recovery, true) => {
            "好久没见您回店了，您的{vehicle.model}最近还好吗？需要为您安排一次检查保养吗？"
        }
        (P::Recovery, false) => {
            "We have not seen you for a while: how is your {vehicle.model}? Shall we arrange a check-up and service?"
        }
        (P::Campaign, true) => "{store.name}近期有回馈活动，诚邀您到店参加，需要为您登记吗？",
        (P::Campaign, false) => {
            "{store.name} is holding an event for our customers. May we put your name down?"
        }
        (P::NoShow, true) => "您预约的到店时间我们没有等到您，需要为您重新预约吗？",
        (P::NoShow, false) => {
            "We missed you at your appointment. Shall we book another time for you?"
        }
        (P::ComplaintFollowUp, true) => {
            "您之前反映的问题我们已按商定的方案处理，想了解一下您对处理结果是否满意？"
        }
        (P::ComplaintFollowUp, false) => {
            "We have put right what you told us about, as agreed. Are you satisfied with how it was handled?"
        }
    };
    (text, satisfaction)
}

fn node_map(nodes: Vec<(&str, Node)>) -> BTreeMap<String, Node> {
    nodes.into_iter().map(|(k, n)| (k.to_owned(), n)).collect()
}

fn answer(label: &str, tag: Option<Tag>, next: &str) -> Answer {
    Answer {
        label: label.to_owned(),
        tag,
        next: next.to_owned(),
    }
}

fn end(text: &str, outcome: EndOutcome) -> Node {
    Node::End {
        text: text.to_owned(),
        outcome,
    }
}

fn capture(text: &str, key: &str, label: &str, kind: FieldKind, next: &str) -> Node {
    Node::Capture {
        text: text.to_owned(),
        fields: vec![Field {
            key: key.to_owned(),
            label: label.to_owned(),
            kind: Some(kind),
        }],
        next: next.to_owned(),
    }
}

/// The default script for `purpose` in `lang` (`zh-CN` or `en`; anything else is English).
pub fn default_script(purpose: Purpose, lang: &str) -> Graph {
    let zh = lang == "zh-CN";
    let t = if zh { &ZH } else { &EN };
    let (body_text, satisfaction) = body(purpose, zh);
    let mut nodes = vec![
        (
            "opening",
            Node::Question {
                text: t.opening.to_owned(),
                answers: vec![
                    answer(t.yes_me, Some(Tag::Yes), "convenient"),
                    answer(t.not_me, Some(Tag::WrongPerson), "end_wrong"),
                ],
            },
        ),
        (
            "convenient",
            Node::Question {
                text: t.convenient.to_owned(),
                answers: vec![
                    answer(t.now_ok, Some(Tag::Yes), "body"),
                    answer(t.now_not, Some(Tag::NotConvenient), "agree_time"),
                ],
            },
        ),
        (
            "agree_time",
            capture(
                t.when,
                "agreed_at",
                t.when_label,
                FieldKind::DateTime,
                "reschedule",
            ),
        ),
        (
            "reschedule",
            Node::Action {
                text: t.moved.to_owned(),
                action: Action::Reschedule,
                next: "end_moved".to_owned(),
            },
        ),
        ("end_moved", end(t.end_moved, EndOutcome::Rescheduled)),
        ("end_wrong", end(t.end_wrong, EndOutcome::WrongPerson)),
        ("close_ok", end(t.close_ok, EndOutcome::Completed)),
        (
            "dnc",
            Node::Action {
                text: t.dnc.to_owned(),
                action: Action::DoNotContact,
                next: "end_refused".to_owned(),
            },
        ),
        ("end_refused", end(t.end_refused, EndOutcome::Refused)),
    ];
    if satisfaction {
        nodes.extend([
            (
                "body",
                Node::Question {
                    text: body_text.to_owned(),
                    answers: vec![
                        answer(t.satisfied, Some(Tag::Satisfied), "suggest"),
                        answer(t.neutral, Some(Tag::Neutral), "improve"),
                        answer(t.unsatisfied, Some(Tag::Unsatisfied), "improve"),
                    ],
                },
            ),
            (
                "suggest",
                Node::Question {
                    text: t.suggest.to_owned(),
                    answers: vec![
                        answer(t.has_not, Some(Tag::No), "close_ok"),
                        answer(t.has, Some(Tag::Yes), "suggestion"),
                    ],
                },
            ),
            (
                "suggestion",
                capture(
                    t.suggest_ask,
                    "suggestions",
                    t.suggest_label,
                    FieldKind::Text,
                    "close_ok",
                ),
            ),
            (
                "improve",
                capture(
                    t.improve,
                    "issue",
                    t.improve_label,
                    FieldKind::Text,
                    "close_sorry",
                ),
            ),
            ("close_sorry", end(t.close_sorry, EndOutcome::Completed)),
        ]);
    } else {
        nodes.extend([
            (
                "body",
                Node::Question {
                    text: body_text.to_owned(),
                    answers: vec![
                        answer(t.yes, Some(Tag::Yes), "prefer"),
                        answer(t.no, Some(Tag::No), "close_ok"),
                        answer(t.never, Some(Tag::No), "dnc"),
                    ],
                },
            ),
            (
                "prefer",
                capture(
                    t.prefer,
                    "preferred_day",
                    t.prefer_label,
                    FieldKind::Date,
                    "close_ok",
                ),
            ),
        ]);
    }
    let mut graph = Graph {
        start: "opening".to_owned(),
        nodes: node_map(nodes),
        reminders: t.reminders.iter().map(|r| (*r).to_owned()).collect(),
    };
    if satisfaction {
        // The do-not-contact branch belongs to offers only.
        graph.nodes.remove("dnc");
        graph.nodes.remove("end_refused");
    }
    graph
}
