//! "Perlu ditindaklanjuti": the records this officer may change that need them again
//! today (WIB) — a correction asked, a training past its planned end, a job seeker's
//! six-monthly report. `jemput_shared::work_list` says why, from the facts each record's
//! summary keeps (`Summary::due`), so the list opens no document and works offline.
//! Tapping a record opens it.

use jemput_shared::calendar::{wib_date, CivilDate};
use jemput_shared::domain::RegionCode;
use jemput_shared::work_list::DueReason;
use leptos::prelude::*;

use crate::i18n::{l, label};
use crate::local_db::Summary;
use crate::state::{now_ms, use_state, AppState, Screen};

/// The records `user_id` may change that are due on `today`, each with its reasons, the
/// most pressing reason first.
pub fn due_today(
    summaries: &[Summary],
    user_id: &str,
    today: CivilDate,
) -> Vec<(Summary, Vec<DueReason>)> {
    let mut due: Vec<(Summary, Vec<DueReason>)> = summaries
        .iter()
        .filter(|s| !s.view_only_for(user_id))
        .map(|s| (s.clone(), s.due.due(today)))
        .filter(|(_, reasons)| !reasons.is_empty())
        .collect();
    due.sort_by_key(|(_, reasons)| reasons.first().copied());
    due
}

/// The signed-in officer's due records, today.
pub fn due_now(state: AppState) -> Memo<Vec<(Summary, Vec<DueReason>)>> {
    Memo::new(move |_| {
        let user_id = state
            .session
            .with(|s| s.as_ref().map(|s| s.user.id.clone()))
            .unwrap_or_default();
        let today = wib_date(now_ms() as i64);
        state.summaries.with(|all| due_today(all, &user_id, today))
    })
}

#[component]
pub fn WorkList() -> impl IntoView {
    let state = use_state();
    let lang = state.lang;
    let due = due_now(state);
    super::list::scroll_to_top();
    // A village's name where the phone holds the region list, else its code.
    let village = move |code: &str| {
        state
            .regions
            .with(|regions| {
                let code = RegionCode::parse(code).ok()?;
                regions.as_ref()?.name_of(&code).map(str::to_owned)
            })
            .unwrap_or_else(|| code.to_owned())
    };
    view! {
        <section class="list work-list">
            <div class="form-head">
                <button type="button" class="link" name="back" on:click=move |_| state.go(Screen::List)>
                    {move || l(lang.get(), "← Kembali", "← Back")}
                </button>
                <h1>{move || l(lang.get(), "Perlu ditindaklanjuti", "Needs follow-up")}</h1>
            </div>
            <Show when=move || due.with(Vec::is_empty)>
                <p class="hint">{move || l(lang.get(), "Tidak ada yang perlu ditindaklanjuti hari ini.", "Nothing needs a follow-up today.")}</p>
            </Show>
            <ul class="records">
                {move || due.get().into_iter().map(|(s, reasons)| {
                    let id = s.id.clone();
                    let place = village(&s.village);
                    view! {
                        <li class="record" data-id=s.id.clone()
                            on:click=move |_| state.go(Screen::Edit(id.clone()))>
                            <div class="record-main">
                                <strong class="name">{s.full_name.clone()}</strong>
                                <span class="village">{place}</span>
                            </div>
                            <div class="record-tags">
                                {reasons.into_iter().map(|reason| view! {
                                    <span class=format!("tag due due-{}", reason.code()) data-reason=reason.code()>
                                        {move || label(lang.get(), reason.label())}
                                    </span>
                                }).collect_view()}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use jemput_shared::work_list::DueFacts;

    use super::*;

    fn summary(id: &str, registered_by: &str, due: DueFacts) -> Summary {
        Summary {
            id: id.into(),
            full_name: String::new(),
            nik: String::new(),
            birth_date: String::new(),
            village: String::new(),
            status: "submitted".into(),
            pending: false,
            rejected: None,
            last_comment: None,
            created_at: 0,
            registered_by: registered_by.into(),
            assigned_officer: None,
            due,
        }
    }

    #[test]
    fn the_officers_own_due_records_are_listed_the_most_pressing_first() {
        let ended = DueFacts {
            training_ends: Some((2026, 11, 30)),
            ..DueFacts::default()
        };
        let correction = DueFacts {
            correction_asked: true,
            ..DueFacts::default()
        };
        let summaries = [
            summary("ended", "o1", ended),
            summary("anothers", "o2", correction),
            summary("nothing", "o1", DueFacts::default()),
            summary("correction", "o1", correction),
        ];
        let due = due_today(&summaries, "o1", (2026, 12, 1));
        let ids: Vec<&str> = due.iter().map(|(s, _)| s.id.as_str()).collect();
        assert_eq!(ids, ["correction", "ended"]);
        assert_eq!(due[1].1, vec![DueReason::TrainingEnded]);
        assert!(due_today(&summaries, "o1", (2026, 11, 30)).len() == 1);
    }
}
