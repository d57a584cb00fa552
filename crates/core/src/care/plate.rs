//! Licence plates (号牌) as exports write them: `京A 12345`, `粤B·D12345`, `沪a-12345`.
//! Cleaned to `京A12345` (no separator, capitals); [`display`] puts the dot back.

/// The provinces' one-character abbreviations that open a civilian plate.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
/// The last character of some special plates (driving school, police, trailer, HK, Macau,
/// embassy, consulate).
const SPECIAL_ENDINGS: &str = "学警挂港澳使领";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlateError {
    #[error("no plate")]
    Empty,
    #[error("{0:?} does not start with a province (京, 沪, 粤, …)")]
    NoProvince(String),
    #[error(
        "{0:?} is not a plate: a province, a letter, then 5 (or 6 for new energy) letters or digits"
    )]
    BadShape(String),
}

/// Cleans `raw` to the canonical plate.
pub fn clean(raw: &str) -> Result<String, PlateError> {
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{3000}' | '·' | '•' | '-' | '－' | '.' | '\t'))
        .flat_map(char::to_uppercase)
        .collect();
    if compact.is_empty() {
        return Err(PlateError::Empty);
    }
    let mut chars = compact.chars();
    let province = chars.next().unwrap_or(' ');
    if !PROVINCES.contains(province) {
        return Err(PlateError::NoProvince(raw.trim().to_owned()));
    }
    let rest: Vec<char> = chars.collect();
    let bad = || PlateError::BadShape(raw.trim().to_owned());
    let (authority, serial) = rest.split_first().ok_or_else(bad)?;
    if !authority.is_ascii_uppercase() {
        return Err(bad());
    }
    let (body, ending) = match serial.last() {
        Some(c) if SPECIAL_ENDINGS.contains(*c) => (&serial[..serial.len() - 1], Some(*c)),
        _ => (serial, None),
    };
    let expected = if ending.is_some() { 4 } else { 5 };
    let alnum = body
        .iter()
        .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && *c != 'I' && *c != 'O'));
    let new_energy = ending.is_none() && body.len() == 6;
    if !alnum || !(body.len() == expected || new_energy) {
        return Err(bad());
    }
    Ok(compact)
}

/// A clean plate as people write it: `京A·12345`.
pub fn display(plate: &str) -> String {
    let mut chars = plate.chars();
    match (chars.next(), chars.next()) {
        (Some(p), Some(a)) => format!("{p}{a}·{}", chars.as_str()),
        _ => plate.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_in_the_shapes_exports_write_them() {
        for (raw, clean_plate) in [
            ("京A12345", "京A12345"),
            ("京A 12345", "京A12345"),
            ("京A·12345", "京A12345"),
            ("沪a-1b2c3", "沪A1B2C3"),
            ("粤B·D12345", "粤BD12345"),
            ("粤B 12345D", "粤B12345D"),
            ("冀F1234学", "冀F1234学"),
        ] {
            assert_eq!(clean(raw), Ok(clean_plate.to_owned()), "{raw:?}");
        }
        assert_eq!(display("京A12345"), "京A·12345");
    }

    #[test]
    fn what_is_not_a_plate_says_why() {
        assert_eq!(clean(" "), Err(PlateError::Empty));
        assert!(matches!(clean("AB12345"), Err(PlateError::NoProvince(_))));
        assert!(matches!(clean("京12345"), Err(PlateError::BadShape(_))));
        assert!(matches!(clean("京A1234"), Err(PlateError::BadShape(_))));
        assert!(matches!(clean("京A1234567"), Err(PlateError::BadShape(_))));
        assert!(matches!(clean("京AO2345"), Err(PlateError::BadShape(_))));
    }
}
