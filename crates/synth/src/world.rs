//! The world being generated: every table in memory (payments only the structured
//! ones), the calendar, id sequences, deterministic random streams and the ground truth.
//!
//! Each module draws from its own named stream, so a change in one module does not shift
//! the data of the others.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use qinglian_core::calendar::Calendar;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Scale;
use crate::records::*;
use crate::truth::{Instance, RowRef, category_of};

/// Size parameters of a scale.
#[derive(Clone, Debug)]
pub struct Params {
    pub staff_per_dept: usize,
    pub suppliers: usize,
    pub background_payments: u64,
    pub tenders_per_year: usize,
    pub projects: usize,
    pub vehicles: usize,
    pub benefit_recipients: usize,
    /// How many instances of each anomaly relative to `small`.
    pub mult: usize,
}

impl Params {
    pub fn of(scale: Scale) -> Self {
        match scale {
            Scale::Small => Self {
                staff_per_dept: 10,
                suppliers: 300,
                background_payments: 30_000,
                tenders_per_year: 60,
                projects: 8,
                vehicles: 12,
                benefit_recipients: 60,
                mult: 1,
            },
            Scale::Medium | Scale::Large => Self {
                staff_per_dept: 100,
                suppliers: 3000,
                background_payments: if scale == Scale::Large {
                    10_000_000
                } else {
                    300_000
                },
                tenders_per_year: 600,
                projects: 40,
                vehicles: 80,
                benefit_recipients: 600,
                mult: 4,
            },
        }
    }
}

/// What the generator knows about a person beyond the row.
#[derive(Clone, Debug, Default)]
pub struct PersonMeta {
    pub male: bool,
    pub birth_year: i32,
    /// Used by an anomaly or look-alike: kept out of random background activity.
    pub reserved: bool,
    pub ghost: bool,
}

/// What the generator knows about a company beyond the row.
#[derive(Clone, Debug, Default)]
pub struct CompanyMeta {
    /// Procurement category code (see `suppliers::CATEGORIES`).
    pub category: &'static str,
    pub reserved: bool,
    pub ip: String,
    pub mac: String,
    pub contact: String,
    pub contact_phone: String,
}

/// Who sits in a meeting and who speaks last.
#[derive(Clone, Debug, Default)]
pub struct MeetingMeta {
    pub members: Vec<usize>,
    pub present: Vec<usize>,
    pub chair: usize,
    /// Never records dissent (rubber stamp).
    pub unanimous: bool,
    /// Used by an anomaly; other anomalies leave it alone.
    pub reserved: bool,
}

/// Key office holders.
#[derive(Clone, Debug, Default)]
pub struct Roles {
    pub head: usize,
    pub gm: usize,
    pub deputies: Vec<usize>,
    pub cfo: usize,
    pub discipline: usize,
    pub union_chair: usize,
    /// Head of each department or subsidiary by unit id.
    pub unit_head: HashMap<String, usize>,
    pub party_committee: Vec<usize>,
    pub executive: Vec<usize>,
}

pub const GROUP: &str = "JZCF";
pub const LARGE_FUND: i64 = 500_000;
pub const TENDER_LIMIT: i64 = 1_000_000;

#[derive(Default)]
pub struct World {
    pub seed: u64,
    pub p: Params,
    pub cal: Calendar,
    pub workdays: Vec<NaiveDate>,
    pub units: Vec<OrgUnit>,
    pub persons: Vec<Person>,
    pub pm: Vec<PersonMeta>,
    pub relations: Vec<PersonRelation>,
    pub companies: Vec<Company>,
    pub cm: Vec<CompanyMeta>,
    pub links: Vec<CompanyLink>,
    pub tenders: Vec<Tender>,
    pub bids: Vec<Bid>,
    pub contracts: Vec<Contract>,
    pub changes: Vec<ContractChange>,
    pub meetings: Vec<Meeting>,
    pub mm: Vec<MeetingMeta>,
    pub votes: Vec<MeetingVote>,
    pub decisions: Vec<Decision>,
    pub appointments: Vec<Appointment>,
    pub payroll: Vec<Payroll>,
    pub attendance: Vec<Attendance>,
    pub allowances: Vec<Allowance>,
    pub standards: Vec<ExpenseStandard>,
    pub budgets: Vec<Budget>,
    pub claims: Vec<ExpenseClaim>,
    pub vehicles: Vec<Vehicle>,
    pub fuel: Vec<FuelTxn>,
    pub trips: Vec<Trip>,
    pub projects: Vec<Project>,
    pub milestones: Vec<Milestone>,
    pub assets: Vec<Asset>,
    pub sanctions: Vec<Sanction>,
    pub benefits: Vec<Benefit>,
    /// Structured payments (contracts, anomalies); background payments are streamed.
    pub payments: Vec<Payment>,
    /// Units whose payments are all structured (kept out of the background stream).
    pub no_background_units: HashSet<String>,
    pub truth: Vec<Instance>,
    pub roles: Roles,
    /// Per person, per working day (index into `workdays`): 0 present, 1 leave, 2 trip,
    /// 3 absent, 4 present with a local expense already claimed.
    pub status: Vec<Vec<u8>>,
    /// Hand-over between injection phases: (tag, decision index, person index).
    pub notes: Vec<(&'static str, usize, usize)>,
    uniq: HashSet<String>,
    seq: HashMap<&'static str, u32>,
}

impl Default for Params {
    fn default() -> Self {
        Self::of(Scale::Small)
    }
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid literal date")
}

pub const START: (i32, u32, u32) = (2024, 1, 1);
pub const END: (i32, u32, u32) = (2025, 12, 31);

impl World {
    pub fn new(seed: u64, scale: Scale) -> Self {
        let cal = Calendar::builtin();
        let (start, end) = (d(START.0, START.1, START.2), d(END.0, END.1, END.2));
        let workdays = start
            .iter_days()
            .take_while(|x| *x <= end)
            .filter(|x| cal.is_working_day(*x))
            .collect();
        Self {
            seed,
            p: Params::of(scale),
            cal,
            workdays,
            ..Self::default()
        }
    }

    pub fn start() -> NaiveDate {
        d(START.0, START.1, START.2)
    }

    pub fn end() -> NaiveDate {
        d(END.0, END.1, END.2)
    }

    /// A random stream for one module, fixed by the seed and the stream's name.
    pub fn rng(&self, stream: &str) -> ChaCha8Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in stream.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        ChaCha8Rng::seed_from_u64(self.seed ^ h)
    }

    /// The next id of a series: `next_id("C", 5)` gives `C00001`, `C00002`, …
    pub fn next_id(&mut self, prefix: &'static str, width: usize) -> String {
        let n = self.seq.entry(prefix).or_insert(0);
        *n += 1;
        format!("{prefix}{:0width$}", *n)
    }

    /// Draws values until one has not been handed out before.
    pub fn unique(&mut self, mut f: impl FnMut() -> String) -> String {
        loop {
            let v = f();
            if self.uniq.insert(v.clone()) {
                return v;
            }
        }
    }

    /// The first working day on or after `day`.
    pub fn workday_from(&self, day: NaiveDate) -> NaiveDate {
        self.cal.add_working_days(day, 0)
    }

    /// `n` working days after `day`.
    pub fn add_wd(&self, day: NaiveDate, n: u32) -> NaiveDate {
        self.cal.add_working_days(day, n)
    }

    /// A random working day in `[from, to]` within the generated period.
    pub fn rand_workday(&self, rng: &mut impl Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let a = self.workdays.partition_point(|x| *x < from);
        let b = self
            .workdays
            .partition_point(|x| *x <= to)
            .max(a + 1)
            .min(self.workdays.len());
        let a = a.min(b - 1);
        self.workdays[rng.random_range(a..b)]
    }

    /// A time in office hours on `day`.
    pub fn office_time(rng: &mut impl Rng, day: NaiveDate) -> NaiveDateTime {
        let mins = if rng.random_bool(0.5) {
            rng.random_range(8 * 60 + 30..11 * 60 + 50)
        } else {
            rng.random_range(13 * 60 + 30..17 * 60 + 30)
        };
        day.and_time(
            NaiveTime::from_hms_opt(mins / 60, mins % 60, rng.random_range(0..60))
                .expect("valid time"),
        )
    }

    /// Whether person `i` is on the staff on `day`.
    pub fn active(&self, i: usize, day: NaiveDate) -> bool {
        let p = &self.persons[i];
        p.hire_date.is_none_or(|h| h <= day) && p.leave_date.is_none_or(|l| l > day)
    }

    /// Staff of a unit (indexes), in id order.
    pub fn staff_of(&self, unit: &str) -> Vec<usize> {
        (0..self.persons.len())
            .filter(|&i| self.persons[i].unit_id == unit)
            .collect()
    }

    /// Records an injected anomaly.
    pub fn anomaly(
        &mut self,
        kind: &'static str,
        desc: String,
        subject: (&'static str, String),
        rows: Vec<RowRef>,
    ) {
        self.push_truth(kind, desc, subject, rows, false);
    }

    /// Records an honest look-alike of `kind` (normal activity that resembles it).
    pub fn lookalike(
        &mut self,
        kind: &'static str,
        desc: String,
        subject: (&'static str, String),
        rows: Vec<RowRef>,
    ) {
        self.push_truth(kind, desc, subject, rows, true);
    }

    fn push_truth(
        &mut self,
        kind: &'static str,
        desc: String,
        subject: (&'static str, String),
        rows: Vec<RowRef>,
        lookalike: bool,
    ) {
        self.truth.push(Instance {
            kind,
            category: category_of(kind),
            description_zh: desc,
            subject_type: subject.0,
            subject_id: subject.1,
            rows,
            lookalike,
        });
    }

    /// Index of a working day in `workdays`.
    pub fn wd_index(&self, day: NaiveDate) -> Option<usize> {
        self.workdays.binary_search(&day).ok()
    }

    pub fn person_index(&self, id: &str) -> Option<usize> {
        self.persons.iter().position(|p| p.person_id == id)
    }

    pub fn company_index(&self, id: &str) -> Option<usize> {
        self.companies.iter().position(|c| c.company_id == id)
    }
}
