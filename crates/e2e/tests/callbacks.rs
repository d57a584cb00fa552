//! The care agent's day, end to end: what the supervisor imports from the DMS becomes
//! callback tasks, shared out to two agents; one of them works through her list offline
//! (attempts, a reschedule, completed records, a booked visit); back online, the
//! supervisor's coverage, compliance and contact figures move by exactly that.

use huifang_core::care::dates::Day;
use huifang_e2e::{Tablet, TestApp, TestBrowser};

async fn signed_in(tablet: &Tablet, user: &str) {
    tablet
        .sign_in_synced(user)
        .await
        .expect("signed in and synced");
}

/// The figure `testid` on the supervisor's team page, as (numerator, denominator).
async fn figure(desk: &Tablet, testid: &str) -> (u32, u32) {
    let read: String = desk
        .eval(&format!(
            "(() => {{ const f = document.querySelector('[data-testid={testid}]'); \
               return f ? f.dataset.num + '/' + f.dataset.den : ''; }})()"
        ))
        .await
        .expect("figure");
    let (num, den) = read.split_once('/').expect("a figure on the page");
    (
        num.parse().expect("a numerator"),
        den.parse().expect("a denominator"),
    )
}

/// Waits until the team page shows `want` for `testid` (the page recomputes after a sync).
async fn wait_figure(desk: &Tablet, testid: &str, want: (u32, u32)) {
    let condition = format!(
        "(() => {{ const f = document.querySelector('[data-testid={testid}]'); \
           return !!f && f.dataset.num === '{}' && f.dataset.den === '{}'; }})()",
        want.0, want.1
    );
    if let Err(e) = desk.wait_until(&condition, testid).await {
        panic!(
            "{testid}: want {want:?}, the page shows {:?} ({e})",
            figure(desk, testid).await
        );
    }
}

/// A GBK export with messy rows: the supervisor sees the preview and the bad row, imports;
/// yesterday's visits become post-service callbacks, shared out to `agent1` (capacity 3)
/// and `agent2` (1). `agent1`, offline, works through her three: no answer then a time
/// agreed for tomorrow; reached with a visit booked; reached and satisfied. Back online, the
/// supervisor's figures move exactly: coverage by the members she completed, three-day
/// compliance 3 of 3, effective contact 2 of 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_agent_works_her_list_offline_and_the_supervisor_sees_it() {
    let app = TestApp::start().await.expect("server starts");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let today = Day::of_ms(now, 8 * 60);
    let (yesterday, earlier) = (today.plus(-1), today.plus(-20));
    let export = format!(
        "客户姓名,手机号码,车牌号,VIN码,进厂日期,委托书号,服务顾问,会员等级\n\
         王建国, 138 0013 8000 ,京a 12345,1M8GDM9AXKP042788,{yesterday},WO-1001,刘强,金卡\n\
         李秀英,+86 139-0013-9000,沪B·D12345,,{yesterday},WO-1002,刘强,银卡\n\
         ,,,,,,,\n\
         赵六,1380013800,京A22222,,{yesterday},WO-1003,陈明,\n\
         张伟,137-0013-7000,粤B55555,,{yesterday},WO-1005,陈明,金卡\n\
         陈静,0755-83211234,粤B66666,,{yesterday},WO-1006,刘强,\n\
         王建国,13800138000,京A33333,11111111111111111,{earlier},WO-1004,陈明,金卡\n"
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&export);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("dms-export.csv");
    std::fs::write(&file, &gbk).expect("the export file");

    let browser = TestBrowser::launch().await.expect("Chromium");
    let desk = browser.open(&app.url()).await.expect("supervisor's screen");
    signed_in(&desk, "supervisor").await;
    desk.navigate("/import").await.expect("import page");
    desk.wait_for_text("导入 DMS 客户数据")
        .await
        .expect("import page");
    desk.choose_file("选择文件", &file)
        .await
        .expect("file chosen");
    desk.wait_until(
        "document.querySelector('[data-testid=rows-total]')?.innerText === '6'",
        "the preview",
    )
    .await
    .expect("preview");
    assert_eq!(
        desk.text_of("[data-testid=rows-clean]")
            .await
            .expect("clean"),
        "5"
    );
    let problems = desk
        .text_of("[data-testid=import-errors]")
        .await
        .expect("problem table");
    assert!(
        problems.contains("电话号码无法识别") && problems.contains("1380013800"),
        "the bad phone is shown with its line: {problems}"
    );
    let report: String = desk
        .eval("decodeURIComponent(document.querySelector('[data-testid=import-errors-download]').href.split(',')[1])")
        .await
        .expect("report link");
    assert!(
        report.contains("1380013800"),
        "the report lists it: {report}"
    );
    desk.readme_screenshot("import-preview.png")
        .await
        .expect("screenshot");

    desk.click_button("确认导入").await.expect("import");
    desk.wait_until(
        "document.querySelector('[data-testid=customers-created]')?.innerText === '4'",
        "the import summary",
    )
    .await
    .expect("imported");
    assert_eq!(
        desk.text_of("[data-testid=tasks-created]")
            .await
            .expect("tasks"),
        "4",
        "yesterday's four visits need a callback; the old one does not"
    );

    // Before anyone calls: three members, none called back; nothing due or attempted yet.
    desk.navigate("/team").await.expect("team page");
    wait_figure(&desk, "kpi-coverage", (0, 3)).await;
    wait_figure(&desk, "kpi-three-day", (0, 0)).await;
    wait_figure(&desk, "kpi-contact", (0, 0)).await;

    // The supervisor shares them out on the assignments page: agent1 takes three times
    // agent2's share.
    desk.navigate("/assignments")
        .await
        .expect("assignments page");
    desk.wait_until(
        "document.querySelectorAll('[data-testid=agent-row]').length === 2 && \
         document.querySelector('[data-testid=unassigned]')?.innerText === '4'",
        "both agents and four unassigned tasks",
    )
    .await
    .expect("assignments");
    desk.eval::<bool>(
        "(() => { const i = [...document.querySelectorAll('input[type=number]')]\
           .find(i => i.getAttribute('aria-label').includes('王丽')); \
           i.value = '3'; i.dispatchEvent(new Event('change', {bubbles: true})); return true; })()",
    )
    .await
    .expect("agent1's capacity");
    desk.click_button("按能力分配").await.expect("share out");
    desk.wait_until(
        "document.querySelector('[data-testid=assigned]')?.innerText.includes('4')",
        "four tasks assigned",
    )
    .await
    .expect("assigned");
    desk.wait_until(
        "document.querySelector('[data-testid=unassigned]')?.innerText === '0'",
        "nothing left unassigned on the supervisor's device",
    )
    .await
    .expect("synced back");

    // agent1's tablet receives her three.
    let other = TestBrowser::launch()
        .await
        .expect("Chromium for the tablet");
    let tablet = other.open(&app.url()).await.expect("tablet");
    signed_in(&tablet, "agent1").await;
    tablet
        .wait_until(
            "document.querySelectorAll('[data-testid=today-item]').length === 3",
            "her three callbacks today",
        )
        .await
        .expect("today's list");
    let countdowns = tablet
        .texts_of("[data-testid=countdown]")
        .await
        .expect("countdowns");
    assert_eq!(
        countdowns,
        ["剩 2 天", "剩 2 天", "剩 2 天"],
        "three days from yesterday's visit"
    );
    let weeks = tablet
        .texts_of("[data-testid=contact-by]")
        .await
        .expect("week flags");
    assert_eq!(
        weeks.len(),
        3,
        "each new customer shows the week to contact them"
    );
    let tasks: Vec<(String, String)> = tablet
        .eval(
            "[...document.querySelectorAll('[data-testid=today-item]')]\
               .map(li => li.querySelector('a[href^=\"/tasks/\"]'))\
               .map(a => [a.getAttribute('href'), a.innerText.trim()])",
        )
        .await
        .expect("task links");
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    let has_plate_shb = tasks.iter().any(|(_, name)| name == "李秀英");
    tablet
        .fill("搜索姓名、电话或车牌", "沪B")
        .await
        .expect("search");
    tablet
        .wait_until(
            &format!(
                "document.querySelectorAll('[data-testid=today-item]').length === {}",
                usize::from(has_plate_shb)
            ),
            "search by plate",
        )
        .await
        .expect("search narrows the list");
    tablet
        .fill("搜索姓名、电话或车牌", &tasks[0].1)
        .await
        .expect("search by name");
    tablet
        .wait_until(
            "document.querySelectorAll('[data-testid=today-item]').length === 1",
            "search by name",
        )
        .await
        .expect("found by name");
    tablet
        .readme_screenshot("today.png")
        .await
        .expect("screenshot");

    // Offline, she works through her list.
    tablet.set_offline(true).await.expect("offline");
    tablet.wait_for_text("离线").await.expect("offline shown");
    let tomorrow: String = tablet
        .eval(
            "(() => { const d = new Date(Date.now() + 86400000); \
               const p = n => String(n).padStart(2, '0'); \
               return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()); })()",
        )
        .await
        .expect("tomorrow");

    // A: no answer (try again later), then the customer asks for tomorrow at ten.
    let (task_a, _) = &tasks[0];
    tablet.navigate(task_a).await.expect("task A");
    tablet
        .click("[data-testid=log-outcome]")
        .await
        .expect("log");
    tablet
        .click("button[data-outcome=no_answer]")
        .await
        .expect("no answer");
    tablet.click_button("保存通话结果").await.expect("save");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=call-result]')?.innerText.includes('下次拨打')",
            "the retry time",
        )
        .await
        .expect("retry later");
    tablet
        .click("[data-testid=log-outcome]")
        .await
        .expect("log");
    tablet
        .click("button[data-outcome=not_convenient]")
        .await
        .expect("not convenient");
    tablet.click_button("保存通话结果").await.expect("save");
    tablet
        .wait_for_text("请填写与客户约定的时间")
        .await
        .expect("the agreed time is asked for");
    tablet
        .set_value("[data-testid=agreed-time]", &format!("{tomorrow}T10:00"))
        .await
        .expect("agreed time");
    tablet.click_button("保存通话结果").await.expect("save");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=call-result]')?.innerText.includes('改约到')",
            "the task moved",
        )
        .await
        .expect("rescheduled");

    // A's customer gives an e-mail address: a wrong one is refused, a good one offers mail.
    tablet
        .click("h1[data-testid=customer-name] a")
        .await
        .expect("the customer's page");
    tablet.fill("电子邮箱", "li@").await.expect("bad e-mail");
    tablet.click_button("保存 电子邮箱").await.expect("save");
    tablet
        .wait_for_text("电子邮箱格式不对")
        .await
        .expect("refused with the reason");
    tablet
        .fill("电子邮箱", "li@example.cn")
        .await
        .expect("e-mail");
    tablet.click_button("保存 电子邮箱").await.expect("save");
    tablet
        .wait_until(
            "[...document.querySelectorAll('form[data-field=email] .ok')].length === 1",
            "saved",
        )
        .await
        .expect("e-mail saved");
    tablet.navigate(task_a).await.expect("task A again");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=mailto]')?.getAttribute('href') === 'mailto:li@example.cn'",
            "the mail link",
        )
        .await
        .expect("mailto");

    // B: dialled from the app; reached; satisfied; a visit booked for tomorrow.
    let (task_b, name_b) = &tasks[1];
    tablet.navigate(task_b).await.expect("task B");
    tablet
        .wait_until(
            "!!document.querySelector('[data-testid=dial]')",
            "the call link",
        )
        .await
        .expect("dial link");
    let quiet: bool = tablet
        .eval("!!document.querySelector('[data-testid=quiet-reason]')")
        .await
        .expect("quiet hours?");
    if quiet {
        tablet
            .click("[data-testid=dial]")
            .await
            .expect("dial in quiet hours");
        tablet
            .wait_for_text("请先填写拨打原因")
            .await
            .expect("a reason is asked for first");
        tablet
            .fill("休息时段拨打原因", "客户要求早上联系")
            .await
            .expect("reason");
    }
    // The tel: link would leave for the phone app; the page keeps the call's start.
    tablet
        .eval::<bool>(
            "(() => { const a = document.querySelector('[data-testid=dial]'); \
               a.addEventListener('click', e => e.preventDefault()); a.click(); return true; })()",
        )
        .await
        .expect("dial");
    tablet
        .wait_until(
            "!!document.querySelector('[data-testid=call-started]')",
            "the outcome form with the call's start",
        )
        .await
        .expect("outcome form open");
    tablet
        .click("button[data-outcome=reached]")
        .await
        .expect("reached");
    tablet.click_button("保存通话结果").await.expect("save");
    tablet
        .wait_for_text("回访记录表")
        .await
        .expect("the record form");
    tablet
        .click_button("保存回访记录")
        .await
        .expect("save empty");
    tablet
        .wait_for_text("请选择客户满意度")
        .await
        .expect("an incomplete record is refused");
    tablet
        .click("[data-testid=satisfaction] [data-value=satisfied]")
        .await
        .expect("satisfied");
    tablet
        .click("[data-testid=next-action] [data-value=appointment]")
        .await
        .expect("book a visit");
    tablet
        .set_value("[data-testid=booking-day]", &tomorrow)
        .await
        .expect("day");
    tablet.fill("服务顾问", "刘强").await.expect("advisor");
    tablet
        .readme_screenshot("call-record.png")
        .await
        .expect("screenshot");
    tablet.click_button("保存回访记录").await.expect("save");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=task-done]')?.dataset.status === 'completed'",
            "task B completed",
        )
        .await
        .expect("completed");
    let attempt_b: String = tablet
        .text_of("[data-testid=task-attempts]")
        .await
        .expect("B's attempt");
    if quiet {
        assert!(attempt_b.contains("客户要求早上联系"), "{attempt_b}");
    }

    // C: reached, very satisfied, nothing further.
    let (task_c, name_c) = &tasks[2];
    tablet.navigate(task_c).await.expect("task C");
    tablet
        .click("[data-testid=log-outcome]")
        .await
        .expect("log");
    tablet
        .click("button[data-outcome=reached]")
        .await
        .expect("reached");
    tablet.click_button("保存通话结果").await.expect("save");
    tablet
        .click("[data-testid=satisfaction] [data-value=very_satisfied]")
        .await
        .expect("very satisfied");
    tablet
        .click("[data-testid=next-action] [data-value=nothing]")
        .await
        .expect("nothing further");
    tablet.click_button("保存回访记录").await.expect("save");
    tablet
        .wait_until(
            "document.querySelector('[data-testid=task-done]')?.dataset.status === 'completed'",
            "task C completed",
        )
        .await
        .expect("completed");

    // Still offline: the list keeps only A, moved to tomorrow; the visit is on the day list.
    tablet.navigate("/today").await.expect("today");
    tablet
        .wait_until(
            "document.querySelectorAll('[data-testid=today-item]').length === 1 && \
             document.querySelector('[data-testid=today-item]').dataset.status === 'rescheduled'",
            "only A left, rescheduled",
        )
        .await
        .expect("A left");
    tablet
        .navigate("/appointments")
        .await
        .expect("appointments");
    tablet
        .set_value("[data-testid=appointments-day]", &tomorrow)
        .await
        .expect("tomorrow");
    tablet
        .wait_until(
            &format!(
                "[...document.querySelectorAll('[data-testid=appointment]')]\
                   .some(a => a.innerText.includes({}) && a.dataset.status === 'booked')",
                huifang_e2e::browser::js(name_b)
            ),
            "B's visit tomorrow",
        )
        .await
        .expect("the booked visit");

    // Back online: everything reaches the server, and the supervisor's figures move.
    tablet.set_offline(false).await.expect("online");
    tablet
        .wait_sync("s.pending === 0 && s.attention === 0", "all uploaded")
        .await
        .expect("uploaded");
    let api = huifang_e2e::api::ApiClient::sign_in(&app.url(), "supervisor")
        .await
        .expect("api");
    use huifang_core::sync::RecordKind;
    let records = api
        .records_of(RecordKind::CallbackRecord)
        .await
        .expect("records");
    assert_eq!(records.len(), 2, "two completed callback records");
    let attempts = api
        .records_of(RecordKind::CallAttempt)
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 4);
    let appointments = api
        .records_of(RecordKind::Appointment)
        .await
        .expect("appointments");
    assert_eq!(appointments.len(), 1);

    let members = ["王建国", "李秀英", "张伟"];
    let covered = [name_b, name_c]
        .iter()
        .filter(|n| members.contains(&n.as_str()))
        .count() as u32;
    desk.navigate("/team").await.expect("team page");
    desk.sync_now().await.expect("the supervisor syncs");
    wait_figure(&desk, "kpi-coverage", (covered, 3)).await;
    wait_figure(&desk, "kpi-three-day", (3, 3)).await;
    wait_figure(&desk, "kpi-contact", (2, 4)).await;
    let rows = desk
        .texts_of("[data-testid=by-agent] tr[data-agent]")
        .await
        .expect("by agent");
    let agent1: Vec<String> = rows
        .iter()
        .find(|r| r.starts_with("王丽"))
        .map(|r| r.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    assert_eq!(
        agent1.get(1..3),
        Some(&["2".to_owned(), "1".to_owned()][..]),
        "agent1: two done today, one open: {rows:?}"
    );
    desk.readme_screenshot("team.png")
        .await
        .expect("screenshot");

    // agent2 is off sick: the supervisor gives her customer to agent1 by hand.
    let agent2_customer = ["王建国", "李秀英", "张伟", "陈静"]
        .into_iter()
        .find(|n| !tasks.iter().any(|(_, t)| t == n))
        .expect("agent2's customer");
    desk.navigate("/customers").await.expect("customers");
    desk.click_link(agent2_customer).await.expect("her page");
    desk.wait_for_text("李娜").await.expect("agent2 holds her");
    desk.wait_until(
        "[...document.querySelectorAll('[data-testid=reassign] option')].some(o => o.innerText === '王丽')",
        "the agents to choose from",
    )
    .await
    .expect("agents listed");
    desk.eval::<bool>(
        "(() => { const s = document.querySelector('[data-testid=reassign] select'); \
           s.value = [...s.options].find(o => o.innerText === '王丽').value; \
           s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()",
    )
    .await
    .expect("choose agent1");
    desk.click_button("改派这位客户的回访任务")
        .await
        .expect("reassign");
    desk.wait_for_text("已改派的任务： 1")
        .await
        .expect("one task moved");
    tablet.sync_now().await.expect("agent1 syncs");
    tablet.navigate("/today").await.expect("today");
    tablet
        .wait_for_text(agent2_customer)
        .await
        .expect("the reassigned customer is on agent1's list");

    // A store-anniversary campaign on the members: previewed, launched once, not twice.
    desk.navigate("/assignments").await.expect("assignments");
    desk.fill("活动名称", "店庆十周年").await.expect("name");
    desk.eval::<bool>(
        "(() => { const c = [...document.querySelectorAll('[data-testid=campaign] label.check')]\
           .find(l => l.innerText.includes('仅会员客户')).querySelector('input'); \
           c.click(); return true; })()",
    )
    .await
    .expect("members only");
    desk.click_button("预览人数").await.expect("preview");
    desk.wait_until(
        "document.querySelector('[data-testid=campaign-preview]')?.dataset.matched === '3'",
        "three members matched",
    )
    .await
    .expect("preview");
    desk.click_button("发起活动").await.expect("launch");
    desk.wait_until(
        "document.querySelector('[data-testid=campaign-launched]')?.dataset.created === '3'",
        "three campaign callbacks",
    )
    .await
    .expect("launched");
    desk.click_button("发起活动").await.expect("launch again");
    desk.wait_until(
        "document.querySelector('[data-testid=campaign-launched]')?.dataset.created === '0'",
        "nothing new the second time",
    )
    .await
    .expect("idempotent");
    desk.wait_until(
        "document.querySelector('[data-testid=unassigned]')?.innerText === '3'",
        "the campaign's callbacks wait to be shared out",
    )
    .await
    .expect("unassigned campaign tasks");
    browser.close().await;
    other.close().await;
}
