//! Mainland China phone numbers as DMS exports and people write them: `138 0013 8000`,
//! `+86-138-0013-8000`, `0086 13800138000`, `(010) 6552-9988`, `+86 10 6552 9988`, `021－62345678`.
//! Cleaned to one canonical form so duplicates are found by phone.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A cleaned number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phone {
    /// 11 digits, `1[3-9]…`: `13800138000`.
    Mobile(String),
    /// Area code with its 0, a dash, the local number: `010-65529988`, `0311-8765432`.
    Landline { area: String, local: String },
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phone::Mobile(n) => f.write_str(n),
            Phone::Landline { area, local } => write!(f, "{area}-{local}"),
        }
    }
}

/// Why a number could not be cleaned (the import's row error says this).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no phone number")]
    Empty,
    #[error("a phone number holds only digits, spaces, dashes, brackets and a leading +: {0:?}")]
    BadCharacters(String),
    #[error(
        "{0:?} is not a mainland mobile (11 digits from 13 to 19) or a landline with area code"
    )]
    NotANumber(String),
    #[error("the landline {0:?} has no area code")]
    NoAreaCode(String),
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}' | '-' | '－' | '—' | '.' | '(' | ')' | '（' | '）' | '/' | '\t'
    )
}

/// Cleans `raw`. A local number without its area code takes `default_area` (the store's, e.g.
/// `"0311"`) when given.
pub fn clean(raw: &str, default_area: Option<&str>) -> Result<Phone, PhoneError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    let mut digits = String::with_capacity(trimmed.len());
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            // Full-width digits, as Chinese input methods type them.
            '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            '+' | '＋' if i == 0 => {}
            c if is_separator(c) => {}
            _ => return Err(PhoneError::BadCharacters(trimmed.to_owned())),
        }
    }
    let has_plus = trimmed.starts_with(['+', '＋']);
    // The country code: +86 / 0086 / 86 before a full national number.
    let (national, international) = if let Some(rest) = digits.strip_prefix("0086") {
        (rest.to_owned(), true)
    } else if has_plus {
        match digits.strip_prefix("86") {
            Some(rest) => (rest.to_owned(), true),
            None => return Err(PhoneError::NotANumber(trimmed.to_owned())),
        }
    } else if digits.len() == 13 && digits.starts_with("861") {
        (digits[2..].to_owned(), true)
    } else {
        (digits, false)
    };
    // After the country code a landline drops its 0 (+86 10 …): put it back.
    let looks_mobile = national.len() == 11 && national.starts_with('1');
    let national = if international && !looks_mobile && !national.starts_with('0') {
        format!("0{national}")
    } else {
        national
    };
    if national.len() == 11 && national.starts_with('1') {
        let second = national.as_bytes()[1];
        if (b'3'..=b'9').contains(&second) {
            return Ok(Phone::Mobile(national));
        }
        return Err(PhoneError::NotANumber(trimmed.to_owned()));
    }
    if let Some(rest) = national.strip_prefix('0') {
        // No area code starts 00: that is a country code read twice (`0086 0086 …`), and as
        // an "area" `0086-…` would not clean to itself again.
        if rest.starts_with('0') {
            return Err(PhoneError::NotANumber(trimmed.to_owned()));
        }
        // Two-digit area codes: 10 (Beijing) and 20–29; the rest have three.
        let area_len = if rest.starts_with('1') || rest.starts_with('2') {
            2
        } else {
            3
        };
        if rest.len() <= area_len {
            return Err(PhoneError::NotANumber(trimmed.to_owned()));
        }
        let (area, local) = rest.split_at(area_len);
        if (7..=8).contains(&local.len()) && !local.starts_with('0') && !local.starts_with('1') {
            return Ok(Phone::Landline {
                area: format!("0{area}"),
                local: local.to_owned(),
            });
        }
        return Err(PhoneError::NotANumber(trimmed.to_owned()));
    }
    if (7..=8).contains(&national.len()) {
        return match default_area {
            Some(area) => clean(&format!("{area}-{national}"), None),
            None => Err(PhoneError::NoAreaCode(trimmed.to_owned())),
        };
    }
    Err(PhoneError::NotANumber(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mobile(n: &str) -> Result<Phone, PhoneError> {
        Ok(Phone::Mobile(n.to_owned()))
    }

    fn landline(area: &str, local: &str) -> Result<Phone, PhoneError> {
        Ok(Phone::Landline {
            area: area.to_owned(),
            local: local.to_owned(),
        })
    }

    #[test]
    fn mobiles_in_every_shape_exports_write_them() {
        for raw in [
            "13800138000",
            " 138 0013 8000 ",
            "138-0013-8000",
            "+86 138 0013 8000",
            "+86-13800138000",
            "0086 13800138000",
            "8613800138000",
            "＋８６ １３８００１３８０００",
        ] {
            assert_eq!(clean(raw, None), mobile("13800138000"), "{raw:?}");
        }
    }

    #[test]
    fn landlines_keep_their_area_code() {
        assert_eq!(clean("010-65529988", None), landline("010", "65529988"));
        assert_eq!(clean("(010) 6552 9988", None), landline("010", "65529988"));
        assert_eq!(clean("+86 10 6552 9988", None), landline("010", "65529988"));
        assert_eq!(clean("021－62345678", None), landline("021", "62345678"));
        assert_eq!(clean("0311-8765432", None), landline("0311", "8765432"));
        assert_eq!(
            clean("0086 311 87654321", None),
            landline("0311", "87654321")
        );
        assert_eq!(
            clean("87654321", Some("0311")),
            landline("0311", "87654321")
        );
        assert_eq!(
            clean("010-65529988", None).map(|p| p.to_string()),
            Ok("010-65529988".to_owned())
        );
    }

    /// Found by the `phone_parse` fuzz target (fuzz/corpus/phone_parse/country-code-twice):
    /// the country code written twice cleaned to the "landline" `0086-20372322`, which does not
    /// clean to itself.
    #[test]
    fn no_area_code_starts_with_00() {
        assert!(matches!(
            clean("0086008620372322)", None),
            Err(PhoneError::NotANumber(_))
        ));
        assert!(matches!(
            clean("0086-20372322", None),
            Err(PhoneError::NotANumber(_))
        ));
        assert_eq!(
            clean("0086 20 3723 2322", None),
            landline("020", "37232322")
        );
    }

    #[test]
    fn what_is_not_a_number_says_why() {
        assert_eq!(clean("   ", None), Err(PhoneError::Empty));
        assert!(matches!(
            clean("138abc", None),
            Err(PhoneError::BadCharacters(_))
        ));
        assert!(matches!(
            clean("12800138000", None),
            Err(PhoneError::NotANumber(_))
        ));
        assert!(matches!(
            clean("1380013800", None),
            Err(PhoneError::NotANumber(_))
        ));
        assert!(matches!(
            clean("87654321", None),
            Err(PhoneError::NoAreaCode(_))
        ));
        assert!(matches!(
            clean("+1 415 555 0100", None),
            Err(PhoneError::NotANumber(_))
        ));
    }

    #[test]
    fn cleaning_is_idempotent() {
        for raw in ["+86 138 0013 8000", "(010) 6552 9988", "0311-8765432"] {
            let once = clean(raw, None).expect("cleans");
            assert_eq!(clean(&once.to_string(), None), Ok(once.clone()));
        }
    }
}
