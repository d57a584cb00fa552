//! Running a published script in a call: one step at a time, a step back allowed. Decisions
//! are taken by themselves on the captured values; questions wait for an answer, captures
//! for their values, actions for the agent to confirm. The run keeps the path taken (node,
//! answer, time) for the callback record.

use super::graph::{Action, Compare, EndOutcome, FieldKind, Graph, Node, NodeId, Tag};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One step of the path taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub node: NodeId,
    /// The answer's label (a question), or the action confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Tag>,
    pub at_ms: i64,
}

/// A call's run of one script version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// The script's record id and version: a call finishes on the version it began with.
    pub script: String,
    pub version: u32,
    /// Where the run is now.
    pub at: NodeId,
    /// The steps taken, in order (the current node is not among them).
    pub path: Vec<Step>,
    /// Captured values by field key.
    pub values: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("the script has no node {0:?}")]
    NoNode(NodeId),
    #[error("this step is not a question")]
    NotAQuestion,
    #[error("no answer {0} at this step")]
    NoSuchAnswer(usize),
    #[error("this step is not a capture")]
    NotACapture,
    #[error("this step is not an action")]
    NotAnAction,
    #[error("{field}: {problem}")]
    BadValue { field: String, problem: String },
    #[error("the call has ended")]
    Ended,
    #[error("a decision on {0:?} loops without an end")]
    Loop(NodeId),
}

/// A value as typed, checked against its field's type.
pub fn check_value(kind: &FieldKind, value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("required".into());
    }
    match kind {
        FieldKind::Text => Ok(v.to_owned()),
        FieldKind::Number => v
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|_| v.to_owned())
            .ok_or_else(|| "not a number".into()),
        FieldKind::Date => crate::care::dates::parse(v)
            .map(|d| d.to_string())
            .map_err(|e| e.to_string()),
        FieldKind::DateTime => {
            let (d, t) = v.split_once(['T', ' ']).ok_or("not a date and time")?;
            let day = crate::care::dates::parse(d).map_err(|e| e.to_string())?;
            let (h, m) = t.split_once(':').ok_or("not a time")?;
            match (h.parse::<u8>(), m.get(..2).unwrap_or(m).parse::<u8>()) {
                (Ok(h), Ok(m)) if h < 24 && m < 60 => Ok(format!("{day}T{h:02}:{m:02}")),
                _ => Err("not a time".into()),
            }
        }
        FieldKind::Rating => match v.parse::<u8>() {
            Ok(n @ 1..=5) => Ok(n.to_string()),
            _ => Err("a rating from 1 to 5".into()),
        },
        FieldKind::Choice(options) => options
            .iter()
            .find(|o| o.as_str() == v)
            .cloned()
            .ok_or_else(|| "not one of the choices".into()),
    }
}

fn decide(compare: Compare, value: &str, against: &str) -> bool {
    let num = |s: &str| s.trim().parse::<f64>().ok();
    match compare {
        Compare::Equals => value.trim() == against.trim(),
        Compare::Contains => value.contains(against.trim()),
        Compare::Below => matches!((num(value), num(against)), (Some(a), Some(b)) if a < b),
        Compare::AtLeast => matches!((num(value), num(against)), (Some(a), Some(b)) if a >= b),
    }
}

impl Run {
    /// A run from the start of `graph` (script `script`, version `version`).
    pub fn start(graph: &Graph, script: &str, version: u32, at_ms: i64) -> Result<Run, RunError> {
        let mut run = Run {
            script: script.to_owned(),
            version,
            at: graph.start.clone(),
            path: Vec::new(),
            values: BTreeMap::new(),
        };
        run.settle(graph, at_ms)?;
        Ok(run)
    }

    fn node<'g>(&self, graph: &'g Graph) -> Result<&'g Node, RunError> {
        graph
            .nodes
            .get(&self.at)
            .ok_or_else(|| RunError::NoNode(self.at.clone()))
    }

    /// Takes decisions until a node needs the agent.
    fn settle(&mut self, graph: &Graph, at_ms: i64) -> Result<(), RunError> {
        for _ in 0..=graph.nodes.len() {
            let Node::Decision {
                field,
                branches,
                otherwise,
            } = self.node(graph)?
            else {
                return Ok(());
            };
            let value = self.values.get(field).map(String::as_str).unwrap_or("");
            let next = branches
                .iter()
                .find(|b| decide(b.compare, value, &b.value))
                .map(|b| &b.next)
                .unwrap_or(otherwise)
                .clone();
            self.path.push(Step {
                node: self.at.clone(),
                answer: None,
                tag: None,
                at_ms,
            });
            self.at = next;
        }
        Err(RunError::Loop(self.at.clone()))
    }

    fn advance(
        &mut self,
        graph: &Graph,
        next: NodeId,
        answer: Option<String>,
        tag: Option<Tag>,
        at_ms: i64,
    ) -> Result<(), RunError> {
        self.path.push(Step {
            node: self.at.clone(),
            answer,
            tag,
            at_ms,
        });
        self.at = next;
        self.settle(graph, at_ms)
    }

    /// Answers the current question with its `index`th answer.
    pub fn answer(&mut self, graph: &Graph, index: usize, at_ms: i64) -> Result<(), RunError> {
        let Node::Question { answers, .. } = self.node(graph)? else {
            return Err(self.wrong(graph, RunError::NotAQuestion));
        };
        let a = answers.get(index).ok_or(RunError::NoSuchAnswer(index))?;
        let (next, label, tag) = (a.next.clone(), a.label.clone(), a.tag);
        self.advance(graph, next, Some(label), tag, at_ms)
    }

    /// Fills the current capture's fields (by key) and moves on.
    pub fn capture(
        &mut self,
        graph: &Graph,
        values: &BTreeMap<String, String>,
        at_ms: i64,
    ) -> Result<(), RunError> {
        let Node::Capture { fields, next, .. } = self.node(graph)? else {
            return Err(self.wrong(graph, RunError::NotACapture));
        };
        let mut checked = Vec::new();
        for f in fields {
            let raw = values.get(&f.key).map(String::as_str).unwrap_or("");
            let kind = f.kind.clone().unwrap_or(FieldKind::Text);
            let value = check_value(&kind, raw).map_err(|problem| RunError::BadValue {
                field: f.label.clone(),
                problem,
            })?;
            checked.push((f.key.clone(), value));
        }
        let next = next.clone();
        self.values.extend(checked);
        self.advance(graph, next, None, None, at_ms)
    }

    /// Confirms the current action (the app has done it) and moves on.
    pub fn confirm(&mut self, graph: &Graph, at_ms: i64) -> Result<Action, RunError> {
        let Node::Action { action, next, .. } = self.node(graph)? else {
            return Err(self.wrong(graph, RunError::NotAnAction));
        };
        let (action, next) = (*action, next.clone());
        self.advance(graph, next, None, None, at_ms)?;
        Ok(action)
    }

    fn wrong(&self, graph: &Graph, e: RunError) -> RunError {
        match graph.nodes.get(&self.at) {
            Some(Node::End { .. }) => RunError::Ended,
            _ => e,
        }
    }

    /// One step back (undoing decisions taken by themselves on the way); false at the start.
    pub fn back(&mut self, graph: &Graph) -> bool {
        while let Some(step) = self.path.pop() {
            self.at = step.node;
            if !matches!(graph.nodes.get(&self.at), Some(Node::Decision { .. })) {
                // Values captured at that step are captured again.
                if let Some(Node::Capture { fields, .. }) = graph.nodes.get(&self.at) {
                    for f in fields {
                        self.values.remove(&f.key);
                    }
                }
                return true;
            }
        }
        false
    }

    /// How the call ended, once it has.
    pub fn ended(&self, graph: &Graph) -> Option<EndOutcome> {
        match graph.nodes.get(&self.at) {
            Some(Node::End { outcome, .. }) => Some(*outcome),
            _ => None,
        }
    }

    /// The answers that are complaint leads, with the question they answered.
    pub fn complaint_leads<'a>(&'a self, graph: &'a Graph) -> Vec<(&'a str, &'a str)> {
        self.path
            .iter()
            .filter(|s| s.tag.is_some_and(Tag::is_complaint_lead))
            .filter_map(|s| match graph.nodes.get(&s.node) {
                Some(Node::Question { text, .. }) => {
                    Some((text.as_str(), s.answer.as_deref().unwrap_or("")))
                }
                _ => None,
            })
            .collect()
    }
}

/// Fills `{name}` placeholders from `values`; unknown ones stay as written.
pub fn fill(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match values.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
