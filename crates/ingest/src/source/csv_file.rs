//! CSV and TSV in UTF-8 (with or without BOM), GBK or GB18030, streamed.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::hashing::HashingReader;
use super::text_blocks::TextBlocks;
use super::{Row, RowSource};
use crate::encoding::Encoding;
use crate::error::IngestError;

pub(crate) struct CsvSource {
    reader: csv::Reader<HashingReader<File>>,
    headers: Vec<String>,
    encoding: Encoding,
    total: u64,
    path: PathBuf,
    delimiter: u8,
}

const SAMPLE: usize = 64 * 1024;

impl CsvSource {
    pub(crate) fn open(
        path: &Path,
        delimiter: u8,
        encoding: Option<Encoding>,
    ) -> Result<Self, IngestError> {
        let total = std::fs::metadata(path)
            .map_err(|e| IngestError::io(path, e))?
            .len();
        let encoding = match encoding {
            Some(e) => e,
            None => {
                let mut sample = Vec::with_capacity(SAMPLE);
                File::open(path)
                    .and_then(|f| f.take(SAMPLE as u64).read_to_end(&mut sample))
                    .map_err(|e| IngestError::io(path, e))?;
                Encoding::detect(&sample)
            }
        };
        let file = File::open(path).map_err(|e| IngestError::io(path, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(64 << 10)
            .from_reader(HashingReader::new(file));
        let mut first = csv::ByteRecord::new();
        let got = reader
            .read_byte_record(&mut first)
            .map_err(|e| bad_csv(path, &e))?;
        if !got {
            return Err(IngestError::bad_file(
                path,
                "the file has no header row",
                "文件没有表头行",
            ));
        }
        let mut headers = Vec::with_capacity(first.len());
        for (i, cell) in first.iter().enumerate() {
            let cell = if i == 0 {
                cell.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(cell)
            } else {
                cell
            };
            let text = encoding.decode(cell).ok_or_else(|| {
                IngestError::bad_file(
                    path,
                    format!(
                        "header cell {} is not valid {} text; pass --encoding gbk or gb18030",
                        i + 1,
                        encoding.name()
                    ),
                    format!(
                        "第 {} 个表头不是有效的 {} 文本，请指定 --encoding gbk 或 gb18030",
                        i + 1,
                        encoding.name()
                    ),
                )
            })?;
            headers.push(text.trim().to_owned());
        }
        if headers.iter().all(String::is_empty) {
            return Err(IngestError::bad_file(
                path,
                "the header row is empty",
                "表头行为空",
            ));
        }
        Ok(Self {
            reader,
            headers,
            encoding,
            total,
            path: path.to_owned(),
            delimiter,
        })
    }
}

fn bad_csv(path: &Path, e: &csv::Error) -> IngestError {
    IngestError::bad_file(
        path,
        format!("not readable as CSV: {e}"),
        format!("无法按 CSV 读取：{e}"),
    )
}

impl RowSource for CsvSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn encoding(&self) -> Encoding {
        self.encoding
    }

    fn next_row(&mut self, record: &mut csv::ByteRecord) -> Result<Row, IngestError> {
        match self.reader.read_byte_record(record) {
            Ok(false) => Ok(Row::End),
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                let last_empty = record.get(self.headers.len()) == Some(b"");
                Ok(
                    match cell_count_problem(record.len(), self.headers.len(), last_empty) {
                        Some((zh, en)) => Row::Broken { row: line, zh, en },
                        None => Row::Cells(line),
                    },
                )
            }
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => Err(IngestError::Internal(
                format!("reading the CSV failed: {e}"),
            )),
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                Ok(Row::Broken {
                    row: line,
                    zh: format!("CSV 格式错误：{e}"),
                    en: format!("malformed CSV: {e}"),
                })
            }
        }
    }

    fn position(&self) -> u64 {
        self.reader.position().byte()
    }

    fn total(&self) -> u64 {
        self.total
    }

    fn digest(&self) -> Option<(String, u64)> {
        Some(self.reader.get_ref().digest())
    }

    fn text_blocks(&mut self) -> Option<Result<(TextBlocks, u8), IngestError>> {
        // The header has been read: the records start where the reader stands.
        let at = self.reader.position();
        Some(
            TextBlocks::open(&self.path, self.delimiter, at.byte(), at.line())
                .map(|b| (b, self.delimiter)),
        )
    }
}

/// Why a row with `cells` cells does not fit a header of `columns` columns, in Chinese and
/// English; `None` when it fits. A trailing empty cell from a stray delimiter is common in
/// exports and accepted (`last_empty`: the cell after the last column is empty).
pub(crate) fn cell_count_problem(
    cells: usize,
    columns: usize,
    last_empty: bool,
) -> Option<(String, String)> {
    if cells == columns || (cells == columns + 1 && last_empty) {
        return None;
    }
    Some((
        format!("该行有 {cells} 个单元格，表头有 {columns} 列"),
        format!("row has {cells} cells but the header has {columns} columns"),
    ))
}
