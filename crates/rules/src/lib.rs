//! Rules engine (placeholder while building dependencies).
