//! Entry point: install the panic hook and mount the app. Everything else lives in the library.

fn main() {
    huifang::timing::mark(huifang::timing::MAIN);
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(huifang::App);
}
