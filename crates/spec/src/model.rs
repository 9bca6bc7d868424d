//! The shape of the specification: datasets made of typed fields.

/// What a field holds once parsed. Identifier types are checked (check digit or
/// check character) and, where personal, pseudonymised on import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Free text, trimmed.
    Text,
    /// A code or key: trimmed and width-folded (full-width letters and digits made half-width).
    Code,
    /// A whole number.
    Integer,
    /// A decimal number such as a share in percent or a distance.
    Number,
    /// An amount of money in yuan with two decimals (元, 万元, thousands separators accepted).
    Amount,
    /// A calendar date.
    Date,
    /// A date with time of day (local time).
    DateTime,
    /// Yes or no (是/否, true/false, 1/0, Y/N).
    Bool,
    /// One of a fixed list of codes.
    Enum(&'static [&'static str]),
    /// Resident identity number, GB 11643 check digit; personal, pseudonymised.
    ResidentId,
    /// Unified social credit code, GB 32100 check character.
    Uscc,
    /// Bank card number, Luhn check; personal, pseudonymised.
    BankCard,
    /// Bank account number (corporate accounts carry no check digit); pseudonymised.
    BankAccount,
    /// Telephone number, mobile or landline; personal, pseudonymised.
    Phone,
    /// E-mail address; personal, pseudonymised.
    Email,
}

impl FieldType {
    /// Values of this type never reach the lake in clear: they are stored as a keyed
    /// hash (for matching) and a masked display form.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            Self::ResidentId | Self::BankCard | Self::BankAccount | Self::Phone | Self::Email
        )
    }

    /// Short type name used in docs, schemas and `qinglian spec`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Code => "code",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Amount => "amount",
            Self::Date => "date",
            Self::DateTime => "datetime",
            Self::Bool => "bool",
            Self::Enum(_) => "enum",
            Self::ResidentId => "resident_id",
            Self::Uscc => "uscc",
            Self::BankCard => "bank_card",
            Self::BankAccount => "bank_account",
            Self::Phone => "phone",
            Self::Email => "email",
        }
    }

    /// How a value of this type is validated, in words (zh).
    pub fn rule_zh(self) -> &'static str {
        match self {
            Self::Text => "文本，去除首尾空白",
            Self::Code => "编码，去除空白，全角转半角",
            Self::Integer => "整数",
            Self::Number => "数字",
            Self::Amount => "金额（元），支持千分位、万元、括号负数、全角数字",
            Self::Date => "日期：2024-03-05、2024/3/5、2024年3月5日、20240305 或 Excel 序列号",
            Self::DateTime => "日期时间：日期加 14:30[:05]，或 Excel 序列号",
            Self::Bool => "是/否、true/false、1/0、Y/N",
            Self::Enum(_) => "取值见可选值",
            Self::ResidentId => "18 位公民身份号码，GB 11643 校验码；假名化存储",
            Self::Uscc => "18 位统一社会信用代码，GB 32100 校验码",
            Self::BankCard => "银行卡号，Luhn 校验；假名化存储",
            Self::BankAccount => "银行账号（6–32 位数字）；假名化存储",
            Self::Phone => "手机号或固定电话；假名化存储",
            Self::Email => "电子邮箱；假名化存储",
        }
    }

    /// How a value of this type is validated, in words (en).
    pub fn rule_en(self) -> &'static str {
        match self {
            Self::Text => "text, trimmed",
            Self::Code => "code, trimmed, full-width folded",
            Self::Integer => "whole number",
            Self::Number => "number",
            Self::Amount => {
                "amount in yuan; thousands separators, 万元, (negative), full-width digits"
            }
            Self::Date => "date: 2024-03-05, 2024/3/5, 2024年3月5日, 20240305 or an Excel serial",
            Self::DateTime => "date and time: a date plus 14:30[:05], or an Excel serial",
            Self::Bool => "yes/no: 是/否, true/false, 1/0, Y/N",
            Self::Enum(_) => "one of the listed values",
            Self::ResidentId => {
                "18-character resident identity number, GB 11643 check digit; pseudonymised"
            }
            Self::Uscc => "18-character unified social credit code, GB 32100 check character",
            Self::BankCard => "bank card number, Luhn check; pseudonymised",
            Self::BankAccount => "bank account number (6–32 digits); pseudonymised",
            Self::Phone => "mobile or landline number; pseudonymised",
            Self::Email => "e-mail address; pseudonymised",
        }
    }
}

/// One column of a dataset.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Canonical (English, snake_case) name, the column name in the lake.
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub zh: &'static str,
    pub en: &'static str,
    /// What the field means, in Chinese (the docs show it beside the English label).
    pub doc: &'static str,
    /// Other headers source systems use for this field, besides `name`, `zh` and `en`.
    pub aliases: &'static [&'static str],
}

/// A canonical dataset of the data exchange specification.
#[derive(Clone, Copy, Debug)]
pub struct Dataset {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub doc: &'static str,
    /// Field(s) that identify a row; used to refuse duplicate keys within a batch.
    pub key: &'static [&'static str],
    pub fields: &'static [Field],
}

impl Dataset {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn required_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.required)
    }
}

/// Builds a required field (kept short because the catalogue lists hundreds).
pub(crate) const fn req(
    name: &'static str,
    ty: FieldType,
    zh: &'static str,
    en: &'static str,
    doc: &'static str,
    aliases: &'static [&'static str],
) -> Field {
    Field {
        name,
        ty,
        required: true,
        zh,
        en,
        doc,
        aliases,
    }
}

/// Builds an optional field.
pub(crate) const fn opt(
    name: &'static str,
    ty: FieldType,
    zh: &'static str,
    en: &'static str,
    doc: &'static str,
    aliases: &'static [&'static str],
) -> Field {
    Field {
        required: false,
        ..req(name, ty, zh, en, doc, aliases)
    }
}
