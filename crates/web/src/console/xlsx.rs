//! Lists as Excel workbooks (rust_xlsxwriter): the inbox with the same columns as the page,
//! and any other list as a table of text and number cells ([`table_workbook`]); headers come
//! from the catalogue, amounts and counts are numbers. [`export_table`] is a list's whole
//! export: the access-log line, the workbook, the download.

use rust_xlsxwriter::{Format, Workbook};

use super::view::InboxRow;
use super::{Tr, WebErr};

fn xerr(e: rust_xlsxwriter::XlsxError) -> WebErr {
    WebErr::internal(&format!("xlsx: {e}"))
}

/// The bold first row: the catalogue's words for `keys`.
fn header_row(
    sheet: &mut rust_xlsxwriter::Worksheet,
    keys: &[&str],
    tr: &Tr,
) -> Result<(), WebErr> {
    let bold = Format::new().set_bold();
    for (c, key) in keys.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(u16::MAX);
        sheet
            .write_string_with_format(0, col, tr.get(key), &bold)
            .map_err(xerr)?;
    }
    Ok(())
}

pub fn inbox_workbook(rows: &[InboxRow], tr: &Tr, truncated: bool) -> Result<Vec<u8>, WebErr> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let headers = [
        "col.id",
        "col.level",
        "col.state",
        "col.title",
        "col.department",
        "col.rule",
        "col.subject",
        "col.amount",
        "col.assignee",
        "col.deadline",
        "col.overdue",
    ];
    header_row(sheet, &headers, tr)?;
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        sheet.write_number(row, 0, r.id as f64).map_err(xerr)?;
        for (col, text) in [
            (1, &r.level),
            (2, &r.state),
            (3, &r.title),
            (4, &r.department),
            (5, &r.rule),
            (6, &r.subject),
        ] {
            sheet.write_string(row, col, text.as_str()).map_err(xerr)?;
        }
        match r.amount.replace(',', "").parse::<f64>() {
            Ok(v) => sheet.write_number(row, 7, v).map_err(xerr)?,
            Err(_) => sheet
                .write_string(row, 7, r.amount.as_str())
                .map_err(xerr)?,
        };
        sheet
            .write_string(row, 8, r.assignee.as_str())
            .map_err(xerr)?;
        sheet
            .write_string(row, 9, r.deadline.as_str())
            .map_err(xerr)?;
        sheet
            .write_string(
                row,
                10,
                if r.overdue {
                    tr.get("yes.yes")
                } else {
                    tr.get("yes.no")
                },
            )
            .map_err(xerr)?;
    }
    if truncated {
        let row = u32::try_from(rows.len() + 2).unwrap_or(u32::MAX);
        sheet
            .write_string(row, 0, format!("… (>{} rows)", rows.len()))
            .map_err(xerr)?;
    }
    book.save_to_buffer().map_err(xerr)
}

/// One cell of [`table_workbook`].
pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Number(n as f64)
    }
}

/// A sheet with a bold header row (catalogue keys) and one line per row.
pub fn table_workbook(
    header_keys: &[&str],
    rows: &[Vec<Cell>],
    tr: &Tr,
) -> Result<Vec<u8>, WebErr> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    header_row(sheet, header_keys, tr)?;
    for (i, cells) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (c, cell) in cells.iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Cell::Text(t) => sheet.write_string(row, col, t.as_str()),
                Cell::Number(n) => sheet.write_number(row, col, *n),
            }
            .map_err(xerr)?;
        }
    }
    book.save_to_buffer().map_err(xerr)
}

/// An Excel download answer.
pub fn download(bytes: Vec<u8>, file_name: &str) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// One list exported by `v`: logged as `export` of `what` (as the inbox's exports are), the
/// table in `v`'s language, answered as the download `file_name`.
pub(crate) async fn export_table(
    state: &super::ConsoleState,
    v: &super::auth::Viewer,
    what: &str,
    header_keys: &[&str],
    rows: &[Vec<Cell>],
    file_name: &str,
) -> Result<axum::response::Response, WebErr> {
    use super::auth::Acting as _;
    qinglian_app::users::log_access(
        state.workspace(),
        &v.actor(),
        "export",
        what,
        None,
        chrono::Utc::now(),
    )
    .await?;
    let bytes = table_workbook(header_keys, rows, state.tr(v.lang))?;
    Ok(download(bytes, file_name))
}
