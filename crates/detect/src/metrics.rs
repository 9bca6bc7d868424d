//! Classification metrics for evaluating detectors against labels: ROC-AUC (ties counted
//! half, as scikit-learn does), confusion counts, per-class recall and balanced accuracy.

use serde::{Deserialize, Serialize};

/// Area under the ROC curve of `scores` for `labels` (true = positive), by the Mann–Whitney
/// rank statistic with average ranks for ties. `None` when a class is missing.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let n = scores.len().min(labels.len());
    let pos = labels[..n].iter().filter(|&&l| l).count();
    let neg = n - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg = (i + j + 2) as f64 / 2.0;
        rank_sum_pos += avg * idx[i..=j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j + 1;
    }
    let u = rank_sum_pos - (pos * (pos + 1)) as f64 / 2.0;
    Some(u / (pos as f64 * neg as f64))
}

/// Counts of a binary decision against labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
}

impl Confusion {
    /// Tallies `flags` (predicted positive) against `labels`.
    pub fn new(flags: &[bool], labels: &[bool]) -> Self {
        let mut c = Self::default();
        for (&f, &l) in flags.iter().zip(labels) {
            match (f, l) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    /// Share of positives flagged (sensitivity); `None` without positives.
    pub fn recall_positive(&self) -> Option<f64> {
        let p = self.tp + self.fn_;
        (p > 0).then(|| self.tp as f64 / p as f64)
    }

    /// Share of negatives left unflagged (specificity); `None` without negatives.
    pub fn recall_negative(&self) -> Option<f64> {
        let n = self.tn + self.fp;
        (n > 0).then(|| self.tn as f64 / n as f64)
    }

    /// Share of flags that are positives; `None` without flags.
    pub fn precision(&self) -> Option<f64> {
        let f = self.tp + self.fp;
        (f > 0).then(|| self.tp as f64 / f as f64)
    }

    /// Mean of the two recalls; `None` when a class is missing.
    pub fn balanced_accuracy(&self) -> Option<f64> {
        Some((self.recall_positive()? + self.recall_negative()?) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_random_and_tied_scores() {
        let l = [false, false, true, true];
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &l), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &l), Some(0.0));
        assert_eq!(roc_auc(&[0.5; 4], &l), Some(0.5));
        // sklearn.metrics.roc_auc_score([0,0,1,1,1],[0.1,0.4,0.35,0.8,0.4]) = 0.75
        assert_eq!(
            roc_auc(
                &[0.1, 0.4, 0.35, 0.8, 0.4],
                &[false, false, true, true, true]
            ),
            Some(0.75)
        );
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn balanced_accuracy_averages_recalls() {
        let c = Confusion::new(
            &[true, true, false, false, true],
            &[true, false, false, false, true],
        );
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 2,
                fn_: 0
            }
        );
        assert_eq!(c.recall_positive(), Some(1.0));
        assert!((c.balanced_accuracy().unwrap() - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(Confusion::new(&[true], &[true]).balanced_accuracy(), None);
    }
}
