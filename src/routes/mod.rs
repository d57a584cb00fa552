//! The app's pages, one file each, and the route table. Every section page checks the
//! user's role against the core's `Section::visible_to`, so a typed URL cannot open a page
//! the navigation hides.

pub mod customers;
pub mod not_found;
pub mod section;
pub mod settings;
pub mod sign_in;
pub mod sync_page;

use customers::{CustomerPage, CustomersPage};
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Routes};
use leptos_router::path;
use not_found::NotFound;
use section::SectionPage;
use settings::Settings;
use sync_page::{ConflictsPage, SyncPage};

#[component]
pub fn AppRoutes(role: Role) -> impl IntoView {
    let page = move |section: Section| move || view! { <SectionPage section=section role=role/> };
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/") view=move || view! { <Redirect path=Section::home(role).path()/> }/>
            <Route path=path!("/today") view=page(Section::Today)/>
            <Route path=path!("/customers") view=move || view! { <CustomersPage role=role/> }/>
            <Route path=path!("/customers/:id") view=move || view! { <CustomerPage role=role/> }/>
            <Route path=path!("/sync") view=SyncPage/>
            <Route path=path!("/conflicts") view=ConflictsPage/>
            <Route path=path!("/complaints") view=page(Section::Complaints)/>
            <Route path=path!("/leads") view=page(Section::Leads)/>
            <Route path=path!("/test-drives") view=page(Section::TestDrives)/>
            <Route path=path!("/import") view=page(Section::Import)/>
            <Route path=path!("/assignments") view=page(Section::Assignments)/>
            <Route path=path!("/scripts") view=page(Section::Scripts)/>
            <Route path=path!("/reports") view=page(Section::Reports)/>
            <Route path=path!("/team") view=page(Section::Team)/>
            <Route path=path!("/settings") view=Settings/>
        </Routes>
    }
}
