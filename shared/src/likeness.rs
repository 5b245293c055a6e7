//! When two registrations probably describe one person, and why: the one home of the
//! rules behind the officer's warning while typing (offline, against the records the
//! phone holds) and the supervisors' queue of likely duplicates beyond an identical NIK.
//!
//! - the same NIK ([`Likeness::SameNik`]; with another name, [`Likeness::SameNikOtherName`]);
//! - the same name and birth date with a NIK one digit off ([`Likeness::NikOneDigitOff`])
//!   or with two neighbouring digits swapped ([`Likeness::NikDigitsSwapped`]) — the two
//!   commonest typing slips;
//! - the same name, birth date and village ([`Likeness::SameNameBirthVillage`]), for
//!   people registered without a NIK or with a mistyped one.
//!
//! Names are compared as [`name_key`]s: case, spacing and punctuation do not matter.

use crate::choice::choices;

choices! {
    /// Why two registrations were proposed as one person.
    pub enum Likeness {
        SameNik => "same_nik", "NIK sama", "Same NIK";
        SameNikOtherName => "same_nik_other_name",
            "NIK sama, nama berbeda", "Same NIK, another name";
        NikOneDigitOff => "nik_one_digit_off",
            "Nama dan tanggal lahir sama, NIK beda satu angka",
            "Same name and birth date, NIK one digit off";
        NikDigitsSwapped => "nik_digits_swapped",
            "Nama dan tanggal lahir sama, dua angka NIK tertukar",
            "Same name and birth date, two NIK digits swapped";
        SameNameBirthVillage => "same_name_birth_village",
            "Nama, tanggal lahir dan desa sama",
            "Same name, birth date and village";
    }
}

/// What the rules read of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person<'a> {
    /// Empty for a person registered without a NIK.
    pub nik: &'a str,
    pub full_name: &'a str,
    /// `YYYY-MM-DD`, or empty.
    pub birth_date: &'a str,
    /// The village's region code, or empty.
    pub village: &'a str,
}

/// A name as the rules compare it: letters and digits in lower case, words separated by
/// one space ("  Siti  NURHALIZA, S.Pd " → "siti nurhaliza s pd").
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for word in name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    key
}

/// How two different NIKs of the same length are near: one digit off, or two
/// neighbouring digits swapped. `None` when they are equal or further apart.
pub fn nik_slip(a: &str, b: &str) -> Option<Likeness> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let mut differing = (0..a.len()).filter(|&i| a[i] != b[i]);
    match (differing.next(), differing.next(), differing.next()) {
        (Some(_), None, None) => Some(Likeness::NikOneDigitOff),
        (Some(i), Some(j), None) if j == i + 1 && a[i] == b[j] && a[j] == b[i] => {
            Some(Likeness::NikDigitsSwapped)
        }
        _ => None,
    }
}

/// Why `a` and `b` are probably one person, the strongest reason first; `None` when
/// nothing suggests it.
pub fn likeness(a: &Person<'_>, b: &Person<'_>) -> Option<Likeness> {
    let (name_a, name_b) = (name_key(a.full_name), name_key(b.full_name));
    if !a.nik.is_empty() && a.nik == b.nik {
        // A name not typed yet is not another name.
        let other_name = !name_a.is_empty() && !name_b.is_empty() && name_a != name_b;
        return Some(if other_name {
            Likeness::SameNikOtherName
        } else {
            Likeness::SameNik
        });
    }
    let same_birth = !a.birth_date.is_empty() && a.birth_date == b.birth_date;
    if !same_birth || name_a.is_empty() || name_a != name_b {
        return None;
    }
    nik_slip(a.nik, b.nik).or_else(|| {
        (!a.village.is_empty() && a.village == b.village).then_some(Likeness::SameNameBirthVillage)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person<'a>(nik: &'a str, name: &'a str, birth: &'a str, village: &'a str) -> Person<'a> {
        Person {
            nik,
            full_name: name,
            birth_date: birth,
            village,
        }
    }

    const NIK: &str = "1701024107900001";

    #[test]
    fn names_compare_without_case_spacing_or_punctuation() {
        assert_eq!(name_key("  Siti  NURHALIZA, S.Pd "), "siti nurhaliza s pd");
        assert_eq!(
            name_key("siti nurhaliza s pd"),
            name_key("Siti Nurhaliza S.Pd.")
        );
        assert_eq!(name_key(" ,. "), "");
    }

    #[test]
    fn a_nik_one_digit_off_or_with_two_neighbours_swapped_is_a_slip() {
        assert_eq!(
            nik_slip(NIK, "1701024107900002"),
            Some(Likeness::NikOneDigitOff)
        );
        assert_eq!(
            nik_slip(NIK, "1701024107900010"),
            Some(Likeness::NikDigitsSwapped)
        );
        // Two digits off, not neighbours, or not a swap: no slip.
        assert_eq!(nik_slip(NIK, "1701024107900022"), None);
        assert_eq!(
            nik_slip(NIK, "7101024107900001"),
            Some(Likeness::NikDigitsSwapped)
        );
        assert_eq!(
            nik_slip(NIK, "1071024107900001"),
            Some(Likeness::NikDigitsSwapped)
        );
        assert_eq!(nik_slip(NIK, "0701024107900011"), None);
        assert_eq!(nik_slip(NIK, NIK), None);
        assert_eq!(nik_slip(NIK, "170102410790000"), None);
        assert_eq!(nik_slip("", ""), None);
    }

    #[test]
    fn the_strongest_reason_is_given() {
        let a = person(NIK, "Siti Nurhaliza", "1990-07-01", "1701012001");
        assert_eq!(
            likeness(&a, &person(NIK, "SITI  nurhaliza", "", "")),
            Some(Likeness::SameNik)
        );
        assert_eq!(
            likeness(&a, &person(NIK, "Budi", "1990-07-01", "1701012001")),
            Some(Likeness::SameNikOtherName)
        );
        // While the officer has typed only the NIK.
        assert_eq!(
            likeness(&person(NIK, "", "", ""), &a),
            Some(Likeness::SameNik)
        );
        assert_eq!(
            likeness(
                &a,
                &person("1701024107900002", "Siti Nurhaliza", "1990-07-01", "x")
            ),
            Some(Likeness::NikOneDigitOff)
        );
        assert_eq!(
            likeness(
                &a,
                &person("", "Siti Nurhaliza", "1990-07-01", "1701012001")
            ),
            Some(Likeness::SameNameBirthVillage)
        );
    }

    #[test]
    fn nothing_suggests_it_without_the_same_name_and_birth_date() {
        let a = person(NIK, "Siti Nurhaliza", "1990-07-01", "1701012001");
        // A one-digit slip with another birth date or name.
        assert_eq!(
            likeness(
                &a,
                &person("1701024107900002", "Siti Nurhaliza", "1990-07-02", "")
            ),
            None
        );
        assert_eq!(
            likeness(
                &a,
                &person("1701024107900002", "Siti Aminah", "1990-07-01", "")
            ),
            None
        );
        // The same name and birth date elsewhere, with an unrelated NIK.
        assert_eq!(
            likeness(
                &a,
                &person("1702010101800001", "Siti Nurhaliza", "1990-07-01", "1702")
            ),
            None
        );
        // Empty fields never match each other.
        let empty = person("", "", "", "");
        assert_eq!(likeness(&empty, &empty), None);
    }
}
