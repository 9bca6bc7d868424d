//! Throughput of each detector on seeded synthetic data, single-threaded (except the
//! scorer's training, 2 threads), as rows per second. Prints a Markdown table for
//! docs/benchmarks.md (`## Models`).
//!
//! ```text
//! cargo run --release -p qinglian-detect --example throughput -- [ROWS]   # default 1,000,000
//! ```
//!
//! This measures the detectors alone, on inputs already in memory; reading the lake and
//! writing findings belong to the rules engine and are measured there.

use std::time::Instant;

use chrono::{Days, NaiveDate, NaiveTime};
use qinglian_core::calendar::Calendar;
use qinglian_detect::matrix::Matrix;
use qinglian_detect::{
    benford, cobid, duplicates, fingerprint, iforest, outliers, relations, scorer, screens, split,
    temporal, threshold,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn amount(rng: &mut ChaCha8Rng) -> i64 {
    10f64.powf(3.0 + 5.0 * rng.random::<f64>()) as i64
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let day0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let amounts: Vec<i64> = (0..n).map(|_| amount(&mut rng)).collect();
    let payees: Vec<String> = (0..n / 20).map(|i| format!("S{i}")).collect();
    let who: Vec<usize> = (0..n).map(|_| rng.random_range(0..payees.len())).collect();
    let dates: Vec<NaiveDate> = (0..n)
        .map(|_| day0 + Days::new(rng.random_range(0..730)))
        .collect();
    let invoices: Vec<String> = (0..n)
        .map(|_| format!("{:08}", rng.random_range(0..100_000_000u32)))
        .collect();
    let mut rows: Vec<(&str, f64, String)> = Vec::new();
    let mut time = |name: &str, rows_in: usize, f: &mut dyn FnMut() -> usize| {
        let t = Instant::now();
        let out = f();
        let s = t.elapsed().as_secs_f64();
        rows.push((
            Box::leak(name.to_owned().into_boxed_str()),
            s,
            format!(
                "{rows_in} rows, {out} hits, {:.0} rows/s",
                rows_in as f64 / s
            ),
        ));
    };

    time("benford (per payee)", n, &mut || {
        let mut by: Vec<Vec<i64>> = vec![Vec::new(); 1_000];
        for (i, a) in amounts.iter().enumerate() {
            by[i % 1_000].push(*a);
        }
        by.iter()
            .map(|g| usize::from(!benford::analyse(g, &benford::Params::default()).is_silent()))
            .sum()
    });
    time("duplicates", n, &mut || {
        let p: Vec<duplicates::Payment<'_>> = (0..n)
            .map(|i| duplicates::Payment {
                payee: &payees[who[i]],
                amount_fen: amounts[i] / 100 * 100,
                date: dates[i],
                invoice: Some(&invoices[i]),
            })
            .collect();
        duplicates::find(&p, &duplicates::Params::default()).len()
    });
    time("threshold (per department)", n, &mut || {
        let mut by: Vec<Vec<i64>> = vec![Vec::new(); 1_000];
        for (i, a) in amounts.iter().enumerate() {
            by[i % 1_000].push(*a);
        }
        by.iter()
            .map(|g| {
                threshold::analyse(g, &threshold::Params::default())
                    .unwrap()
                    .iter()
                    .filter(|r| r.flagged)
                    .count()
            })
            .sum()
    });
    let cats = ["办公设备", "家具", "印刷", "维修", "软件"];
    time("split purchases", n, &mut || {
        let p: Vec<split::Purchase<'_>> = (0..n)
            .map(|i| split::Purchase {
                buyer: &payees[i % 2_000],
                supplier: &payees[who[i]],
                category: cats[i % 5],
                date: dates[i],
                amount_fen: amounts[i],
                project: None,
            })
            .collect();
        split::find(&p, &[], &split::Params::default()).len()
    });
    time("peer outliers (log scale)", n, &mut || {
        let v: Vec<f64> = amounts.iter().map(|&a| a as f64).collect();
        let g: Vec<&str> = who.iter().map(|&w| payees[w % 10_000].as_str()).collect();
        let p = outliers::Params {
            log_scale: true,
            ..outliers::Params::default()
        };
        outliers::find(&v, &g, &p).unwrap().outliers.len()
    });
    let cols: Vec<Vec<f64>> = (0..4)
        .map(|k| {
            (0..n)
                .map(|i| ((amounts[i] as f64).ln() * (k + 1) as f64) % 17.0)
                .collect()
        })
        .collect();
    let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let m = Matrix::from_columns(&refs).unwrap();
    time("isolation forest (fit + score, 4 features)", n, &mut || {
        let f = iforest::IsolationForest::fit(&m, &iforest::Params::default()).unwrap();
        let scores = f.anomaly_scores(&m, 1);
        // Attribution only for the reported points, as `iforest::findings` does.
        scores
            .iter()
            .enumerate()
            .filter(|(_, s)| **s >= 0.7)
            .map(|(i, _)| f.score_row(m.row(i)).score)
            .filter(|s| *s >= 0.7)
            .count()
    });
    let tenders: Vec<String> = (0..n / 5).map(|i| format!("T{i}")).collect();
    time("bid screens (5 bids per tender)", n, &mut || {
        let bids: Vec<Vec<f64>> = (0..tenders.len())
            .map(|_| {
                (0..5)
                    .map(|_| 1e5 * (1.0 + 0.1 * rng.random::<f64>()))
                    .collect()
            })
            .collect();
        let s: Vec<screens::Screens> = bids.iter().map(|b| screens::compute(b)).collect();
        screens::market_scores(&s)
            .iter()
            .flatten()
            .filter(|z| **z >= 2.0)
            .count()
    });
    let bidders: Vec<usize> = (0..n).map(|_| rng.random_range(0..20_000)).collect();
    time("fingerprint collisions", n, &mut || {
        let ips: Vec<String> = (0..n)
            .map(|i| format!("10.{}.{}.{}", i % 7, bidders[i] % 250, bidders[i] / 250))
            .collect();
        let b: Vec<fingerprint::BidTraces<'_>> = (0..n)
            .map(|i| fingerprint::BidTraces {
                tender: &tenders[i / 5],
                bidder: &payees[bidders[i]],
                ip: Some(&ips[i]),
                file_hash: Some(&invoices[i]),
                ..Default::default()
            })
            .collect();
        fingerprint::find(&b, &fingerprint::Params::default()).len()
    });
    time("co-bidding network", n, &mut || {
        let b: Vec<cobid::Bid<'_>> = (0..n)
            .map(|i| cobid::Bid {
                tender: &tenders[i / 5],
                bidder: &payees[bidders[i]],
                buyer: Some(&payees[i % 500]),
                won: i % 5 == 0,
            })
            .collect();
        let r = cobid::analyse(&b, &cobid::Params::default());
        r.groups.len() + r.cover_bidders.len() + r.loyal_winners.len()
    });
    let m = n / 10;
    time(
        "relationship graph (entities + links + attributes)",
        3 * m,
        &mut || {
            let names: Vec<String> = (0..m)
                .map(|i| {
                    format!(
                        "{}{}",
                        ["王", "李", "张", "刘", "陈"][i % 5],
                        ["伟", "芳", "娜", "敏", "静", "强", "磊"][i % 7]
                    )
                })
                .collect();
            let e: Vec<relations::Entity<'_>> = (0..m)
                .map(|i| relations::Entity {
                    id: &payees[i % payees.len()],
                    kind: relations::EntityKind::Person,
                    name: &names[i],
                    staff: i % 10 == 0,
                    counterparty: i % 10 == 5,
                })
                .collect();
            let links: Vec<relations::Link<'_>> = (0..m)
                .map(|i| relations::Link {
                    from: e[i].id,
                    to: e[rng.random_range(0..m)].id,
                    kind: relations::EdgeKind::Family,
                    label: None,
                    evidence: None,
                })
                .collect();
            let a: Vec<relations::Attribute<'_>> = (0..m)
                .map(|i| relations::Attribute {
                    entity: e[i].id,
                    kind: relations::AttrKind::Phone,
                    value: &invoices[i % (m / 2)],
                    evidence: None,
                })
                .collect();
            relations::connections(&e, &links, &a, &relations::Params::default()).len()
        },
    );
    time("temporal (off hours + surges)", n, &mut || {
        let cal = Calendar::builtin();
        let ev: Vec<temporal::Event<'_>> = (0..n)
            .map(|i| temporal::Event {
                unit: &payees[i % 300],
                date: dates[i],
                time: NaiveTime::from_hms_opt((i % 24) as u32, 0, 0),
                amount_fen: amounts[i],
                what: None,
            })
            .collect();
        temporal::off_hours(&ev, &cal, &temporal::Params::default()).len()
            + temporal::surges(&ev, &temporal::Params::default()).len()
    });
    let x: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..20)
                .map(|k| ((amounts[i] as f64).ln() * (k + 1) as f64) % 13.0)
                .collect()
        })
        .collect();
    time(
        "risk scorer (train 20k×20, 100 trees, 2 threads; score all)",
        n,
        &mut || {
            let y: Vec<bool> = (0..20_000).map(|i| x[i][0] > 6.0).collect();
            let train = Matrix::from_rows(&x[..20_000]).unwrap();
            let names: Vec<String> = (0..20).map(|k| format!("f{k}")).collect();
            let p = scorer::ForestParams {
                n_trees: 100,
                threads: 2,
                ..Default::default()
            };
            let s = scorer::Scorer::train(&train, &y, names, None, &p).unwrap();
            x.iter()
                .filter(|r| s.balanced_probability(r) >= 0.5)
                .count()
        },
    );
    println!("| detector | seconds | throughput |\n|---|---|---|");
    for (name, s, what) in rows {
        println!("| {name} | {s:.2} | {what} |");
    }
}
