//! Routing: which department answers a warning, and who at its level receives it.
//!
//! The department is the one the rule's routing names (`rule_departments`), else the one the
//! finding names (the subject's department), else `default_department`. At level 1 the
//! department's liaison (部门联络员) receives it; at level 2 the inspector of that department
//! with the fewest open warnings (ties by name, so the choice is reproducible); at level 3 the
//! committee's secretary.
//!
//! ```toml
//! [warnings.routing]
//! default_department = "纪检监察室"
//! committee = "党委办公室"
//! rule_departments = { "FUN-001" = "财务部" }
//! liaisons = { "财务部" = "张会计" }
//! inspectors = { "财务部" = ["王专员", "赵专员"] }
//! default_inspectors = ["纪检专员甲"]
//! ```

use std::collections::BTreeMap;

use qinglian_store::Level;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// Department when neither the rule nor the finding names one.
    pub default_department: String,
    /// Rule or model id → the department that answers its warnings.
    pub rule_departments: BTreeMap<String, String>,
    /// Department → its liaison, who receives level-1 warnings.
    pub liaisons: BTreeMap<String, String>,
    /// Department → the inspectors who cover it (level 2).
    pub inspectors: BTreeMap<String, Vec<String>>,
    /// Inspectors for departments without their own.
    pub default_inspectors: Vec<String>,
    /// Who receives level-3 warnings for the committee.
    pub committee: Option<String>,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            default_department: "纪检监察室".into(),
            rule_departments: BTreeMap::new(),
            liaisons: BTreeMap::new(),
            inspectors: BTreeMap::new(),
            default_inspectors: Vec::new(),
            committee: None,
        }
    }
}

impl RoutingConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.default_department.trim().is_empty() {
            return Err("routing.default_department must not be empty".into());
        }
        for (dept, names) in &self.inspectors {
            if names.iter().any(|n| n.trim().is_empty()) {
                return Err(format!("routing.inspectors.\"{dept}\" holds an empty name"));
            }
        }
        Ok(())
    }

    /// The department that answers a warning of `source_id` whose finding names `department`.
    pub fn department(&self, source_id: &str, department: Option<&str>) -> String {
        self.rule_departments
            .get(source_id)
            .map(String::as_str)
            .or(department.filter(|d| !d.trim().is_empty()))
            .unwrap_or(&self.default_department)
            .to_owned()
    }

    /// The inspectors who cover a department.
    pub fn inspectors_for(&self, department: &str) -> &[String] {
        self.inspectors
            .get(department)
            .filter(|v| !v.is_empty())
            .unwrap_or(&self.default_inspectors)
    }

    /// Who receives a warning at `level` in `department`; `load` gives the open warnings per
    /// inspector (absent = 0). `None` when nobody is configured: the warning stays `new`.
    pub fn assignee(
        &self,
        level: Level,
        department: &str,
        load: &[(String, u64)],
    ) -> Option<String> {
        match level {
            Level::Department => self.liaisons.get(department).cloned(),
            Level::Inspector => least_loaded(self.inspectors_for(department), load),
            Level::Committee => self.committee.clone(),
        }
    }
}

/// The candidate with the fewest open warnings; ties go to the first name in sort order.
pub fn least_loaded(candidates: &[String], load: &[(String, u64)]) -> Option<String> {
    candidates
        .iter()
        .map(|c| {
            let n = load.iter().find(|(n, _)| n == c).map_or(0, |(_, l)| *l);
            (n, c)
        })
        .min()
        .map(|(_, c)| c.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> RoutingConfig {
        let mut c = RoutingConfig::default();
        c.rule_departments.insert("FUN-001".into(), "财务部".into());
        c.liaisons.insert("财务部".into(), "张会计".into());
        c.inspectors
            .insert("财务部".into(), vec!["赵".into(), "王".into(), "钱".into()]);
        c.default_inspectors = vec!["甲".into()];
        c.committee = Some("党委办".into());
        c
    }

    #[test]
    fn the_rule_routing_wins_then_the_finding_then_the_default() {
        let c = cfg();
        assert_eq!(c.department("FUN-001", Some("采购部")), "财务部");
        assert_eq!(c.department("PRO-002", Some("采购部")), "采购部");
        assert_eq!(c.department("PRO-002", Some(" ")), "纪检监察室");
        assert_eq!(c.department("PRO-002", None), "纪检监察室");
    }

    #[test]
    fn inspectors_are_balanced_by_open_load() {
        let c = cfg();
        let load = vec![("赵".to_owned(), 4), ("王".to_owned(), 2)];
        // 钱 has none open.
        assert_eq!(
            c.assignee(Level::Inspector, "财务部", &load).as_deref(),
            Some("钱")
        );
        let load = vec![("赵".into(), 1), ("王".into(), 1), ("钱".into(), 3)];
        // Tie between 王 and 赵: the first in sort order.
        let pick = c.assignee(Level::Inspector, "财务部", &load).unwrap();
        assert_eq!(pick, if "王" < "赵" { "王" } else { "赵" });
        assert_eq!(
            c.assignee(Level::Inspector, "采购部", &[]).as_deref(),
            Some("甲")
        );
        assert_eq!(
            c.assignee(Level::Department, "财务部", &[]).as_deref(),
            Some("张会计")
        );
        assert_eq!(c.assignee(Level::Department, "采购部", &[]), None);
        assert_eq!(
            c.assignee(Level::Committee, "采购部", &[]).as_deref(),
            Some("党委办")
        );
    }
}
