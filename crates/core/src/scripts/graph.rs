//! A call script as a graph (DOMAIN.md "Call scripts"): an opening, questions whose answers
//! lead on (tagged satisfied / unsatisfied …), captures of typed values, decisions on those
//! values, actions (reschedule, open a complaint, do not contact) and ends, each with the
//! attempt outcome it implies. Text carries placeholders (`{customer.name}`) filled from the
//! customer, car, visit, agent and store.
//!
//! [`validate`] is what publishing checks: every path reaches an end (the graph has no
//! cycle, every arrow lands on a node, every node but an end leads on), no node is
//! unreachable, every placeholder is one the runner can fill, every capture has a type and
//! every decision reads a value captured on every way to it.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub type NodeId = String;

/// What an answer says about the customer, for the record and the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    Satisfied,
    Neutral,
    Unsatisfied,
    Yes,
    No,
    /// Now is not a good time: agree another.
    NotConvenient,
    /// Not the customer (wrong person or number).
    WrongPerson,
}

impl Tag {
    /// An answer a complaint can be opened from.
    pub fn is_complaint_lead(self) -> bool {
        matches!(self, Tag::Unsatisfied)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Tag>,
    pub next: NodeId,
}

/// The type of a captured value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    /// A date and time (an agreed callback time).
    DateTime,
    /// 1 to 5.
    Rating,
    Choice(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    pub label: String,
    /// `None` while a draft is being written; publishing needs one.
    #[serde(default)]
    pub kind: Option<FieldKind>,
}

/// How a decision compares a captured value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    Equals,
    /// As numbers.
    Below,
    /// As numbers.
    AtLeast,
    Contains,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub compare: Compare,
    pub value: String,
    pub next: NodeId,
}

/// What an action node does in the call screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Agree a time and move the callback there.
    Reschedule,
    /// Open a complaint, filled from the call.
    OpenComplaint,
    /// The customer asks not to be called for this purpose again.
    DoNotContact,
}

/// How the call ends, as the attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndOutcome {
    /// Reached and done: the callback record follows.
    Completed,
    /// Not now: a time was agreed.
    Rescheduled,
    Refused,
    WrongPerson,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Node {
    Question {
        text: String,
        answers: Vec<Answer>,
    },
    Capture {
        text: String,
        fields: Vec<Field>,
        next: NodeId,
    },
    Decision {
        /// The captured field read.
        field: String,
        branches: Vec<Branch>,
        otherwise: NodeId,
    },
    Action {
        text: String,
        action: Action,
        next: NodeId,
    },
    End {
        text: String,
        outcome: EndOutcome,
    },
}

impl Node {
    /// Where the node can lead, in order.
    pub fn nexts(&self) -> Vec<&NodeId> {
        match self {
            Node::Question { answers, .. } => answers.iter().map(|a| &a.next).collect(),
            Node::Capture { next, .. } | Node::Action { next, .. } => vec![next],
            Node::Decision {
                branches,
                otherwise,
                ..
            } => branches
                .iter()
                .map(|b| &b.next)
                .chain(std::iter::once(otherwise))
                .collect(),
            Node::End { .. } => Vec::new(),
        }
    }

    /// The texts shown, for placeholder checks.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Node::Question { text, answers } => std::iter::once(text.as_str())
                .chain(answers.iter().map(|a| a.label.as_str()))
                .collect(),
            Node::Capture { text, fields, .. } => std::iter::once(text.as_str())
                .chain(fields.iter().map(|f| f.label.as_str()))
                .collect(),
            Node::Action { text, .. } | Node::End { text, .. } => vec![text.as_str()],
            Node::Decision { .. } => Vec::new(),
        }
    }
}

/// A script's content: its nodes and where it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graph {
    pub start: NodeId,
    pub nodes: BTreeMap<NodeId, Node>,
    /// Telephone-manner reminders shown beside the script.
    #[serde(default)]
    pub reminders: Vec<String>,
}

/// The placeholders the runner fills (DOMAIN.md: customer, vehicle, visit, agent, store).
pub const PLACEHOLDERS: [&str; 10] = [
    "customer.name",
    "customer.title",
    "vehicle.model",
    "vehicle.plate",
    "visit.date",
    "visit.items",
    "visit.advisor",
    "agent.name",
    "store.name",
    "store.phone",
];

/// The `{name}` placeholders in `text`, and whether every brace closes.
pub fn placeholders(text: &str) -> Result<Vec<&str>, usize> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(offset + open);
        };
        out.push(&after[..close]);
        offset += open + close + 2;
        rest = &after[close + 1..];
    }
    Ok(out)
}

/// Why a script cannot be published. Each names the node, so the editor shows it in place.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, thiserror::Error,
)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    #[error("the start node {0:?} does not exist")]
    NoStart(NodeId),
    #[error("{from:?} leads to {to:?}, which does not exist")]
    UnknownNext { from: NodeId, to: NodeId },
    #[error("{0:?} cannot be reached from the start")]
    Unreachable(NodeId),
    #[error("{0:?} leads back to itself: a call could go round for ever")]
    Cycle(NodeId),
    #[error("{0:?} has no answers: the call cannot go on")]
    NoAnswers(NodeId),
    #[error("{node:?} uses {{{name}}}, which nothing fills")]
    UnknownPlaceholder { node: NodeId, name: String },
    #[error("{0:?} has a {{ that does not close")]
    UnclosedBrace(NodeId),
    #[error("{node:?}: the field {field:?} has no type")]
    UntypedField { node: NodeId, field: String },
    #[error("{node:?} decides on {field:?}, which is not captured on every way to it")]
    UncapturedField { node: NodeId, field: String },
    #[error("{0:?} has no text")]
    EmptyText(NodeId),
}

/// Everything that stops `graph` from being published (empty: it may be).
pub fn validate(graph: &Graph) -> Vec<Problem> {
    let mut problems = BTreeSet::new();
    if !graph.nodes.contains_key(&graph.start) {
        problems.insert(Problem::NoStart(graph.start.clone()));
    }
    for (id, node) in &graph.nodes {
        for to in node.nexts() {
            if !graph.nodes.contains_key(to) {
                problems.insert(Problem::UnknownNext {
                    from: id.clone(),
                    to: to.clone(),
                });
            }
        }
        match node {
            Node::Question { answers, .. } if answers.is_empty() => {
                problems.insert(Problem::NoAnswers(id.clone()));
            }
            Node::Capture { fields, .. } => {
                for f in fields.iter().filter(|f| f.kind.is_none()) {
                    problems.insert(Problem::UntypedField {
                        node: id.clone(),
                        field: f.key.clone(),
                    });
                }
            }
            _ => {}
        }
        if !matches!(node, Node::Decision { .. })
            && node.texts().first().is_some_and(|t| t.trim().is_empty())
        {
            problems.insert(Problem::EmptyText(id.clone()));
        }
        for text in node.texts() {
            match placeholders(text) {
                Ok(names) => {
                    for name in names {
                        if !PLACEHOLDERS.contains(&name) && !captured_anywhere(graph, name) {
                            problems.insert(Problem::UnknownPlaceholder {
                                node: id.clone(),
                                name: name.to_owned(),
                            });
                        }
                    }
                }
                Err(_) => {
                    problems.insert(Problem::UnclosedBrace(id.clone()));
                }
            }
        }
    }
    if graph.nodes.contains_key(&graph.start) {
        walk(graph, &mut problems);
    }
    problems.into_iter().collect()
}

fn captured_anywhere(graph: &Graph, key: &str) -> bool {
    graph.nodes.values().any(|n| match n {
        Node::Capture { fields, .. } => fields.iter().any(|f| f.key == key),
        _ => false,
    })
}

/// Depth-first from the start: unreachable nodes, cycles, and for each node the fields
/// captured on every way to it (the intersection over its parents).
fn walk(graph: &Graph, problems: &mut BTreeSet<Problem>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: BTreeMap<&NodeId, Mark> = BTreeMap::new();
    let mut order: Vec<&NodeId> = Vec::new();
    // Iterative DFS with an explicit stack of (node, next child index).
    let mut stack: Vec<(&NodeId, usize)> = vec![(&graph.start, 0)];
    marks.insert(&graph.start, Mark::Open);
    while let Some((id, i)) = stack.pop() {
        let nexts: Vec<&NodeId> = graph
            .nodes
            .get(id)
            .map(|n| n.nexts())
            .unwrap_or_default()
            .into_iter()
            .filter(|n| graph.nodes.contains_key(*n))
            .collect();
        if let Some(next) = nexts.get(i) {
            stack.push((id, i + 1));
            match marks.get(next) {
                Some(Mark::Open) => {
                    problems.insert(Problem::Cycle((*next).clone()));
                }
                Some(Mark::Done) => {}
                None => {
                    marks.insert(next, Mark::Open);
                    stack.push((next, 0));
                }
            }
        } else {
            marks.insert(id, Mark::Done);
            order.push(id);
        }
    }
    for id in graph.nodes.keys() {
        if !marks.contains_key(id) {
            problems.insert(Problem::Unreachable(id.clone()));
        }
    }
    if problems.iter().any(|p| matches!(p, Problem::Cycle(_))) {
        return;
    }
    // Reverse post-order is a topological order: parents before children.
    order.reverse();
    let mut known: BTreeMap<&NodeId, BTreeSet<&str>> = BTreeMap::new();
    known.insert(&graph.start, BTreeSet::new());
    for id in order {
        let Some(node) = graph.nodes.get(id) else {
            continue;
        };
        let mut have = known.get(id).cloned().unwrap_or_default();
        if let Node::Decision { field, .. } = node
            && !have.contains(field.as_str())
        {
            problems.insert(Problem::UncapturedField {
                node: id.clone(),
                field: field.clone(),
            });
        }
        if let Node::Capture { fields, .. } = node {
            have.extend(fields.iter().map(|f| f.key.as_str()));
        }
        for next in node.nexts() {
            known
                .entry(next)
                .and_modify(|k| *k = k.intersection(&have).copied().collect())
                .or_insert_with(|| have.clone());
        }
    }
}
