//! Matching personal names written in Han characters or in pinyin, as registries, bank
//! records and HR systems write them: `王小明`, `王 小明`, `WANG Xiaoming`, `Xiaoming Wang`,
//! `Wang Xiao-Ming`.
//!
//! A Han name is reduced to its Han characters (full-width folded, spaces and the middle dot
//! of minority names dropped). A Latin name is reduced to lower-case letters (ü → v) in two
//! orders: as written, and with the first word moved last (given name first, as in
//! passports abroad). Two names match when their Han forms are equal, or when a pinyin
//! spelling of the Han form ([`super::pinyin`]) equals a Latin form. Traditional characters
//! are not mapped to simplified ones.

use serde::{Deserialize, Serialize};

use super::pinyin;

/// How two names matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameMatch {
    /// Same Han characters.
    Han,
    /// Han characters and their pinyin.
    Pinyin,
    /// Same Latin spelling (in either order).
    Latin,
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// The Han characters of a name; empty when it has none.
pub fn han_key(name: &str) -> String {
    qinglian_core::fold_width(name)
        .chars()
        .filter(|c| is_han(*c))
        .collect()
}

/// Latin spellings of a name in both word orders; empty when it has Han characters or no
/// letters.
pub fn latin_keys(name: &str) -> Vec<String> {
    let folded = qinglian_core::fold_width(name);
    if folded.chars().any(is_han) {
        return Vec::new();
    }
    let words: Vec<String> = folded
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '-' | '.' | '·'))
        .map(|w| {
            w.chars()
                .map(|c| if matches!(c, 'ü' | 'Ü') { 'v' } else { c })
                .filter(char::is_ascii_alphabetic)
                .map(|c| c.to_ascii_lowercase())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut keys = vec![words.concat()];
    if words.len() > 1 {
        let rotated = format!("{}{}", words[1..].concat(), words[0]);
        if rotated != keys[0] {
            keys.push(rotated);
        }
    }
    keys
}

/// Whether two names denote the same person's name, and how.
pub fn names_match(a: &str, b: &str) -> Option<NameMatch> {
    let (ha, hb) = (han_key(a), han_key(b));
    match (ha.is_empty(), hb.is_empty()) {
        (false, false) => (ha == hb).then_some(NameMatch::Han),
        (false, true) => pinyin_match(&ha, b),
        (true, false) => pinyin_match(&hb, a),
        (true, true) => {
            let (la, lb) = (latin_keys(a), latin_keys(b));
            la.iter()
                .any(|k| lb.contains(k))
                .then_some(NameMatch::Latin)
        }
    }
}

fn pinyin_match(han: &str, latin: &str) -> Option<NameMatch> {
    let keys = latin_keys(latin);
    pinyin::spellings(han, 64)
        .iter()
        .any(|s| keys.contains(s))
        .then_some(NameMatch::Pinyin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_written_many_ways() {
        assert_eq!(names_match("王小明", "王 小明"), Some(NameMatch::Han));
        assert_eq!(
            names_match("王小明", "WANG Xiaoming"),
            Some(NameMatch::Pinyin)
        );
        assert_eq!(
            names_match("Xiaoming Wang", "王小明"),
            Some(NameMatch::Pinyin)
        );
        assert_eq!(
            names_match("王小明", "Wang Xiao-Ming"),
            Some(NameMatch::Pinyin)
        );
        assert_eq!(
            names_match("ＷＡＮＧ　ＸＩＡＯＭＩＮＧ", "wang xiaoming"),
            Some(NameMatch::Latin)
        );
        assert_eq!(names_match("吕洋", "LYU Yang"), Some(NameMatch::Pinyin));
        assert_eq!(
            names_match("阿依古丽·买买提", "阿依古丽买买提"),
            Some(NameMatch::Han)
        );
    }

    #[test]
    fn different_names_do_not_match() {
        assert_eq!(
            names_match("王小明", "王晓明"),
            None,
            "same sound, other characters"
        );
        assert_eq!(names_match("王小明", "Wang Xiaomin"), None);
        assert_eq!(names_match("王小明", "Li Xiaoming"), None);
        assert_eq!(names_match("", ""), None);
        // Homophones do match in pinyin: a Latin spelling cannot tell 小 from 晓.
        assert_eq!(
            names_match("王晓明", "Wang Xiaoming"),
            Some(NameMatch::Pinyin)
        );
    }
}
