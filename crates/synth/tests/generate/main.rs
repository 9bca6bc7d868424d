//! The generated demo organisation: deterministic, valid against the specification,
//! referentially sound, every anomaly kind present with ground truth that points at real
//! rows, and normal activity clean of the simplest rule hits except where labelled.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use qinglian_core::ident::{BankAccount, BankCard, Phone, ResidentId, Uscc};
use qinglian_spec::FieldType;
use qinglian_synth::{Category, GenOptions, KINDS, Scale, Summary, generate};

mod oracles;

struct Generated {
    dir: tempfile::TempDir,
    summary: Summary,
}

fn small() -> &'static Generated {
    static SMALL: OnceLock<Generated> = OnceLock::new();
    SMALL.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let summary = generate(
            &GenOptions {
                seed: 7,
                scale: Scale::Small,
            },
            dir.path(),
            &mut |_, _| {},
        )
        .expect("small generates");
        Generated { dir, summary }
    })
}

/// A CSV as header and rows of strings.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    }

    fn values(&self, name: &str) -> impl Iterator<Item = &str> {
        let i = self.col(name);
        self.rows.iter().map(move |r| r[i].as_str())
    }

    fn keys(&self, dataset: &str) -> Vec<String> {
        let ds = qinglian_spec::dataset(dataset).expect("dataset");
        let idx: Vec<usize> = ds.key.iter().map(|k| self.col(k)).collect();
        self.rows
            .iter()
            .map(|r| {
                idx.iter()
                    .map(|&i| r[i].as_str())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }
}

fn read(dir: &Path, dataset: &str) -> Table {
    let mut rd = csv::Reader::from_path(dir.join(format!("{dataset}.csv"))).expect("file exists");
    let header = rd
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = rd
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    Table { header, rows }
}

fn truth(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("ground_truth.jsonl"))
        .expect("truth")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn valid(ty: FieldType, v: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match ty {
        FieldType::Text | FieldType::Code => !v.trim().is_empty() && v.trim() == v,
        FieldType::Integer => v.parse::<i64>().is_ok(),
        FieldType::Number => v.parse::<f64>().is_ok_and(f64::is_finite),
        FieldType::Amount => v
            .rsplit_once('.')
            .is_some_and(|(a, b)| b.len() == 2 && digits(b) && digits(a.trim_start_matches('-'))),
        FieldType::Date => NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
        FieldType::DateTime => NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").is_ok(),
        FieldType::Bool => v == "true" || v == "false",
        FieldType::Enum(codes) => codes.contains(&v),
        FieldType::ResidentId => ResidentId::parse(v).is_ok(),
        FieldType::Uscc => Uscc::parse(v).is_ok(),
        FieldType::BankCard => BankCard::parse(v).is_ok(),
        FieldType::BankAccount => BankAccount::parse(v).is_ok(),
        FieldType::Phone => Phone::parse(v).is_ok(),
        FieldType::Email => v
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.')),
    }
}

#[test]
fn every_file_passes_the_specification() {
    let g = small();
    for ds in qinglian_spec::DATASETS {
        let t = read(g.dir.path(), ds.name);
        for h in &t.header {
            assert!(
                ds.field(h).is_some(),
                "{}: column {h} is not in the spec",
                ds.name
            );
        }
        for f in ds.required_fields() {
            assert!(
                t.header.iter().any(|h| h == f.name),
                "{}: required column {} missing",
                ds.name,
                f.name
            );
        }
        assert!(!t.rows.is_empty(), "{} has rows", ds.name);
        for (n, row) in t.rows.iter().enumerate() {
            assert_eq!(row.len(), t.header.len(), "{} row {n}: width", ds.name);
            for (h, v) in t.header.iter().zip(row) {
                let f = ds.field(h).expect("checked");
                if v.is_empty() {
                    assert!(!f.required, "{} row {n}: required {h} empty", ds.name);
                    continue;
                }
                assert!(
                    valid(f.ty, v),
                    "{} row {n}: {h} = {v:?} is not a valid {}",
                    ds.name,
                    f.ty.name()
                );
            }
        }
        let keys = t.keys(ds.name);
        let unique: HashSet<&String> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "{}: duplicate keys", ds.name);
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_data() {
    let g = small();
    let again = tempfile::tempdir().unwrap();
    let s = generate(
        &GenOptions {
            seed: 7,
            scale: Scale::Small,
        },
        again.path(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(s.rows, g.summary.rows);
    for f in &g.summary.files {
        let name = f.file_name().unwrap();
        assert!(
            std::fs::read(f).unwrap() == std::fs::read(again.path().join(name)).unwrap(),
            "{name:?} differs between two runs"
        );
    }
    let other = tempfile::tempdir().unwrap();
    generate(
        &GenOptions {
            seed: 8,
            scale: Scale::Small,
        },
        other.path(),
        &mut |_, _| {},
    )
    .unwrap();
    for name in ["payments.csv", "persons.csv", "bids.csv"] {
        assert_ne!(
            std::fs::read(g.dir.path().join(name)).unwrap(),
            std::fs::read(other.path().join(name)).unwrap(),
            "{name} ignores the seed"
        );
    }
}

#[test]
fn small_has_every_kind_and_the_truth_points_at_real_rows() {
    let g = small();
    let lines = truth(g.dir.path());
    let known: HashMap<&str, Category> = KINDS.iter().map(|k| (k.kind, k.category)).collect();
    assert!(KINDS.len() >= 40);
    let mut per_cat: BTreeMap<String, usize> = BTreeMap::new();
    for k in KINDS {
        *per_cat.entry(format!("{:?}", k.category)).or_default() += 1;
        assert!(
            g.summary.anomalies.get(k.kind).copied().unwrap_or(0) >= 1,
            "kind {} never injected",
            k.kind
        );
    }
    assert_eq!(per_cat.len(), 8);
    assert!(per_cat.values().all(|&n| n >= 4), "{per_cat:?}");
    let mut keys: HashMap<String, HashSet<String>> = HashMap::new();
    let mut ids = HashSet::new();
    for l in &lines {
        let kind = l["kind"].as_str().unwrap();
        assert!(known.contains_key(kind), "unknown kind {kind}");
        assert_eq!(
            l["category"].as_str().unwrap(),
            format!("{:?}", known[kind])
        );
        assert!(ids.insert(l["id"].as_str().unwrap().to_owned()));
        assert!(!l["description_zh"].as_str().unwrap().is_empty());
        assert!(!l["subject"]["id"].as_str().unwrap().is_empty());
        let rows = l["rows"].as_array().unwrap();
        assert!(!rows.is_empty(), "{kind} without rows");
        for r in rows {
            let ds = r["dataset"].as_str().unwrap();
            let set = keys
                .entry(ds.to_owned())
                .or_insert_with(|| read(g.dir.path(), ds).keys(ds).into_iter().collect());
            assert!(
                set.contains(r["key"].as_str().unwrap()),
                "{kind}: {ds} row {} does not exist",
                r["key"]
            );
        }
    }
    assert!(
        lines.iter().filter(|l| l["lookalike"] == true).count() >= 10,
        "honest look-alikes present"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(g.dir.path().join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["rows"]["payments"], g.summary.rows["payments"]);
}

#[test]
fn references_between_datasets_hold() {
    let dir = small().dir.path();
    let set = |ds: &str, col: &str| {
        read(dir, ds)
            .values(col)
            .map(str::to_owned)
            .collect::<HashSet<String>>()
    };
    let (persons, companies, units) = (
        set("persons", "person_id"),
        set("companies", "company_id"),
        set("org_units", "unit_id"),
    );
    let (contracts, tenders, decisions, meetings) = (
        set("contracts", "contract_id"),
        set("tenders", "tender_id"),
        set("decisions", "decision_id"),
        set("meetings", "meeting_id"),
    );
    let checks: &[(&str, &str, &HashSet<String>)] = &[
        ("payments", "payee_company_id", &companies),
        ("payments", "payee_person_id", &persons),
        ("payments", "contract_id", &contracts),
        ("payments", "applicant_id", &persons),
        ("payments", "approver_id", &persons),
        ("payments", "unit_id", &units),
        ("bids", "tender_id", &tenders),
        ("bids", "company_id", &companies),
        ("contracts", "supplier_company_id", &companies),
        ("contracts", "tender_id", &tenders),
        ("meeting_votes", "decision_id", &decisions),
        ("meeting_votes", "meeting_id", &meetings),
        ("meeting_votes", "person_id", &persons),
        ("decisions", "meeting_id", &meetings),
        ("persons", "unit_id", &units),
        ("payroll", "person_id", &persons),
        ("attendance", "person_id", &persons),
        ("expense_claims", "person_id", &persons),
        ("company_links", "company_id", &companies),
        ("person_relations", "person_id", &persons),
        ("appointments", "decision_id", &decisions),
        ("milestones", "contract_id", &contracts),
        ("contract_changes", "contract_id", &contracts),
        ("decisions", "contract_id", &contracts),
    ];
    for (ds, col, target) in checks {
        for v in read(dir, ds).values(col) {
            assert!(
                v.is_empty() || target.contains(v),
                "{ds}.{col} = {v} points nowhere"
            );
        }
    }
}

#[test]
fn scale_names_parse() {
    assert_eq!("Small".parse::<Scale>().unwrap(), Scale::Small);
    assert_eq!("large".parse::<Scale>().unwrap().to_string(), "large");
    assert!("huge".parse::<Scale>().is_err());
    let _: PathBuf = small().summary.files[0].clone();
}

/// Coefficient of variation (sample standard deviation over the mean).
fn cv(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    var.sqrt() / mean
}

#[test]
fn closed_bid_cases_are_labelled_per_tender_and_cover_prices_are_tight() {
    let g = small();
    let t = read(g.dir.path(), "bid_cases");
    assert_eq!(t.header, qinglian_synth::bid_cases::COLUMNS);
    let (id, amount, winner, label) = (
        t.col("tender_id"),
        t.col("amount"),
        t.col("is_winner"),
        t.col("collusive"),
    );
    let mut tenders: BTreeMap<&str, Vec<(f64, bool, bool)>> = BTreeMap::new();
    for r in &t.rows {
        tenders.entry(&r[id]).or_default().push((
            r[amount].parse().expect("amount"),
            r[winner] == "1",
            r[label] == "1",
        ));
    }
    assert_eq!(tenders.len(), 150);
    let (mut cv_collusive, mut cv_competitive) = (Vec::new(), Vec::new());
    for (tender, bids) in &tenders {
        assert!((3..=8).contains(&bids.len()), "{tender}: {bids:?}");
        assert!(
            bids.iter().all(|b| b.2 == bids[0].2),
            "{tender}: label varies"
        );
        let lowest = bids.iter().map(|b| b.0).fold(f64::INFINITY, f64::min);
        let winners: Vec<_> = bids.iter().filter(|b| b.1).collect();
        assert_eq!(winners.len(), 1, "{tender}");
        assert_eq!(winners[0].0, lowest, "{tender}: the lowest bid wins");
        let amounts: Vec<f64> = bids.iter().map(|b| b.0).collect();
        if bids[0].2 {
            cv_collusive.push(cv(&amounts));
        } else {
            cv_competitive.push(cv(&amounts));
        }
    }
    let share = cv_collusive.len() as f64 / tenders.len() as f64;
    assert!((0.15..0.35).contains(&share), "collusive share {share}");
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (c, k) = (median(&mut cv_collusive), median(&mut cv_competitive));
    assert!(c * 5.0 < k, "cover prices {c} vs competitive {k}");

    // This year's injected cover prices: every losing bid within 0.9 % of the winner.
    let bids = read(g.dir.path(), "bids");
    let (tid, amt) = (bids.col("tender_id"), bids.col("amount"));
    let injected: Vec<String> = truth(g.dir.path())
        .iter()
        .filter(|l| l["kind"] == "pro_low_bid_variance")
        .map(|l| l["subject"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(injected.len(), 3);
    for tender in &injected {
        let amounts: Vec<f64> = bids
            .rows
            .iter()
            .filter(|r| &r[tid] == tender)
            .map(|r| r[amt].parse().unwrap())
            .collect();
        let lo = amounts.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(amounts.len() >= 5, "{tender}");
        assert!(
            amounts.iter().all(|a| *a <= lo * 1.0091),
            "{tender}: {amounts:?}"
        );
    }
}
