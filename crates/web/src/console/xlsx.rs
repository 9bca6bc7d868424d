//! The inbox as an Excel workbook (rust_xlsxwriter): the same columns as the page, headers
//! from the catalogue, amounts as numbers.

use rust_xlsxwriter::{Format, Workbook};

use super::view::InboxRow;
use super::{Tr, WebErr};

fn xerr(e: rust_xlsxwriter::XlsxError) -> WebErr {
    WebErr::internal(&format!("xlsx: {e}"))
}

pub fn inbox_workbook(rows: &[InboxRow], tr: &Tr, truncated: bool) -> Result<Vec<u8>, WebErr> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
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
    for (c, key) in headers.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(u16::MAX);
        sheet
            .write_string_with_format(0, col, tr.get(key), &bold)
            .map_err(xerr)?;
    }
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
