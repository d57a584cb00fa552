//! The app's pages, one file each, and the route table. Every section page checks the
//! user's role against the core's `Section::visible_to`, so a typed URL cannot open a page
//! the navigation hides.

pub mod appointments;
pub mod assignments;
pub mod call;
pub mod campaigns;
pub mod complaint;
pub mod complaint_form;
pub mod complaints;
pub mod customer_file;
pub mod customers;
pub mod devices;
pub mod import;
pub mod lead;
pub mod leads;
pub mod not_found;
pub mod report_summary;
pub mod reports;
pub mod script_panel;
pub mod scripts;
pub mod section;
pub mod settings;
pub mod sign_in;
pub mod sync_page;
pub mod team;
pub mod test_drives;
pub mod today;

use customers::{CustomerPage, CustomersPage};
use huifang_core::{Role, Section};
use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Routes};
use leptos_router::hooks::use_params_map;
use leptos_router::path;
use not_found::NotFound;
use settings::Settings;
use sync_page::{ConflictsPage, SyncPage};

/// The route table. One route per shape of path, not per page: the router builds one nested
/// enum over all its routes, so fifteen routes cost the download far more than three with a
/// `match` (the pages themselves are behind `AnyView` either way).
#[component]
pub fn AppRoutes(role: Role, me: huifang_core::UserId) -> impl IntoView {
    let me_detail = me.clone();
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/") view=move || view! { <Redirect path=Section::home(role).path()/> }/>
            <Route path=path!("/:page/:id") view=move || view! { <Detail role=role me=me_detail.clone()/> }/>
            <Route path=path!("/:page") view=move || view! { <Page role=role me=me.clone()/> }/>
        </Routes>
    }
}

/// The page for `/:page/:id`: one record.
#[component]
fn Detail(role: Role, me: huifang_core::UserId) -> impl IntoView {
    let params = use_params_map();
    move || {
        let page = params.read().get("page").unwrap_or_default();
        match page.as_str() {
            "customers" => view! { <CustomerPage role=role/> }.into_any(),
            "tasks" => view! { <call::CallPage role=role me=me.clone()/> }.into_any(),
            "complaints" => match params.read().get("id").as_deref() {
                Some("new") => view! { <complaint::NewComplaintPage role=role/> }.into_any(),
                Some("stats") => view! { <complaints::ComplaintStatsPage role=role/> }.into_any(),
                _ => view! { <complaint::ComplaintPage role=role/> }.into_any(),
            },
            "leads" => view! { <lead::LeadPage role=role/> }.into_any(),
            "reports" => match params.read().get("id").as_deref() {
                Some("summary") => view! { <report_summary::SummaryPage role=role/> }.into_any(),
                Some("group") => view! { <report_summary::GroupPage role=role/> }.into_any(),
                Some("audit") => view! { <report_summary::AuditPage role=role/> }.into_any(),
                Some("devices") => view! { <devices::DevicesPage role=role/> }.into_any(),
                _ => view! { <reports::DrillPage role=role/> }.into_any(),
            },
            _ => view! { <NotFound/> }.into_any(),
        }
    }
}

/// The page for `/:page`.
#[component]
fn Page(role: Role, me: huifang_core::UserId) -> impl IntoView {
    let params = use_params_map();
    move || {
        let page = params.read().get("page").unwrap_or_default();
        match page.as_str() {
            "today" => view! { <today::TodayPage role=role me=me.clone()/> }.into_any(),
            "customers" => view! { <CustomersPage role=role/> }.into_any(),
            "appointments" => view! { <appointments::AppointmentsPage role=role/> }.into_any(),
            "sync" => view! { <SyncPage/> }.into_any(),
            "conflicts" => view! { <ConflictsPage/> }.into_any(),
            "complaints" => view! { <complaints::ComplaintsPage role=role/> }.into_any(),
            "leads" => view! { <leads::LeadsPage role=role me=me.clone()/> }.into_any(),
            "test-drives" => {
                view! { <test_drives::TestDrivesPage role=role me=me.clone()/> }.into_any()
            }
            "import" => view! { <import::ImportPage role=role/> }.into_any(),
            "assignments" => view! { <assignments::AssignmentsPage role=role/> }.into_any(),
            "scripts" => view! { <scripts::ScriptsPage role=role/> }.into_any(),
            "reports" => view! { <reports::ReportsPage role=role/> }.into_any(),
            "team" => view! { <team::TeamPage role=role/> }.into_any(),
            "settings" => view! { <Settings/> }.into_any(),
            _ => view! { <NotFound/> }.into_any(),
        }
    }
}
