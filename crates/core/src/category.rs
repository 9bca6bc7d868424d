//! The eight rule categories. Every rule id starts with its category's prefix (`PRO-007`),
//! and findings, dashboards and the rule-pack folders are grouped by category.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A rule category. Serialises as the lower-case prefix (`"pro"`), the rule folder name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// 三重一大决策: decisions on major matters.
    Dec,
    /// 招标采购: procurement and bidding.
    Pro,
    /// 资金支付: funds and payments.
    Fun,
    /// 公务消费与报销: official spending and reimbursement.
    Exp,
    /// 人事薪酬: personnel and pay.
    Per,
    /// 利益冲突与关联交易: conflicts of interest and related parties.
    Coi,
    /// 资产与公车: assets and official vehicles.
    Ast,
    /// 工程建设: construction projects.
    Con,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Dec,
        Category::Pro,
        Category::Fun,
        Category::Exp,
        Category::Per,
        Category::Coi,
        Category::Ast,
        Category::Con,
    ];

    /// The upper-case rule-id prefix, e.g. `"PRO"`.
    #[must_use]
    pub fn prefix(self) -> &'static str {
        match self {
            Category::Dec => "DEC",
            Category::Pro => "PRO",
            Category::Fun => "FUN",
            Category::Exp => "EXP",
            Category::Per => "PER",
            Category::Coi => "COI",
            Category::Ast => "AST",
            Category::Con => "CON",
        }
    }

    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            Category::Dec => "三重一大决策",
            Category::Pro => "招标采购",
            Category::Fun => "资金支付",
            Category::Exp => "公务消费与报销",
            Category::Per => "人事薪酬",
            Category::Coi => "利益冲突与关联交易",
            Category::Ast => "资产与公车",
            Category::Con => "工程建设",
        }
    }

    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            Category::Dec => "Major-matter decisions",
            Category::Pro => "Procurement and bidding",
            Category::Fun => "Funds and payments",
            Category::Exp => "Official spending and reimbursement",
            Category::Per => "Personnel and pay",
            Category::Coi => "Conflicts of interest and related parties",
            Category::Ast => "Assets and official vehicles",
            Category::Con => "Construction projects",
        }
    }
}

/// The prefix, `PRO`.
impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.prefix())
    }
}

/// Parses a prefix, ignoring case and surrounding whitespace.
impl FromStr for Category {
    type Err = CategoryError;
    fn from_str(s: &str) -> Result<Category, CategoryError> {
        let wanted = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.prefix().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| CategoryError {
                raw: wanted.to_owned(),
            })
    }
}

/// Not one of the eight category prefixes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message_en())]
pub struct CategoryError {
    pub raw: String,
}

impl CategoryError {
    /// A stable, dotted code such as `amount.letter_o`; safe to store and to group by.
    pub fn code(&self) -> &'static str {
        "category.unknown"
    }

    /// The reason in English, saying what to do; also the `Display` text.
    pub fn message_en(&self) -> String {
        format!(
            "'{}' is not a rule category; use one of DEC, PRO, FUN, EXP, PER, COI, AST, CON",
            self.raw
        )
    }

    /// The reason in Chinese, saying what to do.
    pub fn message_zh(&self) -> String {
        format!(
            "“{}”不是规则类别，请使用 DEC、PRO、FUN、EXP、PER、COI、AST、CON 之一",
            self.raw
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_round_trip_case_insensitively() {
        for c in Category::ALL {
            assert_eq!(c.prefix().parse::<Category>(), Ok(c));
            assert_eq!(c.prefix().to_lowercase().parse::<Category>(), Ok(c));
            assert_eq!(c.to_string(), c.prefix());
        }
        assert_eq!(" pRo ".parse::<Category>(), Ok(Category::Pro));
    }

    #[test]
    fn names() {
        assert_eq!(Category::Dec.name_zh(), "三重一大决策");
        assert_eq!(Category::Con.name_en(), "Construction projects");
        let zh: std::collections::HashSet<_> = Category::ALL.map(Category::name_zh).into();
        assert_eq!(zh.len(), 8);
    }

    #[test]
    fn unknown_prefix_lists_the_valid_ones() {
        let err = "XYZ".parse::<Category>().unwrap_err();
        assert!(err.to_string().contains("DEC, PRO"), "{err}");
        assert!(err.message_zh().starts_with("“XYZ”不是规则类别"));
    }

    #[test]
    fn serde_uses_the_lower_case_prefix() {
        use serde::de::value::{Error, StrDeserializer};
        use serde::de::{Deserialize, IntoDeserializer};
        let de: StrDeserializer<'_, Error> = "coi".into_deserializer();
        assert_eq!(Category::deserialize(de), Ok(Category::Coi));
        let de: StrDeserializer<'_, Error> = "COI".into_deserializer();
        assert!(Category::deserialize(de).is_err());
    }
}
