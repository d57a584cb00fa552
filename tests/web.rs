//! Browser tests of the app's components (wasm-bindgen-test in headless Chromium):
//! mount the real `App` and look at what a person would see.
#![cfg(target_arch = "wasm32")]

use huifang::i18n::{I18n, Key, Lang};
use huifang::storage::crypto::{self, Cipher};
use huifang::storage::local;
use huifang::unsaved::{UnsavedWork, use_unsaved_guard};
use huifang_core::{Role, StoreId, UserId, UserProfile, Username};
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_container() -> web_sys::HtmlElement {
    let document = document();
    local::remove(local::keys::USER);
    local::remove(local::keys::LANG);
    let container = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&container)
        .expect("appended");
    container.unchecked_into()
}

fn profile(role: Role) -> UserProfile {
    UserProfile {
        id: UserId("u1".into()),
        username: Username::parse("advisor1").expect("valid"),
        display_name: "张伟".into(),
        role,
        store_id: StoreId("s1".into()),
        store_name: "鸿达丰田4S店（演示）".into(),
    }
}

async fn settle() {
    for _ in 0..5 {
        tick().await;
    }
}

#[wasm_bindgen_test]
async fn signed_out_the_app_asks_to_sign_in_in_chinese_with_labelled_fields() {
    let container = fresh_container();
    let _app = mount_to(container.clone(), huifang::App);
    settle().await;
    let text = container.inner_text();
    assert!(text.contains("登录"), "sign-in page: {text}");
    for label in ["用户名", "密码"] {
        let labelled = container.query_selector_all("label").expect("labels");
        let found = (0..labelled.length()).any(|i| {
            labelled
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
                .is_some_and(|l| {
                    l.inner_text().contains(label)
                        && l.query_selector("input").ok().flatten().is_some()
                })
        });
        assert!(found, "an input labelled {label}");
    }
    container.remove();
}

/// After a reload the person is still signed in but the tab holds no data key: the unlock
/// page asks for the password, and no page (nor the device database) opens before it.
#[wasm_bindgen_test]
async fn a_cached_profile_without_the_data_key_shows_the_unlock_page() {
    let container = fresh_container();
    crypto::forget();
    local::write(local::keys::USER, &profile(Role::CareAgent)).expect("cached profile");
    let _app = mount_to(container.clone(), huifang::App);
    settle().await;
    let text = container.inner_text();
    assert!(
        container
            .query_selector("[data-testid=unlock]")
            .expect("query")
            .is_some(),
        "the unlock page: {text}"
    );
    assert!(text.contains("已锁定") && text.contains("张伟"), "{text}");
    assert!(
        container
            .query_selector("nav.main-nav")
            .expect("query")
            .is_none(),
        "no page before the password: {text}"
    );
    local::remove(local::keys::USER);
    container.remove();
}

#[wasm_bindgen_test]
async fn a_sales_advisor_sees_leads_and_not_the_care_pages() {
    let container = fresh_container();
    local::write(local::keys::USER, &profile(Role::SalesAdvisor)).expect("cached profile");
    crypto::set_current(Cipher::generate().await.expect("WebCrypto makes a key"));
    let _app = mount_to(container.clone(), huifang::App);
    settle().await;
    let nav = container
        .query_selector("nav.main-nav")
        .expect("query")
        .expect("navigation shows for a cached profile")
        .unchecked_into::<web_sys::HtmlElement>()
        .inner_text();
    assert!(
        nav.contains("潜在客户") && nav.contains("试驾"),
        "advisor nav: {nav}"
    );
    assert!(
        !nav.contains("今日回访") && !nav.contains("导入"),
        "advisor nav: {nav}"
    );
    let top = container.inner_text();
    assert!(
        top.contains("张伟") && top.contains("@advisor1"),
        "top bar: {top}"
    );
    // The device database opens; with no sync ever done, the top bar says so.
    let mut waited = 0;
    while container
        .query_selector("[data-testid=sync-state][data-ready=true]")
        .ok()
        .flatten()
        .is_none()
        && waited < 100
    {
        gloo_timers::future::TimeoutFuture::new(50).await;
        waited += 1;
    }
    let top = container.inner_text();
    assert!(top.contains("尚未同步"), "honest sync state: {top}");
    local::remove(local::keys::USER);
    container.remove();
}

#[wasm_bindgen_test]
async fn the_language_choice_is_remembered_on_the_device() {
    let _container = fresh_container();
    let owner = Owner::new();
    owner.with(|| {
        let i18n = I18n::provide();
        assert_eq!(i18n.lang(), Lang::ZhCn);
        assert_eq!(i18n.t(Key::SignIn), "登录");
        i18n.set_lang(Lang::En);
        assert_eq!(i18n.t(Key::SignIn), "Sign in");
    });
    let stored: Option<Lang> = local::read(local::keys::LANG).expect("readable");
    assert_eq!(stored, Some(Lang::En));
    let lang = document()
        .document_element()
        .and_then(|e| e.get_attribute("lang"));
    assert_eq!(lang.as_deref(), Some("en"));
    Owner::new().with(|| assert_eq!(I18n::provide().lang(), Lang::En));
    local::remove(local::keys::LANG);
}

#[wasm_bindgen_test]
async fn a_form_with_unsaved_input_holds_updates_back() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let outer = Owner::new();
    let (work, dirty, form) = outer.with(|| {
        let work = UnsavedWork::provide();
        let dirty = RwSignal::new(false);
        let form = Owner::new();
        form.with(|| use_unsaved_guard(move || dirty.get()));
        (work, dirty, form)
    });
    settle().await;
    assert!(!work.any());
    dirty.set(true);
    settle().await;
    assert!(work.any(), "typing marks the form unsaved");
    dirty.set(false);
    settle().await;
    assert!(!work.any(), "saving or clearing releases it");
    dirty.set(true);
    settle().await;
    assert!(work.any());
    form.cleanup();
    settle().await;
    assert!(!work.any(), "a form that goes away releases it");
}
