//! Browser tests of blobs on the device (wasm-bindgen-test in headless Chromium): the
//! `uploaded` flag beside each blob, the engine's `keep_blob`/`blob_url` and its uploads
//! before a push, the signature pad's PNG, and the photo capture's downscaling.
#![cfg(target_arch = "wasm32")]

use huifang::components::photo_capture::{self, PhotoError, downscaled_size};
use huifang::components::signature_pad::{self, SignaturePad};
use huifang::components::{BlobImage, CapturedImage};
use huifang::storage::idb::{IdbClientStore, delete_database};
use huifang::sync::engine::{EngineError, SyncEngine, SyncStatus};
use huifang_core::sync::blobs::hash;
use huifang_core::sync::{ClientId, Hlc, Mutation, MutationId, Op, RecordId, RecordKind, Scope};
use huifang_core::{Role, StoreId, UserId, UserProfile, Username};
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use serde_json::json;
use std::sync::{Arc, Mutex};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// The data key of every test here (set as the tab's key for the engine).
async fn test_key() -> huifang::storage::crypto::Cipher {
    match huifang::storage::crypto::current() {
        Ok(key) => key,
        Err(_) => {
            let key = huifang::storage::crypto::Cipher::generate()
                .await
                .expect("WebCrypto makes a key");
            huifang::storage::crypto::set_current(key.clone());
            key
        }
    }
}

fn salt() -> u64 {
    (js_sys::Math::random() * 1e12) as u64
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

fn canvas(width: u32, height: u32) -> web_sys::HtmlCanvasElement {
    let canvas: web_sys::HtmlCanvasElement = document()
        .create_element("canvas")
        .expect("a canvas")
        .dyn_into()
        .expect("a canvas element");
    canvas.set_width(width);
    canvas.set_height(height);
    canvas
}

async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

fn image(bytes: &[u8]) -> CapturedImage {
    CapturedImage::new("image/png", bytes.to_vec(), 1, 1)
}

// ---- The store's flag ----------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_blob_is_kept_not_uploaded_until_marked_and_a_missing_flag_reads_false() {
    let name = format!("huifang-test-blob-flag-{}", salt());
    let store = IdbClientStore::open(&name, test_key().await)
        .await
        .expect("opens");
    let bytes = b"a signature".to_vec();
    let key = hash(&bytes);
    assert_eq!(store.blob_uploaded(&key).await.expect("reads"), None);
    assert!(
        !store.mark_uploaded(&key).await.expect("reads"),
        "nothing to mark"
    );

    store
        .put_blob(&key, "image/png", &bytes)
        .await
        .expect("kept");
    assert_eq!(store.blob_uploaded(&key).await.expect("reads"), Some(false));
    assert!(store.mark_uploaded(&key).await.expect("marks"));
    assert_eq!(store.blob_uploaded(&key).await.expect("reads"), Some(true));
    let (blob, uploaded) = store
        .blob_with_state(&key)
        .await
        .expect("reads")
        .expect("present");
    assert!(uploaded);
    assert_eq!(blob.bytes, bytes, "marking keeps the bytes");
    assert_eq!(blob.content_type, "image/png");

    // A blob stored before the flag existed: no `uploaded` field.
    let old = hash(b"older");
    let value = js_sys::Object::new();
    js_sys::Reflect::set(&value, &"content_type".into(), &"image/jpeg".into()).expect("set");
    js_sys::Reflect::set(
        &value,
        &"bytes".into(),
        &js_sys::Uint8Array::from(&b"older"[..]),
    )
    .expect("set");
    let raw = idb::Factory::new()
        .expect("IndexedDB")
        .open(&name, None)
        .expect("opens")
        .await
        .expect("opened");
    let tx = raw
        .transaction(&["blobs"], idb::TransactionMode::ReadWrite)
        .expect("tx");
    tx.object_store("blobs")
        .expect("store")
        .put(&value, Some(&JsValue::from_str(&old)))
        .expect("put")
        .await
        .expect("put done");
    tx.commit().expect("commit").await.expect("committed");
    raw.close();
    assert_eq!(store.blob_uploaded(&old).await.expect("reads"), Some(false));
    assert_eq!(
        store.blob(&old).await.expect("reads").map(|b| b.bytes),
        Some(b"older".to_vec())
    );
    drop(store);
    delete_database(&name).await.expect("deleted");
}

// ---- The engine ----------------------------------------------------------------------------

fn profile() -> UserProfile {
    UserProfile {
        id: UserId(format!("blob-test-{}", salt())),
        username: Username::parse("agent1").expect("valid"),
        display_name: "王芳".into(),
        role: Role::CareAgent,
        store_id: StoreId("s1".into()),
        store_name: "测试店".into(),
    }
}

async fn engine(owner: &Owner) -> SyncEngine {
    // The engine spawns its loop; a test that mounts nothing starts Leptos' executor itself
    // (an error means another test started it already).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let (status, changes) =
        owner.with(|| (RwSignal::new(SyncStatus::default()), RwSignal::new(0u64)));
    huifang::storage::crypto::set_current(test_key().await);
    SyncEngine::start(&profile(), status, changes)
        .await
        .expect("the engine starts")
}

fn referencing(user: &UserId, blobs: serde_json::Value) -> Mutation {
    let client = ClientId::new_v7(1_750_000_000_000, [3; 10]);
    Mutation {
        mutation_id: MutationId::new_v7(1_750_000_000_000, [salt() as u8; 10]),
        client_id: client,
        client_seq: 1,
        hlc: Hlc {
            wall_ms: 1_750_000_000_000,
            counter: 0,
            node: client,
        },
        user: user.clone(),
        kind: RecordKind::Signature,
        record_id: RecordId::new_v7(1_750_000_000_000, [salt() as u8; 10]),
        op: Op::AppendEvent {
            scope: Scope {
                store: StoreId("s1".into()),
                owner: None,
            },
            fields: [("blobs".to_owned(), blobs)].into_iter().collect(),
        },
        step: None,
    }
}

#[wasm_bindgen_test]
async fn keep_blob_then_blob_url_round_trip_with_the_uploaded_flag() {
    let owner = Owner::new();
    let engine = engine(&owner).await;
    let signed = image(b"\x89PNG\r\n\x1a\n the customer's signature");

    assert_eq!(engine.blob_url(&signed.sha256).await.expect("reads"), None);
    engine.keep_blob(&signed).await.expect("kept");
    assert_eq!(
        engine.blob_uploaded(&signed.sha256).await.expect("reads"),
        Some(false)
    );
    let url = engine
        .blob_url(&signed.sha256)
        .await
        .expect("reads")
        .expect("the device has it");
    assert!(url.starts_with("blob:"), "{url}");
    // The object URL serves the bytes kept.
    let response: web_sys::Response = wasm_bindgen_futures::JsFuture::from(
        web_sys::window().expect("window").fetch_with_str(&url),
    )
    .await
    .expect("fetched")
    .dyn_into()
    .expect("a response");
    let buffer = wasm_bindgen_futures::JsFuture::from(response.array_buffer().expect("body"))
        .await
        .expect("read");
    assert_eq!(js_sys::Uint8Array::new(&buffer).to_vec(), signed.bytes);
    web_sys::Url::revoke_object_url(&url).expect("revoked");

    // Bytes that are not what their name says are never kept.
    let mut forged = image(b"one");
    forged.sha256 = hash(b"another");
    assert!(matches!(
        engine.keep_blob(&forged).await,
        Err(EngineError::BlobMismatch(_))
    ));
    assert_eq!(
        engine.blob_uploaded(&forged.sha256).await.expect("reads"),
        None
    );

    // A copy from the server is uploaded already; keeping the same image later keeps that.
    let fetched = image(b"a photo from the server");
    engine
        .keep_downloaded_blob(&fetched.sha256, "image/png", &fetched.bytes)
        .await
        .expect("kept");
    engine.keep_blob(&fetched).await.expect("kept again");
    assert_eq!(
        engine.blob_uploaded(&fetched.sha256).await.expect("reads"),
        Some(true)
    );
    engine.stop();
}

#[wasm_bindgen_test]
async fn a_push_uploads_first_and_a_failed_upload_fails_the_run_keeping_the_blob() {
    let owner = Owner::new();
    let engine = engine(&owner).await;
    let user = engine.user().user.clone();

    // Missing from the device or already on the server: nothing to upload, no request.
    let missing = hash(b"lost with another tablet");
    let uploaded = image(b"on the server already");
    engine
        .keep_downloaded_blob(&uploaded.sha256, "image/png", &uploaded.bytes)
        .await
        .expect("kept");
    let nothing = engine
        .upload_blobs(&[referencing(&user, json!([missing, uploaded.sha256]))])
        .await
        .expect("nothing to do");
    assert_eq!(nothing, 0);

    // The test page's server has no /api/blobs: the upload fails, typed, and nothing is lost.
    let kept = image(b"a photo not yet uploaded");
    engine.keep_blob(&kept).await.expect("kept");
    let failed = engine
        .upload_blobs(&[referencing(&user, json!([kept.sha256]))])
        .await;
    match failed {
        Err(EngineError::Upload { sha256, .. }) => assert_eq!(sha256, kept.sha256),
        other => panic!("an upload failure, not {other:?}"),
    }
    assert_eq!(
        engine.blob_uploaded(&kept.sha256).await.expect("reads"),
        Some(false),
        "still to upload"
    );
    engine.stop();
}

// ---- The signature pad ---------------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_pad_encodes_a_white_png_at_the_device_pixel_ratio() {
    let pad = canvas(1, 1);
    signature_pad::prepare(&pad, 2.0).expect("prepared");
    // Not laid out: the fallback width, twice over for the ratio.
    assert_eq!((pad.width(), pad.height()), (1200, 400));
    signature_pad::stroke(&pad, (10.0, 10.0), (200.0, 150.0)).expect("drawn");
    let png = signature_pad::encode_png(&pad).await.expect("encoded");
    assert_eq!(png.bytes[..8], PNG_SIGNATURE);
    assert_eq!(png.content_type, "image/png");
    assert_eq!((png.width, png.height), (1200, 400));
    assert_eq!(png.sha256, hash(&png.bytes));

    // White paper (so it prints), black ink where drawn: at twice the CSS pixel.
    let ctx: web_sys::CanvasRenderingContext2d = pad
        .get_context("2d")
        .expect("2d")
        .expect("2d")
        .dyn_into()
        .expect("2d");
    let corner = ctx
        .get_image_data(1100.0, 20.0, 1.0, 1.0)
        .expect("pixel")
        .data();
    assert_eq!(corner.to_vec(), vec![255, 255, 255, 255]);
    let ink = ctx
        .get_image_data(210.0, 160.0, 1.0, 1.0)
        .expect("pixel")
        .data();
    assert!(ink[0] < 100 && ink[3] == 255, "{:?}", ink.to_vec());
}

fn pointer(kind: &str, x: i32, y: i32) -> web_sys::PointerEvent {
    let init = web_sys::PointerEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_pointer_id(7);
    init.set_pointer_type("pen");
    init.set_is_primary(true);
    init.set_client_x(x);
    init.set_client_y(y);
    web_sys::PointerEvent::new_with_event_init_dict(kind, &init).expect("an event")
}

#[wasm_bindgen_test]
async fn a_stroke_hands_over_a_png_and_clear_hands_over_none() {
    let container: web_sys::HtmlElement = document()
        .create_element("div")
        .expect("div")
        .dyn_into()
        .expect("html");
    container
        .set_attribute("style", "width:400px")
        .expect("style");
    document()
        .body()
        .expect("body")
        .append_child(&container)
        .expect("appended");
    let got: Arc<Mutex<Vec<Option<CapturedImage>>>> = Arc::default();
    let seen = got.clone();
    let _pad = mount_to(container.clone(), move || {
        let seen = seen.clone();
        view! {
            <SignaturePad
                clear_label="Clear"
                on_change=Callback::new(move |image| seen.lock().expect("not poisoned").push(image))
            />
        }
    });
    for _ in 0..5 {
        tick().await;
    }
    let pad: web_sys::HtmlCanvasElement = container
        .query_selector("[data-testid=signature-pad]")
        .expect("query")
        .expect("the pad")
        .dyn_into()
        .expect("a canvas");
    let ratio = web_sys::window().expect("window").device_pixel_ratio();
    assert_eq!(
        pad.width(),
        (400.0 * ratio).round() as u32,
        "its laid-out width"
    );
    let rect = pad.get_bounding_client_rect();
    let (x, y) = (rect.left() as i32, rect.top() as i32);
    for (kind, dx, dy) in [
        ("pointerdown", 20, 20),
        ("pointermove", 60, 50),
        ("pointermove", 120, 80),
        ("pointerup", 120, 80),
    ] {
        pad.dispatch_event(&pointer(kind, x + dx, y + dy))
            .expect("dispatched");
    }
    for _ in 0..50 {
        if !got.lock().expect("not poisoned").is_empty() {
            break;
        }
        sleep(20).await;
    }
    {
        let got = got.lock().expect("not poisoned");
        let Some(Some(png)) = got.first() else {
            panic!("a PNG after the stroke, not {got:?}");
        };
        assert_eq!(png.bytes[..8], PNG_SIGNATURE);
        assert_eq!(png.sha256, hash(&png.bytes));
    }
    let clear: web_sys::HtmlElement = container
        .query_selector("[data-testid=signature-clear]")
        .expect("query")
        .expect("the clear button")
        .dyn_into()
        .expect("a button");
    assert_eq!(clear.inner_text(), "Clear");
    clear.click();
    assert_eq!(got.lock().expect("not poisoned").last(), Some(&None));
}

// ---- The photo capture ---------------------------------------------------------------------

#[wasm_bindgen_test]
fn photos_shrink_to_a_long_edge_of_1600() {
    assert_eq!(downscaled_size(4032, 3024, 1600), (1600, 1200));
    assert_eq!(downscaled_size(1000, 700, 1600), (1000, 700));
}

#[wasm_bindgen_test]
async fn a_large_photo_becomes_a_jpeg_of_1600_px_and_text_is_refused() {
    let big = canvas(2400, 1200);
    signature_pad::clear(&big).expect("painted");
    let source = signature_pad::encode_png(&big).await.expect("encoded");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&source.bytes[..]));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("image/png");
    let file =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).expect("a blob");
    let photo = photo_capture::capture(&file).await.expect("a photo");
    assert_eq!((photo.width, photo.height), (1600, 800));
    assert_eq!(photo.content_type, "image/jpeg");
    assert_eq!(photo.bytes[..3], [0xff, 0xd8, 0xff], "a JPEG");
    assert!(photo.bytes.len() <= photo_capture::MAX_BYTES);
    assert_eq!(photo.sha256, hash(&photo.bytes));

    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain");
    let parts = js_sys::Array::of1(&JsValue::from_str("not a photo"));
    let text = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).expect("blob");
    assert_eq!(
        photo_capture::capture(&text).await,
        Err(PhotoError::NotAnImage("text/plain".to_owned()))
    );
    // No type and not decodable: not an image either.
    let untyped = web_sys::Blob::new_with_str_sequence(&parts).expect("blob");
    assert!(matches!(
        photo_capture::capture(&untyped).await,
        Err(PhotoError::NotAnImage(_))
    ));
}

// ---- BlobImage -----------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_blob_image_without_a_device_copy_asks_the_server() {
    let container: web_sys::HtmlElement = document()
        .create_element("div")
        .expect("div")
        .dyn_into()
        .expect("html");
    document()
        .body()
        .expect("body")
        .append_child(&container)
        .expect("appended");
    let name = hash(b"nowhere");
    let shown = name.clone();
    // No engine in context (signed out): the server's address.
    let _image = mount_to(container.clone(), move || {
        view! { <BlobImage sha256=shown.clone() alt="signature" class="sig"/> }
    });
    let mut src = None;
    for _ in 0..150 {
        src = container
            .query_selector("img")
            .expect("query")
            .and_then(|img| img.get_attribute("src"));
        if src.is_some() {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(src, Some(format!("/api/blobs/{name}")));
}
