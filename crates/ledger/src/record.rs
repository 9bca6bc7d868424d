//! The entries file format: an 8-byte magic header, then records
//!
//! ```text
//! u32 big-endian  payload length (at most MAX_ENTRY_LEN)
//! u8              flags: bit 0 = last record of its append batch, other bits zero
//! [length]        payload (opaque bytes)
//! [32]            checksum = RFC 9162 leaf hash SHA-256(0x00 || payload)
//! ```
//!
//! Using the leaf hash as the per-record checksum means one hash per entry serves both crash
//! detection and the tree, and a record can be checked against the leaf-hash file directly.
//! The batch-end flag makes a batch all-or-nothing on recovery.

use std::io::{self, Read};

use crate::hash::{HASH_LEN, Hash, leaf_hash};

/// First bytes of every entries file; the trailing digit is the format version.
pub const MAGIC: &[u8; 8] = b"QLLEDGR1";
pub const HEADER_LEN: u64 = MAGIC.len() as u64;
/// Largest payload accepted: entries are events and file hashes, not files.
pub const MAX_ENTRY_LEN: usize = 16 << 20;
/// Bytes before the payload: length and flags.
pub const PREFIX_LEN: u64 = 5;
pub const FLAG_BATCH_END: u8 = 1;

/// Total bytes a record with a payload of `len` bytes occupies.
pub fn record_len(len: usize) -> u64 {
    PREFIX_LEN + len as u64 + HASH_LEN as u64
}

/// Appends one encoded record to `buf`.
pub fn encode(buf: &mut Vec<u8>, payload: &[u8], leaf: &Hash, batch_end: bool) {
    let len = u32::try_from(payload.len()).expect("payload length checked against MAX_ENTRY_LEN");
    buf.extend_from_slice(&len.to_be_bytes());
    buf.push(if batch_end { FLAG_BATCH_END } else { 0 });
    buf.extend_from_slice(payload);
    buf.extend_from_slice(leaf.as_bytes());
}

/// Length and flags, validated.
pub fn parse_prefix(prefix: [u8; 5]) -> Result<(usize, u8), String> {
    let len = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
    let flags = prefix[4];
    if len > MAX_ENTRY_LEN {
        return Err(format!("record length {len} exceeds the limit"));
    }
    if flags & !FLAG_BATCH_END != 0 {
        return Err(format!("unknown record flags 0x{flags:02x}"));
    }
    Ok((len, flags))
}

/// One record as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub offset: u64,
    pub payload: Vec<u8>,
    pub batch_end: bool,
    /// The checksum stored in the file.
    pub stored: Hash,
    /// The leaf hash recomputed from the payload.
    pub leaf: Hash,
}

impl Record {
    pub fn checksum_ok(&self) -> bool {
        self.stored == self.leaf
    }
}

/// What stopped a sequential read.
#[derive(Debug)]
pub enum ReadStop {
    /// The file ends inside a record that starts at `offset`.
    Torn {
        offset: u64,
    },
    /// A record prefix is invalid: the file is not an entries file from here on.
    Corrupt {
        offset: u64,
        detail: String,
    },
    Io(io::Error),
}

/// Sequential reader over records (after the header), reusing its buffer.
pub struct RecordReader<R> {
    inner: R,
    offset: u64,
}

impl<R: Read> RecordReader<R> {
    /// `inner` must be positioned just after the header.
    pub fn new(inner: R) -> RecordReader<R> {
        RecordReader {
            inner,
            offset: HEADER_LEN,
        }
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next record, `Ok(None)` at a clean end of file.
    pub fn next_record(&mut self) -> Result<Option<Record>, ReadStop> {
        let start = self.offset;
        let mut prefix = [0u8; 5];
        match read_full(&mut self.inner, &mut prefix).map_err(ReadStop::Io)? {
            0 => return Ok(None),
            5 => {}
            _ => return Err(ReadStop::Torn { offset: start }),
        }
        let (len, flags) = parse_prefix(prefix).map_err(|detail| ReadStop::Corrupt {
            offset: start,
            detail,
        })?;
        let mut body = vec![0u8; len + HASH_LEN];
        if read_full(&mut self.inner, &mut body).map_err(ReadStop::Io)? != body.len() {
            return Err(ReadStop::Torn { offset: start });
        }
        let stored = Hash::from_slice(&body[len..]).expect("32 bytes");
        body.truncate(len);
        self.offset += record_len(len);
        let leaf = leaf_hash(&body);
        Ok(Some(Record {
            offset: start,
            payload: body,
            batch_end: flags & FLAG_BATCH_END != 0,
            stored,
            leaf,
        }))
    }
}

/// Reads until `buf` is full or EOF; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_read_back() {
        let mut buf = Vec::new();
        encode(&mut buf, b"one", &leaf_hash(b"one"), false);
        encode(&mut buf, b"", &leaf_hash(b""), true);
        let mut r = RecordReader::new(&buf[..]);
        let a = r.next_record().unwrap().unwrap();
        assert_eq!(
            (a.payload.as_slice(), a.batch_end, a.checksum_ok()),
            (&b"one"[..], false, true)
        );
        assert_eq!(a.offset, HEADER_LEN);
        let b = r.next_record().unwrap().unwrap();
        assert!(b.batch_end && b.payload.is_empty());
        assert!(r.next_record().unwrap().is_none());
    }

    #[test]
    fn torn_and_corrupt_records_are_told_apart() {
        let mut buf = Vec::new();
        encode(&mut buf, b"abc", &leaf_hash(b"abc"), true);
        for cut in 1..buf.len() {
            let mut r = RecordReader::new(&buf[..cut]);
            assert!(
                matches!(r.next_record(), Err(ReadStop::Torn { .. })),
                "cut {cut}"
            );
        }
        buf[4] = 0x80;
        assert!(matches!(
            RecordReader::new(&buf[..]).next_record(),
            Err(ReadStop::Corrupt { .. })
        ));
    }
}
