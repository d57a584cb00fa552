//! A call and what follows it (DOMAIN.md "Callbacks"): how an attempt ended, when to try
//! again, and the callback record form (回访记录表) filled when the customer was reached.
//! Pure: the app turns [`next`]'s answer into changes to the task, the server and the
//! reports read the same names.

use serde::{Deserialize, Serialize};

/// The fields of the records a call writes.
pub mod fields {
    /// Attempt and record: the customer (record id) and the task (record id).
    pub const CUSTOMER: &str = "customer";
    pub const TASK: &str = "task";
    /// Attempt: how it ended ([`super::Outcome::as_str`]).
    pub const OUTCOME: &str = "outcome";
    /// Attempt: when the call began (ms) and its approximate length (seconds).
    pub const STARTED_AT: &str = "started_at";
    pub const SECONDS: &str = "seconds";
    /// Attempt: why the agent called in quiet hours.
    pub const QUIET_REASON: &str = "quiet_reason";
    /// Attempt and task: the time agreed with the customer (ms).
    pub const AGREED_AT: &str = "agreed_at";
    /// Task: not before this time (ms): a retry or an agreed time.
    pub const NEXT_TRY_AT: &str = "next_try_at";
    /// Task: status (its state machine) and the reason beside a failed one.
    pub const STATUS: &str = "status";
    pub const DUE_BY: &str = "due_by";
    pub const PURPOSE: &str = "purpose";
    pub const ASSIGNED_AT: &str = "assigned_at";
    /// Record (回访记录表).
    pub const SATISFACTION: &str = "satisfaction";
    pub const SUGGESTIONS: &str = "suggestions";
    pub const COMPLAINT: &str = "complaint";
    pub const NEXT_ACTION: &str = "next_action";
    pub const NOTES: &str = "notes";
    pub const LAPSE_REASON: &str = "lapse_reason";
}

/// How a call attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 已接通: the customer answered and talked.
    Reached,
    /// 无人接听.
    NoAnswer,
    /// 占线.
    Busy,
    /// 关机.
    SwitchedOff,
    /// 空号/错号.
    WrongNumber,
    /// 不方便: a time was agreed and the task moves there.
    NotConvenient,
    /// 拒访.
    Refused,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Reached,
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::SwitchedOff,
        Outcome::WrongNumber,
        Outcome::NotConvenient,
        Outcome::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::NoAnswer => "no_answer",
            Outcome::Busy => "busy",
            Outcome::SwitchedOff => "switched_off",
            Outcome::WrongNumber => "wrong_number",
            Outcome::NotConvenient => "not_convenient",
            Outcome::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The customer was on the line (有效沟通: effective contact counts only `Reached`).
    pub fn is_contact(self) -> bool {
        matches!(
            self,
            Outcome::Reached | Outcome::NotConvenient | Outcome::Refused
        )
    }
}

/// Try again after `after_minutes`, at most `max_attempts` attempts with this outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retry {
    pub after_minutes: u32,
    pub max_attempts: u32,
}

/// The store's retry rules per outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRules {
    pub no_answer: Retry,
    pub busy: Retry,
    pub switched_off: Retry,
}

impl Default for CallRules {
    fn default() -> Self {
        CallRules {
            no_answer: Retry {
                after_minutes: 120,
                max_attempts: 3,
            },
            busy: Retry {
                after_minutes: 30,
                max_attempts: 5,
            },
            switched_off: Retry {
                after_minutes: 240,
                max_attempts: 3,
            },
        }
    }
}

/// Why a task ends without a completed record; stored as the failed status's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GiveUp {
    /// The retry rule's last attempt did not reach the customer.
    TooManyAttempts(Outcome),
    WrongNumber,
    Refused,
}

impl GiveUp {
    /// The reason written beside the `failed` status.
    pub fn reason(self) -> String {
        match self {
            GiveUp::TooManyAttempts(o) => format!("too_many_attempts:{}", o.as_str()),
            GiveUp::WrongNumber => "wrong_number".into(),
            GiveUp::Refused => "refused".into(),
        }
    }
}

/// What happens to the task after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Reached: fill the callback record; saving it completes the task.
    Record,
    /// Not reached: try again from this time (ms).
    RetryAt(i64),
    /// A time agreed with the customer (ms): the task moves there.
    Reschedule(i64),
    /// The task ends unfinished.
    GiveUp(GiveUp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("agree a time with the customer before saving \"not convenient\"")]
    AgreedTimeRequired,
    #[error("the agreed time has already passed")]
    AgreedTimeInPast,
}

/// What follows an attempt with `outcome`, the `same_before` earlier attempts on this task
/// having ended the same way, at `now_ms`; `agreed_ms` is the time agreed when not convenient.
pub fn next(
    rules: &CallRules,
    outcome: Outcome,
    same_before: u32,
    now_ms: i64,
    agreed_ms: Option<i64>,
) -> Result<Next, CallError> {
    let retry = |r: Retry| {
        if same_before + 1 >= r.max_attempts {
            Next::GiveUp(GiveUp::TooManyAttempts(outcome))
        } else {
            Next::RetryAt(now_ms + i64::from(r.after_minutes) * 60_000)
        }
    };
    Ok(match outcome {
        Outcome::Reached => Next::Record,
        Outcome::NoAnswer => retry(rules.no_answer),
        Outcome::Busy => retry(rules.busy),
        Outcome::SwitchedOff => retry(rules.switched_off),
        Outcome::WrongNumber => Next::GiveUp(GiveUp::WrongNumber),
        Outcome::Refused => Next::GiveUp(GiveUp::Refused),
        Outcome::NotConvenient => {
            let at = agreed_ms.ok_or(CallError::AgreedTimeRequired)?;
            if at <= now_ms {
                return Err(CallError::AgreedTimeInPast);
            }
            Next::Reschedule(at)
        }
    })
}

/// How satisfied the customer said they were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    VerySatisfied,
    Satisfied,
    Neutral,
    Unsatisfied,
    VeryUnsatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 5] = [
        Satisfaction::VerySatisfied,
        Satisfaction::Satisfied,
        Satisfaction::Neutral,
        Satisfaction::Unsatisfied,
        Satisfaction::VeryUnsatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "very_satisfied",
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::Neutral => "neutral",
            Satisfaction::Unsatisfied => "unsatisfied",
            Satisfaction::VeryUnsatisfied => "very_unsatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Satisfaction> {
        Satisfaction::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Counts as satisfied for the satisfaction rate (CSI).
    pub fn is_satisfied(self) -> bool {
        matches!(self, Satisfaction::VerySatisfied | Satisfaction::Satisfied)
    }
}

/// What the agent does next after a completed callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    Nothing,
    /// Book a service visit (预约).
    Appointment,
    /// Register a complaint.
    Complaint,
}

impl NextAction {
    pub const ALL: [NextAction; 3] = [
        NextAction::Nothing,
        NextAction::Appointment,
        NextAction::Complaint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NextAction::Nothing => "nothing",
            NextAction::Appointment => "appointment",
            NextAction::Complaint => "complaint",
        }
    }

    pub fn parse(s: &str) -> Option<NextAction> {
        NextAction::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Why a car did not come back when due (到期未来厂原因): the default list a store starts
/// with; the names are what the record stores.
pub const LAPSE_REASONS: [&str; 7] = [
    "price",
    "distance",
    "unhappy_with_service",
    "car_sold",
    "other_workshop",
    "little_use",
    "other",
];

/// The callback record form (回访记录表) as filled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordForm {
    pub satisfaction: Option<Satisfaction>,
    pub suggestions: String,
    pub complaint: bool,
    pub next_action: Option<NextAction>,
    pub notes: String,
    pub lapse_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("choose how satisfied the customer is")]
    SatisfactionRequired,
    #[error("choose the next action")]
    NextActionRequired,
    #[error("choose why the car did not come back")]
    LapseReasonRequired,
    #[error("the customer raised a complaint: the next action is to register it")]
    ComplaintNeedsAction,
}

impl RecordForm {
    /// Checks the form is complete ("every callback must be completely recorded");
    /// `lapsing`: the customer is lapsing or lost, so the reason they stayed away is asked.
    pub fn check(&self, lapsing: bool) -> Result<(Satisfaction, NextAction), FormError> {
        let satisfaction = self.satisfaction.ok_or(FormError::SatisfactionRequired)?;
        let action = self.next_action.ok_or(FormError::NextActionRequired)?;
        if lapsing
            && self
                .lapse_reason
                .as_deref()
                .is_none_or(|r| !LAPSE_REASONS.contains(&r))
        {
            return Err(FormError::LapseReasonRequired);
        }
        if self.complaint && action != NextAction::Complaint {
            return Err(FormError::ComplaintNeedsAction);
        }
        Ok((satisfaction, action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn names_round_trip_and_match_serde() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
            assert_eq!(
                serde_json::to_value(o).ok(),
                Some(serde_json::json!(o.as_str()))
            );
        }
        for s in Satisfaction::ALL {
            assert_eq!(Satisfaction::parse(s.as_str()), Some(s));
        }
        for a in NextAction::ALL {
            assert_eq!(NextAction::parse(a.as_str()), Some(a));
        }
    }

    #[test]
    fn no_answer_retries_after_two_hours_then_gives_up_at_the_third() {
        let rules = CallRules::default();
        assert_eq!(
            next(&rules, Outcome::NoAnswer, 0, NOW, None),
            Ok(Next::RetryAt(NOW + 120 * 60_000))
        );
        assert_eq!(
            next(&rules, Outcome::NoAnswer, 1, NOW, None),
            Ok(Next::RetryAt(NOW + 120 * 60_000))
        );
        assert_eq!(
            next(&rules, Outcome::NoAnswer, 2, NOW, None),
            Ok(Next::GiveUp(GiveUp::TooManyAttempts(Outcome::NoAnswer)))
        );
        assert_eq!(
            next(&rules, Outcome::Busy, 2, NOW, None),
            Ok(Next::RetryAt(NOW + 30 * 60_000))
        );
    }

    #[test]
    fn final_outcomes_and_the_agreed_time() {
        let rules = CallRules::default();
        assert_eq!(
            next(&rules, Outcome::Reached, 5, NOW, None),
            Ok(Next::Record)
        );
        assert_eq!(
            next(&rules, Outcome::WrongNumber, 0, NOW, None),
            Ok(Next::GiveUp(GiveUp::WrongNumber))
        );
        assert_eq!(
            next(&rules, Outcome::Refused, 0, NOW, None),
            Ok(Next::GiveUp(GiveUp::Refused))
        );
        assert_eq!(
            next(&rules, Outcome::NotConvenient, 0, NOW, None),
            Err(CallError::AgreedTimeRequired)
        );
        assert_eq!(
            next(&rules, Outcome::NotConvenient, 0, NOW, Some(NOW - 1)),
            Err(CallError::AgreedTimeInPast)
        );
        assert_eq!(
            next(
                &rules,
                Outcome::NotConvenient,
                0,
                NOW,
                Some(NOW + 3_600_000)
            ),
            Ok(Next::Reschedule(NOW + 3_600_000))
        );
        assert_eq!(
            GiveUp::TooManyAttempts(Outcome::Busy).reason(),
            "too_many_attempts:busy"
        );
    }

    #[test]
    fn the_record_form_must_be_complete() {
        let mut form = RecordForm::default();
        assert_eq!(form.check(false), Err(FormError::SatisfactionRequired));
        form.satisfaction = Some(Satisfaction::Unsatisfied);
        assert_eq!(form.check(false), Err(FormError::NextActionRequired));
        form.next_action = Some(NextAction::Nothing);
        assert_eq!(
            form.check(false),
            Ok((Satisfaction::Unsatisfied, NextAction::Nothing))
        );
        assert_eq!(form.check(true), Err(FormError::LapseReasonRequired));
        form.lapse_reason = Some("made up".into());
        assert_eq!(form.check(true), Err(FormError::LapseReasonRequired));
        form.lapse_reason = Some("car_sold".into());
        assert!(form.check(true).is_ok());
        form.complaint = true;
        assert_eq!(form.check(true), Err(FormError::ComplaintNeedsAction));
        form.next_action = Some(NextAction::Complaint);
        assert!(form.check(true).is_ok());
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// However many attempts, a retry is never sooner than now and the number of
            /// attempts with one outcome never exceeds its rule's maximum.
            #[test]
            fn retries_stay_within_their_rule(
                before in 0u32..20,
                after in 1u32..1_000,
                max in 1u32..10,
            ) {
                let rule = Retry { after_minutes: after, max_attempts: max };
                let rules = CallRules { no_answer: rule, busy: rule, switched_off: rule };
                for outcome in [Outcome::NoAnswer, Outcome::Busy, Outcome::SwitchedOff] {
                    match next(&rules, outcome, before, NOW, None) {
                        Ok(Next::RetryAt(at)) => {
                            prop_assert!(at > NOW);
                            prop_assert!(before + 1 < max);
                        }
                        Ok(Next::GiveUp(GiveUp::TooManyAttempts(o))) => {
                            prop_assert_eq!(o, outcome);
                            prop_assert!(before + 1 >= max);
                        }
                        other => prop_assert!(false, "unexpected {:?}", other),
                    }
                }
            }
        }
    }
}
