//! Evaluation of the rule base against the demo organisation's ground truth
//! (`ground_truth.jsonl`, written by the generator next to the data files).
//!
//! A finding **matches** a ground-truth instance when one of its evidence rows is one of the
//! instance's rows (same dataset, same business key), or when it names the instance's
//! subject and its rule claims the instance's kind (`demo_kinds`). Then:
//!
//! - a finding is a true positive when it matches an injected anomaly, else a false
//!   positive — a finding that matches only an honest look-alike is a false positive too;
//! - a rule's recall is the share of the injected instances of the kinds it claims that
//!   its findings match; overall recall is the share of all instances of claimed kinds
//!   matched by a rule that claims the kind; the share over *every* kind (including those
//!   left to the model base) is reported beside it.
//!
//! The evaluation reads the open findings the desk holds, so it scores the latest run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use qinglian_core::{Category, SourceKind};
use qinglian_store::{FindingFilter, FindingRecord, FindingStatus, FindingStore};
use serde::{Deserialize, Serialize};

use crate::analysis::{lake_files, rule_pack};
use crate::{AppError, Workspace};

/// One line of `ground_truth.jsonl`.
#[derive(Debug, Clone, Deserialize)]
pub struct TruthInstance {
    pub id: String,
    pub kind: String,
    pub subject: TruthSubject,
    pub rows: Vec<TruthRow>,
    pub lookalike: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthSubject {
    #[serde(rename = "type")]
    pub ty: String,
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthRow {
    pub dataset: String,
    pub key: String,
}

/// Reads a ground-truth file.
pub fn read_truth(path: &Path) -> Result<Vec<TruthInstance>, AppError> {
    let text = std::fs::read_to_string(path).map_err(|e| AppError::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| AppError::Config {
                path: path.display().to_string(),
                reason: format!("line {}: not a ground-truth instance: {e}", i + 1),
            })
        })
        .collect()
}

/// How one rule did.
#[derive(Debug, Clone, Serialize)]
pub struct RuleScore {
    pub id: String,
    pub name_en: String,
    pub category: Category,
    /// Ground-truth kinds the rule claims.
    pub kinds: Vec<String>,
    /// Open findings of the rule.
    pub findings: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    /// Of the false positives, those that match an honest look-alike.
    pub lookalike_hits: u64,
    /// Injected instances of the claimed kinds …
    pub instances: u64,
    /// … and how many of them the rule's findings match.
    pub detected: u64,
}

impl RuleScore {
    pub fn precision(&self) -> Option<f64> {
        ratio(self.true_positives, self.findings)
    }
    pub fn recall(&self) -> Option<f64> {
        ratio(self.detected, self.instances)
    }
}

/// How one ground-truth kind was covered.
#[derive(Debug, Clone, Serialize)]
pub struct KindScore {
    pub kind: String,
    /// Rules that claim it (none: left to the model base).
    pub rules: Vec<String>,
    /// Models that claim it.
    pub models: Vec<String>,
    pub instances: u64,
    /// Matched by a rule that claims the kind.
    pub detected: u64,
    /// Matched by a model that claims the kind.
    pub detected_by_models: u64,
    /// Matched by any rule's finding.
    pub detected_any: u64,
    /// Matched by any model's finding (whether or not the model claims the kind); when
    /// scoring one kind of source, by any finding of that kind.
    pub detected_any_model: u64,
    pub lookalikes: u64,
    /// Look-alikes some finding of a claiming rule matched (false alarms).
    pub lookalikes_hit: u64,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub findings: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    /// Injected instances of kinds some rule claims, and how many a claiming rule matched.
    pub instances_claimed: u64,
    pub detected_claimed: u64,
    /// Every injected instance, and how many any finding matched.
    pub instances_all: u64,
    pub detected_all: u64,
    pub rules: Vec<RuleScore>,
    /// The model base: findings, true positives, and the injected instances of the kinds
    /// the models claim with how many a claiming model matched.
    pub model_findings: u64,
    pub model_true_positives: u64,
    pub model_instances_claimed: u64,
    pub model_detected_claimed: u64,
    /// Instances any model finding matched, claimed or not.
    pub detected_any_model: u64,
    pub models: Vec<RuleScore>,
    pub kinds: Vec<KindScore>,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// A ratio as the tables show it: three decimals, or a dash when undefined.
fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{r:.3}"))
}

/// The summary table's header and its first row: (findings, true positives) and
/// (injected instances, detected).
fn headline(out: &mut String, label: &str, (found, tp): (u64, u64), (inst, det): (u64, u64)) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "| | findings | true positives | precision | injected instances | detected | recall |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {label} | {found} | {tp} | **{}** | {inst} | {det} | **{}** |",
        pct(ratio(tp, found)),
        pct(ratio(det, inst))
    );
}

/// A rule's or model's row up to its recall (the caller closes or extends it).
fn score_cells(r: &RuleScore) -> String {
    format!(
        "| {} | {} | {} | {} | {} ({}) | {} | {} | {} | {}",
        r.id,
        r.name_en,
        r.findings,
        r.true_positives,
        r.false_positives,
        r.lookalike_hits,
        pct(r.precision()),
        r.instances,
        r.detected,
        pct(r.recall())
    )
}

impl Evaluation {
    pub fn precision(&self) -> Option<f64> {
        ratio(self.true_positives, self.findings)
    }
    /// Recall over the kinds the rule base claims.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.detected_claimed, self.instances_claimed)
    }
    /// Recall over every injected kind.
    pub fn recall_all(&self) -> Option<f64> {
        ratio(self.detected_all, self.instances_all)
    }

    /// The evaluation as Markdown: totals, then one table row per rule.
    pub fn markdown(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        headline(
            &mut out,
            "kinds the rules claim",
            (self.findings, self.true_positives),
            (self.instances_claimed, self.detected_claimed),
        );
        let _ = writeln!(
            out,
            "| every injected kind | | | | {} | {} | {} |",
            self.instances_all,
            self.detected_all,
            pct(self.recall_all())
        );
        let _ = writeln!(
            out,
            "\n| rule | name | findings | TP | FP (of which look-alikes) | precision | instances | detected | recall |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for r in &self.rules {
            let _ = writeln!(out, "{} |", score_cells(r));
        }
        let _ = writeln!(
            out,
            "\n**Model base** (`MOD-*`, the detectors of crates/detect run over the lake):\n"
        );
        headline(
            &mut out,
            "kinds the models claim",
            (self.model_findings, self.model_true_positives),
            (self.model_instances_claimed, self.model_detected_claimed),
        );
        let _ = writeln!(
            out,
            "| every injected kind, any model finding | | | | {} | {} | {} |",
            self.instances_all,
            self.detected_any_model,
            pct(ratio(self.detected_any_model, self.instances_all))
        );
        let _ = writeln!(
            out,
            "\n| model | name | findings | TP | FP (of which look-alikes) | precision | instances | detected | recall | kinds claimed |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for r in &self.models {
            let kinds = if r.kinds.is_empty() {
                "none (no injected instances of its own)".to_owned()
            } else {
                r.kinds.join(", ")
            };
            let _ = writeln!(out, "{} | {kinds} |", score_cells(r));
        }
        let unclaimed: Vec<String> = self
            .kinds
            .iter()
            .filter(|k| k.rules.is_empty())
            .map(|k| {
                format!(
                    "`{}` ({}/{}, models {}/{})",
                    k.kind, k.detected_any, k.instances, k.detected_any_model, k.instances
                )
            })
            .collect();
        if !unclaimed.is_empty() {
            let _ = writeln!(
                out,
                "\nKinds no rule claims (matched by any rule finding / injected, and by any model finding): {}.",
                unclaimed.join(", ")
            );
        }
        out
    }
}

/// Scores the open findings of `ws` (rules and models apart) against the ground truth in `truth`.
pub async fn evaluate(ws: &Workspace, truth: &[TruthInstance]) -> Result<Evaluation, AppError> {
    let pack = rule_pack(Some(ws))?;
    let findings: Vec<FindingRecord> = ws
        .store
        .list_findings(&FindingFilter {
            status: Some(FindingStatus::Open),
            ..FindingFilter::default()
        })
        .await?;

    // (dataset, key) → instances citing that row.
    let mut by_row: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, t) in truth.iter().enumerate() {
        for r in &t.rows {
            by_row
                .entry((r.dataset.as_str(), r.key.as_str()))
                .or_default()
                .push(i);
        }
    }
    // Business keys of the rows findings cite.
    let cited: BTreeSet<&str> = findings
        .iter()
        .flat_map(|f| f.finding.evidence.iter().map(|e| e.dataset.as_str()))
        .collect();
    let mut engine = qinglian_rules::Engine::new(ws.calendar()?)?;
    let files = lake_files(ws).await?;
    let mut keys: HashMap<String, HashMap<(String, i64), String>> = HashMap::new();
    for dataset in cited {
        if let Some(f) = files.get(dataset) {
            engine.register_lake(dataset, f).await?;
            keys.insert(dataset.to_owned(), engine.row_keys(dataset).await?);
        }
    }

    let rule_sources: Vec<Source<'_>> = pack
        .rules
        .iter()
        .map(|r| Source {
            id: &r.meta.id,
            name_en: &r.meta.name_en,
            category: r.category,
            kinds: &r.meta.demo_kinds,
        })
        .collect();
    let model_kinds: Vec<Vec<String>> = crate::models::MODELS
        .iter()
        .map(|m| m.demo_kinds.iter().map(|k| (*k).to_owned()).collect())
        .collect();
    let model_sources: Vec<Source<'_>> = crate::models::MODELS
        .iter()
        .zip(&model_kinds)
        .map(|(m, kinds)| Source {
            id: m.id,
            name_en: m.name_en,
            category: m.category,
            kinds,
        })
        .collect();
    let ctx = Matching {
        truth,
        by_row: &by_row,
        keys: &keys,
    };
    let (rules_scored, rule_kinds) = ctx.score(&rule_sources, &findings, SourceKind::Rule);
    let (models_scored, model_kinds) = ctx.score(&model_sources, &findings, SourceKind::Model);
    let kinds: Vec<KindScore> = rule_kinds
        .into_iter()
        .zip(model_kinds)
        .map(|(mut r, m)| {
            r.models = m.rules;
            r.detected_by_models = m.detected;
            r.detected_any_model = m.detected_any_model;
            r
        })
        .collect();
    let claimed: Vec<&KindScore> = kinds.iter().filter(|k| !k.rules.is_empty()).collect();
    let model_claimed: Vec<&KindScore> = kinds.iter().filter(|k| !k.models.is_empty()).collect();
    Ok(Evaluation {
        findings: rules_scored.iter().map(|r| r.findings).sum(),
        true_positives: rules_scored.iter().map(|r| r.true_positives).sum(),
        false_positives: rules_scored.iter().map(|r| r.false_positives).sum(),
        instances_claimed: claimed.iter().map(|k| k.instances).sum(),
        detected_claimed: claimed.iter().map(|k| k.detected).sum(),
        instances_all: kinds.iter().map(|k| k.instances).sum(),
        detected_all: kinds.iter().map(|k| k.detected_any).sum(),
        rules: rules_scored,
        model_findings: models_scored.iter().map(|r| r.findings).sum(),
        model_true_positives: models_scored.iter().map(|r| r.true_positives).sum(),
        model_instances_claimed: model_claimed.iter().map(|k| k.instances).sum(),
        model_detected_claimed: model_claimed.iter().map(|k| k.detected_by_models).sum(),
        detected_any_model: kinds.iter().map(|k| k.detected_any_model).sum(),
        models: models_scored,
        kinds,
    })
}

/// A rule or a model as the evaluation sees it.
struct Source<'a> {
    id: &'a str,
    name_en: &'a str,
    category: Category,
    kinds: &'a [String],
}

/// The ground truth and the row keys findings are matched on.
struct Matching<'a> {
    truth: &'a [TruthInstance],
    by_row: &'a HashMap<(&'a str, &'a str), Vec<usize>>,
    keys: &'a HashMap<String, HashMap<(String, i64), String>>,
}

impl Matching<'_> {
    /// Scores the open findings of `kind` against the truth: one score per source, one
    /// per ground-truth kind (in kind order; `rules` naming the claiming sources).
    fn score<'f>(
        &self,
        sources: &[Source<'_>],
        findings: &'f [FindingRecord],
        kind: SourceKind,
    ) -> (Vec<RuleScore>, Vec<KindScore>) {
        let truth = self.truth;
        let claims: BTreeMap<&str, &[String]> = sources.iter().map(|s| (s.id, s.kinds)).collect();
        let mut scores: BTreeMap<&str, RuleScore> = sources
            .iter()
            .map(|s| {
                (
                    s.id,
                    RuleScore {
                        id: s.id.to_owned(),
                        name_en: s.name_en.to_owned(),
                        category: s.category,
                        kinds: s.kinds.to_vec(),
                        findings: 0,
                        true_positives: 0,
                        false_positives: 0,
                        lookalike_hits: 0,
                        instances: 0,
                        detected: 0,
                    },
                )
            })
            .collect();
        // Instance → sources whose findings match it; and whether any finding of any
        // source of this kind does.
        let mut matched_by: Vec<BTreeSet<&'f str>> = vec![BTreeSet::new(); truth.len()];
        for f in findings.iter().filter(|f| f.finding.source.kind == kind) {
            let source = f.finding.source.id.as_str();
            let claimed = claims.get(source).copied().unwrap_or_default();
            let mut hits: BTreeSet<usize> = BTreeSet::new();
            for e in &f.finding.evidence {
                let key = self
                    .keys
                    .get(&e.dataset)
                    .and_then(|k| k.get(&(e.batch.clone(), e.row)));
                if let Some(key) = key
                    && let Some(ts) = self.by_row.get(&(e.dataset.as_str(), key.as_str()))
                {
                    hits.extend(ts);
                }
            }
            for (i, t) in truth.iter().enumerate() {
                if t.subject.id == f.finding.subject.id && claimed.contains(&t.kind) {
                    hits.insert(i);
                }
            }
            let Some(score) = scores.get_mut(source) else {
                continue; // a rule since removed from the pack
            };
            score.findings += 1;
            if hits.iter().any(|&i| !truth[i].lookalike) {
                score.true_positives += 1;
            } else {
                score.false_positives += 1;
                if !hits.is_empty() {
                    score.lookalike_hits += 1;
                }
            }
            for i in hits {
                matched_by[i].insert(source);
            }
        }
        let mut kinds: BTreeMap<&str, KindScore> = BTreeMap::new();
        for (i, t) in truth.iter().enumerate() {
            let claiming: Vec<String> = claims
                .iter()
                .filter(|(_, ks)| ks.contains(&t.kind))
                .map(|(id, _)| (*id).to_owned())
                .collect();
            let by_claiming = matched_by[i]
                .iter()
                .any(|r| claiming.iter().any(|c| c == r));
            let k = kinds.entry(t.kind.as_str()).or_insert_with(|| KindScore {
                kind: t.kind.clone(),
                rules: claiming.clone(),
                models: Vec::new(),
                instances: 0,
                detected: 0,
                detected_by_models: 0,
                detected_any: 0,
                detected_any_model: 0,
                lookalikes: 0,
                lookalikes_hit: 0,
            });
            if t.lookalike {
                k.lookalikes += 1;
                k.lookalikes_hit += u64::from(by_claiming);
                continue;
            }
            k.instances += 1;
            k.detected += u64::from(by_claiming);
            k.detected_any += u64::from(!matched_by[i].is_empty());
            k.detected_any_model += u64::from(!matched_by[i].is_empty());
            for c in &claiming {
                if let Some(s) = scores.get_mut(c.as_str()) {
                    s.instances += 1;
                    s.detected += u64::from(matched_by[i].contains(c.as_str()));
                }
            }
        }
        (
            scores.into_values().collect(),
            kinds.into_values().collect(),
        )
    }
}

/// Replaces the text between `begin` and `end` marker lines of `doc` with `section`
/// (markers kept), or appends markers and section when the markers are absent.
pub fn replace_section(doc: &str, begin: &str, end: &str, section: &str) -> String {
    match (doc.find(begin), doc.find(end)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{begin}\n{section}{}", &doc[..b], &doc[e..])
        }
        _ => {
            let sep = if doc.is_empty() || doc.ends_with("\n\n") {
                ""
            } else if doc.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{doc}{sep}{begin}\n{section}{end}\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{RunOptions, run_rules};
    use crate::{Config, ImportOptions, import, init_workspace};

    fn instance(id: &str, kind: &str, key: &str, lookalike: bool) -> TruthInstance {
        TruthInstance {
            id: id.into(),
            kind: kind.into(),
            subject: TruthSubject {
                ty: "payment".into(),
                id: key.into(),
            },
            rows: vec![TruthRow {
                dataset: "payments".into(),
                key: key.into(),
            }],
            lookalike,
        }
    }

    #[tokio::test]
    async fn findings_are_scored_by_the_rows_they_cite() {
        let dir = tempfile::tempdir().unwrap();
        let ws = init_workspace(&dir.path().join("ws"), Config::default())
            .await
            .unwrap();
        let file = dir.path().join("payments.csv");
        // P1 and P3: large cash payments; P2 a small transfer.
        std::fs::write(
            &file,
            "payment_id,unit_id,paid_on,amount,payee_name,method,purpose\n\
             P1,D1,2025-03-04,86000,甲公司,cash,材料款\n\
             P2,D1,2025-03-05,900,乙公司,transfer,文具\n\
             P3,D2,2025-03-06,70000,丙公司,cash,维修费\n",
        )
        .unwrap();
        let opts = ImportOptions {
            force: true,
            user: "t".into(),
            ..ImportOptions::default()
        };
        import(&ws, "payments", &file, &opts, Box::new(|_, _| {}))
            .await
            .unwrap();
        run_rules(&ws, &RunOptions::default()).await.unwrap();
        let truth = vec![
            instance("GT-1", "fun_large_cash", "P1", false),
            instance("GT-2", "fun_large_cash", "P9", false),
            instance("LA-1", "fun_large_cash", "P3", true),
        ];
        let e = evaluate(&ws, &truth).await.unwrap();
        let cash = e.rules.iter().find(|r| r.id == "FUN-009").unwrap();
        assert_eq!(cash.findings, 2, "P1 and P3");
        assert_eq!((cash.true_positives, cash.false_positives), (1, 1));
        assert_eq!(cash.lookalike_hits, 1, "P3 is an honest look-alike");
        assert_eq!((cash.detected, cash.instances), (1, 2), "P9 was missed");
        assert_eq!(cash.recall(), Some(0.5));
        let kind = e.kinds.iter().find(|k| k.kind == "fun_large_cash").unwrap();
        assert_eq!((kind.lookalikes, kind.lookalikes_hit), (1, 1));
        assert!(kind.rules.contains(&"FUN-009".to_owned()));
        assert_eq!((e.detected_claimed, e.instances_claimed), (1, 2));
        assert!(e.findings >= 2);
        assert_eq!(e.true_positives + e.false_positives, e.findings);
        let md = e.markdown();
        let row = md.lines().find(|l| l.starts_with("| FUN-009 |")).unwrap();
        assert!(
            row.ends_with("| 2 | 1 | 1 (1) | 0.500 | 2 | 1 | 0.500 |"),
            "{row}"
        );
        assert!(
            md.contains(&format!(
                "| kinds the rules claim | {} | {} | **",
                e.findings, e.true_positives
            )),
            "{md}"
        );
    }

    #[test]
    fn a_section_between_markers_is_replaced_and_the_rest_kept() {
        let doc = "# B\n\nintro\n<!-- a -->\nold\n<!-- z -->\n\n## after\n";
        let out = replace_section(doc, "<!-- a -->", "<!-- z -->", "new\n");
        assert_eq!(
            out,
            "# B\n\nintro\n<!-- a -->\nnew\n<!-- z -->\n\n## after\n"
        );
        let appended = replace_section("# B\n", "<!-- a -->", "<!-- z -->", "x\n");
        assert_eq!(appended, "# B\n\n<!-- a -->\nx\n<!-- z -->\n");
    }
}
