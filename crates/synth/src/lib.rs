//! The demo organisation (演示单位) generator: a deterministic, realistic municipal
//! state-owned group — departments, staff, relatives, suppliers, tenders, contracts,
//! payments, claims, meetings and decisions, payroll, attendance, vehicles — written as
//! one CSV file per dataset of the data exchange specification, with labelled anomalies
//! of every rule category injected among normal activity and a ground-truth file naming
//! each anomaly's rows (plus honest look-alikes, so that precision can be measured),
//! and `bid_cases.csv`, labelled past tenders to train the supervised bid scorer on.
//!
//! What it is not: it does not import, analyse or validate data (that is `ingest` and
//! the rules), it reads no environment, and its people and companies are invented —
//! identity numbers and credit codes only carry valid check characters.
//!
//! The same seed and scale give byte-identical files. `large` streams ten million
//! payment rows; every other dataset stays in memory at medium size.

mod anomalies;
mod assets;
mod background;
pub mod bid_cases;
mod construction;
mod expenses;
mod funds;
mod governance;
mod ids;
mod names;
mod org;
mod output;
mod personnel;
mod procurement;
mod records;
mod suppliers;
mod truth;
mod world;
mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use anomalies::{KINDS, KindInfo};
pub use truth::Category;

/// Version of the generator, written to the manifest; data change when it changes.
pub const GENERATOR_VERSION: &str = concat!("qinglian-synth ", env!("CARGO_PKG_VERSION"), "/3");

/// How big an organisation to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scale {
    /// About 200 staff, 340 companies, 31,000 payments: the demo and the tests.
    Small,
    /// Ten times `small`.
    Medium,
    /// `medium` with ten million payments (streamed).
    Large,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
        }
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scale {
    type Err = SynthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "small" => Ok(Self::Small),
            "medium" => Ok(Self::Medium),
            "large" => Ok(Self::Large),
            _ => Err(SynthError::BadScale(s.to_owned())),
        }
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenOptions {
    pub seed: u64,
    pub scale: Scale,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows per dataset (file `<dataset>.csv`).
    pub rows: BTreeMap<String, u64>,
    /// Injected anomalies per kind.
    pub anomalies: BTreeMap<String, u64>,
    /// Honest look-alikes per kind they resemble.
    pub lookalikes: BTreeMap<String, u64>,
    /// Files written, in order.
    pub files: Vec<PathBuf>,
}

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(
        "unknown scale '{0}': use small, medium or large / 未知规模，请使用 small、medium 或 large"
    )]
    BadScale(String),
    #[error("cannot write {path}: {source} / 无法写入文件")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SynthError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// Generates the demo organisation into `out_dir` (created if missing): one CSV per
/// dataset, `ground_truth.jsonl` and `manifest.json`. `progress` is called with the
/// dataset being written and its rows so far.
pub fn generate(
    opts: &GenOptions,
    out_dir: &Path,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Summary, SynthError> {
    std::fs::create_dir_all(out_dir).map_err(|e| SynthError::io(out_dir, e))?;
    let w = build(opts);
    output::write_all(&w, opts, out_dir, progress)
}

/// Builds the whole world in memory (payments: only the structured ones).
fn build(opts: &GenOptions) -> world::World {
    let mut w = world::World::new(opts.seed, opts.scale);
    org::build(&mut w);
    suppliers::build(&mut w);
    governance::schedule(&mut w);
    procurement::build(&mut w);
    construction::build(&mut w);
    governance::routine(&mut w);
    personnel::appointments(&mut w);
    anomalies::structure(&mut w);
    w.status = vec![vec![0u8; w.workdays.len()]; w.persons.len()];
    personnel::leaves(&mut w);
    expenses::build(&mut w);
    anomalies::activity(&mut w);
    personnel::attendance(&mut w);
    personnel::catalogue(&mut w);
    personnel::payroll(&mut w);
    personnel::benefits(&mut w);
    assets::build(&mut w);
    anomalies::after_activity(&mut w);
    governance::votes(&mut w);
    anomalies::votes(&mut w);
    w
}
