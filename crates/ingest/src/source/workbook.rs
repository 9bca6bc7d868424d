//! XLSX and XLS workbooks (first sheet, or the one named with `--sheet`).
//!
//! A sheet is read whole (Excel caps it at 1,048,576 rows), then handed out row by row.

use std::path::Path;

use calamine::{Data, Range, Reader, open_workbook_auto};

use super::{Row, RowSource};
use crate::encoding::Encoding;
use crate::error::IngestError;

pub(crate) struct WorkbookSource {
    range: Range<Data>,
    headers: Vec<String>,
    header_row: usize,
    next: usize,
    first_row_number: u64,
}

impl WorkbookSource {
    pub(crate) fn open(path: &Path, sheet: Option<&str>) -> Result<Self, IngestError> {
        let mut wb = open_workbook_auto(path).map_err(|e| {
            IngestError::bad_file(
                path,
                format!("not a readable Excel workbook (damaged or truncated?): {e}"),
                format!("无法读取 Excel 工作簿（文件可能已损坏或不完整）：{e}"),
            )
        })?;
        let names = wb.sheet_names();
        let name = match sheet {
            Some(s) if names.iter().any(|n| n == s) => s.to_owned(),
            Some(s) => {
                return Err(IngestError::bad_file(
                    path,
                    format!("no sheet named '{s}'; sheets: {}", names.join(", ")),
                    format!("没有名为“{s}”的工作表；现有：{}", names.join("、")),
                ));
            }
            None => names.first().cloned().ok_or_else(|| {
                IngestError::bad_file(path, "the workbook has no sheets", "工作簿没有工作表")
            })?,
        };
        let range = wb.worksheet_range(&name).map_err(|e| {
            IngestError::bad_file(
                path,
                format!("sheet '{name}' cannot be read: {e}"),
                format!("工作表“{name}”无法读取：{e}"),
            )
        })?;
        let header_row = (0..range.height())
            .find(|&r| {
                (0..range.width()).any(|c| !matches!(range.get((r, c)), None | Some(Data::Empty)))
            })
            .ok_or_else(|| {
                IngestError::bad_file(
                    path,
                    format!("sheet '{name}' is empty"),
                    format!("工作表“{name}”为空"),
                )
            })?;
        let headers = (0..range.width())
            .map(|c| {
                range
                    .get((header_row, c))
                    .map(cell_text)
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            })
            .collect();
        let first_row_number = u64::from(range.start().map_or(0, |(r, _)| r)) + 1;
        Ok(Self {
            range,
            headers,
            header_row,
            next: header_row + 1,
            first_row_number,
        })
    }
}

/// A cell as the text the validator parses. Dates stay Excel serial numbers, which the
/// date parser reads; whole floats print without a fraction.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format_float(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => format_float(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR {e:?}"),
    }
}

fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

impl RowSource for WorkbookSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn encoding(&self) -> Encoding {
        Encoding::Utf8
    }

    fn next_row(&mut self, record: &mut csv::ByteRecord) -> Result<Row, IngestError> {
        loop {
            if self.next >= self.range.height() {
                return Ok(Row::End);
            }
            let r = self.next;
            self.next += 1;
            record.clear();
            let mut any = false;
            for c in 0..self.headers.len() {
                let text = self.range.get((r, c)).map(cell_text).unwrap_or_default();
                any |= !text.trim().is_empty();
                record.push_field(text.as_bytes());
            }
            if any {
                return Ok(Row::Cells(self.first_row_number + r as u64));
            }
            // Blank rows inside a sheet are layout, not data.
        }
    }

    fn position(&self) -> u64 {
        (self.next - self.header_row) as u64
    }

    fn total(&self) -> u64 {
        (self.range.height() - self.header_row) as u64
    }
}
