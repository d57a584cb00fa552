//! Reports, end to end: a month of care and sales work pushed as the tablets would; the care
//! supervisor's tablet computes the dashboard offline from what it synced, and every KPI tile
//! agrees with both the server's report (`GET /api/reports`) and what was seeded; the charts
//! draw those numbers; a tile and a chart bar drill down to exactly the records behind them;
//! the callback summary page and its XLSX export (`GET /api/reports/summary`) hold the same
//! rows; the store manager also sees the sales funnel, which the supervisor does not.

use calamine::{Data, Reader, Xlsx};
use huifang_core::care::complaints::Category;
use huifang_core::care::dates::Day;
use huifang_core::care::kpi::Ratio;
use huifang_core::reports::summary::ratio_text;
use huifang_core::reports::{Kpi, Report};
use huifang_e2e::seed::report_month;
use huifang_e2e::{ApiClient, Tablet, TestApp, TestBrowser};
use std::io::Cursor;

/// A KPI tile's `(num, den)`, once the tile shows.
async fn tile(tablet: &Tablet, kpi: Kpi) -> (u32, u32) {
    let selector = format!("[data-testid=kpi][data-kpi={}]", kpi.as_str());
    tablet
        .wait_until(
            &format!("!!document.querySelector('{selector}')"),
            &format!("the {} tile", kpi.as_str()),
        )
        .await
        .expect("the tile");
    tablet
        .eval(&format!(
            "(t => [+t.dataset.num, +t.dataset.den])(document.querySelector('{selector}'))"
        ))
        .await
        .expect("its counts")
}

/// The drill-down's rows, `(id, hit)`, once its list (or its empty state) shows.
async fn drill_rows(tablet: &Tablet, drill: &str) -> Vec<(String, String)> {
    tablet
        .wait_until(
            &format!(
                "document.querySelector('[data-testid=drill]')?.dataset.drill === '{drill}' && \
                 !!document.querySelector('[data-testid=drill-rows], [data-testid=drill-empty]')"
            ),
            &format!("the {drill} drill-down"),
        )
        .await
        .expect("the drill-down");
    tablet
        .eval(
            "[...document.querySelectorAll('[data-testid=drill-row]')].map(r => [r.dataset.id, r.dataset.hit ?? ''])",
        )
        .await
        .expect("its rows")
}

/// A cell of the XLSX as the report's text: whole numbers without a decimal point.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_dashboard_charts_drill_down_and_the_xlsx_summary_agree() {
    let started = std::time::Instant::now();
    let app = TestApp::start().await.expect("server starts");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let today = Day::of_ms(now, 8 * 60);
    // This month in the store's days: the 1st to today.
    let from = today.plus(1 - today.ymd().2 as i32);
    let period = format!("from={from}&to={today}");
    let sign_in = |who: &'static str| {
        let url = app.url();
        async move { ApiClient::sign_in(&url, who).await.expect(who) }
    };
    let supervisor = sign_in("supervisor").await;
    let agent1 = sign_in("agent1").await;
    let agent2 = sign_in("agent2").await;
    let advisor1 = sign_in("advisor1").await;
    let manager = sign_in("manager").await;
    let seeded = report_month(&supervisor, &agent1, &agent2, &advisor1, today, now)
        .await
        .expect("a month of work seeded");

    // The server's figures for the supervisor's store.
    let server: Report = supervisor
        .get(&format!("/api/reports?{period}"))
        .await
        .expect("the server's report");
    let ratio = |r: &Report, k: Kpi| {
        let Ratio { num, den } = r.measure(k).ratio;
        (num, den)
    };
    // What was seeded (see `report_month`): 1 of 2 members called, 2 of 3 answers satisfied,
    // 3 of 5 attempts reached, 3 of 5 callbacks due completed.
    let expected = [
        (Kpi::MemberCoverage, (1, 2)),
        (Kpi::Satisfaction, (2, 3)),
        (Kpi::EffectiveContact, (3, 5)),
        (Kpi::CallbackCompletion, (3, 5)),
    ];
    for (kpi, counts) in expected {
        assert_eq!(ratio(&server, kpi), counts, "the server's {}", kpi.as_str());
    }

    // The supervisor's tablet, from what it synced.
    let desk_browser = TestBrowser::launch().await.expect("Chromium");
    let desk = desk_browser.open(&app.url()).await.expect("desk");
    desk.sign_in_synced("supervisor").await.expect("supervisor");
    desk.navigate(&format!("/reports?{period}"))
        .await
        .expect("reports");
    for (kpi, counts) in expected {
        assert_eq!(
            tile(&desk, kpi).await,
            counts,
            "the tablet's {} tile",
            kpi.as_str()
        );
    }

    // The charts draw those numbers.
    desk.wait_until(
        "document.querySelectorAll('figure[data-testid=chart-trend] svg [data-testid=chart-point]').length > 0",
        "the trend's points",
    )
    .await
    .expect("the trend drawn");
    let bars = |chart: &str| {
        format!(
            "[...document.querySelectorAll('figure[data-testid={chart}] svg g[data-testid=chart-bar]')]"
        )
    };
    let answers: f64 = desk
        .eval(&format!(
            "{}.reduce((sum, g) => sum + Number(g.dataset.value), 0)",
            bars("chart-satisfaction")
        ))
        .await
        .expect("the satisfaction bars");
    assert_eq!(
        answers,
        f64::from(server.measure(Kpi::Satisfaction).ratio.den),
        "every answer has its bar"
    );
    let waiting = Category::WaitingTime.label(true);
    let category_bar = format!(
        "figure[data-testid=chart-categories] svg g[data-testid=chart-bar][data-label=\"{waiting}\"]"
    );
    let count: String = desk
        .eval(&format!(
            "document.querySelector('{category_bar}')?.dataset.value ?? 'no bar'"
        ))
        .await
        .expect("the category bar");
    assert_eq!(count, "1", "the complaint's category counted once");
    assert!(
        server
            .complaints
            .by_category
            .contains(&(Category::WaitingTime, 1)),
        "the server counts it too: {:?}",
        server.complaints.by_category
    );
    let areas: Vec<String> = desk
        .eval("[...document.querySelectorAll('[data-area]')].map(a => a.dataset.area)")
        .await
        .expect("the areas");
    assert_eq!(
        areas,
        ["care", "service", "complaints"],
        "no sales area for the care supervisor"
    );
    desk.readme_screenshot("reports.png")
        .await
        .expect("screenshot");

    // A tile drills down to its records: exactly the two members, the called one counted.
    desk.click("[data-testid=kpi][data-kpi=member_coverage] [data-testid=kpi-drill]")
        .await
        .expect("member coverage's details");
    let mut members = drill_rows(&desk, "member_coverage").await;
    members.sort();
    let mut want = vec![
        (seeded.member_called.to_string(), "true".to_owned()),
        (seeded.member_not_called.to_string(), "false".to_owned()),
    ];
    want.sort();
    assert_eq!(members, want, "the members, called or not");
    // Back on the dashboard, a chart's bar drills down to its complaints.
    desk.click("[data-testid=drill] a[href^='/reports?']")
        .await
        .expect("back");
    desk.click(&format!("{category_bar} rect"))
        .await
        .expect("the category's bar");
    let listed = drill_rows(&desk, "complaints").await;
    assert_eq!(
        listed,
        [(seeded.complaint.to_string(), String::new())],
        "exactly the complaint"
    );
    let search: String = desk.eval("location.search").await.expect("the address");
    assert!(search.contains("category=waiting_time"), "{search}");

    // The callback summary: the page and the XLSX export say the same, row for row.
    desk.navigate(&format!("/reports/summary?{period}"))
        .await
        .expect("the summary");
    desk.wait_until(
        "!!document.querySelector('[data-testid=summary-reached]') && \
         document.querySelectorAll('[data-testid=summary-table] tr').length > 0",
        "the summary's figures",
    )
    .await
    .expect("the summary shown");
    let (num, den, headline): (u32, u32, String) = desk
        .eval(
            "(f => [+f.dataset.num, +f.dataset.den, f.querySelector('dd').innerText])\
             (document.querySelector('[data-testid=summary-reached]'))",
        )
        .await
        .expect("reached");
    assert_eq!((num, den), (3, 5), "3 of the 5 callbacks reached");
    assert!(headline.contains("(3/5)"), "{headline}");
    let page_rows: Vec<(String, String, String)> = desk
        .eval(
            "[...document.querySelectorAll('[data-testid=summary-table] tr')]\
             .map(r => [r.dataset.section, r.dataset.item, r.dataset.value])",
        )
        .await
        .expect("the table");
    let (status, content_type, xlsx) = supervisor
        .get_bytes(&format!(
            "/api/reports/summary?{period}&format=xlsx&lang=zh"
        ))
        .await
        .expect("the XLSX");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&xlsx));
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(xlsx)).expect("an .xlsx workbook");
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).expect("the sheet reads");
    let mut lines = range.rows().map(|r| {
        let mut cells = r.iter().map(cell_text);
        let mut next = || cells.next().unwrap_or_default();
        (next(), next(), next())
    });
    assert_eq!(
        lines.next(),
        Some(("分组".to_owned(), "项目".to_owned(), "数值".to_owned())),
        "the header"
    );
    let sheet_rows: Vec<(String, String, String)> = lines.collect();
    let reached = sheet_rows
        .iter()
        .find(|(_, item, _)| item == "已接通完成")
        .map(|(_, _, figure)| figure.clone())
        .expect("the reached row");
    assert_eq!(reached, ratio_text(Ratio { num, den }), "the page's 3/5");
    assert_eq!(reached, "3/5 (60.0%)");
    assert_eq!(page_rows, sheet_rows, "the page and the XLSX, row for row");
    for row in [
        ("总体", "回访任务", "5"),
        ("总体", "拨打次数", "5"),
        ("总体", "满意率", "2/3 (66.7%)"),
        ("总体", "投诉", "1"),
        ("客户建议（最多的）", "希望延长周末营业时间", "2"),
        ("投诉类别", waiting, "1"),
        ("按专员", "王丽 · 接通完成", "1/3 (33.3%)"),
        ("按专员", "李娜 · 投诉", "1"),
    ] {
        let row = (row.0.to_owned(), row.1.to_owned(), row.2.to_owned());
        assert!(sheet_rows.contains(&row), "{row:?} in {sheet_rows:?}");
    }

    // The store manager also sees sales: the funnel of 张伟's two leads, one followed up.
    let office = TestBrowser::launch().await.expect("Chromium");
    let boss = office.open(&app.url()).await.expect("the manager's tablet");
    boss.sign_in_synced("manager").await.expect("manager");
    boss.navigate(&format!("/reports?{period}"))
        .await
        .expect("reports");
    boss.wait_until(
        "document.querySelectorAll('[data-area=sales] figure[data-testid=chart-funnel] svg [data-testid=chart-stage]').length > 0",
        "the sales funnel",
    )
    .await
    .expect("the funnel drawn");
    let stages: Vec<String> = boss
        .eval(
            "[...document.querySelectorAll('[data-area=sales] figure[data-testid=chart-funnel] [data-testid=chart-stage]')].map(s => s.dataset.value)",
        )
        .await
        .expect("the stages");
    assert!(
        stages.first().is_some_and(|s| s.starts_with("2 ")),
        "captured 2: {stages:?}"
    );
    assert!(
        stages.get(1).is_some_and(|s| s.starts_with("1 ")),
        "followed up 1: {stages:?}"
    );
    let theirs: Report = manager
        .get(&format!("/api/reports?{period}"))
        .await
        .expect("the manager's report");
    assert_eq!(theirs.funnel.total.captured, 2);
    assert_eq!(ratio(&theirs, Kpi::LeadFollowUp), (1, 2));
    assert_eq!(tile(&boss, Kpi::LeadFollowUp).await, (1, 2));
    assert_eq!(
        tile(&boss, Kpi::MemberCoverage).await,
        (1, 2),
        "and the care figures"
    );

    office.close().await;
    desk_browser.close().await;
    eprintln!("reports e2e took {:.1?}", started.elapsed());
}
