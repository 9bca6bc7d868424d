//! The detectors over people: peer-group outliers of pay (per grade and pay item) and of
//! claims (per claim kind), and the relationship graph from staff to counterparties.
//!
//! The graph's nodes: staff (`persons`), their relatives (`person_relations`), companies
//! (`companies`) and the natural persons behind companies (`company_links` parties and legal
//! representatives, one node per identity number). Edges: family, shareholding, directorship and legal representation from
//! the data; shared phones, addresses and accounts and same identity numbers derived by the
//! detector. Payments add the account a company was actually paid into, so a supplier paid
//! into a staff member's salary card is one shared-account hop away. Payments to
//! individuals are not counterparties here (a staff member is paid their own expenses).
//! Company contacts are left out: a contact person is no owner.

use std::collections::HashSet;

use qinglian_core::{Category, EvidenceRow, Subject};
use qinglian_detect::outliers::{self, Measure};
use qinglian_detect::relations::{self, AttrKind, EdgeKind, Entity, EntityKind};
use qinglian_rules::{Table, parse_evidence};

use super::lake::{Lake, Origin, Subset};
use super::{Context, Output};
use crate::AppError;

fn detect(e: qinglian_detect::DetectError) -> AppError {
    AppError::Internal(format!("model base: {e}"))
}

fn person(id: &str) -> Subject {
    Subject {
        kind: "person".into(),
        id: id.into(),
        name: None,
    }
}

/// MOD-OUTLIER: pay per grade and item; claim amounts per kind (log scale).
pub(super) async fn outliers(lake: &mut Lake, ctx: &Context) -> Result<Output, AppError> {
    let mut findings = Vec::new();
    let mut rows = 0;
    if lake.has("payroll") {
        let t = lake
            .table(
                "SELECT p._batch, p._row, p.person_id, \
                 COALESCE(pe.grade, '?') || '|' || p.item AS peer, \
                 CAST(p.amount * 100 AS BIGINT) AS fen \
                 FROM payroll p LEFT JOIN persons pe ON pe.person_id = p.person_id \
                 WHERE p.amount IS NOT NULL",
            )
            .await?;
        rows += t.rows;
        let measure = Measure {
            name_zh: "同职级同项目薪酬".into(),
            name_en: "pay of the grade and item".into(),
            unit: "元".into(),
        };
        findings.extend(outlier_findings(
            &t,
            &Origin::of("payroll", &t)?,
            ("person_id", "peer"),
            &measure,
            Category::Per,
            &ctx.params.outliers_pay,
        )?);
    }
    if lake.has("expense_claims") {
        let t = lake
            .table(
                "SELECT _batch, _row, person_id, kind AS peer, \
                 CAST(amount * 100 AS BIGINT) AS fen FROM expense_claims WHERE amount IS NOT NULL",
            )
            .await?;
        rows += t.rows;
        let measure = Measure {
            name_zh: "同类报销金额".into(),
            name_en: "claim amount of the kind".into(),
            unit: "元".into(),
        };
        findings.extend(outlier_findings(
            &t,
            &Origin::of("expense_claims", &t)?,
            ("person_id", "peer"),
            &measure,
            Category::Exp,
            &ctx.params.outliers_claims,
        )?);
    }
    Ok(Output {
        rows: rows as u64,
        findings,
    })
}

fn outlier_findings(
    t: &Table,
    origin: &Origin,
    (who, peer): (&str, &str),
    measure: &Measure,
    category: Category,
    p: &outliers::Params,
) -> Result<Vec<qinglian_core::Finding>, AppError> {
    let (who, peer, fen) = (t.text(who)?, t.text(peer)?, t.int("fen")?);
    let values: Vec<f64> = fen
        .iter()
        .map(|f| f.map_or(f64::NAN, |f| f as f64 / 100.0))
        .collect();
    let groups: Vec<&str> = (0..t.rows).map(|i| peer.str(i)).collect();
    let mut report = outliers::find(&values, &groups, p).map_err(detect)?;
    let sub = Subset::new(report.outliers.iter().map(|o| o.index));
    for o in &mut report.outliers {
        o.index = sub.at(o.index);
    }
    let subjects: Vec<Subject> = sub.idx.iter().map(|&i| person(who.str(i))).collect();
    outliers::findings(
        &report,
        &subjects,
        measure,
        category,
        &origin.evidence_of(&sub.idx),
        p,
    )
    .map_err(detect)
}

/// A typed relation as read: from, to, kind, label, source row.
type OwnedLink = (
    String,
    String,
    EdgeKind,
    Option<String>,
    Option<EvidenceRow>,
);

/// Owned graph input; the detector borrows from it.
#[derive(Default)]
struct Graph {
    entities: Vec<(String, EntityKind, String, bool, bool)>,
    seen: HashSet<String>,
    links: Vec<OwnedLink>,
    attrs: Vec<(String, AttrKind, String, Option<EvidenceRow>)>,
}

impl Graph {
    fn entity(&mut self, id: String, kind: EntityKind, name: &str, staff: bool, cp: bool) {
        if self.seen.insert(id.clone()) {
            self.entities.push((id, kind, name.to_owned(), staff, cp));
        }
    }

    fn attr(&mut self, id: &str, kind: AttrKind, value: Option<&str>, ev: Option<EvidenceRow>) {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            self.attrs.push((id.to_owned(), kind, v.to_owned(), ev));
        }
    }
}

/// A natural person named by a company record: one node per identity number, so the same
/// person behind two companies (or a staff member's identity) is one node.
fn party_id(resident_id: Option<&str>, company: &str, name: &str) -> String {
    match resident_id.filter(|r| !r.is_empty()) {
        Some(r) => format!("party:{r}"),
        None => format!("party:{company}:{name}"),
    }
}

/// MOD-RELATION: staff to counterparties within k hops.
pub(super) async fn relations(lake: &mut Lake, ctx: &Context) -> Result<Output, AppError> {
    let mut g = Graph::default();
    let mut rows = 0;
    let persons = lake
        .table(
            "SELECT _batch, _row, person_id, name, resident_id, phone, bank_account, address \
             FROM persons",
        )
        .await?;
    rows += persons.rows;
    {
        let o = Origin::of("persons", &persons)?;
        let t = &persons;
        let (id, name) = (t.text("person_id")?, t.text("name")?);
        for i in 0..t.rows {
            let pid = id.str(i);
            g.entity(pid.into(), EntityKind::Person, name.str(i), true, false);
            let ev = Some(o.evidence(i));
            g.attr(
                pid,
                AttrKind::IdNumber,
                t.text("resident_id")?.get(i),
                ev.clone(),
            );
            g.attr(pid, AttrKind::Phone, t.text("phone")?.get(i), ev.clone());
            g.attr(
                pid,
                AttrKind::Account,
                t.text("bank_account")?.get(i),
                ev.clone(),
            );
            g.attr(pid, AttrKind::Address, t.text("address")?.get(i), ev);
        }
    }
    if lake.has("person_relations") {
        let t = lake
            .table(
                "SELECT _batch, _row, person_id, relative_name, relation, relative_resident_id, \
                 relative_person_id, relative_phone, relative_bank_account FROM person_relations",
            )
            .await?;
        rows += t.rows;
        let o = Origin::of("person_relations", &t)?;
        let (pid, name, rel) = (
            t.text("person_id")?,
            t.text("relative_name")?,
            t.text("relation")?,
        );
        for i in 0..t.rows {
            let id = format!("relative:{}:{}", pid.str(i), name.str(i));
            g.entity(id.clone(), EntityKind::Person, name.str(i), false, false);
            let ev = Some(o.evidence(i));
            g.links.push((
                pid.str(i).into(),
                id.clone(),
                EdgeKind::Family,
                rel.get(i).map(str::to_owned),
                ev.clone(),
            ));
            if let Some(other) = t
                .text("relative_person_id")?
                .get(i)
                .filter(|s| !s.is_empty())
            {
                g.links.push((
                    id.clone(),
                    other.into(),
                    EdgeKind::SameIdentity,
                    Some("relative_person_id".into()),
                    ev.clone(),
                ));
            }
            g.attr(
                &id,
                AttrKind::IdNumber,
                t.text("relative_resident_id")?.get(i),
                ev.clone(),
            );
            g.attr(
                &id,
                AttrKind::Phone,
                t.text("relative_phone")?.get(i),
                ev.clone(),
            );
            g.attr(
                &id,
                AttrKind::Account,
                t.text("relative_bank_account")?.get(i),
                ev,
            );
        }
    }
    if lake.has("companies") {
        let t = lake
            .table(
                "SELECT _batch, _row, company_id, name, legal_rep_name, legal_rep_resident_id, \
                 phone, address, bank_account FROM companies",
            )
            .await?;
        rows += t.rows;
        let o = Origin::of("companies", &t)?;
        let (cid, name, rep, rep_id) = (
            t.text("company_id")?,
            t.text("name")?,
            t.text("legal_rep_name")?,
            t.text("legal_rep_resident_id")?,
        );
        for i in 0..t.rows {
            let c = cid.str(i);
            g.entity(c.into(), EntityKind::Company, name.str(i), false, true);
            let ev = Some(o.evidence(i));
            g.attr(c, AttrKind::Phone, t.text("phone")?.get(i), ev.clone());
            g.attr(c, AttrKind::Address, t.text("address")?.get(i), ev.clone());
            g.attr(
                c,
                AttrKind::Account,
                t.text("bank_account")?.get(i),
                ev.clone(),
            );
            if let Some(r) = rep.get(i).filter(|r| !r.is_empty()) {
                let party = party_id(rep_id.get(i), c, r);
                g.entity(party.clone(), EntityKind::Person, r, false, false);
                g.attr(&party, AttrKind::IdNumber, rep_id.get(i), ev.clone());
                g.links
                    .push((party, c.into(), EdgeKind::LegalRepresentative, None, ev));
            }
        }
    }
    if lake.has("company_links") {
        let t = lake
            .table(
                "SELECT _batch, _row, company_id, party_name, role, party_resident_id, \
                 party_company_id, party_phone, share_pct FROM company_links",
            )
            .await?;
        rows += t.rows;
        let o = Origin::of("company_links", &t)?;
        let (cid, name, role, rid, pcid, phone, share) = (
            t.text("company_id")?,
            t.text("party_name")?,
            t.text("role")?,
            t.text("party_resident_id")?,
            t.text("party_company_id")?,
            t.text("party_phone")?,
            t.float("share_pct")?,
        );
        for i in 0..t.rows {
            let r = role.str(i);
            let kind = if r.contains("share") || r.contains("股东") {
                EdgeKind::Shareholding
            } else if r.contains("legal") || r.contains("法定代表人") {
                EdgeKind::LegalRepresentative
            } else if r == "contact" || r.contains("联系人") {
                continue;
            } else {
                EdgeKind::Directorship
            };
            let c = cid.str(i);
            let ev = Some(o.evidence(i));
            let party = match pcid.get(i).filter(|s| !s.is_empty()) {
                Some(other) => {
                    g.entity(other.into(), EntityKind::Company, name.str(i), false, true);
                    other.to_owned()
                }
                None => {
                    let party = party_id(rid.get(i), c, name.str(i));
                    g.entity(party.clone(), EntityKind::Person, name.str(i), false, false);
                    g.attr(&party, AttrKind::IdNumber, rid.get(i), ev.clone());
                    g.attr(&party, AttrKind::Phone, phone.get(i), ev.clone());
                    party
                }
            };
            let label = match share.get(i).copied().flatten() {
                Some(s) => format!("{r} {s}%"),
                None => r.to_owned(),
            };
            g.links.push((party, c.into(), kind, Some(label), ev));
        }
    }
    if lake.has("payments") {
        // The accounts companies were paid into, one row each (the first payment cites
        // it). Payments to individuals are left out: a staff member paid into their own
        // card for expenses is the ordinary case, and the FUN rules judge the purpose.
        let t = lake
            .table(
                "SELECT payee_company_id, payee_name, payee_account, \
                 min(ev('payments', _batch, _row)) AS ev FROM payments \
                 WHERE payee_account IS NOT NULL AND payee_account <> '' \
                 AND payee_company_id IS NOT NULL AND payee_company_id <> '' \
                 GROUP BY payee_company_id, payee_name, payee_account",
            )
            .await?;
        rows += t.rows;
        let (cid, name, account, ev) = (
            t.text("payee_company_id")?,
            t.text("payee_name")?,
            t.text("payee_account")?,
            t.text("ev")?,
        );
        for i in 0..t.rows {
            let c = cid.str(i);
            g.entity(c.into(), EntityKind::Company, name.str(i), false, true);
            g.attr(
                c,
                AttrKind::Account,
                account.get(i),
                ev.get(i).and_then(parse_evidence),
            );
        }
    }
    let entities: Vec<Entity<'_>> = g
        .entities
        .iter()
        .map(|(id, kind, name, staff, cp)| Entity {
            id,
            kind: *kind,
            name,
            staff: *staff,
            counterparty: *cp,
        })
        .collect();
    let links: Vec<relations::Link<'_>> = g
        .links
        .iter()
        .map(|(from, to, kind, label, ev)| relations::Link {
            from,
            to,
            kind: *kind,
            label: label.as_deref(),
            evidence: ev.clone(),
        })
        .collect();
    let attrs: Vec<relations::Attribute<'_>> = g
        .attrs
        .iter()
        .map(|(entity, kind, value, ev)| relations::Attribute {
            entity,
            kind: *kind,
            value,
            evidence: ev.clone(),
        })
        .collect();
    let p = &ctx.params.relations;
    let found = relations::connections(&entities, &links, &attrs, p);
    let findings = relations::findings(&found, &entities, p);
    Ok(Output {
        rows: rows as u64,
        findings,
    })
}
