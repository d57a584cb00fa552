//! The signed-in layout: top bar, navigation by role, and the page.

use crate::components::{nav::MainNav, top_bar::TopBar};
use crate::directory::People;
use crate::routes::AppRoutes;
use crate::sync::Sync;
use huifang_core::UserProfile;
use leptos::prelude::*;

#[component]
pub fn Shell(user: UserProfile) -> impl IntoView {
    let role = user.role;
    let me = user.id.clone();
    // The signed-in person's device data and colleagues, for as long as they are signed in.
    Sync::provide(&user);
    People::provide(&user);
    view! {
        <div class="shell">
            <TopBar user=user/>
            <MainNav role=role/>
            <main class="page" id="main">
                <AppRoutes role=role me=me/>
            </main>
        </div>
    }
}
