//! Full-width to half-width folding.
//!
//! Chinese input methods type digits, Latin letters and punctuation as full-width forms
//! (`１２３４．５`, `ＡＢＣ`, `（ ）`) and spaces as the ideographic space U+3000. Every parser in
//! this crate folds its input first, so `１２３４．５` and `1234.5` mean the same thing.
//!
//! Only the full-width ASCII block (U+FF01..=U+FF5E) and U+3000 are folded. CJK text, including
//! the ideographic full stop `。`, is left alone: `。` ends a sentence and is not a decimal point,
//! and turning it into one would hide a typing mistake instead of reporting it.

use std::borrow::Cow;

/// Distance from a full-width form to its ASCII counterpart (`！` U+FF01 → `!` U+0021).
const FULL_WIDTH_OFFSET: u32 = 0xFEE0;

/// Folds one character: full-width ASCII to ASCII, U+3000 to `' '`, anything else unchanged.
#[must_use]
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - FULL_WIDTH_OFFSET).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn needs_fold(c: char) -> bool {
    matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}')
}

/// Folds full-width ASCII and the ideographic space to their half-width forms.
///
/// Returns the input borrowed when nothing changes; ASCII input (the common case in a bulk
/// import) is recognised with one vectorised scan and never allocates.
#[must_use]
pub fn fold_width(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let Some(first) = s.find(needs_fold) else {
        return Cow::Borrowed(s);
    };
    // Every folded character shrinks from 3 bytes to 1, so `s.len()` is always enough.
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    out.extend(s[first..].chars().map(fold_char));
    Cow::Owned(out)
}

/// `str::trim`, with a fast path: when both ends are printable ASCII nothing is trimmed, and
/// no character is decoded. A bulk import trims every cell, and that decoding was a
/// measurable share of its time.
#[must_use]
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_agrees_with_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{3000}张三\u{3000}",
            "张三",
            "1,234.50",
            "\t12\n",
            "a b",
            "\u{a0}x",
            "x\u{2003}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn ascii_is_borrowed_unchanged() {
        assert!(matches!(fold_width("1,234.50"), Cow::Borrowed("1,234.50")));
    }

    #[test]
    fn cjk_without_full_width_is_borrowed() {
        assert!(matches!(fold_width("张三。"), Cow::Borrowed("张三。")));
    }

    #[test]
    fn full_width_digits_letters_and_punctuation_fold() {
        assert_eq!(fold_width("１２３４．５０"), "1234.50");
        assert_eq!(fold_width("ＡＢｃ（１）"), "ABc(1)");
        assert_eq!(fold_width("！～"), "!~");
        assert!(matches!(fold_width("１"), Cow::Owned(_)));
    }

    #[test]
    fn ideographic_space_becomes_space_and_cjk_stays() {
        assert_eq!(fold_width("金额\u{3000}１２。"), "金额 12。");
    }

    #[test]
    fn block_edges_are_exact() {
        assert_eq!(fold_char('\u{FF00}'), '\u{FF00}');
        assert_eq!(fold_char('\u{FF5F}'), '\u{FF5F}');
        assert_eq!(fold_char('\u{FFE5}'), '\u{FFE5}');
    }
}
