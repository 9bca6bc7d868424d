//! Identifiers that pass the importer's checks: resident identity numbers (GB 11643),
//! unified social credit codes (GB 32100, with a GB 11714 organisation code inside),
//! Luhn-valid bank cards, corporate accounts, phone numbers, network fingerprints.
//!
//! The check functions mirror `qinglian_core`'s identifier checks; they are private here
//! so the generator does not wait on that module, and the tests cross-check both.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// GB 11643 check character for the first 17 digits of a resident identity number.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b.iter().zip(ID_WEIGHTS).map(|(c, w)| u32::from(c - b'0') * w).sum();
    Some(b"10X98765432"[(sum % 11) as usize] as char)
}

/// GB 32100 check character for the first 17 characters of a unified social credit code.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in b.iter().zip(USCC_WEIGHTS) {
        sum += USCC_CHARS.iter().position(|x| x == c)? as u32 * w;
    }
    Some(USCC_CHARS[((31 - sum % 31) % 31) as usize] as char)
}

/// Luhn check digit to append to `payload`.
pub fn luhn_check_digit(payload: &str) -> Option<char> {
    let b = payload.as_bytes();
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut sum = 0u32;
    for (i, c) in b.iter().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    Some(char::from(b'0' + ((10 - sum % 10) % 10) as u8))
}

/// True when the whole number (payload plus check digit) passes Luhn.
pub fn luhn_valid(number: &str) -> bool {
    number.len() >= 2 && luhn_check_digit(&number[..number.len() - 1]) == number.chars().last()
}

/// True when an 18-character resident identity number is well formed and its check char right.
pub fn resident_id_valid(id: &str) -> bool {
    id.len() == 18
        && resident_id_check_char(&id[..17]) == id.chars().last()
        && NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").is_ok()
}

/// True when an 18-character unified social credit code has the right check character.
pub fn uscc_valid(code: &str) -> bool {
    code.len() == 18 && uscc_check_char(&code[..17]) == code.chars().last()
}

/// County-level region codes (GB/T 2260) where staff and their families come from; the
/// first entries (the group's home city) dominate.
pub const HOME_REGIONS: &[&str] = &["330102", "330105", "330106", "330108", "330109", "330110"];
pub const OTHER_REGIONS: &[&str] = &[
    "330206", "330302", "330402", "330502", "330602", "330702", "331002", "320102", "320506",
    "340104", "360102", "410105", "420106", "430104", "510107", "370102", "350102", "110105",
    "310104", "130102", "140105", "610113", "500103", "450103",
];

/// A region code: 75 % home city, else elsewhere in China.
pub fn region(rng: &mut impl Rng) -> &'static str {
    if rng.random_bool(0.75) {
        HOME_REGIONS[rng.random_range(0..HOME_REGIONS.len())]
    } else {
        OTHER_REGIONS[rng.random_range(0..OTHER_REGIONS.len())]
    }
}

/// A resident identity number for someone born on `birth` (sequence odd for men).
pub fn resident_id(rng: &mut impl Rng, region: &str, birth: NaiveDate, male: bool) -> String {
    let mut seq: u32 = rng.random_range(0..500) * 2;
    if male {
        seq += 1;
    }
    let first = format!("{region}{:04}{:02}{:02}{seq:03}", birth.year(), birth.month(), birth.day());
    let c = resident_id_check_char(&first).expect("17 digits");
    format!("{first}{c}")
}

/// A unified social credit code of an enterprise ("91") registered in `region`.
pub fn uscc(rng: &mut impl Rng, region: &str) -> String {
    // GB 11714 organisation code: 8 digits and its check character.
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let body: Vec<u32> = (0..8).map(|i| if i == 0 { rng.random_range(1..10) } else { rng.random_range(0..10) }).collect();
    let s: u32 = body.iter().zip(W).map(|(d, w)| d * w).sum();
    let check = match 11 - s % 11 {
        10 => 'X',
        11 => '0',
        n => char::from(b'0' + n as u8),
    };
    let mut first = format!("91{region}");
    for d in body {
        first.push(char::from(b'0' + d as u8));
    }
    first.push(check);
    let c = uscc_check_char(&first).expect("17 valid characters");
    first.push(c);
    first
}

/// Bank identification numbers of debit cards of the big banks.
const CARD_BINS: &[&str] = &["622202", "622848", "621700", "621661", "622588", "622260", "621226"];

/// A 19-digit Luhn-valid debit card number.
pub fn bank_card(rng: &mut impl Rng) -> String {
    let mut s = String::with_capacity(19);
    s.push_str(CARD_BINS[rng.random_range(0..CARD_BINS.len())]);
    while s.len() < 18 {
        s.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    let c = luhn_check_digit(&s).expect("digits");
    s.push(c);
    s
}

/// A corporate settlement account (no check digit; 19 digits).
pub fn corporate_account(rng: &mut impl Rng) -> String {
    const PREFIX: &[&str] = &["1202", "1901", "3301", "7331", "5719", "3310"];
    let mut s = PREFIX[rng.random_range(0..PREFIX.len())].to_owned();
    while s.len() < 19 {
        s.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    s
}

/// An 11-digit mainland mobile number.
pub fn mobile(rng: &mut impl Rng) -> String {
    const P: &[&str] = &["133", "135", "136", "137", "138", "139", "150", "151", "158", "159", "177", "180", "186", "187", "189", "199"];
    let mut s = P[rng.random_range(0..P.len())].to_owned();
    while s.len() < 11 {
        s.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    s
}

/// A landline in the group's home city, written `0571-8xxxxxxx`.
pub fn landline(rng: &mut impl Rng) -> String {
    format!("0571-8{:07}", rng.random_range(0..10_000_000u32))
}

/// A public IPv4 address of a bidder's office.
pub fn ip(rng: &mut impl Rng) -> String {
    const FIRST: &[u8] = &[36, 39, 60, 101, 112, 115, 117, 122, 183, 218, 220, 222];
    format!("{}.{}.{}.{}", FIRST[rng.random_range(0..FIRST.len())], rng.random_range(0..256u32), rng.random_range(0..256u32), rng.random_range(1..255u32))
}

/// A MAC address with a common PC vendor prefix.
pub fn mac(rng: &mut impl Rng) -> String {
    const OUI: &[&str] = &["3C-52-82", "F4-8E-38", "00-E0-4C", "B4-2E-99", "54-EE-75", "D4-81-D7"];
    format!("{}-{:02X}-{:02X}-{:02X}", OUI[rng.random_range(0..OUI.len())], rng.random::<u8>(), rng.random::<u8>(), rng.random::<u8>())
}

/// A 32-hex-digit document digest (MD5-sized).
pub fn file_hash(rng: &mut impl Rng) -> String {
    format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn known_values() {
        // GB 11643 worked example.
        assert_eq!(resident_id_check_char("11010519491231002"), Some('X'));
        assert_eq!(uscc_check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(luhn_check_digit("7992739871"), Some('3'));
    }

    #[test]
    fn generated_identifiers_validate() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..500 {
            let birth = NaiveDate::from_ymd_opt(1980, 2, 29).unwrap();
            assert!(resident_id_valid(&resident_id(&mut rng, "330106", birth, true)));
            assert!(uscc_valid(&uscc(&mut rng, "330106")));
            assert!(luhn_valid(&bank_card(&mut rng)));
        }
    }
}
