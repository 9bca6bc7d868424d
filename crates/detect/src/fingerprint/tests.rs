use super::*;

const PLAN: &str = "本项目施工组织设计：一、工程概况，本工程位于市区东部，总建筑面积一万二千平方米；二、施工部署，采用流水施工，分三个施工段；三、质量保证措施，建立三级质量检查制度，关键工序旁站监理。";
const PLAN_COPY: &str = "本项目施工组织设计：一、工程概况，本工程位于市区东部，总建筑面积一万二千平方米；二、施工部署，采用流水施工，分三个施工段；三、质量保证措施，建立三级质量检查制度，关键工序旁站监督。";
const OTHER: &str = "我公司针对本项目编制的技术方案如下：机械设备配置以塔吊两台、施工电梯一台为主，劳动力高峰期约一百二十人，工期安排为开工后第十个月竣工验收，安全文明施工费单独列支。";

fn bid<'a>(tender: &'a str, bidder: &'a str) -> BidTraces<'a> {
    BidTraces {
        tender,
        bidder,
        ..BidTraces::default()
    }
}

#[test]
fn shared_traces_between_competitors_are_found() {
    let bids = vec![
        BidTraces {
            ip: Some("10.1.2.3"),
            mac: Some("00-1A-2B-3C-4D-5E"),
            text: Some(PLAN),
            ..bid("T1", "A")
        },
        BidTraces {
            ip: Some("10.1.2.3"),
            mac: Some("00:1a:2b:3c:4d:5e"),
            text: Some(PLAN_COPY),
            ..bid("T1", "B")
        },
        BidTraces {
            ip: Some("10.9.9.9"),
            author: Some("Administrator"),
            text: Some(OTHER),
            ..bid("T1", "C")
        },
        BidTraces {
            author: Some("administrator"),
            ..bid("T1", "D")
        },
        // The same bidder's two files share a hash with each other: not a collision.
        BidTraces {
            file_hash: Some("abc"),
            ..bid("T2", "A")
        },
        BidTraces {
            file_hash: Some("abc"),
            ..bid("T2", "A")
        },
        // Same IP on different tenders: not competitors.
        BidTraces {
            ip: Some("10.1.2.3"),
            ..bid("T3", "C")
        },
    ];
    let got = find(&bids, &Params::default());
    assert_eq!(got.len(), 1, "{got:?}");
    let c = &got[0];
    assert_eq!(c.bidders, ("A".into(), "B".into()));
    assert_eq!(
        c.shared,
        vec![
            (Trace::Ip, "10.1.2.3".into()),
            (Trace::Mac, "001a2b3c4d5e".into())
        ]
    );
    assert!(c.text_similarity.unwrap() > 0.8);
    assert_eq!(c.rows, vec![0, 1]);
    let ev: Vec<EvidenceRow> = (0..bids.len())
        .map(|i| EvidenceRow {
            dataset: "bids".into(),
            batch: "b".into(),
            row: i as i64,
        })
        .collect();
    let f = findings(&got, &bids, &ev, &Params::default()).unwrap();
    assert_eq!(f[0].severity, Severity::High);
    assert!(
        f[0].explanation_zh
            .contains("IP 地址、MAC 地址、投标文件文本相似度"),
        "{}",
        f[0].explanation_zh
    );
    assert_eq!(f[0].facts["shared.mac"], "001a2b3c4d5e");
}

#[test]
fn independent_bidders_stay_silent() {
    let bids = vec![
        BidTraces {
            ip: Some("10.0.0.1"),
            phone: Some("h1"),
            text: Some(PLAN),
            ..bid("T1", "A")
        },
        BidTraces {
            ip: Some("10.0.0.2"),
            phone: Some("h2"),
            text: Some(OTHER),
            ..bid("T1", "B")
        },
        BidTraces {
            ip: Some("127.0.0.1"),
            author: Some(" "),
            ..bid("T1", "C")
        },
        BidTraces {
            ip: Some("127.0.0.1"),
            author: Some(""),
            ..bid("T1", "D")
        },
    ];
    assert!(find(&bids, &Params::default()).is_empty());
}
