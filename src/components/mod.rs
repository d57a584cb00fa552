//! Pieces of the shell shared by every page.

pub mod lang_switch;
pub mod nav;
pub mod shell;
pub mod sync_status;
pub mod top_bar;
pub mod update_banner;
