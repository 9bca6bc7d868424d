//! C2SP signed notes: the specification's example and altered copies of it.

use qinglian_ledger::note::Note;
use qinglian_ledger::{KeyKind, NoteError, SignerKey, VerifierKey, verify_note};

use crate::common::{read_vector, tlog_path};

struct Example {
    vkey: VerifierKey,
    text: String,
    note: String,
}

fn example() -> Example {
    let v: serde_json::Value =
        serde_json::from_str(&read_vector(&tlog_path("c2sp/signed-note-example.json"))).unwrap();
    let s = |k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("signed-note-example.json lacks {k}"))
            .to_owned()
    };
    Example {
        vkey: s("vkey").parse().unwrap(),
        text: s("note_text"),
        note: s("signed_note"),
    }
}

#[test]
fn the_c2sp_example_verifies() {
    let ex = example();
    let v = verify_note(&ex.note, std::slice::from_ref(&ex.vkey)).unwrap();
    assert_eq!(v.text, ex.text);
    assert_eq!(
        (v.verified[0].name.as_str(), v.verified[0].key_id),
        ("example.com/foo", 0x530d903a)
    );
    assert_eq!(
        ex.vkey.to_string(),
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    );
}

#[test]
fn every_single_byte_change_is_rejected() {
    let ex = example();
    let bytes = ex.note.as_bytes();
    let (mut by_verifier, mut not_utf8) = (0, 0);
    for i in 0..bytes.len() {
        let mut altered = bytes.to_vec();
        altered[i] ^= 0x01;
        match String::from_utf8(altered) {
            Err(_) => not_utf8 += 1,
            Ok(s) => {
                assert!(
                    verify_note(&s, std::slice::from_ref(&ex.vkey)).is_err(),
                    "byte {i} changed, still verifies"
                );
                by_verifier += 1;
            }
        }
    }
    assert!(by_verifier > bytes.len() - 4, "{by_verifier} {not_utf8}");
}

#[test]
fn altered_text_signature_or_key_fails_for_the_right_reason() {
    let ex = example();
    let keys = std::slice::from_ref(&ex.vkey);
    let text_changed = ex.note.replacen("example", "exbmple", 1);
    assert!(matches!(
        verify_note(&text_changed, keys),
        Err(NoteError::InvalidSignature { .. })
    ));
    let mut parsed = Note::parse(&ex.note).unwrap();
    parsed.signatures[0].signature[10] ^= 0x80;
    assert!(matches!(
        verify_note(&parsed.to_text(), keys),
        Err(NoteError::InvalidSignature { .. })
    ));
    let impostor = SignerKey::generate("example.com/foo", KeyKind::Note)
        .unwrap()
        .verifier();
    assert_eq!(
        verify_note(&ex.note, &[impostor]),
        Err(NoteError::NoTrustedSignature)
    );
    let other_name = SignerKey::generate("example.com/bar", KeyKind::Note)
        .unwrap()
        .verifier();
    assert_eq!(
        verify_note(&ex.note, &[other_name]),
        Err(NoteError::NoTrustedSignature)
    );
    let extra_line = format!("{}— example.com/foo Uw2QOkAAAA==\n", ex.note);
    assert!(verify_note(&extra_line, keys).is_err());
}

#[test]
fn generated_keys_round_trip_through_their_text_forms() {
    let k = SignerKey::generate("qinglian.example/ledger", KeyKind::Note).unwrap();
    let restored: SignerKey = k.to_key_string().parse().unwrap();
    assert_eq!(restored.verifier(), k.verifier());
    assert!(
        k.to_key_string()
            .starts_with("PRIVATE+KEY+qinglian.example/ledger+")
    );
    let v: VerifierKey = k.verifier().to_string().parse().unwrap();
    let note = qinglian_ledger::sign_note("hello\n", &restored).unwrap();
    assert!(verify_note(&note, &[v]).is_ok());
}
