//! The `qinglian bids` commands, runnable before the CLI wires them:
//!
//! ```text
//! cargo run --release -p qinglian-detect --example bids -- screens FILE --tender COL --bid COL [--winner COL] --out OUT.csv
//! cargo run --release -p qinglian-detect --example bids -- train FILE... --tender COL --bid COL --label COL [--winner COL] --out MODEL.json
//! cargo run --release -p qinglian-detect --example bids -- score FILE --tender COL --bid COL --model MODEL.json [--winner COL] --out OUT.csv
//! cargo run --release -p qinglian-detect --example bids -- cv FILE --tender COL --bid COL --label COL --folds 5 --seed N --out OUT.csv [--winner COL]
//! cargo run --release -p qinglian-detect --example bids -- cross FILE FILE... --tender COL --bid COL --label COL [--winner COL]
//! ```
//!
//! Extra options: `--features full|portable` (train, cv, cross; default full for train and
//! cv, portable for cross), `--trees N` (300), `--min-leaf N` (5 full, 20 portable), `--seed N`, `--threads N`
//! (all cores), `--base-rate training|estimate|X` (score; default estimate), `--no-winner`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use qinglian_detect::bids::{self, BaseRate, Columns, CvParams, FeatureSet, TrainParams};
use qinglian_detect::scorer::ForestParams;

struct Args {
    files: Vec<PathBuf>,
    opts: HashMap<String, String>,
    flags: Vec<String>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        files: Vec::new(),
        opts: HashMap::new(),
        flags: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(x) = it.next() {
        if let Some(name) = x.strip_prefix("--") {
            if name == "no-winner" {
                a.flags.push(name.into());
                continue;
            }
            let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            a.opts.insert(name.into(), v.clone());
        } else {
            a.files.push(PathBuf::from(x));
        }
    }
    Ok(a)
}

impl Args {
    fn req(&self, k: &str) -> Result<&str, String> {
        self.opts
            .get(k)
            .map(String::as_str)
            .ok_or_else(|| format!("missing --{k}"))
    }
    fn opt(&self, k: &str) -> Option<&str> {
        self.opts.get(k).map(String::as_str)
    }
    fn num<T: std::str::FromStr>(&self, k: &str, default: T) -> Result<T, String> {
        self.opt(k).map_or(Ok(default), |v| {
            v.parse().map_err(|_| format!("--{k} {v}: not a number"))
        })
    }
    fn columns(&self, label: bool) -> Result<Columns, String> {
        Ok(Columns {
            tender: self.req("tender")?.into(),
            bid: self.req("bid")?.into(),
            winner: self.opt("winner").map(String::from),
            label: if label {
                Some(self.req("label")?.into())
            } else {
                None
            },
        })
    }
    fn train_params(&self, default: FeatureSet) -> Result<TrainParams, String> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let features: FeatureSet = self.opt("features").map_or(Ok(default), str::parse)?;
        let base = TrainParams::for_features(features);
        Ok(TrainParams {
            use_winner: !self.flags.iter().any(|f| f == "no-winner"),
            forest: ForestParams {
                n_trees: self.num("trees", 300)?,
                min_leaf: self.num("min-leaf", base.forest.min_leaf)?,
                seed: self.num("seed", 1)?,
                threads: self.num("threads", threads)?,
                ..base.forest.clone()
            },
            ..base
        })
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.3}"))
}

/// How the flag and the estimated base rate were set.
fn mixture_note(m: Option<&bids::MixtureFit>, em: f64) -> String {
    match m {
        Some(f) => format!(
            "mixture {}: separation {:.3}, sd ratio {:.3}, share {:.3}, flag share {:.3}, competitive ln CV {:.2} ± {:.2}, gain {:.1} over {} tenders; EM estimate {em:.3}",
            if f.credible {
                "used"
            } else {
                "not credible, forest flag"
            },
            f.shape.separation,
            f.shape.sd_ratio,
            f.share,
            f.flag_share,
            f.competitive_mean,
            f.competitive_sd,
            f.gain,
            f.tenders
        ),
        None => format!("no mixture, forest flag; EM estimate {em:.3}"),
    }
}

fn create(path: &Path) -> Result<std::fs::File, String> {
    std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(cmd: &str, a: &Args) -> Result<(), String> {
    let one = || a.files.first().ok_or_else(|| "missing FILE".to_owned());
    match cmd {
        "screens" => {
            let m = bids::read_csv(one()?, &a.columns(false)?).map_err(|e| e.to_string())?;
            let rows = bids::screens_per_tender(&m);
            bids::write_screens(create(Path::new(a.req("out")?))?, &rows)
                .map_err(|e| e.to_string())?;
            eprintln!("{}: {} tenders screened", m.name, rows.len());
        }
        "train" => {
            let cols = a.columns(true)?;
            let markets = a
                .files
                .iter()
                .map(|f| bids::read_csv(f, &cols))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            let model = bids::train(&markets, &a.train_params(FeatureSet::Full)?)
                .map_err(|e| e.to_string())?;
            model
                .save(Path::new(a.req("out")?))
                .map_err(|e| e.to_string())?;
            eprintln!(
                "trained on {} ({} features, winner flag {})",
                model.train_markets.join(", "),
                model.scorer.feature_names.len(),
                model.use_winner
            );
        }
        "score" => {
            let model =
                bids::BidModel::load(Path::new(a.req("model")?)).map_err(|e| e.to_string())?;
            let m = bids::read_csv(one()?, &a.columns(false)?).map_err(|e| e.to_string())?;
            let rate = match a.opt("base-rate").unwrap_or("estimate") {
                "training" => BaseRate::Training,
                "estimate" => BaseRate::Estimate,
                x => BaseRate::Given(x.parse().map_err(|_| {
                    format!("--base-rate {x}: use training, estimate or a share such as 0.1")
                })?),
            };
            let s = bids::score(&model, &m, rate).map_err(|e| e.to_string())?;
            bids::write_scores(create(Path::new(a.req("out")?))?, &s).map_err(|e| e.to_string())?;
            let flagged = s.tenders.iter().filter(|t| t.flag).count();
            eprintln!(
                "{}: {} tenders, {flagged} flagged, base rate {:.3}; {}",
                m.name,
                s.tenders.len(),
                s.base_rate,
                mixture_note(s.mixture.as_ref(), s.em_base_rate)
            );
        }
        "cv" => {
            let m = bids::read_csv(one()?, &a.columns(true)?).map_err(|e| e.to_string())?;
            let p = CvParams {
                folds: a.num("folds", 5)?,
                seed: a.num("seed", 7)?,
                train: a.train_params(FeatureSet::Full)?,
            };
            let r = bids::cross_validate(&m, &p).map_err(|e| e.to_string())?;
            bids::write_cv(create(Path::new(a.req("out")?))?, &r).map_err(|e| e.to_string())?;
            let x = &r.metrics;
            println!(
                "{}: {} tenders ({} collusive), {}-fold: balanced accuracy {}, ROC-AUC {}, recall collusive {}, recall competitive {}; unsupervised screen ROC-AUC {}",
                m.name,
                x.tenders,
                x.collusive,
                p.folds,
                pct(x.balanced_accuracy),
                pct(x.roc_auc),
                pct(x.recall_collusive),
                pct(x.recall_competitive),
                pct(r.screen_auc)
            );
        }
        "cross" => {
            let cols = a.columns(true)?;
            let markets = a
                .files
                .iter()
                .map(|f| bids::read_csv(f, &cols))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            for r in bids::cross_market(&markets, &a.train_params(FeatureSet::Portable)?)
                .map_err(|e| e.to_string())?
            {
                let x = &r.metrics;
                println!(
                    "test {} (train {}): balanced accuracy {}, ROC-AUC {}, recall collusive {}, recall competitive {}; base rate estimated {:.3}, true {:.3}; {}",
                    r.test,
                    r.train.join("+"),
                    pct(x.balanced_accuracy),
                    pct(x.roc_auc),
                    pct(x.recall_collusive),
                    pct(x.recall_competitive),
                    r.estimated_base_rate,
                    r.true_base_rate,
                    mixture_note(r.mixture.as_ref(), r.em_base_rate)
                );
            }
        }
        other => {
            return Err(format!(
                "unknown command '{other}': use screens, train, score, cv or cross"
            ));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        eprintln!("usage: bids screens|train|score|cv|cross FILE... --tender COL --bid COL [...]");
        return ExitCode::from(2);
    };
    match parse(rest).and_then(|a| run(cmd, &a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
