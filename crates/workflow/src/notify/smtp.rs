//! E-mail over plain SMTP with lettre (intranet relays; no TLS compiled in).

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::extension::ClientId;
use lettre::{Message, SmtpTransport, Transport};

use super::{ChannelConfig, Notification};

pub(super) fn mailbox(text: &str) -> Result<Mailbox, String> {
    text.parse::<Mailbox>()
        .map_err(|e| format!("'{text}' is not an e-mail address ({e})"))
}

pub(super) fn send(c: &ChannelConfig, n: &Notification, timeout: Duration) -> Result<(), String> {
    let host = c
        .smtp_host
        .as_deref()
        .ok_or("the channel has no smtp_host")?;
    let from = mailbox(c.from.as_deref().ok_or("the channel has no from")?)?;
    let mut builder = Message::builder()
        .from(from)
        .subject(format!("{} / {}", n.title_zh, n.title_en))
        .header(ContentType::TEXT_PLAIN);
    for to in &c.to {
        builder = builder.to(mailbox(to)?);
    }
    let body = format!(
        "{}\n\n{}\n\n----\n{}\n\n{}\n",
        n.title_zh, n.text_zh, n.title_en, n.text_en
    );
    let message = builder
        .body(body)
        .map_err(|e| format!("cannot build the e-mail: {e}"))?;
    let transport = SmtpTransport::builder_dangerous(host)
        .port(c.smtp_port.unwrap_or(25))
        .hello_name(ClientId::Domain("qinglian.local".into()))
        .timeout(Some(timeout))
        .build();
    transport
        .send(&message)
        .map(|_| ())
        .map_err(|e| format!("SMTP {host}: {e}"))
}
