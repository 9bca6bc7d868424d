//! Text encodings of Chinese exports. CSV is split on raw bytes (GBK and GB18030 never
//! use the bytes of `,` `"` or a newline inside a character), and only then is each field
//! decoded, so a GBK file needs no decoding pass over the whole stream.

use std::borrow::Cow;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Utf8,
    /// GBK is a subset of GB18030, so both decode with the GB18030 decoder.
    Gbk,
    Gb18030,
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "utf8" => Ok(Self::Utf8),
            "gbk" | "cp936" | "gb2312" => Ok(Self::Gbk),
            "gb18030" => Ok(Self::Gb18030),
            _ => Err(format!("unknown encoding '{s}': use utf-8, gbk or gb18030")),
        }
    }
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Gbk => "gbk",
            Self::Gb18030 => "gb18030",
        }
    }

    /// Guesses from a sample of the file: valid UTF-8 (a character cut at the end of the
    /// sample allowed) is UTF-8, anything else is taken as GB18030, which covers GBK.
    pub fn detect(sample: &[u8]) -> Self {
        match std::str::from_utf8(sample) {
            Ok(_) => Self::Utf8,
            Err(e) if e.error_len().is_none() => Self::Utf8, // cut mid-character at the sample's end
            Err(_) => Self::Gb18030,
        }
    }

    /// Decodes one field. Returns `None` when a UTF-8 file holds bytes that are not UTF-8
    /// (the caller quarantines the row rather than guessing).
    pub fn decode<'a>(self, bytes: &'a [u8]) -> Option<Cow<'a, str>> {
        if let Ok(s) = std::str::from_utf8(bytes) {
            // ASCII is the same in all three encodings; valid UTF-8 in a GBK file is almost
            // always ASCII, so this fast path is safe.
            if self == Self::Utf8 || bytes.is_ascii() {
                return Some(Cow::Borrowed(s));
            }
        }
        match self {
            Self::Utf8 => None,
            Self::Gbk | Self::Gb18030 => {
                let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
                (!had_errors).then_some(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_gbk_and_utf8() {
        let (gbk, _, _) = encoding_rs::GBK.encode("付款金额,收款单位\n");
        assert_eq!(Encoding::detect(&gbk), Encoding::Gb18030);
        assert_eq!(Encoding::detect("付款金额".as_bytes()), Encoding::Utf8);
        let cut = &"付款".as_bytes()[..4];
        assert_eq!(Encoding::detect(cut), Encoding::Utf8);
    }

    #[test]
    fn decodes_gbk_fields() {
        let (gbk, _, _) = encoding_rs::GBK.encode("北京某某科技有限公司");
        assert_eq!(
            Encoding::Gbk.decode(&gbk).as_deref(),
            Some("北京某某科技有限公司")
        );
        assert_eq!(Encoding::Utf8.decode(&gbk), None);
        assert_eq!("gb-18030".parse::<Encoding>(), Ok(Encoding::Gb18030));
        assert!("latin1".parse::<Encoding>().is_err());
    }
}
