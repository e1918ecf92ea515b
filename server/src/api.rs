//! The Pusher HTTP API under `/apps/{app_id}`: events, batch events, channel
//! queries, users, terminating a user's connections. Every request is
//! verified by the core (signature, 600 s timestamp window, `body_md5`);
//! errors are JSON `{"error": "…"}` with 400, 401, 403, 404 or 413.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use pusher_lite_core::frame::Data;
use pusher_lite_core::http_api::{
    self, BatchRequest, BatchResponse, ChannelInfo, ChannelsResponse, ErrorBody, InfoRequest,
    TriggerRequest, TriggerResponse, UserId, UsersResponse,
};
use pusher_lite_core::limits::{self, ValidationError};
use pusher_lite_core::protocol::ChannelKind;

use crate::Server;
use crate::hub::{AppHub, ChannelStats};

/// An HTTP error with a message a person can act on.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An error with this status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn invalid(e: ValidationError) -> Self {
        let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: self.message,
            }),
        )
            .into_response()
    }
}

/// Finds the app and verifies the request's signature.
fn authenticate(
    server: &Server,
    app_id: &str,
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> Result<Arc<AppHub>, ApiError> {
    server.metrics.api_request();
    let result = (|| {
        let app = server.app_by_id(app_id).ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, format!("Unknown app id {app_id}"))
        })?;
        if !app.config.enabled {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("App {app_id} is disabled"),
            ));
        }
        let query: Vec<(String, String)> =
            form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        http_api::verify_request(
            &app.credentials,
            method.as_str(),
            uri.path(),
            &query,
            body,
            server.unix_secs(),
        )
        .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.to_string()))?;
        Ok(app)
    })();
    if result.is_err() {
        server.metrics.error();
    }
    result
}

fn query_value(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn info_for(stats: ChannelStats, channel: &str, info: InfoRequest) -> ChannelInfo {
    let presence = ChannelKind::of(channel) == ChannelKind::Presence;
    ChannelInfo {
        occupied: None,
        user_count: (info.user_count && presence).then_some(stats.user_count),
        subscription_count: (info.subscription_count && !presence)
            .then_some(stats.subscription_count),
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")))
}

/// `POST /apps/{app_id}/events`.
pub async fn events(
    State(server): State<Arc<Server>>,
    Path(app_id): Path<String>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Result<Json<TriggerResponse>, ApiError> {
    let app = authenticate(&server, &app_id, &method, &uri, &body)?;
    let request: TriggerRequest = parse_json(&body)?;
    let info = request.validate(app.limits()).map_err(ApiError::invalid)?;
    let channels = request.target_channels();
    for channel in &channels {
        app.publish(
            channel,
            &request.name,
            Data::String(request.data.clone()),
            request.socket_id.as_deref(),
        );
    }
    if !info.any() {
        return Ok(Json(TriggerResponse::default()));
    }
    let attributes: BTreeMap<String, ChannelInfo> = channels
        .iter()
        .map(|c| (c.clone(), info_for(app.channel_stats(c), c, info)))
        .collect();
    Ok(Json(TriggerResponse {
        channels: Some(attributes),
    }))
}

/// `POST /apps/{app_id}/batch_events`.
pub async fn batch_events(
    State(server): State<Arc<Server>>,
    Path(app_id): Path<String>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Result<Json<BatchResponse>, ApiError> {
    let app = authenticate(&server, &app_id, &method, &uri, &body)?;
    let request: BatchRequest = parse_json(&body)?;
    let infos = request.validate(app.limits()).map_err(ApiError::invalid)?;
    for event in &request.batch {
        app.publish(
            &event.channel,
            &event.name,
            Data::String(event.data.clone()),
            event.socket_id.as_deref(),
        );
    }
    if !infos.iter().any(InfoRequest::any) {
        return Ok(Json(BatchResponse::default()));
    }
    let batch = request
        .batch
        .iter()
        .zip(&infos)
        .map(|(event, info)| info_for(app.channel_stats(&event.channel), &event.channel, *info))
        .collect();
    Ok(Json(BatchResponse { batch: Some(batch) }))
}

/// `GET /apps/{app_id}/channels`.
pub async fn channels(
    State(server): State<Arc<Server>>,
    Path(app_id): Path<String>,
    method: Method,
    uri: Uri,
) -> Result<Json<ChannelsResponse>, ApiError> {
    let app = authenticate(&server, &app_id, &method, &uri, b"")?;
    let prefix = query_value(&uri, "filter_by_prefix").unwrap_or_default();
    let info =
        InfoRequest::parse(query_value(&uri, "info").as_deref()).map_err(ApiError::invalid)?;
    if info.user_count && !prefix.starts_with("presence-") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "info=user_count needs filter_by_prefix=presence- (user counts exist only for presence channels)",
        ));
    }
    let channels = app
        .channels(&prefix)
        .into_iter()
        .map(|(name, stats)| {
            let info = ChannelInfo {
                occupied: None,
                user_count: info.user_count.then_some(stats.user_count),
                subscription_count: None,
            };
            (name, info)
        })
        .collect();
    Ok(Json(ChannelsResponse { channels }))
}

/// `GET /apps/{app_id}/channels/{channel}`.
pub async fn channel(
    State(server): State<Arc<Server>>,
    Path((app_id, channel)): Path<(String, String)>,
    method: Method,
    uri: Uri,
) -> Result<Json<ChannelInfo>, ApiError> {
    let app = authenticate(&server, &app_id, &method, &uri, b"")?;
    limits::validate_channel_name(&channel).map_err(ApiError::invalid)?;
    let info =
        InfoRequest::parse(query_value(&uri, "info").as_deref()).map_err(ApiError::invalid)?;
    info.check_applies_to(&channel).map_err(ApiError::invalid)?;
    let stats = app.channel_stats(&channel);
    Ok(Json(ChannelInfo {
        occupied: Some(stats.subscription_count > 0),
        ..info_for(stats, &channel, info)
    }))
}

/// `GET /apps/{app_id}/channels/{channel}/users`.
pub async fn users(
    State(server): State<Arc<Server>>,
    Path((app_id, channel)): Path<(String, String)>,
    method: Method,
    uri: Uri,
) -> Result<Json<UsersResponse>, ApiError> {
    let app = authenticate(&server, &app_id, &method, &uri, b"")?;
    if ChannelKind::of(&channel) != ChannelKind::Presence {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "{channel} is not a presence channel: users are only listed for presence channels"
            ),
        ));
    }
    let users = app
        .users(&channel)
        .into_iter()
        .map(|id| UserId { id })
        .collect();
    Ok(Json(UsersResponse { users }))
}

/// `POST /apps/{app_id}/users/{user_id}/terminate_connections`.
pub async fn terminate(
    State(server): State<Arc<Server>>,
    Path((app_id, user_id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let app = authenticate(&server, &app_id, &method, &uri, &body)?;
    limits::validate_user_id(&user_id).map_err(ApiError::invalid)?;
    let closed = app.terminate_user(&user_id);
    tracing::info!(app = %app_id, user = %user_id, closed, "terminated user connections");
    Ok(Json(serde_json::json!({})))
}
