//! JSON Lines: one object per line; keys are headers.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::{Map, Value};

use super::{Row, RowSource};
use crate::encoding::Encoding;
use crate::error::IngestError;

pub(crate) struct JsonlSource {
    lines: std::io::Lines<BufReader<File>>,
    headers: Vec<String>,
    index: HashMap<String, usize>,
    pending: Option<(u64, Map<String, Value>)>,
    line_no: u64,
    bytes: u64,
    total: u64,
}

impl JsonlSource {
    pub(crate) fn open(path: &Path) -> Result<Self, IngestError> {
        let total = std::fs::metadata(path)
            .map_err(|e| IngestError::io(path, e))?
            .len();
        let file = File::open(path).map_err(|e| IngestError::io(path, e))?;
        let mut lines = BufReader::new(file).lines();
        let mut line_no = 0;
        let mut bytes = 0;
        // Headers are the keys of the first object; it also tells us this is JSON at all.
        let first = loop {
            line_no += 1;
            match lines.next() {
                None => {
                    return Err(IngestError::bad_file(
                        path,
                        "the file has no JSON object",
                        "文件中没有 JSON 对象",
                    ));
                }
                Some(Err(e)) => {
                    return Err(IngestError::bad_file(
                        path,
                        format!("not UTF-8 text: {e}"),
                        format!("不是 UTF-8 文本：{e}"),
                    ));
                }
                Some(Ok(l)) if l.trim().is_empty() => bytes += l.len() as u64 + 1,
                Some(Ok(l)) => {
                    bytes += l.len() as u64 + 1;
                    match serde_json::from_str::<Value>(l.trim_start_matches('\u{feff}')) {
                        Ok(Value::Object(m)) => break m,
                        _ => {
                            return Err(IngestError::bad_file(
                                path,
                                format!(
                                    "line {line_no} is not a JSON object: expected one object per line (JSON Lines)"
                                ),
                                format!("第 {line_no} 行不是 JSON 对象：JSON Lines 应每行一个对象"),
                            ));
                        }
                    }
                }
            }
        };
        let headers: Vec<String> = first.keys().cloned().collect();
        let index = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Ok(Self {
            lines,
            headers,
            index,
            pending: Some((line_no, first)),
            line_no,
            bytes,
            total,
        })
    }

    fn fill(&self, obj: &Map<String, Value>, record: &mut csv::ByteRecord) {
        let mut cells = vec![String::new(); self.headers.len()];
        for (k, v) in obj {
            if let Some(&i) = self.index.get(k) {
                cells[i] = match v {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
            }
        }
        record.clear();
        for c in &cells {
            record.push_field(c.as_bytes());
        }
    }
}

impl RowSource for JsonlSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn encoding(&self) -> Encoding {
        Encoding::Utf8
    }

    fn next_row(&mut self, record: &mut csv::ByteRecord) -> Result<Row, IngestError> {
        if let Some((n, obj)) = self.pending.take() {
            self.fill(&obj, record);
            return Ok(Row::Cells(n));
        }
        loop {
            self.line_no += 1;
            let line = match self.lines.next() {
                None => return Ok(Row::End),
                Some(Ok(l)) => l,
                Some(Err(e)) => {
                    return Ok(Row::Broken {
                        row: self.line_no,
                        zh: format!("该行不是 UTF-8 文本：{e}"),
                        en: format!("line is not UTF-8 text: {e}"),
                    });
                }
            };
            self.bytes += line.len() as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            return Ok(match serde_json::from_str::<Value>(&line) {
                Ok(Value::Object(m)) => {
                    self.fill(&m, record);
                    Row::Cells(self.line_no)
                }
                _ => Row::Broken {
                    row: self.line_no,
                    zh: "该行不是 JSON 对象".into(),
                    en: "line is not a JSON object".into(),
                },
            });
        }
    }

    fn position(&self) -> u64 {
        self.bytes
    }

    fn total(&self) -> u64 {
        self.total
    }
}
