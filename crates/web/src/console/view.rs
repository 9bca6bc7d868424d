//! What the pages and the API show, built from the app's use cases: the inbox's filters parsed
//! at the edge, one page of warnings within the viewer's scope, the dashboard's numbers.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use qinglian_app::Workspace;
use qinglian_core::Money;
use qinglian_store::{
    ConsoleFilter, ConsoleStore, InboxFilter, Level, Verdict, WarningRecord, WarningState,
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
    /// `YYYY-MM-DD`: raised on or after that day (Beijing time).
    pub from: Option<String>,
    /// `YYYY-MM-DD`: raised on or before that day (Beijing time).
    pub to: Option<String>,
    /// Yuan, as people write amounts (`10000`, `1,000.50`, `1.5万`): at least this much.
    pub amount_min: Option<String>,
    /// Yuan: at most this much.
    pub amount_max: Option<String>,
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
    /// Raised on or after this Beijing day.
    pub from: Option<NaiveDate>,
    /// Raised on or before this Beijing day.
    pub to: Option<NaiveDate>,
    /// Amount at least this many fen.
    pub amount_min: Option<i64>,
    /// Amount at most this many fen.
    pub amount_max: Option<i64>,
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
        let from = day_param(&self.from, "起始日期", "from")?;
        let to = day_param(&self.to, "截止日期", "to")?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(WebErr::bad_request(
                format!("起始日期 {f} 晚于截止日期 {t}"),
                format!("the from day {f} is after the to day {t}"),
            ));
        }
        let amount_min = amount_param(&self.amount_min, "最低金额", "amount_min")?;
        let amount_max = amount_param(&self.amount_max, "最高金额", "amount_max")?;
        if let (Some(lo), Some(hi)) = (amount_min, amount_max)
            && lo > hi
        {
            return Err(WebErr::bad_request(
                format!(
                    "最低金额 {} 高于最高金额 {}",
                    yuan(Some(lo)),
                    yuan(Some(hi))
                ),
                format!(
                    "amount_min {} is above amount_max {}",
                    yuan(Some(lo)),
                    yuan(Some(hi))
                ),
            ));
        }
        Ok(InboxParams {
            level,
            state,
            department: text(&self.department, "部门", "department")?,
            rule: text(&self.rule, "规则", "rule")?.map(|r| r.to_ascii_uppercase()),
            category: text(&self.category, "类别", "category")?.map(|c| c.to_ascii_uppercase()),
            overdue: flag(&self.overdue),
            all: flag(&self.all),
            month,
            from,
            to,
            amount_min,
            amount_max,
            page,
        })
    }
}

/// A day written `YYYY-MM-DD`; anything else is 400 saying so.
fn day_param(
    v: &Option<String>,
    what_zh: &str,
    what_en: &str,
) -> Result<Option<NaiveDate>, WebErr> {
    present(v)
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                WebErr::bad_request(
                    format!("{what_zh}「{d}」应写作 YYYY-MM-DD，例如 2026-03-31"),
                    format!("{what_en} '{d}' must be a day written YYYY-MM-DD, e.g. 2026-03-31"),
                )
            })
        })
        .transpose()
}

/// An amount in yuan as people write it, in fen; the parser's reason when it is not one.
fn amount_param(v: &Option<String>, what_zh: &str, what_en: &str) -> Result<Option<i64>, WebErr> {
    present(v)
        .map(|a| {
            Money::parse(a).map(Money::fen).map_err(|e| {
                WebErr::bad_request(
                    format!("{what_zh}「{a}」不是金额：{}", e.message_zh()),
                    format!("{what_en} '{a}' is not an amount: {}", e.message_en()),
                )
            })
        })
        .transpose()
}

/// Fen as plain yuan for a query string (`123456` → `1234.56`).
fn plain_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
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
        for (k, d) in [("from", self.from), ("to", self.to)] {
            if let Some(d) = d {
                parts.push(format!("{k}={}", d.format("%Y-%m-%d")));
            }
        }
        for (k, a) in [
            ("amount_min", self.amount_min),
            ("amount_max", self.amount_max),
        ] {
            if let Some(a) = a {
                parts.push(format!("{k}={}", plain_yuan(a)));
            }
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
    let (created_from, created_to) = p.raised_between();
    let general = p.rule.is_some()
        || p.category.is_some()
        || created_from.is_some()
        || created_to.is_some()
        || p.amount_min.is_some()
        || p.amount_max.is_some();
    let mut rows = if general {
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
                amount_min: p.amount_min,
                amount_max: p.amount_max,
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

impl InboxParams {
    /// The instants the month and the day range allow warnings to be raised in: from
    /// (inclusive), to (exclusive); both filters at once give their overlap.
    fn raised_between(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let starts = [self.month, self.from];
        let ends = [
            self.month.map(next_month),
            self.to.map(|d| d.succ_opt().unwrap_or(NaiveDate::MAX)),
        ];
        (
            starts.into_iter().flatten().max().map(beijing_midnight),
            ends.into_iter().flatten().min().map(beijing_midnight),
        )
    }
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

/// A rule's precision as people judged its warnings: confirmed / (confirmed + false positives);
/// duplicates and warnings not yet judged do not count either way.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RulePrecision {
    pub key: String,
    /// All warnings of the rule within the scope.
    pub volume: u64,
    pub confirmed: u64,
    pub false_positive: u64,
    pub precision: f64,
    pub href: String,
}

/// The department risk heat map: warnings by department (rows) and rule category (columns).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HeatMap {
    /// Departments, most warnings first.
    pub departments: Vec<String>,
    /// Category keys (rule-id prefixes) and their labels, most warnings first.
    pub categories: Vec<Bucket>,
    pub cells: Vec<HeatCell>,
}

/// One cell of the heat map; `d` and `c` index `departments` and `categories`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HeatCell {
    pub d: usize,
    pub c: usize,
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
    /// The ten rules with the best precision among those with at least
    /// [`PRECISION_MIN_JUDGED`] judged warnings.
    pub by_precision: Vec<RulePrecision>,
    /// Warnings raised per month (Beijing time), oldest first.
    pub by_month: Vec<Bucket>,
    pub heat: HeatMap,
}

/// A rule enters the precision ranking with this many warnings judged true or false: one
/// confirmed warning out of one is not a precision of 100 %.
pub const PRECISION_MIN_JUDGED: u64 = 3;

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

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// The dashboard within `scope`, from the store's tallies (a few thousand counts, whatever the
/// number of warnings) and one indexed count of the overdue ones. Rates follow the workflow's
/// metrics: closure on time over closed plus overdue, rectification over those that entered it.
pub async fn dashboard(
    ws: &Workspace,
    scope: Option<&str>,
    tr: &Tr,
    now: DateTime<Utc>,
) -> Result<Dashboard, WebErr> {
    let t = ws.store.dashboard_tallies(scope, today(now)).await?;
    let (mut total, mut open, mut closed, mut on_time) = (0u64, 0u64, 0u64, 0u64);
    let (mut rect_entered, mut rect_done) = (0u64, 0u64);
    let mut level: BTreeMap<Level, u64> = BTreeMap::new();
    let mut state: BTreeMap<&'static str, u64> = BTreeMap::new();
    for s in &t.states {
        total += s.n;
        if s.state.is_closed() {
            closed += s.n;
        } else {
            open += s.n;
        }
        if s.on_time {
            on_time += s.n;
        }
        if s.rectification {
            rect_entered += s.n;
            if s.rectified {
                rect_done += s.n;
            }
        }
        *level.entry(s.level).or_default() += s.n;
        *state.entry(s.state.as_str()).or_default() += s.n;
    }
    let mut rules: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
    let (mut verdicts, mut converted) = (0u64, 0u64);
    for r in &t.rules {
        let v = rules.entry(r.source_id.as_str()).or_default();
        let slot = match r.verdict {
            Verdict::Open => 0,
            Verdict::TruePositive => 1,
            Verdict::FalsePositive => 2,
            Verdict::Duplicate => 3,
        };
        v[slot] += r.n;
        if r.verdict != Verdict::Open {
            verdicts += r.n;
        }
        if r.verdict == Verdict::TruePositive {
            converted += r.n;
        }
    }
    let mut category: BTreeMap<String, u64> = BTreeMap::new();
    let mut department: BTreeMap<String, u64> = BTreeMap::new();
    let mut month: BTreeMap<String, u64> = BTreeMap::new();
    let mut cell: BTreeMap<(String, String), u64> = BTreeMap::new();
    for m in &t.months {
        *category.entry(m.category.clone()).or_default() += m.n;
        *department.entry(m.department.clone()).or_default() += m.n;
        *month.entry(m.month.clone()).or_default() += m.n;
        *cell
            .entry((m.department.clone(), m.category.clone()))
            .or_default() += m.n;
    }
    let by_category = buckets(category, |k| category_label(tr, k), "category");
    let by_department = buckets(department, |k| k.to_owned(), "department");
    let heat = heat_map(&by_department, &by_category, cell);
    let mut by_rule = buckets(
        rules
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.iter().sum()))
            .collect(),
        |k| k.to_owned(),
        "rule",
    );
    by_rule.truncate(10);
    let mut by_precision: Vec<RulePrecision> = rules
        .iter()
        .filter(|(_, v)| v[1] + v[2] >= PRECISION_MIN_JUDGED)
        .map(|(k, v)| RulePrecision {
            key: (*k).to_owned(),
            volume: v.iter().sum(),
            confirmed: v[1],
            false_positive: v[2],
            precision: v[1] as f64 / (v[1] + v[2]) as f64,
            href: format!("/warnings?all=1&rule={}", url_encode(k)),
        })
        .collect();
    by_precision.sort_by(|a, b| {
        b.precision
            .total_cmp(&a.precision)
            .then_with(|| (b.confirmed + b.false_positive).cmp(&(a.confirmed + a.false_positive)))
            .then_with(|| a.key.cmp(&b.key))
    });
    by_precision.truncate(10);
    Ok(Dashboard {
        scope: scope.map(str::to_owned),
        total,
        open,
        closed,
        overdue: t.overdue,
        closure_rate_on_time: ratio(on_time, closed + t.overdue),
        rectification_rate: ratio(rect_done, rect_entered),
        lead_conversion_rate: ratio(converted, verdicts),
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
            .filter_map(|s| state.get(s.as_str()).map(|n| (*s, *n)))
            .map(|(s, count)| Bucket {
                key: s.as_str().to_owned(),
                label: state_label(tr, s),
                count,
                href: format!("/warnings?state={}", s.as_str()),
            })
            .collect(),
        by_category,
        by_department,
        by_rule,
        by_precision,
        by_month: month
            .into_iter()
            .map(|(k, count)| Bucket {
                href: format!("/warnings?all=1&month={k}"),
                label: k.clone(),
                key: k,
                count,
            })
            .collect(),
        heat,
    })
}

/// The heat map's axes in the order of the department and category charts, and a cell per
/// pair that has warnings, each opening the inbox filtered by both.
fn heat_map(
    departments: &[Bucket],
    categories: &[Bucket],
    cells: BTreeMap<(String, String), u64>,
) -> HeatMap {
    let d_index: BTreeMap<&str, usize> = departments
        .iter()
        .enumerate()
        .map(|(i, b)| (b.key.as_str(), i))
        .collect();
    let c_index: BTreeMap<&str, usize> = categories
        .iter()
        .enumerate()
        .map(|(i, b)| (b.key.as_str(), i))
        .collect();
    HeatMap {
        departments: departments.iter().map(|b| b.key.clone()).collect(),
        categories: categories.to_vec(),
        cells: cells
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .filter_map(|((d, c), count)| {
                Some(HeatCell {
                    d: *d_index.get(d.as_str())?,
                    c: *c_index.get(c.as_str())?,
                    count,
                    href: format!(
                        "/warnings?all=1&department={}&category={}",
                        url_encode(&d),
                        url_encode(&c)
                    ),
                })
            })
            .collect(),
    }
}

/// Buckets of a count map, largest first, each linking to the inbox filtered by `param`.
fn buckets(m: BTreeMap<String, u64>, label: impl Fn(&str) -> String, param: &str) -> Vec<Bucket> {
    let mut v: Vec<Bucket> = m
        .into_iter()
        .filter(|(_, count)| *count > 0)
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
