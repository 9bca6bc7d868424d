//! Embeds the built-in rule pack (`rules/builtin/` at the repository root) in the binary:
//! writes `$OUT_DIR/builtin_rules.rs`, a list of (path, include_str!) for every rule file.
//! Hand-written instead of a crate: a directory walk and a list are all it needs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "toml" || e == "sql") {
            println!("cargo:rerun-if-changed={}", p.display());
            out.push(p);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../../rules/builtin");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut code = String::from(
        "/// Every file of the built-in pack: (path relative to rules/builtin, text).\n\
         pub(crate) static BUILTIN_FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .expect("walked under root")
            .to_string_lossy()
            .replace('\\', "/");
        let abs = f.canonicalize().expect("file exists");
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        );
    }
    code.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    std::fs::write(out_dir.join("builtin_rules.rs"), code).expect("OUT_DIR is writable");
    // One test per fixtures file, for the crate's integration tests (tests/rules.rs).
    let mut tests = String::new();
    for f in &files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(id) = name.strip_suffix(".fixtures.toml") {
            let fname = id.to_ascii_lowercase().replace('-', "_");
            let _ = writeln!(
                tests,
                "#[tokio::test]\nasync fn fixtures_{fname}() {{\n    check_fixtures({id:?}).await;\n}}\n"
            );
        }
    }
    std::fs::write(out_dir.join("fixture_tests.rs"), tests).expect("OUT_DIR is writable");
}
