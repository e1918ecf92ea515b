//! An axum app with the two endpoints pusher-js (and the `subscriber` example)
//! call: `POST /pusher/auth` (channel authorization) and
//! `POST /pusher/user-auth` (sign-in). The user is whoever the `X-User` header
//! names — stand-in for your session cookie. Listens on `AUTH_LISTEN`
//! (default 127.0.0.1:3000); signs with the `PUSHER_LITE_*` app credentials.
use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use pusher_lite::{MemberData, Publisher};

fn user(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-user")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|u| !u.is_empty())
}

fn json(body: String) -> Response {
    ([("content-type", "application/json")], body).into_response()
}

async fn authorize(
    State(publisher): State<Publisher>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (Some(socket_id), Some(channel)) = (form.get("socket_id"), form.get("channel_name")) else {
        return (
            StatusCode::BAD_REQUEST,
            "socket_id and channel_name are required",
        )
            .into_response();
    };
    // Your access rules go here: this demo lets any signed-in user in, except to "private-forbidden-*".
    let Some(user) = user(&headers) else {
        return (StatusCode::FORBIDDEN, "not signed in").into_response();
    };
    if channel.starts_with("private-forbidden-") {
        return (StatusCode::FORBIDDEN, "not allowed on this channel").into_response();
    }
    let member = channel.starts_with("presence-").then(|| MemberData {
        user_id: user.clone(),
        user_info: Some(serde_json::json!({ "name": user }).to_string()),
    });
    match publisher.authorize_channel(socket_id, channel, member.as_ref()) {
        Ok(auth) => json(auth.to_json()),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

async fn authenticate(
    State(publisher): State<Publisher>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(socket_id) = form.get("socket_id") else {
        return (StatusCode::BAD_REQUEST, "socket_id is required").into_response();
    };
    let Some(user) = user(&headers) else {
        return (StatusCode::FORBIDDEN, "not signed in").into_response();
    };
    let user_data = serde_json::json!({ "id": user, "user_info": { "name": user } }).to_string();
    match publisher.authenticate_user(socket_id, &user_data) {
        Ok(auth) => json(auth.to_json()),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let publisher = Publisher::from_env()?;
    let app = Router::new()
        .route("/pusher/auth", post(authorize))
        .route("/pusher/user-auth", post(authenticate))
        .with_state(publisher);
    let listen = std::env::var("AUTH_LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!(
        "auth endpoint listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
