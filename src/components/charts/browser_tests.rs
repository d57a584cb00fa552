//! The charts in a real browser: what is drawn, what a screen reader gets, where a tap goes.

use super::*;
use leptos::mount::mount_to;
use leptos::task::tick;
use leptos_router::components::Router;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SVG: &str = "http://www.w3.org/2000/svg";

fn bar(label: &str, value: f64, shown: &str, href: Option<&str>) -> Bar {
    Bar {
        label: label.to_owned(),
        value,
        shown: shown.to_owned(),
        href: href.map(str::to_owned),
    }
}

#[wasm_bindgen_test]
async fn a_bar_chart_draws_every_bar_and_tells_the_numbers() {
    let document = document();
    let container = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&container)
        .expect("appended");
    let bars = vec![
        bar(
            "非常满意",
            87.0,
            "87%",
            Some("/reports/drill/satisfaction?level=5"),
        ),
        bar("不满意", 0.0, "0", None),
        bar("一般", -3.0, "—", None),
    ];
    let mount = mount_to(container.clone().unchecked_into(), move || {
        view! {
            <Router>
                <BarChart title="满意度".to_owned() bars=bars.clone() test_id="sat" />
            </Router>
        }
    });
    tick().await;

    let figure = container
        .query_selector("figure.chart[data-testid=sat]")
        .expect("query")
        .expect("the figure");
    let drawn = figure
        .query_selector_all("[data-testid=chart-bar]")
        .expect("query");
    assert_eq!(drawn.length(), 3);
    let svg = figure
        .query_selector("svg[role=img]")
        .expect("query")
        .expect("the svg");
    let view_box = svg.get_attribute("viewBox").unwrap_or_default();
    assert!(!view_box.contains("NaN"), "{view_box}");
    let named_by = svg.get_attribute("aria-labelledby").unwrap_or_default();
    let ids: Vec<&str> = named_by.split(' ').collect();
    assert_eq!(ids, ["chart-sat-title", "chart-sat-desc"]);
    let desc = document
        .get_element_by_id("chart-sat-desc")
        .expect("the desc");
    assert_eq!(desc.namespace_uri().as_deref(), Some(SVG));
    let text = desc.text_content().unwrap_or_default();
    assert_eq!(text, "非常满意: 87%; 不满意: 0; 一般: —");
    let title = document
        .get_element_by_id("chart-sat-title")
        .expect("the title");
    assert_eq!(title.namespace_uri().as_deref(), Some(SVG));
    assert_eq!(title.text_content().as_deref(), Some("满意度"));
    assert!(
        !figure.inner_html().contains("NaN"),
        "{}",
        figure.inner_html()
    );

    // A zero keeps a stub; the link is an SVG link that the app follows itself.
    let stub = figure
        .query_selector("[data-label=不满意] rect")
        .expect("query")
        .expect("the zero bar");
    assert_eq!(stub.get_attribute("width").as_deref(), Some("2"));
    let link = figure
        .query_selector("a")
        .expect("query")
        .expect("the drill-down link");
    assert_eq!(link.namespace_uri().as_deref(), Some(SVG));
    assert!(
        link.query_selector("[data-label=非常满意]")
            .ok()
            .flatten()
            .is_some()
    );
    let init = web_sys::PointerEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    let click = web_sys::PointerEvent::new_with_event_init_dict("click", &init).expect("a click");
    let not_prevented = link.dispatch_event(&click).expect("dispatched");
    assert!(!not_prevented, "the app navigates, not the browser");
    for _ in 0..5 {
        tick().await;
    }
    let location = window().location();
    assert_eq!(
        location.pathname().as_deref(),
        Ok("/reports/drill/satisfaction")
    );
    assert_eq!(location.search().as_deref(), Ok("?level=5"));
    drop(mount);
    container.remove();
}

#[wasm_bindgen_test]
async fn a_trend_breaks_its_line_at_a_gap_and_a_funnel_shows_shares() {
    let document = document();
    let container = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&container)
        .expect("appended");
    let days: Vec<String> = (1..=30).map(|d| format!("11-{d:02}")).collect();
    let mut covered: Vec<Option<f64>> = (0..30).map(|d| Some(f64::from(d) / 30.0)).collect();
    covered[10] = None;
    let series = vec![
        Series {
            name: "张伟".to_owned(),
            values: covered,
        },
        Series {
            name: "李娜".to_owned(),
            values: vec![Some(0.5); 30],
        },
    ];
    let stages = vec![
        Stage {
            label: "线索".to_owned(),
            value: 50,
            href: None,
        },
        Stage {
            label: "试驾".to_owned(),
            value: 23,
            href: None,
        },
        Stage {
            label: "成交".to_owned(),
            value: 0,
            href: None,
        },
    ];
    let mount = mount_to(container.clone().unchecked_into(), move || {
        view! {
            <TrendChart
                title="回访覆盖率".to_owned()
                x_labels=days.clone()
                series=series.clone()
                percent=true
                test_id="coverage"
            />
            <FunnelChart title="线索漏斗".to_owned() stages=stages.clone() test_id="funnel" />
        }
    });
    tick().await;

    let trend = container
        .query_selector("[data-testid=coverage]")
        .expect("query")
        .expect("the trend");
    let points = trend
        .query_selector_all("[data-testid=chart-point]")
        .expect("query");
    assert_eq!(points.length(), 59, "one point per value, none for the gap");
    let first_line = trend
        .query_selector("path.chart-series-0")
        .expect("query")
        .expect("the first line");
    let d = first_line.get_attribute("d").unwrap_or_default();
    assert_eq!(d.matches('M').count(), 2, "broken once: {d}");
    let html = trend.inner_html();
    assert!(html.contains(">100%<"), "a 0..100% axis");
    assert!(!html.contains("NaN") && !html.contains("inf"), "{html}");
    let x_labels = trend
        .query_selector_all("text.chart-tick[text-anchor=middle]")
        .expect("query");
    assert!(x_labels.length() <= 8, "{} x labels", x_labels.length());
    assert!(html.contains("李娜"), "a legend for two lines");
    let desc = document
        .get_element_by_id("chart-coverage-desc")
        .and_then(|d| d.text_content())
        .unwrap_or_default();
    assert!(desc.contains("张伟: 11-01 0%, 11-02 3%"), "{desc}");
    assert!(desc.contains("11-11 暂无数据"), "{desc}");

    let shown: Vec<String> = {
        let stages = container
            .query_selector_all("[data-testid=funnel] [data-testid=chart-stage]")
            .expect("query");
        (0..stages.length())
            .filter_map(|i| stages.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
            .filter_map(|e| e.get_attribute("data-value"))
            .collect()
    };
    assert_eq!(shown, ["50 · 100%", "23 · 46%", "0 · 0%"]);
    drop(mount);
    container.remove();
}

#[wasm_bindgen_test]
async fn a_chart_without_data_says_so() {
    let document = document();
    let container = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&container)
        .expect("appended");
    let mount = mount_to(container.clone().unchecked_into(), || {
        view! {
            <TrendChart
                title="回访覆盖率".to_owned()
                x_labels=vec!["11-01".to_owned(), "11-02".to_owned()]
                series=vec![Series { name: "张伟".to_owned(), values: vec![None, None] }]
                percent=true
                test_id="trend"
            />
            <FunnelChart title="线索".to_owned() stages=vec![] test_id="funnel" />
        }
    });
    tick().await;
    for id in ["trend", "funnel"] {
        let figure = container
            .query_selector(&format!("figure[data-testid={id}]"))
            .expect("query")
            .expect("the figure");
        let text = figure.text_content().unwrap_or_default();
        assert!(text.contains("暂无数据"), "{id}: {text}");
        assert!(figure.query_selector("svg").expect("query").is_none());
    }
    drop(mount);
    container.remove();
}
