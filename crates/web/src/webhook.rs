//! The client side of notification webhooks (generic JSON, DingTalk and WeCom robots): POST a
//! JSON body and hand back the status and the body, whatever they are. What the body means
//! (a robot's `errcode`) is decided by the workflow's notifier, not here.

use std::time::Duration;

use crate::WebError;

/// POSTs `body` as `application/json` to `url` (plain `http://`: TLS is not built in; an
/// intranet relay adds it) and returns the status and the response body.
pub fn post_json(url: &str, body: &str, timeout: Duration) -> Result<(u16, String), WebError> {
    if !url.starts_with("http://") {
        return Err(WebError::BadUrl(url.to_owned()));
    }
    let unreachable = |e: ureq::Error| WebError::Unreachable {
        url: url.to_owned(),
        reason: e.to_string(),
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into();
    let mut response = agent
        .post(url)
        .header("content-type", "application/json")
        .send(body)
        .map_err(unreachable)?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().map_err(unreachable)?;
    Ok((status, text))
}
