//! Huifang's app: a Leptos CSR app that works with no network. `App` provides the narrow
//! contexts (language, session, connectivity, update, unsaved work) and the routes.

pub mod calls;
pub mod components;
pub mod devtools;
pub mod directory;
pub mod i18n;
pub mod model;
pub mod routes;
pub mod script_run;
pub mod scripts_model;
pub mod session;
pub mod storage;
pub mod sync;
pub mod timing;
pub mod unsaved;

use components::shell::Shell;
use i18n::I18n;
use leptos::prelude::*;
use leptos_router::components::Router;
use routes::sign_in::{SignIn, Unlock};
use session::Session;
use sync::connectivity::Connectivity;
use sync::service_worker::AppUpdate;
use unsaved::UnsavedWork;

/// The whole app. Signed out, it shows the sign-in page; signed in (also offline, from the
/// profile cached on the device) and unlocked, the shell with the pages the user's role may
/// use; signed in but locked (a reload), the unlock page.
#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::provide();
    let session = Session::provide();
    Connectivity::provide();
    UnsavedWork::provide();
    AppUpdate::provide_and_register();
    session.revalidate();
    // Re-render the shell (and restart the sync engine) only when the person changes, not
    // when the server merely confirms the same profile.
    let signed_in = Memo::new(move |_| session.user());
    // The device's data is sealed: the shell (and the sync engine) start once this tab holds
    // the user's data key; until then, after a reload, the password unlocks it.
    let unlocked = Memo::new(move |_| session.is_unlocked());

    view! {
        <Router>
            <components::update_banner::UpdateBanner/>
            {move || match (signed_in.get(), unlocked.get()) {
                (Some(user), true) => view! { <Shell user=user/> }.into_any(),
                (Some(user), false) => view! { <Unlock user=user/> }.into_any(),
                (None, _) => view! { <SignIn/> }.into_any(),
            }}
        </Router>
        <noscript>{move || i18n.t(i18n::Key::AppName)}</noscript>
    }
}
