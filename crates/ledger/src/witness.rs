//! The state logic of a C2SP tlog-witness: `add-checkpoint` request parsing, the checks in
//! the order the spec gives them, the status code each failure maps to, and the
//! cosignature/v1 response. No HTTP here: the web layer passes the body and the clock in and
//! sends back [`WitnessError::status`], [`WitnessError::content_type`] and the body.
//!
//! The spec requires the new state to be persisted before the response is sent, with check
//! and update atomic: callers hold the [`Witness`] behind a mutex across `add_checkpoint` and
//! [`WitnessState::save`], and answer 500 without the cosignature if saving fails.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::checkpoint::Checkpoint;
use crate::cosignature::cosign;
use crate::error::{Error, PathContext};
use crate::hash::Hash;
use crate::keys::{KeyError, KeyKind, SignerKey, VerifierKey};
use crate::note::{Note, verify_note};
use crate::proof::verify_consistency;

/// Most consistency proof lines a request may carry (tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;
/// Content type of a 409 body carrying the latest size.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// Why a checkpoint was not cosigned, with the HTTP status tlog-witness assigns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unknown log origin {0:?}")]
    UnknownLog(String),
    #[error("no signature on the checkpoint verifies with a key trusted for {0:?}")]
    Forbidden(String),
    #[error("old size does not match the latest cosigned size {latest}")]
    SizeConflict { latest: u64 },
    #[error(
        "the checkpoint has size {size} like the latest cosigned one but a different root hash: the log forked"
    )]
    RootConflict { size: u64 },
    #[error("the consistency proof does not verify: {0}")]
    BadProof(String),
    #[error("internal witness error: {0}")]
    Internal(String),
}

impl WitnessError {
    /// The HTTP status code to answer with.
    pub fn status(&self) -> u16 {
        match self {
            WitnessError::BadRequest(_) => 400,
            WitnessError::Forbidden(_) => 403,
            WitnessError::UnknownLog(_) => 404,
            WitnessError::SizeConflict { .. } | WitnessError::RootConflict { .. } => 409,
            WitnessError::BadProof(_) => 422,
            WitnessError::Internal(_) => 500,
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            WitnessError::SizeConflict { .. } => SIZE_CONTENT_TYPE,
            _ => "text/plain; charset=utf-8",
        }
    }

    /// The response body: the latest size and a newline for a size conflict (as the spec
    /// requires), otherwise the message.
    pub fn body(&self) -> String {
        match self {
            WitnessError::SizeConflict { latest } => format!("{latest}\n"),
            other => format!("{other}\n"),
        }
    }
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessedHead {
    pub size: u64,
    pub root: Hash,
    /// The signed checkpoint as submitted, kept as evidence.
    pub note: String,
}

/// What a witness must remember: per origin, the latest cosigned tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessState {
    pub logs: BTreeMap<String, WitnessedHead>,
}

impl WitnessState {
    /// Reads the state file; a missing file is the empty state.
    pub fn load(path: &Path) -> Result<WitnessState, Error> {
        match fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
                dir: path.to_path_buf(),
                detail: format!("witness state is not valid JSON: {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(WitnessState::default()),
            Err(e) => Err(Error::File {
                path: path.to_path_buf(),
                source: e,
            }),
        }
    }

    /// Replaces the state file atomically and durably (temp file, fsync, rename, fsync dir).
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let tmp = path.with_extension("tmp");
        let json =
            serde_json::to_vec_pretty(self).map_err(|e| Error::Io(std::io::Error::other(e)))?;
        let mut f = File::create(&tmp).at(&tmp)?;
        f.write_all(&json).at(&tmp)?;
        f.sync_all().at(&tmp)?;
        fs::rename(&tmp, path).at(path)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        crate::log::sync_dir(dir)
    }

    /// The latest cosigned checkpoint of `origin`, e.g. as a remembered checkpoint for
    /// [`crate::verify::VerifyOptions`].
    pub fn checkpoint(&self, origin: &str) -> Option<Checkpoint> {
        self.logs
            .get(origin)
            .map(|h| Checkpoint::new(origin, h.size, h.root))
    }
}

/// A witness: its cosigning key, the logs it trusts, and its state.
#[derive(Debug)]
pub struct Witness {
    signer: SignerKey,
    logs: BTreeMap<String, Vec<VerifierKey>>,
    state: WitnessState,
}

/// A parsed add-checkpoint request body.
struct Request<'a> {
    old: u64,
    proof: Vec<Hash>,
    note: &'a str,
}

impl Witness {
    /// `signer` must be a cosigner (type 0x04) key.
    pub fn new(signer: SignerKey, state: WitnessState) -> Result<Witness, KeyError> {
        signer.require(KeyKind::Cosigner)?;
        Ok(Witness {
            signer,
            logs: BTreeMap::new(),
            state,
        })
    }

    /// Trusts `key` (a log's note key) for checkpoints whose origin line is `origin`.
    pub fn add_log(&mut self, origin: &str, key: VerifierKey) -> Result<(), KeyError> {
        if key.kind() != KeyKind::Note {
            return Err(KeyError::WrongKind {
                want: KeyKind::Note,
                got: key.kind(),
            });
        }
        self.logs.entry(origin.to_owned()).or_default().push(key);
        Ok(())
    }

    pub fn verifier(&self) -> VerifierKey {
        self.signer.verifier()
    }

    pub fn state(&self) -> &WitnessState {
        &self.state
    }

    /// Handles an add-checkpoint body at time `now` (POSIX seconds). On success the state is
    /// updated and the body to send with 200 (cosignature lines) is returned.
    pub fn add_checkpoint(&mut self, body: &str, now: u64) -> Result<String, WitnessError> {
        let req = parse_request(body)?;
        let note = Note::parse(req.note).map_err(|e| WitnessError::BadRequest(e.to_string()))?;
        let checkpoint = Checkpoint::parse_text(&note.text)
            .map_err(|e| WitnessError::BadRequest(e.to_string()))?;
        let keys = self
            .logs
            .get(&checkpoint.origin)
            .ok_or_else(|| WitnessError::UnknownLog(checkpoint.origin.clone()))?;
        verify_note(req.note, keys)
            .map_err(|_| WitnessError::Forbidden(checkpoint.origin.clone()))?;
        if req.old > checkpoint.size {
            return Err(WitnessError::BadRequest(format!(
                "old size {} is larger than the checkpoint size {}",
                req.old, checkpoint.size
            )));
        }
        self.check_against_latest(&req, &checkpoint)?;
        let line = cosign(&note.text, &self.signer, now)
            .map_err(|e| WitnessError::Internal(e.to_string()))?;
        let head = WitnessedHead {
            size: checkpoint.size,
            root: checkpoint.root,
            note: req.note.to_owned(),
        };
        self.state.logs.insert(checkpoint.origin, head);
        Ok(line)
    }

    fn check_against_latest(
        &self,
        req: &Request<'_>,
        checkpoint: &Checkpoint,
    ) -> Result<(), WitnessError> {
        let latest = self.state.logs.get(&checkpoint.origin);
        let latest_size = latest.map_or(0, |h| h.size);
        if req.old != latest_size {
            return Err(WitnessError::SizeConflict {
                latest: latest_size,
            });
        }
        let Some(latest) = latest.filter(|_| req.old > 0) else {
            return match req.proof.len() {
                0 => Ok(()),
                _ => Err(WitnessError::BadProof(
                    "the proof must be empty when the old size is 0".into(),
                )),
            };
        };
        if req.old == checkpoint.size && latest.root != checkpoint.root {
            return Err(WitnessError::RootConflict {
                size: checkpoint.size,
            });
        }
        verify_consistency(
            req.old,
            checkpoint.size,
            &latest.root,
            &checkpoint.root,
            &req.proof,
        )
        .map_err(|e| WitnessError::BadProof(e.to_string()))
    }
}

fn bad(why: impl Into<String>) -> WitnessError {
    WitnessError::BadRequest(why.into())
}

/// `old N\n`, up to 63 base64 hash lines, an empty line, then the checkpoint note.
fn parse_request(body: &str) -> Result<Request<'_>, WitnessError> {
    let (first, mut rest) = body
        .split_once('\n')
        .ok_or_else(|| bad("the body must start with an old size line"))?;
    let old = first
        .strip_prefix("old ")
        .ok_or_else(|| bad("the first line must be `old <size>`"))?;
    if old.is_empty()
        || !old.bytes().all(|b| b.is_ascii_digit())
        || (old.len() > 1 && old.starts_with('0'))
    {
        return Err(bad("the old size must be a decimal without leading zeros"));
    }
    let old: u64 = old.parse().map_err(|_| bad("the old size is too large"))?;
    let mut proof = Vec::new();
    loop {
        let (line, after) = rest
            .split_once('\n')
            .ok_or_else(|| bad("missing the empty line before the checkpoint"))?;
        rest = after;
        if line.is_empty() {
            break;
        }
        if proof.len() == MAX_PROOF_LINES {
            return Err(bad(format!(
                "more than {MAX_PROOF_LINES} consistency proof lines"
            )));
        }
        proof.push(
            Hash::from_base64(line).map_err(|e| bad(format!("consistency proof line: {e}")))?,
        );
    }
    Ok(Request {
        old,
        proof,
        note: rest,
    })
}

/// The request body a log sends to a witness: `old N`, the proof, a blank line, the note.
pub fn add_checkpoint_body(old: u64, proof: &[Hash], checkpoint_note: &str) -> String {
    let mut body = format!("old {old}\n");
    for h in proof {
        body.push_str(&h.to_base64());
        body.push('\n');
    }
    body.push('\n');
    body.push_str(checkpoint_note);
    body
}
