//! Property tests: every form the parsers promise to read round-trips, every check character
//! catches a single substitution, and no input makes a parser panic.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use proptest::prelude::*;
use proptest::sample::select;
use qinglian_core::{
    AmountProblem, BankCard, IdentError, Money, Phone, ResidentId, Uscc, luhn_check_digit,
    luhn_valid, parse_date, parse_datetime, resident_id_check_char, uscc_check_char,
};

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

fn date_in(from: NaiveDate, to: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    (from.num_days_from_ce()..=to.num_days_from_ce())
        .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    date_in(ymd(1000, 1, 1), ymd(9999, 12, 31))
}

/// The 1900-system serial of a date after the phantom 1900-02-29.
fn excel_serial(date: NaiveDate) -> i64 {
    (date - ymd(1899, 12, 30)).num_days()
}

fn date_forms(d: NaiveDate) -> Vec<String> {
    let (y, m, day) = (d.year(), d.month(), d.day());
    let mut forms = vec![
        format!("{y}-{m:02}-{day:02}"),
        format!("{y}-{m}-{day}"),
        format!("{y}/{m}/{day}"),
        format!("{y}.{m}.{day}"),
        format!("{y}年{m}月{day}日"),
        format!("{y}{m:02}{day:02}"),
        full_width(&format!("{y}-{m:02}-{day:02}")),
        full_width(&format!("{y}年{m}月{day}日")),
    ];
    let serial = excel_serial(d);
    if (10_000..=99_999).contains(&serial) {
        forms.push(serial.to_string());
    }
    forms
}

fn time_forms(t: NaiveTime) -> Vec<(String, NaiveTime)> {
    let (h, m, s) = (t.hour(), t.minute(), t.second());
    let ms = t.nanosecond() / 1_000_000;
    let to_minute = NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let to_second = NaiveTime::from_hms_opt(h, m, s).unwrap();
    let to_milli = NaiveTime::from_hms_milli_opt(h, m, s, ms).unwrap();
    vec![
        (format!("{h:02}:{m:02}"), to_minute),
        (format!("{h}:{m:02}:{s:02}"), to_second),
        (format!("{h:02}:{m:02}:{s:02}.{ms:03}"), to_milli),
        (format!("{h}时{m}分"), to_minute),
        (format!("{h}时{m}分{s}秒"), to_second),
    ]
}

fn any_time() -> impl Strategy<Value = NaiveTime> {
    (0u32..24, 0u32..60, 0u32..60, 0u32..1000)
        .prop_map(|(h, m, s, ms)| NaiveTime::from_hms_milli_opt(h, m, s, ms).unwrap())
}

proptest! {
    #[test]
    fn every_date_form_parses_back(d in any_date()) {
        for form in date_forms(d) {
            prop_assert_eq!(parse_date(&form), Ok(d), "{}", form);
            prop_assert_eq!(parse_datetime(&form), Ok(d.and_time(NaiveTime::MIN)), "{}", form);
        }
    }

    #[test]
    fn every_date_and_time_form_parses_back(d in any_date(), t in any_time()) {
        for date in date_forms(d).into_iter().filter(|f| f.len() != 5) {
            for (time, expected) in time_forms(t) {
                let expected = d.and_time(expected);
                for sep in [" ", "T", "  "] {
                    let form = format!("{date}{sep}{time}");
                    prop_assert_eq!(parse_datetime(&form), Ok(expected), "{}", form);
                    prop_assert_eq!(parse_date(&form), Ok(d), "{}", form);
                }
            }
        }
    }

    #[test]
    fn excel_serials_with_a_time_parse_back(
        d in date_in(ymd(1900, 3, 1), ymd(9999, 12, 31)),
        secs in 0u32..86_400,
    ) {
        let t = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
        let serial = excel_serial(d) as f64 + f64::from(secs) / 86_400.0;
        let form = format!("{serial:.10}");
        prop_assert_eq!(parse_datetime(&form), Ok(NaiveDateTime::new(d, t)), "{}", form);
    }

    #[test]
    fn impossible_days_are_rejected(y in 1000i32..=9999, m in 1u32..=12, day in 29u32..=40) {
        let form = format!("{y}-{m:02}-{day:02}");
        prop_assert_eq!(parse_date(&form).is_ok(), NaiveDate::from_ymd_opt(y, m, day).is_some());
    }
}

/// `12,345.67` for |fen|, without a sign.
fn grouped(fen: i64, comma: &str) -> String {
    Money::from_fen(fen)
        .to_string()
        .trim_start_matches('-')
        .replace(',', comma)
}

/// The amount in 万元 with as few decimals as exact: 123 fen is `0.000123万元`.
fn in_wan(fen: i64) -> String {
    let abs = fen.unsigned_abs();
    let (whole, rest) = (abs / 1_000_000, abs % 1_000_000);
    let sign = if fen < 0 { "-" } else { "" };
    if rest == 0 {
        format!("{sign}{whole}万元")
    } else {
        let fraction = format!("{rest:06}");
        format!("{sign}{whole}.{}万", fraction.trim_end_matches('0'))
    }
}

fn money_forms(fen: i64) -> Vec<String> {
    let sign = if fen < 0 { "-" } else { "" };
    let display = Money::from_fen(fen).to_string();
    let mut forms = vec![
        display.clone(),
        display.replace(',', ""),
        full_width(&display),
        format!("{sign}¥{}", grouped(fen, ",")),
        format!("￥{sign}{}元", grouped(fen, "，")),
        format!("  RMB {sign}{}  ", grouped(fen, ",")),
        in_wan(fen),
    ];
    if fen < 0 {
        forms.push(format!("({})", grouped(fen, ",")));
        forms.push(format!("（{}）", full_width(&grouped(fen, ","))));
    }
    forms
}

fn any_fen() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        -10_000_000_000i64..10_000_000_000,
        Just(i64::MIN),
        Just(i64::MAX)
    ]
}

proptest! {
    #[test]
    fn every_money_form_parses_back(fen in any_fen()) {
        for form in money_forms(fen) {
            prop_assert_eq!(Money::parse(&form).map(Money::fen), Ok(fen), "{}", form);
        }
    }

    #[test]
    fn whole_wan_amounts_parse_back(wan in -9_000_000_000i64..9_000_000_000) {
        let form = format!("{wan}万元");
        prop_assert_eq!(Money::parse(&form).map(Money::fen), Ok(wan * 1_000_000), "{}", form);
    }

    #[test]
    fn a_third_nonzero_decimal_is_rejected(fen in 0i64..1_000_000_000, extra in 1u8..=9) {
        let form = format!("{}{extra}", Money::from_fen(fen).to_string().replace(',', ""));
        let err = Money::parse(&form).unwrap_err();
        prop_assert_eq!(err.problem, AmountProblem::TooManyDecimals, "{}", form);
    }
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, n)
        .prop_map(|ds| ds.into_iter().map(|d| char::from(b'0' + d)).collect())
}

fn resident_id() -> impl Strategy<Value = (String, NaiveDate)> {
    (
        digits(6),
        date_in(ymd(1900, 1, 1), ymd(2100, 12, 31)),
        digits(3),
    )
        .prop_map(|(region, birth, seq)| {
            let first17 = format!("{region}{}{seq}", birth.format("%Y%m%d"));
            let check = resident_id_check_char(&first17).unwrap();
            (format!("{first17}{check}"), birth)
        })
}

/// `s` with the character at `pos` replaced by the `k`-th other choice from `alphabet`.
fn substitute(s: &str, pos: usize, alphabet: &[u8], k: usize) -> String {
    let mut bytes = s.as_bytes().to_vec();
    let others: Vec<u8> = alphabet
        .iter()
        .copied()
        .filter(|&c| c != bytes[pos])
        .collect();
    bytes[pos] = others[k % others.len()];
    String::from_utf8(bytes).unwrap()
}

const USCC_CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc() -> impl Strategy<Value = String> {
    proptest::collection::vec(select(USCC_CHARSET), 17).prop_map(|cs| {
        let first17 = String::from_utf8(cs).unwrap();
        let check = uscc_check_char(&first17).unwrap();
        format!("{first17}{check}")
    })
}

fn bank_card() -> impl Strategy<Value = String> {
    (11usize..=18).prop_flat_map(digits).prop_map(|payload| {
        let check = luhn_check_digit(&payload).unwrap();
        format!("{payload}{check}")
    })
}

proptest! {
    #[test]
    fn generated_resident_ids_are_valid((id, birth) in resident_id()) {
        let parsed = ResidentId::parse(&id).unwrap();
        prop_assert_eq!(parsed.as_str(), id.as_str());
        prop_assert_eq!(parsed.birth_date(), birth);
        prop_assert_eq!(parsed.is_male(), (id.as_bytes()[16] - b'0') % 2 == 1);
        prop_assert_eq!(parsed.masked().len(), 18);
        prop_assert_eq!(&parsed.masked()[14..], &id[14..]);
    }

    #[test]
    fn one_changed_character_invalidates_a_resident_id(
        (id, _) in resident_id(), pos in 0usize..18, k in 0usize..10,
    ) {
        let alphabet: &[u8] = if pos == 17 { b"0123456789X" } else { b"0123456789" };
        let changed = substitute(&id, pos, alphabet, k);
        prop_assert!(ResidentId::parse(&changed).is_err(), "{} → {}", id, changed);
    }

    #[test]
    fn generated_usccs_are_valid(code in uscc()) {
        prop_assert_eq!(Uscc::parse(&code), Ok(Uscc::parse(&code.to_lowercase()).unwrap()));
        prop_assert_eq!(Uscc::parse(&code).unwrap().to_string(), code);
    }

    #[test]
    fn one_changed_character_invalidates_a_uscc(
        code in uscc(), pos in 0usize..18, k in 0usize..30,
    ) {
        let changed = substitute(&code, pos, USCC_CHARSET, k);
        prop_assert_eq!(
            Uscc::parse(&changed),
            Err(IdentError::CheckMismatch { ty: qinglian_core::IdentType::Uscc }),
            "{} → {}", code, changed
        );
    }

    #[test]
    fn generated_cards_are_valid(card in bank_card()) {
        prop_assert!(luhn_valid(&card));
        let parsed = BankCard::parse(&card).unwrap();
        prop_assert_eq!(parsed.as_str(), card.as_str());
        let masked = parsed.masked();
        prop_assert_eq!(&masked[..4], &card[..4]);
        prop_assert_eq!(&masked[masked.len() - 4..], &card[card.len() - 4..]);
        prop_assert!(masked[4..masked.len() - 4].bytes().all(|b| b == b'*'));
    }

    #[test]
    fn one_changed_digit_invalidates_a_card(card in bank_card(), pos in 0usize..19, k in 0usize..9) {
        let changed = substitute(&card, pos % card.len(), b"0123456789", k);
        prop_assert!(!luhn_valid(&changed), "{} → {}", card, changed);
        prop_assert!(BankCard::parse(&changed).is_err());
    }
}

/// Characters the parsers treat specially, so random strings reach their deeper branches.
const TRICKY: &str = "[0-9０-９.,，:/\\-+()（）年月日号时分秒点万元¥￥ 　TxXoOlIE]{0,40}";

fn exercise(s: &str) {
    let _ = Money::parse(s).map(|m| m.to_string());
    let _ = parse_datetime(s);
    let _ = parse_date(s);
    let _ = ResidentId::parse(s).map(|id| id.masked());
    let _ = Uscc::parse(s);
    let _ = BankCard::parse(s).map(|c| c.masked());
    let _ = qinglian_core::BankAccount::parse(s).map(|a| a.masked());
    let _ = Phone::parse(s).map(|p| p.masked());
    let _ = luhn_valid(s);
    let _ = luhn_check_digit(s);
    let _ = resident_id_check_char(s);
    let _ = uscc_check_char(s);
    let _ = s.parse::<qinglian_core::Category>();
    let _ = qinglian_core::fold_width(s);
}

proptest! {
    #[test]
    fn parsers_never_panic_on_arbitrary_strings(s in any::<String>()) {
        // The property is the absence of a panic; the assertion pins that errors carry text.
        exercise(&s);
        if let Err(e) = Money::parse(&s) {
            prop_assert!(!e.message_en().is_empty() && !e.message_zh().is_empty());
        }
    }

    #[test]
    fn parsers_never_panic_on_tricky_strings(s in TRICKY) {
        exercise(&s);
        if let Err(e) = parse_datetime(&s) {
            prop_assert!(!e.message_en().is_empty() && !e.message_zh().is_empty());
        }
    }
}

proptest! {
    /// The fast-path trim must never differ from `str::trim`, whatever the ends hold.
    #[test]
    fn fast_trim_equals_str_trim(s in "[ \t\u{3000}\u{a0}a-z0-9张,.]{0,8}") {
        prop_assert_eq!(qinglian_core::width::trim(&s), s.trim());
    }
}
