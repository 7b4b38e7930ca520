//! Exact money and coin amounts.
//!
//! Gifts are a streamer's income and agencies settle on them, so amounts are never `f64`: an
//! [`Amount`] is a whole number of millionths (micro-units), which holds every real currency's
//! minor unit and YouTube's `amountMicros` exactly. On the wire it is a decimal string
//! (`"4.99"`); on input a JSON number is accepted too, read through its shortest decimal form.

use std::fmt;
use std::str::FromStr;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Micro-units in one unit.
pub const MICROS_PER_UNIT: i64 = 1_000_000;

/// An exact decimal amount with up to six fractional digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    micros: i64,
}

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an amount: write a decimal number such as 12 or 4.99 (at most 6 decimals)")]
pub struct AmountError(pub String);

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount { micros: 0 };

    /// An amount from micro-units (YouTube's `amountMicros`).
    pub const fn from_micros(micros: i64) -> Amount {
        Amount { micros }
    }

    /// A whole number of units (bits, gold coins, yuan).
    pub const fn from_units(units: i64) -> Amount {
        Amount { micros: units.saturating_mul(MICROS_PER_UNIT) }
    }

    /// The amount in micro-units.
    pub const fn micros(self) -> i64 {
        self.micros
    }

    /// `self * count`, or `None` on overflow.
    pub fn checked_mul(self, count: u64) -> Option<Amount> {
        let count = i64::try_from(count).ok()?;
        self.micros.checked_mul(count).map(Amount::from_micros)
    }

    /// Formats a sum of micro-units (tallies add up in `i128`) the way amounts are written.
    pub fn format_micros(micros: i128) -> String {
        let negative = micros < 0;
        let abs = micros.unsigned_abs();
        let units = abs / MICROS_PER_UNIT as u128;
        let frac = abs % MICROS_PER_UNIT as u128;
        let sign = if negative { "-" } else { "" };
        if frac == 0 {
            format!("{sign}{units}")
        } else {
            let digits = format!("{frac:06}");
            format!("{sign}{units}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Amount::format_micros(i128::from(self.micros)))
    }
}

impl FromStr for Amount {
    type Err = AmountError;

    fn from_str(text: &str) -> Result<Amount, AmountError> {
        let fail = || AmountError(text.chars().take(40).collect());
        let trimmed = text.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > 6 {
            return Err(fail());
        }
        let whole: i64 = whole.parse().map_err(|_| fail())?;
        let mut frac_micros: i64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            frac_micros += i64::from(b - b'0') * 10_i64.pow(5 - i as u32);
        }
        let micros = whole.checked_mul(MICROS_PER_UNIT).and_then(|w| w.checked_add(frac_micros)).ok_or_else(fail)?;
        Ok(Amount { micros: if negative { -micros } else { micros } })
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Amount, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal amount as a string (\"4.99\") or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(MICROS_PER_UNIT))
                    .map(Amount::from_micros)
                    .ok_or_else(|| E::custom("amount too large"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                v.checked_mul(MICROS_PER_UNIT).map(Amount::from_micros).ok_or_else(|| E::custom("amount too large"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                // The shortest text that reads back as `v` is what the sender wrote (4.99).
                format!("{v}").parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        for (text, micros, back) in [
            ("4.99", 4_990_000, "4.99"),
            ("12", 12_000_000, "12"),
            ("0.000001", 1, "0.000001"),
            ("-3.5", -3_500_000, "-3.5"),
            ("100.10", 100_100_000, "100.1"),
        ] {
            let amount: Amount = text.parse().unwrap();
            assert_eq!(amount.micros(), micros, "{text}");
            assert_eq!(amount.to_string(), back);
        }
        for bad in ["", "1.2345678", "abc", "1e5", ".5", "1.2.3", "--1"] {
            assert!(bad.parse::<Amount>().is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_json_numbers_and_strings() {
        let amounts: Vec<Amount> = serde_json::from_str(r#"[4.99, "4.99", 5, 0.1]"#).unwrap();
        assert_eq!(
            amounts.iter().map(|a| a.micros()).collect::<Vec<_>>(),
            vec![4_990_000, 4_990_000, 5_000_000, 100_000]
        );
        assert_eq!(serde_json::to_string(&amounts[0]).unwrap(), "\"4.99\"");
    }
}
