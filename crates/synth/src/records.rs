//! One row struct per dataset. Field names are the spec's canonical column names (a test
//! checks them against `qinglian_spec`), so the CSV header is the struct's field list.
//!
//! Optional text is a `String` (empty = no value); optional dates, amounts and numbers
//! are `Option`s; enum fields hold the spec's codes as `&'static str`.

use chrono::{NaiveDate, NaiveDateTime};

use crate::writer::{Money, record};

type D = NaiveDate;
type Dt = NaiveDateTime;
type S = String;
type E = &'static str;

record!(OrgUnit => "org_units" {
    unit_id: S, name: S, parent_id: S, kind: E, function: E, head_person_id: S,
    large_fund_threshold: Option<Money>, tender_threshold: Option<Money>,
});

record!(Person => "persons" {
    person_id: S, name: S, resident_id: S, gender: E, birth_date: Option<D>, unit_id: S,
    position: S, grade: S, is_head: Option<bool>, hire_date: Option<D>, leave_date: Option<D>,
    leave_reason: E, phone: S, bank_account: S, address: S, email: S,
});

record!(PersonRelation => "person_relations" {
    person_id: S, relative_name: S, relation: E, relative_resident_id: S, relative_person_id: S,
    relative_phone: S, relative_bank_account: S, relative_employer: S,
});

record!(Company => "companies" {
    company_id: S, name: S, uscc: S, legal_rep_name: S, legal_rep_resident_id: S,
    registered_capital: Option<Money>, founded_on: Option<D>, address: S, phone: S, email: S,
    bank_account: S, staff_count: Option<i64>,
});

record!(CompanyLink => "company_links" {
    company_id: S, party_name: S, role: E, party_resident_id: S, party_company_id: S,
    party_phone: S, share_pct: Option<f64>, since: Option<D>, until: Option<D>,
});

record!(Payment => "payments" {
    payment_id: S, unit_id: S, paid_on: D, approved_at: Option<Dt>, amount: Money, payee_name: S,
    payee_company_id: S, payee_person_id: S, payee_account: S, purpose: S, budget_line: S,
    contract_id: S, invoice_no: S, method: E, applicant_id: S, approver_id: S,
});

record!(ExpenseClaim => "expense_claims" {
    claim_id: S, person_id: S, unit_id: S, claimed_on: D, expense_date: D, kind: E, amount: Money,
    merchant: S, merchant_category: S, invoice_no: S, city: S, nights: Option<i64>,
    guests: Option<i64>, approver_id: S, description: S,
});

record!(Contract => "contracts" {
    contract_id: S, unit_id: S, tender_id: S, supplier_company_id: S, title: S, kind: E,
    amount: Money, signed_on: D, start_on: Option<D>, planned_end_on: Option<D>,
    completed_on: Option<D>, project_id: S, parent_contract_id: S,
});

record!(ContractChange => "contract_changes" {
    change_id: S, contract_id: S, changed_on: D, amount_delta: Money, reason: S, approved_by: S,
});

record!(Tender => "tenders" {
    tender_id: S, unit_id: S, title: S, category: S, method: E, estimate: Option<Money>,
    published_on: Option<D>, deadline_at: Option<Dt>, awarded_on: Option<D>,
    winner_company_id: S, award_amount: Option<Money>, agent: S, single_source_reason: S,
    project_id: S,
});

record!(Bid => "bids" {
    bid_id: S, tender_id: S, company_id: S, amount: Money, submitted_at: Option<Dt>, ip: S, mac: S,
    file_hash: S, document_author: S, deposit_account: S, phone: S, contact_person: S,
    is_winner: Option<bool>, disqualified: Option<bool>, disqualify_reason: S,
});

record!(Meeting => "meetings" {
    meeting_id: S, unit_id: S, kind: E, held_on: D, members_total: i64, attendees: i64, chair_id: S,
});

record!(MeetingVote => "meeting_votes" {
    meeting_id: S, decision_id: S, person_id: S, vote: E, speaking_order: Option<i64>,
    recused: Option<bool>,
});

record!(Decision => "decisions" {
    decision_id: S, unit_id: S, category: E, title: S, amount: Option<Money>, meeting_id: S,
    decided_on: D, decided_by: E, outcome: E, signer_id: S, counterparty_company_id: S,
    contract_id: S, project_id: S, matter_ref: S,
});

record!(Appointment => "appointments" {
    appointment_id: S, person_id: S, unit_id: S, from_position: S, to_position: S,
    effective_on: D, recommended_on: Option<D>, inspected_on: Option<D>,
    notice_start_on: Option<D>, notice_end_on: Option<D>, decision_id: S,
});

record!(Payroll => "payroll" {
    person_id: S, period: D, item: S, amount: Money, paid_on: Option<D>, bank_account: S,
});

record!(Attendance => "attendance" { person_id: S, date: D, status: E });

record!(Allowance => "allowance_catalogue" { item: S, name: S, grade: S, monthly_max: Money });

record!(ExpenseStandard => "expense_standards" { kind: E, grade: S, city_tier: S, daily_max: Money });

record!(Budget => "budgets" {
    unit_id: S, year: i64, budget_line: S, category: S, amount: Money, warning_line: Option<Money>,
});

record!(Vehicle => "vehicles" {
    vehicle_id: S, plate: S, unit_id: S, kind: S, tank_liters: Option<f64>, driver_id: S,
    fuel_card_no: S, base_city: S,
});

record!(FuelTxn => "fuel_transactions" {
    txn_id: S, vehicle_id: S, card_no: S, at: Dt, liters: f64, amount: Money, product: E,
    station: S, city: S, lat: Option<f64>, lon: Option<f64>,
});

record!(Trip => "vehicle_trips" {
    trip_id: S, vehicle_id: S, driver_id: S, start_at: Dt, end_at: Option<Dt>, from_place: S,
    to_place: S, km: Option<f64>, purpose: S, approved: Option<bool>, to_lat: Option<f64>,
    to_lon: Option<f64>,
});

record!(Project => "projects" {
    project_id: S, unit_id: S, name: S, approved_on: Option<D>, decision_id: S,
    budget: Option<Money>, start_on: Option<D>, planned_completion_on: Option<D>,
    completed_on: Option<D>, settlement_amount: Option<Money>,
});

record!(Milestone => "milestones" { contract_id: S, certified_on: D, completion_pct: f64 });

record!(Asset => "assets" {
    asset_id: S, unit_id: S, name: S, category: S, value: Option<Money>, status: E,
    disposed_on: Option<D>, disposal_price: Option<Money>, valuation: Option<Money>, buyer_name: S,
});

record!(Sanction => "sanctions" {
    name: S, uscc: S, company_id: S, listed_on: D, until: Option<D>, authority: S,
});

record!(Benefit => "benefits" {
    benefit_id: S, recipient_name: S, recipient_resident_id: S, program: S, amount: Money,
    paid_on: D,
});
