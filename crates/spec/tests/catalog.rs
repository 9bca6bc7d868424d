//! Consistency checks over the whole catalogue.

use std::collections::HashSet;

use qinglian_spec::{DATASETS, HeaderMatch, match_header};

#[test]
fn names_are_unique_and_keys_exist() {
    let mut seen = HashSet::new();
    for d in DATASETS {
        assert!(seen.insert(d.name), "dataset {} twice", d.name);
        let mut fields = HashSet::new();
        for f in d.fields {
            assert!(fields.insert(f.name), "{}.{} twice", d.name, f.name);
            assert!(
                !f.zh.is_empty() && !f.en.is_empty() && !f.doc.is_empty(),
                "{}.{} lacks a label",
                d.name,
                f.name
            );
        }
        for k in d.key {
            let f = d
                .field(k)
                .unwrap_or_else(|| panic!("{}: key {k} is not a field", d.name));
            assert!(f.required, "{}: key field {k} must be required", d.name);
        }
    }
}

#[test]
fn the_issue_datasets_are_all_there() {
    for name in [
        "org_units",
        "persons",
        "person_relations",
        "companies",
        "company_links",
        "payments",
        "expense_claims",
        "contracts",
        "contract_changes",
        "tenders",
        "bids",
        "meetings",
        "meeting_votes",
        "decisions",
        "appointments",
        "payroll",
        "attendance",
        "vehicles",
        "fuel_transactions",
        "vehicle_trips",
    ] {
        assert!(
            qinglian_spec::dataset(name).is_some(),
            "missing dataset {name}"
        );
    }
}

#[test]
fn every_label_resolves_to_its_own_field() {
    // An alias that resolves to another field would silently import a column into the wrong place.
    for d in DATASETS {
        for (i, f) in d.fields.iter().enumerate() {
            for label in [f.name, f.zh, f.en].iter().chain(f.aliases) {
                assert_eq!(
                    match_header(d, label),
                    HeaderMatch::Field(i),
                    "{}: '{label}' should be {}",
                    d.name,
                    f.name
                );
            }
        }
    }
}
