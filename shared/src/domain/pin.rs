//! [`Pin`]: the digits that unlock an officer's phone. The PIN does not sign anyone in
//! (the password does); it wraps the key the phone's records are encrypted with, so
//! the rule's job is to keep a thief who holds the phone from guessing it among the
//! first few tries before the app stops accepting PINs.
//!
//! At least [`Pin::MIN_DIGITS`] digits, and none of the PINs people pick first: one digit
//! repeated (`000000`), a run up or down (`123456`, `987654`, also across 9→0), a short
//! block repeated (`121212`, `123123`) or a well-known pattern (`112233`, `123321`).

use crate::validation::FieldProblem;

const FIELD: &str = "pin";

/// PINs so common that they are tried first, beyond the patterns checked in code.
const COMMON: &[&str] = &["112233", "123321", "147258", "159753", "147852", "102030"];

/// A PIN the phone accepts. Its digits are never printed (`Debug` hides them).
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    /// Fewest digits a PIN may have.
    pub const MIN_DIGITS: usize = 6;
    /// Most digits a PIN may have (a longer secret is a password).
    pub const MAX_DIGITS: usize = 12;

    /// Accepts 6–12 digits that are not a trivial pattern; problems are reported on the
    /// field `"pin"`.
    pub fn parse(raw: &str) -> Result<Pin, FieldProblem> {
        let digits = raw.trim();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldProblem::error(
                FIELD,
                "pin_characters",
                "PIN hanya boleh berisi angka.",
                "A PIN may only contain digits.",
            ));
        }
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits.len()) {
            let (min, max) = (Self::MIN_DIGITS, Self::MAX_DIGITS);
            return Err(FieldProblem::error(
                FIELD,
                "pin_length",
                format!("PIN harus {min}–{max} angka."),
                format!("A PIN must have {min}–{max} digits."),
            ));
        }
        if is_trivial(digits.as_bytes()) {
            return Err(FieldProblem::error(
                FIELD,
                "pin_trivial",
                "PIN ini terlalu mudah ditebak (angka sama, berurutan atau berulang). Pilih yang lain.",
                "This PIN is too easy to guess (one digit, a run or a repeated block). Choose another.",
            ));
        }
        Ok(Pin(digits.to_owned()))
    }

    /// The digits, for deriving the key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(…)")
    }
}

/// A run up or down (with 9→0 and 0→9 counted as steps), a block of up to three digits
/// repeated (which includes one digit repeated), or a listed common PIN.
fn is_trivial(digits: &[u8]) -> bool {
    let step = |up: bool| {
        digits.windows(2).all(|w| {
            let (a, b) = (w[0] - b'0', w[1] - b'0');
            if up {
                b == (a + 1) % 10
            } else {
                a == (b + 1) % 10
            }
        })
    };
    let repeated_block = (1..=3).any(|period| {
        digits.len().is_multiple_of(period) && digits.chunks(period).all(|c| c == &digits[..period])
    });
    step(true) || step(false) || repeated_block || COMMON.iter().any(|c| c.as_bytes() == digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::assert_refused;

    #[test]
    fn six_to_twelve_unpatterned_digits_are_a_pin() {
        for raw in ["482913", "  482913 ", "509172", "730418265", "120694837261"] {
            assert!(Pin::parse(raw).is_ok(), "{raw}");
        }
        assert_eq!(Pin::parse(" 482913 ").unwrap().as_str(), "482913");
    }

    #[test]
    fn a_pin_of_fewer_than_six_or_more_than_twelve_digits_is_refused() {
        assert_refused(
            Pin::parse,
            &["", "4829", "48291", "4829130174629"],
            "pin_length",
        );
    }

    #[test]
    fn a_pin_with_anything_but_digits_is_refused() {
        assert_refused(
            Pin::parse,
            &["48 2913", "48291a", "４８２９１３"],
            "pin_characters",
        );
    }

    #[test]
    fn one_digit_runs_repeated_blocks_and_common_pins_are_refused() {
        assert_refused(
            Pin::parse,
            &[
                "000000",
                "111111",
                "999999999",
                "123456",
                "654321",
                "012345",
                "890123",
                "3210987",
                "121212",
                "123123",
                "909090",
                "112233",
                "123321",
                "147258",
            ],
            "pin_trivial",
        );
    }

    #[test]
    fn a_pin_is_never_printed() {
        assert_eq!(format!("{:?}", Pin::parse("482913").unwrap()), "Pin(…)");
    }
}
