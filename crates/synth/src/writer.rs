//! CSV output: how each kind of value is written (the forms the importer accepts) and a
//! buffered, allocation-free row writer.
//!
//! Values are written as `2024-03-05`, `2024-03-05 14:30:00`, `1234.50`, `true`/`false`
//! and enum codes; an empty cell means "no value". Text that contains a comma, quote or
//! line break is quoted per RFC 4180. This module knows nothing about datasets.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::SynthError;

/// An amount of money in fen (分), written in yuan with two decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

impl Money {
    /// Whole yuan.
    pub const fn yuan(y: i64) -> Self {
        Self(y * 100)
    }

    /// Yuan as a float, rounded to the fen.
    pub fn from_f64(y: f64) -> Self {
        Self((y * 100.0).round() as i64)
    }

    /// The amount scaled by `f`, rounded to the fen.
    pub fn scale(self, f: f64) -> Self {
        Self((self.0 as f64 * f).round() as i64)
    }

    /// The amount in yuan.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0 + o.0)
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0 - o.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(it: I) -> Money {
        Money(it.map(|m| m.0).sum())
    }
}

/// A value that can be written as one CSV cell (unquoted; quoting is the row's job).
pub trait Cell {
    /// Whether the written form can contain a separator, quote or line break (text only).
    const TEXT: bool = false;
    fn cell(&self, out: &mut Vec<u8>);
}

impl Cell for String {
    const TEXT: bool = true;
    fn cell(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl Cell for &'static str {
    const TEXT: bool = true;
    fn cell(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
}

impl Cell for i64 {
    fn cell(&self, out: &mut Vec<u8>) {
        push_int(out, *self);
    }
}

impl Cell for f64 {
    fn cell(&self, out: &mut Vec<u8>) {
        // Values are rounded where they are made; Display prints the shortest exact form.
        let _ = write!(out, "{self}");
    }
}

impl Cell for bool {
    fn cell(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(if *self { b"true" } else { b"false" });
    }
}

impl Cell for Money {
    fn cell(&self, out: &mut Vec<u8>) {
        let v = self.0;
        if v < 0 {
            out.push(b'-');
        }
        let a = v.unsigned_abs();
        push_int(out, (a / 100) as i64);
        out.push(b'.');
        push_2(out, (a % 100) as u32);
    }
}

impl Cell for NaiveDate {
    fn cell(&self, out: &mut Vec<u8>) {
        push_int(out, i64::from(self.year()));
        out.push(b'-');
        push_2(out, self.month());
        out.push(b'-');
        push_2(out, self.day());
    }
}

impl Cell for NaiveDateTime {
    fn cell(&self, out: &mut Vec<u8>) {
        self.date().cell(out);
        out.push(b' ');
        push_2(out, self.hour());
        out.push(b':');
        push_2(out, self.minute());
        out.push(b':');
        push_2(out, self.second());
    }
}

impl<T: Cell> Cell for Option<T> {
    const TEXT: bool = T::TEXT;
    fn cell(&self, out: &mut Vec<u8>) {
        if let Some(v) = self {
            v.cell(out);
        }
    }
}

fn push_2(out: &mut Vec<u8>, v: u32) {
    out.push(b'0' + (v / 10 % 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

/// Writes a whole number without allocating.
pub fn push_int(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    let mut a = v.unsigned_abs();
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (a % 10) as u8;
        a /= 10;
        if a == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

/// Quotes the cell written since `start` if it holds a separator, quote or line break.
pub fn quote_if_needed(out: &mut Vec<u8>, start: usize) {
    if !out[start..]
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        return;
    }
    let raw = out.split_off(start);
    out.push(b'"');
    for b in raw {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// A row type of one dataset: its columns (canonical spec names) and how it writes itself.
pub trait Record {
    const DATASET: &'static str;
    const COLUMNS: &'static [&'static str];
    /// Appends the row's cells, comma-separated and quoted where needed, without newline.
    fn write_cells(&self, out: &mut Vec<u8>);
    /// Each cell's raw text, in column order.
    fn cells(&self) -> Vec<String>;

    /// The value of the dataset's key, composite keys joined with `|` in spec key order.
    fn key(&self) -> String {
        let ds = qinglian_spec::dataset(Self::DATASET)
            .expect("record dataset exists in the spec (this is a bug)");
        let cells = self.cells();
        let parts: Vec<&str> = ds
            .key
            .iter()
            .map(|k| {
                let i = Self::COLUMNS
                    .iter()
                    .position(|c| c == k)
                    .expect("key column written (this is a bug)");
                cells[i].as_str()
            })
            .collect();
        parts.join("|")
    }
}

/// One CSV file being written: header first, then rows, formatted straight into a
/// large buffer that is handed to the file a megabyte at a time.
pub struct CsvOut {
    file: File,
    buf: Vec<u8>,
    rows: u64,
    path: std::path::PathBuf,
}

const FLUSH_AT: usize = 1 << 20;

impl CsvOut {
    pub fn create(dir: &Path, dataset: &str, columns: &[&str]) -> Result<Self, SynthError> {
        let path = dir.join(format!("{dataset}.csv"));
        let file = File::create(&path).map_err(|e| SynthError::io(&path, e))?;
        let mut me = Self {
            file,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            rows: 0,
            path,
        };
        me.buf.extend_from_slice(columns.join(",").as_bytes());
        me.buf.push(b'\n');
        Ok(me)
    }

    /// Writes one record (its columns must be the ones given to `create`).
    pub fn row<R: Record>(&mut self, r: &R) -> Result<(), SynthError> {
        r.write_cells(&mut self.buf);
        self.buf.push(b'\n');
        self.rows += 1;
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SynthError> {
        self.file
            .write_all(&self.buf)
            .map_err(|e| SynthError::io(&self.path, e))?;
        self.buf.clear();
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn finish(mut self) -> Result<u64, SynthError> {
        self.flush()?;
        self.file
            .flush()
            .map_err(|e| SynthError::io(&self.path, e))?;
        Ok(self.rows)
    }
}

/// Writes a whole table at once.
pub fn write_table<R: Record>(dir: &Path, rows: &[R]) -> Result<u64, SynthError> {
    let mut out = CsvOut::create(dir, R::DATASET, R::COLUMNS)?;
    for r in rows {
        out.row(r)?;
    }
    out.finish()
}

/// Declares a row struct whose field names are the spec's column names.
macro_rules! record {
    ($(#[$m:meta])* $name:ident => $ds:literal { $($f:ident : $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default)]
        pub struct $name { $(pub $f: $t),* }

        impl $crate::writer::Record for $name {
            const DATASET: &'static str = $ds;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($f)),*];
            fn write_cells(&self, out: &mut Vec<u8>) {
                $(
                    let start = out.len();
                    $crate::writer::Cell::cell(&self.$f, out);
                    if <$t as $crate::writer::Cell>::TEXT {
                        $crate::writer::quote_if_needed(out, start);
                    }
                    out.push(b',');
                )*
                out.pop();
            }
            fn cells(&self) -> Vec<String> {
                vec![$({
                    let mut b = Vec::new();
                    $crate::writer::Cell::cell(&self.$f, &mut b);
                    String::from_utf8(b).expect("cells are UTF-8")
                }),*]
            }
        }
    };
}
pub(crate) use record;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_in_importer_forms() {
        let mut b = Vec::new();
        Money(123450).cell(&mut b);
        b.push(b' ');
        Money(-5).cell(&mut b);
        b.push(b' ');
        NaiveDate::from_ymd_opt(2024, 3, 5)
            .unwrap()
            .and_hms_opt(14, 30, 0)
            .unwrap()
            .cell(&mut b);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "1234.50 -0.05 2024-03-05 14:30:00"
        );
    }

    #[test]
    fn quoting_only_when_needed() {
        let mut b = b"x,".to_vec();
        b.extend_from_slice("a,\"b\"".as_bytes());
        quote_if_needed(&mut b, 2);
        assert_eq!(String::from_utf8(b).unwrap(), "x,\"a,\"\"b\"\"\"");
    }
}
