//! The care agent's day, end to end: what the supervisor imports from the DMS becomes
//! callback tasks, shared out, on the agent's list for today. (Calls, records and the
//! supervisor's figures come with the rest of the feature.)

use huifang_core::care::dates::Day;
use huifang_e2e::{Tablet, TestApp, TestBrowser};

async fn signed_in(tablet: &Tablet, user: &str) {
    tablet.wait_for_text("登录").await.expect("sign-in page");
    tablet.sign_in(user, "demo").await.expect("sign in");
    tablet
        .wait_sync("s.runs > 0 && s.pending === 0", "the first sync")
        .await
        .expect("first sync");
}

/// A GBK export with messy rows: the supervisor sees the preview and the bad row, imports;
/// yesterday's visits become post-service callbacks; shared out to `agent1`, they are on her
/// list for today with two days left, and her tablet has the customers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_supervisor_imports_a_gbk_export_and_agents_receive_it() {
    let app = TestApp::start().await.expect("server starts");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let today = Day::of_ms(now, 8 * 60);
    let (yesterday, earlier) = (today.plus(-1), today.plus(-20));
    let export = format!(
        "客户姓名,手机号码,车牌号,VIN码,进厂日期,委托书号,服务顾问\n\
         王建国, 138 0013 8000 ,京a 12345,1M8GDM9AXKP042788,{yesterday},WO-1001,刘强\n\
         李秀英,+86 139-0013-9000,沪B·D12345,,{yesterday},WO-1002,刘强\n\
         ,,,,,,\n\
         赵六,1380013800,京A22222,,{yesterday},WO-1003,陈明\n\
         王建国,13800138000,京A33333,11111111111111111,{earlier},WO-1004,陈明\n"
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
        "document.querySelector('[data-testid=rows-total]')?.innerText === '4'",
        "the preview",
    )
    .await
    .expect("preview");
    assert_eq!(
        desk.text_of("[data-testid=rows-clean]")
            .await
            .expect("clean"),
        "3"
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
        "document.querySelector('[data-testid=customers-created]')?.innerText === '2'",
        "the import summary",
    )
    .await
    .expect("imported");
    assert_eq!(
        desk.text_of("[data-testid=tasks-created]")
            .await
            .expect("tasks"),
        "2",
        "yesterday's two visits need a callback; the old one does not"
    );

    // The supervisor shares them out on the assignments page, to agent1 only.
    desk.navigate("/assignments")
        .await
        .expect("assignments page");
    desk.wait_until(
        "document.querySelectorAll('[data-testid=agent-row]').length === 2 && \
         document.querySelector('[data-testid=unassigned]')?.innerText === '2'",
        "both agents and two unassigned tasks",
    )
    .await
    .expect("assignments");
    desk.eval::<bool>(
        "([...document.querySelectorAll('[data-testid=agent-row]')]\
           .find(r => r.innerText.includes('李娜'))\
           .querySelector('input[type=checkbox]').click(), true)",
    )
    .await
    .expect("leave 李娜 out");
    desk.click_button("按能力分配").await.expect("share out");
    desk.wait_until(
        "document.querySelector('[data-testid=assigned]')?.innerText.includes('2')",
        "two tasks assigned",
    )
    .await
    .expect("assigned");
    desk.wait_until(
        "document.querySelector('[data-testid=unassigned]')?.innerText === '0'",
        "nothing left unassigned on the supervisor's device",
    )
    .await
    .expect("synced back");

    // An agent's tablet receives them.
    let other = TestBrowser::launch()
        .await
        .expect("Chromium for the tablet");
    let tablet = other.open(&app.url()).await.expect("tablet");
    signed_in(&tablet, "agent1").await;
    tablet
        .wait_until(
            "document.querySelectorAll('[data-testid=today-item]').length === 2",
            "her two callbacks today",
        )
        .await
        .expect("today's list");
    let countdowns = tablet
        .texts_of("[data-testid=countdown]")
        .await
        .expect("countdowns");
    assert_eq!(
        countdowns,
        ["剩 2 天", "剩 2 天"],
        "three days from yesterday's visit"
    );
    tablet
        .fill("搜索姓名、电话或车牌", "沪B")
        .await
        .expect("search");
    tablet
        .wait_until(
            "document.querySelectorAll('[data-testid=today-item]').length === 1",
            "search by plate",
        )
        .await
        .expect("search narrows the list");
    tablet
        .wait_for_text("李秀英")
        .await
        .expect("found by plate");
    tablet
        .readme_screenshot("today.png")
        .await
        .expect("screenshot");
    tablet.navigate("/customers").await.expect("customers");
    tablet
        .wait_for_text("王建国")
        .await
        .expect("imported customer");
    tablet
        .wait_for_text("李秀英")
        .await
        .expect("imported customer");
    let rows = tablet
        .texts_of("[data-testid=customer-row]")
        .await
        .expect("rows");
    assert_eq!(
        rows.len(),
        2,
        "two customers, the bad row left out: {rows:?}"
    );
    browser.close().await;
    other.close().await;
}
