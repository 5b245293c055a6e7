//! The form's warning while typing: the person may already be on this phone — a record
//! with the same NIK, a NIK one slip away with the same name and birth date, or the same
//! name, birth date and village (`jemput_shared::likeness`, the rules the supervisors'
//! queue uses too). It works offline, against the records the phone holds (the officer's
//! own and those of other officers in their area), and offers to open that record.

use jemput_app_common::format;
use jemput_shared::likeness::{likeness, Likeness, Person};
use jemput_shared::registration::Registration;
use leptos::prelude::*;

use crate::i18n::{l, label};
use crate::local_db::Summary;
use crate::state::{use_state, Screen};

/// What the rules read of the draft: (NIK, name, birth date, village).
type Typed = (String, String, String, String);

fn typed(draft: &Registration) -> Typed {
    (
        draft.nik.clone(),
        draft.full_name.clone(),
        draft.birth_date.clone(),
        draft.address.village.clone(),
    )
}

/// The first record on the phone that is probably the person being typed, and why.
fn likely_match(
    (nik, full_name, birth_date, village): &Typed,
    own_id: Option<&str>,
    held: &[Summary],
) -> Option<(Summary, Likeness)> {
    let typed = Person {
        nik,
        full_name,
        birth_date,
        village,
    };
    held.iter()
        .filter(|s| Some(s.id.as_str()) != own_id)
        .find_map(|s| likeness(&typed, &s.person()).map(|why| (s.clone(), why)))
}

/// Shows the warning when the draft matches a record the phone holds: under the NIK for
/// a match on the NIK, under the village (`at_village`) for a match on name, birth date
/// and village — where the officer is typing when it appears.
#[component]
pub fn DuplicateWarning(
    draft: RwSignal<Registration>,
    own_id: Option<String>,
    #[prop(optional)] at_village: bool,
) -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    // Only a change to these four fields (not every keystroke elsewhere) matches again.
    let typed = Memo::new(move |_| draft.with(typed));
    let found = Memo::new(move |_| {
        typed
            .with(|d| {
                state
                    .summaries
                    .with(|held| likely_match(d, own_id.as_deref(), held))
            })
            .filter(|(_, why)| (*why == Likeness::SameNameBirthVillage) == at_village)
    });
    move || {
        found.get().map(|(other, why)| {
            let id = other.id.clone();
            view! {
                <div class="alert warn duplicate-warning" role="status" data-testid="duplicate-warning" data-reason=why.code()>
                    <p>
                        <strong>{move || l(lang.get(), "Mungkin sudah terdaftar: ", "Possibly registered already: ")}</strong>
                        {other.full_name.clone()}" ("{format::day(other.created_at)}") — "
                        {move || label(lang.get(), why.label())}
                    </p>
                    <button type="button" class="secondary" name="open_duplicate"
                        on:click=move |_| state.go(Screen::Edit(id.clone()))>
                        {move || l(lang.get(), "Buka data itu", "Open that record")}
                    </button>
                </div>
            }
        })
    }
}
