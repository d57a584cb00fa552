//! Pieces of the shell shared by every page.

pub mod blob_image;
pub mod charts;
pub mod lang_switch;
pub mod masked_phone;
pub mod nav;
pub mod photo_capture;
pub mod shell;
pub mod signature_pad;
pub mod sync_status;
pub mod top_bar;
pub mod update_banner;

pub use blob_image::{BlobImage, CapturedImage};
pub use photo_capture::{PhotoCapture, PhotoError};
pub use signature_pad::SignaturePad;
