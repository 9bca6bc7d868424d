//! The message catalogues: every visible string of the console in Chinese (the default) and
//! English, from `i18n/zh.toml` and `i18n/en.toml`, embedded in the binary.
//!
//! Keys are dotted (`nav.inbox`); a section `[nav]` with `inbox = "…"` defines `nav.inbox`. A
//! key missing in the catalogue shows as the key itself, and a test fails on it.

use std::collections::BTreeMap;

/// The console's two languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// From a cookie or path segment: `en` is English, anything else Chinese.
    pub fn parse(s: &str) -> Lang {
        if s.trim().eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

pub const ZH_SOURCE: &str = include_str!("../../i18n/zh.toml");
pub const EN_SOURCE: &str = include_str!("../../i18n/en.toml");

/// One language's messages.
#[derive(Debug, Clone, Default)]
pub struct Tr {
    map: BTreeMap<String, String>,
}

impl Tr {
    /// Parses a catalogue: nested tables of strings.
    pub fn parse(source: &str) -> Result<Tr, String> {
        let table: toml::Table = source.parse().map_err(|e| format!("{e}"))?;
        let mut map = BTreeMap::new();
        flatten("", &table, &mut map)?;
        Ok(Tr { map })
    }

    /// The message of `key`, or the key itself when it is missing.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map_or(key, String::as_str)
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

fn flatten(
    prefix: &str,
    t: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(sub) => flatten(&key, sub, out)?,
            other => return Err(format!("{key}: a message must be a string, not {other}")),
        }
    }
    Ok(())
}

/// Both catalogues.
#[derive(Debug, Clone)]
pub struct Catalogs {
    zh: Tr,
    en: Tr,
}

impl Catalogs {
    /// The embedded catalogues (they are checked by tests, so this does not fail in a build
    /// that passed them).
    pub fn embedded() -> Catalogs {
        Catalogs {
            zh: Tr::parse(ZH_SOURCE).expect("i18n/zh.toml parses (checked by tests)"),
            en: Tr::parse(EN_SOURCE).expect("i18n/en.toml parses (checked by tests)"),
        }
    }

    pub fn get(&self, lang: Lang) -> &Tr {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}
