//! Connections → findings, one per staff member and counterparty, the path spelled out.

use std::collections::HashMap;

use qinglian_core::{Category, Finding, Severity, Subject};

use super::{Connection, Entity, MODEL_ID, Params, VERSION};
use crate::emit::{Scope, fact, finding, model_source};

/// One finding per connection, about the staff member (subject kind `person`). Severity
/// high within two hops (the staff member, a relative or a shared identity away from the
/// counterparty), medium at three or more.
pub fn findings(connections: &[Connection], entities: &[Entity<'_>], p: &Params) -> Vec<Finding> {
    let source = model_source(MODEL_ID, VERSION, p);
    let name: HashMap<&str, &str> = entities.iter().map(|e| (e.id, e.name)).collect();
    let show = |id: &str| name.get(id).map_or(id.to_owned(), |n| format!("{n}({id})"));
    connections
        .iter()
        .map(|c| {
            let hops = c.path.len();
            let mut zh = show(&c.staff);
            let mut en = zh.clone();
            for (i, e) in c.path.iter().enumerate() {
                let next = show(&c.nodes[i + 1]);
                let backwards = e.from != c.nodes[i];
                let label_zh = e
                    .detail
                    .clone()
                    .filter(|_| {
                        e.kind == super::EdgeKind::Family || e.kind == super::EdgeKind::Shareholding
                    })
                    .unwrap_or_else(|| e.kind.name_zh().to_owned());
                let arrow = if backwards { "←" } else { "→" };
                zh.push_str(&format!(" —{label_zh}{arrow} {next}"));
                en.push_str(&format!(
                    " —{}{}{arrow} {next}",
                    e.kind.name_en(),
                    e.detail
                        .as_ref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                ));
            }
            let scope = Scope {
                subject: Subject {
                    kind: "person".into(),
                    id: c.staff.clone(),
                    name: name.get(c.staff.as_str()).map(|n| (*n).to_owned()),
                },
                category: Category::Coi,
                department: None,
            };
            let mut f = finding(
                &source,
                &scope,
                if hops <= 2 {
                    Severity::High
                } else {
                    Severity::Medium
                },
                if hops == 0 {
                    format!("员工 {} 本人即为交易对象", show(&c.staff))
                } else {
                    format!(
                        "员工与交易对象 {} 相距 {hops} 跳：{zh}",
                        show(&c.counterparty)
                    )
                },
                if hops == 0 {
                    format!("Staff member {} is the counterparty", show(&c.staff))
                } else {
                    format!(
                        "Staff member is {hops} hops from counterparty {}: {en}",
                        show(&c.counterparty)
                    )
                },
            );
            let mut ev: Vec<_> = c
                .path
                .iter()
                .flat_map(|e| e.evidence.iter().cloned())
                .collect();
            ev.sort();
            ev.dedup();
            f.evidence = ev;
            fact(&mut f.facts, "counterparty", &c.counterparty);
            fact(&mut f.facts, "hops", hops);
            fact(
                &mut f.facts,
                "path",
                serde_json::to_string(&c.path).unwrap_or_default(),
            );
            f
        })
        .collect()
}
