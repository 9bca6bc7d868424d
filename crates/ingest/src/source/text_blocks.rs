//! A CSV or TSV file cut into blocks of whole records, for the workers to split into cells.
//!
//! Splitting records into cells was a serial stage (one reader thread) and a tenth of an
//! import's work. This reader only reads the file, hashes it (SHA-256 of every byte, the
//! header included) and finds where a block may end: after a line end that ends a record,
//! which means outside a quoted field. Blocks without a quote character are cut at their
//! last newline without looking at every byte; only blocks with quotes run the small state
//! machine below, which follows `csv_core`'s rules (a quote opens a quoted field only at
//! the start of a field, `""` inside one is a quote). Each block carries the source line
//! number of its first byte, so row numbers stay those of the whole file.
//!
//! Not here: the header (read by `CsvSource::open`), cells, encodings (GBK and GB18030
//! never use the bytes of `,` `"` `\t` `\r` or `\n` inside a character, so cutting raw
//! bytes is safe).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::IngestError;

/// Bytes per block, about 10,000 rows of a typical export.
pub(crate) const BLOCK_BYTES: usize = 2 << 20;
/// Smallest read while a block is filling.
const MIN_READ: usize = 64 << 10;

/// Where the scanner is within the CSV grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field (and of a record).
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the field's end, or the first of `""`.
    QuoteInQuoted,
}

pub(crate) struct TextBlocks {
    file: File,
    path: PathBuf,
    hasher: Sha256,
    bytes: u64,
    delimiter: u8,
    /// Bytes after the last record boundary, carried into the next block.
    pending: Vec<u8>,
    /// Source line number of the first byte of `pending`.
    line: u64,
    eof: bool,
    total: u64,
}

impl TextBlocks {
    /// Opens `path`, hashes its first `data_start` bytes (the header) and positions the
    /// blocks after them; `first_line` is the line number there.
    pub(crate) fn open(
        path: &Path,
        delimiter: u8,
        data_start: u64,
        first_line: u64,
    ) -> Result<Self, IngestError> {
        let mut file = File::open(path).map_err(|e| IngestError::io(path, e))?;
        let total = file.metadata().map_err(|e| IngestError::io(path, e))?.len();
        let mut header = Vec::new();
        (&mut file)
            .take(data_start)
            .read_to_end(&mut header)
            .map_err(|e| IngestError::io(path, e))?;
        let mut hasher = Sha256::new();
        hasher.update(&header);
        Ok(Self {
            file,
            path: path.to_owned(),
            hasher,
            bytes: header.len() as u64,
            delimiter,
            pending: Vec::new(),
            line: first_line,
            eof: false,
            total,
        })
    }

    /// Fills `out` with the next block of whole records and returns the line number of its
    /// first byte; `None` at the end of the file.
    pub(crate) fn next_block(&mut self, out: &mut Vec<u8>) -> Result<Option<u64>, IngestError> {
        out.clear();
        std::mem::swap(out, &mut self.pending);
        let first_line = self.line;
        let mut state = State::FieldStart;
        let mut scanned = 0;
        let mut boundary = 0;
        loop {
            if !self.eof && (out.len() < BLOCK_BYTES || boundary == 0) {
                let want = (BLOCK_BYTES.saturating_sub(out.len())).max(MIN_READ);
                let before = out.len();
                (&mut self.file)
                    .take(want as u64)
                    .read_to_end(out)
                    .map_err(|e| IngestError::io(&self.path, e))?;
                let got = &out[before..];
                if got.is_empty() {
                    self.eof = true;
                }
                self.hasher.update(got);
                self.bytes += got.len() as u64;
            }
            let (next, cut) = scan(&out[scanned..], state, self.delimiter);
            if let Some(c) = cut {
                boundary = scanned + c;
            }
            state = next;
            scanned = out.len();
            if self.eof || (out.len() >= BLOCK_BYTES && boundary > 0) {
                break;
            }
        }
        if !self.eof {
            self.pending.extend_from_slice(&out[boundary..]);
            out.truncate(boundary);
        }
        if out.is_empty() && self.eof {
            return Ok(None);
        }
        self.line += count_newlines(out);
        Ok(Some(first_line))
    }

    /// The file's length when opened.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Bytes read so far.
    pub(crate) fn position(&self) -> u64 {
        self.bytes
    }

    /// SHA-256 (hex) and length of the bytes read so far (the whole file at the end).
    pub(crate) fn digest(&self) -> (String, u64) {
        (hex::encode(self.hasher.clone().finalize()), self.bytes)
    }
}

pub(crate) fn count_newlines(b: &[u8]) -> u64 {
    // A plain count vectorises; it is a small share of the time next to reading the block.
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

/// Scans `b` from `state`; returns the state at its end and the offset just after the last
/// newline in it that ends a record.
fn scan(b: &[u8], state: State, delimiter: u8) -> (State, Option<usize>) {
    if matches!(state, State::FieldStart | State::Unquoted) && !b.contains(&b'"') {
        let cut = b
            .iter()
            .rposition(|&c| c == b'\n' || c == b'\r')
            .map(|i| i + 1);
        let tail = &b[cut.unwrap_or(0)..];
        let end = match tail.last() {
            None if cut.is_some() => State::FieldStart,
            None => state,
            Some(&c) if c == delimiter || c == b'\r' => State::FieldStart,
            Some(_) => State::Unquoted,
        };
        return (end, cut);
    }
    let mut state = state;
    let mut cut = None;
    for (i, &c) in b.iter().enumerate() {
        state = match state {
            State::Quoted if c == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::FieldStart if c == b'"' => State::Quoted,
            State::QuoteInQuoted if c == b'"' => State::Quoted,
            _ if c == delimiter => State::FieldStart,
            // A record ends at `\n` or at a lone `\r` (old Mac files); a cut between the
            // two bytes of `\r\n` leaves a blank line, which is no record.
            _ if c == b'\n' || c == b'\r' => {
                cut = Some(i + 1);
                State::FieldStart
            }
            _ => State::Unquoted,
        };
    }
    (state, cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cuts `text` into blocks by feeding `scan` pieces of `piece` bytes, as the reader
    /// would, and checks every cut is where the csv crate sees a record start.
    fn cuts(text: &[u8], piece: usize) -> Vec<usize> {
        let mut state = State::FieldStart;
        let mut out = Vec::new();
        for (k, p) in text.chunks(piece).enumerate() {
            let (s, cut) = scan(p, state, b',');
            if let Some(c) = cut {
                out.push(k * piece + c);
            }
            state = s;
        }
        out
    }

    fn record_starts(text: &[u8]) -> Vec<usize> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut rec = csv::ByteRecord::new();
        let mut starts = Vec::new();
        while r.read_byte_record(&mut rec).unwrap() {
            starts.push(rec.position().unwrap().byte() as usize);
        }
        starts
    }

    #[test]
    fn cuts_fall_only_on_record_starts_even_inside_quotes() {
        let text = b"a,\"x\ny\",c\nb,\"he said \"\"hi\"\"\n\",d\nq,1\"2\n3,\"\"\nz,\"\n\n\",w\n";
        let starts = record_starts(text);
        for piece in 1..text.len() {
            for c in cuts(text, piece) {
                assert!(
                    starts.contains(&c) || c == text.len(),
                    "piece {piece}: cut at {c} is inside a record; starts {starts:?}"
                );
            }
        }
    }

    #[test]
    fn blocks_reassemble_the_file_and_count_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut text = b"h1,h2\n".to_vec();
        for i in 0..300_000 {
            if i % 1000 == 7 {
                text.extend_from_slice(format!("{i},\"two\nlines\"\n").as_bytes());
            } else {
                text.extend_from_slice(format!("{i},plain\n").as_bytes());
            }
        }
        std::fs::write(&path, &text).unwrap();
        let mut blocks = TextBlocks::open(&path, b',', 6, 2).unwrap();
        let mut all = b"h1,h2\n".to_vec();
        let mut block = Vec::new();
        let mut expected_line = 2;
        let mut n = 0;
        while let Some(line) = blocks.next_block(&mut block).unwrap() {
            assert_eq!(line, expected_line);
            assert!(block.ends_with(b"\n"), "a block ends after a whole record");
            expected_line += count_newlines(&block);
            all.extend_from_slice(&block);
            n += 1;
        }
        assert!(n > 1, "the file spans several blocks");
        assert_eq!(all, text);
        let (sha, bytes) = blocks.digest();
        assert_eq!(bytes, text.len() as u64);
        assert_eq!(sha, hex::encode(Sha256::digest(&text)));
    }
}
