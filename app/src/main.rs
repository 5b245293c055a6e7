//! Jemput officer & supervisor web app (Leptos CSR). Placeholder until the app issue.
fn main() {}
