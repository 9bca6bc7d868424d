//! `qinglian bids screens|train|score|cv|cross`: the bid-rigging screens and the supervised
//! risk scorer (model base, MOD-BIDSCREEN and MOD-SCORER) over bid tables in CSV, such as
//! a tender system's export or the labelled cartel files researchers publish. Parsing and
//! printing only; the screens, features, forest and evaluation live in `qinglian-detect`
//! (reached through `qinglian_app::bids`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use qinglian_app::bids::{
    self, BaseRate, Columns, CvParams, FeatureSet, ForestParams, TrainParams,
};

use crate::Cli;
use crate::output::json;

#[derive(Args, Debug)]
pub struct BidsArgs {
    #[command(subcommand)]
    command: BidsCommand,
}

/// Which columns of the CSV hold what.
#[derive(Args, Debug, Clone)]
struct ColumnArgs {
    /// Column naming the tender each bid belongs to
    #[arg(long, default_value = "Tender")]
    tender: String,
    /// Column holding the bid amount
    #[arg(long, default_value = "Bid_value")]
    bid: String,
    /// Column marking the winning bid (1/0, true/false); leave out if there is none
    #[arg(long)]
    winner: Option<String>,
}

impl ColumnArgs {
    fn columns(&self, label: Option<&str>) -> Columns {
        Columns {
            tender: self.tender.clone(),
            bid: self.bid.clone(),
            winner: self.winner.clone(),
            label: label.map(str::to_owned),
        }
    }
}

/// How the forest is grown.
#[derive(Args, Debug, Clone)]
struct ForestArgs {
    /// Feature set: full (every screen) or portable (scale-free, for other markets)
    #[arg(long)]
    features: Option<FeatureSet>,
    /// Number of trees
    #[arg(long, default_value_t = 300)]
    trees: usize,
    /// Fewest tenders in a leaf (default: 5 for full features, 20 for portable)
    #[arg(long)]
    min_leaf: Option<usize>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Threads for growing trees (default: every core)
    #[arg(long)]
    threads: Option<usize>,
    /// Do not use the winner flag as a feature
    #[arg(long)]
    no_winner: bool,
}

impl ForestArgs {
    fn params(&self, default: FeatureSet) -> TrainParams {
        let features = self.features.unwrap_or(default);
        let base = TrainParams::for_features(features);
        let threads = self
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        TrainParams {
            use_winner: !self.no_winner,
            forest: ForestParams {
                n_trees: self.trees,
                min_leaf: self.min_leaf.unwrap_or(base.forest.min_leaf),
                seed: self.seed,
                threads,
                ..base.forest.clone()
            },
            ..base
        }
    }
}

/// Labelled bids and how the forest is grown: what training, cross-validation and
/// `models train-scorer` share.
#[derive(Args, Debug, Clone)]
pub struct LabelledArgs {
    #[command(flatten)]
    columns: ColumnArgs,
    /// Column with the collusion label (1 = collusive, the same for every bid of a tender)
    #[arg(long, default_value = "Collusive_competitor")]
    label: String,
    #[command(flatten)]
    forest: ForestArgs,
}

impl LabelledArgs {
    fn columns(&self) -> Columns {
        self.columns.columns(Some(&self.label))
    }
}

#[derive(Subcommand, Debug)]
enum BidsCommand {
    /// The screens of every tender (CV, spread, difference of the two lowest, relative
    /// distance, kurtosis, skewness, KS) written as CSV / 投标筛查指标
    Screens {
        file: PathBuf,
        #[command(flatten)]
        columns: ColumnArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Train the risk scorer on labelled markets and save the model (JSON) / 训练模型
    Train {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        labelled: LabelledArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Score the tenders of a file with a saved model: calibrated probability, flag and the
    /// features that drove each score, as CSV / 模型评分
    Score {
        file: PathBuf,
        #[command(flatten)]
        columns: ColumnArgs,
        #[arg(long)]
        model: PathBuf,
        /// Share of collusive tenders to calibrate to: training, estimate, or a share such as 0.1
        #[arg(long, default_value = "estimate")]
        base_rate: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Cross-validate the scorer within one labelled market / 交叉验证
    Cv {
        file: PathBuf,
        #[command(flatten)]
        labelled: LabelledArgs,
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Per-tender out-of-fold predictions, as CSV
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Train on all markets but one and test on it, for each / 跨市场检验
    Cross {
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        labelled: LabelledArgs,
    },
}

fn create(path: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))
}

fn read(file: &Path, columns: &Columns) -> anyhow::Result<bids::Market> {
    bids::read_csv(file, columns)
        .with_context(|| format!("读取失败 cannot read {}", file.display()))
}

fn read_all(files: &[PathBuf], columns: &Columns) -> anyhow::Result<Vec<bids::Market>> {
    files.iter().map(|f| read(f, columns)).collect()
}

/// Whether the flag was placed by the market's own CV mixture, in words a user can judge.
fn mixture_words(m: Option<&bids::MixtureFit>) -> String {
    match m {
        Some(f) if f.credible => format!(
            "按本市场报价离散度混合分布定阈值（可信）flag placed by this market's CV mixture: estimated collusive share {:.3}, {:.3} of tenders in the collusive region ({} tenders fitted)",
            f.share, f.flag_share, f.tenders
        ),
        Some(f) => format!(
            "本市场混合分布不可信，沿用模型阈值 the CV mixture is not credible here ({} tenders, gain {:.1} over one Gaussian); the forest's own flag is used — rank by score instead",
            f.tenders, f.gain
        ),
        None => {
            "模型阈值 flag from the forest's calibrated probability (no CV mixture in this model)"
                .into()
        }
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.3}"))
}

pub async fn bids(cli: &Cli, a: &BidsArgs) -> anyhow::Result<()> {
    match &a.command {
        BidsCommand::Screens { file, columns, out } => {
            let m = read(file, &columns.columns(None))?;
            let rows = bids::screens_per_tender(&m);
            bids::write_screens(create(out)?, &rows)?;
            if cli.json {
                return json(&serde_json::json!({"market": m.name, "tenders": rows.len()}));
            }
            println!(
                "{}: {} 个标段 tenders screened → {}",
                m.name,
                rows.len(),
                out.display()
            );
        }
        BidsCommand::Train {
            files,
            labelled,
            out,
        } => {
            let markets = read_all(files, &labelled.columns())?;
            let model = bids::train(&markets, &labelled.forest.params(FeatureSet::Full))?;
            model.save(out)?;
            println!(
                "已训练 trained on {} ({} features, winner flag {}) → {}",
                model.train_markets.join(", "),
                model.scorer.feature_names.len(),
                model.use_winner,
                out.display()
            );
        }
        BidsCommand::Score {
            file,
            columns,
            model,
            base_rate,
            out,
        } => {
            let model = bids::BidModel::load(model)?;
            let m = read(file, &columns.columns(None))?;
            let rate = match base_rate.as_str() {
                "training" => BaseRate::Training,
                "estimate" => BaseRate::Estimate,
                x => BaseRate::Given(x.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "--base-rate {x}: 请用 use training, estimate or a share such as 0.1"
                    )
                })?),
            };
            let s = bids::score(&model, &m, rate)?;
            bids::write_scores(create(out)?, &s)?;
            let flagged = s.tenders.iter().filter(|t| t.flag).count();
            if cli.json {
                return json(&serde_json::json!({
                    "market": m.name, "tenders": s.tenders.len(), "flagged": flagged,
                    "base_rate": s.base_rate, "em_base_rate": s.em_base_rate,
                    "mixture": s.mixture,
                }));
            }
            println!(
                "{}: {} 个标段 tenders, {flagged} 个预警 flagged (base rate {:.3}) → {}\n{}",
                m.name,
                s.tenders.len(),
                s.base_rate,
                out.display(),
                mixture_words(s.mixture.as_ref())
            );
        }
        BidsCommand::Cv {
            file,
            labelled,
            folds,
            out,
        } => {
            let m = read(file, &labelled.columns())?;
            let p = CvParams {
                folds: *folds,
                seed: labelled.forest.seed,
                train: labelled.forest.params(FeatureSet::Full),
            };
            let r = bids::cross_validate(&m, &p)?;
            if let Some(out) = out {
                bids::write_cv(create(out)?, &r)?;
            }
            let x = &r.metrics;
            if cli.json {
                return json(&serde_json::json!({
                    "market": m.name, "tenders": x.tenders, "collusive": x.collusive,
                    "folds": p.folds, "balanced_accuracy": x.balanced_accuracy,
                    "roc_auc": x.roc_auc, "recall_collusive": x.recall_collusive,
                    "recall_competitive": x.recall_competitive, "screen_auc": r.screen_auc,
                }));
            }
            println!(
                "{}: {} tenders ({} collusive), {}-fold: balanced accuracy {}, ROC-AUC {}, recall collusive {}, recall competitive {}; unsupervised screen ROC-AUC {}",
                m.name,
                x.tenders,
                x.collusive,
                p.folds,
                fmt(x.balanced_accuracy),
                fmt(x.roc_auc),
                fmt(x.recall_collusive),
                fmt(x.recall_competitive),
                fmt(r.screen_auc)
            );
        }
        BidsCommand::Cross { files, labelled } => {
            let markets = read_all(files, &labelled.columns())?;
            for r in bids::cross_market(&markets, &labelled.forest.params(FeatureSet::Portable))? {
                let x = &r.metrics;
                println!(
                    "test {} (train {}): balanced accuracy {}, ROC-AUC {}, recall collusive {}, recall competitive {}; base rate estimated {:.3}, true {:.3}",
                    r.test,
                    r.train.join("+"),
                    fmt(x.balanced_accuracy),
                    fmt(x.roc_auc),
                    fmt(x.recall_collusive),
                    fmt(x.recall_competitive),
                    r.estimated_base_rate,
                    r.true_base_rate
                );
                println!("  {}", mixture_words(r.mixture.as_ref()));
            }
        }
    }
    Ok(())
}

/// `models train-scorer`: the bid scorer (MOD-SCORER) from the workspace's judged tender
/// warnings, joined with labelled case files if given.
#[derive(Args, Debug)]
pub struct TrainScorerArgs {
    /// Labelled case files to join (CSV, one row per bid; --tender, --bid, --winner and
    /// --label name their columns), e.g. demo-data/bid_cases.csv
    #[arg(long = "cases")]
    cases: Vec<PathBuf>,
    #[command(flatten)]
    labelled: LabelledArgs,
    /// Where to save the model, relative to the workspace
    #[arg(long, default_value = "models/bid_scorer.json")]
    out: PathBuf,
    /// Also point the workspace's `[models] scorer_model` at it (qinglian.toml is rewritten)
    #[arg(long = "use")]
    use_it: bool,
}

pub async fn train_scorer(cli: &Cli, a: &TrainScorerArgs) -> anyhow::Result<()> {
    let ws = crate::commands::open(cli).await?;
    let cases: Vec<qinglian_app::models::CaseFile> = a
        .cases
        .iter()
        .map(|path| qinglian_app::models::CaseFile {
            path: path.clone(),
            columns: a.labelled.columns(),
        })
        .collect();
    let trained = qinglian_app::models::train_scorer(
        &ws,
        &cases,
        &a.labelled.forest.params(FeatureSet::Full),
    )
    .await?;
    let out = ws.root.join(&a.out);
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).with_context(|| parent.display().to_string())?;
    }
    trained.model.save(&out)?;
    if a.use_it {
        let rel = a.out.to_str().context("--out must be valid UTF-8")?;
        qinglian_app::rule_settings::use_scorer_model(&ws, rel)?;
    }
    let uses = a.use_it
        || ws
            .config
            .models
            .scorer_model
            .as_deref()
            .map(|p| ws.root.join(p))
            == Some(out.clone());
    if cli.json {
        return json(&serde_json::json!({
            "model": out, "markets": trained.markets, "in_use": uses,
        }));
    }
    for (market, collusive, competitive) in &trained.markets {
        println!("{market}: {collusive} 串通 collusive, {competitive} 正常 competitive");
    }
    println!("已训练 trained → {}", out.display());
    if !uses {
        println!(
            "启用 to use it: qinglian.toml [models] scorer_model = \"{}\"",
            a.out.display()
        );
    }
    Ok(())
}
