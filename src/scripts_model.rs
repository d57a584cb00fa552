//! The supervisors' script editor (`/scripts`) as pure functions over records and graphs, so
//! the page stays thin and every rule is tested natively: the store's scripts and their
//! published versions as the page reads them, the edits a draft takes (one [`Edit`] each),
//! the changes saving and publishing write, the sample customer of the preview, and the
//! difference between two versions, node by node.

use huifang_core::UserId;
use huifang_core::care::rules::Purpose;
use huifang_core::scripts::defaults::LANGS;
use huifang_core::scripts::fields;
use huifang_core::scripts::graph::{
    Action, Answer, Branch, Compare, EndOutcome, Field, FieldKind, Graph, Node, NodeId, Problem,
    Tag, validate,
};
use huifang_core::sync::{FieldWrite, Hlc, Op, Record, RecordId, RecordKind, Scope, Write};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};

// ---- Records -------------------------------------------------------------------------------

/// A `call_script` record as the editor reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub id: RecordId,
    pub scope: Scope,
    pub purpose: Option<Purpose>,
    /// The purpose as stored (kept for the version events, even if this app does not know it).
    pub purpose_raw: String,
    pub lang: String,
    /// The last published version number (0: never published).
    pub published: u32,
    /// The draft, or why it cannot be read.
    pub draft: Result<Graph, String>,
    /// Stamps of the values shown, sent as the base of an edit.
    pub draft_stamp: Option<Hlc>,
    pub published_stamp: Option<Hlc>,
    /// Two people changed the draft at once and nobody has settled it yet.
    pub conflicted: bool,
}

fn graph_of(value: Option<&Value>) -> Result<Graph, String> {
    match value {
        None | Some(Value::Null) => Err("no graph".to_owned()),
        // Always written as an object. (One way of reading graphs, shared with the call
        // screen's: each extra serde instantiation of the graph costs the download ~10 KB.)
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| e.to_string()),
    }
}

/// Sorts a short list in place (a few dozen scripts or versions). By hand: each `sort_by`
/// instantiates the standard library's whole sort for its type, ~15 KB of download.
fn sort_small<T>(list: &mut [T], before: impl Fn(&T, &T) -> bool) {
    for i in 1..list.len() {
        let mut j = i;
        while j > 0 && before(&list[j], &list[j - 1]) {
            list.swap(j, j - 1);
            j -= 1;
        }
    }
}

fn number(value: Option<&Value>) -> u32 {
    value
        .and_then(|v| match v {
            Value::String(s) => s.trim().parse::<u64>().ok(),
            v => v.as_u64(),
        })
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

impl Script {
    pub fn from_record(record: &Record) -> Option<Script> {
        let e = record.as_entity()?;
        if e.kind != RecordKind::CallScript || e.tombstone.is_some() {
            return None;
        }
        let s = |f: &str| e.value(f).and_then(Value::as_str).unwrap_or("").to_owned();
        let purpose_raw = s(fields::PURPOSE);
        Some(Script {
            id: e.id,
            scope: e.scope.clone(),
            purpose: Purpose::parse(&purpose_raw),
            purpose_raw,
            lang: s(fields::LANG),
            published: number(e.value(fields::PUBLISHED)),
            draft: graph_of(e.value(fields::DRAFT)),
            draft_stamp: e.fields.get(fields::DRAFT).map(|f| f.stamp),
            published_stamp: e.fields.get(fields::PUBLISHED).map(|f| f.stamp),
            conflicted: e.conflicts.contains_key(fields::DRAFT)
                || e.conflicts.contains_key(fields::PUBLISHED),
        })
    }

    /// Every script among `records`: by store, then purpose (in the app's order), then
    /// language (zh-CN first).
    pub fn all(records: &[Record]) -> Vec<Script> {
        let mut list: Vec<Script> = records.iter().filter_map(Script::from_record).collect();
        let purpose_rank = |s: &Script| {
            s.purpose
                .and_then(|p| Purpose::ALL.iter().position(|q| *q == p))
                .unwrap_or(Purpose::ALL.len())
        };
        let lang_rank = |s: &Script| {
            LANGS
                .iter()
                .position(|l| *l == s.lang)
                .unwrap_or(LANGS.len())
        };
        let key = |s: &Script| {
            (
                s.scope.store.clone(),
                purpose_rank(s),
                s.purpose_raw.clone(),
                lang_rank(s),
                s.lang.clone(),
                s.id,
            )
        };
        sort_small(&mut list, |a, b| key(a) < key(b));
        list
    }
}

/// A published version (a `script_version` event).
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub id: RecordId,
    /// The script's record id, as the event names it.
    pub script: String,
    pub number: u32,
    pub graph: Result<Graph, String>,
    pub by: UserId,
    pub at_ms: i64,
}

impl Version {
    pub fn from_record(record: &Record) -> Option<Version> {
        let Record::Event(e) = record else {
            return None;
        };
        if e.kind != RecordKind::ScriptVersion {
            return None;
        }
        Some(Version {
            id: e.id,
            script: e
                .fields
                .get(fields::SCRIPT)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            number: number(e.fields.get(fields::VERSION)),
            graph: graph_of(e.fields.get(fields::GRAPH)),
            by: e.by.clone(),
            at_ms: e.stamp.wall_ms,
        })
    }

    /// Every published version among `records`, newest first within each script.
    pub fn all(records: &[Record]) -> Vec<Version> {
        let mut list: Vec<Version> = records.iter().filter_map(Version::from_record).collect();
        sort_small(&mut list, |a, b| {
            a.script
                .cmp(&b.script)
                .then(b.number.cmp(&a.number))
                .then(b.at_ms.cmp(&a.at_ms))
                .then(b.id.cmp(&a.id))
                .is_lt()
        });
        list
    }

    /// The versions of `script` among `all` (as [`Version::all`] orders them: newest first).
    pub fn of(all: &[Version], script: RecordId) -> Vec<Version> {
        let key = script.to_string();
        all.iter().filter(|v| v.script == key).cloned().collect()
    }
}

// ---- Names of the graph's enums ------------------------------------------------------------

/// The name a value of one of the graph's enums has in JSON (`"not_convenient"`), for the
/// value of a `<select>` option.
pub fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The value named `name` (see [`name_of`]).
pub fn parse_name<T: DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(Value::String(name.to_owned())).ok()
}

pub const TAGS: [Tag; 7] = [
    Tag::Satisfied,
    Tag::Neutral,
    Tag::Unsatisfied,
    Tag::Yes,
    Tag::No,
    Tag::NotConvenient,
    Tag::WrongPerson,
];
pub const COMPARES: [Compare; 4] = [
    Compare::Equals,
    Compare::Below,
    Compare::AtLeast,
    Compare::Contains,
];
pub const ACTIONS: [Action; 3] = [
    Action::Reschedule,
    Action::OpenComplaint,
    Action::DoNotContact,
];
pub const OUTCOMES: [EndOutcome; 4] = [
    EndOutcome::Completed,
    EndOutcome::Rescheduled,
    EndOutcome::Refused,
    EndOutcome::WrongPerson,
];

/// The type of a captured value, as a `<select>` offers it (no options: a choice's options
/// are typed beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindName {
    Text,
    Number,
    Date,
    DateTime,
    Rating,
    Choice,
}

impl KindName {
    pub const ALL: [KindName; 6] = [
        KindName::Text,
        KindName::Number,
        KindName::Date,
        KindName::DateTime,
        KindName::Rating,
        KindName::Choice,
    ];

    pub fn of(kind: &FieldKind) -> KindName {
        match kind {
            FieldKind::Text => KindName::Text,
            FieldKind::Number => KindName::Number,
            FieldKind::Date => KindName::Date,
            FieldKind::DateTime => KindName::DateTime,
            FieldKind::Rating => KindName::Rating,
            FieldKind::Choice(_) => KindName::Choice,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KindName::Text => "text",
            KindName::Number => "number",
            KindName::Date => "date",
            KindName::DateTime => "date_time",
            KindName::Rating => "rating",
            KindName::Choice => "choice",
        }
    }

    pub fn parse(s: &str) -> Option<KindName> {
        KindName::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The field type, keeping a choice's options when it stays a choice.
    pub fn to_kind(self, before: Option<&FieldKind>) -> FieldKind {
        match self {
            KindName::Text => FieldKind::Text,
            KindName::Number => FieldKind::Number,
            KindName::Date => FieldKind::Date,
            KindName::DateTime => FieldKind::DateTime,
            KindName::Rating => FieldKind::Rating,
            KindName::Choice => match before {
                Some(FieldKind::Choice(options)) => FieldKind::Choice(options.clone()),
                _ => FieldKind::Choice(Vec::new()),
            },
        }
    }
}

/// A choice's options as typed: separated by commas (either width), 、 or semicolons.
pub fn parse_choices(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

// ---- Edits ---------------------------------------------------------------------------------

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    Question,
    Capture,
    Decision,
    Action,
    End,
}

impl NodeType {
    pub const ALL: [NodeType; 5] = [
        NodeType::Question,
        NodeType::Capture,
        NodeType::Decision,
        NodeType::Action,
        NodeType::End,
    ];

    pub fn of(node: &Node) -> NodeType {
        match node {
            Node::Question { .. } => NodeType::Question,
            Node::Capture { .. } => NodeType::Capture,
            Node::Decision { .. } => NodeType::Decision,
            Node::Action { .. } => NodeType::Action,
            Node::End { .. } => NodeType::End,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeType::Question => "question",
            NodeType::Capture => "capture",
            NodeType::Decision => "decision",
            NodeType::Action => "action",
            NodeType::End => "end",
        }
    }

    pub fn parse(s: &str) -> Option<NodeType> {
        NodeType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// A new, empty node of this type (validation says what it still needs).
    pub fn blank(self) -> Node {
        match self {
            NodeType::Question => Node::Question {
                text: String::new(),
                answers: vec![blank_answer()],
            },
            NodeType::Capture => Node::Capture {
                text: String::new(),
                fields: vec![blank_field()],
                next: String::new(),
            },
            NodeType::Decision => Node::Decision {
                field: String::new(),
                branches: vec![blank_branch()],
                otherwise: String::new(),
            },
            NodeType::Action => Node::Action {
                text: String::new(),
                action: Action::Reschedule,
                next: String::new(),
            },
            NodeType::End => Node::End {
                text: String::new(),
                outcome: EndOutcome::Completed,
            },
        }
    }
}

fn blank_answer() -> Answer {
    Answer {
        label: String::new(),
        tag: None,
        next: String::new(),
    }
}

fn blank_field() -> Field {
    Field {
        key: String::new(),
        label: String::new(),
        kind: Some(FieldKind::Text),
    }
}

fn blank_branch() -> Branch {
    Branch {
        compare: Compare::Equals,
        value: String::new(),
        next: String::new(),
    }
}

/// A node's main text (none for a decision).
pub fn text_of(node: &Node) -> Option<&str> {
    match node {
        Node::Question { text, .. }
        | Node::Capture { text, .. }
        | Node::Action { text, .. }
        | Node::End { text, .. } => Some(text),
        Node::Decision { .. } => None,
    }
}

/// One part of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerPart {
    Label(String),
    Tag(Option<Tag>),
    Next(NodeId),
}

/// One part of a captured field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldPart {
    Key(String),
    Label(String),
    Kind(Option<FieldKind>),
}

/// One part of a decision's branch.
#[derive(Debug, Clone, PartialEq)]
pub enum BranchPart {
    Compare(Compare),
    Value(String),
    Next(NodeId),
}

/// One change to a draft, as the editor's controls make them.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    SetStart(NodeId),
    /// Adds a blank node of the type under `id` (see [`new_node_id`]).
    AddNode {
        id: NodeId,
        kind: NodeType,
    },
    /// Removes the node; arrows to it stay, for validation to point out.
    DeleteNode(NodeId),
    /// Renames the node and every arrow to it (and the start).
    RenameNode {
        from: NodeId,
        to: NodeId,
    },
    /// Makes the node another type, keeping its text and where it led.
    SetType {
        node: NodeId,
        kind: NodeType,
    },
    SetText {
        node: NodeId,
        text: String,
    },
    /// Where a capture or an action leads; a decision's "otherwise".
    SetNext {
        node: NodeId,
        next: NodeId,
    },
    /// Adds a blank answer (question), field (capture) or branch (decision).
    AddItem {
        node: NodeId,
    },
    /// Removes the `index`th answer, field or branch.
    RemoveItem {
        node: NodeId,
        index: usize,
    },
    SetAnswer {
        node: NodeId,
        index: usize,
        part: AnswerPart,
    },
    SetField {
        node: NodeId,
        index: usize,
        part: FieldPart,
    },
    /// The captured field a decision reads.
    SetDecisionField {
        node: NodeId,
        field: String,
    },
    SetBranch {
        node: NodeId,
        index: usize,
        part: BranchPart,
    },
    SetAction {
        node: NodeId,
        action: Action,
    },
    SetOutcome {
        node: NodeId,
        outcome: EndOutcome,
    },
    /// The telephone-manner reminders, one per line (blank lines dropped).
    SetReminders(String),
}

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("there is no node {0:?}")]
    NoNode(NodeId),
    #[error("a node needs an id")]
    IdEmpty,
    #[error("there is already a node {0:?}")]
    IdTaken(NodeId),
    #[error("a node id cannot contain {0:?}")]
    IdInvalid(char),
    #[error("no item {index} in {node:?}")]
    NoItem { node: NodeId, index: usize },
    #[error("{node:?} is not the kind of node that has this")]
    WrongType { node: NodeId },
}

/// An id for a new node of `kind` that no node has (`question_1`, `question_2`, …).
pub fn new_node_id(graph: &Graph, kind: NodeType) -> NodeId {
    (1..)
        .map(|n| format!("{}_{n}", kind.as_str()))
        .find(|id| !graph.nodes.contains_key(id))
        .unwrap_or_default()
}

fn check_id(graph: &Graph, id: &str) -> Result<(), EditError> {
    if id.is_empty() {
        return Err(EditError::IdEmpty);
    }
    if let Some(c) = id
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '{' | '}'))
    {
        return Err(EditError::IdInvalid(c));
    }
    if graph.nodes.contains_key(id) {
        return Err(EditError::IdTaken(id.to_owned()));
    }
    Ok(())
}

fn item<'a, T>(list: &'a mut [T], node: &NodeId, index: usize) -> Result<&'a mut T, EditError> {
    list.get_mut(index).ok_or_else(|| EditError::NoItem {
        node: node.clone(),
        index,
    })
}

fn node_mut<'g>(graph: &'g mut Graph, id: &NodeId) -> Result<&'g mut Node, EditError> {
    graph
        .nodes
        .get_mut(id)
        .ok_or_else(|| EditError::NoNode(id.clone()))
}

fn converted(node: &Node, kind: NodeType) -> Node {
    if NodeType::of(node) == kind {
        return node.clone();
    }
    let text = text_of(node).unwrap_or("").to_owned();
    let next = node
        .nexts()
        .first()
        .map(|n| (*n).clone())
        .unwrap_or_default();
    match kind {
        NodeType::Question => Node::Question {
            text,
            answers: vec![Answer {
                next,
                ..blank_answer()
            }],
        },
        NodeType::Capture => Node::Capture {
            text,
            fields: vec![blank_field()],
            next,
        },
        NodeType::Decision => Node::Decision {
            field: String::new(),
            branches: Vec::new(),
            otherwise: next,
        },
        NodeType::Action => Node::Action {
            text,
            action: Action::Reschedule,
            next,
        },
        NodeType::End => Node::End {
            text,
            outcome: EndOutcome::Completed,
        },
    }
}

/// Makes `edit` to `graph`; on an error the graph is as it was.
pub fn apply(graph: &mut Graph, edit: Edit) -> Result<(), EditError> {
    match edit {
        Edit::SetStart(id) => {
            if !graph.nodes.contains_key(&id) {
                return Err(EditError::NoNode(id));
            }
            graph.start = id;
        }
        Edit::AddNode { id, kind } => {
            check_id(graph, &id)?;
            graph.nodes.insert(id, kind.blank());
        }
        Edit::DeleteNode(id) => {
            graph.nodes.remove(&id).ok_or(EditError::NoNode(id))?;
        }
        Edit::RenameNode { from, to } => {
            let to = to.trim().to_owned();
            if to == from {
                return Ok(());
            }
            if !graph.nodes.contains_key(&from) {
                return Err(EditError::NoNode(from));
            }
            check_id(graph, &to)?;
            if let Some(node) = graph.nodes.remove(&from) {
                graph.nodes.insert(to.clone(), node);
            }
            if graph.start == from {
                graph.start = to.clone();
            }
            for node in graph.nodes.values_mut() {
                for next in nexts_mut(node) {
                    if *next == from {
                        *next = to.clone();
                    }
                }
            }
        }
        Edit::SetType { node, kind } => {
            let n = node_mut(graph, &node)?;
            *n = converted(n, kind);
        }
        Edit::SetText { node, text } => match node_mut(graph, &node)? {
            Node::Question { text: t, .. }
            | Node::Capture { text: t, .. }
            | Node::Action { text: t, .. }
            | Node::End { text: t, .. } => *t = text,
            Node::Decision { .. } => return Err(EditError::WrongType { node }),
        },
        Edit::SetNext { node, next } => match node_mut(graph, &node)? {
            Node::Capture { next: n, .. } | Node::Action { next: n, .. } => *n = next,
            Node::Decision { otherwise, .. } => *otherwise = next,
            _ => return Err(EditError::WrongType { node }),
        },
        Edit::AddItem { node } => match node_mut(graph, &node)? {
            Node::Question { answers, .. } => answers.push(blank_answer()),
            Node::Capture { fields, .. } => fields.push(blank_field()),
            Node::Decision { branches, .. } => branches.push(blank_branch()),
            _ => return Err(EditError::WrongType { node }),
        },
        Edit::RemoveItem { node, index } => {
            let n = node_mut(graph, &node)?;
            let len = match n {
                Node::Question { answers, .. } => answers.len(),
                Node::Capture { fields, .. } => fields.len(),
                Node::Decision { branches, .. } => branches.len(),
                _ => return Err(EditError::WrongType { node }),
            };
            if index >= len {
                return Err(EditError::NoItem { node, index });
            }
            match n {
                Node::Question { answers, .. } => {
                    answers.remove(index);
                }
                Node::Capture { fields, .. } => {
                    fields.remove(index);
                }
                Node::Decision { branches, .. } => {
                    branches.remove(index);
                }
                _ => {}
            }
        }
        Edit::SetAnswer { node, index, part } => {
            let Node::Question { answers, .. } = node_mut(graph, &node)? else {
                return Err(EditError::WrongType { node });
            };
            let a = item(answers, &node, index)?;
            match part {
                AnswerPart::Label(label) => a.label = label,
                AnswerPart::Tag(tag) => a.tag = tag,
                AnswerPart::Next(next) => a.next = next,
            }
        }
        Edit::SetField { node, index, part } => {
            let Node::Capture { fields, .. } = node_mut(graph, &node)? else {
                return Err(EditError::WrongType { node });
            };
            let f = item(fields, &node, index)?;
            match part {
                FieldPart::Key(key) => f.key = key.trim().to_owned(),
                FieldPart::Label(label) => f.label = label,
                FieldPart::Kind(kind) => f.kind = kind,
            }
        }
        Edit::SetDecisionField { node, field } => {
            let Node::Decision { field: f, .. } = node_mut(graph, &node)? else {
                return Err(EditError::WrongType { node });
            };
            *f = field.trim().to_owned();
        }
        Edit::SetBranch { node, index, part } => {
            let Node::Decision { branches, .. } = node_mut(graph, &node)? else {
                return Err(EditError::WrongType { node });
            };
            let b = item(branches, &node, index)?;
            match part {
                BranchPart::Compare(c) => b.compare = c,
                BranchPart::Value(v) => b.value = v,
                BranchPart::Next(n) => b.next = n,
            }
        }
        Edit::SetAction { node, action } => {
            let Node::Action { action: a, .. } = node_mut(graph, &node)? else {
                return Err(EditError::WrongType { node });
            };
            *a = action;
        }
        Edit::SetOutcome { node, outcome } => {
            let Node::End { outcome: o, .. } = node_mut(graph, &node)? else {
                return Err(EditError::WrongType { node });
            };
            *o = outcome;
        }
        Edit::SetReminders(text) => {
            graph.reminders = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
        }
    }
    Ok(())
}

fn nexts_mut(node: &mut Node) -> Vec<&mut NodeId> {
    match node {
        Node::Question { answers, .. } => answers.iter_mut().map(|a| &mut a.next).collect(),
        Node::Capture { next, .. } | Node::Action { next, .. } => vec![next],
        Node::Decision {
            branches,
            otherwise,
            ..
        } => branches
            .iter_mut()
            .map(|b| &mut b.next)
            .chain(std::iter::once(otherwise))
            .collect(),
        Node::End { .. } => Vec::new(),
    }
}

/// The nodes in the order a call meets them (breadth first from the start), then the ones
/// no call reaches, by id.
pub fn flow_order(graph: &Graph) -> Vec<NodeId> {
    // Lists, not sets: a script has a few dozen nodes, and each set type costs download.
    let mut order: Vec<NodeId> = Vec::new();
    let mut queue = VecDeque::from([&graph.start]);
    while let Some(id) = queue.pop_front() {
        let Some(node) = graph.nodes.get(id) else {
            continue;
        };
        if order.contains(id) {
            continue;
        }
        order.push(id.clone());
        queue.extend(node.nexts());
    }
    let rest: Vec<NodeId> = graph
        .nodes
        .keys()
        .filter(|id| !order.contains(id))
        .cloned()
        .collect();
    order.extend(rest);
    order
}

/// The cards' order after an edit: the nodes still there keep their places (cards do not
/// jump while someone edits), new ones go at the end.
pub fn reconcile_order(order: &[NodeId], graph: &Graph) -> Vec<NodeId> {
    let mut out: Vec<NodeId> = order
        .iter()
        .filter(|id| graph.nodes.contains_key(*id))
        .cloned()
        .collect();
    let new: Vec<NodeId> = graph
        .nodes
        .keys()
        .filter(|id| !out.contains(id))
        .cloned()
        .collect();
    out.extend(new);
    out
}

/// The node a problem is about, to show it on that node's card (`None`: the whole script).
pub fn problem_node(problem: &Problem) -> Option<&NodeId> {
    match problem {
        Problem::NoStart(_) => None,
        Problem::UnknownNext { from, .. } => Some(from),
        Problem::Unreachable(id)
        | Problem::Cycle(id)
        | Problem::NoAnswers(id)
        | Problem::UnclosedBrace(id)
        | Problem::EmptyText(id) => Some(id),
        Problem::UnknownPlaceholder { node, .. }
        | Problem::UntypedField { node, .. }
        | Problem::UncapturedField { node, .. } => Some(node),
    }
}

// ---- Saving and publishing -----------------------------------------------------------------

/// Why a draft cannot be saved or published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error("the script has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Problems(Vec<Problem>),
    #[error("the graph could not be written as JSON: {0}")]
    Encode(String),
}

fn graph_value(graph: &Graph) -> Result<Value, PublishError> {
    serde_json::to_value(graph).map_err(|e| PublishError::Encode(e.to_string()))
}

/// Saves the draft: one field, from the stamp of the draft the supervisor began from, so a
/// colleague's edit made meanwhile becomes a visible conflict.
pub fn save_draft(
    script: &Script,
    graph: &Graph,
    base: Option<Hlc>,
) -> Result<Write, PublishError> {
    Ok(Write {
        kind: RecordKind::CallScript,
        record: Some(script.id),
        op: Op::SetFields {
            writes: vec![FieldWrite {
                field: fields::DRAFT.to_owned(),
                value: graph_value(graph)?,
                base,
            }],
        },
    })
}

/// The number the next published version of `script` gets: one more than any it has.
pub fn next_version(script: &Script, versions: &[Version]) -> u32 {
    let key = script.id.to_string();
    versions
        .iter()
        .filter(|v| v.script == key)
        .map(|v| v.number)
        .chain(std::iter::once(script.published))
        .max()
        .unwrap_or(0)
        + 1
}

/// Publishing `graph` as the next version of `script`: the `script_version` event and the
/// script's new version number (and the draft, when `draft_base` is given: the page's edits
/// not saved yet), saved together. Refused while validation finds problems.
pub fn publish(
    script: &Script,
    versions: &[Version],
    graph: &Graph,
    draft_base: Option<Option<Hlc>>,
) -> Result<(u32, Vec<Write>), PublishError> {
    let problems = validate(graph);
    if !problems.is_empty() {
        return Err(PublishError::Problems(problems));
    }
    let number = next_version(script, versions);
    let value = graph_value(graph)?;
    let mut event = BTreeMap::new();
    event.insert(fields::SCRIPT.to_owned(), json!(script.id.to_string()));
    event.insert(fields::VERSION.to_owned(), json!(number));
    event.insert(fields::PURPOSE.to_owned(), json!(script.purpose_raw));
    event.insert(fields::LANG.to_owned(), json!(script.lang));
    event.insert(fields::GRAPH.to_owned(), value.clone());
    let mut writes = vec![FieldWrite {
        field: fields::PUBLISHED.to_owned(),
        value: json!(number),
        base: script.published_stamp,
    }];
    if let Some(base) = draft_base {
        writes.push(FieldWrite {
            field: fields::DRAFT.to_owned(),
            value,
            base,
        });
    }
    Ok((
        number,
        vec![
            Write {
                kind: RecordKind::ScriptVersion,
                record: None,
                op: Op::AppendEvent {
                    scope: Scope {
                        store: script.scope.store.clone(),
                        owner: None,
                    },
                    fields: event,
                },
            },
            Write {
                kind: RecordKind::CallScript,
                record: Some(script.id),
                op: Op::SetFields { writes },
            },
        ],
    ))
}

// ---- Preview -------------------------------------------------------------------------------

/// The sample customer the preview fills placeholders from, in the script's language: the
/// signed-in supervisor as the agent, their store, yesterday's visit.
pub fn sample_values(
    lang: &str,
    agent: &str,
    store: &str,
    visit_date: &str,
) -> BTreeMap<String, String> {
    let zh = lang == "zh-CN";
    let pick = |zh_text: &str, en_text: &str| if zh { zh_text } else { en_text }.to_owned();
    BTreeMap::from([
        ("customer.name".to_owned(), pick("王建国", "Wang Jianguo")),
        ("customer.title".to_owned(), pick("先生", "Mr")),
        ("vehicle.model".to_owned(), pick("凯美瑞", "Camry")),
        ("vehicle.plate".to_owned(), "京A12345".to_owned()),
        ("visit.date".to_owned(), visit_date.to_owned()),
        (
            "visit.items".to_owned(),
            pick("常规保养、更换机油", "a routine service and oil change"),
        ),
        ("visit.advisor".to_owned(), pick("刘强", "Liu Qiang")),
        ("agent.name".to_owned(), agent.to_owned()),
        ("store.name".to_owned(), store.to_owned()),
        ("store.phone".to_owned(), "010-65529988".to_owned()),
    ])
}

// ---- Comparing versions --------------------------------------------------------------------

/// One difference inside a node present in both versions.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Type {
        old: NodeType,
        new: NodeType,
    },
    Text {
        old: String,
        new: String,
    },
    AnswerAdded(Answer),
    AnswerRemoved(Answer),
    /// The answer at `index` (from 0) in both.
    AnswerChanged {
        index: usize,
        old: Answer,
        new: Answer,
    },
    Fields {
        old: Vec<Field>,
        new: Vec<Field>,
    },
    DecisionField {
        old: String,
        new: String,
    },
    Branches {
        old: Vec<Branch>,
        new: Vec<Branch>,
    },
    /// Where a capture or action leads, or a decision's "otherwise".
    Next {
        old: NodeId,
        new: NodeId,
    },
    Action {
        old: Action,
        new: Action,
    },
    Outcome {
        old: EndOutcome,
        new: EndOutcome,
    },
}

/// How one node differs between two versions.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeChange {
    Added(Node),
    Removed(Node),
    Changed(Vec<Change>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeDiff {
    pub id: NodeId,
    pub change: NodeChange,
}

/// How a newer graph differs from an older one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GraphDiff {
    /// The start moved (old, new).
    pub start: Option<(NodeId, NodeId)>,
    pub reminders: Option<(Vec<String>, Vec<String>)>,
    /// Changed nodes, in the newer graph's call order, then the removed ones.
    pub nodes: Vec<NodeDiff>,
}

impl GraphDiff {
    pub fn is_empty(&self) -> bool {
        self.start.is_none() && self.reminders.is_none() && self.nodes.is_empty()
    }
}

fn answer_changes(old: &[Answer], new: &[Answer], out: &mut Vec<Change>) {
    for i in 0..old.len().max(new.len()) {
        match (old.get(i), new.get(i)) {
            (Some(a), Some(b)) if a != b => out.push(Change::AnswerChanged {
                index: i,
                old: a.clone(),
                new: b.clone(),
            }),
            (Some(a), None) => out.push(Change::AnswerRemoved(a.clone())),
            (None, Some(b)) => out.push(Change::AnswerAdded(b.clone())),
            _ => {}
        }
    }
}

fn node_changes(old: &Node, new: &Node) -> Vec<Change> {
    let mut out = Vec::new();
    let (ot, nt) = (NodeType::of(old), NodeType::of(new));
    if ot != nt {
        out.push(Change::Type { old: ot, new: nt });
    }
    if let (Some(a), Some(b)) = (text_of(old), text_of(new))
        && a != b
    {
        out.push(Change::Text {
            old: a.to_owned(),
            new: b.to_owned(),
        });
    }
    let next = |n: &Node| match n {
        Node::Capture { next, .. } | Node::Action { next, .. } => Some(next.clone()),
        Node::Decision { otherwise, .. } => Some(otherwise.clone()),
        _ => None,
    };
    match (old, new) {
        (Node::Question { answers: a, .. }, Node::Question { answers: b, .. }) => {
            answer_changes(a, b, &mut out);
        }
        (Node::Capture { fields: a, .. }, Node::Capture { fields: b, .. }) if a != b => {
            out.push(Change::Fields {
                old: a.clone(),
                new: b.clone(),
            });
        }
        (
            Node::Decision {
                field: fa,
                branches: ba,
                ..
            },
            Node::Decision {
                field: fb,
                branches: bb,
                ..
            },
        ) => {
            if fa != fb {
                out.push(Change::DecisionField {
                    old: fa.clone(),
                    new: fb.clone(),
                });
            }
            if ba != bb {
                out.push(Change::Branches {
                    old: ba.clone(),
                    new: bb.clone(),
                });
            }
        }
        (Node::Action { action: a, .. }, Node::Action { action: b, .. }) if a != b => {
            out.push(Change::Action { old: *a, new: *b });
        }
        (Node::End { outcome: a, .. }, Node::End { outcome: b, .. }) if a != b => {
            out.push(Change::Outcome { old: *a, new: *b });
        }
        _ => {}
    }
    if ot == nt
        && let (Some(a), Some(b)) = (next(old), next(new))
        && a != b
    {
        out.push(Change::Next { old: a, new: b });
    }
    out
}

/// What changed from `old` to `new`, node by node.
pub fn diff(old: &Graph, new: &Graph) -> GraphDiff {
    let mut nodes = Vec::new();
    for id in flow_order(new) {
        let Some(n) = new.nodes.get(&id) else {
            continue;
        };
        match old.nodes.get(&id) {
            None => nodes.push(NodeDiff {
                id,
                change: NodeChange::Added(n.clone()),
            }),
            Some(o) => {
                let changes = node_changes(o, n);
                if !changes.is_empty() {
                    nodes.push(NodeDiff {
                        id,
                        change: NodeChange::Changed(changes),
                    });
                }
            }
        }
    }
    for (id, o) in &old.nodes {
        if !new.nodes.contains_key(id) {
            nodes.push(NodeDiff {
                id: id.clone(),
                change: NodeChange::Removed(o.clone()),
            });
        }
    }
    GraphDiff {
        start: (old.start != new.start).then(|| (old.start.clone(), new.start.clone())),
        reminders: (old.reminders != new.reminders)
            .then(|| (old.reminders.clone(), new.reminders.clone())),
        nodes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use huifang_core::StoreId;
    use huifang_core::scripts::defaults::default_script;
    use huifang_core::sync::{ClientId, Entity, Event, FieldState};

    fn post_service() -> Graph {
        default_script(Purpose::PostService, "zh-CN")
    }

    fn stamp(ms: i64) -> Hlc {
        Hlc {
            wall_ms: ms,
            counter: 0,
            node: ClientId(uuid::Uuid::from_u128(9)),
        }
    }

    fn scope() -> Scope {
        Scope {
            store: StoreId("s1".into()),
            owner: None,
        }
    }

    fn script_record(id: u128, purpose: &str, lang: &str, published: u32) -> Record {
        let field = |v: Value| FieldState {
            value: v,
            stamp: stamp(1_000),
            by: UserId("supervisor".into()),
        };
        let graph = serde_json::to_value(post_service()).expect("a graph as JSON");
        Record::Entity(Entity {
            id: RecordId(uuid::Uuid::from_u128(id)),
            kind: RecordKind::CallScript,
            scope: scope(),
            fields: BTreeMap::from([
                (fields::PURPOSE.to_owned(), field(json!(purpose))),
                (fields::LANG.to_owned(), field(json!(lang))),
                (fields::DRAFT.to_owned(), field(graph)),
                (fields::PUBLISHED.to_owned(), field(json!(published))),
            ]),
            tombstone: None,
            conflicts: BTreeMap::new(),
            version: 1,
        })
    }

    fn version_record(id: u128, script: u128, number: u32, at: i64) -> Record {
        Record::Event(Event {
            id: RecordId(uuid::Uuid::from_u128(id)),
            kind: RecordKind::ScriptVersion,
            scope: scope(),
            fields: BTreeMap::from([
                (
                    fields::SCRIPT.to_owned(),
                    json!(RecordId(uuid::Uuid::from_u128(script)).to_string()),
                ),
                (fields::VERSION.to_owned(), json!(number)),
                (
                    fields::GRAPH.to_owned(),
                    serde_json::to_value(post_service()).expect("JSON"),
                ),
            ]),
            stamp: stamp(at),
            by: UserId("supervisor".into()),
            version: 2,
        })
    }

    fn edit(graph: &mut Graph, e: Edit) {
        apply(graph, e).expect("the edit applies");
    }

    #[test]
    fn scripts_are_listed_by_purpose_then_language() {
        let records = vec![
            script_record(1, "post_delivery", "en", 1),
            script_record(2, "post_service", "en", 3),
            script_record(3, "post_delivery", "zh-CN", 1),
            script_record(4, "post_service", "zh-CN", 2),
        ];
        let list = Script::all(&records);
        let names: Vec<(&str, &str, u32)> = list
            .iter()
            .map(|s| (s.purpose_raw.as_str(), s.lang.as_str(), s.published))
            .collect();
        assert_eq!(
            names,
            [
                ("post_service", "zh-CN", 2),
                ("post_service", "en", 3),
                ("post_delivery", "zh-CN", 1),
                ("post_delivery", "en", 1),
            ]
        );
        assert_eq!(list[0].draft.as_ref().ok(), Some(&post_service()));
        assert_eq!(list[0].draft_stamp, Some(stamp(1_000)));
    }

    #[test]
    fn a_draft_that_is_not_a_graph_says_why() {
        let mut record = script_record(1, "post_service", "zh-CN", 1);
        if let Record::Entity(e) = &mut record
            && let Some(f) = e.fields.get_mut(fields::DRAFT)
        {
            f.value = json!({"start": 3});
        }
        let script = Script::from_record(&record).expect("a script");
        assert!(script.draft.is_err());
    }

    #[test]
    fn versions_are_newest_first_per_script_and_numbering_goes_on_from_the_highest() {
        let records = vec![
            script_record(1, "post_service", "zh-CN", 1),
            version_record(10, 1, 1, 100),
            version_record(11, 1, 3, 300),
            version_record(12, 2, 7, 200),
            version_record(13, 1, 2, 200),
        ];
        let all = Version::all(&records);
        let mine = Version::of(&all, RecordId(uuid::Uuid::from_u128(1)));
        let numbers: Vec<u32> = mine.iter().map(|v| v.number).collect();
        assert_eq!(numbers, [3, 2, 1]);
        let script = Script::all(&records).remove(0);
        // The record says 1, but version 3 exists (a colleague's publish synced in).
        assert_eq!(next_version(&script, &all), 4);
        assert_eq!(next_version(&script, &[]), 2);
    }

    #[test]
    fn publishing_writes_the_version_and_the_number_together() {
        let record = script_record(1, "post_service", "zh-CN", 1);
        let script = Script::from_record(&record).expect("a script");
        let mut graph = post_service();
        edit(
            &mut graph,
            Edit::SetText {
                node: "body".into(),
                text: "请问您对这次服务满意吗？".into(),
            },
        );
        let (number, writes) =
            publish(&script, &[], &graph, Some(Some(stamp(1_000)))).expect("publishes");
        assert_eq!(number, 2);
        assert_eq!(writes.len(), 2);
        match &writes[0].op {
            Op::AppendEvent {
                scope: s,
                fields: f,
            } => {
                assert_eq!(writes[0].kind, RecordKind::ScriptVersion);
                assert_eq!(writes[0].record, None);
                assert_eq!(s, &scope());
                assert_eq!(f[fields::VERSION], json!(2));
                assert_eq!(f[fields::SCRIPT], json!(script.id.to_string()));
                assert_eq!(f[fields::PURPOSE], json!("post_service"));
                assert_eq!(f[fields::LANG], json!("zh-CN"));
                let published: Graph =
                    serde_json::from_value(f[fields::GRAPH].clone()).expect("a graph");
                assert_eq!(published, graph);
            }
            other => panic!("not an event: {other:?}"),
        }
        match &writes[1].op {
            Op::SetFields { writes: w } => {
                assert_eq!(writes[1].record, Some(script.id));
                assert_eq!(w[0].field, fields::PUBLISHED);
                assert_eq!(w[0].value, json!(2));
                assert_eq!(w[0].base, Some(stamp(1_000)));
                assert_eq!(w[1].field, fields::DRAFT);
            }
            other => panic!("not set_fields: {other:?}"),
        }
        // With the draft already saved, only the number moves.
        let (_, writes) = publish(&script, &[], &graph, None).expect("publishes");
        assert!(matches!(&writes[1].op, Op::SetFields { writes } if writes.len() == 1));
    }

    #[test]
    fn a_graph_with_problems_is_not_published() {
        let script =
            Script::from_record(&script_record(1, "post_service", "zh-CN", 1)).expect("a script");
        let mut graph = post_service();
        edit(&mut graph, Edit::DeleteNode("suggestion".into()));
        let err = publish(&script, &[], &graph, None).expect_err("refused");
        assert_eq!(
            err,
            PublishError::Problems(vec![Problem::UnknownNext {
                from: "suggest".into(),
                to: "suggestion".into()
            }])
        );
    }

    #[test]
    fn saving_sends_the_stamp_the_editor_began_from() {
        let script =
            Script::from_record(&script_record(1, "post_service", "zh-CN", 1)).expect("a script");
        let w = save_draft(&script, &post_service(), Some(stamp(5))).expect("a write");
        match w.op {
            Op::SetFields { writes } => {
                assert_eq!(writes[0].field, fields::DRAFT);
                assert_eq!(writes[0].base, Some(stamp(5)));
                let g: Graph = serde_json::from_value(writes[0].value.clone()).expect("graph");
                assert_eq!(g, post_service());
            }
            other => panic!("not set_fields: {other:?}"),
        }
    }

    #[test]
    fn deleting_a_node_leaves_its_arrows_for_validation_and_repointing_fixes_it() {
        let mut graph = post_service();
        edit(&mut graph, Edit::DeleteNode("suggestion".into()));
        let problems = validate(&graph);
        assert_eq!(problems.len(), 1);
        assert_eq!(problem_node(&problems[0]), Some(&"suggest".to_owned()));
        edit(
            &mut graph,
            Edit::SetAnswer {
                node: "suggest".into(),
                index: 1,
                part: AnswerPart::Next("close_ok".into()),
            },
        );
        assert_eq!(validate(&graph), []);
    }

    #[test]
    fn renaming_moves_every_arrow_and_the_start() {
        let mut graph = post_service();
        edit(
            &mut graph,
            Edit::RenameNode {
                from: "opening".into(),
                to: "greeting".into(),
            },
        );
        edit(
            &mut graph,
            Edit::RenameNode {
                from: "improve".into(),
                to: " ask_why ".into(),
            },
        );
        assert_eq!(graph.start, "greeting");
        assert!(graph.nodes.contains_key("ask_why") && !graph.nodes.contains_key("improve"));
        assert_eq!(validate(&graph), []);
        let before = graph.clone();
        assert_eq!(
            apply(
                &mut graph,
                Edit::RenameNode {
                    from: "body".into(),
                    to: "close_ok".into()
                }
            ),
            Err(EditError::IdTaken("close_ok".into()))
        );
        assert_eq!(
            apply(
                &mut graph,
                Edit::RenameNode {
                    from: "body".into(),
                    to: "a b".into()
                }
            ),
            Err(EditError::IdInvalid(' '))
        );
        assert_eq!(
            apply(
                &mut graph,
                Edit::RenameNode {
                    from: "body".into(),
                    to: "  ".into()
                }
            ),
            Err(EditError::IdEmpty)
        );
        assert_eq!(graph, before, "a refused edit changes nothing");
    }

    #[test]
    fn a_new_node_is_blank_and_says_what_it_needs() {
        let mut graph = post_service();
        let id = new_node_id(&graph, NodeType::Question);
        assert_eq!(id, "question_1");
        edit(
            &mut graph,
            Edit::AddNode {
                id: id.clone(),
                kind: NodeType::Question,
            },
        );
        assert_eq!(new_node_id(&graph, NodeType::Question), "question_2");
        let mine: Vec<Problem> = validate(&graph)
            .into_iter()
            .filter(|p| problem_node(p) == Some(&id))
            .collect();
        assert!(mine.contains(&Problem::EmptyText(id.clone())), "{mine:?}");
        assert!(mine.contains(&Problem::Unreachable(id.clone())), "{mine:?}");
        assert!(
            mine.contains(&Problem::UnknownNext {
                from: id.clone(),
                to: String::new()
            }),
            "{mine:?}"
        );
        assert_eq!(
            apply(
                &mut graph,
                Edit::AddNode {
                    id,
                    kind: NodeType::End
                }
            ),
            Err(EditError::IdTaken("question_1".into()))
        );
    }

    #[test]
    fn items_are_added_set_and_removed_on_the_right_kind_of_node() {
        let mut graph = post_service();
        edit(
            &mut graph,
            Edit::AddItem {
                node: "body".into(),
            },
        );
        edit(
            &mut graph,
            Edit::SetAnswer {
                node: "body".into(),
                index: 3,
                part: AnswerPart::Label("非常不满意".into()),
            },
        );
        edit(
            &mut graph,
            Edit::SetAnswer {
                node: "body".into(),
                index: 3,
                part: AnswerPart::Tag(Some(Tag::Unsatisfied)),
            },
        );
        edit(
            &mut graph,
            Edit::SetAnswer {
                node: "body".into(),
                index: 3,
                part: AnswerPart::Next("improve".into()),
            },
        );
        assert_eq!(validate(&graph), []);
        edit(
            &mut graph,
            Edit::RemoveItem {
                node: "body".into(),
                index: 0,
            },
        );
        let Some(Node::Question { answers, .. }) = graph.nodes.get("body") else {
            panic!("body is a question");
        };
        assert_eq!(answers.len(), 3);
        assert_eq!(answers[2].label, "非常不满意");
        // The satisfied branch is gone: its nodes are now unreachable.
        assert!(validate(&graph).contains(&Problem::Unreachable("suggest".into())));

        assert_eq!(
            apply(
                &mut graph,
                Edit::RemoveItem {
                    node: "body".into(),
                    index: 9
                }
            ),
            Err(EditError::NoItem {
                node: "body".into(),
                index: 9
            })
        );
        assert_eq!(
            apply(
                &mut graph,
                Edit::SetOutcome {
                    node: "body".into(),
                    outcome: EndOutcome::Refused
                }
            ),
            Err(EditError::WrongType {
                node: "body".into()
            })
        );
        edit(
            &mut graph,
            Edit::SetField {
                node: "improve".into(),
                index: 0,
                part: FieldPart::Kind(None),
            },
        );
        assert!(validate(&graph).contains(&Problem::UntypedField {
            node: "improve".into(),
            field: "issue".into()
        }));
    }

    #[test]
    fn changing_a_type_keeps_the_text_and_the_way_on() {
        let mut graph = post_service();
        edit(
            &mut graph,
            Edit::SetType {
                node: "suggestion".into(),
                kind: NodeType::Question,
            },
        );
        match graph.nodes.get("suggestion") {
            Some(Node::Question { text, answers }) => {
                assert_eq!(text, "请您说一说，我记录下来转给相关部门。");
                assert_eq!(answers.len(), 1);
                assert_eq!(answers[0].next, "close_ok");
            }
            other => panic!("not a question: {other:?}"),
        }
        edit(
            &mut graph,
            Edit::SetType {
                node: "suggestion".into(),
                kind: NodeType::Decision,
            },
        );
        assert!(matches!(
            graph.nodes.get("suggestion"),
            Some(Node::Decision { otherwise, .. }) if otherwise == "close_ok"
        ));
    }

    #[test]
    fn reminders_are_one_per_line() {
        let mut graph = post_service();
        edit(
            &mut graph,
            Edit::SetReminders(" 微笑 \n\n语速放慢\n".into()),
        );
        assert_eq!(graph.reminders, ["微笑", "语速放慢"]);
    }

    #[test]
    fn cards_follow_the_call_and_keep_their_places() {
        let graph = post_service();
        let order = flow_order(&graph);
        assert_eq!(&order[..3], ["opening", "convenient", "end_wrong"]);
        assert_eq!(order.len(), graph.nodes.len());
        let mut g = graph.clone();
        edit(&mut g, Edit::DeleteNode("convenient".into()));
        edit(
            &mut g,
            Edit::AddNode {
                id: "aaa".into(),
                kind: NodeType::End,
            },
        );
        let kept = reconcile_order(&order, &g);
        assert_eq!(&kept[..2], ["opening", "end_wrong"]);
        assert_eq!(kept.last().map(String::as_str), Some("aaa"));
        assert_eq!(kept.len(), g.nodes.len());
    }

    #[test]
    fn the_diff_names_the_changed_added_and_removed_nodes() {
        let old = post_service();
        let mut new = old.clone();
        edit(
            &mut new,
            Edit::SetText {
                node: "body".into(),
                text: "请问您对这次保养满意吗？".into(),
            },
        );
        edit(&mut new, Edit::DeleteNode("suggestion".into()));
        edit(
            &mut new,
            Edit::SetAnswer {
                node: "suggest".into(),
                index: 1,
                part: AnswerPart::Next("close_ok".into()),
            },
        );
        edit(
            &mut new,
            Edit::AddNode {
                id: "thanks".into(),
                kind: NodeType::End,
            },
        );
        edit(
            &mut new,
            Edit::SetOutcome {
                node: "end_moved".into(),
                outcome: EndOutcome::Completed,
            },
        );
        let d = diff(&old, &new);
        assert_eq!(d.start, None);
        assert_eq!(d.reminders, None);
        let by_id: BTreeMap<&str, &NodeChange> =
            d.nodes.iter().map(|n| (n.id.as_str(), &n.change)).collect();
        assert_eq!(by_id.len(), 5, "{by_id:?}");
        assert_eq!(
            by_id["body"],
            &NodeChange::Changed(vec![Change::Text {
                old: old.nodes["body"]
                    .texts()
                    .first()
                    .map(|t| (*t).to_owned())
                    .unwrap_or_default(),
                new: "请问您对这次保养满意吗？".into()
            }])
        );
        match by_id["suggest"] {
            NodeChange::Changed(c) => assert!(matches!(
                &c[..],
                [Change::AnswerChanged { index: 1, old, new }]
                    if old.next == "suggestion" && new.next == "close_ok"
            )),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            by_id["suggestion"],
            NodeChange::Removed(Node::Capture { .. })
        ));
        assert!(matches!(
            by_id["thanks"],
            NodeChange::Added(Node::End { .. })
        ));
        assert_eq!(
            by_id["end_moved"],
            &NodeChange::Changed(vec![Change::Outcome {
                old: EndOutcome::Rescheduled,
                new: EndOutcome::Completed
            }])
        );
        assert_eq!(
            d.nodes.last().map(|n| n.id.as_str()),
            Some("suggestion"),
            "removed nodes come last"
        );
        assert!(diff(&old, &old).is_empty());
    }

    #[test]
    fn the_diff_sees_answers_added_removed_and_the_start_moved() {
        let old = post_service();
        let mut new = old.clone();
        edit(
            &mut new,
            Edit::AddItem {
                node: "opening".into(),
            },
        );
        edit(
            &mut new,
            Edit::RemoveItem {
                node: "suggest".into(),
                index: 1,
            },
        );
        edit(&mut new, Edit::SetStart("convenient".into()));
        let d = diff(&old, &new);
        assert_eq!(d.start, Some(("opening".into(), "convenient".into())));
        let changes: Vec<&Change> = d
            .nodes
            .iter()
            .flat_map(|n| match &n.change {
                NodeChange::Changed(c) => c.iter().collect(),
                _ => Vec::new(),
            })
            .collect();
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, Change::AnswerAdded(a) if a.label.is_empty()))
        );
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, Change::AnswerRemoved(a) if a.next == "suggestion"))
        );
    }

    #[test]
    fn enum_names_round_trip_for_the_selects() {
        for t in TAGS {
            assert_eq!(parse_name::<Tag>(&name_of(&t)), Some(t));
        }
        for c in COMPARES {
            assert_eq!(parse_name::<Compare>(&name_of(&c)), Some(c));
        }
        for a in ACTIONS {
            assert_eq!(parse_name::<Action>(&name_of(&a)), Some(a));
        }
        for o in OUTCOMES {
            assert_eq!(parse_name::<EndOutcome>(&name_of(&o)), Some(o));
        }
        assert_eq!(name_of(&Tag::NotConvenient), "not_convenient");
        assert_eq!(parse_name::<Tag>("nonsense"), None);
        for k in KindName::ALL {
            assert_eq!(KindName::parse(k.as_str()), Some(k));
            assert_eq!(KindName::of(&k.to_kind(None)), k);
        }
        let choice = FieldKind::Choice(vec!["A".into()]);
        assert_eq!(KindName::Choice.to_kind(Some(&choice)), choice);
        assert_eq!(
            parse_choices("上午, 下午，晚上、 ;"),
            ["上午", "下午", "晚上"]
        );
    }

    #[test]
    fn the_sample_customer_fills_every_placeholder() {
        let values = sample_values("zh-CN", "王丽", "华锦丰田4S店", "2026-05-01");
        for p in huifang_core::scripts::graph::PLACEHOLDERS {
            assert!(values.contains_key(p), "{p}");
        }
        assert_eq!(values["customer.name"], "王建国");
        assert_eq!(values["agent.name"], "王丽");
        let text = huifang_core::scripts::runner::fill(
            post_service().nodes["opening"].texts()[0],
            &values,
        );
        assert!(!text.contains('{'), "{text}");
        assert!(text.contains("王建国先生"), "{text}");
    }
}
