//! Online or offline, as the browser reports it (`navigator.onLine` and its events).

use leptos::ev;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Connectivity {
    online: RwSignal<bool>,
}

impl Connectivity {
    pub fn provide() -> Self {
        let initial = web_sys::window()
            .map(|w| w.navigator().on_line())
            .unwrap_or(true);
        let online = RwSignal::new(initial);
        // Listeners for the app's lifetime: the handles are dropped without removing them.
        let _ = window_event_listener(ev::online, move |_| online.set(true));
        let _ = window_event_listener(ev::offline, move |_| online.set(false));
        let this = Connectivity { online };
        provide_context(this);
        this
    }

    pub fn use_context() -> Self {
        use_context::<Connectivity>().unwrap_or_else(Connectivity::provide)
    }

    pub fn is_online(&self) -> bool {
        self.online.get()
    }
}
