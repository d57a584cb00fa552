use super::defaults::{LANGS, default_script};
use super::graph::{
    Action, Answer, Branch, Compare, EndOutcome, Field, FieldKind, Graph, Node, Problem, Tag,
    validate,
};
use super::runner::{Run, RunError, fill};
use crate::care::rules::Purpose;
use std::collections::BTreeMap;

fn q(text: &str, answers: &[(&str, Option<Tag>, &str)]) -> Node {
    Node::Question {
        text: text.into(),
        answers: answers
            .iter()
            .map(|(l, t, n)| Answer {
                label: (*l).into(),
                tag: *t,
                next: (*n).into(),
            })
            .collect(),
    }
}

fn end(outcome: EndOutcome) -> Node {
    Node::End {
        text: "再见".into(),
        outcome,
    }
}

fn graph(nodes: Vec<(&str, Node)>) -> Graph {
    Graph {
        start: "a".into(),
        nodes: nodes.into_iter().map(|(k, n)| (k.to_owned(), n)).collect(),
        reminders: Vec::new(),
    }
}

#[test]
fn every_default_script_is_publishable() {
    for purpose in Purpose::ALL {
        for lang in LANGS {
            let g = default_script(purpose, lang);
            assert_eq!(validate(&g), vec![], "{purpose:?} {lang}");
            assert_eq!(g.reminders.len(), 5);
        }
    }
}

#[test]
fn publishing_names_each_problem_in_place() {
    let g = graph(vec![
        (
            "a",
            q(
                "你好 {customer.name}",
                &[("是", None, "b"), ("否", None, "nowhere")],
            ),
        ),
        ("b", q("{no.such} {unclosed", &[("x", None, "a")])),
        ("lost", end(EndOutcome::Completed)),
        ("empty", q("", &[])),
        (
            "c",
            Node::Capture {
                text: "记一下".into(),
                fields: vec![Field {
                    key: "k".into(),
                    label: "k".into(),
                    kind: None,
                }],
                next: "lost".into(),
            },
        ),
    ]);
    let problems = validate(&g);
    for want in [
        Problem::UnknownNext {
            from: "a".into(),
            to: "nowhere".into(),
        },
        Problem::Cycle("a".into()),
        Problem::Unreachable("lost".into()),
        Problem::Unreachable("empty".into()),
        Problem::NoAnswers("empty".into()),
        Problem::EmptyText("empty".into()),
        Problem::UnclosedBrace("b".into()),
        Problem::UntypedField {
            node: "c".into(),
            field: "k".into(),
        },
    ] {
        assert!(problems.contains(&want), "missing {want:?} in {problems:?}");
    }
    let g = graph(vec![
        ("a", q("{no.such}", &[("x", None, "e")])),
        ("e", end(EndOutcome::Completed)),
    ]);
    assert_eq!(
        validate(&g),
        vec![Problem::UnknownPlaceholder {
            node: "a".into(),
            name: "no.such".into()
        }]
    );
}

#[test]
fn a_decision_must_read_a_value_captured_on_every_way_to_it() {
    let capture = |next: &str| Node::Capture {
        text: "里程".into(),
        fields: vec![Field {
            key: "km".into(),
            label: "里程".into(),
            kind: Some(FieldKind::Number),
        }],
        next: next.into(),
    };
    let decision = Node::Decision {
        field: "km".into(),
        branches: vec![Branch {
            compare: Compare::AtLeast,
            value: "5000".into(),
            next: "due".into(),
        }],
        otherwise: "fine".into(),
    };
    let mut g = graph(vec![
        ("a", q("开始", &[("量", None, "c"), ("跳过", None, "d")])),
        ("c", capture("d")),
        ("d", decision),
        ("due", end(EndOutcome::Completed)),
        ("fine", end(EndOutcome::Completed)),
    ]);
    assert_eq!(
        validate(&g),
        vec![Problem::UncapturedField {
            node: "d".into(),
            field: "km".into()
        }]
    );
    g.nodes.insert("a".into(), q("开始", &[("量", None, "c")]));
    assert_eq!(validate(&g), vec![]);
    // The run takes the decision by itself.
    let mut run = Run::start(&g, "s", 1, 0).expect("starts");
    run.answer(&g, 0, 1).expect("answers");
    let values: BTreeMap<String, String> = [("km".to_owned(), "12000".to_owned())].into();
    run.capture(&g, &values, 2).expect("captures");
    assert_eq!(run.at, "due");
    assert!(run.back(&g), "back over the decision to the capture");
    assert_eq!(run.at, "c");
    let low: BTreeMap<String, String> = [("km".to_owned(), "800".to_owned())].into();
    run.capture(&g, &low, 3).expect("captures");
    assert_eq!(run.at, "fine");
    let bad: BTreeMap<String, String> = [("km".to_owned(), "很多".to_owned())].into();
    run.back(&g);
    assert!(matches!(
        run.capture(&g, &bad, 4),
        Err(RunError::BadValue { .. })
    ));
}

fn walk_to_end(g: &Graph, choices: &[usize]) -> Run {
    let mut run = Run::start(g, "script-1", 1, 0).expect("starts");
    for (i, c) in choices.iter().enumerate() {
        match g.nodes.get(&run.at) {
            Some(Node::Question { .. }) => run.answer(g, *c, i as i64).expect("answers"),
            other => panic!("expected a question at {}: {other:?}", run.at),
        }
    }
    run
}

#[test]
fn the_unsatisfied_path_is_recorded_and_is_a_complaint_lead() {
    let g = default_script(Purpose::PostService, "zh-CN");
    // 是本人 → 方便 → 不满意.
    let mut run = walk_to_end(&g, &[0, 0, 2]);
    assert_eq!(run.at, "improve");
    let issue: BTreeMap<String, String> = [("issue".to_owned(), "等待时间太长".to_owned())].into();
    run.capture(&g, &issue, 9).expect("captures");
    assert_eq!(run.ended(&g), Some(EndOutcome::Completed));
    let nodes: Vec<&str> = run.path.iter().map(|s| s.node.as_str()).collect();
    assert_eq!(nodes, ["opening", "convenient", "body", "improve"]);
    assert_eq!(run.path[2].tag, Some(Tag::Unsatisfied));
    assert_eq!(run.path[2].answer.as_deref(), Some("不满意"));
    let leads = run.complaint_leads(&g);
    assert_eq!(leads.len(), 1);
    assert!(leads[0].0.contains("满意吗"));
    assert_eq!(run.values["issue"], "等待时间太长");
    assert!(matches!(run.answer(&g, 0, 10), Err(RunError::Ended)));
}

#[test]
fn not_convenient_captures_the_time_and_reschedules() {
    let g = default_script(Purpose::InsuranceRenewal, "en");
    let mut run = walk_to_end(&g, &[0, 1]);
    assert_eq!(run.at, "agree_time");
    let when: BTreeMap<String, String> =
        [("agreed_at".to_owned(), "2026-12-01T15:30".to_owned())].into();
    run.capture(&g, &when, 5).expect("captures");
    assert_eq!(run.confirm(&g, 6), Ok(Action::Reschedule));
    assert_eq!(run.ended(&g), Some(EndOutcome::Rescheduled));
    assert!(run.back(&g));
    assert_eq!(run.at, "reschedule");
}

#[test]
fn placeholders_are_filled_and_unknown_ones_stay_visible() {
    let values: BTreeMap<String, String> = [
        ("customer.name".to_owned(), "王建国".to_owned()),
        ("customer.title".to_owned(), "先生".to_owned()),
    ]
    .into();
    assert_eq!(
        fill(
            "请问是{customer.name}{customer.title}吗？{store.name}",
            &values
        ),
        "请问是王建国先生吗？{store.name}"
    );
    assert_eq!(
        fill("未闭合 {customer.name", &values),
        "未闭合 {customer.name"
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// A random graph over ids n0..n(k-1), some arrows pointing nowhere.
    fn random_graph() -> impl Strategy<Value = Graph> {
        (2usize..8).prop_flat_map(|k| {
            proptest::collection::vec((0u8..4, proptest::collection::vec(0usize..k + 1, 0..3)), k)
                .prop_map(move |specs| {
                    let id = |i: usize| format!("n{i}");
                    let mut nodes = BTreeMap::new();
                    for (i, (kind, nexts)) in specs.into_iter().enumerate() {
                        let node = match (kind, nexts.first()) {
                            (0, _) | (_, None) => end(EndOutcome::Completed),
                            (1, Some(n)) => Node::Action {
                                text: "做".into(),
                                action: Action::OpenComplaint,
                                next: id(*n),
                            },
                            _ => Node::Question {
                                text: "问".into(),
                                answers: nexts
                                    .iter()
                                    .map(|n| Answer {
                                        label: "答".into(),
                                        tag: None,
                                        next: id(*n),
                                    })
                                    .collect(),
                            },
                        };
                        nodes.insert(id(i), node);
                    }
                    Graph {
                        start: "n0".into(),
                        nodes,
                        reminders: Vec::new(),
                    }
                })
        })
    }

    /// Every path from the start, up to `limit` steps: Some(true) if all end at an End,
    /// Some(false) if one dead-ends or loops.
    fn all_paths_end(g: &Graph, at: &str, depth: usize) -> bool {
        if depth > g.nodes.len() {
            return false; // longer than the graph: it loops
        }
        match g.nodes.get(at) {
            None => false,
            Some(Node::End { .. }) => true,
            Some(n) => {
                let nexts = n.nexts();
                !nexts.is_empty() && nexts.iter().all(|x| all_paths_end(g, x, depth + 1))
            }
        }
    }

    /// A publishable graph: arrows only point forward, and each node leads to the next one
    /// among others, so all are reachable and every path ends at the last node or an end.
    fn valid_graph() -> impl Strategy<Value = Graph> {
        (2usize..8).prop_flat_map(|k| {
            proptest::collection::vec(
                (any::<bool>(), proptest::collection::vec(0usize..64, 0..3)),
                k,
            )
            .prop_map(move |specs| {
                let id = |i: usize| format!("n{i}");
                let mut nodes = BTreeMap::new();
                for (i, (is_action, extra)) in specs.into_iter().enumerate() {
                    if i + 1 == k {
                        nodes.insert(id(i), end(EndOutcome::Completed));
                        continue;
                    }
                    let node = if is_action {
                        Node::Action {
                            text: "做".into(),
                            action: Action::Reschedule,
                            next: id(i + 1),
                        }
                    } else {
                        let forward = extra.into_iter().map(|e| i + 1 + e % (k - i - 1));
                        Node::Question {
                            text: "问".into(),
                            answers: std::iter::once(i + 1)
                                .chain(forward)
                                .map(|n| Answer {
                                    label: "答".into(),
                                    tag: None,
                                    next: id(n),
                                })
                                .collect(),
                        }
                    };
                    nodes.insert(id(i), node);
                }
                Graph {
                    start: "n0".into(),
                    nodes,
                    reminders: Vec::new(),
                }
            })
        })
    }

    fn reachable(g: &Graph) -> std::collections::BTreeSet<String> {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = vec![g.start.clone()];
        while let Some(id) = todo.pop() {
            if g.nodes.contains_key(&id) && seen.insert(id.clone()) {
                todo.extend(g.nodes[&id].nexts().into_iter().cloned());
            }
        }
        seen
    }

    proptest! {
        /// Publishable exactly when every path reaches an end and every node is reachable.
        #[test]
        fn validation_agrees_with_walking_every_path(g in random_graph()) {
            let ok = validate(&g).is_empty();
            let expected = all_paths_end(&g, &g.start, 0) && reachable(&g).len() == g.nodes.len();
            prop_assert_eq!(ok, expected, "{:?}\n{:?}", validate(&g), g);
        }

        /// On a publishable graph, answering anything always ends within as many steps as
        /// there are nodes.
        #[test]
        fn a_run_of_a_valid_graph_always_ends(g in valid_graph(), picks in proptest::collection::vec(0usize..3, 8)) {
            prop_assert_eq!(validate(&g), vec![]);
            let mut run = Run::start(&g, "s", 1, 0).expect("starts");
            for (i, p) in picks.iter().enumerate() {
                match g.nodes.get(&run.at) {
                    Some(Node::Question { answers, .. }) => {
                        run.answer(&g, p % answers.len(), i as i64).expect("answers");
                    }
                    Some(Node::Action { .. }) => {
                        run.confirm(&g, i as i64).expect("confirms");
                    }
                    _ => break,
                }
            }
            prop_assert!(run.ended(&g).is_some(), "{:?}", run);
            prop_assert!(run.path.len() <= g.nodes.len());
        }
    }
}
