//! A dense row-major matrix of `f64` features: the input of the isolation forest and the
//! risk scorer. Built from rows or, as the rules engine holds them, from columns.

use serde::{Deserialize, Serialize};

use crate::error::{DetectError, Result};

/// Rows × columns of features, row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// From rows of equal length.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self> {
        let cols = rows.first().map_or(0, Vec::len);
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != cols {
                return Err(DetectError::InvalidParam {
                    name: "rows",
                    reason: format!("row {i} has {} values, row 0 has {cols}", r.len()),
                });
            }
            data.extend_from_slice(r);
        }
        Ok(Self {
            rows: rows.len(),
            cols,
            data,
        })
    }

    /// From values already laid out row by row, `cols` per row: what a caller streaming a
    /// large table builds without an intermediate vector per row.
    pub fn from_row_major(data: Vec<f64>, cols: usize) -> Result<Self> {
        if cols == 0 || !data.len().is_multiple_of(cols) {
            return Err(DetectError::InvalidParam {
                name: "data",
                reason: format!("{} values do not make rows of {cols}", data.len()),
            });
        }
        Ok(Self {
            rows: data.len() / cols,
            cols,
            data,
        })
    }

    /// From columns of equal length (one slice per feature).
    pub fn from_columns(columns: &[&[f64]]) -> Result<Self> {
        let rows = columns.first().map_or(0, |c| c.len());
        if let Some((j, c)) = columns.iter().enumerate().find(|(_, c)| c.len() != rows) {
            return Err(DetectError::InvalidParam {
                name: "columns",
                reason: format!("column {j} has {} values, column 0 has {rows}", c.len()),
            });
        }
        let cols = columns.len();
        let mut data = vec![0.0; rows * cols];
        for (j, c) in columns.iter().enumerate() {
            for (i, v) in c.iter().enumerate() {
                data[i * cols + j] = *v;
            }
        }
        Ok(Self { rows, cols, data })
    }

    pub fn n_rows(&self) -> usize {
        self.rows
    }

    pub fn n_cols(&self) -> usize {
        self.cols
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// The rows at `idx`, in that order.
    pub fn select_rows(&self, idx: &[usize]) -> Self {
        let mut data = Vec::with_capacity(idx.len() * self.cols);
        for &i in idx {
            data.extend_from_slice(self.row(i));
        }
        Self {
            rows: idx.len(),
            cols: self.cols,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_columns_agree() {
        let a = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]).unwrap();
        let b = Matrix::from_columns(&[&[1.0, 3.0, 5.0], &[2.0, 4.0, 6.0]]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.row(1), &[3.0, 4.0]);
        assert_eq!(a.select_rows(&[2, 0]).row(0), &[5.0, 6.0]);
        assert!(Matrix::from_rows(&[vec![1.0], vec![]]).is_err());
        assert!(Matrix::from_columns(&[&[1.0], &[]]).is_err());
        assert_eq!(
            Matrix::from_row_major(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2).unwrap(),
            a
        );
        assert!(Matrix::from_row_major(vec![1.0, 2.0, 3.0], 2).is_err());
        assert!(Matrix::from_row_major(vec![], 0).is_err());
    }
}
