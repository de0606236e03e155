//! `tana serve`: every endpoint through the router (tower's oneshot), with the safety checks:
//! tokens, origins, hosts, read-only, escaping, bad requests as JSON 4xx.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use insta::assert_snapshot;
use serde_json::{json, Value};
use tana::web::{router, AppState};
use tower::ServiceExt;

use crate::TestEnv;

const PORT: u16 = 7411;

fn state(env: &TestEnv) -> AppState {
    AppState::new(env.path().join("study.tana"), false, None, PORT)
}

/// Send a request; return status and body (JSON when it parses, else a string).
async fn send(state: &AppState, req: Request<Body>) -> (StatusCode, Value, String) {
    let resp = router(state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, json, text)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header("host", format!("127.0.0.1:{PORT}"))
        .body(Body::empty())
        .unwrap()
}

fn post(state: &AppState, uri: &str, body: Value) -> Request<Body> {
    Request::post(uri)
        .header("host", format!("127.0.0.1:{PORT}"))
        .header("origin", format!("http://127.0.0.1:{PORT}"))
        .header("content-type", "application/json")
        .header("x-tana-token", state.csrf())
        .header("x-tana-coder", "ana")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn codings(env: &TestEnv) -> String {
    let conn = rusqlite::Connection::open(env.path().join("study.tana")).unwrap();
    crate::table_dump(&conn, &[("coding", "id")])
        .lines()
        .map(|l| l.split(" | ").take(5).collect::<Vec<_>>().join(" | "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn every_page_renders() {
    let env = TestEnv::coded();
    let s = state(&env);
    for uri in [
        "/",
        "/t/P01",
        "/template",
        "/table",
        "/quotes?theme=1.1",
        "/quotes?theme=1.1&transcript=P01",
        "/search?q=target",
        "/search",
        "/review",
        "/codebook",
        "/assets/tana.css",
        "/assets/app.js",
        "/assets/workbench.js",
    ] {
        let (status, _, text) = send(&s, get(uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {text}");
    }
    let (_, _, home) = send(&s, get("/")).await;
    assert!(home.contains(r#"<a href="/t/P01">P01</a>"#), "{home}");
    assert!(home.contains(s.csrf()), "the page carries its token");
    let (_, _, table) = send(&s, get("/table")).await;
    assert!(
        table.contains("/quotes?theme=1.1.1&amp;transcript=P01"),
        "{table}"
    );
}

#[tokio::test]
async fn the_api_reads_the_project() {
    let env = TestEnv::coded();
    let s = state(&env);
    let (status, list, _) = send(&s, get("/api/transcripts")).await;
    assert_eq!(status, StatusCode::OK);
    assert_snapshot!(serde_json::to_string_pretty(&list).unwrap(), @r#"
    [
      {
        "name": "P01",
        "words": 33,
        "segments": 4,
        "speakers": 2,
        "codings": 3,
        "coded_pct": 61,
        "review": "not reviewed"
      },
      {
        "name": "P02",
        "words": 33,
        "segments": 4,
        "speakers": 2,
        "codings": 2,
        "coded_pct": 61,
        "review": "not reviewed"
      },
      {
        "name": "P03",
        "words": 20,
        "segments": 4,
        "speakers": 2,
        "codings": 1,
        "coded_pct": 45,
        "review": "not reviewed"
      }
    ]
    "#);
    let (_, t, _) = send(&s, get("/api/transcript/P01")).await;
    assert_eq!(t["segments"][1]["speaker"], "P1");
    assert_eq!(
        t["segments"][1]["text"],
        "Honestly, nobody could tell me the target. It is all slogans."
    );
    assert_snapshot!(serde_json::to_string_pretty(&t["codings"]).unwrap(), @r##"
    [
      {
        "id": 1,
        "theme": 3,
        "number": "1.1.1",
        "path": "Awareness gap/Knowing the targets/Vague targets",
        "color": "#61c46e",
        "start": 50,
        "end": 81,
        "coder": "tester",
        "memo": null
      },
      {
        "id": 2,
        "theme": 4,
        "number": "1.1.2",
        "path": "Awareness gap/Knowing the targets/Concrete targets",
        "color": "#e86452",
        "start": 63,
        "end": 100,
        "coder": "tester",
        "memo": null
      },
      {
        "id": 3,
        "theme": 5,
        "number": "1.2",
        "path": "Awareness gap/Training",
        "color": "#9a6fd6",
        "start": 135,
        "end": 217,
        "coder": "tester",
        "memo": null
      }
    ]
    "##);
    let (_, themes, _) = send(&s, get("/api/themes")).await;
    assert_eq!(themes.as_array().unwrap().len(), 7);
    let (_, hits, _) = send(&s, get("/api/search?q=slogans")).await;
    assert_eq!(hits["total"], 1);
    let (status, e, _) = send(&s, get("/api/transcript/P99")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_snapshot!(e.to_string(), @r#"{"error":"no transcript named \"P99\" (did you mean \"P01\"?)","hint":"run \"tana transcripts\" to list them"}"#);
    let (status, e, _) = send(&s, get("/nothing/here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_snapshot!(e.to_string(), @r#"{"error":"there is nothing at /nothing/here","hint":"the workbench starts at /"}"#);
}

#[tokio::test]
async fn coding_lands_on_exact_code_points_and_undo_and_redo_work() {
    let env = TestEnv::study();
    let s = state(&env);
    // P03: "…every quarter 🌱. Zoë handles them." — an emoji (2 UTF-16 units, 1 code point)
    // and a precomposed ë before the span.
    let (_, t, _) = send(&s, get("/api/transcript/P03")).await;
    let seg = &t["segments"][1];
    let text = seg["text"].as_str().unwrap();
    let start = seg["start"].as_u64().unwrap() as usize;
    let at = text.chars().position(|c| c == 'Z').unwrap();
    let (a, b) = (start + at, start + at + "Zoë".chars().count());
    let (status, r, text_) = send(
        &s,
        post(
            &s,
            "/api/code",
            json!({"transcript": "P03", "start": a, "end": b, "themes": ["Customers"]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text_}");
    assert!(r["change"].as_i64().is_some());
    let (_, t, _) = send(&s, get("/api/transcript/P03")).await;
    let c = &t["codings"][0];
    assert_eq!(
        (c["start"].as_u64(), c["end"].as_u64()),
        (Some(a as u64), Some(b as u64))
    );
    assert_eq!(c["coder"], "ana");
    let stored: String = text.chars().skip(at).take(3).collect();
    assert_eq!(stored, "Zoë");
    // Undo, then redo, through the page's buttons.
    let (status, r, _) = send(&s, post(&s, "/api/undo", json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_snapshot!(r["message"].as_str().unwrap(), @"undid change 4 (code P03 103:106 with 2 Customers (tana serve))");
    assert_eq!(codings(&env), "");
    let (status, r, _) = send(&s, post(&s, "/api/redo", json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_snapshot!(codings(&env), @"coding: Integer(1) | Integer(3) | Integer(6) | Integer(103) | Integer(106)");
    env.ok(&["check"]);
}

#[tokio::test]
async fn uncode_recode_memo_and_new_themes_from_the_page() {
    let env = TestEnv::coded();
    let s = state(&env);
    let (_, t, _) = send(&s, get("/api/transcript/P02")).await;
    let first = t["codings"][0]["id"].as_i64().unwrap();
    // The codings are tester's; ana is the only other coder so far: a one-person project.
    let (status, r, _) = send(
        &s,
        post(&s, "/api/memo", json!({"coding": first, "text": "typical"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (status, r, _) = send(
        &s,
        post(
            &s,
            "/api/recode",
            json!({"coding": first, "theme": "Trust"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (status, r, _) = send(
        &s,
        post(&s, "/api/code", json!({"transcript": "P02", "start": 0, "end": 11, "themes": ["Customers/Price"], "create": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (_, t, _) = send(&s, get("/api/transcript/P02")).await;
    let ids: Vec<i64> = t["codings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let last = *ids.iter().max().unwrap();
    let (status, r, _) = send(&s, post(&s, "/api/uncode", json!({"coding": last}))).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    // The server runs in this process, on the real clock: leave the dates out.
    let log: Vec<String> = env
        .ok(&["log", "-n", "5", "--format", "csv"])
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.splitn(3, ',').collect();
            f.remove(1);
            f.join(",")
        })
        .collect();
    assert_snapshot!(log.join("\n"), @r#"
    change,coder,kind,what,rows,undone by
    9,ana,coding,uncode P02 0:11 from 2.1 Price (tana serve),codings: 1 removed; archived codings: 1 added,
    8,ana,coding,code P02 0:11 with 2.1 Price (tana serve),codings: 1 added,
    7,ana,template,added 2.1 Price (Customers/Price) — created while coding P02,review entries: 3 added; themes: 1 added,
    6,ana,coding,recode 40:114 from 1.1.2 Concrete targets to 3 Trust (tana serve),"codings: 1 added, 1 removed; archived codings: 1 added",
    5,ana,project,memo on coding 4 (tana serve),memos: 1 added,
    "#);
    assert_snapshot!(env.ok(&["template"]), @"
    theme                       codings  participants
    1 Awareness gap *                 0           1/3
      1.1 Knowing the targets         0           1/3
        1.1.1 Vague targets           1           1/3
        1.1.2 Concrete targets        1           1/3
      1.2 Training                    1           1/3
    2 Customers                       1           1/3
      2.1 Price                       0           0/3
    3 Trust (integrative)             2           1/3
    * a priori theme
    ");
}

#[tokio::test]
async fn template_revisions_from_the_page() {
    let env = TestEnv::coded();
    let s = state(&env);
    for body in [
        json!({"op": "add", "name": "Price", "parent": "Customers", "definition": "What customers pay", "why": "P02"}),
        json!({"op": "rename", "theme": "Training", "name": "Training and onboarding", "why": "broader"}),
        json!({"op": "redefine", "theme": "Trust", "definition": "Belief in what leaders say", "why": "sharper"}),
        json!({"op": "move", "theme": "Customers/Price", "parent": "", "why": "its own theme"}),
        json!({"op": "merge", "theme": "Knowing the targets", "themes": ["Vague targets"], "why": "one idea"}),
        json!({"op": "split", "theme": "Price", "into": ["List price", "Discounts"], "why": "two things"}),
        json!({"op": "delete", "theme": "Discounts", "why": "unused"}),
    ] {
        let (status, r, text) = send(&s, post(&s, "/api/theme", body.clone())).await;
        assert_eq!(status, StatusCode::OK, "{body}: {text}");
        assert!(r["change"].as_i64().is_some(), "{r}");
    }
    assert_snapshot!(env.ok(&["template"]), @"
    theme                          codings  participants
    1 Awareness gap *                    0           2/3
      1.1 Knowing the targets            1           2/3
        1.1.1 Concrete targets           2           2/3
      1.2 Training and onboarding        1           1/3
    2 Customers                          1           1/3
    3 Trust (integrative)                1           1/3
    4 Price                              0           0/3
    5 List price                         0           0/3
    * a priori theme
    ");
    let (status, e, _) = send(
        &s,
        post(&s, "/api/theme", json!({"op": "explode", "theme": "1"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_snapshot!(e.to_string(), @r#"{"error":"unknown theme operation \"explode\"","hint":"add, rename, redefine, move, merge, split or delete"}"#);
    env.ok(&["config", "require-rationale", "on"]);
    let (status, e, _) = send(
        &s,
        post(
            &s,
            "/api/theme",
            json!({"op": "rename", "theme": "Trust", "name": "Credibility"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_snapshot!(e["error"].as_str().unwrap(), @"this project requires a rationale for every revision");
}

#[tokio::test]
async fn bad_requests_get_json_errors_and_write_nothing() {
    let env = TestEnv::coded();
    let s = state(&env);
    let before = env.dump();
    let cases = [
        json!({"transcript": "P01", "start": 5, "end": 5, "themes": ["1"]}),
        json!({"transcript": "P01", "start": -1, "end": 5, "themes": ["1"]}),
        json!({"transcript": "P01", "start": 0, "end": 100000, "themes": ["1"]}),
        json!({"transcript": "P01", "start": 0, "end": 5, "themes": ["No such theme"]}),
        json!({"transcript": "P01", "start": 0, "end": 5, "themes": []}),
        json!({"transcript": "P77", "start": 0, "end": 5, "themes": ["1"]}),
        json!({"start": 0}),
    ];
    let mut out = String::new();
    for body in cases {
        let (status, e, text) = send(&s, post(&s, "/api/code", body)).await;
        assert!(status.is_client_error(), "{status}: {text}");
        out.push_str(&format!(
            "{} {}\n",
            status.as_u16(),
            e["error"].as_str().unwrap_or(&text)
        ));
    }
    // Not JSON at all.
    let mut req = post(&s, "/api/code", json!({}));
    *req.body_mut() = Body::from("not json");
    let (status, e, _) = send(&s, req).await;
    out.push_str(&format!("{} {}\n", status.as_u16(), e["error"]));
    // No coder.
    let mut req = post(&s, "/api/undo", json!({}));
    req.headers_mut().remove("x-tana-coder");
    let (status, e, _) = send(&s, req).await;
    out.push_str(&format!("{} {}\n", status.as_u16(), e["error"]));
    assert_snapshot!(out, @r#"
    400 span 5:5 is not a span (start < end, both 0 or more, in code points)
    400 span -1:5 is not a span (start < end, both 0 or more, in code points)
    400 span 0:100000 is not inside P01 (valid spans run within 0:218 with start < end)
    400 no theme matches "No such theme"
    400 name at least one theme
    404 no transcript named "P77" (did you mean "P01"?)
    422 Failed to deserialize the JSON body into the target type: missing field `transcript` at line 1 column 11
    400 null
    400 "who is coding? the request has no coder (X-Tana-Coder)"
    "#);
    assert_eq!(env.dump(), before);
}

#[tokio::test]
async fn changes_need_the_page_token_and_the_same_origin() {
    let env = TestEnv::coded();
    let s = state(&env);
    let before = env.dump();
    let body = json!({"transcript": "P01", "start": 0, "end": 5, "themes": ["1"]});
    let mut out = String::new();
    // No token.
    let mut req = post(&s, "/api/code", body.clone());
    req.headers_mut().remove("x-tana-token");
    let (status, e, _) = send(&s, req).await;
    out.push_str(&format!("{} {}\n", status.as_u16(), e["error"]));
    // A wrong token.
    let mut req = post(&s, "/api/code", body.clone());
    req.headers_mut()
        .insert("x-tana-token", "guess".parse().unwrap());
    let (status, e, _) = send(&s, req).await;
    out.push_str(&format!("{} {}\n", status.as_u16(), e["error"]));
    // A cross-site post.
    let mut req = post(&s, "/api/code", body.clone());
    req.headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    let (status, e, _) = send(&s, req).await;
    out.push_str(&format!("{} {}\n", status.as_u16(), e["error"]));
    // Another host name pointing here (DNS rebinding).
    let mut req = get("/api/session");
    req.headers_mut()
        .insert("host", "evil.example:7411".parse().unwrap());
    let (status, e, _) = send(&s, req).await;
    out.push_str(&format!("{} {}\n", status.as_u16(), e["error"]));
    assert_snapshot!(out, @r#"
    403 "this change has no valid page token (X-Tana-Token)"
    403 "this change has no valid page token (X-Tana-Token)"
    403 "a change from another site (http://evil.example) was refused"
    421 "this server does not answer to the host \"evil.example:7411\""
    "#);
    assert_eq!(env.dump(), before);
}

#[tokio::test]
async fn read_only_serves_pages_and_refuses_changes() {
    let env = TestEnv::coded();
    let s = AppState::new(env.path().join("study.tana"), true, None, PORT);
    let (status, _, _) = send(&s, get("/t/P01")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, e, _) = send(
        &s,
        post(
            &s,
            "/api/code",
            json!({"transcript": "P01", "start": 0, "end": 5, "themes": ["1"]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_snapshot!(e["error"].as_str().unwrap(), @"this project is served read-only");
}

#[tokio::test]
async fn an_access_token_guards_every_request() {
    let env = TestEnv::coded();
    let token = "0123456789abcdef-secret";
    let s = AppState::new(
        env.path().join("study.tana"),
        false,
        Some(token.into()),
        PORT,
    );
    let (status, e, _) = send(&s, get("/")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_snapshot!(e["error"].as_str().unwrap(), @"this tana serve needs its access token");
    let resp = router(s.clone())
        .oneshot(get(&format!("/?token={token}")))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("tana_access=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let mut req = get("/api/session");
    req.headers_mut()
        .insert("cookie", cookie.split(';').next().unwrap().parse().unwrap());
    let (status, _, _) = send(&s, req).await;
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn serving_beyond_this_machine_needs_a_token() {
    let env = TestEnv::coded();
    assert_snapshot!(env.fails(&["serve", "--host", "0.0.0.0", "--port", "0"], 2), @"
    error: serving on 0.0.0.0 lets other machines reach the project: it needs an access token
    hint: add --token SECRET (at least 16 characters), or serve on 127.0.0.1
    ");
    assert_snapshot!(env.fails(&["serve", "--host", "0.0.0.0", "--port", "0", "--token", "short"], 2), @"
    error: the access token must be at least 16 characters
    hint: e.g. --token $(uuidgen)
    ");
}

#[tokio::test]
async fn names_with_markup_show_as_text() {
    let env = TestEnv::study();
    env.ok(&["theme", "add", "x<script>alert(1)"]);
    env.write("X.txt", "A: <img src=x onerror=alert(2)> & more\n");
    env.ok(&["import", "X.txt", "--name", "<b>X</b>"]);
    let s = state(&env);
    for uri in [
        "/",
        "/template",
        "/table",
        "/codebook",
        "/search?q=%3Cscript%3E",
    ] {
        let (status, _, page) = send(&s, get(uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(!page.contains("<script>alert"), "{uri}: {page}");
        assert!(!page.contains("<b>X</b>"), "{uri}");
    }
    let (_, _, page) = send(&s, get("/template")).await;
    assert!(page.contains("x&lt;script&gt;alert(1)"), "{page}");
    let (_, _, page) = send(&s, get("/t/%3Cb%3EX%3C%2Fb%3E")).await;
    assert!(page.contains("&lt;b&gt;X&lt;/b&gt;"), "{page}");
}

#[tokio::test]
async fn blind_coding_applies_to_the_page() {
    let env = TestEnv::study();
    env.ok(&["--coder", "ana", "code", "P01", "2", "Vague targets"]);
    env.ok(&["--coder", "bea", "code", "P01", "4", "Training"]);
    env.ok(&["config", "blind", "on"]);
    let s = state(&env);
    let mut req = get("/api/transcript/P01");
    req.headers_mut()
        .insert("x-tana-coder", "bea".parse().unwrap());
    let (_, t, _) = send(&s, req).await;
    let coders: Vec<&str> = t["codings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["coder"].as_str().unwrap())
        .collect();
    assert_eq!(coders, ["bea"]);
    let mut req = get("/api/transcript/P01?all=1");
    req.headers_mut()
        .insert("x-tana-coder", "bea".parse().unwrap());
    let (_, t, _) = send(&s, req).await;
    assert_eq!(t["codings"].as_array().unwrap().len(), 2);
    // In a team, bea cannot uncode ana's coding from the page.
    let ana = t["codings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["coder"] == "ana")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let mut req = post(&s, "/api/uncode", json!({"coding": ana}));
    req.headers_mut()
        .insert("x-tana-coder", "bea".parse().unwrap());
    let (status, e, _) = send(&s, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_snapshot!(e["error"].as_str().unwrap(), @"coding 1 is ana's, not yours");
}

/// On a shared workbench, Undo reverts the coder's own last change, not a colleague's.
#[tokio::test]
async fn undo_on_the_page_is_each_coders_own() {
    let env = TestEnv::study();
    let s = state(&env);
    let as_ = |who: &str, uri: &str, body: Value| {
        let mut r = post(&s, uri, body);
        r.headers_mut().insert("x-tana-coder", who.parse().unwrap());
        r
    };
    let code = json!({"transcript": "P01", "start": 0, "end": 11, "themes": ["Trust"]});
    let (status, _, _) = send(&s, as_("bea", "/api/code", code.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(&s, as_("ana", "/api/code", code)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, r, _) = send(&s, as_("bea", "/api/undo", json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (_, t, _) = send(&s, get("/api/transcript/P01")).await;
    let coders: Vec<&str> = t["codings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["coder"].as_str().unwrap())
        .collect();
    assert_eq!(coders, ["ana"]);
    let (status, e, _) = send(&s, as_("carl", "/api/undo", json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_snapshot!(e["error"].as_str().unwrap(), @"carl has no change to undo");
    let (status, r, _) = send(&s, as_("bea", "/api/redo", json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (_, t, _) = send(&s, get("/api/transcript/P01")).await;
    assert_eq!(t["codings"].as_array().unwrap().len(), 2);
}
