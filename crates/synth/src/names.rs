//! Plausible Chinese names: people (surname weighted by real frequency, given names by
//! gender), companies (city + trade name + industry + form), addresses and merchants.
//!
//! All lists are invented combinations of common words; any resemblance of a generated
//! company or person to a real one is chance.

use rand::Rng;

/// Surnames with their approximate share per ten thousand (2020 census order).
#[rustfmt::skip]
const SURNAMES: &[(&str, u32)] = &[
    ("王", 710), ("李", 700), ("张", 670), ("刘", 540), ("陈", 450), ("杨", 310), ("黄", 220),
    ("赵", 200), ("吴", 190), ("周", 190), ("徐", 130), ("孙", 130), ("马", 110), ("朱", 110),
    ("胡", 100), ("郭", 100), ("何", 90), ("林", 90), ("高", 90), ("罗", 90), ("郑", 80), ("梁", 80),
    ("谢", 70), ("宋", 60), ("唐", 60), ("许", 60), ("韩", 60), ("冯", 50), ("邓", 50), ("曹", 50),
    ("彭", 50), ("曾", 50), ("肖", 50), ("田", 50), ("董", 50), ("袁", 40), ("潘", 40), ("于", 40),
    ("蒋", 40), ("蔡", 40), ("余", 40), ("杜", 40), ("叶", 40), ("程", 40), ("苏", 30), ("魏", 30),
    ("吕", 30), ("丁", 30), ("任", 30), ("沈", 30), ("姚", 30), ("卢", 30), ("姜", 30), ("崔", 30),
    ("钟", 30), ("谭", 30), ("陆", 30), ("汪", 30), ("范", 30), ("金", 30), ("石", 30), ("廖", 30),
    ("贾", 20), ("夏", 20), ("韦", 20), ("方", 20), ("邹", 20), ("孟", 20), ("熊", 20), ("秦", 20),
    ("邱", 20), ("江", 20), ("尹", 20), ("薛", 20), ("段", 20), ("雷", 20), ("侯", 20), ("龙", 20),
    ("史", 20), ("陶", 20), ("黎", 20), ("贺", 20), ("顾", 20), ("毛", 20), ("郝", 20), ("龚", 20),
    ("邵", 20), ("万", 20), ("钱", 20), ("严", 20), ("戴", 20), ("欧阳", 5), ("司马", 1), ("诸葛", 1),
];

const MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "建", "国", "文",
    "志", "海", "东", "峰", "亮", "晨", "阳", "昊", "然", "哲", "博", "睿", "轩", "子", "一", "天",
    "泽", "振", "兴", "成", "永", "德", "立", "新", "春", "荣", "家", "庆",
];
const FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "莹", "琳", "颖",
    "倩", "洁", "佳", "欣", "怡", "梅", "红", "萍", "蕾", "薇", "琴", "云", "月", "晶", "秀", "英",
    "华", "兰", "凤", "丹", "悦", "诗", "雨", "涵", "梦", "思", "瑶", "馨", "可",
];

fn weighted<'a>(rng: &mut impl Rng, list: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = list.iter().map(|x| x.1).sum();
    let mut r = rng.random_range(0..total);
    for (s, w) in list {
        if r < *w {
            return s;
        }
        r -= w;
    }
    list[0].0
}

/// A surname drawn by frequency.
pub fn surname(rng: &mut impl Rng) -> &'static str {
    weighted(rng, SURNAMES)
}

/// A full name; one given character for about a third of people born before 1985.
pub fn person(rng: &mut impl Rng, male: bool, birth_year: i32) -> String {
    let family = surname(rng);
    person_with_surname(rng, family, male, birth_year)
}

/// A full name with a given surname (relatives often share it).
pub fn person_with_surname(
    rng: &mut impl Rng,
    surname: &str,
    male: bool,
    birth_year: i32,
) -> String {
    let pool = if male { MALE } else { FEMALE };
    let single = rng.random_bool(if birth_year < 1985 { 0.35 } else { 0.2 });
    let mut s = surname.to_owned();
    s.push_str(pool[rng.random_range(0..pool.len())]);
    if !single {
        s.push_str(pool[rng.random_range(0..pool.len())]);
    }
    s
}

const TRADE: &[&str] = &[
    "恒达",
    "瑞丰",
    "华信",
    "宏远",
    "金鼎",
    "中联",
    "天成",
    "鑫源",
    "汇通",
    "永盛",
    "博远",
    "嘉诚",
    "振华",
    "东方",
    "新锐",
    "正泰",
    "宏图",
    "立信",
    "盛世",
    "卓越",
    "康达",
    "润泽",
    "广厦",
    "安泰",
    "信达",
    "启明",
    "同创",
    "锦程",
    "方圆",
    "晨光",
    "海纳",
    "天泽",
    "优嘉",
    "德润",
    "鼎盛",
    "华宇",
    "明远",
    "鸿运",
    "尚品",
    "云帆",
    "致远",
    "合力",
    "新纪元",
    "长青",
    "聚力",
    "百川",
    "远景",
    "众诚",
    "星辰",
    "凯达",
    "伟业",
    "通达",
    "昌盛",
    "裕华",
    "泓泰",
    "鲲鹏",
    "金桥",
    "绿源",
    "蓝海",
    "智行",
];
const PLACES: &[&str] = &[
    "江州市",
    "江州",
    "浙江",
    "杭州",
    "上海",
    "江苏",
    "宁波",
    "绍兴",
];

/// A company name for an industry, e.g. `江州市恒达建设工程有限公司`.
pub fn company(rng: &mut impl Rng, industry: &str) -> String {
    let place = PLACES[rng.random_range(0..PLACES.len())];
    let trade = TRADE[rng.random_range(0..TRADE.len())];
    let form = if rng.random_bool(0.85) {
        "有限公司"
    } else {
        "股份有限公司"
    };
    format!("{place}{trade}{industry}{form}")
}

const ROADS: &[&str] = &[
    "解放路",
    "中山北路",
    "延安路",
    "文一西路",
    "江南大道",
    "滨江大道",
    "环城北路",
    "庆春路",
    "建国南路",
    "凤起路",
    "天目山路",
    "莫干山路",
    "秋涛路",
    "新华路",
    "体育场路",
    "学院路",
    "古墩路",
    "紫金港路",
    "钱江路",
    "丰潭路",
    "余杭塘路",
    "湖墅南路",
    "望江路",
    "之江路",
];
const ESTATES: &[&str] = &[
    "锦绣花园",
    "翠苑",
    "金色家园",
    "阳光城",
    "绿城桂花园",
    "嘉绿苑",
    "滨江花园",
    "湖畔居",
    "紫金庭院",
    "望江公寓",
    "城市之星",
    "丽水苑",
    "碧水豪园",
    "春江花月",
    "香樟苑",
    "和睦新村",
];

/// A home address in the group's city.
pub fn home_address(rng: &mut impl Rng) -> String {
    format!(
        "江州市{}{}号{}幢{}单元{}室",
        ROADS[rng.random_range(0..ROADS.len())],
        rng.random_range(1..400),
        rng.random_range(1..30),
        rng.random_range(1..5),
        rng.random_range(1..33) * 100 + rng.random_range(1..5)
    )
}

/// An estate name (for private-route trips).
pub fn estate(rng: &mut impl Rng) -> &'static str {
    ESTATES[rng.random_range(0..ESTATES.len())]
}

/// A business address in the group's city.
pub fn office_address(rng: &mut impl Rng) -> String {
    format!(
        "江州市{}{}号{}楼{}室",
        ROADS[rng.random_range(0..ROADS.len())],
        rng.random_range(1..800),
        rng.random_range(1..25),
        rng.random_range(1..30) * 100 + rng.random_range(1..20)
    )
}

/// Pick from a list.
pub fn pick<T: Copy>(rng: &mut impl Rng, list: &[T]) -> T {
    list[rng.random_range(0..list.len())]
}
