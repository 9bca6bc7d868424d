//! The rule base (规则库) and the engine that runs it: rules are data — a TOML file and a
//! SQL query over the lake's datasets — evaluated with Apache DataFusion into
//! [`Finding`](qinglian_core::Finding)s that cite their source rows.
//!
//! This is the only crate that knows DataFusion. It does not decide which batches are
//! committed, where a workspace is, or how findings are stored: the application registers
//! the committed lake files ([`Engine::register_lake`]), runs rules and keeps the hits.
//!
//! # A rule
//!
//! `rules/builtin/<CATEGORY>/<ID>.toml`, `<ID>.sql` and `<ID>.fixtures.toml`, or the same
//! files anywhere below a workspace's `rules/` folder (a workspace rule with a built-in
//! rule's id replaces it). The TOML (every key typed, unknown keys refused):
//!
//! ```toml
//! id = "FUN-001"              # category prefix, dash, three digits; equals the file name
//! version = "1.0.0"
//! category = "FUN"            # DEC PRO FUN EXP PER COI AST CON
//! severity = "high"           # low medium high critical
//! name_zh = "重复支付"
//! name_en = "Duplicate payment"
//! description_zh = "…"
//! description_en = "…"
//! datasets = ["payments"]     # must hold committed data, else "not run: needs payments"
//! basis = "…"                 # legal or policy basis
//! routing = "finance 财务部门"  # who answers first
//! false_positives = ["…"]     # known honest look-alikes
//! demo_kinds = ["fun_duplicate_payment"]   # demo ground-truth kinds (evaluation only)
//!
//! [subject]                   # result columns naming who or what the finding is about
//! kind = "payee"
//! id = "payee_name"
//! name = "payee_name"         # optional
//!
//! [result]                    # optional result columns
//! amount = "amount"           # amount at stake (numeric)
//! department = "unit_id"      # routing department
//! occurred_on = "paid_on"     # date or datetime
//! keys = ["invoice_no"]       # extra fingerprint keys (two hits on one subject stay two)
//! facts = ["n"]               # shown beside the explanation
//!
//! [explanation]               # `{column}` filled from the hit's row
//! zh = "{payee_name} 的发票 {invoice_no} 被支付 {n} 次"
//! en = "Invoice {invoice_no} of {payee_name} was paid {n} times"
//!
//! [doc]                       # for docs/rules/<ID>.md
//! methodology = "…"
//! why = "…"
//! exclusions = "…"
//!
//! [params.window_days]        # typed; `${window_days}` in the SQL (see [`params`])
//! type = "integer"            # integer number amount text date bool text_list
//! default = 10
//! zh = "两次付款最长间隔（天）"
//! en = "Longest gap between the payments, in days"
//! ```
//!
//! # The SQL
//!
//! One query in DataFusion's dialect over tables named as the datasets (every dataset of
//! the specification exists; one without data is empty). It returns one row per hit with
//! the columns the TOML names and the **evidence**: every column called `evidence` or
//! `evidence_…`, each either a text `dataset:batch:row` or a list of such texts, built
//! from the lake's `_batch` and `_row` with the helper `ev('payments', p._batch, p._row)`
//! (aggregated: `array_agg(ev(…))`). Helpers: see [`udf`]. Parameters: see [`params`].
//!
//! # Identity and content hash
//!
//! A finding's fingerprint is the rule id, the subject and the `keys` columns; a rerun that
//! finds the same thing updates it. Its content hash is SHA-256 of the TOML, the SQL and
//! the effective parameters, so every change of what ran is visible in the finding.

mod engine;
mod error;
mod model;
mod pack;
mod result;
mod schema;
mod table;

pub mod doc;
pub mod fixtures;
pub mod lint;
pub mod params;
pub mod udf;

pub use engine::{Engine, Hit};
pub use error::RulesError;
pub use fixtures::{CaseOutcome, effective_params, run_fixtures};
pub use lint::{Level, LintIssue, lint};
pub use model::{DocText, Origin, ParamSpec, ResultSpec, Rule, RuleMeta, SubjectSpec};
pub use pack::{LoadProblem, RulePack};
pub use params::{ParamType, ParamValue};
pub use result::{describe, parse_evidence};
pub use schema::lake_schema;
pub use table::{Column, Table, TextColumn};
