//! The JSON API the pages use: thin handlers over the library, one connection and one
//! transaction per request. Positions are code points, half-open, as everywhere in tana.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{error_response, AppState};
use crate::coding::{self, Added, Doc, Stamp};
use crate::error::Error;
use crate::journal::{self, Kind, LogEntry};
use crate::model::Span;
use crate::project::{self, coder_id};
use crate::template::{revise, NewTheme, Template};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/session", get(session))
        .route("/api/changes", get(changes))
        .route("/api/transcripts", get(transcripts))
        .route("/api/transcript/{name}", get(transcript))
        .route("/api/themes", get(themes))
        .route("/api/search", get(search))
        .route("/api/review", get(review))
        .route("/api/code", post(code))
        .route("/api/uncode", post(uncode))
        .route("/api/recode", post(recode))
        .route("/api/memo", post(memo))
        .route("/api/theme", post(theme))
        .route("/api/undo", post(undo))
        .route("/api/redo", post(redo))
        .route("/api/review/close", post(review_close))
}

/// An error as the API returns it: a status and `{ "error", "hint" }`.
pub struct ApiError {
    status: StatusCode,
    message: String,
    hint: Option<String>,
}

impl ApiError {
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            hint: None,
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let status = match &e {
            Error::User { message, .. } if message.starts_with("no transcript named") => {
                StatusCode::NOT_FOUND
            }
            Error::User { message, .. } if message.contains("is busy") => StatusCode::CONFLICT,
            Error::User { .. } | Error::Usage { .. } => StatusCode::BAD_REQUEST,
            Error::Sqlite(err) if project::is_busy(err) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError {
            status,
            hint: e.hint().map(str::to_string),
            message: e.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(self.status, &self.message, self.hint.as_deref())
    }
}

type ApiResult = std::result::Result<Json<Value>, ApiError>;

/// A JSON body, or a 400 that says what is wrong with it.
fn parse<T>(body: std::result::Result<Json<T>, JsonRejection>) -> std::result::Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| ApiError {
        status: StatusCode::BAD_REQUEST,
        message: format!(
            "the request body is not what this call takes: {}",
            e.body_text()
        ),
        hint: Some("send JSON with Content-Type: application/json".into()),
    })
}

/// Unknown addresses: a JSON 404.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        &format!("there is nothing at {}", uri.path()),
        Some("the workbench starts at /"),
    )
}

/// Run `work` on a fresh connection to the project, off the async threads.
pub async fn with_conn<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Connection) -> crate::error::Result<T> + Send + 'static,
) -> std::result::Result<T, ApiError> {
    let path = state.inner().path.clone();
    let wait = state.inner().wait;
    tokio::task::spawn_blocking(move || {
        let conn = project::open_waiting(&path, wait)?;
        let out = work(&conn);
        let out = out.map_err(|e| project::classify_error(&path, e));
        drop(conn);
        out
    })
    .await
    .map_err(|_| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: "internal error: the request stopped unexpectedly".into(),
        hint: None,
    })?
    .map_err(ApiError::from)
}

/// Make one change as `coder`: the write lock is taken up front, `work` is journaled, and
/// the change commits only if it changed something. Returns the value and the change id.
pub async fn change<T: Send + 'static>(
    state: &AppState,
    coder: String,
    op: &'static str,
    kind: Kind,
    work: impl FnOnce(&Connection, i64) -> crate::error::Result<(T, String)> + Send + 'static,
) -> std::result::Result<(T, Option<i64>), ApiError> {
    let path = state.inner().path.clone();
    with_conn(state, move |conn| {
        let w = project::Write::begin(conn, &path)?;
        let me = coder_id(&w, &coder)?;
        let (value, id) = journal::record(&w, me, |_| {
            let (value, summary) = work(&w, me)?;
            Ok((value, LogEntry::new(op, kind, summary)))
        })?;
        w.commit()?;
        Ok((value, id))
    })
    .await
}

/// The coder a request is made for: `X-Tana-Coder`, else the `tana_coder` cookie the page
/// sets (both percent-encoded UTF-8).
pub(crate) fn coder_of(headers: &HeaderMap) -> Option<String> {
    let raw = match headers.get("x-tana-coder").and_then(|v| v.to_str().ok()) {
        Some(v) => v.to_string(),
        None => super::cookie(headers, "tana_coder")?,
    };
    let name = super::percent_decode(&raw)?;
    let name = name.trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// The coder a change is made for, required.
fn writer(headers: &HeaderMap) -> std::result::Result<String, ApiError> {
    let name = coder_of(headers).ok_or_else(|| ApiError {
        status: StatusCode::BAD_REQUEST,
        message: "who is coding? the request has no coder (X-Tana-Coder)".into(),
        hint: Some("enter your name at the top of the page".into()),
    })?;
    crate::text::check_name("coder name", &name)?;
    Ok(name)
}

/// Whose codings a reader sees: everyone's, unless blind coding is on (then the reader's
/// own, or everyone's with `all`).
pub(crate) fn visible_coder(
    conn: &Connection,
    reader: Option<&str>,
    all: bool,
) -> crate::error::Result<Option<i64>> {
    let blind = project::setting(conn, "blind")?.is_some_and(|v| v == "on");
    if !blind || all {
        return Ok(None);
    }
    let Some(name) = reader else {
        return Ok(Some(0));
    };
    Ok(Some(
        conn.query_row("SELECT id FROM coder WHERE name = ?1", [name], |r| r.get(0))
            .optional()?
            .unwrap_or(0),
    ))
}

fn last_change(conn: &Connection) -> crate::error::Result<i64> {
    Ok(conn.query_row("SELECT ifnull(max(id), 0) FROM revision", [], |r| r.get(0))?)
}

/// A colour per theme: its own, else the next of a palette in template order, so themes
/// next to each other in the tree never share one.
pub fn colors(template: &Template) -> std::collections::HashMap<i64, String> {
    const PALETTE: [&str; 12] = [
        "#e6a23c", "#5b8ff9", "#61c46e", "#e86452", "#9a6fd6", "#2fb8b0", "#f08bb4", "#8a9a3a",
        "#d9822b", "#6d7fcc", "#c0504d", "#3f9fd8",
    ];
    template
        .themes
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let c = match t.fields.color.as_deref().filter(|c| is_css_color(c)) {
                Some(c) => c.to_string(),
                None => PALETTE[i % PALETTE.len()].to_string(),
            };
            (t.id, c)
        })
        .collect()
}

fn is_css_color(c: &str) -> bool {
    let h = c.strip_prefix('#').unwrap_or("");
    matches!(h.len(), 3 | 6) && h.chars().all(|x| x.is_ascii_hexdigit())
}

#[derive(Deserialize, Default)]
pub struct ReadQuery {
    #[serde(default)]
    pub all: Option<String>,
}

impl ReadQuery {
    pub fn all(&self) -> bool {
        matches!(self.all.as_deref(), Some("1" | "true" | "yes"))
    }
}

async fn session(State(state): State<AppState>) -> ApiResult {
    let csrf = state.csrf().to_string();
    let read_only = state.inner().read_only;
    let name = state
        .inner()
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    with_conn(&state, move |conn| {
        Ok(Json(json!({
            "csrf": csrf,
            "read_only": read_only,
            "project": name,
            "change": last_change(conn)?,
            "blind": project::setting(conn, "blind")?.is_some_and(|v| v == "on"),
            "require_rationale": project::setting(conn, "require-rationale")?.is_some_and(|v| v == "on"),
        })))
    })
    .await
}

async fn changes(State(state): State<AppState>) -> ApiResult {
    with_conn(&state, |conn| {
        Ok(Json(json!({ "change": last_change(conn)? })))
    })
    .await
}

/// One row of the transcript list.
pub fn transcript_rows(conn: &Connection, coder: Option<i64>) -> crate::error::Result<Vec<Value>> {
    let mut stmt = conn.prepare(
        "SELECT t.id, t.name, t.words, t.chars,
                (SELECT count(*) FROM segment s WHERE s.transcript_id = t.id),
                (SELECT count(DISTINCT speaker) FROM segment s WHERE s.transcript_id = t.id),
                (SELECT count(*) FROM review r WHERE r.transcript_id = t.id AND r.closed_at IS NULL),
                (SELECT ifnull(v.name, 'reviewed') FROM transcript_review m
                 LEFT JOIN template_version v ON v.id = m.version_id
                 WHERE m.transcript_id = t.id ORDER BY m.id DESC LIMIT 1)
         FROM transcript t ORDER BY t.id",
    )?;
    type Row = (i64, String, i64, i64, i64, i64, i64, Option<String>);
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut spans = conn.prepare_cached(
        "SELECT start, end FROM coding WHERE transcript_id = ?1 AND (?2 IS NULL OR coder_id = ?2)",
    )?;
    let mut out = Vec::new();
    for (id, name, words, chars, segments, speakers, open, reviewed) in rows {
        let all: Vec<Span> = spans
            .query_map(rusqlite::params![id, coder], |r| {
                Ok(Span::new(
                    r.get::<_, i64>(0)? as usize,
                    r.get::<_, i64>(1)? as usize,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let n = all.len();
        let covered: usize = crate::model::union_spans(all)
            .iter()
            .map(|s| s.end - s.start)
            .sum();
        let pct = if chars > 0 {
            (covered as f64 * 100.0 / chars as f64).round() as i64
        } else {
            0
        };
        let review = if open > 0 {
            format!("{open} to review")
        } else {
            reviewed.unwrap_or_else(|| "not reviewed".into())
        };
        out.push(json!({
            "name": name, "words": words, "segments": segments, "speakers": speakers,
            "codings": n, "coded_pct": pct, "review": review,
        }));
    }
    Ok(out)
}

async fn transcripts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReadQuery>,
) -> ApiResult {
    let reader = coder_of(&headers);
    with_conn(&state, move |conn| {
        let coder = visible_coder(conn, reader.as_deref(), q.all())?;
        Ok(Json(Value::Array(transcript_rows(conn, coder)?)))
    })
    .await
}

async fn transcript(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    Query(q): Query<ReadQuery>,
) -> ApiResult {
    let reader = coder_of(&headers);
    with_conn(&state, move |conn| {
        let doc = Doc::load(conn, &name)?;
        let template = Template::load(conn)?;
        let coder = visible_coder(conn, reader.as_deref(), q.all())?;
        let names = project::coder_names(conn)?;
        let palette = colors(&template);
        let offsets = crate::text::Offsets::new(&doc.text);
        let segments: Vec<Value> = doc
            .segments
            .iter()
            .map(|s| {
                let text = &doc.text[offsets.byte_of_char(s.start)..offsets.byte_of_char(s.end)];
                let sentences: Vec<[usize; 2]> = crate::segment::sentences(text)
                    .into_iter()
                    .map(|(a, b)| [a, b])
                    .collect();
                json!({
                    "number": s.number, "speaker": s.speaker, "start": s.start, "end": s.end,
                    "time": s.time, "text": text, "sentences": sentences,
                })
            })
            .collect();
        let mut memo_stmt = conn.prepare_cached(
            "SELECT group_concat(text, char(10)) FROM memo WHERE target = 'coding' AND coding_id = ?1",
        )?;
        let mut codings = Vec::new();
        for (theme, span, c, id) in coding::codings_of(conn, doc.id)? {
            if coder.is_some_and(|only| only != c) {
                continue;
            }
            let Some(t) = template.get(theme) else {
                continue;
            };
            let own: Option<String> = conn
                .query_row("SELECT memo FROM coding WHERE id = ?1", [id], |r| r.get(0))
                .optional()?
                .flatten();
            let extra: Option<String> = memo_stmt.query_row([id], |r| r.get(0)).optional()?.flatten();
            let memo = match (own, extra) {
                (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
                (a, b) => a.or(b),
            };
            codings.push(json!({
                "id": id, "theme": t.id, "number": t.number, "path": t.path_string(),
                "color": palette.get(&t.id).map_or("#999", String::as_str), "start": span.start, "end": span.end,
                "coder": names.get(&c).cloned().unwrap_or_default(), "memo": memo,
            }));
        }
        Ok(Json(json!({
            "name": doc.name, "chars": doc.chars, "segments": segments, "codings": codings,
            "change": last_change(conn)?,
        })))
    })
    .await
}

/// The template with codings and participants per theme.
pub fn theme_rows(conn: &Connection, coder: Option<i64>) -> crate::error::Result<Vec<Value>> {
    let template = Template::load(conn)?;
    let total: i64 = conn.query_row("SELECT count(*) FROM transcript", [], |r| r.get(0))?;
    let counts = crate::export::theme_counts(conn, &template, coder)?;
    let palette = colors(&template);
    let links = crate::template::links(conn, &template)?;
    Ok(template
        .themes
        .iter()
        .map(|t| {
            let (c, p) = counts.get(&t.id).copied().unwrap_or_default();
            let linked: Vec<&str> = links
                .get(&t.id)
                .map(|l| l.iter().filter_map(|id| template.get(*id)).map(|x| x.number.as_str()).collect())
                .unwrap_or_default();
            json!({
                "id": t.id, "number": t.number, "name": t.name, "path": t.path_string(),
                "level": t.level(), "kind": t.kind.as_str(), "origin": t.origin.as_str(),
                "color": palette.get(&t.id).map_or("#999", String::as_str), "definition": t.fields.definition,
                "codings": c, "participants": p, "transcripts": total, "links": linked,
            })
        })
        .collect())
}

async fn themes(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReadQuery>,
) -> ApiResult {
    let reader = coder_of(&headers);
    with_conn(&state, move |conn| {
        let coder = visible_coder(conn, reader.as_deref(), q.all())?;
        Ok(Json(Value::Array(theme_rows(conn, coder)?)))
    })
    .await
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub all: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> ApiResult {
    let reader = coder_of(&headers);
    let path = state.inner().path.clone();
    let read_only = state.inner().read_only;
    with_conn(&state, move |conn| {
        Ok(Json(
            serde_json::to_value(run_search(
                conn,
                &path,
                read_only,
                &q.q,
                q.limit.unwrap_or(50).min(500),
                reader.as_deref(),
                matches!(q.all.as_deref(), Some("1" | "true")),
            )?)
            .unwrap_or(Value::Null),
        ))
    })
    .await
}

/// A search, bringing the index up to date first (unless served read-only).
pub fn run_search(
    conn: &Connection,
    path: &std::path::Path,
    read_only: bool,
    query: &str,
    limit: usize,
    reader: Option<&str>,
    all: bool,
) -> crate::error::Result<crate::search::Results> {
    if query.trim().is_empty() {
        return Err(Error::user("type something to search for"));
    }
    if !read_only && crate::search::pending(conn)? {
        let w = project::Write::begin(conn, path)?;
        crate::search::sync(&w)?;
        w.commit_always()?;
    }
    let template = Template::load(conn)?;
    let opts = crate::search::SearchOptions {
        coder: visible_coder(conn, reader, all)?,
        context: 8,
        limit,
        ..Default::default()
    };
    crate::search::search(conn, &template, query, &opts)
}

async fn review(State(state): State<AppState>) -> ApiResult {
    with_conn(&state, |conn| {
        let entries = crate::template::review::list(conn, false, None)?;
        Ok(Json(serde_json::to_value(entries).unwrap_or(Value::Null)))
    })
    .await
}

#[derive(Deserialize)]
pub struct CodeRequest {
    pub transcript: String,
    pub start: i64,
    pub end: i64,
    pub themes: Vec<String>,
    #[serde(default)]
    pub memo: Option<String>,
    /// Create themes that do not exist yet.
    #[serde(default)]
    pub create: bool,
}

async fn code(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Option<Json<CodeRequest>>,
) -> ApiResult {
    let coder = writer(&headers)?;
    let Some(Json(req)) = body else {
        return Err(ApiError::bad(
            "the request needs a JSON body: {transcript, start, end, themes}",
        ));
    };
    if req.themes.is_empty() {
        return Err(ApiError::bad("name at least one theme"));
    }
    if req.start < 0 || req.end <= req.start {
        return Err(ApiError::bad(format!(
            "span {}:{} is not a span (start < end, both 0 or more, in code points)",
            req.start, req.end
        )));
    }
    let path = state.inner().path.clone();
    let (messages, change) = with_conn(&state, move |conn| {
        let w = project::Write::begin(conn, &path)?;
        let me = coder_id(&w, &coder)?;
        let doc = Doc::load(&w, &req.transcript)?;
        let span = coding::locate(
            &doc,
            &coding::Locator::Span(req.start as usize, req.end as usize),
        )?;
        // New themes first, each its own revision in the log (as `code --create` does); the
        // whole request still commits or fails as one transaction.
        let mut template = Template::load(&w)?;
        let mut ids = Vec::new();
        for r in &req.themes {
            if template.resolve(r).is_err() && req.create && !r.trim().starts_with('#') {
                let meta = revise::Meta {
                    coder: me,
                    rationale: Some(format!("created while coding {}", doc.name)),
                    prompted_by: doc
                        .segment_at(span.start)
                        .map(|s| format!("{}:{}", doc.name, s.number)),
                };
                revise::add(&w, r, &NewTheme::default(), true, &meta)?;
                template = Template::load(&w)?;
            }
            let t = template.resolve(r)?;
            ids.push((t.id, t.label()));
        }
        let (messages, change) = journal::record(&w, me, |_| {
            let stamp = Stamp::new(&w, me)?;
            let mut messages = Vec::new();
            for (id, label) in &ids {
                messages.push(
                    match coding::add(&w, doc.id, *id, span, req.memo.as_deref(), &stamp)? {
                        Added::New(_) => format!("coded with {label}"),
                        Added::Joined(n) => {
                            format!("coded with {label} (joined with {n} overlapping)")
                        }
                        Added::AlreadyCoded => format!("already coded with {label}"),
                    },
                );
            }
            let labels: Vec<&str> = ids.iter().map(|x| x.1.as_str()).collect();
            let summary = format!(
                "code {} {}:{} with {} (tana serve)",
                doc.name,
                span.start,
                span.end,
                labels.join(", ")
            );
            Ok((messages, LogEntry::new("code", Kind::Coding, summary)))
        })?;
        w.commit()?;
        Ok((messages, change))
    })
    .await?;
    Ok(Json(json!({ "change": change, "messages": messages })))
}

#[derive(Deserialize)]
pub struct CodingRef {
    pub coding: i64,
    #[serde(default)]
    pub all: bool,
}

/// A coding a request may change: it exists, and in a team it is the coder's own unless
/// `all`.
fn own_coding(
    conn: &Connection,
    id: i64,
    me: i64,
    all: bool,
) -> crate::error::Result<(i64, i64, Span, i64)> {
    let row: Option<(i64, i64, i64, i64, i64)> = conn
        .query_row(
            "SELECT transcript_id, theme_id, start, end, coder_id FROM coding WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((t, theme, s, e, c)) = row else {
        return Err(Error::user(format!(
            "there is no coding {id} (it was removed or changed since)"
        ))
        .with_hint("reload the page"));
    };
    if c != me && !all && coding::is_team(conn)? {
        let name: String =
            conn.query_row("SELECT name FROM coder WHERE id = ?1", [c], |r| r.get(0))?;
        return Err(Error::user(format!("coding {id} is {name}'s, not yours"))
            .with_hint("the lead can change other coders' codings with \"all coders\" on"));
    }
    Ok((t, theme, Span::new(s as usize, e as usize), c))
}

async fn uncode(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<CodingRef>, JsonRejection>,
) -> ApiResult {
    let coder = writer(&headers)?;
    let req = parse(body)?;
    let (_, change) = change(&state, coder, "uncode", Kind::Coding, move |conn, me| {
        let (t, theme, span, _) = own_coding(conn, req.coding, me, req.all)?;
        journal::archive_coding(conn, req.coding, "uncoded")?;
        let name: String =
            conn.query_row("SELECT name FROM transcript WHERE id = ?1", [t], |r| {
                r.get(0)
            })?;
        let label = Template::load(conn)?
            .get(theme)
            .map(|x| x.label())
            .unwrap_or_default();
        Ok((
            (),
            format!(
                "uncode {name} {}:{} from {label} (tana serve)",
                span.start, span.end
            ),
        ))
    })
    .await?;
    Ok(Json(json!({ "change": change })))
}

#[derive(Deserialize)]
pub struct Recode {
    pub coding: i64,
    pub theme: String,
    #[serde(default)]
    pub all: bool,
}

async fn recode(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<Recode>, JsonRejection>,
) -> ApiResult {
    let coder = writer(&headers)?;
    let req = parse(body)?;
    let (_, change) = change(&state, coder, "recode", Kind::Coding, move |conn, me| {
        let (t, theme, span, owner) = own_coding(conn, req.coding, me, req.all)?;
        let template = Template::load(conn)?;
        let to = template.resolve(&req.theme)?.clone();
        if to.id == theme {
            return Ok(((), String::new()));
        }
        let memo: Option<String> =
            conn.query_row("SELECT memo FROM coding WHERE id = ?1", [req.coding], |r| {
                r.get(0)
            })?;
        journal::archive_coding(conn, req.coding, "theme changed")?;
        let stamp = Stamp::new(conn, owner)?;
        coding::add(conn, t, to.id, span, memo.as_deref(), &stamp)?;
        let from = template.get(theme).map(|x| x.label()).unwrap_or_default();
        Ok((
            (),
            format!(
                "recode {}:{} from {from} to {} (tana serve)",
                span.start,
                span.end,
                to.label()
            ),
        ))
    })
    .await?;
    Ok(Json(json!({ "change": change })))
}

#[derive(Deserialize)]
pub struct MemoRequest {
    #[serde(default)]
    pub coding: Option<i64>,
    #[serde(default)]
    pub transcript: Option<String>,
    #[serde(default)]
    pub segment: Option<i64>,
    #[serde(default)]
    pub theme: Option<String>,
    pub text: String,
}

async fn memo(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<MemoRequest>, JsonRejection>,
) -> ApiResult {
    let coder = writer(&headers)?;
    let req = parse(body)?;
    let target = match (&req.coding, &req.transcript, &req.segment, &req.theme) {
        (Some(c), None, None, None) => crate::memo::Target::Coding(*c),
        (None, Some(t), Some(s), None) => crate::memo::Target::Segment(t.clone(), *s),
        (None, Some(t), None, None) => crate::memo::Target::Transcript(t.clone()),
        (None, None, None, Some(t)) => crate::memo::Target::Theme(t.clone()),
        _ => return Err(ApiError::bad("a memo goes on one thing: a coding, a segment (transcript and segment), a transcript or a theme")),
    };
    let text = req.text.clone();
    let (_, change) = change(&state, coder, "memo", Kind::Project, move |conn, me| {
        crate::memo::add(conn, &target, &text, me)?;
        let on = match &target {
            crate::memo::Target::Coding(c) => format!("coding {c}"),
            crate::memo::Target::Segment(t, n) => format!("{t}:{n}"),
            crate::memo::Target::Transcript(t) => t.clone(),
            crate::memo::Target::Theme(t) => format!("theme {t}"),
        };
        Ok(((), format!("memo on {on} (tana serve)")))
    })
    .await?;
    Ok(Json(json!({ "change": change })))
}

#[derive(Deserialize)]
pub struct ThemeRequest {
    pub op: String,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub definition: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub into: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub reassign_to: Option<String>,
    #[serde(default)]
    pub why: Option<String>,
}

async fn theme(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<ThemeRequest>, JsonRejection>,
) -> ApiResult {
    let coder = writer(&headers)?;
    let req = parse(body)?;
    let path = state.inner().path.clone();
    let out = with_conn(&state, move |conn| {
        let w = project::Write::begin(conn, &path)?;
        let me = coder_id(&w, &coder)?;
        let meta = revise::Meta {
            coder: me,
            rationale: req
                .why
                .clone()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            prompted_by: None,
        };
        let need = |v: &Option<String>, what: &str| -> crate::error::Result<String> {
            v.clone()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| Error::usage(format!("{} needs {what}", req.op)))
        };
        let outcome = match req.op.as_str() {
            "add" => {
                let name = need(&req.name, "a name")?;
                let full = match req
                    .parent
                    .as_deref()
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    Some(p) => {
                        let t = Template::load(&w)?;
                        format!("{}/{name}", t.resolve(p)?.path_string())
                    }
                    None => name,
                };
                let new = NewTheme {
                    fields: crate::model::ThemeFields {
                        definition: req.definition.clone().filter(|d| !d.trim().is_empty()),
                        ..Default::default()
                    },
                    ..Default::default()
                };
                revise::add(&w, &full, &new, false, &meta)?
            }
            "rename" => revise::rename(
                &w,
                &need(&req.theme, "a theme")?,
                &need(&req.name, "a new name")?,
                &meta,
            )?,
            "redefine" => {
                let fields = crate::model::ThemeFields {
                    definition: Some(req.definition.clone().unwrap_or_default()),
                    ..Default::default()
                };
                revise::redefine(&w, &need(&req.theme, "a theme")?, &fields, None, &meta)?
            }
            "move" => {
                let dest = match req
                    .parent
                    .as_deref()
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    Some(p) => revise::Destination::Under(p.to_string()),
                    None => revise::Destination::Top,
                };
                revise::move_theme(
                    &w,
                    &need(&req.theme, "a theme")?,
                    &dest,
                    &revise::Anchor::End,
                    &meta,
                )?
            }
            "merge" => revise::merge(
                &w,
                &req.themes,
                &need(&req.theme, "the theme to merge into")?,
                &meta,
            )?,
            "split" => revise::split(&w, &need(&req.theme, "a theme")?, &req.into, &meta)?,
            "delete" => {
                let how = match req
                    .reassign_to
                    .as_deref()
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    Some(to) => revise::OnDelete::ReassignTo(to.to_string()),
                    None => revise::OnDelete::Nothing,
                };
                revise::delete(&w, &need(&req.theme, "a theme")?, &how, false, &meta)?
            }
            other => {
                return Err(Error::usage(format!("unknown theme operation \"{other}\""))
                    .with_hint("add, rename, redefine, move, merge, split or delete"))
            }
        };
        w.commit()?;
        Ok(Json(
            json!({ "change": outcome.revision, "messages": outcome.messages }),
        ))
    })
    .await?;
    Ok(out)
}

#[derive(Deserialize, Default)]
pub struct Why {
    #[serde(default)]
    pub why: Option<String>,
}

async fn undo(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Option<Json<Why>>,
) -> ApiResult {
    let coder = writer(&headers)?;
    let why = body.and_then(|b| b.0.why);
    let path = state.inner().path.clone();
    with_conn(&state, move |conn| {
        let w = project::Write::begin(conn, &path)?;
        let me = coder_id(&w, &coder)?;
        // Each coder undoes their own last change, not a colleague's.
        let Some(target) = journal::last_undoable_by(&w, me)? else {
            return Err(Error::user(format!("{coder} has no change to undo"))
                .with_hint("\"tana log\" lists every change"));
        };
        let done = journal::undo(&w, Some(target), None, me, why)?;
        w.commit()?;
        Ok(Json(json!({
            "change": done.id,
            "message": format!("undid change {} ({})", done.target, done.what),
        })))
    })
    .await
}

async fn redo(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let coder = writer(&headers)?;
    let path = state.inner().path.clone();
    with_conn(&state, move |conn| {
        let w = project::Write::begin(conn, &path)?;
        let me = coder_id(&w, &coder)?;
        let done = journal::redo_of(&w, me, Some(me))?;
        w.commit()?;
        Ok(Json(json!({
            "change": done.id,
            "message": format!("redid change {} ({})", done.target, done.what),
        })))
    })
    .await
}

#[derive(Deserialize)]
pub struct CloseReview {
    pub transcript: String,
    #[serde(default)]
    pub theme: Option<String>,
}

async fn review_close(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<CloseReview>, JsonRejection>,
) -> ApiResult {
    let coder = writer(&headers)?;
    let req = parse(body)?;
    let ((closed, open), change) =
        change(&state, coder, "review", Kind::Coding, move |conn, me| {
            let r = crate::template::review::done(conn, &req.transcript, req.theme.as_deref(), me)?;
            Ok((r, format!("review done {} (tana serve)", req.transcript)))
        })
        .await?;
    Ok(Json(
        json!({ "change": change, "closed": closed, "open": open }),
    ))
}
