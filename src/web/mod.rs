//! `tana serve`: the coding workbench, a local web page over the same project file.
//!
//! The server holds no business rules: a handler parses the request, calls the library in one
//! transaction on its own connection (so commands and other browsers keep working on the
//! file), and renders JSON or HTML. Pages, styles and scripts are written for tana and
//! compiled into the binary; nothing is fetched at run time.
//!
//! Safety:
//! - it binds to 127.0.0.1 unless told otherwise; any other address needs an access token,
//!   which every request must carry (header, or `?token=` once, then a cookie);
//! - the Host header must name this server (no DNS rebinding);
//! - a request that changes anything must carry the session's CSRF token in `X-Tana-Token`
//!   and, when the browser sends one, an Origin of this server;
//! - `--read-only` refuses every change;
//! - errors are JSON `{ "error", "hint" }` with a 4xx status; nothing panics.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::json;

use crate::error::{Error, Result};

mod api;
mod assets;
mod pages;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub host: std::net::IpAddr,
    pub port: u16,
    pub read_only: bool,
    /// Required for any host but loopback.
    pub access_token: Option<String>,
    pub wait: Duration,
}

/// What every handler shares: the project file and the session's secrets.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub path: PathBuf,
    pub read_only: bool,
    pub access_token: Option<String>,
    /// Sent with every page; state-changing requests must echo it.
    pub csrf: String,
    pub wait: Duration,
    /// Host headers this server answers to (`127.0.0.1:PORT`, `localhost:PORT`, ...).
    pub hosts: Vec<String>,
}

impl AppState {
    pub fn new(path: PathBuf, read_only: bool, access_token: Option<String>, port: u16) -> Self {
        Self::with_hosts(path, read_only, access_token, hosts_for(None, port))
    }

    fn with_hosts(
        path: PathBuf,
        read_only: bool,
        access_token: Option<String>,
        hosts: Vec<String>,
    ) -> Self {
        AppState(Arc::new(Inner {
            path,
            read_only,
            access_token,
            csrf: uuid::Uuid::new_v4().simple().to_string(),
            wait: crate::project::DEFAULT_WAIT,
            hosts,
        }))
    }

    pub fn inner(&self) -> &Inner {
        &self.0
    }

    /// The CSRF token pages carry (tests read it here).
    pub fn csrf(&self) -> &str {
        &self.0.csrf
    }
}

/// The Host headers a server on `host:port` answers to.
fn hosts_for(host: Option<std::net::IpAddr>, port: u16) -> Vec<String> {
    let mut hosts = vec![
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ];
    if let Some(h) = host {
        hosts.push(SocketAddr::new(h, port).to_string());
    }
    hosts
}

/// The router: pages, assets and the JSON API, behind the guard.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(assets::routes())
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Serve until interrupted (Ctrl-C). `ready` is called with the address once listening.
pub fn serve(path: PathBuf, opts: ServeOptions, ready: impl FnOnce(&str)) -> Result<()> {
    let loopback = opts.host.is_loopback();
    if !loopback && opts.access_token.is_none() {
        return Err(Error::usage(format!(
            "serving on {} lets other machines reach the project: it needs an access token",
            opts.host
        ))
        .with_hint("add --token SECRET (at least 16 characters), or serve on 127.0.0.1"));
    }
    if let Some(t) = &opts.access_token {
        if t.chars().count() < 16 {
            return Err(
                Error::usage("the access token must be at least 16 characters")
                    .with_hint("e.g. --token $(uuidgen)"),
            );
        }
    }
    // Open once to check the project (and migrate it) before listening.
    crate::project::close(crate::project::open_waiting(&path, opts.wait)?, &path)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::user(format!("cannot start the server: {e}")))?;
    rt.block_on(async move {
        let addr = SocketAddr::new(opts.host, opts.port);
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            Error::user(format!("cannot listen on {addr}: {e}"))
                .with_hint("choose another port with --port N (0 picks a free one)")
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::user(format!("cannot listen on {addr}: {e}")))?;
        let mut state = AppState::with_hosts(
            path,
            opts.read_only,
            opts.access_token.clone(),
            hosts_for((!loopback).then_some(opts.host), local.port()),
        );
        if let Some(inner) = Arc::get_mut(&mut state.0) {
            inner.wait = opts.wait;
        }
        let url = match &opts.access_token {
            Some(t) => format!("http://{local}/?token={t}"),
            None => format!("http://{local}/"),
        };
        ready(&url);
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::user(format!("the server stopped: {e}")))
    })
}

/// A JSON error response.
pub fn error_response(status: StatusCode, message: &str, hint: Option<&str>) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({ "error": message, "hint": hint })),
    )
        .into_response()
}

/// Checks every request: access token, Host, and for changes the CSRF token, Origin and
/// read-only mode.
async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let s = state.inner();
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    // Tests call the router without a Host header; a browser always sends one.
    if !host.is_empty() && !s.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return error_response(
            StatusCode::MISDIRECTED_REQUEST,
            &format!("this server does not answer to the host \"{host}\""),
            Some("open the address tana serve printed"),
        );
    }
    let mut set_cookie = None;
    if let Some(token) = &s.access_token {
        let given = headers
            .get("x-tana-access")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| cookie(headers, "tana_access"))
            .or_else(|| query_param(req.uri().query().unwrap_or(""), "token"));
        if given.as_deref() != Some(token.as_str()) {
            return error_response(
                StatusCode::UNAUTHORIZED,
                "this tana serve needs its access token",
                Some("open the address tana serve printed (it ends in ?token=...)"),
            );
        }
        if cookie(headers, "tana_access").as_deref() != Some(token.as_str()) {
            set_cookie = Some(format!(
                "tana_access={token}; Path=/; HttpOnly; SameSite=Strict"
            ));
        }
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes {
        if s.read_only {
            return error_response(
                StatusCode::FORBIDDEN,
                "this project is served read-only",
                Some("restart tana serve without --read-only to make changes"),
            );
        }
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            let ok = s
                .hosts
                .iter()
                .any(|h| origin.eq_ignore_ascii_case(&format!("http://{h}")));
            if !ok {
                return error_response(
                    StatusCode::FORBIDDEN,
                    &format!("a change from another site ({origin}) was refused"),
                    Some("make changes from the tana page itself"),
                );
            }
        }
        let token = headers.get("x-tana-token").and_then(|v| v.to_str().ok());
        if token != Some(s.csrf.as_str()) {
            return error_response(
                StatusCode::FORBIDDEN,
                "this change has no valid page token (X-Tana-Token)",
                Some("reload the page; scripts read the token from GET /api/session"),
            );
        }
    }
    let mut resp = next.run(req).await;
    if let Some(c) = set_cookie {
        if let Ok(v) = c.parse() {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        "nosniff".parse().expect("static"),
    );
    h.insert(header::X_FRAME_OPTIONS, "DENY".parse().expect("static"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
            .parse()
            .expect("static"),
    );
    resp
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Decode `%XX` escapes (names travel percent-encoded in headers and cookies).
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
