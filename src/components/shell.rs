//! The signed-in layout: top bar, navigation by role, and the page.

use crate::components::{nav::MainNav, top_bar::TopBar};
use crate::routes::AppRoutes;
use huifang_core::UserProfile;
use leptos::prelude::*;

#[component]
pub fn Shell(user: UserProfile) -> impl IntoView {
    let role = user.role;
    view! {
        <div class="shell">
            <TopBar user=user/>
            <MainNav role=role/>
            <main class="page" id="main">
                <AppRoutes role=role/>
            </main>
        </div>
    }
}
