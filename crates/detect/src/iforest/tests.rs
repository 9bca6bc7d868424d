use super::*;

/// A dense blob of points around (100, 5) from a fixed generator.
fn blob(n: usize) -> Vec<Vec<f64>> {
    let mut x: u64 = 99;
    let mut next = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            vec![
                100.0 + 10.0 * (next() + next() - 1.0),
                5.0 + next() + next() - 1.0,
            ]
        })
        .collect()
}

#[test]
fn c_factor_values() {
    assert_eq!(c_factor(1), 0.0);
    assert_eq!(c_factor(2), 1.0);
    // 2(ln 255 + γ) − 2·255/256 = 10.2448
    assert!((c_factor(256) - 10.2448).abs() < 1e-3);
}

#[test]
fn the_far_point_scores_highest_and_its_feature_is_named() {
    let mut rows = blob(500);
    rows.push(vec![300.0, 5.0]); // far out on the first feature only
    let m = Matrix::from_rows(&rows).unwrap();
    let f = IsolationForest::fit(&m, &Params::default()).unwrap();
    let s = f.score(&m);
    let best = (0..s.len())
        .max_by(|&a, &b| s[a].score.total_cmp(&s[b].score))
        .unwrap();
    assert_eq!(best, 500);
    assert!(s[500].score > 0.7, "{}", s[500].score);
    assert!(s[500].contributions[0] > 0.9, "{:?}", s[500].contributions);
    // Same seed, same scores.
    let again = IsolationForest::fit(&m, &Params::default())
        .unwrap()
        .score(&m);
    assert_eq!(s, again);
    let subjects: Vec<Subject> = (0..rows.len())
        .map(|i| Subject {
            kind: "payment".into(),
            id: format!("P{i}"),
            name: None,
        })
        .collect();
    let ev: Vec<EvidenceRow> = (0..rows.len())
        .map(|i| EvidenceRow {
            dataset: "payments".into(),
            batch: "b".into(),
            row: i as i64,
        })
        .collect();
    let fast = f.anomaly_scores(&m, 2);
    assert!((fast[500] - s[500].score).abs() < 1e-12);
    let out = findings(
        &f,
        &fast,
        &m,
        &["amount", "hour"],
        &subjects,
        Category::Fun,
        &ev,
        &Params::default(),
    )
    .unwrap();
    assert_eq!(out[0].subject.id, "P500");
    assert!(
        out[0].explanation_zh.contains("amount=300.00"),
        "{}",
        out[0].explanation_zh
    );
}

#[test]
fn a_homogeneous_blob_stays_silent() {
    let m = Matrix::from_rows(&blob(1_000)).unwrap();
    let s = IsolationForest::fit(&m, &Params::default())
        .unwrap()
        .score(&m);
    let max = s.iter().map(|x| x.score).fold(0.0, f64::max);
    assert!(max < Params::default().score_threshold, "max score {max}");
}

#[test]
fn missing_values_are_refused() {
    let m = Matrix::from_rows(&[vec![1.0], vec![f64::NAN], vec![2.0]]).unwrap();
    assert!(IsolationForest::fit(&m, &Params::default()).is_err());
}

/// 20,000 points of the blob with a third feature, a flag set on the last three only.
fn blob_with_rare_flag() -> Matrix {
    let rows: Vec<Vec<f64>> = blob(20_000)
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.push(if i >= 19_997 { 1.0 } else { 0.0 });
            r
        })
        .collect();
    Matrix::from_rows(&rows).unwrap()
}

#[test]
fn region_splits_isolate_a_flag_too_rare_for_the_subsamples() {
    let m = blob_with_rare_flag();
    let ranks = |p: &Params| {
        let s = IsolationForest::fit(&m, p).unwrap().anomaly_scores(&m, 2);
        let mut order: Vec<usize> = (0..s.len()).collect();
        order.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
        (order, s)
    };
    // Between the subsample's own extremes: a sample of 256 almost never holds a flagged
    // row, so the flag never splits and the three rank like the blob's edge.
    let (plain, _) = ranks(&Params::default());
    assert!(
        !plain[..3].iter().all(|&i| i >= 19_997),
        "{:?}",
        &plain[..3]
    );
    let regions = Params {
        region_splits: true,
        ..Params::default()
    };
    let (order, s) = ranks(&regions);
    let mut top: Vec<usize> = order[..3].to_vec();
    top.sort_unstable();
    assert_eq!(top, vec![19_997, 19_998, 19_999]);
    assert!(s[19_999] >= 0.7, "{}", s[19_999]);
    let f = IsolationForest::fit(&m, &regions).unwrap();
    let why = f.score_row(m.row(19_999));
    assert!(why.contributions[2] > 0.5, "{:?}", why.contributions);
    // The blob itself stays below the threshold.
    let blob_max = order[3..].iter().map(|&i| s[i]).fold(0.0, f64::max);
    assert!(blob_max < regions.score_threshold, "{blob_max}");
}

#[test]
fn region_splits_rank_a_point_by_how_far_out_it_lies() {
    let mut rows = blob(5_000);
    rows.push(vec![200.0, 5.0]);
    rows.push(vec![1_000.0, 5.0]);
    let m = Matrix::from_rows(&rows).unwrap();
    let p = Params {
        region_splits: true,
        ..Params::default()
    };
    let s = IsolationForest::fit(&m, &p).unwrap().score(&m);
    assert!(
        s[5_001].score > s[5_000].score,
        "{} {}",
        s[5_001].score,
        s[5_000].score
    );
    let blob_max = s[..5_000].iter().map(|x| x.score).fold(0.0, f64::max);
    assert!(
        s[5_000].score > blob_max,
        "{} vs {blob_max}",
        s[5_000].score
    );
}
