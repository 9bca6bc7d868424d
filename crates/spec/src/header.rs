//! Matching a source system's column headers to spec fields.
//!
//! Exports name the same column in many ways (金额, 付款金额, 金额(元), Amount, AMOUNT). A
//! header is normalised (width-folded, lower-cased, spaces, underscores and a trailing
//! unit in brackets removed) and compared with every field's name, labels and aliases.

use crate::model::{Dataset, Field};

/// What a header resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMatch {
    /// The header names this field (index into `Dataset::fields`).
    Field(usize),
    /// No field has this header; the column is ignored and reported.
    Unknown,
}

/// Normalises a header for comparison: `  付款金额（元） ` and `付款金额` compare equal,
/// as do `Payee_Name` and `payee name`. A template header `金额(amount)` keeps the part
/// outside the brackets (`金额`); [`match_header`] also tries the bracketed part.
pub fn normalise_header(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.trim().trim_start_matches('\u{feff}').chars() {
        let c = fold_char(c);
        if c.is_whitespace() || c == '_' || c == '-' || c == '*' {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    // A trailing "(元)" or "(amount)" is a unit or the canonical name, not part of the label.
    if let Some(open) = out.rfind('(')
        && out.ends_with(')')
        && open > 0
    {
        out.truncate(open);
    }
    out
}

fn fold_char(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// The text inside a trailing pair of brackets, e.g. `amount` in `金额(amount)`.
fn bracketed(raw: &str) -> Option<String> {
    let folded: String = raw.trim().chars().map(fold_char).collect();
    let open = folded.rfind('(')?;
    let inner = folded[open + 1..].strip_suffix(')')?;
    Some(normalise_header(inner))
}

fn names(field: &Field) -> impl Iterator<Item = &'static str> + '_ {
    [field.name, field.zh, field.en]
        .into_iter()
        .chain(field.aliases.iter().copied())
}

/// Resolves one header against a dataset's fields: the canonical name wins over labels,
/// labels over aliases, so an alias shared by two fields never hides a canonical name.
pub fn match_header(dataset: &Dataset, raw: &str) -> HeaderMatch {
    let mut candidates = vec![normalise_header(raw)];
    if let Some(inner) = bracketed(raw) {
        candidates.insert(0, inner);
    }
    for wanted in &candidates {
        if wanted.is_empty() {
            continue;
        }
        for pass in 0..3 {
            for (i, f) in dataset.fields.iter().enumerate() {
                let hit = match pass {
                    0 => normalise_header(f.name) == *wanted,
                    1 => normalise_header(f.zh) == *wanted || normalise_header(f.en) == *wanted,
                    _ => names(f).any(|n| normalise_header(n) == *wanted),
                };
                if hit {
                    return HeaderMatch::Field(i);
                }
            }
        }
    }
    HeaderMatch::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset;

    fn field_of(ds: &str, header: &str) -> Option<&'static str> {
        let d = dataset(ds).expect("dataset exists");
        match match_header(d, header) {
            HeaderMatch::Field(i) => Some(d.fields[i].name),
            HeaderMatch::Unknown => None,
        }
    }

    #[test]
    fn aliases_in_chinese_and_english_resolve() {
        assert_eq!(field_of("payments", "付款金额"), Some("amount"));
        assert_eq!(field_of("payments", "金额（元）"), Some("amount"));
        assert_eq!(field_of("payments", "AMOUNT"), Some("amount"));
        assert_eq!(field_of("payments", "Payee_Name"), Some("payee_name"));
        assert_eq!(field_of("payments", "收款单位"), Some("payee_name"));
        assert_eq!(field_of("payments", "金额(amount)"), Some("amount"));
        assert_eq!(field_of("payments", "\u{feff}付款编号"), Some("payment_id"));
    }

    #[test]
    fn unknown_headers_stay_unknown() {
        assert_eq!(field_of("payments", "备用字段3"), None);
        assert_eq!(field_of("payments", ""), None);
    }

    #[test]
    fn canonical_name_beats_alias_of_another_field() {
        // "工号" is an alias of person_id; a canonical header must still win.
        assert_eq!(
            field_of("payments", "payee_company_id"),
            Some("payee_company_id")
        );
        assert_eq!(field_of("payments", "供应商编号"), Some("payee_company_id"));
    }
}
