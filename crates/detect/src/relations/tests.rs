use qinglian_core::{EvidenceRow, Severity};

use super::*;

fn person<'a>(id: &'a str, name: &'a str, staff: bool) -> Entity<'a> {
    Entity {
        id,
        kind: EntityKind::Person,
        name,
        staff,
        counterparty: false,
    }
}

fn company<'a>(id: &'a str, name: &'a str) -> Entity<'a> {
    Entity {
        id,
        kind: EntityKind::Company,
        name,
        staff: false,
        counterparty: true,
    }
}

fn row(dataset: &str, r: i64) -> Option<EvidenceRow> {
    Some(EvidenceRow {
        dataset: dataset.into(),
        batch: "b".into(),
        row: r,
    })
}

#[test]
fn staff_to_supplier_through_a_spouse_and_a_registry_record() {
    // HR: 张伟 (P1), his wife 李娜 (P2). Company registry: shareholder "LI Na" (R9) of
    // supplier C1, with the same phone as 李娜. Pinyin name + phone → same person.
    let entities = vec![
        person("P1", "张伟", true),
        person("P2", "李娜", false),
        person("R9", "LI Na", false),
        company("C1", "甲建材有限公司"),
        company("C2", "乙公司"),
    ];
    let links = vec![
        Link {
            from: "P1",
            to: "P2",
            kind: EdgeKind::Family,
            label: Some("配偶"),
            evidence: row("person_relations", 4),
        },
        Link {
            from: "R9",
            to: "C1",
            kind: EdgeKind::Shareholding,
            label: Some("股东 60%"),
            evidence: row("company_links", 7),
        },
    ];
    let attributes = vec![
        Attribute {
            entity: "P2",
            kind: AttrKind::Phone,
            value: "h:13800000000",
            evidence: row("persons", 2),
        },
        Attribute {
            entity: "R9",
            kind: AttrKind::Phone,
            value: "h:13800000000",
            evidence: row("company_links", 7),
        },
    ];
    let c = connections(&entities, &links, &attributes, &Params::default());
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].nodes, vec!["P1", "P2", "R9", "C1"]);
    // The name-based identity edge comes after the shared-phone edge; BFS takes the first.
    assert_eq!(c[0].path.len(), 3);
    assert_eq!(c[0].path[0].kind, EdgeKind::Family);
    assert!(matches!(
        c[0].path[1].kind,
        EdgeKind::SharedPhone | EdgeKind::SameIdentity
    ));
    let f = findings(&c, &entities, &Params::default());
    assert_eq!(f[0].severity, Severity::Medium);
    assert!(
        f[0].explanation_zh.contains("张伟(P1) —配偶→ 李娜(P2)"),
        "{}",
        f[0].explanation_zh
    );
    assert!(
        f[0].explanation_zh
            .contains("—股东 60%→ 甲建材有限公司(C1)"),
        "{}",
        f[0].explanation_zh
    );
    // person_relations 4, persons 2, company_links 7 (the phone and the shareholding).
    assert_eq!(f[0].evidence.len(), 3);
    // Three hops: out of reach when the search stops at two.
    let strict = Params {
        max_hops: 2,
        ..Params::default()
    };
    assert!(connections(&entities, &links, &attributes, &strict).is_empty());
}

#[test]
fn identity_numbers_and_corroborated_names_join_entities() {
    let entities = vec![
        person("A", "王小明", false),
        person("B", "Wang Xiaoming", false),
        person("C", "王小明", false),
        person("D", "王小明", false),
    ];
    let attributes = vec![
        Attribute {
            entity: "A",
            kind: AttrKind::Address,
            value: "北京市 海淀区 1 号",
            evidence: None,
        },
        Attribute {
            entity: "B",
            kind: AttrKind::Address,
            value: "北京市海淀区1号",
            evidence: None,
        },
        Attribute {
            entity: "C",
            kind: AttrKind::IdNumber,
            value: "k1",
            evidence: None,
        },
        Attribute {
            entity: "D",
            kind: AttrKind::IdNumber,
            value: "k1",
            evidence: None,
        },
    ];
    let e = derived_edges(&entities, &attributes, &Params::default());
    let ids: Vec<(&str, &str, EdgeKind)> = e
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str(), e.kind))
        .collect();
    assert!(ids.contains(&("A", "B", EdgeKind::SharedAddress)));
    assert!(ids.contains(&("A", "B", EdgeKind::SameIdentity)));
    assert!(ids.contains(&("C", "D", EdgeKind::SameIdentity)));
    assert!(
        !ids.iter().any(|x| x.0 == "A" && x.1 == "C"),
        "name alone joins nothing: {ids:?}"
    );
    let loose = Params {
        allow_name_only: true,
        ..Params::default()
    };
    assert!(
        derived_edges(&entities, &attributes, &loose)
            .iter()
            .any(|x| x.from == "A" && x.to == "C")
    );
}

#[test]
fn unrelated_staff_and_crowded_values_stay_silent() {
    let mut entities = vec![person("P1", "张伟", true), company("C1", "甲公司")];
    let ids: Vec<String> = (0..8).map(|i| format!("X{i}")).collect();
    entities.extend(ids.iter().map(|id| person(id, "某人", false)));
    // Eight entities share the switchboard number, the staff member and the supplier among them.
    let mut attributes: Vec<Attribute<'_>> = ids
        .iter()
        .map(|id| Attribute {
            entity: id,
            kind: AttrKind::Phone,
            value: "switchboard",
            evidence: None,
        })
        .collect();
    attributes.push(Attribute {
        entity: "P1",
        kind: AttrKind::Phone,
        value: "switchboard",
        evidence: None,
    });
    attributes.push(Attribute {
        entity: "C1",
        kind: AttrKind::Phone,
        value: "switchboard",
        evidence: None,
    });
    assert!(connections(&entities, &[], &attributes, &Params::default()).is_empty());
}

#[test]
fn staff_paid_as_counterparty_is_zero_hops() {
    let mut e = person("P1", "张伟", true);
    e.counterparty = true;
    let c = connections(&[e], &[], &[], &Params::default());
    assert_eq!(c[0].path.len(), 0);
    let f = findings(&c, &[e], &Params::default());
    assert!(f[0].explanation_zh.contains("本人即为交易对象"));
    assert_eq!(f[0].severity, Severity::High);
}
