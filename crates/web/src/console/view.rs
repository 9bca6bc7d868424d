//! What the pages and the API show, built from the app's use cases: the inbox's filters parsed
//! at the edge, one page of warnings within the viewer's scope, the dashboard's numbers.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use qinglian_app::Workspace;
use qinglian_store::{
    ConsoleFilter, ConsoleStore, InboxFilter, Level, MetricRow, WarningRecord, WarningState,
    WarningStore,
};
use serde::{Deserialize, Serialize};

use super::{Lang, Tr, WebErr};

/// The inbox's query string as it arrives (every field optional, empty means absent).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InboxQuery {
    pub level: Option<String>,
    pub state: Option<String>,
    pub department: Option<String>,
    pub rule: Option<String>,
    pub category: Option<String>,
    pub overdue: Option<String>,
    pub all: Option<String>,
    /// `YYYY-MM`: warnings raised in that month (Beijing time).
    pub month: Option<String>,
    pub page: Option<String>,
}

/// The inbox's filters, typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxParams {
    pub level: Option<Level>,
    pub state: Option<WarningState>,
    pub department: Option<String>,
    pub rule: Option<String>,
    /// Rule-id prefix such as `FUN`.
    pub category: Option<String>,
    pub overdue: bool,
    pub all: bool,
    /// The first day of the month the warnings were raised in.
    pub month: Option<NaiveDate>,
    /// From 1.
    pub page: u32,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn flag(v: &Option<String>) -> bool {
    present(v).is_some_and(|s| matches!(s, "1" | "on" | "true" | "yes"))
}

impl InboxQuery {
    /// Parses the filters; a value that is not one gives 400 with what to use instead.
    pub fn parse(&self) -> Result<InboxParams, WebErr> {
        let level = present(&self.level)
            .map(Level::parse)
            .transpose()
            .map_err(|e| WebErr::bad_request(format!("级别有误：{e}"), e))?;
        let state = present(&self.state)
            .map(WarningState::parse)
            .transpose()
            .map_err(|e| WebErr::bad_request(format!("状态有误：{e}"), e))?;
        let page = match present(&self.page) {
            None => 1,
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| {
                    WebErr::bad_request(
                        format!("页码「{p}」应为 1 到 100000 之间的整数"),
                        format!("page '{p}' must be a whole number from 1 to 100000"),
                    )
                })?,
        };
        let text =
            |v: &Option<String>, what_zh: &str, what_en: &str| -> Result<Option<String>, WebErr> {
                match present(v) {
                    Some(s) if s.chars().count() > 100 => Err(WebErr::bad_request(
                        format!("{what_zh}过长（最多 100 个字符）"),
                        format!("{what_en} is too long (100 characters at most)"),
                    )),
                    other => Ok(other.map(str::to_owned)),
                }
            };
        let month = present(&self.month)
            .map(|m| {
                NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(|_| {
                    WebErr::bad_request(
                        format!("月份「{m}」应写作 YYYY-MM"),
                        format!("month '{m}' must be written YYYY-MM"),
                    )
                })
            })
            .transpose()?;
        Ok(InboxParams {
            level,
            state,
            department: text(&self.department, "部门", "department")?,
            rule: text(&self.rule, "规则", "rule")?.map(|r| r.to_ascii_uppercase()),
            category: text(&self.category, "类别", "category")?.map(|c| c.to_ascii_uppercase()),
            overdue: flag(&self.overdue),
            all: flag(&self.all),
            month,
            page,
        })
    }
}

impl InboxParams {
    /// The query string of these filters on another page (empty values left out).
    pub fn query(&self, page: u32) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(l) = self.level {
            parts.push(format!("level={}", l.number()));
        }
        if let Some(s) = self.state {
            parts.push(format!("state={}", s.as_str()));
        }
        for (k, v) in [
            ("department", &self.department),
            ("rule", &self.rule),
            ("category", &self.category),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k}={}", url_encode(v)));
            }
        }
        if self.overdue {
            parts.push("overdue=1".into());
        }
        if self.all {
            parts.push("all=1".into());
        }
        if let Some(m) = self.month {
            parts.push(format!("month={}", m.format("%Y-%m")));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        parts.join("&")
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub const PAGE_SIZE: u32 = 50;

/// The Beijing day of `now` (deadlines are Beijing working days).
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    qinglian_workflow::sla::beijing_day(now)
}

/// One page of the inbox within `scope` (a liaison's department overrides any department
/// asked for), and whether another page follows.
pub async fn inbox_page(
    ws: &Workspace,
    scope: Option<&str>,
    p: &InboxParams,
    page_size: u32,
    now: DateTime<Utc>,
) -> Result<(Vec<WarningRecord>, bool), WebErr> {
    let department = scope.map(str::to_owned).or_else(|| p.department.clone());
    let offset = (p.page - 1).saturating_mul(page_size);
    let overdue_on = p.overdue.then(|| today(now));
    let (created_from, created_to) = match p.month {
        Some(first) => (
            Some(beijing_midnight(first)),
            Some(beijing_midnight(next_month(first))),
        ),
        None => (None, None),
    };
    let mut rows = if p.rule.is_some() || p.category.is_some() || p.month.is_some() {
        let ids = ws
            .store
            .console_inbox(&ConsoleFilter {
                department,
                level: p.level,
                state: p.state,
                source_id: p.rule.clone(),
                category: p.category.clone(),
                overdue_on,
                include_closed: p.all,
                created_from,
                created_to,
                limit: page_size + 1,
                offset,
            })
            .await?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(w) = ws.store.get_warning(id).await? {
                rows.push(w);
            }
        }
        rows
    } else {
        ws.store
            .inbox(&InboxFilter {
                department,
                level: p.level,
                state: p.state,
                overdue_on,
                include_closed: p.all,
                limit: page_size + 1,
                offset,
                ..InboxFilter::default()
            })
            .await?
    };
    let more = rows.len() > page_size as usize;
    rows.truncate(page_size as usize);
    Ok((rows, more))
}

/// The first day of the next month.
fn next_month(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(NaiveDate::MAX)
}

/// Midnight of a day in Beijing (UTC+8), as an instant.
fn beijing_midnight(d: NaiveDate) -> DateTime<Utc> {
    let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    DateTime::<Utc>::from_naive_utc_and_offset(local, Utc) - chrono::Duration::hours(8)
}

/// Fen as yuan with two decimals and thousands separators; empty when unknown.
pub fn yuan(fen: Option<i64>) -> String {
    let Some(f) = fen else {
        return String::new();
    };
    let sign = if f < 0 { "-" } else { "" };
    let f = f.unsigned_abs();
    let whole = (f / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", f % 100)
}

pub fn level_label(tr: &Tr, l: Level) -> String {
    tr.get(&format!("level.{}", l.as_str())).to_owned()
}

pub fn state_label(tr: &Tr, s: WarningState) -> String {
    tr.get(&format!("state.{}", s.as_str())).to_owned()
}

/// A row of the inbox as the page and the spreadsheet show it.
#[derive(Debug, Clone, Serialize)]
pub struct InboxRow {
    pub id: i64,
    pub level: String,
    pub level_class: String,
    pub state: String,
    pub title: String,
    pub department: String,
    pub rule: String,
    pub subject: String,
    pub amount: String,
    pub assignee: String,
    pub deadline: String,
    pub overdue: bool,
}

pub fn is_overdue(w: &WarningRecord, today: NaiveDate) -> bool {
    !w.state.is_closed() && qinglian_workflow::sla::is_overdue(w.deadline, today)
}

impl InboxRow {
    pub fn new(w: &WarningRecord, tr: &Tr, lang: Lang, today: NaiveDate) -> Self {
        Self {
            id: w.id,
            level: level_label(tr, w.level),
            level_class: format!("l{}", w.level.number()),
            state: state_label(tr, w.state),
            title: match lang {
                Lang::Zh => w.title_zh.clone(),
                Lang::En => w.title_en.clone(),
            },
            department: w.department.clone(),
            rule: w.source_id.clone(),
            subject: w
                .subject_name
                .clone()
                .unwrap_or_else(|| format!("{}:{}", w.subject_kind, w.subject_id)),
            amount: yuan(w.amount_fen),
            assignee: w.assignee.clone().unwrap_or_default(),
            deadline: w.deadline.format("%Y-%m-%d").to_string(),
            overdue: is_overdue(w, today),
        }
    }
}

/// One bar or slice of a dashboard chart; `href` opens the warnings behind it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bucket {
    pub key: String,
    pub label: String,
    pub count: u64,
    pub href: String,
}

/// The dashboard's numbers, for the page, its charts and the API.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Dashboard {
    /// The department a liaison sees; absent for the whole organisation.
    pub scope: Option<String>,
    pub total: u64,
    pub open: u64,
    pub closed: u64,
    pub overdue: u64,
    pub closure_rate_on_time: Option<f64>,
    pub rectification_rate: Option<f64>,
    pub lead_conversion_rate: Option<f64>,
    pub by_level: Vec<Bucket>,
    pub by_state: Vec<Bucket>,
    pub by_category: Vec<Bucket>,
    pub by_department: Vec<Bucket>,
    /// The ten rules with the most warnings.
    pub by_rule: Vec<Bucket>,
    /// Warnings raised per month (Beijing time), oldest first.
    pub by_month: Vec<Bucket>,
}

/// The rule-id prefix (category) of a source id: `FUN-009` → `FUN`.
pub fn category_of(source_id: &str) -> &str {
    source_id.split_once('-').map_or(source_id, |(p, _)| p)
}

fn category_label(tr: &Tr, prefix: &str) -> String {
    let key = format!("category.{}", prefix.to_ascii_lowercase());
    if tr.has(&key) {
        tr.get(&key).to_owned()
    } else {
        format!("{} ({prefix})", tr.get("category.other"))
    }
}

/// Computes the dashboard from every warning's metric row (all time) within `scope`.
pub async fn dashboard(
    ws: &Workspace,
    scope: Option<&str>,
    tr: &Tr,
    now: DateTime<Utc>,
) -> Result<Dashboard, WebErr> {
    let from = Utc
        .with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let to = now + chrono::Duration::days(1);
    let mut rows: Vec<MetricRow> = ws.store.metric_rows(from, to).await?;
    if let Some(d) = scope {
        rows.retain(|r| r.department == d);
    }
    let day = today(now);
    let m = qinglian_workflow::metrics::compute(&rows, day);
    let mut level: BTreeMap<Level, u64> = BTreeMap::new();
    let mut state: BTreeMap<&'static str, (WarningState, u64)> = BTreeMap::new();
    let mut category: BTreeMap<String, u64> = BTreeMap::new();
    let mut department: BTreeMap<String, u64> = BTreeMap::new();
    let mut rule: BTreeMap<String, u64> = BTreeMap::new();
    let mut month: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rows {
        *level.entry(r.level).or_default() += 1;
        state.entry(r.state.as_str()).or_insert((r.state, 0)).1 += 1;
        *category
            .entry(category_of(&r.source_id).to_owned())
            .or_default() += 1;
        *department.entry(r.department.clone()).or_default() += 1;
        *rule.entry(r.source_id.clone()).or_default() += 1;
        *month
            .entry(today(r.created_at).format("%Y-%m").to_string())
            .or_default() += 1;
    }
    let mut by_rule = buckets(rule, |k| k.to_owned(), "rule");
    by_rule.truncate(10);
    Ok(Dashboard {
        scope: scope.map(str::to_owned),
        total: m.total,
        open: m.open,
        closed: m.closed,
        overdue: m.overdue,
        closure_rate_on_time: m.closure_rate_on_time,
        rectification_rate: m.rectification_rate,
        lead_conversion_rate: m.lead_conversion_rate,
        by_level: level
            .into_iter()
            .map(|(l, count)| Bucket {
                key: l.number().to_string(),
                label: level_label(tr, l),
                count,
                href: format!("/warnings?all=1&level={}", l.number()),
            })
            .collect(),
        by_state: WarningState::ALL
            .iter()
            .filter_map(|s| state.get(s.as_str()))
            .map(|(s, count)| Bucket {
                key: s.as_str().to_owned(),
                label: state_label(tr, *s),
                count: *count,
                href: format!("/warnings?state={}", s.as_str()),
            })
            .collect(),
        by_category: buckets(category, |k| category_label(tr, k), "category"),
        by_department: buckets(department, |k| k.to_owned(), "department"),
        by_rule,
        by_month: month
            .into_iter()
            .map(|(k, count)| Bucket {
                href: format!("/warnings?all=1&month={k}"),
                label: k.clone(),
                key: k,
                count,
            })
            .collect(),
    })
}

/// Buckets of a count map, largest first, each linking to the inbox filtered by `param`.
fn buckets(m: BTreeMap<String, u64>, label: impl Fn(&str) -> String, param: &str) -> Vec<Bucket> {
    let mut v: Vec<Bucket> = m
        .into_iter()
        .map(|(k, count)| Bucket {
            label: label(&k),
            href: format!("/warnings?all=1&{param}={}", url_encode(&k)),
            key: k,
            count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v
}

/// A rate as a percentage for people, `—` when there is nothing to rate yet.
pub fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}
