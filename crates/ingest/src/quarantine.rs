//! The quarantine file: one line per refused cell, naming the source row, the column,
//! the raw value (personal identifiers masked) and the reason in Chinese and English.
//! UTF-8 with a BOM so that Excel on a Chinese Windows opens it correctly.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::IngestError;

pub(crate) struct Quarantine {
    path: PathBuf,
    writer: Option<csv::Writer<BufWriter<File>>>,
    pub(crate) lines: u64,
}

pub(crate) const HEADER: [&str; 5] = [
    "源行号 source_row",
    "列 column",
    "原始值 raw_value",
    "原因 reason_zh",
    "reason_en",
];

/// One refused cell as the quarantine file holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuarantineLine {
    pub source_row: String,
    pub column: String,
    pub raw_value: String,
    pub reason_zh: String,
    pub reason_en: String,
}

/// Reads a quarantine file back (for the console's Excel download): every line after the header.
pub fn read_quarantine(path: &Path) -> Result<Vec<QuarantineLine>, IngestError> {
    let file = File::open(path).map_err(|e| IngestError::io(path, e))?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| IngestError::Internal(format!("{}: {e}", path.display())))?;
        let cell = |i: usize| rec.get(i).unwrap_or("").to_owned();
        out.push(QuarantineLine {
            source_row: cell(0),
            column: cell(1),
            raw_value: cell(2),
            reason_zh: cell(3),
            reason_en: cell(4),
        });
    }
    Ok(out)
}

impl Quarantine {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            writer: None,
            lines: 0,
        }
    }

    pub(crate) fn add(
        &mut self,
        row: u64,
        column: &str,
        raw: &str,
        zh: &str,
        en: &str,
    ) -> Result<(), IngestError> {
        if self.writer.is_none() {
            let mut file = BufWriter::new(
                File::create(&self.path).map_err(|e| IngestError::io(&self.path, e))?,
            );
            file.write_all(b"\xEF\xBB\xBF")
                .map_err(|e| IngestError::io(&self.path, e))?;
            let mut w = csv::Writer::from_writer(file);
            w.write_record(HEADER)
                .map_err(|e| IngestError::Internal(e.to_string()))?;
            self.writer = Some(w);
        }
        let w = self.writer.as_mut().expect("writer was just created");
        w.write_record([row.to_string().as_str(), column, raw, zh, en])
            .map_err(|e| IngestError::Internal(e.to_string()))?;
        self.lines += 1;
        Ok(())
    }

    /// Flushes and syncs; returns the file's path if anything was quarantined.
    pub(crate) fn finish(self) -> Result<Option<PathBuf>, IngestError> {
        let Some(w) = self.writer else {
            return Ok(None);
        };
        let file = w
            .into_inner()
            .map_err(|e| IngestError::Internal(e.to_string()))?;
        let file = file
            .into_inner()
            .map_err(|e| IngestError::io(&self.path, e.into_error()))?;
        file.sync_all()
            .map_err(|e| IngestError::io(&self.path, e))?;
        Ok(Some(self.path))
    }
}
