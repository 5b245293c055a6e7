//! A native device client: the shared sync core driven over HTTP, with registrations kept
//! in memory. The load generator and the integration tests use it.

mod device;
mod http;

pub use device::NativeDevice;
pub use http::{HttpConnection, HttpResponse};
