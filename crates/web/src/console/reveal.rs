//! Revealing a masked personal identifier (身份信息核验), with a reason, into the access log.
//!
//! The lake never holds a personal identifier in clear: import replaces each resident id,
//! phone number, bank card or account by its keyed pseudonym (HMAC-SHA256 under the
//! workspace's `secret.key`) and a masked form such as `110105********123X`. So there is no
//! stored value to "unmask", and the console does not pretend there is. What a person with
//! the permission can do is *check a candidate*: type or paste the identifier they hold from
//! the source system (a personnel file, a contract) with the reason they need it; the console
//! validates it, and shows its normalised value, its masked form and its pseudonym, and says
//! whether that pseudonym is the warning's subject or one of its finding's facts, and which
//! cited evidence rows show the same masked form. The pseudonym is what the evidence rows'
//! identifier column holds in the lake (the console shows only the masked twin).
//!
//! Every check is written to the access log — who, which warning and which kind of
//! identifier, the pseudonym (never the clear value), when and why — whether it matched or
//! not. Roles without [`Permission::RevealIdentifiers`] get 403; a warning outside a liaison's
//! department is 404 as everywhere else. The clear value is not logged, stored or traced.

use axum::http::StatusCode;
use chrono::Utc;
use qinglian_app::users::{self, Permission};
use qinglian_core::{BankAccount, BankCard, Bilingual, IdentKind, Phone, ResidentId};
use serde::Serialize;

use super::auth::Acting;
use super::{ConsoleState, WebErr};

/// The kinds of identifier that can be checked (e-mail addresses are masked too, but their
/// normalisation lives in the importer and is not duplicated here).
pub const KINDS: [&str; 4] = ["resident_id", "phone", "bank_card", "bank_account"];

/// The longest reason kept.
const REASON_MAX: usize = 500;

/// What a check shows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Revealed {
    pub warning: i64,
    pub kind: String,
    /// The identifier as the importer normalises it.
    pub value: String,
    /// As evidence rows show it.
    pub masked: String,
    /// The workspace's keyed pseudonym: what the lake holds in the identifier's column.
    pub pseudonym: String,
    /// Where it appears on this warning: `subject` or `fact:<name>` (the pseudonym itself), or
    /// `evidence:<dataset>:<row>:<field>` (a cited row whose masked cell is the same: likely,
    /// not proven); empty when nowhere.
    pub found_in: Vec<String>,
}

fn input(zh: String, en: String) -> WebErr {
    WebErr::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "reveal.bad_input",
        &zh,
        &en,
    )
}

/// Validates `raw` as an identifier of `kind`: (normalised value, masked form, pseudonym domain).
pub fn normalise(kind: &str, raw: &str) -> Result<(String, String, IdentKind), WebErr> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(input(
            "请填写要核验的身份信息".into(),
            "give the identifier to check ('value')".into(),
        ));
    }
    let bad = |e: &dyn Bilingual| {
        input(
            format!("不是有效的证件或号码：{}", e.message_zh()),
            format!("not a valid identifier: {}", e.message_en()),
        )
    };
    Ok(match kind.trim() {
        "resident_id" => {
            let v = ResidentId::parse(raw).map_err(|e| bad(&e))?;
            (v.as_str().to_owned(), v.masked(), IdentKind::ResidentId)
        }
        "phone" => {
            let v = Phone::parse(raw).map_err(|e| bad(&e))?;
            (v.as_str().to_owned(), v.masked(), IdentKind::Phone)
        }
        "bank_card" => {
            let v = BankCard::parse(raw).map_err(|e| bad(&e))?;
            (v.as_str().to_owned(), v.masked(), IdentKind::BankAccount)
        }
        "bank_account" => {
            let v = BankAccount::parse(raw).map_err(|e| bad(&e))?;
            (v.as_str().to_owned(), v.masked(), IdentKind::BankAccount)
        }
        other => {
            return Err(WebErr::bad_request(
                format!("未知的身份信息类别「{other}」：可用 {}", KINDS.join("、")),
                format!(
                    "unknown identifier kind '{other}': use {}",
                    KINDS.join(", ")
                ),
            ));
        }
    })
}

/// Checks a candidate identifier on a warning the caller may see, and logs it.
pub async fn reveal(
    state: &ConsoleState,
    who: &impl Acting,
    id: i64,
    kind: &str,
    value: &str,
    reason: &str,
) -> Result<Revealed, WebErr> {
    who.require(Permission::RevealIdentifiers)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(input(
            "核验身份信息须说明理由".into(),
            "checking an identifier needs a reason ('reason')".into(),
        ));
    }
    if reason.chars().count() > REASON_MAX {
        return Err(input(
            format!("理由过长（最多 {REASON_MAX} 个字符）"),
            format!("the reason is too long ({REASON_MAX} characters at most)"),
        ));
    }
    let now = Utc::now();
    let view = super::pages::load_visible(state, who, id, now).await?;
    let (value, masked, ident) = normalise(kind, value)?;
    let pseudonym = state.workspace().pseudonymiser().pseudonym(ident, &value);
    let mut found_in = Vec::new();
    if view.warning.subject_id == pseudonym {
        found_in.push("subject".to_owned());
    }
    if let Some(f) = &view.finding {
        for (name, v) in &f.finding.facts {
            if v.contains(&pseudonym) {
                found_in.push(format!("fact:{name}"));
            }
        }
    }
    // The cited rows show identifiers masked only (their keyed hashes stay in the lake): a
    // cell with the same masked form is named, as a likely match rather than a proof.
    for t in super::pages::cited_rows(state, &view).await? {
        for (c, column) in t.columns.iter().enumerate() {
            let Some(field) = column.name.strip_suffix("_masked") else {
                continue;
            };
            for (row, cells) in &t.rows {
                if cells.get(c).and_then(Option::as_deref) == Some(masked.as_str()) {
                    found_in.push(format!("evidence:{}:{row}:{field}", t.dataset));
                }
            }
        }
    }
    let kind = kind.trim().to_owned();
    users::log_access(
        state.workspace(),
        &who.actor(),
        "reveal",
        &format!("warning:{id}:{kind}:{pseudonym}"),
        Some(reason),
        now,
    )
    .await?;
    Ok(Revealed {
        warning: id,
        kind,
        value,
        masked,
        pseudonym,
        found_in,
    })
}
