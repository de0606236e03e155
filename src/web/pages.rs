//! The pages: rendered on the server with maud (every text escaped), made interactive by the
//! scripts in `assets/`. Each page reads the project in one transaction of its own.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;

use super::api::{colors, theme_rows, transcript_rows, with_conn, ApiError, ReadQuery};
use super::AppState;
use crate::analysis::freq::{freq, FreqOptions, Measure};
use crate::template::Template;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/t/{name}", get(workbench))
        .route("/template", get(template))
        .route("/table", get(table))
        .route("/quotes", get(quotes))
        .route("/search", get(search))
        .route("/review", get(review))
        .route("/codebook", get(codebook))
}

/// The reader's name: the cookie the page sets.
fn reader(headers: &HeaderMap) -> Option<String> {
    super::api::coder_of(headers)
}

/// Whose codings the reader sees (blind coding).
fn visible(
    conn: &rusqlite::Connection,
    reader: Option<&str>,
    all: bool,
) -> crate::error::Result<Option<i64>> {
    super::api::visible_coder(conn, reader, all)
}

/// The frame of every page: header, navigation, who is coding.
fn page(state: &AppState, title: &str, active: &str, body: Markup) -> Markup {
    let s = state.inner();
    let project = s
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="tana-token" content=(s.csrf);
                meta name="tana-read-only" content=(if s.read_only { "1" } else { "0" });
                title { (title) " · " (project) " · tana" }
                link rel="stylesheet" href="/assets/tana.css";
                script src="/assets/app.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "tana" }
                    span.project { (project) }
                    nav {
                        @for (href, label) in [("/", "Transcripts"), ("/template", "Template"), ("/table", "Table"), ("/search", "Search"), ("/review", "Review"), ("/codebook", "Codebook")] {
                            a href=(href) class=(if label == active { "on" } else { "" }) { (label) }
                        }
                    }
                    span.spacer {}
                    @if s.read_only { span.badge { "read-only" } }
                    button #undo type="button" title="Undo the last change (tana undo)" { "↶ Undo" }
                    button #redo type="button" title="Redo what the last undo reverted (tana redo)" { "↷ Redo" }
                    label.coder { "Coding as " input #coder type="text" size="10" placeholder="your name" autocomplete="off"; }
                }
                div #toast role="status" aria-live="polite" {}
                main { (body) }
            }
        }
    }
}

fn respond(m: Markup) -> Response {
    Html(m.into_string()).into_response()
}

async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReadQuery>,
) -> Result<Response, ApiError> {
    let who = reader(&headers);
    let st = state.clone();
    let rows = with_conn(&state, move |conn| {
        let coder = visible(conn, who.as_deref(), q.all())?;
        transcript_rows(conn, coder)
    })
    .await?;
    let body = html! {
        h1 { "Transcripts" }
        @if rows.is_empty() {
            p.empty { "No transcripts yet: add some with " code { "tana import FILE" } "." }
        } @else {
            table.list #transcripts {
                thead { tr { th { "transcript" } th.num { "segments" } th.num { "speakers" } th.num { "words" } th.num { "codings" } th { "coded" } th { "review" } } }
                tbody {
                    @for r in &rows {
                        @let name = r["name"].as_str().unwrap_or_default();
                        @let pct = r["coded_pct"].as_i64().unwrap_or(0);
                        tr {
                            td { a href=(format!("/t/{}", url_encode(name))) { (name) } }
                            td.num { (r["segments"]) }
                            td.num { (r["speakers"]) }
                            td.num { (r["words"]) }
                            td.num { (r["codings"]) }
                            td { span.bar { span.fill style=(format!("width:{pct}%")) {} } " " (pct) "%" }
                            td { (r["review"].as_str().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(page(&st, "Transcripts", "Transcripts", body)))
}

/// Percent-encode a path segment.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn workbench(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let n = name.clone();
    // Check the transcript exists, so a wrong address gets a clear error.
    with_conn(&state, move |conn| {
        crate::coding::Doc::load(conn, &n).map(|_| ())
    })
    .await?;
    let body = html! {
        div #workbench data-transcript=(name) {
            div.bench-head {
                h1 { (name) }
                span.hint { "Select text, then press " kbd { "Enter" } " (or " kbd { "c" } ") to code it. " kbd { "s" } " codes the segment, " kbd { "." } " the sentence under the cursor. Click a highlight to change it." }
                label.toggle { input #bycoder type="checkbox"; " one stripe per coder" }
            }
            div #segments aria-label="segments" { p.empty { "Loading…" } }
        }
        div #picker hidden {
            input #picker-input type="text" placeholder="theme number, name or path" autocomplete="off";
            ul #picker-list {}
            div.picker-foot { "↑↓ choose · Enter code · Esc cancel · a name not in the list creates a new theme" }
        }
        div #popover hidden {}
        script src="/assets/workbench.js" defer {}
    };
    Ok(respond(page(&state, &name, "Transcripts", body)))
}

async fn template(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReadQuery>,
) -> Result<Response, ApiError> {
    let who = reader(&headers);
    let rows = with_conn(&state, move |conn| {
        let coder = visible(conn, who.as_deref(), q.all())?;
        theme_rows(conn, coder)
    })
    .await?;
    let body = html! {
        h1 { "Template" }
        div.actions {
            button type="button" data-op="add" { "Add a theme…" }
            span.hint { "Each change is one entry in the change log (" code { "tana log" } "); Undo reverts it." }
        }
        @if rows.is_empty() {
            p.empty { "The template is empty: add a theme, or " code { "tana template import template.md" } "." }
        }
        table.list.tree #template {
            thead { tr { th { "theme" } th.num { "codings" } th.num { "participants" } th { "" } } }
            tbody {
                @for t in &rows {
                    @let level = t["level"].as_u64().unwrap_or(1);
                    @let num = t["number"].as_str().unwrap_or_default();
                    tr data-theme=(num) data-name=(t["name"].as_str().unwrap_or_default()) {
                        td style=(format!("padding-left:{}em", level as f64 * 1.2 - 0.6)) {
                            span.swatch style=(format!("background:{}", t["color"].as_str().unwrap_or("#999"))) {}
                            b { (num) } " " (t["name"].as_str().unwrap_or_default())
                            @if t["kind"] == "integrative" { " " span.tag { "integrative" } }
                            @if t["origin"] == "a-priori" { " " span.tag { "a priori" } }
                            @if let Some(d) = t["definition"].as_str() { div.def { (d) } }
                            @if let Some(l) = t["links"].as_array().filter(|l| !l.is_empty()) {
                                div.def { "links " (l.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join("; ")) }
                            }
                        }
                        td.num { (t["codings"]) }
                        td.num { (t["participants"]) "/" (t["transcripts"]) }
                        td.ops {
                            @for (op, label) in [("add", "+ sub-theme"), ("rename", "rename"), ("redefine", "redefine"), ("move", "move"), ("merge", "merge into…"), ("split", "split"), ("delete", "delete")] {
                                button type="button" data-op=(op) { (label) }
                            }
                            a href=(format!("/quotes?theme={}", url_encode(num))) { "quotes" }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(page(&state, "Template", "Template", body)))
}

async fn table(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReadQuery>,
) -> Result<Response, ApiError> {
    let who = reader(&headers);
    let table = with_conn(&state, move |conn| {
        let coder = visible(conn, who.as_deref(), q.all())?;
        let template = Template::load(conn)?;
        let t = freq(
            conn,
            &template,
            &FreqOptions {
                measure: Measure::Segments,
                depth: None,
                transcripts: None,
                coder,
                no_autocoded: false,
            },
        )?;
        let palette = colors(&template);
        let colors: Vec<String> = t
            .rows
            .iter()
            .map(|r| palette.get(&r.theme.id).cloned().unwrap_or_default())
            .collect();
        Ok((t, colors))
    })
    .await?;
    let (t, colors) = table;
    let max = t
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().map(|&(_, v)| v))
        .fold(0.0f64, f64::max);
    let n = t.transcripts.len();
    let body = html! {
        h1 { "Themes × participants" }
        p.hint { "Each cell counts the segments coded with the theme or a sub-theme in that transcript; darker is more. Click a cell for its quotes. Frequency is not importance: read counts beside the quotes." }
        div.scroll {
            table.heat #heatmap {
                thead { tr {
                    th { "theme" }
                    @for tr in &t.transcripts { th.rot { a href=(format!("/t/{}", url_encode(&tr.name))) { (tr.name) } } }
                    th.num { "participants" }
                } }
                tbody {
                    @for (row, color) in t.rows.iter().zip(&colors) {
                        tr {
                            td.theme style=(format!("padding-left:{}em", row.theme.level() as f64 * 0.8 - 0.4)) {
                                span.swatch style=(format!("background:{color}")) {}
                                b { (row.theme.number) } " " (row.theme.name)
                            }
                            @for (v, tr) in row.dense(n).iter().zip(&t.transcripts) {
                                @let a = if max > 0.0 { (v / max).sqrt() } else { 0.0 };
                                td.cell style=(format!("background:rgba(40,90,160,{a:.3});color:{}", if a > 0.55 { "#fff" } else { "#222" })) title=(format!("{} {} in {}: {} segment(s)", row.theme.number, row.theme.name, tr.name, v)) {
                                    @if *v > 0.0 {
                                        a href=(format!("/quotes?theme={}&transcript={}", url_encode(&row.theme.number), url_encode(&tr.name))) { (*v as u64) }
                                    }
                                }
                            }
                            td.num { (row.participants) "/" (n) }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(page(&state, "Table", "Table", body)))
}

#[derive(Deserialize)]
pub struct QuotesQuery {
    pub theme: String,
    #[serde(default)]
    pub transcript: Option<String>,
    #[serde(default)]
    pub all: Option<String>,
}

async fn quotes(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<QuotesQuery>,
) -> Result<Response, ApiError> {
    let who = reader(&headers);
    let all = matches!(q.all.as_deref(), Some("1" | "true"));
    let theme_ref = q.theme.clone();
    let only = q.transcript.clone();
    let (label, list) = with_conn(&state, move |conn| {
        let coder = visible(conn, who.as_deref(), all)?;
        let template = Template::load(conn)?;
        let theme = template.resolve(&theme_ref)?.clone();
        let mut list = crate::export::quotes(conn, &template, &theme, true, None, coder, false)?;
        if let Some(t) = &only {
            list.retain(|x| &x.transcript == t);
        }
        Ok((theme.label(), list))
    })
    .await?;
    let body = html! {
        h1 { "Quotes: " (label) }
        @if let Some(t) = &q.transcript { p.hint { "In " (t) ". " a href=(format!("/quotes?theme={}", url_encode(&q.theme))) { "All transcripts" } } }
        @if list.is_empty() { p.empty { "No codings of this theme yet." } }
        @for x in &list {
            blockquote.quote {
                p { (x.text) }
                footer {
                    a href=(format!("/t/{}#s{}", url_encode(&x.transcript), x.segment.unwrap_or(1))) { (x.transcript) ", segment " (x.segment.unwrap_or(0)) }
                    @if let Some(sp) = &x.speaker { " · " (sp) }
                    @if x.theme != label.split(' ').next().unwrap_or_default() { " · " (x.theme) " " (x.theme_name) }
                    @if let Some(m) = &x.memo { div.memo { "memo: " (m) } }
                }
            }
        }
    };
    Ok(respond(page(&state, "Quotes", "Table", body)))
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub all: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let who = reader(&headers);
    let query = q.q.clone().unwrap_or_default();
    let all = matches!(q.all.as_deref(), Some("1" | "true"));
    let path = state.inner().path.clone();
    let read_only = state.inner().read_only;
    let results = if query.trim().is_empty() {
        None
    } else {
        let qq = query.clone();
        Some(
            with_conn(&state, move |conn| {
                super::api::run_search(conn, &path, read_only, &qq, 200, who.as_deref(), all)
            })
            .await,
        )
    };
    let body = html! {
        h1 { "Search" }
        form.search method="get" action="/search" {
            input name="q" type="search" value=(query) placeholder="words, \"a phrase\", prefix*, NEAR(a b, 5)" autofocus;
            button type="submit" { "Search" }
        }
        @match &results {
            None => {}
            Some(Err(e)) => { p.error { (e.message()) } }
            Some(Ok(r)) => {
                p.hint { (r.total) " segment(s) match" @if r.total > r.hits.len() { "; the first " (r.hits.len()) " are shown" } "." }
                table.list.kwic #hits {
                    tbody {
                        @for h in &r.hits {
                            tr data-transcript=(h.transcript) data-start=(h.start) data-end=(h.end) {
                                td { a href=(format!("/t/{}#s{}", url_encode(&h.transcript), h.segment)) { (h.transcript) ":" (h.segment) } }
                                td.left { (h.left) }
                                td.hit { mark { (h.hit) } }
                                td { (h.right) @if h.more > 0 { " " span.tag { "+" (h.more) " more" } } }
                                td { (h.themes.join(", ")) }
                                td { button type="button" class="code-hit" { "code…" } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(page(&state, "Search", "Search", body)))
}

async fn review(State(state): State<AppState>) -> Result<Response, ApiError> {
    let entries = with_conn(&state, |conn| {
        crate::template::review::list(conn, false, None)
    })
    .await?;
    let body = html! {
        h1 { "Review" }
        p.hint { "What the template's revisions ask you to re-read, confirm or re-assign (" code { "tana review" } ")." }
        @if entries.is_empty() { p.empty { "Nothing open." } }
        @else {
            table.list #review {
                thead { tr { th { "transcript" } th { "where" } th { "theme" } th { "what" } th { "why" } th {} } }
                tbody {
                    @for e in &entries {
                        tr {
                            td { a href=(format!("/t/{}", url_encode(&e.transcript))) { (e.transcript) } }
                            td { @if let Some(s) = e.segment { "segment " (s) } @else { "whole transcript" } }
                            td { (e.theme.clone().unwrap_or_default()) }
                            td { (e.kind) }
                            td { (e.reason) }
                            td { @if e.kind != "assign" { button type="button" class="review-done" data-transcript=(e.transcript) { "done" } } }
                        }
                    }
                }
            }
        }
    };
    Ok(respond(page(&state, "Review", "Review", body)))
}

async fn codebook(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (template, links) = with_conn(&state, |conn| {
        let t = Template::load(conn)?;
        let l = crate::template::links(conn, &t)?;
        Ok((t, l))
    })
    .await?;
    let palette = colors(&template);
    let body = html! {
        h1 { "Codebook" }
        @for t in &template.themes {
            section.code-entry style=(format!("margin-left:{}em", (t.level() - 1) as f64 * 1.2)) {
                h2 { span.swatch style=(format!("background:{}", palette.get(&t.id).map_or("#999", String::as_str))) {} (t.number) " " (t.name) }
                dl {
                    @for (label, value) in [("Definition", &t.fields.definition), ("When to use", &t.fields.include), ("When not to use", &t.fields.exclude), ("Example", &t.fields.example), ("Source", &t.fields.source), ("Memo", &t.fields.memo)] {
                        @if let Some(v) = value { dt { (label) } dd { (v) } }
                    }
                    dt { "Kind, origin" } dd { (t.kind.as_str()) ", " (t.origin.as_str()) }
                    @if let Some(l) = links.get(&t.id) {
                        dt { "Links" } dd { (crate::template::link_labels(&template, l)) }
                    }
                }
            }
        }
        (PreEscaped(""))
    };
    Ok(respond(page(&state, "Codebook", "Codebook", body)))
}
