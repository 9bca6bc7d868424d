//! Counters for `/metrics` in the Prometheus text format. Labels are bounded (status class,
//! outcome): no path, user or identifier ever becomes a label.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    /// Requests by status class 1xx..5xx.
    by_class: [AtomicU64; 5],
    duration_micros: AtomicU64,
    sign_in_ok: AtomicU64,
    sign_in_refused: AtomicU64,
    sign_in_locked: AtomicU64,
    actions: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            by_class: Default::default(),
            duration_micros: AtomicU64::new(0),
            sign_in_ok: AtomicU64::new(0),
            sign_in_refused: AtomicU64::new(0),
            sign_in_locked: AtomicU64::new(0),
            actions: AtomicU64::new(0),
        }
    }
}

/// How a sign-in ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    Ok,
    Refused,
    Locked,
}

impl Metrics {
    pub fn request(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.duration_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn sign_in(&self, outcome: SignInOutcome) {
        match outcome {
            SignInOutcome::Ok => &self.sign_in_ok,
            SignInOutcome::Refused => &self.sign_in_refused,
            SignInOutcome::Locked => &self.sign_in_locked,
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    pub fn action(&self) {
        self.actions.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self) -> String {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = String::new();
        out.push_str(
            "# HELP qinglian_http_requests_total HTTP requests answered, by status class.\n",
        );
        out.push_str("# TYPE qinglian_http_requests_total counter\n");
        let mut count = 0;
        for (i, c) in self.by_class.iter().enumerate() {
            let n = get(c);
            count += n;
            out.push_str(&format!(
                "qinglian_http_requests_total{{class=\"{}xx\"}} {n}\n",
                i + 1
            ));
        }
        out.push_str(
            "# HELP qinglian_http_request_duration_seconds Time spent answering requests.\n",
        );
        out.push_str("# TYPE qinglian_http_request_duration_seconds summary\n");
        out.push_str(&format!(
            "qinglian_http_request_duration_seconds_sum {:.6}\n",
            get(&self.duration_micros) as f64 / 1e6
        ));
        out.push_str(&format!(
            "qinglian_http_request_duration_seconds_count {count}\n"
        ));
        out.push_str("# HELP qinglian_sign_ins_total Sign-in attempts, by outcome.\n");
        out.push_str("# TYPE qinglian_sign_ins_total counter\n");
        for (label, a) in [
            ("ok", &self.sign_in_ok),
            ("refused", &self.sign_in_refused),
            ("locked", &self.sign_in_locked),
        ] {
            out.push_str(&format!(
                "qinglian_sign_ins_total{{outcome=\"{label}\"}} {}\n",
                get(a)
            ));
        }
        out.push_str("# HELP qinglian_warning_actions_total Warning actions taken through the console and API.\n");
        out.push_str("# TYPE qinglian_warning_actions_total counter\n");
        out.push_str(&format!(
            "qinglian_warning_actions_total {}\n",
            get(&self.actions)
        ));
        out.push_str("# HELP qinglian_uptime_seconds Seconds since the console started.\n");
        out.push_str("# TYPE qinglian_uptime_seconds gauge\n");
        out.push_str(&format!(
            "qinglian_uptime_seconds {}\n",
            self.started.elapsed().as_secs()
        ));
        out.push_str("# HELP qinglian_build_info The running version.\n");
        out.push_str("# TYPE qinglian_build_info gauge\n");
        out.push_str(&format!(
            "qinglian_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        ));
        out
    }
}
