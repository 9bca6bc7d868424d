//! Identifiers that pass the importer's checks: resident identity numbers (GB 11643),
//! unified social credit codes (GB 32100, with a GB 11714 organisation code inside),
//! Luhn-valid bank cards, corporate accounts, phone numbers, network fingerprints.
//!
//! Check characters come from `qinglian_core::ident`, the same code the importer uses to
//! verify them.

use chrono::{Datelike, NaiveDate};
use qinglian_core::ident::{luhn_check_digit, resident_id_check_char, uscc_check_char};
use rand::Rng;

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
    let first = format!(
        "{region}{:04}{:02}{:02}{seq:03}",
        birth.year(),
        birth.month(),
        birth.day()
    );
    let c = resident_id_check_char(&first).expect("17 digits");
    format!("{first}{c}")
}

/// A unified social credit code of an enterprise ("91") registered in `region`.
pub fn uscc(rng: &mut impl Rng, region: &str) -> String {
    // GB 11714 organisation code: 8 digits and its check character.
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let body: Vec<u32> = (0..8)
        .map(|i| {
            if i == 0 {
                rng.random_range(1..10)
            } else {
                rng.random_range(0..10)
            }
        })
        .collect();
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
const CARD_BINS: &[&str] = &[
    "622202", "622848", "621700", "621661", "622588", "622260", "621226",
];

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
    const P: &[&str] = &[
        "133", "135", "136", "137", "138", "139", "150", "151", "158", "159", "177", "180", "186",
        "187", "189", "199",
    ];
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
    format!(
        "{}.{}.{}.{}",
        FIRST[rng.random_range(0..FIRST.len())],
        rng.random_range(0..256u32),
        rng.random_range(0..256u32),
        rng.random_range(1..255u32)
    )
}

/// A MAC address with a common PC vendor prefix.
pub fn mac(rng: &mut impl Rng) -> String {
    const OUI: &[&str] = &[
        "3C-52-82", "F4-8E-38", "00-E0-4C", "B4-2E-99", "54-EE-75", "D4-81-D7",
    ];
    format!(
        "{}-{:02X}-{:02X}-{:02X}",
        OUI[rng.random_range(0..OUI.len())],
        rng.random::<u8>(),
        rng.random::<u8>(),
        rng.random::<u8>()
    )
}

/// A 32-hex-digit document digest (MD5-sized).
pub fn file_hash(rng: &mut impl Rng) -> String {
    format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use qinglian_core::ident::{BankAccount, BankCard, Phone, ResidentId, Uscc};
    use rand::SeedableRng;

    #[test]
    fn generated_identifiers_pass_the_importers_checks() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..500 {
            let birth = NaiveDate::from_ymd_opt(1980, 2, 29).unwrap();
            assert!(ResidentId::parse(&resident_id(&mut rng, "330106", birth, true)).is_ok());
            assert!(Uscc::parse(&uscc(&mut rng, "330106")).is_ok());
            assert!(BankCard::parse(&bank_card(&mut rng)).is_ok());
            assert!(BankAccount::parse(&corporate_account(&mut rng)).is_ok());
            assert!(Phone::parse(&mobile(&mut rng)).is_ok());
            assert!(Phone::parse(&landline(&mut rng)).is_ok());
        }
    }
}
