//! The Lite routes: `POST /api/sessions` trades an organization's secret token
//! for a session JWT; `POST /api/organizations/{org}/applications/{key}/event/{event}`
//! publishes with that JWT as a Bearer token; both answer browsers' CORS.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pusher_lite_core::frame::Data;
use pusher_lite_core::jwt::{self, SessionClaims};
use pusher_lite_core::limits;
use serde_json::{Map, Value};

use crate::Server;
use crate::api::ApiError;

/// The fields of a request body, whether form-encoded or a JSON object.
fn body_fields(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json")
        || (content_type.is_empty() && body.first() == Some(&b'{'))
    {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "the JSON body must be an object",
            )),
            Err(e) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("invalid JSON body: {e}"),
            )),
        }
    } else {
        Ok(form_urlencoded::parse(body)
            .into_owned()
            .map(|(k, v)| (k, Value::String(v)))
            .collect())
    }
}

/// A list field: a JSON array of strings, or comma-separated text in a form.
fn patterns(fields: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>, ApiError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(
            text.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        )),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_owned).ok_or_else(|| {
                    ApiError::new(StatusCode::BAD_REQUEST, format!("{name} must hold strings"))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{name} must be a list of channel patterns"),
        )),
    }
}

/// `POST /api/sessions`: `token` (the organization's secret token) → `{"jwt": …}`.
/// Optional: `user_id`, `user_info` (JSON), `listen`, `publish`, `ttl` (seconds).
pub async fn sessions(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    server.metrics.api_request();
    let result = (|| {
        let fields = body_fields(&headers, &body)?;
        let token = fields.get("token").and_then(Value::as_str).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "token is required (the organization's secret token)",
            )
        })?;
        let org = server
            .org_by_token(token)
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown secret token"))?;
        let ttl = match fields.get("ttl") {
            None | Some(Value::Null) => jwt::DEFAULT_TTL_SECS,
            Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
            Some(Value::String(s)) => s.parse().unwrap_or(0),
            Some(_) => 0,
        };
        if ttl == 0 || ttl > jwt::MAX_TTL_SECS {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "ttl must be a number of seconds from 1 to {}",
                    jwt::MAX_TTL_SECS
                ),
            ));
        }
        let now = server.unix_secs();
        let mut claims = SessionClaims::new(&org.name, now, ttl);
        if let Some(user_id) = fields.get("user_id") {
            let user_id = match user_id {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "user_id must be a string",
                    ));
                }
            };
            limits::validate_user_id(&user_id)
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
            claims.sub = Some(user_id);
        }
        claims.user_info = match fields.get("user_info") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(serde_json::from_str(text).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("user_info must be JSON: {e}"),
                )
            })?),
            Some(other) => Some(other.clone()),
        };
        if let Some(listen) = patterns(&fields, "listen")? {
            claims.listen = listen;
        }
        if let Some(publish) = patterns(&fields, "publish")? {
            claims.publish = publish;
        }
        let token = jwt::encode_session(&claims, &org.secret_token);
        Ok(Json(
            serde_json::json!({ "jwt": token, "expires_at": claims.exp }),
        ))
    })();
    if result.is_err() {
        server.metrics.error();
    }
    result
}

/// `POST /api/organizations/{org}/applications/{app_key}/event/{event}?channel=…`
/// with `Authorization: Bearer <jwt>`; the body (form or JSON object) is the payload.
pub async fn event(
    State(server): State<Arc<Server>>,
    Path((org, app_key, event)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    server.metrics.api_request();
    let result = (|| {
        let organization = server.org_by_name(&org).ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, format!("unknown organization {org}"))
        })?;
        let app = server
            .app_by_key(&app_key)
            .filter(|a| a.org.as_ref().is_some_and(|o| o.name == org))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    format!("organization {org} has no application {app_key}"),
                )
            })?;
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "send the session token as Authorization: Bearer <jwt>",
                )
            })?;
        let claims = jwt::decode_session(
            bearer.trim(),
            &organization.secret_token,
            server.unix_secs(),
        )
        .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()))?;
        if claims.org != org {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                format!(
                    "the session token is for organization {:?}, not {org:?}",
                    claims.org
                ),
            ));
        }
        let channel = query.get("channel").map_or("general", String::as_str);
        limits::validate_channel_name(channel)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
        limits::validate_event_name(&event)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
        if event.starts_with("pusher:") || event.starts_with("pusher_internal:") {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("{event} is a reserved event name"),
            ));
        }
        if !claims.can_publish(channel) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("the session token does not allow publishing on {channel}"),
            ));
        }
        let payload = Value::Object(body_fields(&headers, &body)?).to_string();
        limits::validate_data_size(&payload, app.limits().max_event_data_bytes)
            .map_err(|e| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()))?;
        let delivered = app.publish(channel, &event, Data::String(payload), None);
        Ok(Json(
            serde_json::json!({ "channel": channel, "event": event, "delivered": delivered }),
        ))
    })();
    if result.is_err() {
        server.metrics.error();
    }
    result
}

/// CORS for the `/api` routes: answers preflights, and marks responses as
/// readable by allowed origins (any, unless the configuration lists them).
pub async fn cors(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let allowed = origin.as_ref().and_then(|o| {
        let text = o.to_str().ok()?;
        let list = &server.config.allowed_origins;
        (list.is_empty() || list.iter().any(|a| a == text || a == "*")).then(|| o.clone())
    });
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    if let Some(origin) = allowed {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization, Content-Type, X-Requested-With"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    response
}
