//! Images kept as blobs (signatures, photos): [`CapturedImage`], what the signature pad and
//! the photo capture hand to a page, and [`BlobImage`], which shows one by its SHA-256 from
//! the device's copy, else from the server (keeping a copy so it shows offline next time).

use crate::sync::Sync;
use crate::sync::engine::{SyncEngine, object_url};
use crate::sync::transport;
use futures::channel::oneshot;
use gloo_timers::future::TimeoutFuture;
use huifang_core::sync::blobs;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// An image ready to keep as a blob: its bytes, named by their SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedImage {
    /// 64 lowercase hex digits: the SHA-256 of `bytes`.
    pub sha256: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl CapturedImage {
    /// Names `bytes` by their hash.
    pub fn new(content_type: &str, bytes: Vec<u8>, width: u32, height: u32) -> Self {
        CapturedImage {
            sha256: blobs::hash(&bytes),
            content_type: content_type.to_owned(),
            bytes,
            width,
            height,
        }
    }
}

/// Why a canvas could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("the browser could not encode the image as {0}")]
    NoBlob(String),
    #[error("reading the encoded image failed: {0}")]
    Read(String),
}

pub(crate) fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Encodes a canvas (`canvas.toBlob`) as `content_type` (`quality` for JPEG and WebP).
pub async fn encode_canvas(
    canvas: &web_sys::HtmlCanvasElement,
    content_type: &str,
    quality: Option<f64>,
) -> Result<CapturedImage, EncodeError> {
    let (sender, receiver) = oneshot::channel::<Option<web_sys::Blob>>();
    let callback = Closure::once(move |blob: JsValue| {
        let _ = sender.send(blob.dyn_into::<web_sys::Blob>().ok());
    });
    let quality = quality.map_or(JsValue::UNDEFINED, JsValue::from_f64);
    canvas
        .to_blob_with_type_and_encoder_options(
            callback.as_ref().unchecked_ref(),
            content_type,
            &quality,
        )
        .map_err(|e| EncodeError::Read(js_message(&e)))?;
    let blob = receiver
        .await
        .ok()
        .flatten()
        .ok_or_else(|| EncodeError::NoBlob(content_type.to_owned()))?;
    // A browser that cannot encode the type falls back to PNG: say what it is.
    let actual = match blob.type_() {
        t if t.is_empty() => content_type.to_owned(),
        t => t,
    };
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| EncodeError::Read(js_message(&e)))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    Ok(CapturedImage::new(
        &actual,
        bytes,
        canvas.width(),
        canvas.height(),
    ))
}

/// The engine, waiting up to about two seconds for the device database to open.
async fn engine(sync: Option<Sync>) -> Option<SyncEngine> {
    let sync = sync?;
    for _ in 0..20 {
        if let Some(engine) = sync.engine() {
            return Some(engine);
        }
        TimeoutFuture::new(100).await;
    }
    sync.engine()
}

/// Where to show the blob from: the device's copy, else the server's, kept on the device.
/// `Ok(url)` is an object URL to revoke; `Err(url)` the server's address.
async fn source(engine: Option<SyncEngine>, sha256: &str) -> Result<String, String> {
    let server = format!("/api/blobs/{sha256}");
    let Some(engine) = engine else {
        return Err(server);
    };
    match engine.blob_url(sha256).await {
        Ok(Some(url)) => return Ok(url),
        Ok(None) => {}
        Err(e) => leptos::logging::warn!("the device's copy of {sha256} is unreadable: {e}"),
    }
    let (bytes, content_type) = match transport::get_bytes(&server).await {
        Ok((bytes, Some(content_type))) => (bytes, content_type),
        Ok((_, None)) => {
            leptos::logging::warn!("the server sent {sha256} without a content type");
            return Err(server);
        }
        Err(e) => {
            // Offline, or not (yet) there: the browser tries the address itself (its cache).
            leptos::logging::warn!("could not fetch {sha256}: {e}");
            return Err(server);
        }
    };
    if let Err(e) = engine
        .keep_downloaded_blob(sha256, &content_type, &bytes)
        .await
    {
        leptos::logging::warn!("could not keep a copy of {sha256} on the device: {e}");
    }
    object_url(&content_type, &bytes).map_err(|e| {
        leptos::logging::warn!("could not show {sha256} from memory: {e}");
        server
    })
}

fn revoke(url: &str) {
    if let Err(e) = web_sys::Url::revoke_object_url(url) {
        leptos::logging::warn!("could not release an image: {}", js_message(&e));
    }
}

/// An image kept as a blob, by its SHA-256: the device's copy, else the server's (then kept
/// on the device, so it shows offline next time).
#[component]
pub fn BlobImage(
    #[prop(into)] sha256: String,
    #[prop(into)] alt: String,
    #[prop(optional, into)] class: String,
) -> impl IntoView {
    let src = RwSignal::new(None::<String>);
    // The object URL this image made, released when it goes away.
    let made = StoredValue::new_local(None::<String>);
    on_cleanup(move || {
        if let Some(Some(url)) = made.try_get_value() {
            revoke(&url);
        }
    });
    if blobs::is_hash(&sha256) {
        let sync = Sync::use_context();
        let hash = sha256.clone();
        spawn_local(async move {
            match source(engine(sync).await, &hash).await {
                Ok(url) => {
                    // Gone meanwhile: nobody will release it but us.
                    let gone = made.try_set_value(Some(url.clone())).is_some()
                        || src.try_set(Some(url.clone())).is_some();
                    if gone {
                        revoke(&url);
                    }
                }
                Err(server) => {
                    src.try_set(Some(server));
                }
            }
        });
    } else {
        leptos::logging::warn!("not a blob name: {sha256:?}");
    }
    view! {
        <img
            class=class
            alt=alt
            data-blob=sha256
            src=move || src.get()
            data-source=move || {
                src.get().map(|s| if s.starts_with("blob:") { "device" } else { "server" })
            }
        />
    }
}
