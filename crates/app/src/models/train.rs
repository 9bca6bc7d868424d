//! Training MOD-SCORER on the workspace's own judgements (处置结论): a tender whose
//! warnings were closed as real — confirmed, rectified or referred — is a collusive case; a
//! tender whose judged warnings were all false positives — legitimate or rule too broad —
//! is a competitive one. Their bids come from the lake. Labelled case files (the demo's
//! `bid_cases.csv`, a public cartel market) can be joined to them, each counting as its
//! own market.
//!
//! What it does not do: label tenders nobody judged (no warning, or one still open), use
//! warnings closed as data errors (the bids themselves are in doubt) or duplicates (the
//! case is counted on another warning). [`train_scorer`] leaves `[models] scorer_model`
//! alone — the caller decides where the model goes and whether the workspace uses it;
//! [`retrain_from_judgements`] (the console's button) saves it in its place and uses it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use qinglian_detect::bids::{self, BidModel, Columns, Market, TenderBids, TrainParams};
use qinglian_store::{Disposition, WarningStore};
use serde::Serialize;

use super::Lake;
use super::bidding::read_bids;
use crate::{AppError, Workspace};

/// Fewest tenders of each class before a model is trained.
pub const MIN_PER_CLASS: usize = 10;

/// What a disposition says about the tender, if anything.
fn label_of(d: Disposition) -> Option<bool> {
    match d {
        Disposition::Confirmed | Disposition::Rectified | Disposition::Referred => Some(true),
        Disposition::Legitimate | Disposition::RuleTooBroad => Some(false),
        Disposition::DataError | Disposition::Duplicate => None,
    }
}

/// The judged tenders of a workspace as one labelled market ("judged").
pub async fn judged_tenders(ws: &Workspace) -> Result<Market, AppError> {
    // Tender id → collusive? A real problem on any warning makes the tender collusive.
    let mut labels: BTreeMap<String, bool> = BTreeMap::new();
    for (tender, d) in ws.store.dispositions_of("tender").await? {
        if let Some(label) = label_of(d) {
            *labels.entry(tender).or_insert(label) |= label;
        }
    }
    let mut market = Market {
        name: "judged".into(),
        tenders: Vec::new(),
        has_winner: true,
        has_label: true,
    };
    if labels.is_empty() {
        return Ok(market);
    }
    let lake = Lake::new(crate::analysis::engine_over_lake(ws).await?);
    if !lake.has("bids") {
        return Ok(market);
    }
    let b = read_bids(&lake).await?;
    let (tender, fen, won) = (b.t.text("tender_id")?, b.t.int("fen")?, b.t.bool("won")?);
    for r in &b.tenders {
        let id = tender.str(r.start);
        if let Some(&label) = labels.get(id) {
            market.tenders.push(TenderBids {
                id: id.to_owned(),
                bids: r
                    .clone()
                    .map(|i| fen[i].unwrap_or(0) as f64 / 100.0)
                    .collect(),
                winners: r.clone().map(|i| won[i].unwrap_or(false)).collect(),
                label: Some(label),
                lines: Vec::new(),
            });
        }
    }
    Ok(market)
}

/// A labelled case file to join: path and column names.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub path: PathBuf,
    pub columns: Columns,
}

/// What [`train_scorer`] trained on.
#[derive(Debug, Clone, Serialize)]
pub struct TrainedScorer {
    /// (market, collusive tenders, competitive tenders), the judged tenders first.
    pub markets: Vec<(String, usize, usize)>,
    #[serde(skip)]
    pub model: BidModel,
}

fn counts(m: &Market) -> (usize, usize) {
    let collusive = m.tenders.iter().filter(|t| t.label == Some(true)).count();
    (collusive, m.tenders.len() - collusive)
}

/// Trains the bid scorer on the judged tenders and any case files. Refused, saying what
/// is missing, when there are fewer than [`MIN_PER_CLASS`] tenders of either class.
pub async fn train_scorer(
    ws: &Workspace,
    cases: &[CaseFile],
    params: &TrainParams,
) -> Result<TrainedScorer, AppError> {
    let mut markets = vec![judged_tenders(ws).await?];
    for c in cases {
        markets.push(
            bids::read_csv(&c.path, &c.columns).map_err(|e| AppError::Config {
                path: c.path.display().to_string(),
                reason: e.to_string(),
            })?,
        );
    }
    train_markets(
        markets,
        params,
        (
            "请先处置更多标段预警或用 --cases 加入已标注案例",
            "judge more tender warnings or add labelled cases with --cases",
        ),
    )
}

/// Trains on `markets`, the judged tenders first; refused with the counts and `what_next`
/// (Chinese, English) when either class has fewer than [`MIN_PER_CLASS`] tenders.
fn train_markets(
    mut markets: Vec<Market>,
    params: &TrainParams,
    what_next: (&str, &str),
) -> Result<TrainedScorer, AppError> {
    let (collusive, competitive) = markets
        .iter()
        .map(counts)
        .fold((0, 0), |a, c| (a.0 + c.0, a.1 + c.1));
    if collusive < MIN_PER_CLASS || competitive < MIN_PER_CLASS {
        let (jc, jk) = counts(&markets[0]);
        return Err(AppError::Config {
            path: "warnings".into(),
            reason: format!(
                "训练需要至少 {MIN_PER_CLASS} 个串通标段和 {MIN_PER_CLASS} 个正常标段，现有 {collusive} / {competitive}（其中处置结论 {jc} / {jk}）；{} / \
                 training needs at least {MIN_PER_CLASS} collusive and {MIN_PER_CLASS} competitive tenders; there are {collusive} / {competitive} ({jc} / {jk} from dispositions); {}",
                what_next.0, what_next.1
            ),
        });
    }
    // A market without tenders would only dilute the per-market weights.
    markets.retain(|m| !m.tenders.is_empty());
    let model = bids::train(&markets, params)
        .map_err(|e| AppError::Internal(format!("bid scorer: {e}")))?;
    Ok(TrainedScorer {
        markets: markets
            .iter()
            .map(|m| {
                let (c, k) = counts(m);
                (m.name.clone(), c, k)
            })
            .collect(),
        model,
    })
}

/// Where a model trained on the workspace's own judgements is kept (the CLI's default
/// `--out`, the console's only place).
pub const JUDGED_SCORER_MODEL: &str = "models/bid_scorer.json";

/// The console's retraining: the judged tenders alone (no case files; the full feature set,
/// the market being the workspace's own), saved at [`JUDGED_SCORER_MODEL`], put in use
/// (`[models] scorer_model`), and recorded in the access log with the counts. Refused like
/// [`train_scorer`] when too few tenders were judged; nothing is written then.
pub async fn retrain_from_judgements(
    ws: &Workspace,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<TrainedScorer, AppError> {
    let trained = train_markets(
        vec![judged_tenders(ws).await?],
        &TrainParams::default(),
        ("请先办结更多标段预警", "close more tender warnings first"),
    )?;
    let path = ws.root.join(JUDGED_SCORER_MODEL);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
    }
    trained
        .model
        .save(&path)
        .map_err(|e| AppError::Internal(format!("bid scorer: {e}")))?;
    crate::rule_settings::use_scorer_model(ws, JUDGED_SCORER_MODEL)?;
    let (collusive, competitive) = trained
        .markets
        .iter()
        .fold((0, 0), |a, m| (a.0 + m.1, a.1 + m.2));
    crate::users::log_access(
        ws,
        actor,
        "scorer_training",
        "model:MOD-SCORER",
        Some(&format!(
            "{collusive} 串通 collusive / {competitive} 正常 competitive → {JUDGED_SCORER_MODEL}"
        )),
        now,
    )
    .await
    .map_err(|e| AppError::Internal(format!("access log: {e}")))?;
    Ok(trained)
}
