//! Closed choices of the domain — gender, marital status, education, employment, review
//! status, programme, role — as one trait: each value's stable code (the form it takes in
//! documents, JSON, the projection and URLs), the list of every value in the order the
//! screens offer them, and its name in both languages. This is the one home of each list
//! and each label: the officer's form, the supervisor's screens, validation and the
//! server all read them from here.

/// A name in both languages: Bahasa Indonesia first, then English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub id: &'static str,
    pub en: &'static str,
}

impl Label {
    pub const fn new(id: &'static str, en: &'static str) -> Label {
        Label { id, en }
    }
}

/// A closed choice: a small `Copy` enum whose values have stable codes.
pub trait Choice: Copy + PartialEq + Send + Sync + 'static {
    /// Every value, in the order a form or a filter lists them.
    const ALL: &'static [Self];

    /// The stable code: the value's serde name (`"needs_correction"`, `"blk_training"`).
    fn code(self) -> &'static str;

    /// The value's name for people, in both languages.
    fn label(self) -> Label;

    /// The value of `code`; `None` for a code no value has.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.code() == code)
    }
}

/// Defines a choice enum from one table — its attributes, then `Variant => "code",
/// "Indonesian", "English";` in the order of `ALL` — so each variant is written once: the
/// enum itself (`Copy`, `Eq`, `Hash`, serde in snake_case, the code being the serde name;
/// other derives as attributes), inherent `ALL`, `code`, `from_code` and `label` (callers
/// need no trait import) and the [`Choice`] impl for generic code.
macro_rules! choices {
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident {
            $($(#[$variant_meta:meta])* $variant:ident => $code:literal, $id:literal, $en:literal;)+
        }
    ) => {
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(rename_all = "snake_case")]
        $(#[$meta])*
        $vis enum $ty {
            $($(#[$variant_meta])* $variant,)+
        }

        $crate::choice::choices!(@impl $ty { $($variant => $code, $id, $en;)+ });
    };
    (@impl $ty:ident { $($variant:ident => $code:literal, $id:literal, $en:literal;)+ }) => {
        impl $ty {
            /// Every value, in the order a form or a filter lists them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stable code: the value's serde name.
            pub fn code(self) -> &'static str {
                match self {
                    $($ty::$variant => $code,)+
                }
            }

            /// The value of `code`; `None` for a code no value has.
            pub fn from_code(code: &str) -> Option<$ty> {
                match code {
                    $($code => Some($ty::$variant),)+
                    _ => None,
                }
            }

            /// The value's name for people, in both languages.
            pub fn label(self) -> $crate::choice::Label {
                match self {
                    $($ty::$variant => $crate::choice::Label::new($id, $en),)+
                }
            }
        }

        impl $crate::choice::Choice for $ty {
            const ALL: &'static [$ty] = $ty::ALL;

            fn code(self) -> &'static str {
                $ty::code(self)
            }

            fn label(self) -> $crate::choice::Label {
                $ty::label(self)
            }

            fn from_code(code: &str) -> Option<$ty> {
                $ty::from_code(code)
            }
        }
    };
}
pub(crate) use choices;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Role;
    use crate::registration::{
        EducationLevel, EmploymentStatus, Gender, MaritalStatus, Programme, ReviewStatus,
    };

    /// A choice's code is exactly its serde name, and every code reads back.
    fn codes_are_serde_names<T: Choice + serde::Serialize + std::fmt::Debug>() {
        for &value in T::ALL {
            assert_eq!(
                serde_json::to_value(value).unwrap(),
                serde_json::Value::String(value.code().to_owned()),
            );
            assert_eq!(T::from_code(value.code()), Some(value));
            assert!(!value.label().id.is_empty() && !value.label().en.is_empty());
        }
        assert_eq!(T::from_code("no-such-code"), None);
    }

    #[test]
    fn every_choice_code_is_its_serde_name() {
        codes_are_serde_names::<Gender>();
        codes_are_serde_names::<MaritalStatus>();
        codes_are_serde_names::<EducationLevel>();
        codes_are_serde_names::<EmploymentStatus>();
        codes_are_serde_names::<ReviewStatus>();
        codes_are_serde_names::<Programme>();
        codes_are_serde_names::<Role>();
        codes_are_serde_names::<crate::api::audit::AuditAction>();
    }

    #[test]
    fn a_programme_code_is_its_interests_kind() {
        for &programme in Programme::ALL {
            let interest = programme.interest();
            assert_eq!(interest.programme(), programme);
            assert_eq!(
                serde_json::to_value(&interest).unwrap()["kind"],
                programme.code()
            );
        }
    }
}
