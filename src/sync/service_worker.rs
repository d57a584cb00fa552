//! The app's side of updates: registers `sw.js`, shows that a new version is ready, and
//! activates it when the user accepts — never while a form holds unsaved input.

use crate::unsaved::UnsavedWork;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/sync/sw_bridge.js")]
extern "C" {
    #[wasm_bindgen(js_name = registerServiceWorker)]
    fn register_service_worker(
        on_update_ready: &Closure<dyn FnMut()>,
        on_error: &Closure<dyn FnMut(String)>,
    );

    #[wasm_bindgen(js_name = acceptUpdate)]
    fn accept_update() -> bool;

    #[wasm_bindgen(js_name = controllerBuild)]
    fn controller_build() -> js_sys::Promise;
}

/// Update state, provided as context.
#[derive(Clone, Copy)]
pub struct AppUpdate {
    ready: RwSignal<bool>,
    applying: RwSignal<bool>,
    error: RwSignal<Option<String>>,
}

/// Why an update was not applied when asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    #[error("a form holds unsaved input")]
    UnsavedInput,
    #[error("no new version is waiting")]
    NothingWaiting,
}

impl AppUpdate {
    pub fn provide_and_register() -> Self {
        let this = AppUpdate {
            ready: RwSignal::new(false),
            applying: RwSignal::new(false),
            error: RwSignal::new(None),
        };
        provide_context(this);
        let on_ready = Closure::<dyn FnMut()>::new(move || this.ready.set(true));
        let on_error = Closure::<dyn FnMut(String)>::new(move |e: String| {
            leptos::logging::warn!("service worker: {e}");
            this.error.set(Some(e));
        });
        register_service_worker(&on_ready, &on_error);
        // The callbacks live as long as the page.
        on_ready.forget();
        on_error.forget();
        this
    }

    pub fn use_context() -> Option<Self> {
        use_context::<AppUpdate>()
    }

    /// A new version is installed and waiting.
    pub fn is_ready(&self) -> bool {
        self.ready.get()
    }

    pub fn is_applying(&self) -> bool {
        self.applying.get()
    }

    /// Why the offline copy could not be installed, if it could not.
    pub fn error(&self) -> Option<String> {
        self.error.get()
    }

    /// Activates the waiting version; the page reloads once it takes over.
    pub fn apply(&self, unsaved: UnsavedWork) -> Result<(), UpdateError> {
        if unsaved.any() {
            return Err(UpdateError::UnsavedInput);
        }
        if !accept_update() {
            return Err(UpdateError::NothingWaiting);
        }
        self.applying.set(true);
        Ok(())
    }
}

/// The build id of the version serving this page, from the service worker.
pub async fn current_build() -> Option<String> {
    wasm_bindgen_futures::JsFuture::from(controller_build())
        .await
        .ok()
        .and_then(|v| v.as_string())
}
