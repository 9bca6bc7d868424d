//! The DataFusion session rules run in: every dataset of the specification registered as a
//! table (its committed lake files, or empty), the helper functions, and the step from a
//! rule's result rows to [`Finding`]s.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};
use qinglian_core::Finding;
use qinglian_core::calendar::Calendar;

use crate::RulesError;
use crate::model::Rule;
use crate::params::{ParamValue, content_hash, substitute};
use crate::result::to_findings;
use crate::schema::lake_schema;

/// A finding and its identity across runs.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Rule id + subject + the rule's extra keys, hashed (see [`Finding::fingerprint`]).
    pub fingerprint: String,
    pub finding: Finding,
}

/// A session over one workspace's lake (or a fixture's tables).
pub struct Engine {
    pub(crate) ctx: SessionContext,
    pub(crate) present: BTreeSet<String>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("present", &self.present)
            .finish_non_exhaustive()
    }
}

fn internal(e: impl std::fmt::Display) -> RulesError {
    RulesError::Internal(e.to_string())
}

impl Engine {
    /// A session with every dataset registered empty and the helpers over `calendar`.
    pub fn new(calendar: Calendar) -> Result<Self, RulesError> {
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let config = SessionConfig::new()
            .with_target_partitions(threads)
            .with_information_schema(false);
        let ctx = SessionContext::new_with_config(config);
        crate::udf::register(&ctx, &Arc::new(calendar));
        let engine = Self {
            ctx,
            present: BTreeSet::new(),
        };
        for d in qinglian_spec::DATASETS {
            engine.put_batches(d.name, Vec::new())?;
        }
        Ok(engine)
    }

    fn put_batches(&self, dataset: &str, batches: Vec<RecordBatch>) -> Result<(), RulesError> {
        let d = qinglian_spec::dataset(dataset).ok_or_else(|| {
            RulesError::Internal(format!("dataset {dataset} is not in the specification"))
        })?;
        let table = MemTable::try_new(lake_schema(d), vec![batches]).map_err(internal)?;
        self.ctx.deregister_table(dataset).map_err(internal)?;
        self.ctx
            .register_table(dataset, Arc::new(table))
            .map_err(internal)?;
        Ok(())
    }

    /// Registers a dataset as the union of its committed lake files.
    pub async fn register_lake(
        &mut self,
        dataset: &str,
        files: &[PathBuf],
    ) -> Result<(), RulesError> {
        let d = qinglian_spec::dataset(dataset).ok_or_else(|| {
            RulesError::Internal(format!("dataset {dataset} is not in the specification"))
        })?;
        if files.is_empty() {
            return Ok(());
        }
        let urls = files
            .iter()
            .map(|p| {
                ListingTableUrl::parse(p.to_string_lossy()).map_err(|e| RulesError::Io {
                    path: p.display().to_string(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let config = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(options)
            .with_schema(lake_schema(d));
        let table = ListingTable::try_new(config).map_err(internal)?;
        self.ctx.deregister_table(dataset).map_err(internal)?;
        self.ctx
            .register_table(dataset, Arc::new(table))
            .map_err(internal)?;
        self.present.insert(dataset.to_owned());
        Ok(())
    }

    /// Registers in-memory batches as a dataset (fixtures); they must have the lake schema.
    pub fn register_batches(
        &mut self,
        dataset: &str,
        batches: Vec<RecordBatch>,
    ) -> Result<(), RulesError> {
        self.put_batches(dataset, batches)?;
        self.present.insert(dataset.to_owned());
        Ok(())
    }

    /// The rule's datasets that hold no data here (the rule is "not run" when any is).
    pub fn missing(&self, rule: &Rule) -> Vec<String> {
        rule.meta
            .datasets
            .iter()
            .filter(|d| !self.present.contains(d.as_str()))
            .cloned()
            .collect()
    }

    /// The SQL with parameters substituted, or why it cannot be.
    pub fn prepared_sql(
        rule: &Rule,
        params: &BTreeMap<String, ParamValue>,
    ) -> Result<String, RulesError> {
        substitute(&rule.sql, params).map_err(|reason| RulesError::Sql {
            file: rule.sql_file(),
            reason,
        })
    }

    /// Plans the rule without running it: catches syntax errors, unknown tables and
    /// columns, type errors; returns the result's column names.
    pub async fn plan(
        &self,
        rule: &Rule,
        params: &BTreeMap<String, ParamValue>,
    ) -> Result<Vec<String>, RulesError> {
        let sql = Self::prepared_sql(rule, params)?;
        let df = self.ctx.sql(&sql).await.map_err(|e| RulesError::Sql {
            file: rule.sql_file(),
            reason: first_line(&e.to_string()),
        })?;
        Ok(df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect())
    }

    /// The business key of every row of a dataset, by source row: `(batch, row)` → the
    /// values of the specification's key columns as text (dates `YYYY-MM-DD`), joined with
    /// `|`. What evidence rows are matched on when findings are compared with a ground truth.
    pub async fn row_keys(
        &self,
        dataset: &str,
    ) -> Result<HashMap<(String, i64), String>, RulesError> {
        let d = qinglian_spec::dataset(dataset).ok_or_else(|| {
            RulesError::Internal(format!("dataset {dataset} is not in the specification"))
        })?;
        let parts: Vec<String> = d
            .key
            .iter()
            .map(|k| format!("coalesce(CAST(\"{k}\" AS VARCHAR), '')"))
            .collect();
        let sql = format!(
            "SELECT \"_batch\", \"_row\", concat_ws('|', {}) AS k FROM \"{dataset}\"",
            parts.join(", ")
        );
        let batches = self
            .ctx
            .sql(&sql)
            .await
            .map_err(internal)?
            .collect()
            .await
            .map_err(internal)?;
        let mut out = HashMap::new();
        let text = |a: &ArrayRef| cast(a, &DataType::Utf8).map_err(internal);
        for b in &batches {
            let (batch, key) = (text(b.column(0))?, text(b.column(2))?);
            let (batch, key) = (batch.as_string::<i32>(), key.as_string::<i32>());
            let row = cast(b.column(1), &DataType::Int64).map_err(internal)?;
            let row = row.as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                out.insert(
                    (batch.value(i).to_owned(), row.value(i)),
                    key.value(i).to_owned(),
                );
            }
        }
        Ok(out)
    }

    /// Runs one rule with the given (effective) parameters and returns its hits.
    pub async fn run(
        &self,
        rule: &Rule,
        params: &BTreeMap<String, ParamValue>,
    ) -> Result<Vec<Hit>, RulesError> {
        let sql = Self::prepared_sql(rule, params)?;
        let sql_err = |e: datafusion::error::DataFusionError| RulesError::Sql {
            file: rule.sql_file(),
            reason: first_line(&e.to_string()),
        };
        let df = self.ctx.sql(&sql).await.map_err(sql_err)?;
        let batches = df.collect().await.map_err(sql_err)?;
        let hash = content_hash(&rule.toml_text, &rule.sql, params);
        to_findings(rule, &hash, &batches)
    }
}

/// DataFusion errors can carry a long plan dump; the first line says what is wrong.
fn first_line(s: &str) -> String {
    let s = s.trim();
    let line = s.lines().next().unwrap_or(s);
    if line.chars().count() > 400 {
        let cut: String = line.chars().take(400).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}
