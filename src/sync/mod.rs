//! Everything between the device and the server: the HTTP transport, connectivity, and the
//! service-worker bridge. The sync loop joins them when the sync engine lands.

pub mod connectivity;
pub mod service_worker;
pub mod transport;
