//! Turning one raw cell into a typed value, or into a reason in both languages.
//!
//! The rules are the spec's field types; the parsers are `qinglian_core`'s. Personal
//! identifiers are checked, then replaced by their keyed hash and masked form here, so
//! no clear value leaves this module.

use chrono::{NaiveDate, NaiveDateTime};
use qinglian_core::Bilingual;
use qinglian_core::date::{parse_date, parse_datetime};
use qinglian_core::ident::{BankAccount, BankCard, Phone, ResidentId, Uscc};
use qinglian_core::money::Money;
use qinglian_core::pseudo::{IdentKind, Pseudonymiser};
use qinglian_core::width::fold_width;
use qinglian_spec::{Field, FieldType};

use crate::lake::Cell;

/// Why a cell was refused.
#[derive(Debug, Clone)]
pub(crate) struct CellError {
    pub zh: String,
    pub en: String,
}

impl CellError {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    fn from_core(e: &dyn Bilingual) -> Self {
        Self {
            zh: e.message_zh(),
            en: e.message_en(),
        }
    }
}

/// Parses cells of a row. Holds the pseudonymiser and a bounded cache of identifiers
/// already hashed: payments repeat the same few thousand accounts millions of times,
/// and an HMAC per row would cost more than the rest of the row together.
pub(crate) struct Normaliser {
    pseudo: Pseudonymiser,
    /// One cache per identifier kind, keyed by the raw cell, so a hit allocates nothing.
    cache: [IdentCache; 5],
}

/// Entries per cache before it starts afresh (bounded memory whatever the file size:
/// 128 bytes a slot, at most three quarters full, about 16 MiB).
const CACHE_LIMIT: usize = 96_000;
/// Bytes per cache record: three lengths, then the raw value, the hash and the mask.
const RECORD: usize = 128;

/// Raw cell → (keyed hash, masked form), laid out for few cache misses: the slot is chosen
/// by a seeded hash of the raw cell, and both its tag (8 bytes in a small array) and its
/// record (a fixed 128 bytes holding raw value, hash and mask side by side) are found from
/// that slot number, without an index to read first. (A map of boxed strings read four
/// scattered heap blocks per lookup; a `HashMap` index pointing into a run of bytes read
/// control bytes, bucket and bytes one after the other, and those misses were most of a
/// payment row's identifier cost.) Values too long for a record are not cached.
#[derive(Default)]
struct IdentCache {
    /// Per slot: 0 if empty, else the raw cell's seeded hash with its lowest bit set.
    /// Linear probing, a power of two long, at most three quarters full.
    tags: Vec<u64>,
    /// `RECORD` bytes per slot (ASCII lengths and UTF-8 text, so it stays a `str`).
    records: String,
    entries: usize,
    /// Random per process, so a crafted file cannot aim its values at one slot.
    seed: u64,
}

impl IdentCache {
    fn get(&self, raw: &str) -> Option<(&str, &str)> {
        if self.tags.is_empty() {
            return None;
        }
        let k = self.key(raw);
        let mask = self.tags.len() - 1;
        let mut i = slot_of(k) & mask;
        loop {
            match self.tags[i] {
                0 => return None,
                t if t == k | 1 => {
                    let at = i * RECORD;
                    let rec = &self.records.as_bytes()[at..at + RECORD];
                    let (r, h, m) = (
                        usize::from(rec[0]),
                        usize::from(rec[1]),
                        usize::from(rec[2]),
                    );
                    // A tag collision only costs a probe more: the raw value decides.
                    if rec.get(3..3 + r) == Some(raw.as_bytes()) {
                        let text = &self.records[at + 3 + r..at + 3 + r + h + m];
                        return Some(text.split_at(h));
                    }
                }
                _ => {}
            }
            i = (i + 1) & mask;
        }
    }

    fn insert(&mut self, raw: &str, hash: &str, masked: &str) {
        let len = raw.len() + hash.len() + masked.len();
        if raw.is_empty() || 3 + len > RECORD || self.get(raw).is_some() {
            return; // long values are simply not cached
        }
        if self.entries >= CACHE_LIMIT {
            *self = Self {
                seed: self.seed,
                ..Self::default()
            };
        }
        if self.seed == 0 {
            use std::hash::BuildHasher;
            self.seed = std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) | 1;
        }
        if 4 * (self.entries + 1) > 3 * self.tags.len() {
            self.grow();
        }
        let mut rec = String::with_capacity(RECORD);
        // Lengths below 128 are ASCII characters, so the record stays valid UTF-8.
        for n in [raw.len(), hash.len(), masked.len()] {
            rec.push(char::from(u8::try_from(n).unwrap_or(0)));
        }
        rec.push_str(raw);
        rec.push_str(hash);
        rec.push_str(masked);
        let k = self.key(raw);
        self.put(k, &rec);
        self.entries += 1;
    }

    /// Writes a record into the first free slot of its probe run.
    fn put(&mut self, k: u64, rec: &str) {
        let mask = self.tags.len() - 1;
        let mut i = slot_of(k) & mask;
        while self.tags[i] != 0 {
            i = (i + 1) & mask;
        }
        self.tags[i] = k | 1;
        let at = i * RECORD;
        self.records.replace_range(at..at + rec.len(), rec);
    }

    fn grow(&mut self) {
        let slots = (self.tags.len() * 2).max(1024);
        let tags = std::mem::replace(&mut self.tags, vec![0; slots]);
        let records = std::mem::replace(&mut self.records, "\0".repeat(slots * RECORD));
        for (i, _) in tags.iter().enumerate().filter(|(_, t)| **t != 0) {
            let rec = &records[i * RECORD..(i + 1) * RECORD];
            let used = 3 + rec.bytes().take(3).map(usize::from).sum::<usize>();
            let k = self.key(&rec[3..3 + usize::from(rec.as_bytes()[0])]);
            self.put(k, &rec[..used]);
        }
    }

    /// A fast keyed hash of the raw cell (multiply-fold over 8-byte words). A collision
    /// only costs a probe: `get` compares the stored raw value.
    fn key(&self, raw: &str) -> u64 {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let fold = |a: u64, b: u64| {
            let r = u128::from(a) * u128::from(b);
            (r as u64) ^ ((r >> 64) as u64)
        };
        let mut h = self.seed ^ (raw.len() as u64).wrapping_mul(K);
        for chunk in raw.as_bytes().chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            h = fold(h ^ u64::from_le_bytes(w), K);
        }
        fold(h, K ^ self.seed)
    }
}

/// The slot a key starts its probe at: its high half, as the tag keeps all of it.
fn slot_of(k: u64) -> usize {
    (k >> 32) as usize
}

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

impl Normaliser {
    pub(crate) fn new(pseudo: Pseudonymiser) -> Self {
        Self {
            pseudo,
            cache: Default::default(),
        }
    }

    /// Parses `raw` for `field`, appending any text to `buf`. An empty cell of an optional
    /// field is `Null`; of a required field, an error.
    ///
    /// The error is boxed so the result is as small as a [`Cell`]; refusals are rare, so
    /// the box costs nothing in practice. Inlined into the worker's row loop, where the cell
    /// goes into the row without a round trip through a temporary.
    #[inline(always)]
    pub(crate) fn cell(
        &mut self,
        field: &Field,
        raw: &str,
        buf: &mut String,
    ) -> Result<Cell, Box<CellError>> {
        self.parse_cell(field, raw, buf).map_err(Box::new)
    }

    #[inline(always)]
    fn parse_cell(
        &mut self,
        field: &Field,
        raw: &str,
        buf: &mut String,
    ) -> Result<Cell, CellError> {
        let raw = qinglian_core::width::trim(raw);
        if raw.is_empty() || raw.eq_ignore_ascii_case("null") || raw == "\\N" {
            return if field.required {
                Err(CellError::new("必填项为空", "required value is empty"))
            } else {
                Ok(Cell::Null)
            };
        }
        match field.ty {
            FieldType::Text => Ok(push_text(buf, raw)),
            FieldType::Code => Ok(push_text(buf, qinglian_core::width::trim(&fold_width(raw)))),
            FieldType::Integer => parse_integer(raw).map(Cell::Int),
            FieldType::Number => parse_number(raw).map(Cell::Float),
            // The forms exports use most are read directly; anything else, and every
            // refusal with its reason, comes from the general parsers.
            FieldType::Amount => match plain_fen(raw) {
                Some(fen) => Ok(Cell::Fen(fen)),
                None => Money::parse(raw)
                    .map(|m| Cell::Fen(m.fen()))
                    .map_err(|e| CellError::from_core(&e)),
            },
            FieldType::Date => match iso_date(raw.as_bytes()) {
                Some(d) => Ok(Cell::Date(days(d))),
                None => parse_date(raw)
                    .map(|d| Cell::Date(days(d)))
                    .map_err(|e| CellError::from_core(&e)),
            },
            FieldType::DateTime => match iso_datetime(raw.as_bytes()) {
                Some(t) => Ok(Cell::Millis(millis(t))),
                None => parse_datetime(raw)
                    .map(|t| Cell::Millis(millis(t)))
                    .map_err(|e| CellError::from_core(&e)),
            },
            FieldType::Bool => parse_bool(raw).map(Cell::Bool),
            FieldType::Enum(codes) => parse_enum(raw, codes).map(|c| push_text(buf, c)),
            FieldType::Uscc => Uscc::parse(raw)
                .map(|u| push_text(buf, u.as_str()))
                .map_err(|e| CellError::from_core(&e)),
            ty @ (FieldType::ResidentId
            | FieldType::BankCard
            | FieldType::BankAccount
            | FieldType::Phone
            | FieldType::Email) => self.personal(ty, raw, buf),
        }
    }

    /// A personal identifier: checked, then replaced by its keyed hash and masked form.
    /// The cache is keyed by the raw cell, so a value seen before costs one lookup and no
    /// parsing, hashing or allocation.
    fn personal(&mut self, ty: FieldType, raw: &str, buf: &mut String) -> Result<Cell, CellError> {
        let slot = personal_slot(ty);
        if let Some((hash, masked)) = self.cache[slot].get(raw) {
            return Ok(push_personal(buf, hash, masked));
        }
        let core = |e: &dyn Bilingual| CellError::from_core(e);
        let (kind, value, masked) = match ty {
            FieldType::ResidentId => {
                let id = ResidentId::parse(raw).map_err(|e| core(&e))?;
                (IdentKind::ResidentId, id.as_str().to_owned(), id.masked())
            }
            FieldType::BankCard => {
                let card = BankCard::parse(raw).map_err(|e| core(&e))?;
                (
                    IdentKind::BankAccount,
                    card.as_str().to_owned(),
                    card.masked(),
                )
            }
            FieldType::BankAccount => {
                let acct = BankAccount::parse(raw).map_err(|e| core(&e))?;
                (
                    IdentKind::BankAccount,
                    acct.as_str().to_owned(),
                    acct.masked(),
                )
            }
            FieldType::Phone => {
                let phone = Phone::parse(raw).map_err(|e| core(&e))?;
                (IdentKind::Phone, phone.as_str().to_owned(), phone.masked())
            }
            _ => {
                let email = parse_email(raw)?;
                let masked = mask_email(&email);
                (IdentKind::Email, email, masked)
            }
        };
        let mut hash = String::with_capacity(32);
        self.pseudo.pseudonym_into(kind, &value, &mut hash);
        self.cache[slot].insert(raw, &hash, &masked);
        Ok(push_personal(buf, &hash, &masked))
    }
}

/// Cache slot per identifier field type (cards and accounts hash alike but validate apart).
fn personal_slot(ty: FieldType) -> usize {
    match ty {
        FieldType::ResidentId => 0,
        FieldType::BankCard => 1,
        FieldType::BankAccount => 2,
        FieldType::Phone => 3,
        _ => 4,
    }
}

fn push_personal(buf: &mut String, hash: &str, masked: &str) -> Cell {
    let start = offset(buf);
    buf.push_str(hash);
    let mid = offset(buf);
    buf.push_str(masked);
    Cell::Personal(start, mid, offset(buf))
}

fn push_text(buf: &mut String, s: &str) -> Cell {
    let start = offset(buf);
    buf.push_str(s);
    Cell::Text(start, offset(buf))
}

/// The end of a row buffer as a cell offset. A row holds at most one block of the source
/// (a few MiB), far below 4 GiB.
fn offset(buf: &str) -> u32 {
    u32::try_from(buf.len()).expect("a row's text is below 4 GiB")
}

/// `2024-03-05`, the commonest date form, read without the general parser's folding and
/// scanning. `None` for any other form and for an impossible date (the general parser then
/// says why), so the result always equals `parse_date`'s.
fn iso_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..])?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `2024-03-05 14:30:00`, read directly; otherwise as [`iso_date`].
fn iso_datetime(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() != 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = iso_date(&b[..10])?;
    let (h, m, s) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..])?);
    date.and_hms_opt(h, m, s)
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// `12345.67`, `-12.5`, `300`: an optional minus, 1–15 digits, optionally a point and one
/// or two digits, read as fen directly. `None` for every other form (grouping, units,
/// parentheses, full-width, more decimals), which the general parser handles; where both
/// apply they agree.
fn plain_fen(raw: &str) -> Option<i64> {
    let b = raw.as_bytes();
    let (negative, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[b.len()..]),
    };
    let dotted = int.len() < b.len();
    if int.is_empty() || int.len() > 15 || frac.len() > 2 || (dotted && frac.is_empty()) {
        return None;
    }
    let yuan = i64::from(digits(&int[..int.len().min(9)])?);
    let yuan = match int.get(9..) {
        Some(rest) if !rest.is_empty() => {
            yuan * 10i64.pow(rest.len() as u32) + i64::from(digits(rest)?)
        }
        _ => yuan,
    };
    let fen = match frac.len() {
        0 => 0,
        1 => i64::from(digits(frac)?) * 10,
        _ => i64::from(digits(frac)?),
    };
    let v = yuan * 100 + fen;
    Some(if negative { -v } else { v })
}

fn days(d: NaiveDate) -> i32 {
    i32::try_from((d - EPOCH).num_days()).unwrap_or(i32::MAX)
}

fn millis(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_millis()
}

fn strip_grouping(raw: &str) -> String {
    fold_width(raw)
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '_'))
        .collect()
}

fn parse_integer(raw: &str) -> Result<i64, CellError> {
    let s = strip_grouping(raw);
    s.parse::<i64>().or_else(|_| {
        // "12.0" from a spreadsheet is a whole number; "12.5" is not.
        match s.parse::<f64>() {
            Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            _ => Err(CellError::new(
                format!("“{raw}”不是整数"),
                format!("'{raw}' is not a whole number"),
            )),
        }
    })
}

fn parse_number(raw: &str) -> Result<f64, CellError> {
    let s = strip_grouping(raw);
    let s = s.strip_suffix('%').unwrap_or(&s);
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err(CellError::new(
            format!("“{raw}”不是数字"),
            format!("'{raw}' is not a number"),
        )),
    }
}

fn parse_bool(raw: &str) -> Result<bool, CellError> {
    match fold_width(raw).trim().to_lowercase().as_str() {
        "是" | "true" | "t" | "1" | "y" | "yes" | "√" | "✓" | "有" => Ok(true),
        "否" | "false" | "f" | "0" | "n" | "no" | "×" | "无" => Ok(false),
        _ => Err(CellError::new(
            format!("“{raw}”不是是/否值（可用 是/否、true/false、1/0）"),
            format!("'{raw}' is not yes/no (use 是/否, true/false or 1/0)"),
        )),
    }
}

/// Chinese words that source systems export for the spec's enum codes.
const ENUM_WORDS: &[(&str, &str)] = &[
    ("男", "male"),
    ("女", "female"),
    ("配偶", "spouse"),
    ("妻子", "spouse"),
    ("丈夫", "spouse"),
    ("子女", "child"),
    ("儿子", "child"),
    ("女儿", "child"),
    ("父母", "parent"),
    ("父亲", "parent"),
    ("母亲", "parent"),
    ("兄弟姐妹", "sibling"),
    ("兄弟", "sibling"),
    ("姐妹", "sibling"),
    ("姻亲", "in_law"),
    ("其他", "other"),
    ("股东", "shareholder"),
    ("董事", "director"),
    ("法定代表人", "legal_representative"),
    ("监事", "supervisor"),
    ("高管", "manager"),
    ("联系人", "contact"),
    ("转账", "transfer"),
    ("现金", "cash"),
    ("公务卡", "card"),
    ("支票", "cheque"),
    ("公开招标", "open"),
    ("邀请招标", "invited"),
    ("竞争性谈判", "competitive_negotiation"),
    ("竞争性磋商", "competitive_consultation"),
    ("询价", "inquiry"),
    ("单一来源", "single_source"),
    ("同意", "for"),
    ("赞成", "for"),
    ("反对", "against"),
    ("弃权", "abstain"),
    ("通过", "approved"),
    ("否决", "rejected"),
    ("缓议", "deferred"),
    ("会议", "meeting"),
    ("个人", "individual"),
    ("出勤", "present"),
    ("请假", "leave"),
    ("出差", "business_trip"),
    ("缺勤", "absent"),
    ("休息", "rest"),
    ("差旅", "travel"),
    ("住宿", "hotel"),
    ("餐费", "meal"),
    ("公务接待", "reception"),
    ("交通", "transport"),
    ("办公用品", "office_supplies"),
    ("培训", "training"),
    ("会议费", "conference"),
    ("货物", "goods"),
    ("服务", "services"),
    ("工程", "works"),
    ("退休", "retired"),
    ("辞职", "resigned"),
    ("辞退", "dismissed"),
    ("死亡", "deceased"),
    ("调出", "transferred"),
    ("汽油", "gasoline"),
    ("柴油", "diesel"),
    ("充电", "electric"),
    ("非油品", "non_fuel"),
    ("在用", "in_use"),
    ("闲置", "idle"),
    ("已处置", "disposed"),
    ("重大事项决策", "major_decision"),
    ("重要干部任免", "key_appointment"),
    ("重大项目安排", "major_project"),
    ("大额资金使用", "large_fund"),
    ("党委会", "party_committee"),
    ("办公会", "executive_meeting"),
    ("董事会", "board"),
];

fn parse_enum(raw: &str, codes: &'static [&'static str]) -> Result<&'static str, CellError> {
    let folded = fold_width(raw);
    let v = folded.trim();
    if let Some(code) = codes.iter().find(|c| c.eq_ignore_ascii_case(v)) {
        return Ok(code);
    }
    if let Some(code) = ENUM_WORDS
        .iter()
        .find(|(w, c)| *w == v && codes.contains(c))
        .map(|(_, c)| *c)
    {
        return codes
            .iter()
            .copied()
            .find(|c| *c == code)
            .ok_or_else(|| unreachable_code(raw));
    }
    Err(CellError::new(
        format!("“{raw}”不是可选值之一：{}", codes.join("、")),
        format!("'{raw}' is not one of: {}", codes.join(", ")),
    ))
}

fn unreachable_code(raw: &str) -> CellError {
    CellError::new(
        format!("“{raw}”无法识别"),
        format!("'{raw}' not recognised"),
    )
}

fn parse_email(raw: &str) -> Result<String, CellError> {
    let s = fold_width(raw).trim().to_lowercase();
    let ok = s.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
    }) && !s.contains(char::is_whitespace);
    if ok {
        Ok(s)
    } else {
        Err(CellError::new(
            format!("“{raw}”不是电子邮箱"),
            format!("'{raw}' is not an e-mail address"),
        ))
    }
}

fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((user, host)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}***@{host}")
        }
        None => "***".into(),
    }
}

/// Masks a raw value for the quarantine file: personal fields never appear in clear
/// there either, but enough remains (first and last characters) to find the row.
pub(crate) fn mask_raw(field: &Field, raw: &str) -> String {
    if !field.ty.is_personal() {
        return raw.to_owned();
    }
    let chars: Vec<char> = raw.trim().chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let keep = (chars.len() / 4).min(4);
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 2 * keep))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::span;

    fn norm() -> Normaliser {
        Normaliser::new(Pseudonymiser::new([7u8; 32]))
    }

    fn field(ds: &str, name: &str) -> &'static Field {
        qinglian_spec::dataset(ds).unwrap().field(name).unwrap()
    }

    #[test]
    fn personal_ids_become_hash_and_mask() {
        let mut n = norm();
        let mut buf = String::new();
        let f = field("persons", "resident_id");
        let Cell::Personal(hs, he, me) = n.cell(f, "11010519491231002X", &mut buf).unwrap() else {
            panic!("expected a personal cell")
        };
        let ms = he;
        assert_eq!(he - hs, 32, "128-bit keyed hash in hex");
        assert!(
            !buf.contains("11010519491231002X"),
            "clear value must not be kept"
        );
        assert_eq!(&buf[span(ms, me)], "110105********002X");
        // the same value hashes the same way (matching across datasets works)
        let mut buf2 = String::new();
        let Cell::Personal(hs2, he2, _) = n.cell(f, "11010519491231002x", &mut buf2).unwrap()
        else {
            panic!()
        };
        assert_eq!(&buf[span(hs, he)], &buf2[span(hs2, he2)]);
    }

    #[test]
    fn bad_values_explain_themselves_in_both_languages() {
        let mut n = norm();
        let mut buf = String::new();
        let e = n
            .cell(
                field("persons", "resident_id"),
                "110105194912310021",
                &mut buf,
            )
            .unwrap_err();
        assert!(!e.zh.is_empty() && !e.en.is_empty());
        let e = n
            .cell(field("payments", "amount"), "12,3O0", &mut buf)
            .unwrap_err();
        assert!(e.en.contains('O'), "{}", e.en);
        let e = n
            .cell(field("payments", "paid_on"), "", &mut buf)
            .unwrap_err();
        assert_eq!(e.en, "required value is empty");
        let e = n
            .cell(field("payments", "method"), "paypal", &mut buf)
            .unwrap_err();
        assert!(e.en.contains("transfer"));
    }

    #[test]
    fn chinese_enum_words_and_bools() {
        let mut n = norm();
        let mut buf = String::new();
        let Cell::Text(s, e) = n
            .cell(field("payments", "method"), "现金", &mut buf)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(&buf[span(s, e)], "cash");
        assert!(matches!(
            n.cell(field("bids", "is_winner"), "是", &mut buf),
            Ok(Cell::Bool(true))
        ));
        assert!(
            n.cell(field("bids", "is_winner"), "maybe", &mut buf)
                .is_err()
        );
        assert!(
            matches!(n.cell(field("company_links", "share_pct"), "35%", &mut buf), Ok(Cell::Float(f)) if f == 35.0)
        );
        assert!(matches!(
            n.cell(field("meetings", "attendees"), "１２", &mut buf),
            Ok(Cell::Int(12))
        ));
    }

    proptest::proptest! {
        #[test]
        fn fast_paths_agree_with_the_general_parsers(
            y in 0u32..10_000, m in 0u32..14, d in 0u32..33,
            h in 0u32..26, mi in 0u32..62, sec in 0u32..62,
            int in "-?[0-9]{1,17}", frac in "(\\.[0-9]{0,3})?",
        ) {
            let date = format!("{y:04}-{m:02}-{d:02}");
            proptest::prop_assert_eq!(iso_date(date.as_bytes()), parse_date(&date).ok());
            let time = format!("{date} {h:02}:{mi:02}:{sec:02}");
            proptest::prop_assert_eq!(iso_datetime(time.as_bytes()), parse_datetime(&time).ok());
            let amount = format!("{int}{frac}");
            if let Some(fen) = plain_fen(&amount) {
                proptest::prop_assert_eq!(Some(fen), Money::parse(&amount).ok().map(|m| m.fen()));
            }
        }
    }

    #[test]
    fn fast_paths_take_the_common_forms_and_leave_the_rest() {
        assert_eq!(plain_fen("20062.61"), Some(2_006_261));
        assert_eq!(plain_fen("-12.5"), Some(-1250));
        assert_eq!(plain_fen("300"), Some(30_000));
        assert_eq!(
            plain_fen("123456789012345.99"),
            Some(12_345_678_901_234_599)
        );
        for other in [
            "1,234.50", "12.", ".5", "1.234", "(12)", "12元", "１２", "-", "", "1e3",
        ] {
            assert_eq!(plain_fen(other), None, "{other}");
        }
        assert!(
            iso_date(b"2024-02-30").is_none(),
            "impossible dates go to the general parser"
        );
        assert!(iso_date(b"2024/03/05").is_none());
        assert!(iso_datetime(b"2024-03-05T14:30:00").is_none());
        // Through `cell`, a refused fast-path shape still gets the general parser's reason.
        let mut buf = String::new();
        let e = norm()
            .cell(field("payments", "paid_on"), "2024-02-30", &mut buf)
            .unwrap_err();
        assert!(e.en.contains("30"), "{}", e.en);
    }

    #[test]
    fn the_identifier_cache_returns_what_was_stored_and_nothing_else() {
        let mut c = IdentCache::default();
        for i in 0..5_000 {
            c.insert(
                &format!("62170005{i:011}"),
                &format!("h{i}"),
                &format!("m{i}"),
            );
        }
        for i in (0..5_000).step_by(7) {
            let (h, m) = c.get(&format!("62170005{i:011}")).unwrap();
            assert_eq!((h, m), (format!("h{i}").as_str(), format!("m{i}").as_str()));
        }
        assert!(c.get("62170005").is_none());
        assert!(c.get("").is_none());
        // Too long for a record: not cached, and nothing else disturbed.
        let long = "6".repeat(100);
        c.insert(&long, &"h".repeat(32), &long);
        assert!(c.get(&long).is_none());
        assert_eq!(c.get("6217000500000000007"), Some(("h7", "m7")));
        // Full: it starts afresh and keeps working.
        for i in 0..CACHE_LIMIT + 10 {
            c.insert(&format!("{i}"), "h", "m");
        }
        assert!(c.entries <= CACHE_LIMIT);
        assert_eq!(c.get(&format!("{}", CACHE_LIMIT + 9)), Some(("h", "m")));
        // Cached hits give the same pseudonym as a first sight.
        let mut n = norm();
        let f = field("payments", "payee_account");
        let (mut a, mut b) = (String::new(), String::new());
        n.cell(f, "6217000514989563105", &mut a).unwrap();
        n.cell(f, "6217000514989563105", &mut b).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn quarantine_masks_personal_values_only() {
        assert_eq!(
            mask_raw(field("persons", "resident_id"), "110105194912310021"),
            "1101**********0021"
        );
        assert_eq!(mask_raw(field("payments", "amount"), "12,3O0"), "12,3O0");
    }
}
