//! [`PhotoCapture`]: a photo from the tablet's camera (or its files), downscaled so its long
//! edge is at most [`MAX_EDGE`] px, encoded as JPEG and refused over [`MAX_BYTES`].

use super::blob_image::{CapturedImage, encode_canvas, js_message};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The longest edge a kept photo has, in pixels.
pub const MAX_EDGE: u32 = 1600;
/// The most bytes a kept photo may have (the server's limit is larger).
pub const MAX_BYTES: usize = 1024 * 1024;
/// JPEG quality of a kept photo.
pub const JPEG_QUALITY: f64 = 0.8;

/// Why a chosen file did not become a photo; the page says it in the person's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the chosen file is not an image ({0:?})")]
    NotAnImage(String),
    #[error("the image could not be read: {0}")]
    Decode(String),
    #[error("the image could not be encoded: {0}")]
    Encode(String),
    #[error("the photo is {bytes} bytes, more than the {max} allowed")]
    TooLarge { bytes: usize, max: usize },
}

/// The size of an image `width`×`height` whose long edge is at most `max_edge` (never
/// upscaled; the aspect ratio kept to the nearest pixel; never 0).
pub fn downscaled_size(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_edge || long == 0 {
        return (width, height);
    }
    let scale = f64::from(max_edge) / f64::from(long);
    let side = |n: u32| ((f64::from(n) * scale).round() as u32).clamp(1, max_edge);
    (side(width), side(height))
}

/// Decodes, downscales and encodes a chosen file (a `File` is a `Blob`).
pub async fn capture(file: &web_sys::Blob) -> Result<CapturedImage, PhotoError> {
    let declared = file.type_();
    if !declared.is_empty() && !declared.starts_with("image/") {
        return Err(PhotoError::NotAnImage(declared));
    }
    let window = web_sys::window().ok_or_else(|| PhotoError::Decode("no window".to_owned()))?;
    let decoding = window
        .create_image_bitmap_with_blob(file)
        .map_err(|e| PhotoError::Decode(js_message(&e)))?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(decoding)
        .await
        // The browser cannot decode it: not an image after all (or a damaged one).
        .map_err(|e| match declared.is_empty() {
            true => PhotoError::NotAnImage(js_message(&e)),
            false => PhotoError::Decode(js_message(&e)),
        })?
        .dyn_into()
        .map_err(|e| PhotoError::Decode(js_message(&e)))?;
    let (width, height) = downscaled_size(bitmap.width(), bitmap.height(), MAX_EDGE);
    let drawn = draw(&window, &bitmap, width, height);
    bitmap.close();
    let canvas = drawn?;
    let image = encode_canvas(&canvas, "image/jpeg", Some(JPEG_QUALITY))
        .await
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    if image.bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge {
            bytes: image.bytes.len(),
            max: MAX_BYTES,
        });
    }
    Ok(image)
}

fn draw(
    window: &web_sys::Window,
    bitmap: &web_sys::ImageBitmap,
    width: u32,
    height: u32,
) -> Result<web_sys::HtmlCanvasElement, PhotoError> {
    let fail = |e: JsValue| PhotoError::Encode(js_message(&e));
    let canvas: web_sys::HtmlCanvasElement = window
        .document()
        .ok_or_else(|| PhotoError::Encode("no document".to_owned()))?
        .create_element("canvas")
        .map_err(fail)?
        .dyn_into()
        .map_err(|e| PhotoError::Encode(js_message(&e)))?;
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(fail)?
        .ok_or_else(|| PhotoError::Encode("no 2d context".to_owned()))?
        .dyn_into()
        .map_err(|e| PhotoError::Encode(js_message(&e)))?;
    // JPEG has no transparency: a transparent PNG would turn black.
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, f64::from(width), f64::from(height));
    ctx.set_image_smoothing_enabled(true);
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(
        bitmap,
        0.0,
        0.0,
        f64::from(width),
        f64::from(height),
    )
    .map_err(fail)?;
    Ok(canvas)
}

/// A button-like file input that opens the rear camera on a tablet.
#[component]
pub fn PhotoCapture(
    #[prop(into)] label: Signal<String>,
    on_photo: Callback<CapturedImage>,
    on_error: Callback<PhotoError>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return; // the person cancelled
        };
        busy.set(true);
        spawn_local(async move {
            let result = capture(&file).await;
            // The same file may be chosen again.
            input.set_value("");
            busy.try_set(false);
            match result {
                // The page may have gone while the photo was decoded: say so, never panic.
                Ok(image) => {
                    if on_photo.try_run(image).is_none() {
                        leptos::logging::warn!("the photo arrived after its page closed");
                    }
                }
                Err(e) => {
                    if on_error.try_run(e).is_none() {
                        leptos::logging::warn!("a photo failed after its page closed");
                    }
                }
            }
        });
    };
    view! {
        <label class="field photo-capture" aria-busy=move || busy.get().to_string()>
            <span class="label-text">{move || label.get()}</span>
            <input
                type="file"
                accept="image/*"
                capture="environment"
                data-testid="photo-input"
                prop:disabled=move || busy.get()
                on:change=on_change
            />
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_shrink_to_a_long_edge_of_1600_and_keep_their_shape() {
        assert_eq!(downscaled_size(4032, 3024, 1600), (1600, 1200));
        assert_eq!(downscaled_size(3024, 4032, 1600), (1200, 1600));
        assert_eq!(downscaled_size(1600, 900, 1600), (1600, 900));
        assert_eq!(
            downscaled_size(800, 600, 1600),
            (800, 600),
            "never upscaled"
        );
        assert_eq!(downscaled_size(4000, 1, 1600), (1600, 1), "never 0");
        assert_eq!(downscaled_size(0, 0, 1600), (0, 0));
        assert_eq!(downscaled_size(1601, 1601, 1600), (1600, 1600));
        assert_eq!(downscaled_size(3000, 1999, 1600), (1600, 1066));
    }
}
