//! The console's tables on a real SQLite file: users and their constraints, sessions and
//! tokens kept by hash, the access log that refuses to be rewritten.

use chrono::{Duration, Utc};
use qinglian_store::{NewAccessEntry, NewApiToken, NewUser, Role, SessionRecord, UserStore};
use qinglian_store_sqlite::SqliteStore;

fn user(name: &str, role: Role, department: Option<&str>) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: name.to_uppercase(),
        role,
        department: department.map(str::to_owned),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        totp_secret: None,
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn users_sessions_tokens_and_an_append_only_access_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.sqlite");
    let store = SqliteStore::open(&path, true).await.unwrap();
    let now = Utc::now();

    let wang = store
        .insert_user(&user("wang", Role::Inspector, None))
        .await
        .unwrap();
    assert_eq!(wang.role, Role::Inspector);
    assert!(!wang.disabled);
    // A name is taken once; a liaison needs a department.
    assert!(
        store
            .insert_user(&user("wang", Role::Auditor, None))
            .await
            .is_err()
    );
    assert!(
        store
            .insert_user(&user("zhang", Role::Liaison, None))
            .await
            .is_err()
    );
    store
        .insert_user(&user("zhang", Role::Liaison, Some("财务部")))
        .await
        .unwrap();
    let names: Vec<String> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["wang", "zhang"]);

    // Failures count up and lock; a success clears both and keeps the TOTP step.
    assert_eq!(store.record_failed_login(wang.id, None).await.unwrap(), 1);
    let until = now + Duration::minutes(15);
    assert_eq!(
        store
            .record_failed_login(wang.id, Some(until))
            .await
            .unwrap(),
        2
    );
    let locked = store.get_user(wang.id).await.unwrap().unwrap();
    assert_eq!(
        locked.locked_until.map(|t| t.timestamp()),
        Some(until.timestamp())
    );
    store.record_login(wang.id, Some(42), now).await.unwrap();
    let ok = store.user_by_name("wang").await.unwrap().unwrap();
    assert_eq!(
        (ok.failed_logins, ok.locked_until, ok.totp_last_step),
        (0, None, Some(42))
    );
    store
        .set_credentials(wang.id, "new-hash", Some(Some("SECRET")), now)
        .await
        .unwrap();
    let reset = store.get_user(wang.id).await.unwrap().unwrap();
    assert_eq!(reset.password_hash, "new-hash");
    assert_eq!(reset.totp_secret.as_deref(), Some("SECRET"));
    assert_eq!(
        reset.totp_last_step, None,
        "a new secret forgets the old step"
    );
    assert!(
        !format!("{reset:?}").contains("new-hash"),
        "Debug hides secrets"
    );

    // Sessions: revoking one, then all of a user's.
    for h in ["h1", "h2"] {
        store
            .insert_session(&SessionRecord {
                token_hash: h.into(),
                user_id: wang.id,
                csrf_token: "c".into(),
                created_at: now,
                last_seen_at: now,
                expires_at: now + Duration::hours(12),
                revoked_at: None,
            })
            .await
            .unwrap();
    }
    store.revoke_session("h1", now).await.unwrap();
    assert!(
        store
            .session("h1")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    assert_eq!(store.revoke_user_sessions(wang.id, now).await.unwrap(), 1);
    assert!(
        store
            .session("h2")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    assert!(store.session("nope").await.unwrap().is_none());

    // API tokens by hash; revoking twice is refused.
    let t = store
        .insert_api_token(&NewApiToken {
            user_id: wang.id,
            name: "oa".into(),
            token_hash: "th".into(),
            prefix: "qlt_abc".into(),
            created_at: now,
        })
        .await
        .unwrap();
    assert_eq!(store.api_token("th").await.unwrap().unwrap().id, t.id);
    store.revoke_api_token(t.id, now).await.unwrap();
    assert!(store.revoke_api_token(t.id, now).await.is_err());

    // The access log keeps order and cannot be edited or emptied.
    for i in 0..3 {
        store
            .append_access(&NewAccessEntry {
                at: now,
                actor: "wang".into(),
                action: "evidence_view".into(),
                target: format!("warning:{i}"),
                reason: None,
            })
            .await
            .unwrap();
    }
    let log = store.access_log(2, 0).await.unwrap();
    assert_eq!(log[0].target, "warning:2", "newest first");
    assert_eq!(store.access_log(10, 2).await.unwrap().len(), 1);
    store.close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    for sql in [
        "UPDATE access_log SET actor = 'x'",
        "DELETE FROM access_log",
    ] {
        let e = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
}
