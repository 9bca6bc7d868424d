//! File names, positional reads, synced appends, and the two JSON-lines journals.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use crate::error::{Error, PathContext};

pub const ENTRIES_FILE: &str = "entries.log";
pub const LEAVES_FILE: &str = "leaves.bin";
pub const OFFSETS_FILE: &str = "offsets.bin";
pub const SUBTREES_FILE: &str = "subtrees.bin";
pub const CHECKPOINTS_FILE: &str = "checkpoints.jsonl";
pub const COSIGNATURES_FILE: &str = "cosignatures.jsonl";

/// One line of `checkpoints.jsonl`: a signed checkpoint note, exactly as signed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointLine {
    pub note: String,
}

/// One line of `cosignatures.jsonl`: a witness cosignature line for the checkpoint of `size`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosignatureLine {
    pub size: u64,
    pub signature: String,
}

/// Fills `buf` from `offset` without moving a file cursor (so reads work through `&File`).
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

/// Opens (creating) a file for positional reads and appends; sets `created` if it was new.
pub(crate) fn open_append(path: &Path, created: &mut bool) -> Result<File, Error> {
    if !path.exists() {
        *created = true;
    }
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .at(path)
}

/// Appends `data` and makes it durable before returning.
pub(crate) fn append_synced(file: &mut File, data: &[u8], path: &Path) -> Result<(), Error> {
    file.write_all(data).at(path)?;
    file.sync_data().at(path)
}

/// Shrinks a file to `len` bytes (if longer) and makes that durable.
pub(crate) fn truncate_to(file: &File, len: u64, path: &Path) -> Result<(), Error> {
    if file.metadata().at(path)?.len() > len {
        file.set_len(len).at(path)?;
        file.sync_all().at(path)?;
    }
    Ok(())
}

/// Makes new directory entries durable (a created file is otherwise lost on power failure).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        File::open(dir).and_then(|d| d.sync_all()).at(dir)?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Appends one JSON line to a journal and syncs it (and the directory if the file is new).
pub(crate) fn append_json_line<T: serde::Serialize>(
    dir: &Path,
    name: &str,
    value: &T,
) -> Result<(), Error> {
    let path = dir.join(name);
    let mut created = false;
    let mut file = open_append(&path, &mut created)?;
    let mut line = serde_json::to_string(value).map_err(|e| Error::Io(io::Error::other(e)))?;
    line.push('\n');
    append_synced(&mut file, line.as_bytes(), &path)?;
    if created {
        sync_dir(dir)?;
    }
    Ok(())
}

/// A journal split into complete lines, plus the byte length covered by them. A last line
/// without its newline is a torn write and is not returned.
pub(crate) struct JournalLines {
    pub lines: Vec<String>,
    pub complete_len: u64,
    pub file_len: u64,
}

/// Bytes of a journal up to and including its last newline.
pub(crate) fn journal_complete_len(path: &Path) -> Result<u64, Error> {
    Ok(read_journal(path)?.complete_len)
}

pub(crate) fn read_journal(path: &Path) -> Result<JournalLines, Error> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(Error::File {
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let text = String::from_utf8_lossy(&bytes[..complete_len]);
    Ok(JournalLines {
        lines: text.split_terminator('\n').map(str::to_owned).collect(),
        complete_len: complete_len as u64,
        file_len: bytes.len() as u64,
    })
}

/// All checkpoint lines of a log or bundle directory, in order (`Err` text for unparsable
/// lines, so verification can point at them).
pub fn read_checkpoint_lines(dir: &Path) -> Result<Vec<Result<CheckpointLine, String>>, Error> {
    parse_lines(dir, CHECKPOINTS_FILE)
}

/// All cosignature lines of a log or bundle directory, in order.
pub fn read_cosignature_lines(dir: &Path) -> Result<Vec<Result<CosignatureLine, String>>, Error> {
    parse_lines(dir, COSIGNATURES_FILE)
}

fn parse_lines<T: serde::de::DeserializeOwned>(
    dir: &Path,
    name: &str,
) -> Result<Vec<Result<T, String>>, Error> {
    let j = read_journal(&dir.join(name))?;
    Ok(j.lines
        .iter()
        .map(|l| serde_json::from_str(l).map_err(|e| e.to_string()))
        .collect())
}
