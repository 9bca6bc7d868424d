//! The console's operations pages and their API over a real workspace, through
//! `Router::oneshot`: imports (upload as the request body, the job's progress, the batch, the
//! quarantine as Excel, a duplicate refused), the rule catalogue (docs, changes with a reason
//! that land in `qinglian.toml` and the access log), the ledger (checkpoints, verify, the
//! export bundle as tar, verified again from the tar alone) and users (add, disable, reset,
//! credentials shown once). Every page and API route: which roles get 403, liaisons excluded,
//! auditors read-only.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use qinglian_app::users::{self, AddUser, Credentials, SessionPolicy};
use qinglian_app::warnings::Channels;
use qinglian_app::{Config, Workspace, init_workspace};
use qinglian_store::{Role, WarningStore};
use qinglian_web::console::view::url_encode;
use qinglian_web::{ConsoleConfig, ConsoleState, console_router};
use serde_json::Value;
use tower::ServiceExt;

/// Payments with one bad amount: two rows accepted, one quarantined.
const PAYMENTS: &str = "payment_id,unit_id,paid_on,amount,payee_name,method,purpose\n\
    P1,D1,2025-03-04,86000,甲公司,cash,材料款\n\
    P2,D1,2025-03-05,900,乙公司,transfer,文具\n\
    P3,D1,2025-03-06,不是金额,丙公司,transfer,文具\n";

struct Ops {
    router: Router,
    state: ConsoleState,
    creds: BTreeMap<&'static str, Credentials>,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: its cookie and the session's CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

const ROLES: [(&str, Role); 5] = [
    ("admin", Role::Admin),
    ("wang", Role::Inspector),
    ("zhang", Role::Liaison),
    ("dang", Role::Committee),
    ("shen", Role::Auditor),
];

async fn ops() -> Ops {
    let dir = tempfile::tempdir().unwrap();
    let ws = init_workspace(&dir.path().join("ws"), Config::default())
        .await
        .unwrap();
    let mut creds = BTreeMap::new();
    for (name, role) in ROLES {
        let (_, c) = users::add_user(
            &ws,
            &AddUser {
                username: name.into(),
                display_name: None,
                role,
                department: (role == Role::Liaison).then(|| "财务部".to_owned()),
                totp: Some(false),
            },
            Utc::now(),
        )
        .await
        .unwrap();
        creds.insert(name, c);
    }
    let state = ConsoleState::new(ws, ConsoleConfig::default(), Channels::default());
    Ops {
        router: console_router(state.clone()),
        state,
        creds,
        _dir: dir,
    }
}

impl Ops {
    fn ws(&self) -> &Workspace {
        self.state.workspace()
    }

    async fn browser(&self, user: &str) -> Browser {
        let s = users::sign_in(
            self.ws(),
            user,
            &self.creds[user].password,
            None,
            &SessionPolicy::default(),
            Utc::now(),
        )
        .await
        .unwrap();
        Browser {
            cookie: format!("ql_session={}", s.token),
            csrf: s.session.csrf_token,
        }
    }

    async fn token(&self, user: &str) -> String {
        users::create_api_token(self.ws(), user, "test", Utc::now())
            .await
            .unwrap()
            .0
    }

    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Answer {
            status,
            headers,
            bytes,
        }
    }

    async fn get(&self, uri: &str, b: &Browser) -> Answer {
        let req = Request::get(uri).header(header::COOKIE, &b.cookie);
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn form(&self, uri: &str, b: &Browser, fields: &[(&str, &str)]) -> Answer {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect();
        let req = Request::post(uri)
            .header(header::COOKIE, &b.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(req.body(Body::from(body.join("&"))).unwrap())
            .await
    }

    /// An upload from the page: the file as the body, the CSRF token in a header.
    async fn upload(&self, b: &Browser, csrf: &str, query: &str, file: &str) -> Answer {
        let req = Request::post(format!("/imports/upload?{query}"))
            .header(header::COOKIE, &b.cookie)
            .header("x-csrf-token", csrf)
            .header(header::CONTENT_TYPE, "application/octet-stream");
        self.send(req.body(Body::from(file.to_owned())).unwrap())
            .await
    }

    async fn api(&self, method: &str, uri: &str, token: &str, body: Option<Body>) -> Answer {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json");
        self.send(req.body(body.unwrap_or_default()).unwrap()).await
    }

    /// Polls a job's status until it is no longer running (each poll waits 50 ms; a job that
    /// never finishes fails the test after 60 s rather than hanging it).
    async fn finished(&self, status_url: &str, get: impl AsyncFn(&str) -> Answer) -> Value {
        for _ in 0..1200 {
            let a = get(status_url).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.text());
            let j = a.json();
            if j["state"] != "running" {
                return j;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the import job {status_url} did not finish");
    }

    async fn access_actions(&self) -> Vec<(String, String, String)> {
        users::access_log(self.ws(), 1000, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action, e.target))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_the_pages_its_permissions_allow() {
    let o = ops().await;
    // path → roles that get 200 (every other role gets 403)
    let readers = ["admin", "wang", "dang", "shen"];
    let everyone = ["admin", "wang", "zhang", "dang", "shen"];
    let pages: [(&str, &[&str]); 10] = [
        ("/cases", &everyone),
        ("/cases/export.xlsx", &everyone),
        ("/imports", &readers),
        ("/imports/export.xlsx", &readers),
        ("/rules", &readers),
        ("/rules/export.xlsx", &readers),
        ("/rules/FUN-009", &readers),
        ("/ledger", &readers),
        ("/users", &["admin"]),
        ("/users/export.xlsx", &["admin"]),
    ];
    for (name, _) in ROLES {
        let b = o.browser(name).await;
        for (path, allowed) in pages {
            let a = o.get(path, &b).await;
            let want = if allowed.contains(&name) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(a.status, want, "{name} GET {path}: {}", a.text());
        }
        let nav = o.get("/warnings", &b).await.text();
        assert_eq!(
            nav.contains("href=\"/imports\""),
            readers.contains(&name),
            "{name}"
        );
        assert_eq!(nav.contains("href=\"/users\""), name == "admin", "{name}");
    }
    let apis: [(&str, &[&str]); 5] = [
        ("/api/v1/cases", &everyone),
        ("/api/v1/imports", &readers),
        ("/api/v1/rules", &readers),
        ("/api/v1/ledger", &readers),
        ("/api/v1/users", &["admin"]),
    ];
    for (name, _) in ROLES {
        let t = o.token(name).await;
        for (path, allowed) in apis {
            let a = o.api("GET", path, &t, None).await;
            let want = if allowed.contains(&name) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(a.status, want, "{name} GET {path}: {}", a.text());
        }
    }
    // Without a session the pages send to sign-in; without a token the API answers 401.
    let a = o
        .send(Request::get("/imports").body(Body::empty()).unwrap())
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let a = o.api("GET", "/api/v1/rules", "qlt_forged", None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_imported_like_the_cli_with_progress_quarantine_and_no_duplicate() {
    let o = ops().await;
    let admin = o.browser("admin").await;
    let q = "dataset=payments&name=%E4%BB%98%E6%AC%BE.csv";

    // Refused before anything is saved: no CSRF, a role that may only read, bad input.
    let shen = o.browser("shen").await;
    for (b, csrf, query, want) in [
        (&admin, "", q, StatusCode::FORBIDDEN),
        (&shen, shen.csrf.as_str(), q, StatusCode::FORBIDDEN),
        (
            &admin,
            admin.csrf.as_str(),
            "dataset=nope&name=a.csv",
            StatusCode::BAD_REQUEST,
        ),
        (
            &admin,
            admin.csrf.as_str(),
            "dataset=payments&name=..",
            StatusCode::BAD_REQUEST,
        ),
        (
            &admin,
            admin.csrf.as_str(),
            "dataset=payments",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let a = o.upload(b, csrf, query, PAYMENTS).await;
        assert_eq!(a.status, want, "{query}: {}", a.text());
        assert!(a.json()["message_zh"].is_string());
    }
    assert!(qinglian_app::batches(o.ws()).await.unwrap().is_empty());

    let a = o.upload(&admin, &admin.csrf, q, PAYMENTS).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());
    let status = a.json()["status"].as_str().unwrap().to_owned();
    let get = async |u: &str| o.get(u, &admin).await;
    let job = o.finished(&status, get).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(
        (
            &job["rows_read"],
            &job["rows_accepted"],
            &job["rows_quarantined"]
        ),
        (&Value::from(3), &Value::from(2), &Value::from(1))
    );
    let batch = job["batch"].as_str().unwrap().to_owned();
    let b = qinglian_app::batch(o.ws(), &batch).await.unwrap().unwrap();
    assert_eq!(
        (b.source_name.as_str(), b.imported_by.as_str()),
        ("付款.csv", "admin")
    );
    assert!(
        !o.ws()
            .path("uploads")
            .join(job["job"].as_str().unwrap_or("x"))
            .exists()
            && std::fs::read_dir(o.ws().path("uploads")).unwrap().count() == 0,
        "the uploaded copy is removed"
    );
    // The auditor reads the list, the batch and its quarantine; a liaison may not.
    let list = o.get("/imports", &shen).await.text();
    assert!(list.contains(&batch) && list.contains("付款.csv"), "{list}");
    assert!(
        !list.contains("id=\"upload\""),
        "no upload form for auditors"
    );
    assert!(
        o.get("/imports", &admin)
            .await
            .text()
            .contains("id=\"upload\"")
    );
    let page = o.get(&format!("/imports/{batch}"), &shen).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(&b.source_sha256));
    let x = o
        .get(&format!("/imports/{batch}/quarantine.xlsx"), &shen)
        .await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.bytes.starts_with(b"PK"), "an xlsx is a zip");
    assert!(
        x.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(&batch)
    );
    let zhang = o.browser("zhang").await;
    let a = o
        .get(&format!("/imports/{batch}/quarantine.xlsx"), &zhang)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        o.get("/imports/no-such-batch", &shen).await.status,
        StatusCode::NOT_FOUND
    );

    // The same file again: refused as a duplicate, nothing added.
    let a = o.upload(&admin, &admin.csrf, q, PAYMENTS).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let status = a.json()["status"].as_str().unwrap().to_owned();
    let job = o.finished(&status, get).await;
    assert_eq!(
        (job["state"].as_str(), job["code"].as_str()),
        (Some("failed"), Some("import.duplicate")),
        "{job}"
    );
    assert_eq!(qinglian_app::batches(o.ws()).await.unwrap().len(), 1);

    // The API: the same rules with tokens.
    let shen_t = o.token("shen").await;
    let a = o
        .api(
            "POST",
            "/api/v1/imports?dataset=payments&name=b.csv",
            &shen_t,
            Some(Body::from("x")),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let admin_t = o.token("admin").await;
    let other = PAYMENTS.replace("P3,D1", "P4,D2");
    let a = o
        .api(
            "POST",
            "/api/v1/imports?dataset=payments&name=b.csv",
            &admin_t,
            Some(Body::from(other)),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());
    let status = a.json()["status"].as_str().unwrap().to_owned();
    assert!(status.starts_with("/api/v1/imports/jobs/"));
    let get = async |u: &str| o.api("GET", u, &admin_t, None).await;
    let job = o.finished(&status, get).await;
    assert_eq!(job["state"], "done", "{job}");
    let shown = o
        .api("GET", &format!("/api/v1/imports/{batch}"), &shen_t, None)
        .await
        .json();
    assert_eq!(shown["quarantine"].as_array().unwrap().len(), 1, "{shown}");
    assert_eq!(shown["quarantine"][0]["raw_value"], "不是金额");
    // A file larger than the console's 1 MiB limit for forms and JSON still uploads whole.
    let mut big = String::from("payment_id,unit_id,paid_on,amount,payee_name,method,purpose\n");
    let mut rows = 0;
    while big.len() < 3 << 20 {
        rows += 1;
        big.push_str(&format!(
            "B{rows},D{},2025-03-04,{}.50,某某有限公司{},transfer,办公用品采购\n",
            rows % 7,
            rows % 9000,
            rows % 97
        ));
    }
    let a = o
        .api(
            "POST",
            "/api/v1/imports?dataset=payments&name=big.csv",
            &admin_t,
            Some(Body::from(big)),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());
    let big_status = a.json()["status"].as_str().unwrap().to_owned();
    let job = o.finished(&big_status, get).await;
    assert_eq!(
        (&job["state"], &job["rows_read"], &job["rows_accepted"]),
        (&Value::from("done"), &Value::from(rows), &Value::from(rows)),
        "{job}"
    );

    // Another user's job is not shown to a reader who may not upload.
    let a = o.api("GET", &status, &shen_t, None).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);

    let log = o.access_actions().await;
    assert!(log.contains(&("admin".into(), "import".into(), format!("batch:{batch}"))));
    assert!(log.contains(&(
        "shen".into(),
        "export".into(),
        format!("quarantine:{batch}")
    )));
}

/// Imports one cash payment over FUN-009's limit per unit, runs the rule and raises the
/// warnings; returns their ids (one per unit, in the order given).
async fn fun_009_warnings(o: &Ops, units: &[&str]) -> Vec<i64> {
    let ws = o.ws();
    let file = ws.root.join(format!("cash-{}.csv", units.join("-")));
    let mut csv = "payment_id,unit_id,paid_on,amount,payee_name,method,purpose\n".to_owned();
    for (i, u) in units.iter().enumerate() {
        csv.push_str(&format!(
            "P{i},{u},2025-03-04,{},公司{i},cash,材料款\n",
            86000 + i
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let opts = qinglian_app::ImportOptions {
        user: "test".into(),
        ..Default::default()
    };
    qinglian_app::import(ws, "payments", &file, &opts, Box::new(|_, _| {}))
        .await
        .unwrap();
    let run = qinglian_app::analysis::RunOptions {
        rule: Some("FUN-009".into()),
        ..Default::default()
    };
    qinglian_app::analysis::run_rules(ws, &run).await.unwrap();
    let raised =
        qinglian_app::warnings::raise_from_findings(ws, "system", Utc::now(), &Channels::default())
            .await
            .unwrap()
            .raised;
    let mut by_unit = BTreeMap::new();
    for id in raised {
        let w = ws.store.get_warning(id).await.unwrap().unwrap();
        by_unit.insert(w.department, id);
    }
    units
        .iter()
        .map(|u| {
            *by_unit
                .get(*u)
                .unwrap_or_else(|| panic!("a warning of {u}: {by_unit:?}"))
        })
        .collect()
}

/// Two FUN-009 warnings judged: one confirmed, one a false positive (data error).
async fn judged_fun_009(o: &Ops) {
    use qinglian_workflow::{Action, Request};
    let ids = fun_009_warnings(o, &["D1", "D2"]).await;
    let now = Utc::now();
    for (id, last) in ids.iter().zip([
        Action::Confirm,
        Action::Close {
            code: qinglian_store::Disposition::DataError,
        },
    ]) {
        for a in [
            Action::Assign { to: "wang".into() },
            Action::Respond,
            Action::Verify,
            last,
        ] {
            let req = Request::new(a, "wang");
            qinglian_app::warnings::act(o.ws(), *id, &req, now, &Channels::default())
                .await
                .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_changes_need_an_administrator_and_a_reason_and_reach_what_run_reads() {
    let o = ops().await;
    let admin = o.browser("admin").await;
    let list = o.get("/rules", &admin).await.text();
    assert!(
        !list.contains("% (") && list.contains("<td class=\"num\">—</td>"),
        "no precision before any disposition"
    );
    judged_fun_009(&o).await;
    let list = o.get("/rules", &admin).await.text();
    assert!(
        list.contains("50.0% (1/2)"),
        "FUN-009: one confirmed, one false positive"
    );
    let api = o
        .api("GET", "/api/v1/rules", &o.token("dang").await, None)
        .await
        .json();
    let fun = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["rule"]["id"] == "FUN-009")
        .unwrap();
    assert_eq!(fun["precision"], 0.5);
    let page = o.get("/rules/FUN-009", &admin).await.text();
    assert!(page.contains("FUN-009") && page.contains("action=\"/rules/FUN-009/change\""));
    assert!(
        page.contains("SELECT") || page.contains("select"),
        "the doc page with its SQL"
    );
    assert!(
        list.contains("href=\"/rules/PRO-002\""),
        "every rule is listed"
    );

    let wang = o.browser("wang").await;
    let shen = o.browser("shen").await;
    let fields = |b: &Browser, reason: &'static str| {
        vec![
            ("csrf", b.csrf.clone()),
            ("change", "disable".to_owned()),
            ("reason", reason.to_owned()),
        ]
    };
    for (b, want) in [
        (&wang, StatusCode::FORBIDDEN),
        (&shen, StatusCode::FORBIDDEN),
    ] {
        let f = fields(b, "想停用");
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = o.form("/rules/FUN-009/change", b, &f).await;
        assert_eq!(a.status, want);
    }
    let f = fields(&admin, " ");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = o.form("/rules/FUN-009/change", &admin, &f).await;
    assert_eq!(
        a.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let a = o
        .form(
            "/rules/FUN-009/change",
            &admin,
            &[("change", "disable"), ("reason", "x")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "no CSRF token");
    let f = fields(&admin, "本单位现金支付另有制度");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = o.form("/rules/FUN-009/change", &admin, &f).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    assert!(
        o.get("/rules/FUN-009", &shen)
            .await
            .text()
            .contains("本单位现金支付另有制度")
    );
    // `qinglian run` opens the workspace afresh: it reads the change.
    let reopened = Workspace::open(&o.ws().root, &[]).await.unwrap();
    assert_eq!(
        reopened
            .config
            .rules
            .disabled
            .get("FUN-009")
            .map(String::as_str),
        Some("本单位现金支付另有制度")
    );

    // The API: a parameter of the wrong type, an unknown parameter or rule, a good change.
    let t = o.token("admin").await;
    let entry = o.api("GET", "/api/v1/rules/FUN-009", &t, None).await.json();
    assert!(
        entry["doc_markdown"]
            .as_str()
            .unwrap()
            .starts_with("# FUN-009")
    );
    let (param, ty) = entry["rule"]["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_owned(), p["ty"].clone()))
        .find(|(_, ty)| ty != "text" && ty != "text_list")
        .expect("FUN-009 has a parameter that is not text");
    for (uri, body, want) in [
        (
            "/api/v1/rules/FUN-009/changes",
            format!(r#"{{"change":"set","param":"{param}","value":"[[[","reason":"r"}}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/rules/FUN-009/changes",
            r#"{"change":"set","param":"nope","value":"1","reason":"r"}"#.to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/rules/FUN-009/changes",
            r#"{"change":"fly","reason":"r"}"#.to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/v1/rules/NOPE-1/changes",
            r#"{"change":"enable","reason":"r"}"#.to_owned(),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let a = o.api("POST", uri, &t, Some(Body::from(body.clone()))).await;
        assert_eq!(a.status, want, "{body} ({ty}): {}", a.text());
    }
    let before = std::fs::read_to_string(o.ws().path("qinglian.toml")).unwrap();
    assert!(!before.contains(&format!("{param} = 12345")));
    let body = format!(r#"{{"change":"set","param":"{param}","value":"12345","reason":"试行"}}"#);
    let a = o
        .api(
            "POST",
            "/api/v1/rules/FUN-009/changes",
            &t,
            Some(Body::from(body)),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let p = a.json()["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == param.as_str())
        .cloned()
        .unwrap();
    assert_eq!(p["overridden"], true, "{p}");
    assert!(
        std::fs::read_to_string(o.ws().path("qinglian.toml"))
            .unwrap()
            .contains("12345")
    );
    // The models: listed, each with its documentation page, nothing to change.
    let list = o.get("/rules", &admin).await.text();
    for m in &qinglian_app::models::MODELS {
        assert!(
            list.contains(&format!("href=\"/rules/{}\"", m.id)),
            "{}",
            m.id
        );
        let shown = o
            .api("GET", &format!("/api/v1/rules/{}", m.id), &t, None)
            .await
            .json();
        let doc = shown["doc_markdown"].as_str().unwrap();
        assert!(
            doc.starts_with(&format!("# {} ", m.id)),
            "{}: {doc:.40}",
            m.id
        );
    }
    let page = o.get("/rules/MOD-BENFORD", &admin).await.text();
    assert!(page.contains("# MOD-BENFORD") && !page.contains("/change\""));
    let a = o
        .api(
            "POST",
            "/api/v1/rules/MOD-BENFORD/changes",
            &t,
            Some(Body::from(r#"{"change":"disable","reason":"r"}"#)),
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::NOT_FOUND,
        "models have no settings here"
    );

    let auditor = o.token("shen").await;
    let a = o
        .api(
            "POST",
            "/api/v1/rules/FUN-009/changes",
            &auditor,
            Some(Body::from(r#"{"change":"enable","reason":"r"}"#)),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let changes: Vec<_> = o
        .access_actions()
        .await
        .into_iter()
        .filter(|(_, action, _)| action == "rule_change")
        .collect();
    assert_eq!(changes.len(), 2, "only the two changes made: {changes:?}");
    assert!(
        changes
            .iter()
            .all(|(who, _, target)| who == "admin" && target == "rule:FUN-009")
    );
}

/// Unpacks a ustar archive into `dir` (the bundle's files are flat, under one folder).
fn untar(bytes: &[u8], dir: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut at = 0;
    while at + 512 <= bytes.len() && bytes[at] != 0 {
        let h = &bytes[at..at + 512];
        let name = String::from_utf8(h[..100].split(|b| *b == 0).next().unwrap().to_vec()).unwrap();
        let size_text = std::str::from_utf8(&h[124..135]).unwrap();
        let size = usize::from_str_radix(size_text, 8).unwrap();
        let sum: u32 = h
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(*b)
                }
            })
            .sum();
        let stored = u32::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
        assert_eq!(sum, stored, "header checksum of {name}");
        let data = &bytes[at + 512..at + 512 + size];
        let file = name.rsplit('/').next().unwrap().to_owned();
        std::fs::write(dir.join(&file), data).unwrap();
        names.push(file);
        at += 512 + size.div_ceil(512) * 512;
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scorer_is_retrained_by_administrators_only_and_too_few_judgements_are_refused() {
    let o = ops().await;
    let admin = o.browser("admin").await;
    let shen = o.browser("shen").await;
    let page = o.get("/rules/MOD-SCORER", &admin).await.text();
    assert!(
        page.contains("action=\"/rules/MOD-SCORER/train\""),
        "{page}"
    );
    assert!(
        page.contains("在用模型") && page.contains("未设置"),
        "no model yet"
    );
    let other = o.get("/rules/FUN-009", &admin).await.text();
    assert!(
        !other.contains("/train\""),
        "only the scorer is trained here"
    );
    let viewer = o.get("/rules/MOD-SCORER", &shen).await.text();
    assert!(
        !viewer.contains("/rules/MOD-SCORER/train"),
        "no button without the role"
    );

    let a = o
        .form(
            "/rules/MOD-SCORER/train",
            &shen,
            &[("csrf", shen.csrf.as_str())],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = o.form("/rules/MOD-SCORER/train", &admin, &[]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "no CSRF token");
    // No tender warning has been judged: refused with the counts, nothing written.
    let a = o
        .form(
            "/rules/MOD-SCORER/train",
            &admin,
            &[("csrf", admin.csrf.as_str())],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = a.text();
    assert!(text.contains("至少 10") && text.contains("0 / 0"), "{text}");
    assert!(!text.contains("--cases"), "{text}");
    assert!(!o.ws().root.join("models/bid_scorer.json").exists());
    let reopened = Workspace::open(&o.ws().root, &[]).await.unwrap();
    assert_eq!(reopened.config.models.scorer_model, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_page_lists_checkpoints_verifies_and_exports_a_bundle_that_verifies_alone() {
    let o = ops().await;
    let admin = o.browser("admin").await;
    let a = o
        .upload(&admin, &admin.csrf, "dataset=payments&name=p.csv", PAYMENTS)
        .await;
    let status = a.json()["status"].as_str().unwrap().to_owned();
    let get = async |u: &str| o.get(u, &admin).await;
    assert_eq!(o.finished(&status, get).await["state"], "done");

    let shen = o.browser("shen").await;
    let page = o.get("/ledger", &shen).await.text();
    let rows = qinglian_app::ledger::checkpoints(o.ws()).unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r.signature_ok));
    assert!(
        page.contains(&rows[0].root),
        "the newest checkpoint is shown"
    );

    let a = o.form("/ledger/verify", &shen, &[("csrf", "wrong")]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = o
        .form("/ledger/verify", &shen, &[("csrf", &shen.csrf)])
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.text().contains("id=\"verification\""));
    assert!(a.text().contains("class=\"ok\""), "{}", a.text());
    let zhang = o.browser("zhang").await;
    let a = o
        .form("/ledger/verify", &zhang, &[("csrf", &zhang.csrf)])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let t = o.token("dang").await;
    let v = o
        .api("POST", "/api/v1/ledger/verify", &t, None)
        .await
        .json();
    assert_eq!(v["ok"], true, "{v}");

    let tar = o.get("/ledger/bundle.tar", &shen).await;
    assert_eq!(tar.status, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let names = untar(&tar.bytes, dir.path());
    for want in [
        "checkpoints.jsonl",
        "entries.log",
        "verifier.key",
        "README.txt",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let key = qinglian_app::ledger::verifier_key(o.ws()).unwrap();
    let v = qinglian_app::ledger::verify_bundle(dir.path(), &key, &[], &[]).unwrap();
    assert!(v.ok, "{v:?}");
    assert!(v.entries >= 1);
    // Changing one byte of an entry in the bundle is caught by the outside verifier.
    let entries = dir.path().join("entries.log");
    let mut bytes = std::fs::read(&entries).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&entries, bytes).unwrap();
    let tampered = qinglian_app::ledger::verify_bundle(dir.path(), &key, &[], &[]);
    assert!(tampered.is_err() || !tampered.unwrap().ok);

    let api = o.api("GET", "/api/v1/ledger/bundle", &t, None).await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.headers[header::CONTENT_TYPE], "application/x-tar");
    let log = o.access_actions().await;
    assert!(log.contains(&("shen".into(), "ledger_verify".into(), "ledger".into())));
    assert!(log.contains(&("shen".into(), "export".into(), "ledger_bundle".into())));
}

fn issued_password(html: &str) -> String {
    let at = html
        .find("id=\"issued-password\">")
        .expect("the password is shown");
    let rest = &html[at + "id=\"issued-password\">".len()..];
    rest[..rest.find('<').unwrap()].to_owned()
}

async fn signs_in(o: &Ops, user: &str, password: &str) -> bool {
    users::sign_in(
        o.ws(),
        user,
        password,
        None,
        &SessionPolicy::default(),
        Utc::now(),
    )
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_added_disabled_and_reset_by_administrators_only() {
    let o = ops().await;
    let admin = o.browser("admin").await;
    let wang = o.browser("wang").await;
    let add = |b: &Browser| {
        vec![
            ("csrf", b.csrf.clone()),
            ("username", "liu".to_owned()),
            ("role", "auditor".to_owned()),
            ("display_name", "刘审计".to_owned()),
        ]
    };
    let f = add(&wang);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        o.form("/users", &wang, &f).await.status,
        StatusCode::FORBIDDEN
    );
    let a = o
        .form(
            "/users",
            &admin,
            &[
                ("csrf", &admin.csrf),
                ("username", "li"),
                ("role", "liaison"),
            ],
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::BAD_REQUEST,
        "a liaison needs a department"
    );
    let f = add(&admin);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = o.form("/users", &admin, &f).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let password = issued_password(&a.text());
    assert!(signs_in(&o, "liu", &password).await);
    let again = o.form("/users", &admin, &f).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "the name is taken");
    // Shown once: the list afterwards does not carry it.
    assert!(!o.get("/users", &admin).await.text().contains(&password));

    let a = o
        .form(
            "/users/liu/reset-password",
            &admin,
            &[("csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let fresh = issued_password(&a.text());
    assert_ne!(fresh, password);
    assert!(!signs_in(&o, "liu", &password).await);
    assert!(signs_in(&o, "liu", &fresh).await);

    let a = o
        .form(
            "/users/liu/disable",
            &admin,
            &[("csrf", &admin.csrf), ("disabled", "1")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(!signs_in(&o, "liu", &fresh).await, "disabled");
    let a = o
        .form(
            "/users/admin/disable",
            &admin,
            &[("csrf", &admin.csrf), ("disabled", "1")],
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "not one's own account");
    let a = o
        .form(
            "/users/nobody/disable",
            &admin,
            &[("csrf", &admin.csrf), ("disabled", "1")],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);

    // The API.
    let t = o.token("admin").await;
    let a = o
        .api(
            "POST",
            "/api/v1/users",
            &t,
            Some(Body::from(
                r#"{"username":"zhao","role":"inspector","totp":true}"#,
            )),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let j = a.json();
    assert!(j["credentials"]["totp_secret"].is_string(), "{j}");
    assert!(j["user"].get("password_hash").is_none());
    let a = o
        .api(
            "POST",
            "/api/v1/users/liu/disable",
            &t,
            Some(Body::from(r#"{"disabled":false}"#)),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["disabled"], false);
    assert!(signs_in(&o, "liu", &fresh).await, "enabled again");
    let a = o
        .api(
            "POST",
            "/api/v1/users/liu/reset-password",
            &t,
            Some(Body::from(r#"{"new_totp":false}"#)),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(signs_in(&o, "liu", a.json()["password"].as_str().unwrap()).await);
    for (name, _) in ROLES.iter().filter(|(n, _)| *n != "admin") {
        let t = o.token(name).await;
        for (uri, body) in [
            ("/api/v1/users", r#"{"username":"x","role":"auditor"}"#),
            ("/api/v1/users/liu/disable", r#"{"disabled":true}"#),
            ("/api/v1/users/liu/reset-password", r#"{}"#),
        ] {
            let a = o.api("POST", uri, &t, Some(Body::from(body))).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{name} {uri}");
        }
    }
    let log = o.access_actions().await;
    for action in [
        "user_add",
        "user_reset_password",
        "user_disable",
        "user_enable",
    ] {
        assert!(
            log.contains(&("admin".into(), action.into(), "user:liu".into())),
            "{action}: {log:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_merge_warnings_and_keep_a_liaisons_scope() {
    let o = ops().await;
    // zhang is the liaison of 财务部; one warning there, two elsewhere.
    let ids = fun_009_warnings(&o, &["财务部", "D2", "D3"]).await;
    let (finance, d2, d3) = (ids[0], ids[1], ids[2]);
    let wang = o.browser("wang").await;
    let zhang = o.browser("zhang").await;
    let shen = o.browser("shen").await;
    let merge = |b: &Browser, ids: String| {
        vec![
            ("csrf", b.csrf.clone()),
            ("warnings", ids),
            ("title", "同一批现金支付".to_owned()),
        ]
    };
    let all = format!("{finance}, {d2}");
    for (b, ids, want) in [
        (&zhang, all.clone(), StatusCode::FORBIDDEN),
        (&shen, all.clone(), StatusCode::FORBIDDEN),
        (
            &wang,
            format!("{finance}"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (&wang, "1, x".to_owned(), StatusCode::BAD_REQUEST),
        (&wang, format!("{finance}, 999999"), StatusCode::NOT_FOUND),
    ] {
        let f = merge(b, ids.clone());
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = o.form("/cases", b, &f).await;
        assert_eq!(a.status, want, "{ids}: {}", a.text());
    }
    assert!(o.ws().store.list_cases(10).await.unwrap().is_empty());
    let f = merge(&wang, all);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = o.form("/cases", &wang, &f).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let at = a.headers[header::LOCATION].to_str().unwrap().to_owned();
    let page = o.get(&at, &shen).await.text();
    assert!(page.contains(&format!("href=\"/warnings/{finance}\"")));
    assert!(page.contains(&format!("href=\"/warnings/{d2}\"")));
    // The liaison sees the case with only their department's warning.
    let page = o.get(&at, &zhang).await.text();
    assert!(page.contains(&format!("href=\"/warnings/{finance}\"")));
    assert!(
        !page.contains(&format!("href=\"/warnings/{d2}\"")),
        "{page}"
    );

    // A case without a warning of the liaison's department is not there for them.
    let t = o.token("wang").await;
    let body = format!(r#"{{"warnings":[{d2},{d3}],"title":"另案"}}"#);
    let a = o
        .api("POST", "/api/v1/cases", &t, Some(Body::from(body)))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let other = a.json()["id"].as_i64().unwrap();
    assert_eq!(a.json()["warnings"].as_array().unwrap().len(), 2);
    let zt = o.token("zhang").await;
    let a = o
        .api("GET", &format!("/api/v1/cases/{other}"), &zt, None)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(
        o.get(&format!("/cases/{other}"), &zhang).await.status,
        StatusCode::NOT_FOUND
    );
    let listed = o.api("GET", "/api/v1/cases", &zt, None).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    let listed = o.api("GET", "/api/v1/cases", &t, None).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
    // d2 moved from the first case to the second: the first case now holds only finance.
    let first = o.ws().store.list_cases(10).await.unwrap();
    let first = first.iter().find(|c| c.id != other).unwrap();
    assert_eq!(first.warnings, vec![finance]);
    // The merge is in each warning's history.
    let v = qinglian_app::warnings::show(o.ws(), d3, Utc::now())
        .await
        .unwrap();
    assert!(
        v.history.iter().any(|h| h.action == "merge"),
        "{:?}",
        v.history
    );
}
