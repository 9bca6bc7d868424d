//! Notifications: e-mail over SMTP, a generic JSON webhook, and the group-robot webhooks of
//! DingTalk (钉钉) and WeCom (企业微信), chosen per department and level.
//!
//! Each channel is tried with retries and exponential backoff; channels are tried side by side,
//! and a failed one is reported in the returned [`Delivery`] list and never stops the others or
//! the workflow (the transition is saved before anything is sent). This module builds the
//! messages and speaks SMTP; HTTP goes through [`HttpPost`], which the composition root
//! provides (only the `web` crate speaks HTTP).
//!
//! ```toml
//! [[warnings.notify.channels]]
//! name = "finance-mail"
//! kind = "email"
//! departments = ["财务部"]          # empty: every department
//! levels = ["inspector", "committee"] # empty: every level
//! smtp_host = "mail.intranet"
//! smtp_port = 25
//! from = "qinglian@example.org"
//! to = ["jijian@example.org"]
//!
//! [[warnings.notify.channels]]
//! name = "committee-robot"
//! kind = "dingtalk"                # or "wecom", or "webhook" (generic JSON)
//! url = "http://robot-relay.intranet/robot/send?access_token=…"
//! ```

mod smtp;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use qinglian_store::{Level, WarningRecord};
use serde::{Deserialize, Serialize};

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Raised,
    Transition,
    Escalated,
    Reminder,
    Overdue,
    Digest,
}

/// One message, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub kind: NoticeKind,
    pub warning: Option<i64>,
    pub department: String,
    pub level: Option<Level>,
    pub title_zh: String,
    pub title_en: String,
    pub text_zh: String,
    pub text_en: String,
}

impl Notification {
    /// A message about one warning.
    pub fn about(kind: NoticeKind, w: &WarningRecord, what_zh: &str, what_en: &str) -> Self {
        let who = w.subject_name.as_deref().unwrap_or(&w.subject_id);
        Notification {
            kind,
            warning: Some(w.id),
            department: w.department.clone(),
            level: Some(w.level),
            title_zh: format!("【{}】预警 {}：{what_zh}", w.level.name_zh(), w.id),
            title_en: format!("[level {}] warning {}: {what_en}", w.level.number(), w.id),
            text_zh: format!(
                "规则 {} · 对象 {who} · 部门 {} · 状态 {} · 办理期限 {}\n{}",
                w.source_id,
                w.department,
                w.state.name_zh(),
                w.deadline,
                w.title_zh
            ),
            text_en: format!(
                "rule {} · subject {who} · department {} · state {} · deadline {}\n{}",
                w.source_id,
                w.department,
                w.state.as_str(),
                w.deadline,
                w.title_en
            ),
        }
    }

    /// The daily digest of a department: its open warnings, overdue ones marked.
    pub fn digest(department: &str, open: &[WarningRecord], today: NaiveDate) -> Self {
        let overdue = open.iter().filter(|w| w.deadline < today).count();
        let mut zh = Vec::new();
        let mut en = Vec::new();
        for w in open {
            let late = w.deadline < today;
            zh.push(format!(
                "- 预警 {} [{}] {} 期限 {}{}",
                w.id,
                w.state.name_zh(),
                w.title_zh,
                w.deadline,
                if late { "（已逾期）" } else { "" }
            ));
            en.push(format!(
                "- warning {} [{}] {} due {}{}",
                w.id,
                w.state.as_str(),
                w.title_en,
                w.deadline,
                if late { " (OVERDUE)" } else { "" }
            ));
        }
        Notification {
            kind: NoticeKind::Digest,
            warning: None,
            department: department.to_owned(),
            level: None,
            title_zh: format!(
                "{department} 预警日报 {today}：待办 {} 条，逾期 {overdue} 条",
                open.len()
            ),
            title_en: format!(
                "{department} warnings digest {today}: {} open, {overdue} overdue",
                open.len()
            ),
            text_zh: zh.join("\n"),
            text_en: en.join("\n"),
        }
    }
}

/// The kind of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Email,
    /// Generic JSON webhook: the [`Notification`] as JSON.
    Webhook,
    /// DingTalk group robot (markdown message; `errcode` 0 means delivered).
    Dingtalk,
    /// WeCom group robot (markdown message; `errcode` 0 means delivered).
    Wecom,
}

/// One configured channel. Its URL (robot tokens) is never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    pub name: String,
    pub kind: ChannelKind,
    /// Only warnings of these departments (empty: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<String>,
    /// Only warnings at these levels (empty: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}

impl fmt::Debug for ChannelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("departments", &self.departments)
            .field("levels", &self.levels)
            .field("url", &self.url.as_ref().map(|_| "<hidden>"))
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("from", &self.from)
            .field("to", &self.to)
            .finish()
    }
}

impl ChannelConfig {
    fn matches(&self, n: &Notification) -> bool {
        (self.departments.is_empty() || self.departments.contains(&n.department))
            && (self.levels.is_empty() || n.level.is_none_or(|l| self.levels.contains(&l)))
    }

    pub fn validate(&self) -> Result<(), String> {
        let name = &self.name;
        if name.trim().is_empty() {
            return Err("a notification channel needs a name".into());
        }
        match self.kind {
            ChannelKind::Email => {
                if self
                    .smtp_host
                    .as_deref()
                    .is_none_or(|h| h.trim().is_empty())
                {
                    return Err(format!("channel {name}: e-mail needs smtp_host"));
                }
                let from = self
                    .from
                    .as_deref()
                    .ok_or_else(|| format!("channel {name}: e-mail needs from"))?;
                smtp::mailbox(from).map_err(|e| format!("channel {name}: from: {e}"))?;
                if self.to.is_empty() {
                    return Err(format!(
                        "channel {name}: e-mail needs at least one address in to"
                    ));
                }
                for t in &self.to {
                    smtp::mailbox(t).map_err(|e| format!("channel {name}: to: {e}"))?;
                }
            }
            ChannelKind::Webhook | ChannelKind::Dingtalk | ChannelKind::Wecom => {
                let url = self
                    .url
                    .as_deref()
                    .ok_or_else(|| format!("channel {name}: a webhook needs url"))?;
                if !url.starts_with("http://") {
                    return Err(format!(
                        "channel {name}: the url must start with http:// (no TLS is built in; \
                         send through an intranet relay that adds it)"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Retries per channel: `attempts` tries in all, waiting `backoff_ms`, then twice that, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub backoff_ms: u64,
    /// Per attempt.
    pub timeout_secs: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            backoff_ms: 500,
            timeout_secs: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    pub channels: Vec<ChannelConfig>,
    pub retry: RetryPolicy,
}

impl NotifyConfig {
    pub fn validate(&self) -> Result<(), String> {
        for c in &self.channels {
            c.validate()?;
        }
        if self.retry.attempts == 0 {
            return Err("notify.retry.attempts must be at least 1".into());
        }
        Ok(())
    }
}

/// An HTTP reply, as much as a channel needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub body: String,
}

/// POSTs a JSON body; provided by the composition root (the `web` crate's client).
pub trait HttpPost: Send + Sync {
    fn post_json(&self, url: &str, body: &str, timeout: Duration) -> Result<HttpReply, String>;
}

/// The outcome of one channel for one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub channel: String,
    pub ok: bool,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Sends notifications to the configured channels.
#[derive(Clone)]
pub struct Notifier {
    config: NotifyConfig,
    http: Option<Arc<dyn HttpPost>>,
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("config", &self.config)
            .field("http", &self.http.is_some())
            .finish()
    }
}

/// The JSON body a webhook channel sends.
pub fn webhook_body(kind: ChannelKind, n: &Notification) -> String {
    let text = format!(
        "{}\n\n{}\n\n{}\n{}",
        n.title_zh, n.text_zh, n.title_en, n.text_en
    );
    let v = match kind {
        ChannelKind::Dingtalk => serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "title": n.title_zh, "text": format!("### {}\n\n{}", n.title_zh, md_lines(&text)) },
        }),
        ChannelKind::Wecom => serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "content": format!("**{}**\n{}", n.title_zh, text) },
        }),
        ChannelKind::Webhook | ChannelKind::Email => serde_json::json!({
            "source": "qinglian",
            "notification": n,
        }),
    };
    v.to_string()
}

/// Markdown needs blank lines or two trailing spaces for a line break (DingTalk).
fn md_lines(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join("  \n")
}

/// A robot replies 200 with `errcode` ≠ 0 when it refuses a message.
fn robot_refusal(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let code = v.get("errcode")?.as_i64()?;
    (code != 0).then(|| {
        format!(
            "robot refused the message: errcode {code} {}",
            v.get("errmsg").and_then(|m| m.as_str()).unwrap_or_default()
        )
    })
}

impl Notifier {
    pub fn new(config: NotifyConfig, http: Option<Arc<dyn HttpPost>>) -> Self {
        Self { config, http }
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// Sends `n` through every channel whose departments and levels match, side by side, and
    /// reports each. Never fails: a failed channel is a `Delivery` with `ok: false`.
    pub fn deliver(&self, n: &Notification) -> Vec<Delivery> {
        let channels: Vec<&ChannelConfig> = self
            .config
            .channels
            .iter()
            .filter(|c| c.matches(n))
            .collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = channels
                .iter()
                .map(|c| scope.spawn(move || self.deliver_one(c, n)))
                .collect();
            handles
                .into_iter()
                .zip(&channels)
                .map(|(h, c)| {
                    h.join().unwrap_or_else(|_| Delivery {
                        channel: c.name.clone(),
                        ok: false,
                        attempts: 0,
                        error: Some("the channel's sender panicked (this is a bug)".into()),
                    })
                })
                .collect()
        })
    }

    fn deliver_one(&self, c: &ChannelConfig, n: &Notification) -> Delivery {
        let retry = self.config.retry;
        let mut wait = Duration::from_millis(retry.backoff_ms);
        let mut last = String::new();
        let attempts = retry.attempts.max(1);
        for attempt in 1..=attempts {
            match self.send_once(c, n) {
                Ok(()) => {
                    return Delivery {
                        channel: c.name.clone(),
                        ok: true,
                        attempts: attempt,
                        error: None,
                    };
                }
                Err(e) => last = e,
            }
            if attempt < attempts {
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
            }
        }
        Delivery {
            channel: c.name.clone(),
            ok: false,
            attempts,
            error: Some(last),
        }
    }

    fn send_once(&self, c: &ChannelConfig, n: &Notification) -> Result<(), String> {
        let timeout = Duration::from_secs(self.config.retry.timeout_secs.max(1));
        match c.kind {
            ChannelKind::Email => smtp::send(c, n, timeout),
            kind => {
                let http = self
                    .http
                    .as_ref()
                    .ok_or("no HTTP client was given to the notifier (this is a bug)")?;
                let url = c.url.as_deref().ok_or("the channel has no url")?;
                let reply = http.post_json(url, &webhook_body(kind, n), timeout)?;
                if !(200..300).contains(&reply.status) {
                    return Err(format!("HTTP {} from the webhook", reply.status));
                }
                if matches!(kind, ChannelKind::Dingtalk | ChannelKind::Wecom)
                    && let Some(refusal) = robot_refusal(&reply.body)
                {
                    return Err(refusal);
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note() -> Notification {
        Notification {
            kind: NoticeKind::Raised,
            warning: Some(7),
            department: "财务部".into(),
            level: Some(Level::Inspector),
            title_zh: "预警 7".into(),
            title_en: "warning 7".into(),
            text_zh: "第一行\n第二行".into(),
            text_en: "line one".into(),
        }
    }

    #[test]
    fn robot_formats_follow_their_apis() {
        let d: serde_json::Value =
            serde_json::from_str(&webhook_body(ChannelKind::Dingtalk, &note())).unwrap();
        assert_eq!(d["msgtype"], "markdown");
        assert_eq!(d["markdown"]["title"], "预警 7");
        assert!(
            d["markdown"]["text"]
                .as_str()
                .unwrap()
                .contains("第一行  \n第二行")
        );
        let w: serde_json::Value =
            serde_json::from_str(&webhook_body(ChannelKind::Wecom, &note())).unwrap();
        assert!(
            w["markdown"]["content"]
                .as_str()
                .unwrap()
                .starts_with("**预警 7**")
        );
        let g: serde_json::Value =
            serde_json::from_str(&webhook_body(ChannelKind::Webhook, &note())).unwrap();
        assert_eq!(g["notification"]["warning"], 7);
        assert_eq!(g["notification"]["level"], "inspector");
        assert_eq!(robot_refusal(r#"{"errcode":0,"errmsg":"ok"}"#), None);
        assert!(
            robot_refusal(r#"{"errcode":310000,"errmsg":"keywords not in content"}"#)
                .unwrap()
                .contains("310000")
        );
    }

    #[test]
    fn channels_filter_by_department_and_level_and_hide_urls() {
        let c = ChannelConfig {
            name: "x".into(),
            kind: ChannelKind::Dingtalk,
            departments: vec!["采购部".into()],
            levels: vec![],
            url: Some("http://h/robot?access_token=SECRET".into()),
            smtp_host: None,
            smtp_port: None,
            from: None,
            to: vec![],
        };
        assert!(!c.matches(&note()));
        assert!(!format!("{c:?}").contains("SECRET"));
        let c = ChannelConfig {
            departments: vec![],
            levels: vec![Level::Committee],
            ..c
        };
        assert!(!c.matches(&note()));
        let c = ChannelConfig {
            levels: vec![Level::Inspector],
            ..c
        };
        assert!(c.matches(&note()));
        assert!(c.validate().is_ok());
        let https = ChannelConfig {
            url: Some("https://oapi.example/robot".into()),
            ..c.clone()
        };
        assert!(https.validate().unwrap_err().contains("http://"));
        let mail = ChannelConfig {
            kind: ChannelKind::Email,
            smtp_host: Some("mail".into()),
            from: Some("not an address".into()),
            to: vec!["a@b.cn".into()],
            ..c
        };
        assert!(mail.validate().unwrap_err().contains("from"));
    }
}
