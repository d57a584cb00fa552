//! The care agent's day, end to end: what the supervisor imports from the DMS reaches the
//! agents' tablets. (Lists, calls and distribution come with the rest of the feature.)

use huifang_e2e::{Tablet, TestApp, TestBrowser};

async fn signed_in(tablet: &Tablet, user: &str) {
    tablet.wait_for_text("登录").await.expect("sign-in page");
    tablet.sign_in(user, "demo").await.expect("sign in");
    tablet
        .wait_sync("s.runs > 0 && s.pending === 0", "the first sync")
        .await
        .expect("first sync");
}

/// A GBK export with messy rows: the supervisor sees the preview and the bad row, imports,
/// and an agent's tablet receives the customers by sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_supervisor_imports_a_gbk_export_and_agents_receive_it() {
    let app = TestApp::start().await.expect("server starts");
    let export = "客户姓名,手机号码,车牌号,VIN码,进厂日期,委托书号,服务顾问\n\
                  王建国, 138 0013 8000 ,京a 12345,1M8GDM9AXKP042788,2026/11/3,WO-1001,刘强\n\
                  李秀英,+86 139-0013-9000,沪B·D12345,,2026年11月4日,WO-1002,刘强\n\
                  ,,,,,,\n\
                  赵六,1380013800,京A22222,,2026-11-04,WO-1003,陈明\n\
                  王建国,13800138000,京A33333,11111111111111111,2026-11-05,WO-1004,陈明\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(export);
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

    // An agent's tablet receives them.
    let other = TestBrowser::launch()
        .await
        .expect("Chromium for the tablet");
    let tablet = other.open(&app.url()).await.expect("tablet");
    signed_in(&tablet, "agent1").await;
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
