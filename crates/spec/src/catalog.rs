//! The datasets of the data exchange specification (数据交换规范) v1.
//!
//! Field names are the lake's column names and what rules query; `aliases` are the
//! headers that finance, HR, procurement, OA and vehicle systems commonly export.

use crate::model::FieldType::{
    Amount, BankAccount, BankCard, Bool, Code, Date, DateTime, Email, Enum, Integer, Number, Phone,
    ResidentId, Text, Uscc,
};
use crate::model::{Dataset, Field, opt, req};

pub const SPEC_VERSION: &str = "1.0";

const RELATIONS: &[&str] = &["spouse", "child", "parent", "sibling", "in_law", "other"];
const LINK_ROLES: &[&str] = &[
    "shareholder",
    "director",
    "legal_representative",
    "supervisor",
    "manager",
    "contact",
];
const UNIT_KINDS: &[&str] = &["unit", "department", "subsidiary"];
const UNIT_FUNCTIONS: &[&str] = &[
    "leadership",
    "finance",
    "hr",
    "audit",
    "procurement",
    "discipline",
    "business",
    "logistics",
    "construction",
    "other",
];
const LEAVE_REASONS: &[&str] = &[
    "retired",
    "resigned",
    "dismissed",
    "deceased",
    "transferred",
];
const PAY_METHODS: &[&str] = &["transfer", "cash", "card", "cheque"];
const EXPENSE_KINDS: &[&str] = &[
    "travel",
    "hotel",
    "meal",
    "reception",
    "transport",
    "office_supplies",
    "training",
    "conference",
    "vehicle",
    "other",
];
const CONTRACT_KINDS: &[&str] = &["goods", "services", "works"];
const TENDER_METHODS: &[&str] = &[
    "open",
    "invited",
    "competitive_negotiation",
    "competitive_consultation",
    "inquiry",
    "single_source",
];
const MEETING_KINDS: &[&str] = &["party_committee", "executive_meeting", "board", "other"];
const VOTES: &[&str] = &["for", "against", "abstain"];
const MAJOR_CATEGORIES: &[&str] = &[
    "major_decision",
    "key_appointment",
    "major_project",
    "large_fund",
];
const OUTCOMES: &[&str] = &["approved", "rejected", "deferred"];
const DECIDED_BY: &[&str] = &["meeting", "individual"];
const ATTENDANCE: &[&str] = &["present", "leave", "business_trip", "absent", "rest"];
const FUEL_PRODUCTS: &[&str] = &["gasoline", "diesel", "electric", "non_fuel"];
const ASSET_STATUS: &[&str] = &["in_use", "idle", "disposed"];

macro_rules! dataset {
    ($name:literal, $zh:literal, $en:literal, $doc:literal, key = [$($k:literal),*], [$($f:expr),* $(,)?]) => {
        Dataset { name: $name, zh: $zh, en: $en, doc: $doc, key: &[$($k),*], fields: &[$($f),*] }
    };
}

const UNIT: Field = req(
    "unit_id",
    Code,
    "单位部门编码",
    "Unit id",
    "发生业务的单位或部门，对应 org_units.unit_id",
    &[
        "部门编码",
        "部门代码",
        "单位编码",
        "dept_id",
        "department_id",
        "部门ID",
    ],
);
const OPT_UNIT: Field = opt(
    "unit_id",
    Code,
    "单位部门编码",
    "Unit id",
    "所属单位或部门，对应 org_units.unit_id",
    &[
        "部门编码",
        "部门代码",
        "单位编码",
        "dept_id",
        "department_id",
        "部门ID",
    ],
);

/// Every dataset, in the order the docs list them.
pub static DATASETS: &[Dataset] = &[
    dataset!(
        "org_units",
        "组织机构",
        "Organisation units",
        "单位、部门与下属企业，含大额资金标准",
        key = ["unit_id"],
        [
            req(
                "unit_id",
                Code,
                "单位部门编码",
                "Unit id",
                "唯一编码",
                &["部门编码", "部门代码", "机构编码", "dept_id"]
            ),
            req(
                "name",
                Text,
                "名称",
                "Name",
                "单位或部门名称",
                &["部门名称", "机构名称", "单位名称"]
            ),
            opt(
                "parent_id",
                Code,
                "上级编码",
                "Parent id",
                "上级单位或部门编码",
                &["上级部门编码", "上级机构"]
            ),
            opt(
                "kind",
                Enum(UNIT_KINDS),
                "类型",
                "Kind",
                "unit 单位、department 部门、subsidiary 下属企业",
                &["机构类型"]
            ),
            opt(
                "function",
                Enum(UNIT_FUNCTIONS),
                "职能",
                "Function",
                "财务、人事、审计等职能，用于不相容岗位与亲属回避检查",
                &["部门职能"]
            ),
            opt(
                "head_person_id",
                Code,
                "主要负责人",
                "Head of unit",
                "一把手的人员编号",
                &["负责人编号", "一把手"]
            ),
            opt(
                "large_fund_threshold",
                Amount,
                "大额资金标准",
                "Large-fund threshold",
                "须集体决策的大额资金标准（元）",
                &["大额资金标准(元)"]
            ),
            opt(
                "tender_threshold",
                Amount,
                "招标限额",
                "Tender threshold",
                "须公开招标的限额（元）",
                &["公开招标限额"]
            ),
        ]
    ),
    dataset!(
        "persons",
        "人员",
        "Persons",
        "在职、离职与退休人员",
        key = ["person_id"],
        [
            req(
                "person_id",
                Code,
                "人员编号",
                "Person id",
                "唯一编号（工号）",
                &["工号", "员工编号", "职工号", "staff_id", "employee_id"]
            ),
            req(
                "name",
                Text,
                "姓名",
                "Name",
                "姓名",
                &["员工姓名", "职工姓名"]
            ),
            opt(
                "resident_id",
                ResidentId,
                "身份证号",
                "Resident id",
                "公民身份号码",
                &["身份证号码", "公民身份号码", "证件号码", "id_number"]
            ),
            opt(
                "gender",
                Enum(&["male", "female"]),
                "性别",
                "Gender",
                "male 男 / female 女",
                &[]
            ),
            opt(
                "birth_date",
                Date,
                "出生日期",
                "Birth date",
                "出生日期",
                &["出生年月"]
            ),
            req(
                "unit_id",
                Code,
                "单位部门编码",
                "Unit id",
                "所在部门",
                &["部门编码", "部门代码", "dept_id", "所在部门编码"]
            ),
            opt(
                "position",
                Text,
                "职务",
                "Position",
                "职务或岗位",
                &["岗位", "职位"]
            ),
            opt(
                "grade",
                Code,
                "职级",
                "Grade",
                "职级，用于报销标准与薪酬同级比较",
                &["级别", "职级代码"]
            ),
            opt(
                "is_head",
                Bool,
                "是否一把手",
                "Head of unit",
                "是否本单位主要负责人",
                &["一把手"]
            ),
            opt(
                "hire_date",
                Date,
                "入职日期",
                "Hire date",
                "入职日期",
                &["参加工作日期", "入职时间"]
            ),
            opt(
                "leave_date",
                Date,
                "离职日期",
                "Leave date",
                "离职、退休或死亡日期",
                &["离职时间", "退休日期"]
            ),
            opt(
                "leave_reason",
                Enum(LEAVE_REASONS),
                "离职原因",
                "Leave reason",
                "retired 退休、resigned 辞职、dismissed 辞退、deceased 死亡、transferred 调出",
                &[]
            ),
            opt(
                "phone",
                Phone,
                "手机号",
                "Phone",
                "联系电话",
                &["手机", "联系电话", "电话", "mobile"]
            ),
            opt(
                "bank_account",
                BankCard,
                "工资卡号",
                "Salary card",
                "工资卡号",
                &["银行卡号", "工资账号", "银行账号"]
            ),
            opt(
                "address",
                Text,
                "住址",
                "Address",
                "家庭住址",
                &["家庭住址", "联系地址"]
            ),
            opt("email", Email, "电子邮箱", "E-mail", "电子邮箱", &["邮箱"]),
        ]
    ),
    dataset!(
        "person_relations",
        "特定关系人",
        "Person relations",
        "配偶、子女、父母、兄弟姐妹等特定关系人（个人有关事项报告）",
        key = ["person_id", "relative_name", "relation"],
        [
            req(
                "person_id",
                Code,
                "人员编号",
                "Person id",
                "本人编号",
                &["工号", "本人工号"]
            ),
            req(
                "relative_name",
                Text,
                "关系人姓名",
                "Relative name",
                "特定关系人姓名",
                &["亲属姓名", "家属姓名"]
            ),
            req(
                "relation",
                Enum(RELATIONS),
                "关系",
                "Relation",
                "spouse 配偶、child 子女、parent 父母、sibling 兄弟姐妹、in_law 姻亲、other 其他特定关系人",
                &["称谓", "与本人关系"]
            ),
            opt(
                "relative_resident_id",
                ResidentId,
                "关系人身份证号",
                "Relative resident id",
                "关系人公民身份号码",
                &["亲属身份证号"]
            ),
            opt(
                "relative_person_id",
                Code,
                "关系人人员编号",
                "Relative person id",
                "关系人若为本单位人员，其编号",
                &["亲属工号"]
            ),
            opt(
                "relative_phone",
                Phone,
                "关系人电话",
                "Relative phone",
                "关系人电话",
                &["亲属电话"]
            ),
            opt(
                "relative_bank_account",
                BankAccount,
                "关系人账号",
                "Relative account",
                "关系人银行账号",
                &["亲属账号"]
            ),
            opt(
                "relative_employer",
                Text,
                "关系人工作单位",
                "Relative employer",
                "关系人工作单位",
                &["工作单位"]
            ),
        ]
    ),
    dataset!(
        "companies",
        "企业",
        "Companies",
        "供应商、投标人与关联企业（工商登记信息）",
        key = ["company_id"],
        [
            req(
                "company_id",
                Code,
                "企业编号",
                "Company id",
                "本系统内企业编号",
                &[
                    "供应商编号",
                    "供应商编码",
                    "企业编码",
                    "supplier_id",
                    "vendor_id"
                ]
            ),
            req(
                "name",
                Text,
                "企业名称",
                "Company name",
                "企业名称",
                &["供应商名称", "单位名称", "公司名称"]
            ),
            opt(
                "uscc",
                Uscc,
                "统一社会信用代码",
                "USCC",
                "统一社会信用代码",
                &["信用代码", "社会信用代码", "credit_code"]
            ),
            opt(
                "legal_rep_name",
                Text,
                "法定代表人",
                "Legal representative",
                "法定代表人姓名",
                &["法人", "法人代表"]
            ),
            opt(
                "legal_rep_resident_id",
                ResidentId,
                "法定代表人身份证号",
                "Legal rep. resident id",
                "法定代表人公民身份号码",
                &["法人身份证号"]
            ),
            opt(
                "registered_capital",
                Amount,
                "注册资本",
                "Registered capital",
                "注册资本（元）",
                &["注册资金"]
            ),
            opt(
                "founded_on",
                Date,
                "成立日期",
                "Founded on",
                "成立日期",
                &["注册日期", "成立时间"]
            ),
            opt(
                "address",
                Text,
                "注册地址",
                "Address",
                "注册或经营地址",
                &["地址", "经营地址"]
            ),
            opt(
                "phone",
                Phone,
                "联系电话",
                "Phone",
                "联系电话",
                &["电话", "联系方式"]
            ),
            opt("email", Email, "电子邮箱", "E-mail", "电子邮箱", &["邮箱"]),
            opt(
                "bank_account",
                BankAccount,
                "银行账号",
                "Bank account",
                "对公账户",
                &["开户账号", "收款账号", "账号"]
            ),
            opt(
                "staff_count",
                Integer,
                "参保人数",
                "Staff count",
                "参保或从业人数",
                &["从业人数", "员工人数"]
            ),
        ]
    ),
    dataset!(
        "company_links",
        "企业关联人",
        "Company links",
        "股东（持股比例）、董事、法定代表人、监事、高管、联系人",
        key = ["company_id", "party_name", "role"],
        [
            req(
                "company_id",
                Code,
                "企业编号",
                "Company id",
                "企业编号",
                &["供应商编号"]
            ),
            req(
                "party_name",
                Text,
                "关联人名称",
                "Party name",
                "自然人姓名或企业名称",
                &["股东名称", "人员姓名", "姓名"]
            ),
            req(
                "role",
                Enum(LINK_ROLES),
                "角色",
                "Role",
                "shareholder 股东、director 董事、legal_representative 法定代表人、supervisor 监事、manager 高管、contact 联系人",
                &["职务", "关联类型"]
            ),
            opt(
                "party_resident_id",
                ResidentId,
                "关联人身份证号",
                "Party resident id",
                "自然人公民身份号码",
                &["身份证号"]
            ),
            opt(
                "party_company_id",
                Code,
                "关联企业编号",
                "Party company id",
                "股东为企业时其编号",
                &["股东企业编号"]
            ),
            opt(
                "party_phone",
                Phone,
                "关联人电话",
                "Party phone",
                "联系电话",
                &["电话"]
            ),
            opt(
                "share_pct",
                Number,
                "持股比例",
                "Share (%)",
                "持股比例（百分数）",
                &["持股比例(%)", "股比"]
            ),
            opt(
                "since",
                Date,
                "起始日期",
                "Since",
                "任职或持股起始日期",
                &["任职日期"]
            ),
            opt(
                "until",
                Date,
                "终止日期",
                "Until",
                "任职或持股终止日期",
                &["离任日期"]
            ),
        ]
    ),
    dataset!(
        "payments",
        "付款",
        "Payments",
        "资金支付流水（财务系统导出）",
        key = ["payment_id"],
        [
            req(
                "payment_id",
                Code,
                "付款编号",
                "Payment id",
                "付款或凭证唯一编号",
                &["凭证号", "支付编号", "流水号", "单据号", "voucher_no"]
            ),
            UNIT,
            req(
                "paid_on",
                Date,
                "付款日期",
                "Paid on",
                "付款日期",
                &["支付日期", "记账日期", "日期"]
            ),
            opt(
                "approved_at",
                DateTime,
                "审批时间",
                "Approved at",
                "最后审批时间",
                &["审批日期", "批准时间"]
            ),
            req(
                "amount",
                Amount,
                "金额",
                "Amount",
                "付款金额（元）",
                &["付款金额", "支付金额", "金额(元)", "发生额"]
            ),
            req(
                "payee_name",
                Text,
                "收款人",
                "Payee",
                "收款单位或个人名称",
                &["收款单位", "收款方", "收款人名称", "对方户名"]
            ),
            opt(
                "payee_company_id",
                Code,
                "收款企业编号",
                "Payee company id",
                "收款方为企业时其编号",
                &["供应商编号", "供应商编码"]
            ),
            opt(
                "payee_person_id",
                Code,
                "收款人员编号",
                "Payee person id",
                "收款方为本单位人员时其编号",
                &["收款人工号"]
            ),
            opt(
                "payee_account",
                BankAccount,
                "收款账号",
                "Payee account",
                "收款银行账号",
                &["收款账户", "对方账号"]
            ),
            opt(
                "purpose",
                Text,
                "用途",
                "Purpose",
                "付款用途或摘要",
                &["摘要", "付款事由", "事由"]
            ),
            opt(
                "budget_line",
                Code,
                "预算科目",
                "Budget line",
                "预算或会计科目",
                &["科目", "会计科目", "预算项目"]
            ),
            opt(
                "contract_id",
                Code,
                "合同编号",
                "Contract id",
                "对应合同编号",
                &["合同号"]
            ),
            opt(
                "invoice_no",
                Code,
                "发票号码",
                "Invoice no.",
                "发票号码",
                &["发票号"]
            ),
            opt(
                "method",
                Enum(PAY_METHODS),
                "支付方式",
                "Method",
                "transfer 转账、cash 现金、card 公务卡、cheque 支票",
                &["结算方式"]
            ),
            opt(
                "applicant_id",
                Code,
                "经办人",
                "Applicant",
                "经办或申请人编号",
                &["申请人", "经办人编号"]
            ),
            opt(
                "approver_id",
                Code,
                "审批人",
                "Approver",
                "审批人编号",
                &["审批人编号", "批准人"]
            ),
        ]
    ),
    dataset!(
        "expense_claims",
        "报销",
        "Expense claims",
        "差旅、接待、办公等报销单据",
        key = ["claim_id"],
        [
            req(
                "claim_id",
                Code,
                "报销单号",
                "Claim id",
                "报销单或明细行编号",
                &["单据号", "报销编号"]
            ),
            req(
                "person_id",
                Code,
                "报销人",
                "Claimant",
                "报销人编号",
                &["报销人编号", "工号"]
            ),
            OPT_UNIT,
            req(
                "claimed_on",
                Date,
                "报销日期",
                "Claimed on",
                "报销提交日期",
                &["提交日期", "报账日期"]
            ),
            req(
                "expense_date",
                Date,
                "费用发生日期",
                "Expense date",
                "费用实际发生日期",
                &["发生日期", "消费日期"]
            ),
            req(
                "kind",
                Enum(EXPENSE_KINDS),
                "费用类型",
                "Kind",
                "travel 差旅、hotel 住宿、meal 餐费、reception 公务接待、transport 交通、office_supplies 办公用品、training 培训、conference 会议、vehicle 车辆、other 其他",
                &["费用类别", "报销类型"]
            ),
            req(
                "amount",
                Amount,
                "金额",
                "Amount",
                "报销金额（元）",
                &["报销金额", "金额(元)"]
            ),
            opt(
                "merchant",
                Text,
                "商户",
                "Merchant",
                "开票方或消费商户",
                &["开票单位", "销售方", "商户名称"]
            ),
            opt(
                "merchant_category",
                Code,
                "商户类别",
                "Merchant category",
                "商户类别（如 luxury_restaurant、tobacco_liquor、club、resort、hotel、restaurant）",
                &["商户类型"]
            ),
            opt(
                "invoice_no",
                Code,
                "发票号码",
                "Invoice no.",
                "发票号码",
                &["发票号"]
            ),
            opt(
                "city",
                Text,
                "城市",
                "City",
                "费用发生城市",
                &["发生地", "出差地"]
            ),
            opt(
                "nights",
                Integer,
                "天数",
                "Days",
                "住宿晚数或出差天数",
                &["晚数", "出差天数"]
            ),
            opt(
                "guests",
                Integer,
                "接待人数",
                "Guests",
                "公务接待人数",
                &["陪餐人数"]
            ),
            opt(
                "approver_id",
                Code,
                "审批人",
                "Approver",
                "审批人编号",
                &["审批人编号"]
            ),
            opt(
                "description",
                Text,
                "事由",
                "Description",
                "报销事由",
                &["摘要", "备注"]
            ),
        ]
    ),
    dataset!(
        "contracts",
        "合同",
        "Contracts",
        "采购、服务与工程合同",
        key = ["contract_id"],
        [
            req(
                "contract_id",
                Code,
                "合同编号",
                "Contract id",
                "合同编号",
                &["合同号"]
            ),
            UNIT,
            opt(
                "tender_id",
                Code,
                "招标编号",
                "Tender id",
                "对应招标项目",
                &["项目编号", "采购项目编号"]
            ),
            req(
                "supplier_company_id",
                Code,
                "供应商编号",
                "Supplier id",
                "签约供应商",
                &["供应商编码", "乙方编号"]
            ),
            opt("title", Text, "合同名称", "Title", "合同名称", &["名称"]),
            opt(
                "kind",
                Enum(CONTRACT_KINDS),
                "合同类型",
                "Kind",
                "goods 货物、services 服务、works 工程",
                &["类型"]
            ),
            req(
                "amount",
                Amount,
                "合同金额",
                "Amount",
                "签约金额（元）",
                &["金额", "合同价款"]
            ),
            req(
                "signed_on",
                Date,
                "签订日期",
                "Signed on",
                "签订日期",
                &["签约日期"]
            ),
            opt(
                "start_on",
                Date,
                "开工日期",
                "Start on",
                "开工或履约开始日期",
                &["开始日期"]
            ),
            opt(
                "planned_end_on",
                Date,
                "计划完成日期",
                "Planned end",
                "合同约定完成日期",
                &["合同工期截止"]
            ),
            opt(
                "completed_on",
                Date,
                "实际完成日期",
                "Completed on",
                "实际完成或竣工日期",
                &["竣工日期"]
            ),
            opt(
                "project_id",
                Code,
                "工程项目编号",
                "Project id",
                "所属工程项目",
                &["项目编码"]
            ),
            opt(
                "parent_contract_id",
                Code,
                "主合同编号",
                "Parent contract",
                "分包合同对应的总包合同",
                &["总包合同"]
            ),
        ]
    ),
    dataset!(
        "contract_changes",
        "合同变更",
        "Contract changes",
        "合同变更、签证与补充协议",
        key = ["change_id"],
        [
            req(
                "change_id",
                Code,
                "变更编号",
                "Change id",
                "变更编号",
                &["签证编号"]
            ),
            req(
                "contract_id",
                Code,
                "合同编号",
                "Contract id",
                "合同编号",
                &["合同号"]
            ),
            req(
                "changed_on",
                Date,
                "变更日期",
                "Changed on",
                "变更日期",
                &["签证日期"]
            ),
            req(
                "amount_delta",
                Amount,
                "变更金额",
                "Amount change",
                "增减金额（元，减少为负）",
                &["增减金额", "变更金额(元)"]
            ),
            opt("reason", Text, "变更原因", "Reason", "变更原因", &["原因"]),
            opt(
                "approved_by",
                Code,
                "批准人",
                "Approved by",
                "批准人编号",
                &["审批人"]
            ),
        ]
    ),
    dataset!(
        "tenders",
        "招标项目",
        "Tenders",
        "招标采购项目",
        key = ["tender_id"],
        [
            req(
                "tender_id",
                Code,
                "招标编号",
                "Tender id",
                "项目编号",
                &["项目编号", "采购项目编号", "标段编号"]
            ),
            UNIT,
            opt("title", Text, "项目名称", "Title", "项目名称", &["名称"]),
            opt(
                "category",
                Code,
                "采购品目",
                "Category",
                "采购品目或类别",
                &["品目"]
            ),
            req(
                "method",
                Enum(TENDER_METHODS),
                "采购方式",
                "Method",
                "open 公开招标、invited 邀请招标、competitive_negotiation 竞争性谈判、competitive_consultation 竞争性磋商、inquiry 询价、single_source 单一来源",
                &["招标方式"]
            ),
            opt(
                "estimate",
                Amount,
                "预算金额",
                "Estimate",
                "预算或最高限价（元）",
                &["控制价", "最高限价", "预算"]
            ),
            opt(
                "published_on",
                Date,
                "公告日期",
                "Published on",
                "招标公告发布日期",
                &["发布日期"]
            ),
            opt(
                "deadline_at",
                DateTime,
                "投标截止时间",
                "Deadline",
                "投标截止时间",
                &["截止时间"]
            ),
            opt(
                "awarded_on",
                Date,
                "中标日期",
                "Awarded on",
                "定标或中标通知日期",
                &["定标日期"]
            ),
            opt(
                "winner_company_id",
                Code,
                "中标人编号",
                "Winner id",
                "中标供应商编号",
                &["中标人"]
            ),
            opt(
                "award_amount",
                Amount,
                "中标金额",
                "Award amount",
                "中标金额（元）",
                &["成交金额"]
            ),
            opt(
                "agent",
                Text,
                "代理机构",
                "Agent",
                "招标代理机构",
                &["招标代理"]
            ),
            opt(
                "single_source_reason",
                Text,
                "单一来源理由",
                "Single-source reason",
                "非竞争方式的理由代码或说明",
                &["理由"]
            ),
            opt(
                "project_id",
                Code,
                "工程项目编号",
                "Project id",
                "所属工程项目",
                &[]
            ),
        ]
    ),
    dataset!(
        "bids",
        "投标",
        "Bids",
        "投标文件与电子招投标平台记录（含机器码、保证金账户）",
        key = ["bid_id"],
        [
            req(
                "bid_id",
                Code,
                "投标编号",
                "Bid id",
                "投标记录编号",
                &["投标记录号"]
            ),
            req(
                "tender_id",
                Code,
                "招标编号",
                "Tender id",
                "项目编号",
                &["项目编号"]
            ),
            req(
                "company_id",
                Code,
                "投标人编号",
                "Bidder id",
                "投标企业编号",
                &["投标人", "供应商编号"]
            ),
            req(
                "amount",
                Amount,
                "投标报价",
                "Bid amount",
                "投标报价（元）",
                &["报价", "投标金额"]
            ),
            opt(
                "submitted_at",
                DateTime,
                "递交时间",
                "Submitted at",
                "投标文件递交时间",
                &["上传时间", "投标时间"]
            ),
            opt(
                "ip",
                Code,
                "IP 地址",
                "IP address",
                "上传投标文件的 IP",
                &["IP", "ip地址"]
            ),
            opt(
                "mac",
                Code,
                "MAC 地址",
                "MAC address",
                "制作或上传机器的 MAC 地址（机器码）",
                &["MAC", "机器码", "网卡地址"]
            ),
            opt(
                "file_hash",
                Code,
                "文件哈希",
                "File hash",
                "投标文件哈希",
                &["文件MD5", "文件摘要"]
            ),
            opt(
                "document_author",
                Text,
                "文档作者",
                "Document author",
                "投标文件元数据中的作者",
                &["文件作者", "编制人"]
            ),
            opt(
                "deposit_account",
                BankAccount,
                "保证金账户",
                "Deposit account",
                "缴纳投标保证金的银行账号",
                &["保证金缴纳账号"]
            ),
            opt(
                "phone",
                Phone,
                "联系电话",
                "Phone",
                "投标联系人电话",
                &["联系人电话"]
            ),
            opt(
                "contact_person",
                Text,
                "联系人",
                "Contact person",
                "投标联系人",
                &["投标联系人"]
            ),
            opt(
                "is_winner",
                Bool,
                "是否中标",
                "Winner",
                "是否中标",
                &["中标"]
            ),
            opt(
                "disqualified",
                Bool,
                "是否废标",
                "Disqualified",
                "是否被否决或废标",
                &["否决", "无效标"]
            ),
            opt(
                "disqualify_reason",
                Text,
                "否决原因",
                "Disqualification reason",
                "否决原因",
                &[]
            ),
        ]
    ),
    dataset!(
        "meetings",
        "会议",
        "Meetings",
        "党委会、办公会等决策会议",
        key = ["meeting_id"],
        [
            req(
                "meeting_id",
                Code,
                "会议编号",
                "Meeting id",
                "会议编号",
                &["会议号"]
            ),
            UNIT,
            opt(
                "kind",
                Enum(MEETING_KINDS),
                "会议类型",
                "Kind",
                "party_committee 党委会、executive_meeting 办公会、board 董事会、other 其他",
                &["类型"]
            ),
            req(
                "held_on",
                Date,
                "会议日期",
                "Held on",
                "召开日期",
                &["召开日期", "日期"]
            ),
            req(
                "members_total",
                Integer,
                "应到人数",
                "Members",
                "应出席人数",
                &["应到"]
            ),
            req(
                "attendees",
                Integer,
                "实到人数",
                "Attendees",
                "实际出席人数",
                &["实到"]
            ),
            opt(
                "chair_id",
                Code,
                "主持人",
                "Chair",
                "主持人编号",
                &["主持人编号"]
            ),
        ]
    ),
    dataset!(
        "meeting_votes",
        "会议表决",
        "Meeting votes",
        "议题表决与发言顺序（末位表态、回避）",
        key = ["meeting_id", "decision_id", "person_id"],
        [
            req(
                "meeting_id",
                Code,
                "会议编号",
                "Meeting id",
                "会议编号",
                &[]
            ),
            req(
                "decision_id",
                Code,
                "决策编号",
                "Decision id",
                "议题或决策编号",
                &["议题编号"]
            ),
            req(
                "person_id",
                Code,
                "参会人员",
                "Member",
                "参会人员编号",
                &["人员编号", "工号"]
            ),
            req(
                "vote",
                Enum(VOTES),
                "表决意见",
                "Vote",
                "for 同意、against 反对、abstain 弃权",
                &["意见"]
            ),
            opt(
                "speaking_order",
                Integer,
                "发言顺序",
                "Speaking order",
                "发言顺序（1 为最先）",
                &["发言次序"]
            ),
            opt(
                "recused",
                Bool,
                "是否回避",
                "Recused",
                "是否回避",
                &["回避"]
            ),
        ]
    ),
    dataset!(
        "decisions",
        "三重一大决策",
        "Decisions",
        "三重一大事项及其决策结果",
        key = ["decision_id"],
        [
            req(
                "decision_id",
                Code,
                "决策编号",
                "Decision id",
                "决策编号",
                &["议题编号", "事项编号"]
            ),
            UNIT,
            req(
                "category",
                Enum(MAJOR_CATEGORIES),
                "事项类别",
                "Category",
                "major_decision 重大事项决策、key_appointment 重要干部任免、major_project 重大项目安排、large_fund 大额资金使用",
                &["类别"]
            ),
            req(
                "title",
                Text,
                "事项名称",
                "Title",
                "事项名称",
                &["议题", "名称"]
            ),
            opt(
                "amount",
                Amount,
                "涉及金额",
                "Amount",
                "涉及金额（元）",
                &["金额"]
            ),
            opt(
                "meeting_id",
                Code,
                "会议编号",
                "Meeting id",
                "作出决策的会议",
                &[]
            ),
            req(
                "decided_on",
                Date,
                "决策日期",
                "Decided on",
                "决策日期",
                &["日期"]
            ),
            req(
                "decided_by",
                Enum(DECIDED_BY),
                "决策方式",
                "Decided by",
                "meeting 会议集体决策、individual 个人签批",
                &["决策形式"]
            ),
            req(
                "outcome",
                Enum(OUTCOMES),
                "决策结果",
                "Outcome",
                "approved 通过、rejected 否决、deferred 缓议",
                &["结果"]
            ),
            opt(
                "signer_id",
                Code,
                "签批人",
                "Signer",
                "个人签批时的签批人编号",
                &[]
            ),
            opt(
                "counterparty_company_id",
                Code,
                "相对方企业编号",
                "Counterparty",
                "事项相对方企业",
                &["相对方"]
            ),
            opt(
                "contract_id",
                Code,
                "合同编号",
                "Contract id",
                "执行该决策的合同",
                &[]
            ),
            opt(
                "project_id",
                Code,
                "工程项目编号",
                "Project id",
                "涉及的工程项目",
                &[]
            ),
            opt(
                "matter_ref",
                Code,
                "事项归集号",
                "Matter reference",
                "同一事项多次决策时的归集号",
                &[]
            ),
        ]
    ),
    dataset!(
        "appointments",
        "干部任免",
        "Appointments",
        "干部选拔任用及其程序节点",
        key = ["appointment_id"],
        [
            req(
                "appointment_id",
                Code,
                "任免编号",
                "Appointment id",
                "任免编号",
                &[]
            ),
            req(
                "person_id",
                Code,
                "人员编号",
                "Person id",
                "被任用人员",
                &["工号"]
            ),
            OPT_UNIT,
            opt(
                "from_position",
                Text,
                "原职务",
                "From position",
                "原职务",
                &[]
            ),
            req(
                "to_position",
                Text,
                "拟任职务",
                "To position",
                "新任职务",
                &["新职务"]
            ),
            req(
                "effective_on",
                Date,
                "任职日期",
                "Effective on",
                "任职生效日期",
                &["任职时间"]
            ),
            opt(
                "recommended_on",
                Date,
                "民主推荐日期",
                "Recommended on",
                "民主推荐日期（程序节点）",
                &["民主推荐"]
            ),
            opt(
                "inspected_on",
                Date,
                "考察日期",
                "Inspected on",
                "组织考察日期（程序节点）",
                &["考察"]
            ),
            opt(
                "notice_start_on",
                Date,
                "公示开始日期",
                "Notice start",
                "任前公示开始（程序节点）",
                &["公示开始"]
            ),
            opt(
                "notice_end_on",
                Date,
                "公示结束日期",
                "Notice end",
                "任前公示结束",
                &["公示结束"]
            ),
            opt(
                "decision_id",
                Code,
                "决策编号",
                "Decision id",
                "集体讨论决定的决策编号（程序节点）",
                &[]
            ),
        ]
    ),
    dataset!(
        "payroll",
        "工资发放",
        "Payroll",
        "工资、津贴补贴发放明细",
        key = ["person_id", "period", "item"],
        [
            req(
                "person_id",
                Code,
                "人员编号",
                "Person id",
                "人员编号",
                &["工号"]
            ),
            req(
                "period",
                Date,
                "所属期间",
                "Period",
                "工资所属月份（当月任意一天，按月归集）",
                &["月份", "发放月份", "工资月份"]
            ),
            req(
                "item",
                Code,
                "项目",
                "Item",
                "工资项目编码（base 基本工资、post 岗位工资、performance 绩效、或津补贴编码）",
                &["工资项目", "项目名称"]
            ),
            req(
                "amount",
                Amount,
                "金额",
                "Amount",
                "发放金额（元）",
                &["应发金额", "实发金额"]
            ),
            opt("paid_on", Date, "发放日期", "Paid on", "发放日期", &[]),
            opt(
                "bank_account",
                BankCard,
                "工资卡号",
                "Salary card",
                "收款工资卡号",
                &["银行卡号"]
            ),
        ]
    ),
    dataset!(
        "attendance",
        "考勤",
        "Attendance",
        "日考勤记录",
        key = ["person_id", "date"],
        [
            req(
                "person_id",
                Code,
                "人员编号",
                "Person id",
                "人员编号",
                &["工号"]
            ),
            req("date", Date, "日期", "Date", "考勤日期", &["考勤日期"]),
            req(
                "status",
                Enum(ATTENDANCE),
                "状态",
                "Status",
                "present 出勤、leave 请假、business_trip 出差、absent 缺勤、rest 休息",
                &["考勤状态"]
            ),
        ]
    ),
    dataset!(
        "allowance_catalogue",
        "津补贴目录",
        "Allowance catalogue",
        "批准的津贴补贴项目与标准",
        key = ["item", "grade"],
        [
            req(
                "item",
                Code,
                "项目",
                "Item",
                "津补贴项目编码",
                &["项目编码"]
            ),
            opt("name", Text, "名称", "Name", "项目名称", &[]),
            req(
                "grade",
                Code,
                "职级",
                "Grade",
                "适用职级（* 为全部）",
                &["级别"]
            ),
            req(
                "monthly_max",
                Amount,
                "月标准",
                "Monthly maximum",
                "每月最高标准（元）",
                &["标准"]
            ),
        ]
    ),
    dataset!(
        "expense_standards",
        "报销标准",
        "Expense standards",
        "差旅住宿、伙食等报销标准",
        key = ["kind", "grade", "city_tier"],
        [
            req(
                "kind",
                Enum(EXPENSE_KINDS),
                "费用类型",
                "Kind",
                "同报销的费用类型",
                &[]
            ),
            req("grade", Code, "职级", "Grade", "适用职级（* 为全部）", &[]),
            req(
                "city_tier",
                Code,
                "城市档次",
                "City tier",
                "城市档次（* 为全部）",
                &[]
            ),
            req(
                "daily_max",
                Amount,
                "每日标准",
                "Daily maximum",
                "每人每日（每晚）最高标准（元）",
                &["标准"]
            ),
        ]
    ),
    dataset!(
        "budgets",
        "预算",
        "Budgets",
        "预算科目与三公经费预警线",
        key = ["unit_id", "year", "budget_line"],
        [
            UNIT,
            req("year", Integer, "年度", "Year", "预算年度", &[]),
            req(
                "budget_line",
                Code,
                "预算科目",
                "Budget line",
                "预算科目",
                &["科目"]
            ),
            opt(
                "category",
                Code,
                "经费类别",
                "Category",
                "如 three_public_overseas、three_public_vehicle、three_public_reception",
                &[]
            ),
            req(
                "amount",
                Amount,
                "预算金额",
                "Amount",
                "预算金额（元）",
                &["金额"]
            ),
            opt(
                "warning_line",
                Amount,
                "预警线",
                "Warning line",
                "超出即预警的金额（元）",
                &[]
            ),
        ]
    ),
    dataset!(
        "vehicles",
        "公务车辆",
        "Vehicles",
        "公务用车台账",
        key = ["vehicle_id"],
        [
            req(
                "vehicle_id",
                Code,
                "车辆编号",
                "Vehicle id",
                "车辆编号",
                &[]
            ),
            req("plate", Code, "车牌号", "Plate", "车牌号", &["号牌"]),
            UNIT,
            opt("kind", Text, "车型", "Kind", "车型", &[]),
            opt(
                "tank_liters",
                Number,
                "油箱容积",
                "Tank (litres)",
                "油箱容积（升）",
                &["油箱容量"]
            ),
            opt("driver_id", Code, "驾驶员", "Driver", "专职驾驶员编号", &[]),
            opt(
                "fuel_card_no",
                Code,
                "油卡号",
                "Fuel card",
                "加油卡号",
                &["加油卡号"]
            ),
            opt(
                "base_city",
                Text,
                "所在城市",
                "Base city",
                "车辆常驻城市",
                &[]
            ),
        ]
    ),
    dataset!(
        "fuel_transactions",
        "加油记录",
        "Fuel transactions",
        "加油卡消费记录",
        key = ["txn_id"],
        [
            req(
                "txn_id",
                Code,
                "交易编号",
                "Transaction id",
                "交易流水号",
                &["流水号"]
            ),
            opt(
                "vehicle_id",
                Code,
                "车辆编号",
                "Vehicle id",
                "车辆编号",
                &[]
            ),
            opt(
                "card_no",
                Code,
                "油卡号",
                "Fuel card",
                "加油卡号",
                &["卡号"]
            ),
            req(
                "at",
                DateTime,
                "交易时间",
                "At",
                "交易时间",
                &["加油时间", "时间"]
            ),
            req(
                "liters",
                Number,
                "升数",
                "Litres",
                "加油量（升）",
                &["加油量"]
            ),
            req(
                "amount",
                Amount,
                "金额",
                "Amount",
                "金额（元）",
                &["消费金额"]
            ),
            opt(
                "product",
                Enum(FUEL_PRODUCTS),
                "商品",
                "Product",
                "gasoline 汽油、diesel 柴油、electric 充电、non_fuel 非油品",
                &["油品"]
            ),
            opt("station", Text, "加油站", "Station", "加油站", &["站点"]),
            opt("city", Text, "城市", "City", "加油站所在城市", &[]),
            opt("lat", Number, "纬度", "Latitude", "加油站纬度", &[]),
            opt("lon", Number, "经度", "Longitude", "加油站经度", &[]),
        ]
    ),
    dataset!(
        "vehicle_trips",
        "出车记录",
        "Vehicle trips",
        "派车单与车辆轨迹",
        key = ["trip_id"],
        [
            req(
                "trip_id",
                Code,
                "出车编号",
                "Trip id",
                "派车单号",
                &["派车单号"]
            ),
            req(
                "vehicle_id",
                Code,
                "车辆编号",
                "Vehicle id",
                "车辆编号",
                &[]
            ),
            opt("driver_id", Code, "驾驶员", "Driver", "驾驶员编号", &[]),
            req(
                "start_at",
                DateTime,
                "出车时间",
                "Start",
                "出车时间",
                &["开始时间"]
            ),
            opt(
                "end_at",
                DateTime,
                "回车时间",
                "End",
                "回车时间",
                &["结束时间"]
            ),
            opt("from_place", Text, "出发地", "From", "出发地", &[]),
            opt("to_place", Text, "目的地", "To", "目的地", &[]),
            opt(
                "km",
                Number,
                "里程",
                "Distance (km)",
                "行驶里程（公里）",
                &["公里数"]
            ),
            opt("purpose", Text, "事由", "Purpose", "用车事由", &[]),
            opt(
                "approved",
                Bool,
                "是否审批",
                "Approved",
                "是否有派车审批",
                &["已审批"]
            ),
            opt(
                "to_lat",
                Number,
                "目的地纬度",
                "To latitude",
                "目的地纬度",
                &[]
            ),
            opt(
                "to_lon",
                Number,
                "目的地经度",
                "To longitude",
                "目的地经度",
                &[]
            ),
        ]
    ),
    dataset!(
        "projects",
        "工程项目",
        "Projects",
        "工程建设项目（立项、概算、结算）",
        key = ["project_id"],
        [
            req(
                "project_id",
                Code,
                "项目编号",
                "Project id",
                "工程项目编号",
                &["项目编码"]
            ),
            UNIT,
            req("name", Text, "项目名称", "Name", "项目名称", &[]),
            opt(
                "approved_on",
                Date,
                "立项日期",
                "Approved on",
                "立项批复日期",
                &["批复日期"]
            ),
            opt(
                "decision_id",
                Code,
                "决策编号",
                "Decision id",
                "立项决策编号",
                &[]
            ),
            opt(
                "budget",
                Amount,
                "概算",
                "Budget",
                "批复概算（元）",
                &["批复概算"]
            ),
            opt(
                "start_on",
                Date,
                "开工日期",
                "Start on",
                "实际开工日期",
                &[]
            ),
            opt(
                "planned_completion_on",
                Date,
                "计划竣工",
                "Planned completion",
                "计划竣工日期",
                &[]
            ),
            opt(
                "completed_on",
                Date,
                "实际竣工",
                "Completed on",
                "实际竣工日期",
                &[]
            ),
            opt(
                "settlement_amount",
                Amount,
                "结算金额",
                "Settlement",
                "竣工结算金额（元）",
                &["决算金额"]
            ),
        ]
    ),
    dataset!(
        "milestones",
        "工程进度",
        "Milestones",
        "经监理确认的工程完成比例",
        key = ["contract_id", "certified_on"],
        [
            req(
                "contract_id",
                Code,
                "合同编号",
                "Contract id",
                "合同编号",
                &[]
            ),
            req(
                "certified_on",
                Date,
                "确认日期",
                "Certified on",
                "进度确认日期",
                &[]
            ),
            req(
                "completion_pct",
                Number,
                "完成比例",
                "Completion (%)",
                "累计完成比例（百分数）",
                &["形象进度"]
            ),
        ]
    ),
    dataset!(
        "assets",
        "资产",
        "Assets",
        "固定资产台账与处置",
        key = ["asset_id"],
        [
            req(
                "asset_id",
                Code,
                "资产编号",
                "Asset id",
                "资产编号",
                &["卡片编号"]
            ),
            UNIT,
            req("name", Text, "资产名称", "Name", "资产名称", &[]),
            opt(
                "category",
                Code,
                "资产类别",
                "Category",
                "资产类别",
                &["类别"]
            ),
            opt(
                "value",
                Amount,
                "原值",
                "Value",
                "资产原值（元）",
                &["原值"]
            ),
            opt(
                "status",
                Enum(ASSET_STATUS),
                "状态",
                "Status",
                "in_use 在用、idle 闲置、disposed 已处置",
                &[]
            ),
            opt(
                "disposed_on",
                Date,
                "处置日期",
                "Disposed on",
                "处置日期",
                &[]
            ),
            opt(
                "disposal_price",
                Amount,
                "处置价格",
                "Disposal price",
                "处置成交价（元）",
                &[]
            ),
            opt(
                "valuation",
                Amount,
                "评估价",
                "Valuation",
                "处置评估价（元）",
                &["评估值"]
            ),
            opt("buyer_name", Text, "受让方", "Buyer", "受让方名称", &[]),
        ]
    ),
    dataset!(
        "sanctions",
        "失信与禁入名单",
        "Sanctions",
        "失信被执行人、政府采购严重违法失信名单等",
        key = ["name", "listed_on"],
        [
            req(
                "name",
                Text,
                "企业名称",
                "Company name",
                "被列入名单的企业名称",
                &["名称"]
            ),
            opt(
                "uscc",
                Uscc,
                "统一社会信用代码",
                "USCC",
                "统一社会信用代码",
                &[]
            ),
            opt(
                "company_id",
                Code,
                "企业编号",
                "Company id",
                "本系统企业编号（如已匹配）",
                &[]
            ),
            req("listed_on", Date, "列入日期", "Listed on", "列入日期", &[]),
            opt(
                "until",
                Date,
                "截止日期",
                "Until",
                "禁入截止日期",
                &["禁止期限"]
            ),
            opt(
                "authority",
                Text,
                "决定机关",
                "Authority",
                "作出决定的机关",
                &[]
            ),
        ]
    ),
    dataset!(
        "benefits",
        "惠民补贴发放",
        "Benefits",
        "低保、补贴等惠民资金发放名单",
        key = ["benefit_id"],
        [
            req(
                "benefit_id",
                Code,
                "发放编号",
                "Benefit id",
                "发放记录编号",
                &[]
            ),
            req(
                "recipient_name",
                Text,
                "领取人",
                "Recipient",
                "领取人姓名",
                &["姓名"]
            ),
            opt(
                "recipient_resident_id",
                ResidentId,
                "领取人身份证号",
                "Recipient resident id",
                "领取人公民身份号码",
                &["身份证号"]
            ),
            req(
                "program",
                Text,
                "项目",
                "Programme",
                "补贴项目（如低保）",
                &["补贴项目"]
            ),
            req("amount", Amount, "金额", "Amount", "发放金额（元）", &[]),
            req("paid_on", Date, "发放日期", "Paid on", "发放日期", &[]),
        ]
    ),
];

/// Looks a dataset up by its canonical name.
pub fn dataset(name: &str) -> Option<&'static Dataset> {
    DATASETS.iter().find(|d| d.name == name)
}
