//! The screens and their addresses: one home for each screen's path under
//! `/pengawas/`, its menu entry and who may open it. The router's routes, the navigation
//! and every link are built from here.

use jemput_app_common::session::SUPERVISOR_HOME;
use jemput_shared::api::registrations::TableQuery;
use jemput_shared::choice::Label;

/// The app's path segment (`pengawas`).
pub fn base() -> &'static str {
    SUPERVISOR_HOME.trim_matches('/')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// `ringkasan` (and the app's own address): totals, targets, the last 90 days.
    Overview,
    /// `pendaftaran?…`: the registrations table, its filters in the query.
    Registrations,
    /// `pendaftaran/<id>`: one registration.
    Record,
    /// `duplikat`: the duplicates queue.
    Duplicates,
    /// `data-pribadi`: a citizen's data and its processing trail, found by NIK (an access
    /// request).
    PersonalData,
    /// `admin`: users, devices, targets, the region list. Admins only.
    Admin,
}

impl Screen {
    /// The menu, in order.
    pub const MENU: [Screen; 5] = [
        Screen::Overview,
        Screen::Registrations,
        Screen::Duplicates,
        Screen::PersonalData,
        Screen::Admin,
    ];

    /// The path segment after `/pengawas/`.
    pub fn segment(self) -> &'static str {
        match self {
            Screen::Overview => "ringkasan",
            Screen::Registrations | Screen::Record => "pendaftaran",
            Screen::Duplicates => "duplikat",
            Screen::PersonalData => "data-pribadi",
            Screen::Admin => "admin",
        }
    }

    /// The screen's address (for a record: the table's; see [`record_path`]).
    pub fn path(self) -> String {
        format!("/{}/{}", base(), self.segment())
    }

    pub fn label(self) -> Label {
        match self {
            Screen::Overview => Label::new("Ringkasan", "Overview"),
            Screen::Registrations | Screen::Record => Label::new("Pendaftaran", "Registrations"),
            Screen::Duplicates => Label::new("Duplikat", "Duplicates"),
            Screen::PersonalData => Label::new("Data pribadi", "Personal data"),
            Screen::Admin => Label::new("Admin", "Admin"),
        }
    }

    pub fn admins_only(self) -> bool {
        self == Screen::Admin
    }

    /// The menu entry a screen belongs to (a record to the table's).
    pub fn menu_entry(self) -> Screen {
        match self {
            Screen::Record => Screen::Registrations,
            other => other,
        }
    }

    /// The screen at `path` (any other path under the app shows the overview).
    pub fn of_path(path: &str) -> Screen {
        let rest = path
            .trim_start_matches('/')
            .strip_prefix(base())
            .unwrap_or("")
            .trim_matches('/');
        let (first, more) = rest.split_once('/').unwrap_or((rest, ""));
        match Screen::MENU.into_iter().find(|s| s.segment() == first) {
            Some(Screen::Registrations) if !more.is_empty() => Screen::Record,
            Some(screen) => screen,
            None => Screen::Overview,
        }
    }
}

/// The table's address with `query` (its filters, sort and page).
pub fn table_path(query: &TableQuery) -> String {
    let query = query.to_query_string();
    if query.is_empty() {
        Screen::Registrations.path()
    } else {
        format!("{}?{query}", Screen::Registrations.path())
    }
}

/// One registration's address.
pub fn record_path(id: &str) -> String {
    format!("{}/{}", Screen::Record.path(), encode(id))
}

/// `text` percent-encoded for a URL's path or query.
pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_menu_screen_is_found_at_its_own_path() {
        for screen in Screen::MENU {
            assert_eq!(Screen::of_path(&screen.path()), screen);
        }
        assert_eq!(Screen::of_path("/pengawas/pendaftaran/abc"), Screen::Record);
        assert_eq!(Screen::of_path("/pengawas/"), Screen::Overview);
        assert_eq!(Screen::of_path("/pengawas"), Screen::Overview);
        assert_eq!(Screen::Record.menu_entry(), Screen::Registrations);
    }

    #[test]
    fn the_table_path_carries_its_query() {
        assert_eq!(table_path(&TableQuery::default()), "/pengawas/pendaftaran");
        let query = TableQuery {
            regency: Some("17.01".into()),
            ..TableQuery::default()
        };
        assert_eq!(table_path(&query), "/pengawas/pendaftaran?regency=17.01");
    }
}
