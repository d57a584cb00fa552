//! [`SignaturePad`]: a customer signs on the tablet with a finger, a stylus or a mouse
//! (Pointer Events); after each stroke the pad hands the page a PNG of the signature.

use super::blob_image::{CapturedImage, EncodeError, encode_canvas, js_message};
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The pad's height in CSS pixels (its width is its container's).
pub const PAD_HEIGHT_CSS: f64 = 200.0;
/// The width used when the pad is laid out before it has one (hidden at mount).
const FALLBACK_WIDTH_CSS: f64 = 600.0;
/// The ink, in CSS pixels.
const LINE_WIDTH_CSS: f64 = 2.5;
const INK: &str = "#111111";
const PAPER: &str = "#ffffff";

/// Why the pad could not draw or encode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PadError {
    #[error("the canvas has no 2d context: {0}")]
    NoContext(String),
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

fn context(
    canvas: &web_sys::HtmlCanvasElement,
) -> Result<web_sys::CanvasRenderingContext2d, PadError> {
    canvas
        .get_context("2d")
        .map_err(|e| PadError::NoContext(js_message(&e)))?
        .ok_or_else(|| PadError::NoContext("none".to_owned()))?
        .dyn_into()
        .map_err(|e| PadError::NoContext(js_message(&e)))
}

/// Sizes the canvas to its laid-out width × [`PAD_HEIGHT_CSS`] at the device's pixel ratio
/// (sharp strokes on a retina tablet), draws in CSS pixels, and paints it white (so the PNG
/// prints). Clears what was drawn.
pub fn prepare(canvas: &web_sys::HtmlCanvasElement, ratio: f64) -> Result<(), PadError> {
    let ratio = if ratio.is_finite() && ratio > 0.0 {
        ratio
    } else {
        1.0
    };
    let laid_out = f64::from(canvas.client_width());
    let width = if laid_out > 0.0 {
        laid_out
    } else {
        FALLBACK_WIDTH_CSS
    };
    canvas.set_width((width * ratio).round() as u32);
    canvas.set_height((PAD_HEIGHT_CSS * ratio).round() as u32);
    let ctx = context(canvas)?;
    ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0)
        .map_err(|e| PadError::NoContext(js_message(&e)))?;
    ctx.set_line_width(LINE_WIDTH_CSS);
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
    ctx.set_stroke_style_str(INK);
    clear(canvas)
}

/// Paints the whole canvas white.
pub fn clear(canvas: &web_sys::HtmlCanvasElement) -> Result<(), PadError> {
    let ctx = context(canvas)?;
    ctx.save();
    // The backing store, whatever the transform.
    let reset = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    ctx.set_fill_style_str(PAPER);
    ctx.fill_rect(
        0.0,
        0.0,
        f64::from(canvas.width()),
        f64::from(canvas.height()),
    );
    ctx.restore();
    reset.map_err(|e| PadError::NoContext(js_message(&e)))
}

/// A stroke from `from` to `to`, in CSS pixels from the canvas' top left.
pub fn stroke(
    canvas: &web_sys::HtmlCanvasElement,
    from: (f64, f64),
    to: (f64, f64),
) -> Result<(), PadError> {
    let ctx = context(canvas)?;
    ctx.begin_path();
    ctx.move_to(from.0, from.1);
    ctx.line_to(to.0, to.1);
    ctx.stroke();
    Ok(())
}

/// The canvas as a PNG.
pub async fn encode_png(canvas: &web_sys::HtmlCanvasElement) -> Result<CapturedImage, PadError> {
    Ok(encode_canvas(canvas, "image/png", None).await?)
}

/// Where a pointer event is, in CSS pixels from the canvas' top left.
fn at(canvas: &web_sys::HtmlCanvasElement, ev: &web_sys::PointerEvent) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    (
        f64::from(ev.client_x()) - rect.left(),
        f64::from(ev.client_y()) - rect.top(),
    )
}

fn ratio() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio())
}

/// The signature pad: draws with any pointer; after each stroke `on_change` gets the PNG,
/// after "clear" it gets `None`.
#[component]
pub fn SignaturePad(
    #[prop(into)] clear_label: Signal<String>,
    on_change: Callback<Option<CapturedImage>>,
) -> impl IntoView {
    let canvas_ref = NodeRef::<Canvas>::new();
    // The last point of the stroke in progress (None: not drawing).
    let last: Rc<Cell<Option<(f64, f64)>>> = Rc::new(Cell::new(None));
    // Bumped by "clear": a PNG encoded before it must not arrive after it.
    let generation = Rc::new(Cell::new(0u64));
    let drew = Rc::new(Cell::new(false));

    canvas_ref.on_load(move |canvas| {
        if let Err(e) = prepare(&canvas, ratio()) {
            leptos::logging::warn!("the signature pad cannot draw: {e}");
        }
    });

    let down = {
        let last = last.clone();
        move |ev: web_sys::PointerEvent| {
            let Some(canvas) = canvas_ref.get_untracked() else {
                return;
            };
            ev.prevent_default();
            if let Err(e) = canvas.set_pointer_capture(ev.pointer_id()) {
                leptos::logging::warn!("no pointer capture: {}", js_message(&e));
            }
            let p = at(&canvas, &ev);
            // A dot for a tap.
            if let Err(e) = stroke(&canvas, p, (p.0 + 0.01, p.1)) {
                leptos::logging::warn!("the signature pad cannot draw: {e}");
            }
            last.set(Some(p));
        }
    };
    let moved = {
        let last = last.clone();
        let drew = drew.clone();
        move |ev: web_sys::PointerEvent| {
            let (Some(canvas), Some(from)) = (canvas_ref.get_untracked(), last.get()) else {
                return;
            };
            ev.prevent_default();
            let to = at(&canvas, &ev);
            match stroke(&canvas, from, to) {
                Ok(()) => drew.set(true),
                Err(e) => leptos::logging::warn!("the signature pad cannot draw: {e}"),
            }
            last.set(Some(to));
        }
    };
    let up = {
        let last = last.clone();
        let generation = generation.clone();
        move |ev: web_sys::PointerEvent| {
            if last.take().is_none() {
                return; // not a stroke of ours
            }
            let Some(canvas) = canvas_ref.get_untracked() else {
                return;
            };
            if canvas.has_pointer_capture(ev.pointer_id()) {
                let _ = canvas.release_pointer_capture(ev.pointer_id());
            }
            drew.set(true);
            let started = generation.get();
            let generation = generation.clone();
            spawn_local(async move {
                match encode_png(&canvas).await {
                    Ok(image) if generation.get() == started => {
                        if on_change.try_run(Some(image)).is_none() {
                            leptos::logging::warn!("the signature arrived after its form closed");
                        }
                    }
                    Ok(_) => {} // cleared meanwhile
                    Err(e) => leptos::logging::error!("the signature could not be kept: {e}"),
                }
            });
        }
    };
    let cancel = up.clone();
    let on_clear = {
        let generation = generation.clone();
        move |_| {
            generation.set(generation.get() + 1);
            last.set(None);
            if let Some(canvas) = canvas_ref.get_untracked()
                && let Err(e) = clear(&canvas)
            {
                leptos::logging::warn!("the signature pad cannot clear: {e}");
            }
            on_change.run(None);
        }
    };

    view! {
        <div class="signature-pad">
            <canvas
                node_ref=canvas_ref
                data-testid="signature-pad"
                style="display:block;width:100%;touch-action:none;background:#fff;border:1px solid #ccc;border-radius:4px"
                style:height=format!("{PAD_HEIGHT_CSS}px")
                on:pointerdown=down
                on:pointermove=moved
                on:pointerup=up
                on:pointercancel=cancel
            ></canvas>
            <button type="button" class="button" data-testid="signature-clear" on:click=on_clear>
                {move || clear_label.get()}
            </button>
        </div>
    }
}
