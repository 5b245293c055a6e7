//! The admin's screen (`#/admin`): users, devices, targets and the region import. The
//! supervisor frame's navigation shows it to admins only.

use leptos::prelude::*;

use crate::i18n::l;
use crate::state::use_state;

#[component]
pub fn AdminPage() -> impl IntoView {
    let lang = use_state().lang;
    view! {
        <section class="admin" data-testid="admin">
            <h1>{move || l(lang.get(), "Admin", "Admin")}</h1>
        </section>
    }
}
