//! Injected anomalies and honest look-alikes, one module per rule category.
//!
//! Every injection builds on the same builders as normal activity and then bends one
//! thing, so the rest of the scenario stays ordinary; each records its kind, subject and
//! the exact rows in the ground truth. Where one scenario necessarily also satisfies
//! another rule (a conflicted voter's relative is also a related supplier), both kinds
//! are recorded. Counts are per `small` and multiply with the scale.

mod ast;
mod bidding;
mod coi;
mod con;
mod dec;
mod exp;
mod fun;
mod meetings;
mod per;
mod pro;

use rand::Rng;

use crate::suppliers;
use crate::truth::{Category, RowRef};
use crate::world::World;
use crate::writer::Record;

/// An anomaly kind the generator injects.
#[derive(Clone, Copy, Debug)]
pub struct KindInfo {
    pub kind: &'static str,
    pub category: Category,
    pub title_zh: &'static str,
}

macro_rules! kinds {
    ($($k:literal $c:ident $t:literal),* $(,)?) => {
        /// Every anomaly kind, in catalogue order.
        pub static KINDS: &[KindInfo] = &[$(KindInfo { kind: $k, category: Category::$c, title_zh: $t }),*];
    };
}

kinds! {
    "dec_large_payment_no_decision" DEC "大额资金支付无集体决策",
    "dec_decision_after_fact" DEC "先支付后决策",
    "dec_no_quorum" DEC "会议不足法定人数",
    "dec_head_not_last" DEC "主要负责人未末位表态",
    "dec_conflicted_voter" DEC "利害关系人未回避表决",
    "dec_split_decision" DEC "拆分事项规避集体决策",
    "dec_individual_major" DEC "重大事项个人决定",
    "dec_execution_exceeds" DEC "执行金额超出决策",
    "dec_rubber_stamp" DEC "决策从无异议（橡皮图章）",
    "dec_threshold_too_high" DEC "大额资金标准明显偏高",
    "pro_single_bid" PRO "公开招标仅一家投标",
    "pro_few_bidders" PRO "投标人不足三家",
    "pro_short_period" PRO "招标公告期过短",
    "pro_single_source_unjustified" PRO "单一来源无理由",
    "pro_split_purchase" PRO "化整为零拆分采购",
    "pro_just_below_threshold" PRO "金额卡在招标限额下",
    "pro_shared_ip" PRO "投标人IP地址相同",
    "pro_shared_mac" PRO "投标人机器码相同",
    "pro_shared_file_hash" PRO "投标文件哈希相同",
    "pro_shared_author" PRO "投标文件作者相同",
    "pro_shared_deposit_account" PRO "保证金从同一账户缴纳",
    "pro_shared_contact" PRO "投标人联系电话相同",
    "pro_shared_shareholder" PRO "投标人股东相同",
    "pro_identical_prices" PRO "投标报价完全相同",
    "pro_price_pattern" PRO "投标报价呈等差规律",
    "pro_low_bid_variance" PRO "投标报价离散度异常低",
    "pro_bid_rotation" PRO "围标轮流中标",
    "pro_cover_bidder" PRO "陪标（屡投不中）",
    "pro_winner_near_estimate" PRO "中标价贴近控制价",
    "pro_late_bid_won" PRO "逾期投标却中标",
    "pro_debarred_winner" PRO "失信企业中标",
    "pro_shell_winner" PRO "空壳或新设企业中标大额合同",
    "pro_lowest_disqualified" PRO "最低价投标被否决",
    "pro_all_but_winner_disqualified" PRO "除中标人外全部废标",
    "pro_award_above_estimate" PRO "中标价高于预算",
    "pro_work_before_award" PRO "先开工后定标",
    "fun_duplicate_payment" FUN "重复支付",
    "fun_no_contract" FUN "大额支付无合同",
    "fun_over_contract" FUN "累计支付超合同金额",
    "fun_nonworking_day_payment" FUN "节假日或周末支付",
    "fun_self_approval" FUN "经办人自审自批",
    "fun_payee_is_employee" FUN "供应商款项付给本单位职工",
    "fun_payee_account_staff" FUN "供应商收款账户为职工账户",
    "fun_payee_account_relative" FUN "供应商收款账户为特定关系人账户",
    "fun_large_cash" FUN "大额现金支付",
    "fun_monthly_surge" FUN "月度支出突增",
    "fun_benford_fabricated" FUN "收款方金额分布异常（疑似虚构）",
    "fun_round_amounts" FUN "整数金额集中",
    "exp_over_standard_hotel" EXP "住宿费超标准",
    "exp_luxury_venue" EXP "高档场所消费",
    "exp_tobacco_liquor" EXP "烟酒发票报销",
    "exp_split_invoices" EXP "拆分发票报销",
    "exp_impossible_travel" EXP "同日异地报销",
    "exp_claim_on_leave" EXP "请假期间报销",
    "exp_duplicate_invoice" EXP "同一发票重复报销",
    "exp_consecutive_invoices" EXP "连号发票报销",
    "exp_office_supplies_spike" EXP "大额办公用品报销",
    "exp_reception_over_standard" EXP "公务接待超标准",
    "per_ghost_employee" PER "吃空饷（有薪无勤）",
    "per_paid_after_leaving" PER "离职后继续发薪",
    "per_allowance_not_in_catalogue" PER "发放目录外津补贴",
    "per_allowance_above_standard" PER "津补贴超标准",
    "per_pay_outlier" PER "薪酬远高于同级",
    "per_procedure_skipped" PER "选拔任用程序缺失",
    "per_procedure_out_of_order" PER "选拔任用程序倒置",
    "per_relatives_incompatible_posts" PER "亲属在不相容岗位",
    "per_relatives_superior_subordinate" PER "亲属上下级关系",
    "coi_relative_company_supplier" COI "特定关系人企业为供应商",
    "coi_staff_shareholder" COI "职工持股供应商",
    "coi_staff_director" COI "职工在企业兼职任职",
    "coi_shared_phone" COI "职工与供应商电话相同",
    "coi_shared_address" COI "职工与供应商地址相同",
    "coi_former_staff_supplier" COI "离职人员经营供应商（旋转门）",
    "coi_relative_on_benefits" COI "干部亲属领取低保",
    "coi_approver_related_payee" COI "审批人与收款方关联",
    "ast_holiday_car_use" AST "节假日公车私用",
    "ast_fuel_above_tank" AST "加油量超油箱容积",
    "ast_repeated_fills" AST "同日多次加油",
    "ast_non_fuel_goods" AST "油卡购买非油品",
    "ast_fuel_outside_area" AST "异地加油",
    "ast_card_car_apart" AST "油卡与车辆轨迹不符",
    "ast_fixed_private_route" AST "固定私人路线",
    "ast_disposal_cheap" AST "资产低价处置",
    "ast_disposal_to_related" AST "资产处置给关联方",
    "con_large_change_order" CON "工程变更金额过大",
    "con_many_amendments" CON "合同多次变更",
    "con_payment_ahead_of_progress" CON "超进度付款",
    "con_split_to_avoid_tender" CON "工程拆分规避招标",
    "con_start_before_approval" CON "未批先建",
    "con_subcontract_to_loser" CON "分包给落标人",
    "con_completion_too_fast" CON "工期异常短（疑似虚假工程）",
    "con_settlement_over_budget" CON "结算超概算",
}

/// Instances for a base count at this scale.
pub(crate) fn n(w: &World, base: usize) -> usize {
    base * w.p.mult
}

/// A row reference by record.
pub(crate) fn r<R: Record>(rec: &R) -> RowRef {
    RowRef::of(rec)
}

/// A fresh company kept out of ordinary activity.
pub(crate) fn fresh_company(w: &mut World, rng: &mut impl Rng, category: &'static str) -> usize {
    let founded =
        chrono::NaiveDate::from_yo_opt(rng.random_range(2008..2021), rng.random_range(1..360))
            .expect("valid day");
    let c = suppliers::new_company(w, rng, category, founded);
    w.cm[c].reserved = true;
    c
}

/// Structural anomalies: decisions, procurement, payments, projects, related parties.
pub fn structure(w: &mut World) {
    dec::structure(w);
    pro::inject(w);
    fun::inject(w);
    con::inject(w);
    coi::inject(w);
    per::structure(w);
}

/// Anomalies in claims, once trips and leave are known.
pub fn activity(w: &mut World) {
    exp::inject(w);
}

/// Anomalies in payroll, vehicles, assets and benefits, and meetings before votes.
pub fn after_activity(w: &mut World) {
    per::pay(w);
    ast::inject(w);
    coi::benefits(w);
    meetings::quorum_and_boards(w);
}

/// Anomalies in the recorded votes.
pub fn votes(w: &mut World) {
    meetings::votes(w);
}
