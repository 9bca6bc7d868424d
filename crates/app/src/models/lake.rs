//! The lake as the model base reads it: queries through the rules engine (the only crate
//! that knows DataFusion) returning plain columns, the payments read once and shared by the
//! five detectors that look at them, and the step from a row to its [`EvidenceRow`].
//!
//! Detectors want one evidence row (and often one subject) per input row; at ten million
//! payments that is gigabytes. So the inputs here keep `_batch` as a dictionary and `_row`
//! as an integer, and [`Subset`] hands a detector's `findings` only the rows its result
//! names.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use qinglian_core::EvidenceRow;
use qinglian_rules::{Engine, Table, TextColumn};

use crate::AppError;

/// Where a table's rows came from: the dataset, `_batch` and `_row`.
#[derive(Debug, Default)]
pub(crate) struct Origin {
    pub dataset: &'static str,
    pub batch: TextColumn,
    pub row: Vec<i64>,
}

impl Origin {
    pub fn of(dataset: &'static str, t: &Table) -> Result<Self, AppError> {
        Ok(Self {
            dataset,
            batch: t.text("_batch")?.clone(),
            row: t.int("_row")?.iter().map(|r| r.unwrap_or(0)).collect(),
        })
    }

    pub fn evidence(&self, i: usize) -> EvidenceRow {
        EvidenceRow {
            dataset: self.dataset.to_owned(),
            batch: self.batch.str(i).to_owned(),
            row: self.row[i],
        }
    }

    pub fn evidence_of(&self, idx: &[usize]) -> Vec<EvidenceRow> {
        idx.iter().map(|&i| self.evidence(i)).collect()
    }
}

/// The rows a detector's result names, in input order, and where each full-input position
/// landed: the small aligned inputs its `findings` needs.
pub(crate) struct Subset {
    pub idx: Vec<usize>,
    pos: HashMap<usize, usize>,
}

impl Subset {
    pub fn new(rows: impl IntoIterator<Item = usize>) -> Self {
        let mut idx: Vec<usize> = rows.into_iter().collect();
        idx.sort_unstable();
        idx.dedup();
        let pos = idx.iter().enumerate().map(|(k, &i)| (i, k)).collect();
        Self { idx, pos }
    }

    /// The subset position of full-input position `i` (which must be in the subset).
    pub fn at(&self, i: usize) -> usize {
        self.pos[&i]
    }

    pub fn pick<T: Clone>(&self, full: &[T]) -> Vec<T> {
        self.idx.iter().map(|&i| full[i].clone()).collect()
    }
}

/// The payments the payment-side detectors share.
#[derive(Debug, Default)]
pub(crate) struct Payments {
    pub origin: Origin,
    pub unit: TextColumn,
    /// Company id where given, else the payee's name.
    pub payee: TextColumn,
    pub paid_on: Vec<NaiveDate>,
    /// Time of approval, where given.
    pub time: Vec<Option<NaiveTime>>,
    pub fen: Vec<i64>,
    pub invoice: TextColumn,
    /// How it was paid: the method, with " contract" when it names a contract (the
    /// isolation forest compares a payment with those made the same way).
    pub way: TextColumn,
}

impl Payments {
    pub fn len(&self) -> usize {
        self.fen.len()
    }
}

/// The engine over the committed lake, with the payments read at most once per run.
pub(crate) struct Lake {
    pub engine: Engine,
    payments: Option<Payments>,
}

impl Lake {
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            payments: None,
        }
    }

    pub fn has(&self, dataset: &str) -> bool {
        self.engine.has_data(dataset)
    }

    pub async fn table(&self, sql: &str) -> Result<Table, AppError> {
        Ok(self.engine.table(sql).await?)
    }

    /// The payments (read on first use). Rows without a date or an amount cannot be
    /// judged and are left out (the specification requires both, so there are none).
    pub async fn payments(&mut self) -> Result<&Payments, AppError> {
        let p = match self.payments.take() {
            Some(p) => p,
            None => self.read_payments().await?,
        };
        Ok(self.payments.insert(p))
    }

    async fn read_payments(&self) -> Result<Payments, AppError> {
        let mut t = self
            .table(
                "SELECT _batch, _row, unit_id, paid_on, approved_at, \
                 CAST(amount * 100 AS BIGINT) AS fen, \
                 COALESCE(NULLIF(payee_company_id, ''), payee_name) AS payee, invoice_no, \
                 COALESCE(method, '') || \
                 CASE WHEN COALESCE(contract_id, '') = '' THEN '' ELSE ' contract' END AS way \
                 FROM payments WHERE paid_on IS NOT NULL AND amount IS NOT NULL",
            )
            .await?;
        // Columns are moved out of the table, not copied: at ten million rows each copy
        // of the invoice numbers alone is hundreds of megabytes.
        Ok(Payments {
            origin: Origin {
                dataset: "payments",
                batch: t.take_text("_batch")?,
                row: t.int("_row")?.iter().map(|r| r.unwrap_or(0)).collect(),
            },
            unit: t.take_text("unit_id")?,
            payee: t.take_text("payee")?,
            paid_on: t
                .date("paid_on")?
                .iter()
                .map(|d| d.unwrap_or_default())
                .collect(),
            time: t
                .datetime("approved_at")?
                .iter()
                .map(|a| a.map(|a| a.time()))
                .collect(),
            fen: t.int("fen")?.iter().map(|a| a.unwrap_or(0)).collect(),
            invoice: t.take_text("invoice_no")?,
            way: t.take_text("way")?,
        })
    }

    /// Frees the payments once no detector needs them.
    pub fn drop_payments(&mut self) {
        self.payments = None;
    }
}

/// Row positions grouped by a text column's code (nulls left out), groups in code order.
pub(crate) fn groups(col: &TextColumn) -> Vec<(u32, Vec<usize>)> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); col.values.len()];
    for (i, &c) in col.codes.iter().enumerate() {
        if c != TextColumn::NULL {
            out[c as usize].push(i);
        }
    }
    out.into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(c, v)| (c as u32, v))
        .collect()
}
