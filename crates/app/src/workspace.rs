//! A workspace: the folder that holds one organisation's lake (Parquet per dataset and
//! batch), its operational database (the desk), configuration and secret keys.
//!
//! ```text
//! DIR/qinglian.toml        configuration
//! DIR/secret.key           pseudonymisation key (hex, mode 0600)
//! DIR/desk.sqlite          operational database
//! DIR/lake/<dataset>/<batch>.parquet
//! DIR/lake/.staging/       files being written; never read by analysis
//! DIR/quarantine/<batch>.csv
//! DIR/ledger/              the evidence ledger (see `crate::ledger`)
//! DIR/ledger.key           the ledger's signer key (mode 0600); ledger.pub its public key
//! DIR/evidence/<sha256>    registered evidence files
//! DIR/uploads/, exports/  the console's files being imported, bundles being packed (transient)
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use qinglian_core::pseudo::Pseudonymiser;
use qinglian_store::{BatchStatus, BatchStore};
use qinglian_store_sqlite::SqliteStore;

use crate::{AppError, Config};

pub const CONFIG_FILE: &str = "qinglian.toml";
pub const SECRET_FILE: &str = "secret.key";
pub const DESK_FILE: &str = "desk.sqlite";
pub const LAKE_DIR: &str = "lake";
pub const STAGING_DIR: &str = "lake/.staging";
pub const QUARANTINE_DIR: &str = "quarantine";

/// An open workspace.
pub struct Workspace {
    pub root: PathBuf,
    pub config: Config,
    pub store: SqliteStore,
    secret: [u8; 32],
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("root", &self.root)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Creates a workspace in `dir` (made if absent). Refuses a folder that already has one.
pub async fn init_workspace(dir: &Path, config: Config) -> Result<Workspace, AppError> {
    if dir.join(CONFIG_FILE).exists() {
        return Err(AppError::AlreadyAWorkspace(dir.display().to_string()));
    }
    for sub in [LAKE_DIR, STAGING_DIR, QUARANTINE_DIR] {
        fs::create_dir_all(dir.join(sub)).map_err(|e| AppError::io(&dir.join(sub), e))?;
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| AppError::Internal(format!("no system randomness: {e}")))?;
    write_private(
        &dir.join(SECRET_FILE),
        format!("{}\n", hex::encode(secret)).as_bytes(),
    )?;
    crate::ledger::create_ledger(dir, &config.organisation.name)?;
    let store = SqliteStore::open(&dir.join(DESK_FILE), true).await?;
    // The config file is written last: its presence is what makes the folder a workspace.
    fs::write(dir.join(CONFIG_FILE), config.to_toml())
        .map_err(|e| AppError::io(&dir.join(CONFIG_FILE), e))?;
    Ok(Workspace {
        root: dir.to_owned(),
        config,
        store,
        secret,
    })
}

/// Writes a file readable by its owner only (0600), created fresh.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| AppError::io(path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| AppError::io(path, e))
}

impl Workspace {
    /// Opens an existing workspace, applying `overrides` (SECTION__KEY, value) to its config,
    /// and cleans up after any import that was interrupted.
    pub async fn open(dir: &Path, overrides: &[(String, String)]) -> Result<Self, AppError> {
        let cfg_path = dir.join(CONFIG_FILE);
        if !cfg_path.exists() {
            return Err(AppError::NotAWorkspace(dir.display().to_string()));
        }
        let mut config = Config::load(&cfg_path)?;
        for (k, v) in overrides {
            config.set(k, v).map_err(|reason| AppError::Config {
                path: format!("QINGLIAN__{}", k.to_uppercase()),
                reason,
            })?;
        }
        let secret = read_secret(&dir.join(SECRET_FILE))?;
        let store = SqliteStore::open(&dir.join(DESK_FILE), false).await?;
        let ws = Self {
            root: dir.to_owned(),
            config,
            store,
            secret,
        };
        ws.recover().await?;
        Ok(ws)
    }

    /// The working-day calendar deadlines and rules count in: built in, plus the workspace's
    /// `calendar.extra` file (holidays and swapped working days announced after the release).
    pub fn calendar(&self) -> Result<qinglian_core::calendar::Calendar, AppError> {
        let mut cal = qinglian_core::calendar::Calendar::builtin();
        if let Some(extra) = &self.config.calendar.extra {
            let path = self.root.join(extra);
            let text = fs::read_to_string(&path).map_err(|e| AppError::io(&path, e))?;
            cal.merge_csv(&text).map_err(|e| AppError::Config {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        }
        Ok(cal)
    }

    pub fn pseudonymiser(&self) -> Pseudonymiser {
        Pseudonymiser::new(self.secret)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Whether an import of this workspace is running now (in this or another process); a new
    /// import waits for it. For telling the user why nothing moves, not for deciding anything:
    /// the answer may be stale by the time it is read.
    pub fn import_running(&self) -> Result<bool, AppError> {
        Ok(ImportLock::try_acquire(&self.root)?.is_none())
    }

    /// Rolls back imports that were killed before they committed: their batches become
    /// `failed` and their files are removed, so no partial batch is ever visible and the
    /// next import starts clean. Then records in the ledger any batch that committed but was
    /// not recorded (killed between the two; see `crate::ledger`).
    pub async fn recover(&self) -> Result<usize, AppError> {
        let mut cleaned = 0;
        // An import running in another process holds the lock: nothing here is interrupted.
        let Some(_running) = ImportLock::try_acquire(&self.root)? else {
            return Ok(0);
        };
        for b in self.store.batches_in_state(BatchStatus::Committing).await? {
            remove_if_exists(&self.root.join(&b.lake_file))?;
            if let Some(q) = &b.quarantine_file {
                remove_if_exists(&self.root.join(q))?;
            }
            self.store
                .fail_batch(
                    &b.id,
                    "interrupted before commit; rolled back / 导入中断，已回滚",
                )
                .await?;
            cleaned += 1;
        }
        let staging = self.root.join(STAGING_DIR);
        if let Ok(entries) = fs::read_dir(&staging) {
            for e in entries.flatten() {
                remove_if_exists(&e.path())?;
                cleaned += 1;
            }
        }
        // A damaged or busy ledger must not lock people out of their workspace: the batch
        // stays unrecorded, `ledger verify` reports it and the next open tries again.
        match crate::ledger::recover_imports(self).await {
            Ok(n) => cleaned += n,
            Err(AppError::Store(e)) => return Err(e.into()),
            Err(_) => {}
        }
        Ok(cleaned)
    }
}

/// The lock file imports hold while they run (an OS file lock, released when the process
/// ends, however it ends).
const IMPORT_LOCK_FILE: &str = "lake/.import.lock";

/// Held by an import from start to commit. `recover` only rolls back interrupted imports
/// when it can take the lock, so opening the workspace (any command, in another process)
/// never removes the files of an import that is still running.
pub(crate) struct ImportLock {
    _file: fs::File,
}

impl ImportLock {
    fn file(root: &Path) -> Result<fs::File, AppError> {
        let path = root.join(IMPORT_LOCK_FILE);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| AppError::io(dir, e))?;
        }
        fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| AppError::io(&path, e))
    }

    /// Waits for any other import of this workspace to finish, then holds the lock.
    pub(crate) fn acquire(root: &Path) -> Result<Self, AppError> {
        let f = Self::file(root)?;
        f.lock()
            .map_err(|e| AppError::io(&root.join(IMPORT_LOCK_FILE), e))?;
        Ok(Self { _file: f })
    }

    /// The lock if no import is running now.
    fn try_acquire(root: &Path) -> Result<Option<Self>, AppError> {
        let f = Self::file(root)?;
        match f.try_lock() {
            Ok(()) => Ok(Some(Self { _file: f })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(AppError::io(&root.join(IMPORT_LOCK_FILE), e)),
        }
    }
}

fn remove_if_exists(p: &Path) -> Result<(), AppError> {
    match fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(AppError::io(p, e)),
    }
}

fn read_secret(path: &Path) -> Result<[u8; 32], AppError> {
    let text = fs::read_to_string(path).map_err(|e| AppError::io(path, e))?;
    let bytes = hex::decode(text.trim()).map_err(|_| AppError::Config {
        path: path.display().to_string(),
        reason: "the secret key is not 64 hex digits (damaged?)".into(),
    })?;
    bytes.try_into().map_err(|_| AppError::Config {
        path: path.display().to_string(),
        reason: "the secret key must be 32 bytes (64 hex digits)".into(),
    })
}

#[cfg(test)]
mod import_lock_tests {
    use super::*;

    #[tokio::test]
    async fn opening_while_an_import_runs_does_not_roll_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::init_workspace(&dir.path().join("ws"), Config::default())
            .await
            .unwrap();
        let staging = ws.path(STAGING_DIR);
        fs::create_dir_all(&staging).unwrap();
        let in_flight = staging.join("payments-x.parquet");
        fs::write(&in_flight, b"an import still writing").unwrap();

        assert!(!ws.import_running().unwrap());
        // What a running import holds (another process in real life: flock is per open file).
        let running = ImportLock::acquire(&ws.root).unwrap();
        assert!(
            ws.import_running().unwrap(),
            "a held lock is a running import"
        );
        let other = Workspace::open(&ws.root, &[]).await.unwrap();
        assert!(
            in_flight.exists(),
            "another command's open removed a running import's file"
        );
        other.store.close().await;

        drop(running);
        assert!(!ws.import_running().unwrap());
        let later = Workspace::open(&ws.root, &[]).await.unwrap();
        assert!(
            !in_flight.exists(),
            "leftovers of an interrupted import are cleaned"
        );
        later.store.close().await;
        ws.store.close().await;
    }
}
