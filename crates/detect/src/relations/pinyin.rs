//! A small pinyin table for the characters common in Chinese personal names: the frequent
//! surnames (compound ones included) and given-name characters, about 900 characters.
//!
//! Hand-written because no pinyin crate is in the workspace and matching names needs only
//! this much: a character missing from the table makes a Han name unmatched by pinyin (it
//! can still match on Han characters or identifiers), never wrongly matched. Characters with
//! several readings in names (单 shan/dan, 曾 zeng/ceng, 乐 le/yue, 长 chang/zhang …) appear
//! under each, and matching tries every combination. ü is written v (吕 lv), and 吕 also
//! lu and lyu, the spellings passports and registries use.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = "\
a:阿 ai:艾爱蔼 an:安岸 ang:昂 ao:敖奥傲 ba:巴八 bai:白柏百佰 ban:班斑 bang:邦帮 \
bao:包鲍宝保葆褒 bei:贝北蓓 ben:本贲 bi:毕碧璧必弼 bian:卞边汴 biao:彪标 bin:彬斌宾滨 \
bing:冰兵炳秉丙 bo:博波柏伯勃泊渤 bu:卜步布 cai:蔡才彩采财 can:灿璨 cang:苍沧仓 \
cao:曹操 cen:岑 ceng:曾 chai:柴 chang:常昌畅长嫦 chao:超朝潮巢 chen:陈晨辰臣琛忱宸 \
cheng:程成城承诚澄橙乘呈丞铖 chi:池驰迟赤 chong:崇冲种 chu:楚储褚初 chuan:川传 \
chun:春纯淳椿 ci:慈词 cong:丛聪从琮 cui:崔翠萃 cun:村存 da:达大笪 dai:戴代黛岱 \
dan:单丹旦淡 dang:党当 dao:道稻 de:德 deng:邓登 di:狄迪笛帝娣棣翟 dian:典殿甸 \
diao:刁 ding:丁鼎定 dong:董东冬栋 dou:窦 du:杜都督笃 duan:段端 dun:敦顿 duo:多朵铎 \
e:鄂娥峨 en:恩 er:尔二儿 fa:发法 fan:范樊凡帆梵璠 fang:方房芳昉舫 fei:费飞菲斐霏妃 \
fen:芬汾奋 feng:冯封丰凤峰锋风枫逢奉烽 fu:付傅符福富甫府扶芙伏复馥辅孚 gai:盖 \
gan:甘干淦赣 gang:刚钢港岗 gao:高郜杲皋 ge:葛戈格歌阁盖 gen:根 geng:耿庚 \
gong:龚宫弓公功恭巩 gou:勾苟 gu:顾古谷固 guan:关管冠官观贯 guang:光广 gui:桂贵归瑰 \
guo:郭国果帼 hai:海 han:韩寒汉涵函晗翰含瀚 hang:杭航 hao:郝浩豪昊皓好灏颢 \
he:何贺和河荷赫鹤禾合 heng:恒衡亨 hong:洪红宏鸿弘虹泓 hou:侯厚后 hu:胡虎湖护沪扈狐 \
hua:华花化骅桦 huai:怀淮 huan:欢焕桓环寰 huang:黄皇煌璜凰 hui:惠慧辉晖卉会徽蕙 \
huo:霍火 ji:纪姬吉季冀计嵇基济继佶霁骥积 jia:贾家佳嘉加甲 jian:简蹇剑建坚健俭鉴 \
jiang:江姜蒋将疆绛 jiao:焦娇蛟皎姣 jie:解杰洁捷婕介 jin:金靳晋锦瑾津进谨今 \
jing:井荆景敬静晶京靖婧菁竞境精经 jiong:炯 jiu:九久玖 ju:居巨鞠菊举炬聚 juan:娟鹃隽 \
jue:觉珏 jun:君军俊均骏郡峻珺 kai:开凯楷锴 kan:阚侃 kang:康亢 ke:柯可克科珂 kong:孔 \
kou:寇 kuang:匡邝旷况 kui:奎魁葵 kun:昆坤琨 lai:赖来莱 lan:兰蓝岚澜 lang:郎朗浪 \
lao:劳 le:乐 lei:雷磊蕾 leng:冷 li:李黎厉利丽力立礼理莉俐栗郦励历 lian:连廉莲涟 \
liang:梁良亮靓 liao:廖辽 lin:林蔺琳霖麟临淋 ling:凌令玲灵铃龄菱岭羚 liu:刘柳留六流浏 \
long:龙隆珑泷 lou:楼娄 lu:卢鲁陆路露鹿禄璐芦吕 lv:吕律绿旅侣 lyu:吕 luan:栾鸾 lun:伦 \
luo:罗骆洛珞 ma:马麻玛 mai:麦迈 man:满曼蔓 mang:芒 mao:毛茅茂 mei:梅美媚玫眉 \
meng:孟蒙萌梦猛 mi:米宓密 mian:勉冕 miao:苗缪妙淼 min:闵敏民岷旻珉 ming:明鸣铭名茗 \
mo:莫墨默茉 mou:牟 mu:穆木慕牧沐睦 na:那娜纳 nan:南楠男 neng:能 ni:倪尼妮霓 \
nian:年念 ning:宁凝 niu:牛钮 nong:农 ou:欧区鸥 pan:潘盼攀 pang:庞逄 pei:裴培佩沛 \
peng:彭鹏朋蓬澎 pi:皮 ping:平萍屏坪 po:繁珀 pu:蒲浦濮朴普溥 \
qi:齐戚祁琪奇其祺启琦麒淇岐綦棋旗骐起 qian:钱乾倩谦千前茜黔 qiang:强蔷 \
qiao:乔谯巧桥翘 qin:秦覃琴勤钦沁芹 qing:青清庆卿晴擎 qiong:琼穹 qiu:邱丘秋仇球裘 \
qu:曲瞿屈渠 quan:全权泉铨 que:阙 qun:群 ran:冉然苒 rao:饶 ren:任仁人韧 ri:日 \
rong:荣容蓉融戎嵘 rou:柔 ru:茹如汝儒 ruan:阮 rui:芮瑞睿锐蕊 run:润闰 ruo:若 sa:萨 \
sai:赛 san:三 sang:桑 sen:森 sha:沙莎 shan:单山善珊杉姗闪 shang:尚商上裳 \
shao:邵韶绍少召 she:佘 shen:沈申深慎莘神燊 sheng:盛生胜圣升晟笙 \
shi:石史施时师诗世士仕实 shou:寿守首 shu:舒殊书淑树曙蜀 shuai:帅 shuang:双爽霜 \
shui:水 shun:顺舜 shuo:硕朔 si:司斯思丝嗣 song:宋松嵩颂淞 su:苏宿素肃粟 sui:隋遂穗岁 \
sun:孙 suo:索 tai:台泰太 tan:谈谭坦檀 tang:唐汤棠堂 tao:陶涛桃滔韬 teng:滕腾 \
tian:田天恬甜添 ting:婷廷亭庭霆挺 tong:童佟通同彤桐瞳 tu:涂屠图 tuo:拓 wan:万宛婉琬晚 \
wang:王汪望旺 wei:魏卫韦蔚威伟薇维玮巍微炜唯为尉 wen:文温闻雯稳 weng:翁 wo:沃 \
wu:吴武伍巫乌邬午悟舞五务 xi:席奚习喜熙曦希西溪锡夕 xia:夏霞侠 \
xian:冼咸贤先仙娴宪献显鲜闲 xiang:向项香祥翔湘相襄享 xiao:萧肖晓小笑啸筱潇孝 \
xie:谢解协燮 xin:辛欣新鑫心馨昕信芯 xing:邢幸星兴杏醒行 xiong:熊雄 xiu:修秀岫 \
xu:徐许胥旭绪续序煦栩 xuan:宣轩萱璇玄炫暄 xue:薛雪学 xun:荀寻迅勋逊洵 ya:雅亚娅 \
yan:严颜闫阎燕言岩彦艳妍炎延晏研衍焱琰 yang:杨阳羊洋扬仰央 yao:姚尧瑶耀遥 \
ye:叶业野烨晔 yi:易伊依怡宜仪艺毅益义逸亿翼奕弈懿一乙以颐轶 yin:尹殷银音寅印因胤 \
ying:应英颖莹盈滢影迎瑛樱鹰 yong:雍永勇咏涌泳庸 you:尤游友有优佑悠 \
yu:于余俞虞禹喻郁宇雨玉鱼羽语钰裕渝瑜育誉煜昱榆豫毓予尉 \
yuan:袁元苑原源远圆媛园援渊 yue:岳越悦月跃乐 yun:云运芸韵允昀蕴 zai:再载 zan:赞 \
zang:臧 ze:泽则 zeng:曾增 zha:查 zhai:翟宅 zhan:詹展战湛占 zhang:张章彰长樟璋 \
zhao:赵照昭兆朝钊召 zhe:哲浙 zhen:甄真珍贞振镇震臻祯 zheng:郑正征政峥铮 \
zhi:智志芝知之直治致植枝至挚稚 zhong:钟仲中忠众种 zhou:周舟州洲宙 \
zhu:朱祝诸竹珠铸柱助筑主 zhuang:庄壮 zhuo:卓琢灼 zi:子紫梓姿资自 zong:宗 zou:邹 \
zu:祖 zuo:左佐作 cha:查 ";

fn table() -> &'static HashMap<char, Vec<&'static str>> {
    static T: OnceLock<HashMap<char, Vec<&'static str>>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m: HashMap<char, Vec<&'static str>> = HashMap::new();
        for entry in TABLE.split_whitespace() {
            let Some((py, chars)) = entry.split_once(':') else {
                continue;
            };
            for c in chars.chars() {
                let v = m.entry(c).or_default();
                if !v.contains(&py) {
                    v.push(py);
                }
            }
        }
        m
    })
}

/// The readings of one character (empty when it is not in the table).
pub fn readings(c: char) -> &'static [&'static str] {
    table().get(&c).map_or(&[], Vec::as_slice)
}

/// Every toneless pinyin spelling of `han` (letters only, no spaces), at most `cap` of them;
/// empty when a character is not in the table.
pub fn spellings(han: &str, cap: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for c in han.chars() {
        let r = readings(c);
        if r.is_empty() {
            return Vec::new();
        }
        let mut next = Vec::with_capacity(out.len() * r.len());
        for prefix in &out {
            for py in r {
                if next.len() < cap {
                    next.push(format!("{prefix}{py}"));
                }
            }
        }
        out = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names_and_polyphones() {
        assert_eq!(spellings("王小明", 16), vec!["wangxiaoming"]);
        assert_eq!(spellings("欧阳娜娜", 16), vec!["ouyangnana"]);
        assert!(spellings("单丹", 16).contains(&"shandan".to_owned()));
        assert!(spellings("吕洋", 16).contains(&"lvyang".to_owned()));
        assert!(spellings("吕洋", 16).contains(&"lyuyang".to_owned()));
        assert!(
            spellings("王䶮", 16).is_empty(),
            "rare character: no spelling"
        );
    }

    #[test]
    fn table_has_no_stray_entries() {
        for entry in TABLE.split_whitespace() {
            let (py, chars) = entry.split_once(':').expect("py:chars");
            assert!(py.chars().all(|c| c.is_ascii_lowercase()), "{entry}");
            assert!(
                chars
                    .chars()
                    .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{entry}"
            );
        }
        assert!(table().len() > 850, "{}", table().len());
    }
}
