//! The two UI languages. Texts live next to the code that shows them, as a pair
//! `l(lang, "Bahasa Indonesia", "English")`, so a screen reads top to bottom in both
//! languages and no key table drifts out of date. Bahasa Indonesia is the default.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// The language's BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    /// The name of the language, in itself, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Id => "Bahasa Indonesia",
            Lang::En => "English",
        }
    }
}

/// Picks the text for `lang`.
pub fn l<T>(lang: Lang, id: T, en: T) -> T {
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

/// A coded value's name (`Programme::label()`, `ReviewStatus::label()`…) in `lang`.
pub fn label(lang: Lang, label: jemput_shared::choice::Label) -> &'static str {
    l(lang, label.id, label.en)
}
