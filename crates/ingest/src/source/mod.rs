//! Readers for each source format. Each yields rows as raw cells (a `csv::ByteRecord`)
//! with the row number a person would look up in the source file, so that one validator
//! serves every format.

mod csv_file;
mod hashing;
mod jsonl;
mod parquet_file;
mod text_blocks;
mod workbook;

use std::io::Read;
use std::path::Path;

use crate::encoding::Encoding;
use crate::error::IngestError;

pub(crate) use csv_file::{CsvSource, cell_count_problem};
pub(crate) use jsonl::JsonlSource;
pub(crate) use parquet_file::ParquetSource;
pub(crate) use text_blocks::{TextBlocks, count_newlines};
pub(crate) use workbook::WorkbookSource;

/// Source file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Tsv,
    Xlsx,
    Xls,
    Jsonl,
    Parquet,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Tsv => "tsv",
            Self::Xlsx => "xlsx",
            Self::Xls => "xls",
            Self::Jsonl => "jsonl",
            Self::Parquet => "parquet",
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const PARQUET_MAGIC: &[u8] = b"PAR1";

/// Decides the format from the extension, then checks the file's first bytes agree, so a
/// renamed or damaged file is refused with one clear message before anything is read.
pub fn detect_format(path: &Path) -> Result<Format, IngestError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut head = [0u8; 8192];
    let n = read_head(path, &mut head)?;
    let head = &head[..n];
    let by_magic = if head.starts_with(ZIP_MAGIC) {
        Some(Format::Xlsx)
    } else if head.starts_with(OLE_MAGIC) {
        Some(Format::Xls)
    } else if head.starts_with(PARQUET_MAGIC) {
        Some(Format::Parquet)
    } else {
        None
    };
    let claimed = match ext.as_str() {
        "csv" | "txt" => Some(Format::Csv),
        "tsv" | "tab" => Some(Format::Tsv),
        "xlsx" | "xlsm" => Some(Format::Xlsx),
        "xls" => Some(Format::Xls),
        "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
        "parquet" | "pq" => Some(Format::Parquet),
        _ => None,
    };
    let is_binary = by_magic.is_some() || head.contains(&0);
    match (claimed, by_magic) {
        (Some(c), Some(m)) if c == m => Ok(c),
        // An .xls that is really an .xlsx (or the reverse) is common and harmless.
        (Some(Format::Xls | Format::Xlsx), Some(m @ (Format::Xls | Format::Xlsx))) => Ok(m),
        (Some(c @ (Format::Xlsx | Format::Xls | Format::Parquet)), _) => {
            Err(IngestError::bad_file(
                path,
                format!(
                    "the file is named .{ext} but is not a {} file (damaged, truncated or renamed?)",
                    c.name()
                ),
                format!(
                    "文件扩展名为 .{ext}，但内容不是 {} 文件（可能已损坏、不完整或被改名）",
                    c.name()
                ),
            ))
        }
        (Some(c), _) if is_binary => Err(IngestError::bad_file(
            path,
            format!(
                "the file is named .{ext} but holds binary data, not {} text",
                c.name()
            ),
            format!("文件扩展名为 .{ext}，但内容是二进制数据而不是文本"),
        )),
        (Some(c), _) => Ok(c),
        (None, Some(m)) => Ok(m),
        (None, None) if n == 0 => Err(IngestError::bad_file(path, "the file is empty", "文件为空")),
        (None, None) if is_binary => Err(IngestError::bad_file(
            path,
            "unknown binary format: expected CSV, TSV, XLSX, XLS, JSON Lines or Parquet",
            "无法识别的二进制格式：应为 CSV、TSV、XLSX、XLS、JSON Lines 或 Parquet",
        )),
        (None, None) => Ok(if head.contains(&b'\t') && !head.contains(&b',') {
            Format::Tsv
        } else {
            Format::Csv
        }),
    }
}

fn read_head(path: &Path, buf: &mut [u8]) -> Result<usize, IngestError> {
    let mut f = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(IngestError::io(path, e)),
        }
    }
    Ok(n)
}

/// What a reader produced.
pub(crate) enum Row {
    /// A row of cells in `record`, with its source row number.
    Cells(u64),
    /// A row that could not even be split into cells (bad JSON line, wrong cell count).
    Broken {
        row: u64,
        zh: String,
        en: String,
    },
    End,
}

/// A source of rows. Cells are raw bytes; `encoding()` says how to decode them.
pub(crate) trait RowSource {
    fn headers(&self) -> &[String];
    fn encoding(&self) -> Encoding;
    fn next_row(&mut self, record: &mut csv::ByteRecord) -> Result<Row, IngestError>;
    /// How far through the input we are, in the unit of `total()`.
    fn position(&self) -> u64;
    fn total(&self) -> u64;
    /// SHA-256 (hex) and length of the whole file, for sources that read it front to back
    /// once; valid after `next_row` returned `Row::End`. `None`: the caller hashes the file.
    fn digest(&self) -> Option<(String, u64)> {
        None
    }
    /// For delimited text, the rest of the file as blocks of whole records (and the
    /// delimiter), split into cells by the workers instead of `next_row`. Called after
    /// the header was read and before any `next_row`. `None`: use `next_row`.
    fn text_blocks(&mut self) -> Option<Result<(TextBlocks, u8), IngestError>> {
        None
    }
}

pub(crate) struct OpenOptions<'a> {
    pub encoding: Option<Encoding>,
    pub sheet: Option<&'a str>,
}

pub(crate) fn open(
    path: &Path,
    format: Format,
    opts: &OpenOptions<'_>,
) -> Result<Box<dyn RowSource>, IngestError> {
    Ok(match format {
        Format::Csv => Box::new(CsvSource::open(path, b',', opts.encoding)?),
        Format::Tsv => Box::new(CsvSource::open(path, b'\t', opts.encoding)?),
        Format::Xlsx | Format::Xls => Box::new(WorkbookSource::open(path, opts.sheet)?),
        Format::Jsonl => Box::new(JsonlSource::open(path)?),
        Format::Parquet => Box::new(ParquetSource::open(path)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn renamed_and_binary_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fake_xlsx = write(&dir, "a.xlsx", b"id,amount\n1,2\n");
        assert!(
            detect_format(&fake_xlsx)
                .unwrap_err()
                .to_string()
                .contains("not a xlsx file")
        );
        let binary_csv = write(&dir, "b.csv", &[0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]);
        assert!(
            detect_format(&binary_csv)
                .unwrap_err()
                .to_string()
                .contains("binary")
        );
        let empty = write(&dir, "c", b"");
        assert!(detect_format(&empty).is_err());
        let tsv = write(&dir, "d.dat", b"id\tamount\n1\t2\n");
        assert_eq!(detect_format(&tsv).unwrap(), Format::Tsv);
        let zip_as_xls = write(&dir, "e.xls", b"PK\x03\x04rest");
        assert_eq!(detect_format(&zip_as_xls).unwrap(), Format::Xlsx);
    }
}
