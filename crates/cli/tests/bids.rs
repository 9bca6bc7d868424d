//! `qinglian bids` on a real labelled cartel file (../shared/data/bidrigging, Swiss road
//! construction tenders of St. Gallen and Graubünden): screens per tender, a model trained,
//! saved, loaded and used to score, cross-validation, and bad input refused clearly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qinglian"))
}

fn cartel_file() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/bidrigging/switzerland_gr_sg.csv");
    assert!(
        p.is_file(),
        "{} is missing: this test reads the labelled cartel files of ../shared/data (see its README)",
        p.display()
    );
    p
}

fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed:\n{}{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Distinct values of a column of the cartel file.
fn tenders(file: &Path) -> usize {
    let mut r = csv::Reader::from_path(file).unwrap();
    let i = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "Tender")
        .unwrap();
    let set: std::collections::HashSet<String> =
        r.records().map(|x| x.unwrap()[i].to_owned()).collect();
    set.len()
}

#[test]
fn screens_train_score_and_cross_validate_a_real_cartel_market() {
    let file = cartel_file();
    let dir = tempfile::tempdir().unwrap();
    let screens = dir.path().join("screens.csv");
    ok(bin()
        .args(["bids", "screens"])
        .arg(&file)
        .arg("--out")
        .arg(&screens));
    let mut rows = csv::Reader::from_path(&screens).unwrap();
    let header = rows.headers().unwrap().clone();
    assert!(
        header.iter().any(|h| h.eq_ignore_ascii_case("cv")),
        "{header:?}"
    );
    assert_eq!(rows.records().count(), tenders(&file), "one row per tender");

    let model = dir.path().join("model.json");
    ok(bin()
        .args(["bids", "train"])
        .arg(&file)
        .args(["--winner", "Winner", "--trees", "40", "--out"])
        .arg(&model));
    let scores = dir.path().join("scores.csv");
    let out = ok(bin()
        .args(["--json", "bids", "score"])
        .arg(&file)
        .args(["--winner", "Winner", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(&scores));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (n, flagged) = (
        v["tenders"].as_u64().unwrap(),
        v["flagged"].as_u64().unwrap(),
    );
    assert_eq!(n as usize, tenders(&file));
    assert!(flagged > 0 && flagged < n, "{v}");

    let out = ok(bin()
        .args(["--json", "bids", "cv"])
        .arg(&file)
        .args(["--winner", "Winner", "--trees", "40", "--folds", "3"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let auc = v["roc_auc"].as_f64().unwrap();
    // The published screens separate this market well; chance is 0.5.
    assert!(auc > 0.6, "{v}");
}

#[test]
fn a_missing_column_or_file_is_refused_clearly() {
    let file = cartel_file();
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["bids", "screens"])
        .arg(&file)
        .args(["--bid", "Bid_amount", "--out"])
        .arg(dir.path().join("x.csv"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Bid_amount"), "{err}");

    let out = bin()
        .args([
            "bids",
            "score",
            "/nonexistent/bids.csv",
            "--model",
            "/nonexistent/m.json",
        ])
        .args(["--out"])
        .arg(dir.path().join("y.csv"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nonexistent"));
}

#[test]
fn a_portable_model_says_whether_the_scored_markets_cv_mixture_placed_the_flag() {
    let data = cartel_file().parent().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("portable.json");
    ok(bin()
        .args(["bids", "train"])
        .arg(data.join("switzerland_gr_sg.csv"))
        .arg(data.join("japan.csv"))
        .args([
            "--winner",
            "Winner",
            "--features",
            "portable",
            "--trees",
            "40",
        ])
        .arg("--out")
        .arg(&model));
    let scores = dir.path().join("ticino.csv");
    let score = |json: bool| {
        let mut cmd = bin();
        if json {
            cmd.arg("--json");
        }
        ok(cmd
            .args(["bids", "score"])
            .arg(data.join("switzerland_ticino.csv"))
            .args(["--winner", "Winner", "--model"])
            .arg(&model)
            .arg("--out")
            .arg(&scores))
    };
    let v: serde_json::Value = serde_json::from_slice(&score(true).stdout).unwrap();
    // Ticino's bids separate into two CV groups: the fit is credible and its share of
    // collusive tenders is far from the EM estimate's 0.35 (the truth is 0.82).
    assert_eq!(v["mixture"]["credible"], true, "{v}");
    assert!(v["mixture"]["share"].as_f64().unwrap() > 0.5, "{v}");
    assert!(v["em_base_rate"].as_f64().is_some(), "{v}");
    let text = String::from_utf8(score(false).stdout).unwrap();
    assert!(
        text.contains("可信") && text.contains("CV mixture"),
        "{text}"
    );
}
