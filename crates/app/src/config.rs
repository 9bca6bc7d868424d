//! `qinglian.toml`: one typed struct, unknown keys refused so that a typo is an error and
//! not a silently ignored setting. Environment overrides are applied by the CLI.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::AppError;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub organisation: Organisation,
    pub calendar: CalendarConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Organisation {
    /// Shown in reports and the console.
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarConfig {
    /// Extra `date,kind,name` lines (e.g. next year's holiday notice), relative to the workspace.
    pub extra: Option<String>,
}

impl Default for Organisation {
    fn default() -> Self {
        Self {
            name: "未命名单位".into(),
        }
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, AppError> {
        let text = std::fs::read_to_string(path).map_err(|e| AppError::io(path, e))?;
        Self::parse(&text).map_err(|reason| AppError::Config {
            path: path.display().to_string(),
            reason,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Applies one `SECTION__KEY` override (from `QINGLIAN__SECTION__KEY`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key.to_ascii_lowercase().as_str() {
            "organisation__name" => self.organisation.name = value.to_owned(),
            "calendar__extra" => self.calendar.extra = Some(value.to_owned()),
            other => return Err(format!("unknown setting '{other}'")),
        }
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!("# qinglian workspace configuration (see README, section Configuration)\n{body}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused() {
        assert!(
            Config::parse("[organisation]\nnmae = \"x\"\n")
                .unwrap_err()
                .contains("nmae")
        );
        assert!(Config::parse("[organization]\n").is_err());
    }

    #[test]
    fn round_trip_and_overrides() {
        let mut c = Config::default();
        c.set("ORGANISATION__NAME", "某市城投集团").unwrap();
        assert_eq!(Config::parse(&c.to_toml()).unwrap(), c);
        assert!(c.set("organisation__colour", "red").is_err());
    }
}
