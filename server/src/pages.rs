//! What a browser sees: the Ex Pusher Lite chat page at `/` (with a session
//! token minted for each visitor), the browser bundle at `/js/pusher.js`, and
//! the operational `/up` and `/metrics`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use pusher_lite_core::jwt::{self, SessionClaims};

use crate::Server;

const CHAT_PAGE: &str = include_str!("../../examples/chat/index.html");

/// Session tokens on the demo page last this long.
const PAGE_SESSION_SECS: u64 = 12 * 60 * 60;

/// The scripts served under `/js/`, all from the static directory: the
/// browser bundle and the jQuery copy the chat page's script uses (both put
/// there by `cargo xtask dist`). Nothing else in that directory is served.
const SCRIPTS: [&str; 2] = ["pusher.js", "jquery.min.js"];

fn script_path(server: &Server, name: &str) -> std::path::PathBuf {
    server.config.static_dir.join(name)
}

/// `GET /`: the chat page for the first app of its organization.
pub async fn chat(State(server): State<Arc<Server>>) -> Response {
    let Some(app) = server.chat_app() else {
        return (
            StatusCode::NOT_FOUND,
            "no app belongs to an organization, so there is no chat page (configure an organization)",
        )
            .into_response();
    };
    let Some(org) = app.org.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut claims = SessionClaims::new(&org.name, server.unix_secs(), PAGE_SESSION_SECS);
    let guest = format!("guest-{:06x}", rand::random::<u32>() & 0xff_ffff);
    claims.user_info = Some(serde_json::json!({ "name": guest }));
    claims.sub = Some(guest.clone());
    let token = jwt::encode_session(&claims, &org.secret_token);
    let notice = if SCRIPTS
        .iter()
        .all(|name| script_path(&server, name).exists())
    {
        String::new()
    } else {
        "<p class=\"notice\">The browser bundle is not built yet, so this page cannot connect. \
         Build it with <code>cargo xtask dist</code> (or start the server with <code>cargo xtask demo</code>).</p>"
            .to_owned()
    };
    Html(
        CHAT_PAGE
            .replace("{{APP_KEY}}", &app.config.key)
            .replace("{{ORG}}", &org.name)
            .replace("{{JWT}}", &token)
            .replace("{{USER_ID}}", &guest)
            .replace("{{BUNDLE_NOTICE}}", &notice),
    )
    .into_response()
}

/// `GET /js/{name}`: one of [`SCRIPTS`], when built.
pub async fn script(
    State(server): State<Arc<Server>>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    let javascript = [(
        header::CONTENT_TYPE,
        "application/javascript; charset=utf-8",
    )];
    if !SCRIPTS.contains(&name.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            javascript,
            format!("/* No script {name:?} here: /js/ serves {SCRIPTS:?}. */\n"),
        )
            .into_response();
    }
    let path = script_path(&server, &name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => (javascript, bytes).into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            javascript,
            format!(
                "/* {name} is not built ({} is missing): run `cargo xtask dist`. */\n",
                path.display()
            ),
        )
            .into_response(),
    }
}

/// `GET /up`: liveness.
pub async fn up() -> &'static str {
    "OK"
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(server): State<Arc<Server>>) -> Response {
    let channels = server.occupied_channels();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        server.metrics.render(channels),
    )
        .into_response()
}
