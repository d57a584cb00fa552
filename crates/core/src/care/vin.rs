//! Vehicle identification numbers (VIN, 车架号; GB 16735 / ISO 3779): 17 characters without
//! I, O or Q, the 9th a check digit over the others. An export's VIN that fails the check was
//! mistyped somewhere, and must not merge two customers' cars.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VinError {
    #[error("no VIN")]
    Empty,
    #[error("a VIN has 17 characters; {0:?} has {1}")]
    Length(String, usize),
    #[error("{0:?} holds {1:?}, which no VIN contains (only digits and letters but I, O, Q)")]
    BadCharacter(String, char),
    #[error("{vin:?} fails its check digit (the 9th character should be {expected})")]
    CheckDigit { vin: String, expected: char },
}

const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// The value a character counts for in the check sum (`None`: not allowed in a VIN).
fn value(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None,
    })
}

/// The check digit of a 17-character VIN (its own 9th character does not count).
pub fn check_digit(vin: &[char; 17]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in vin.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    Some(match sum % 11 {
        10 => 'X',
        n => char::from(b'0' + n as u8),
    })
}

/// Cleans `raw` (spaces dropped, capitals) and checks it.
pub fn clean(raw: &str) -> Result<String, VinError> {
    let vin: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    if vin.is_empty() {
        return Err(VinError::Empty);
    }
    let chars: Vec<char> = vin.chars().collect();
    let Ok(array) = <[char; 17]>::try_from(chars.as_slice()) else {
        return Err(VinError::Length(vin, chars.len()));
    };
    if let Some(bad) = array.iter().find(|c| value(**c).is_none()) {
        return Err(VinError::BadCharacter(vin.clone(), *bad));
    }
    match check_digit(&array) {
        Some(expected) if expected == array[8] => Ok(vin),
        Some(expected) => Err(VinError::CheckDigit { vin, expected }),
        None => Err(VinError::BadCharacter(vin, '?')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

    #[test]
    fn known_vins_pass_and_typos_fail() {
        assert_eq!(
            clean("1m8gdm9axkp042788"),
            Ok("1M8GDM9AXKP042788".to_owned())
        );
        assert_eq!(
            clean("1M8 GDM9AX KP042788"),
            Ok("1M8GDM9AXKP042788".to_owned())
        );
        assert_eq!(
            clean("11111111111111111"),
            Ok("11111111111111111".to_owned())
        );
        assert!(matches!(
            clean("1M8GDM9AXKP042789"),
            Err(VinError::CheckDigit { expected: '1', .. })
        ));
        assert!(matches!(
            clean("1M8GDM9AXKP04278"),
            Err(VinError::Length(_, 16))
        ));
        assert!(matches!(
            clean("1M8GDM9AXKP04278O"),
            Err(VinError::BadCharacter(_, 'O'))
        ));
        assert_eq!(clean(""), Err(VinError::Empty));
    }

    /// Any one mistyped character (to one of a different value) is caught: the weights and
    /// value differences are below 11, which is prime.
    #[test]
    fn every_single_substitution_is_caught() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16735);
        for _ in 0..2_000 {
            let mut vin = [' '; 17];
            for c in vin.iter_mut() {
                *c = char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]);
            }
            vin[8] = check_digit(&vin).expect("valid alphabet");
            let text: String = vin.iter().collect();
            assert_eq!(clean(&text), Ok(text.clone()));
            let at = rng.random_range(0..17);
            if at == 8 {
                continue;
            }
            let replacement = char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]);
            if value(replacement) == value(vin[at]) {
                continue;
            }
            let mut typo = vin;
            typo[at] = replacement;
            let typo: String = typo.iter().collect();
            assert!(
                matches!(clean(&typo), Err(VinError::CheckDigit { .. })),
                "{text} → {typo} not caught"
            );
        }
    }
}
