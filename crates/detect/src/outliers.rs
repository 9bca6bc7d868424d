//! Peer-group robust outliers (MOD-OUTLIER): unit prices, claim amounts, pay or fuel far from
//! what the value's peers (same item, same grade, same vehicle class …) show.
//!
//! Per group the centre is the median and the spread the median absolute deviation (MAD);
//! the modified z-score of Iglewicz and Hoaglin is
//!
//! Mᵢ = 0.6745 (xᵢ − median) / MAD,
//!
//! and |Mᵢ| > 3.5 marks an outlier. When more than half the group shares one value the MAD is
//! zero; the score then falls back to the mean absolute deviation,
//! Mᵢ = (xᵢ − median) / (1.253314 · MeanAD), and when that is zero too no value is scored.
//! Groups smaller than `min_group` are not scored: a median of three is no peer norm. With
//! `log_scale` the score is computed on ln x, for measures that span orders of magnitude.

use std::collections::HashMap;

use qinglian_core::{Category, EvidenceRow, Finding, Severity, Subject};
use serde::{Deserialize, Serialize};

use crate::emit::{Scope, evidence_at, fact, finding, model_source, num};
use crate::error::{Result, check_len};
use crate::stats;

pub const MODEL_ID: &str = "MOD-OUTLIER";
pub const VERSION: &str = "1.0.0";

/// Which side of the peers counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Upper,
    Lower,
    Both,
}

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// |modified z| above this is an outlier. Default 3.5.
    pub z_threshold: f64,
    /// Groups with fewer values are not scored. Default 5.
    pub min_group: usize,
    /// Default upper (overpricing, overclaiming).
    pub direction: Direction,
    /// Score ln(value) instead of the value, for right-skewed positive measures (claim
    /// amounts spanning orders of magnitude); non-positive values are then ignored. Default
    /// false.
    pub log_scale: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            z_threshold: 3.5,
            min_group: 5,
            direction: Direction::Upper,
            log_scale: false,
        }
    }
}

/// A group's robust centre and spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    pub group: String,
    pub n: usize,
    /// The group's median (with `log_scale`, of the values themselves: exp of the median log).
    pub median: f64,
    /// MAD on the scale scored (of ln value with `log_scale`).
    pub mad: f64,
    /// Whether the mean-absolute-deviation fallback was used.
    pub mean_ad_fallback: bool,
}

/// One outlying value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outlier {
    /// Input position.
    pub index: usize,
    /// Position in [`OutlierReport::groups`].
    pub group: usize,
    pub value: f64,
    pub z: f64,
}

/// Groups and outliers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierReport {
    pub groups: Vec<GroupStats>,
    pub outliers: Vec<Outlier>,
}

/// Scores `values` against their peers; `groups[i]` names value i's peer group. Non-finite
/// values are ignored.
pub fn find<K: AsRef<str>>(values: &[f64], groups: &[K], p: &Params) -> Result<OutlierReport> {
    check_len("outlier groups", values.len(), groups.len())?;
    let sv: Vec<f64> = if p.log_scale {
        values
            .iter()
            .map(|&v| if v > 0.0 { v.ln() } else { f64::NAN })
            .collect()
    } else {
        values.to_vec()
    };
    let mut by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        if sv[i].is_finite() {
            by.entry(g.as_ref()).or_default().push(i);
        }
    }
    let mut keys: Vec<&str> = by.keys().copied().collect();
    keys.sort_unstable();
    let mut report = OutlierReport {
        groups: Vec::new(),
        outliers: Vec::new(),
    };
    for key in keys {
        let rows = &by[key];
        if rows.len() < p.min_group {
            continue;
        }
        let v: Vec<f64> = rows.iter().map(|&i| sv[i]).collect();
        let med = stats::median(&v).unwrap_or(0.0);
        let mad = stats::mad(&v, med).unwrap_or(0.0);
        let (scale, fallback) = if mad > 0.0 {
            (mad / 0.6745, false)
        } else {
            (
                1.253_314 * stats::mean_abs_dev(&v, med).unwrap_or(0.0),
                true,
            )
        };
        let gi = report.groups.len();
        report.groups.push(GroupStats {
            group: key.to_owned(),
            n: rows.len(),
            median: if p.log_scale { med.exp() } else { med },
            mad,
            mean_ad_fallback: fallback,
        });
        if scale <= 0.0 {
            continue;
        }
        for &i in rows {
            let z = (sv[i] - med) / scale;
            let hit = match p.direction {
                Direction::Upper => z > p.z_threshold,
                Direction::Lower => z < -p.z_threshold,
                Direction::Both => z.abs() > p.z_threshold,
            };
            if hit {
                report.outliers.push(Outlier {
                    index: i,
                    group: gi,
                    value: values[i],
                    z,
                });
            }
        }
    }
    report.outliers.sort_by_key(|o| o.index);
    Ok(report)
}

/// What is measured, for the explanation: e.g. ("单价", "unit price", "元").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub name_zh: String,
    pub name_en: String,
    pub unit: String,
}

/// One finding per outlier; `subjects[i]` is who value i is about. Severity medium, high for
/// |z| ≥ 2 × the threshold.
pub fn findings(
    report: &OutlierReport,
    subjects: &[Subject],
    measure: &Measure,
    category: Category,
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("outlier evidence", subjects.len(), evidence.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    let mut out = Vec::new();
    for o in &report.outliers {
        let g = &report.groups[o.group];
        let subject = subjects
            .get(o.index)
            .cloned()
            .ok_or(crate::DetectError::LengthMismatch {
                what: "outlier subjects",
                expected: o.index + 1,
                got: subjects.len(),
            })?;
        let scope = Scope {
            subject,
            category,
            department: None,
        };
        let sev = if o.z.abs() >= 2.0 * p.z_threshold {
            Severity::High
        } else {
            Severity::Medium
        };
        let times = if g.median != 0.0 {
            o.value / g.median
        } else {
            f64::INFINITY
        };
        let mut f = finding(
            &source,
            &scope,
            sev,
            format!(
                "{} {}{} 为同组（{}，{} 条）中位数 {}{} 的 {} 倍，稳健 z 值 {} 超过 {}",
                measure.name_zh,
                num(o.value, 2),
                measure.unit,
                g.group,
                g.n,
                num(g.median, 2),
                measure.unit,
                num(times, 1),
                num(o.z, 1),
                p.z_threshold
            ),
            format!(
                "The {} {} {} is {}× the median {} of its peer group ({}, {} values); modified z = {} > {}",
                measure.name_en,
                num(o.value, 2),
                measure.unit,
                num(times, 1),
                num(g.median, 2),
                g.group,
                g.n,
                num(o.z, 1),
                p.z_threshold
            ),
        );
        f.evidence = evidence_at(evidence, [o.index], 1);
        fact(&mut f.facts, "value", num(o.value, 4));
        fact(&mut f.facts, "group", &g.group);
        fact(&mut f.facts, "group_n", g.n);
        fact(&mut f.facts, "median", num(g.median, 4));
        fact(&mut f.facts, "mad", num(g.mad, 4));
        fact(&mut f.facts, "modified_z", num(o.z, 2));
        out.push(f);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_z_of_a_known_group() {
        // median 10, MAD 1 → z(30) = 0.6745 × 20 = 13.49.
        let v = [9.0, 10.0, 11.0, 10.0, 9.0, 11.0, 30.0];
        let g = ["A4纸"; 7];
        let r = find(&v, &g, &Params::default()).unwrap();
        assert_eq!(r.groups[0].median, 10.0);
        assert_eq!(r.groups[0].mad, 1.0);
        assert_eq!(r.outliers.len(), 1);
        assert_eq!(r.outliers[0].index, 6);
        assert!((r.outliers[0].z - 13.49).abs() < 1e-9);
        let subjects: Vec<Subject> = (0..7)
            .map(|i| Subject {
                kind: "contract".into(),
                id: format!("K{i}"),
                name: None,
            })
            .collect();
        let ev: Vec<EvidenceRow> = (0..7)
            .map(|i| EvidenceRow {
                dataset: "contract_items".into(),
                batch: "b".into(),
                row: i,
            })
            .collect();
        let m = Measure {
            name_zh: "单价".into(),
            name_en: "unit price".into(),
            unit: "元".into(),
        };
        let f = findings(&r, &subjects, &m, Category::Pro, &ev, &Params::default()).unwrap();
        assert_eq!(f[0].subject.id, "K6");
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].explanation_zh.contains("3.0 倍"),
            "{}",
            f[0].explanation_zh
        );
        assert_eq!(f[0].evidence[0].row, 6);
    }

    #[test]
    fn zero_mad_falls_back_to_mean_absolute_deviation() {
        let v = [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 180.0];
        let r = find(&v, &["g"; 7], &Params::default()).unwrap();
        assert!(r.groups[0].mean_ad_fallback);
        // MeanAD = 80/7; z = 80 / (1.253314 × 80/7) = 5.585.
        assert!((r.outliers[0].z - 7.0 / 1.253_314).abs() < 1e-9);
    }

    #[test]
    fn ordinary_spread_small_groups_and_lower_tail_stay_silent() {
        let v = [8.0, 9.0, 10.0, 11.0, 12.0, 9.5, 10.5, 1.0, 50.0, 60.0];
        let g = ["a", "a", "a", "a", "a", "a", "a", "a", "b", "b"];
        let r = find(&v, &g, &Params::default()).unwrap();
        assert!(r.outliers.is_empty(), "{r:?}");
        assert_eq!(r.groups.len(), 1, "group b is too small to score");
        let logs = find(
            &[10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 100.0],
            &["g"; 7],
            &Params {
                log_scale: true,
                ..Params::default()
            },
        )
        .unwrap();
        assert_eq!(logs.outliers[0].index, 6);
        assert!((logs.groups[0].median - 10.0).abs() < 1e-9);
        let both = Params {
            direction: Direction::Both,
            ..Params::default()
        };
        assert_eq!(find(&v, &g, &both).unwrap().outliers[0].index, 7);
    }
}
