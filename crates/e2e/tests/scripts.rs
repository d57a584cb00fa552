//! The supervisors' script editor, end to end: the supervisor opens the post-service zh-CN
//! script, rewords a question, breaks the graph (an answer to a deleted node) and sees the
//! problem on that node's card with Publish disabled, repoints the answer, previews the
//! draft with the sample customer, publishes — version 2 is listed and the server holds a
//! second `script_version` — and compares v1 with v2 node by node.

use huifang_core::scripts::graph::{Graph, Node};
use huifang_core::sync::{Record, RecordKind};
use huifang_e2e::browser::js;
use huifang_e2e::{ApiClient, Tablet, TestApp, TestBrowser};

const BODY: &str = "感谢您{visit.date}到店做{visit.items}。请问您对这次服务还满意吗？";

/// The card of node `id`, as a CSS selector (with `inner` inside it).
fn card(id: &str, inner: &str) -> String {
    format!("[data-testid=node-card][data-node={id}] {inner}")
        .trim_end()
        .to_owned()
}

/// Chooses `value` in the select matching `selector`, as a person would (a `change` event).
async fn choose(desk: &Tablet, selector: &str, value: &str) {
    desk.wait_until(
        &format!("!!document.querySelector({})", js(selector)),
        selector,
    )
    .await
    .expect("the select");
    desk.eval::<bool>(&format!(
        "(() => {{ const s = document.querySelector({}); s.value = {}; \
           s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value === {}; }})()",
        js(selector),
        js(value),
        js(value)
    ))
    .await
    .expect("chosen");
}

/// Clicks the element matching `selector` with the pointer, brought to the middle of the
/// screen first: the editor's Save / Publish bar stays at the bottom of the screen and the
/// app's top bar at the top, and a click must not land on either.
async fn press(desk: &Tablet, selector: &str) {
    desk.wait_until(
        &format!("!!document.querySelector({})", js(selector)),
        selector,
    )
    .await
    .expect("the element");
    desk.eval::<bool>(&format!(
        "(() => {{ document.querySelector({}).scrollIntoView({{block: 'center'}}); return true; }})()",
        js(selector)
    ))
    .await
    .expect("scrolled");
    desk.click(selector).await.expect("clicked");
}

async fn publish_disabled(desk: &Tablet) -> bool {
    desk.eval("document.querySelector('[data-testid=publish]').disabled")
        .await
        .expect("the publish button")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_supervisor_edits_validates_and_publishes() {
    let app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium");
    let desk = browser.open(&app.url()).await.expect("supervisor's screen");
    desk.wait_for_text("登录").await.expect("sign-in page");
    desk.sign_in("supervisor", "demo").await.expect("sign in");
    desk.wait_sync("s.runs > 0 && s.pending === 0", "the first sync")
        .await
        .expect("first sync");

    // The list: every purpose in both languages, each published as version 1.
    desk.navigate("/scripts").await.expect("scripts page");
    let row = "[data-testid=script-row][data-purpose=post_service][data-lang=zh-CN]";
    desk.wait_until(
        &format!("!!document.querySelector({})", js(row)),
        "the post-service zh-CN script",
    )
    .await
    .expect("the list");
    let rows: usize = desk
        .eval("document.querySelectorAll('[data-testid=script-row]').length")
        .await
        .expect("rows");
    assert_eq!(
        rows,
        huifang_core::care::rules::Purpose::ALL.len() * 2,
        "every purpose in two languages"
    );
    assert_eq!(
        desk.text_of(&format!("{row} [data-testid=script-published]"))
            .await
            .expect("its version"),
        "v1"
    );
    assert!(
        desk.text_of(row)
            .await
            .expect("row")
            .contains("维修保养后回访"),
        "the purpose by its name"
    );
    press(&desk, &format!("{row} [data-testid=script-edit]")).await;
    desk.wait_until(
        &format!(
            "!!document.querySelector({})",
            js(&card("body", "textarea"))
        ),
        "the body question's card",
    )
    .await
    .expect("the editor");
    assert_eq!(
        desk.eval::<String>(
            "document.querySelector('[data-testid=problems-summary]').dataset.count"
        )
        .await
        .expect("count"),
        "0",
        "the default script passes"
    );
    assert!(
        publish_disabled(&desk).await,
        "nothing to publish while the draft is version 1"
    );

    // Reword the body question.
    desk.set_value(&card("body", "[data-testid=node-text]"), BODY)
        .await
        .expect("new text");
    desk.wait_until(
        "!!document.querySelector('[data-testid=unsaved]')",
        "the draft marked unsaved",
    )
    .await
    .expect("unsaved");

    // Break it: delete the node the "has a suggestion" answer leads to.
    press(&desk, &card("suggestion", "[data-testid=node-delete]")).await;
    desk.wait_until(
        &format!(
            "document.querySelector({})?.innerText.includes('指向不存在的节点')",
            js(&card("suggest", "[data-testid=node-problems]"))
        ),
        "the broken arrow shown on the suggest card",
    )
    .await
    .expect("the problem in place");
    assert!(
        desk.text_of(&card("suggest", "[data-testid=node-problems]"))
            .await
            .expect("problems")
            .contains("suggestion"),
        "the problem names the missing node"
    );
    assert!(
        publish_disabled(&desk).await,
        "no publishing with a problem"
    );
    assert_eq!(
        desk.eval::<String>(
            "document.querySelector('[data-testid=problems-summary]').dataset.count"
        )
        .await
        .expect("count"),
        "1"
    );

    // Fix it: the answer now leads to the satisfied closing.
    choose(
        &desk,
        &card(
            "suggest",
            "[data-testid=answer-row][data-index='1'] [data-testid=answer-next]",
        ),
        "close_ok",
    )
    .await;
    desk.wait_until(
        "document.querySelector('[data-testid=problems-summary]')?.dataset.count === '0' && \
         !document.querySelector('[data-testid=publish]').disabled",
        "no problems left and Publish enabled",
    )
    .await
    .expect("fixed");

    // Preview the draft with the sample customer: the opening names him and the supervisor.
    press(&desk, "[data-testid=preview-start]").await;
    let opening = desk
        .text_of("[data-testid=preview-text]")
        .await
        .expect("opening");
    assert!(
        opening.contains("王建国先生") && !opening.contains('{'),
        "placeholders filled: {opening}"
    );
    // The first answer each time: "it is him", then "now is fine".
    press(&desk, "[data-testid=preview-answer]").await;
    desk.wait_until(
        "document.querySelector('[data-testid=preview-at]')?.innerText === 'convenient'",
        "the second question",
    )
    .await
    .expect("moved on");
    press(&desk, "[data-testid=preview-answer]").await;
    desk.wait_until(
        "document.querySelector('[data-testid=preview-text]')?.innerText.includes('还满意吗')",
        "the reworded body question",
    )
    .await
    .expect("the draft's text in the preview");

    // Publish: version 2, listed at once (a local write) and on the server after the sync.
    press(&desk, "[data-testid=publish]").await;
    desk.wait_until(
        "[...document.querySelectorAll('[data-testid=version-row]')].map(r => r.dataset.version).join() === '2,1'",
        "versions 2 and 1, newest first",
    )
    .await
    .expect("version 2 listed");
    assert!(
        desk.text_of("[data-testid=status]")
            .await
            .expect("status")
            .contains("v2")
    );
    assert_eq!(
        desk.text_of("[data-testid=published-version]")
            .await
            .expect("published"),
        "v2"
    );
    assert!(
        publish_disabled(&desk).await,
        "version 2 is the draft: nothing more to publish"
    );
    desk.wait_sync("s.pending === 0 && s.runs > 1", "the publish pushed")
        .await
        .expect("synced");
    let api = ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("API sign-in");
    let scripts = api
        .records_of(RecordKind::CallScript)
        .await
        .expect("scripts");
    let script = scripts
        .iter()
        .filter_map(Record::as_entity)
        .find(|e| {
            e.value("purpose").and_then(|v| v.as_str()) == Some("post_service")
                && e.value("lang").and_then(|v| v.as_str()) == Some("zh-CN")
        })
        .expect("the post-service zh-CN script on the server");
    assert_eq!(script.value("published").and_then(|v| v.as_u64()), Some(2));
    let versions: Vec<(u64, Graph)> = api
        .records_of(RecordKind::ScriptVersion)
        .await
        .expect("versions")
        .into_iter()
        .filter_map(|r| match r {
            Record::Event(e)
                if e.fields.get("script").and_then(|v| v.as_str())
                    == Some(script.id.to_string().as_str()) =>
            {
                let n = e.fields.get("version").and_then(|v| v.as_u64())?;
                let g = serde_json::from_value(e.fields.get("graph")?.clone()).ok()?;
                Some((n, g))
            }
            _ => None,
        })
        .collect();
    assert_eq!(versions.len(), 2, "a second script_version event");
    let (_, v2) = versions
        .iter()
        .find(|(n, _)| *n == 2)
        .expect("version 2 on the server");
    assert!(matches!(v2.nodes.get("body"), Some(Node::Question { text, .. }) if text == BODY));
    assert!(!v2.nodes.contains_key("suggestion"));

    // Compare v1 with v2 (the default pair once there are two): the reworded question, the
    // repointed answer, the deleted node.
    desk.wait_until(
        "!!document.querySelector('[data-testid=diff-node][data-node=body][data-change=changed]')",
        "the body question in the comparison",
    )
    .await
    .expect("the diff");
    let body = desk
        .text_of("[data-testid=diff-node][data-node=body]")
        .await
        .expect("body diff");
    assert!(body.contains("还满意吗"), "the new text: {body}");
    let changes: Vec<String> = desk
        .eval(
            "[...document.querySelectorAll('[data-testid=diff-node]')]\
               .map(n => n.dataset.node + ':' + n.dataset.change)",
        )
        .await
        .expect("changes");
    assert_eq!(
        changes,
        ["body:changed", "suggest:changed", "suggestion:removed"]
    );
    desk.readme_screenshot("scripts-editor.png")
        .await
        .expect("screenshot");
}

/// The rest of the editor: the preview walks every kind of step (a capture refusing an empty
/// value, an action confirmed, the end and a step back) on the English maintenance-reminder
/// script; a new node says what it still needs on its card; a rename to a taken id is refused
/// in place; a node changes type; and the editor speaks English when the supervisor does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_editor_previews_every_step_and_edits_nodes() {
    let app = TestApp::start().await.expect("server starts");
    let browser = TestBrowser::launch().await.expect("Chromium");
    let desk = browser.open(&app.url()).await.expect("supervisor's screen");
    desk.wait_for_text("登录").await.expect("sign-in page");
    desk.sign_in("supervisor", "demo").await.expect("sign in");
    desk.wait_sync("s.runs > 0 && s.pending === 0", "the first sync")
        .await
        .expect("first sync");
    desk.navigate("/scripts").await.expect("scripts page");
    let row = "[data-testid=script-row][data-purpose=maintenance_reminder][data-lang=en]";
    press(&desk, &format!("{row} [data-testid=script-edit]")).await;
    let at = |node: &str| {
        format!("document.querySelector('[data-testid=preview-at]')?.innerText === '{node}'")
    };

    // Preview: "yes, speaking", "not now", the agreed time, the reschedule, the end.
    press(&desk, "[data-testid=preview-start]").await;
    let opening = desk
        .text_of("[data-testid=preview-text]")
        .await
        .expect("opening");
    assert!(
        opening.contains("Mr Wang Jianguo") && opening.contains("陈静"),
        "English sample customer, the supervisor as the agent: {opening}"
    );
    press(&desk, "[data-testid=preview-answer]").await;
    desk.wait_until(&at("convenient"), "the second question")
        .await
        .expect("convenient");
    press(&desk, "[data-testid=preview-answer]:nth-child(2)").await;
    desk.wait_until(&at("agree_time"), "the capture")
        .await
        .expect("capture");
    press(&desk, "[data-testid=preview-continue]").await;
    assert!(
        desk.text_of("[data-testid=preview-error]")
            .await
            .expect("refused")
            .contains("Agreed time"),
        "an empty time is refused, naming the field"
    );
    desk.set_value("[data-testid=preview-input]", "2030-01-02T10:30")
        .await
        .expect("a time");
    press(&desk, "[data-testid=preview-continue]").await;
    desk.wait_until(&at("reschedule"), "the action")
        .await
        .expect("action");
    press(&desk, "[data-testid=preview-confirm]").await;
    desk.wait_until(
        "document.querySelector('[data-testid=preview-ended]')?.dataset.outcome === 'rescheduled'",
        "the end, rescheduled",
    )
    .await
    .expect("ended");
    press(&desk, "[data-testid=preview-back]").await;
    desk.wait_until(&at("reschedule"), "one step back")
        .await
        .expect("back");

    // A new node says what it still needs, on its own card.
    press(&desk, "[data-testid=add-node]").await;
    let problems = desk
        .text_of(&card("question_1", "[data-testid=node-problems]"))
        .await
        .expect("the new node's problems");
    for want in ["还没有选择下一步", "从起点无法到达这个节点", "没有话术内容"]
    {
        assert!(problems.contains(want), "{want:?} in {problems:?}");
    }
    assert!(publish_disabled(&desk).await);

    // Renamed; a rename to a taken id is refused on the card and the field shows the id.
    let rename = |from: &str, to: &str| {
        format!(
            "(() => {{ const i = document.querySelector('[data-node={from}] [data-testid=node-id]'); \
               i.value = '{to}'; i.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()"
        )
    };
    desk.eval::<bool>(&rename("question_1", "ask_more"))
        .await
        .expect("rename");
    desk.wait_until(
        "!!document.querySelector('[data-testid=node-card][data-node=ask_more]')",
        "the renamed card",
    )
    .await
    .expect("renamed");
    desk.eval::<bool>(&rename("ask_more", "body"))
        .await
        .expect("rename to a taken id");
    assert!(
        desk.text_of(&card("ask_more", "[data-testid=edit-error]"))
            .await
            .expect("refused")
            .contains("已有同名节点")
    );
    assert_eq!(
        desk.eval::<String>(
            "document.querySelector('[data-node=ask_more] [data-testid=node-id]').value"
        )
        .await
        .expect("the id field"),
        "ask_more"
    );

    // A capture with a choice field, and the editor in English.
    choose(
        &desk,
        &card("ask_more", "[data-testid=node-type]"),
        "capture",
    )
    .await;
    choose(
        &desk,
        &card("ask_more", "[data-testid=field-kind]"),
        "choice",
    )
    .await;
    desk.wait_until(
        &format!(
            "!!document.querySelector({})",
            js(&card("ask_more", "[data-testid=field-choices]"))
        ),
        "the choices field",
    )
    .await
    .expect("choices");
    desk.select("语言", "en").await.expect("English");
    desk.wait_until(
        &format!(
            "document.querySelector({})?.innerText.includes('The next step is not chosen yet')",
            js(&card("ask_more", "[data-testid=node-problems]"))
        ),
        "the problems in English",
    )
    .await
    .expect("English");
}
