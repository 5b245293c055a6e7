//! Jemput's web app (Leptos, client-side rendered): the officer's offline registration
//! screens. Work in progress for the officer-app issue.
use leptos::prelude::*;

fn main() {
    console_error_panic_hook_free_mount();
}

fn console_error_panic_hook_free_mount() {
    leptos::mount::mount_to_body(|| view! { <main id="app"><h1>"Jemput"</h1></main> });
}
