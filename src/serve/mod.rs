//! `tally serve`: the part of ActivityWatch's REST API that watchers use, on loopback.
//!
//! Watchers (window, AFK, the browser extension, editor plugins) create buckets and
//! send heartbeats as they would to aw-server. Heartbeats are merged in memory
//! ([`heartbeat`]); finished events go through a live [`Source`] into the same
//! analyze → aggregate → store pipeline as imports ([`timeline`] says how window, web,
//! editor and AFK events combine). Bucket metadata is stored only as salted hashes
//! ([`buckets`]); events are never stored, so the endpoints that would return them
//! answer 501.
//!
//! Every request passes [`guard`]: a loopback `Host` (DNS rebinding), an `Origin` that
//! is absent or the ActivityWatch browser extension, and the bearer token when one is
//! set. Bodies are size-limited and parsed with errors that name fields, never values.
//!
//! While the store refuses writes (locked past the busy timeout, a full disk), or while
//! more than the memory limit of raw event data waits to be aggregated, heartbeats and
//! inserted events get 503 with a Retry-After, so watchers keep them and send them
//! again; `/api/0/info` then says `"status": "degraded"` and why.

pub mod buckets;
pub mod heartbeat;
pub mod timeline;

use crate::analyze::Analyzer;
use crate::import::fields::{describe_json_error, json_duration, json_timestamp};
use crate::pipeline::{self, Health, PipelineError, RunOptions, RunSummary};
use crate::source::{Emit, ReadError, Source, SourceItem};
use crate::store::{Store, StoreError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use buckets::{BucketInfo, Created, Registry};
use heartbeat::Heartbeat;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use timeline::{BucketKind, Timeline};

/// ActivityWatch's own port, so watchers need no configuration.
pub const DEFAULT_PORT: u16 = 5600;
/// Largest request body accepted (a batch of events); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Longest accepted `pulsetime`.
const MAX_PULSETIME_SECONDS: f64 = 86_400.0;
/// How often finished events are handed to the pipeline.
const SETTLE_EVERY: Duration = Duration::from_secs(1);
/// The ActivityWatch extension in the Chrome Web Store (Firefox's ids are per install).
const CHROME_EXTENSION_ORIGIN: &str = "chrome-extension://nglaklhklhcoonedhgnpgddginnjdadi";
/// Raw event data held in memory at most, by default: in the timeline and on its way to
/// the aggregator. Past it, new events get 503 until the pipeline catches up.
pub const MEMORY_LIMIT_BYTES: usize = 64 << 20;
/// Retry-After when memory is full: the pipeline drains within seconds once it runs.
const MEMORY_RETRY_AFTER_S: u64 = 2;
/// Retry-After when a store write for a bucket failed.
const STORE_RETRY_AFTER_S: u64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "port {port} on 127.0.0.1 is already in use (is ActivityWatch's aw-server running?); \
         stop it, or choose another port with `tally serve --port N` or `[serve] port` in the config"
    )]
    PortInUse { port: u16 },
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("the HTTP server failed: {0}")]
    Server(std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

/// Binds 127.0.0.1:`port` (0: any free port). Loopback only, by design.
pub async fn bind(port: u16) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => ServeError::PortInUse { port },
        _ => ServeError::Bind { port, source },
    })
}

/// What the request handlers share.
pub struct Api {
    registry: Registry,
    timeline: Arc<Mutex<Timeline>>,
    token: Option<String>,
    /// The pipeline's report: store trouble, and how far it has aggregated.
    health: Arc<Health>,
    in_flight: Arc<Mutex<InFlight>>,
    memory_limit: usize,
}

/// Raw event bytes handed to the pipeline and not aggregated yet, by record number.
#[derive(Default)]
struct InFlight {
    records: VecDeque<(u64, usize)>,
    bytes: usize,
}

impl InFlight {
    fn push(&mut self, record: u64, bytes: usize) {
        self.records.push_back((record, bytes));
        self.bytes += bytes;
    }

    /// Forgets the records numbered below `aggregated_through`; returns the bytes left.
    fn release(&mut self, aggregated_through: u64) -> usize {
        while let Some(&(record, bytes)) = self.records.front() {
            if record >= aggregated_through {
                break;
            }
            self.records.pop_front();
            self.bytes -= bytes;
        }
        self.bytes
    }
}

/// Why new events are refused right now.
struct Refusal {
    problem: String,
    /// When the store began refusing writes (none for a full memory).
    since: Option<chrono::DateTime<chrono::Utc>>,
    retry_after_s: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave the value half-written.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Api {
    /// `token`: require `Authorization: Bearer <token>` (from the keyring) when set.
    pub async fn new(store: Store, token: Option<String>) -> Result<Api, StoreError> {
        Ok(Api {
            registry: Registry::open(store).await?,
            timeline: Arc::new(Mutex::new(Timeline::with_byte_cap(MEMORY_LIMIT_BYTES / 2))),
            token: token.filter(|t| !t.is_empty()),
            health: Arc::default(),
            in_flight: Arc::default(),
            memory_limit: MEMORY_LIMIT_BYTES,
        })
    }

    /// The same API with another memory limit (default [`MEMORY_LIMIT_BYTES`]); the
    /// timeline holds at most half of it back for the horizon.
    pub fn with_memory_limit(self, bytes: usize) -> Api {
        lock(&self.timeline).set_byte_cap(bytes / 2);
        Api { memory_limit: bytes, ..self }
    }

    fn timeline(&self) -> std::sync::MutexGuard<'_, Timeline> {
        lock(&self.timeline)
    }

    /// Where the pipeline fed by this API reports whether the store takes writes.
    pub fn health(&self) -> Arc<Health> {
        Arc::clone(&self.health)
    }

    /// The live source that carries this API's finished events into the pipeline; it
    /// ends (emitting everything still held) when `finish` fires or is dropped.
    pub fn source(&self, finish: std_mpsc::Receiver<()>) -> LiveSource {
        LiveSource { timeline: Arc::clone(&self.timeline), in_flight: Arc::clone(&self.in_flight), finish }
    }

    /// Raw event bytes held in memory: in the timeline and on their way to the aggregator.
    fn held_bytes(&self) -> usize {
        let in_flight = lock(&self.in_flight).release(self.health.aggregated_through());
        in_flight + self.timeline().held_bytes()
    }

    /// Why new events would be refused now, if they would be; `held_bytes` is [`Api::held_bytes`].
    fn refusal(&self, held_bytes: usize) -> Option<Refusal> {
        if let Some(trouble) = self.health.trouble() {
            let wait = trouble.next_attempt.saturating_duration_since(Instant::now());
            return Some(Refusal {
                problem: format!(
                    "{}: activity cannot be saved, so new events are refused with 503 until it can \
                     ({} failed attempts so far)",
                    trouble.problem, trouble.failed_attempts
                ),
                since: Some(trouble.since),
                retry_after_s: (wait.as_secs_f64().ceil() as u64).clamp(1, 60),
            });
        }
        (held_bytes >= self.memory_limit).then(|| Refusal {
            problem: format!(
                "memory full: {held_bytes} bytes of events wait to be aggregated (the limit is {} bytes), so new \
                 events are refused with 503 until they are",
                self.memory_limit
            ),
            since: None,
            retry_after_s: MEMORY_RETRY_AFTER_S,
        })
    }

    /// Refuses new events (503 with a Retry-After) while [`Api::refusal`] gives a reason.
    fn admit(&self) -> Result<(), ApiError> {
        match self.refusal(self.held_bytes()) {
            None => Ok(()),
            Some(refusal) => Err(ApiError::Unavailable {
                message: format!("{}; send them again later", refusal.problem),
                retry_after_s: refusal.retry_after_s,
            }),
        }
    }
}

/// The router of the ActivityWatch-compatible API.
pub fn router(api: Arc<Api>) -> Router {
    let not_kept = any(events_not_kept);
    Router::new()
        .route("/api/0/info", get(info))
        .route("/api/0/buckets", get(list_buckets))
        .route("/api/0/buckets/", get(list_buckets))
        .route("/api/0/buckets/{id}", get(get_bucket).post(create_bucket).delete(delete_bucket))
        .route("/api/0/buckets/{id}/heartbeat", post(heartbeat_handler))
        .route("/api/0/buckets/{id}/events", get(events_not_kept).post(insert_events))
        .route("/api/0/buckets/{id}/events/count", not_kept.clone())
        .route("/api/0/buckets/{id}/events/{event}", not_kept.clone())
        .route("/api/0/buckets/{id}/export", not_kept.clone())
        .route("/api/0/export", not_kept.clone())
        .route("/api/0/import", not_kept.clone())
        .route("/api/0/query", not_kept.clone())
        .route("/api/0/query/", not_kept)
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint in Tally's ActivityWatch API") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(Arc::clone(&api), guard))
        .with_state(api)
}

/// Serves `listener` until `shutdown` completes, running every finished event through
/// the pipeline; then emits what is still held and flushes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: &Store,
    analyzer: Arc<Analyzer>,
    options: RunOptions<'_>,
    token: Option<String>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<RunSummary, ServeError> {
    let api = Arc::new(Api::new(store.clone(), token).await?);
    serve_api(listener, api, store, analyzer, options, shutdown).await
}

/// [`serve`] with an [`Api`] built by the caller (another memory limit, say). The run
/// reports to the API's [`Health`], whatever `options.health` was.
pub async fn serve_api(
    listener: tokio::net::TcpListener,
    api: Arc<Api>,
    store: &Store,
    analyzer: Arc<Analyzer>,
    options: RunOptions<'_>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<RunSummary, ServeError> {
    let options = RunOptions { health: Arc::clone(&api.health), ..options };
    let (finish_tx, finish_rx) = std_mpsc::channel();
    let source = Box::new(api.source(finish_rx));
    // The pipeline is never stopped by a flag: the source ends after the server, so the
    // events still held are emitted, not dropped.
    let never = Arc::new(AtomicBool::new(false));
    let (ended_tx, ended_rx) = tokio::sync::oneshot::channel::<()>();
    let run = async move {
        let summary = pipeline::run(store, analyzer, source, options, never, |_| {}).await;
        let _ = ended_tx.send(());
        summary
    };
    // A pipeline that ended early (an error it does not retry) stops the server too, so
    // that no heartbeat is answered 200 and then dropped.
    let stop = async move {
        tokio::select! {
            _ = shutdown => {}
            _ = ended_rx => {}
        }
    };
    let server = async move {
        let served = axum::serve(listener, router(api)).with_graceful_shutdown(stop).await;
        let _ = finish_tx.send(());
        served
    };
    let (summary, served) = tokio::join!(run, server);
    served.map_err(ServeError::Server)?;
    Ok(summary?)
}

/// The API's finished events as a pipeline [`Source`].
pub struct LiveSource {
    timeline: Arc<Mutex<Timeline>>,
    in_flight: Arc<Mutex<InFlight>>,
    finish: std_mpsc::Receiver<()>,
}

impl Source for LiveSource {
    fn kind(&self) -> &'static str {
        "aw-api"
    }

    fn identity(&self) -> Result<Option<String>, ReadError> {
        Ok(None)
    }

    fn read(self: Box<Self>, emit: &mut dyn Emit) -> Result<(), ReadError> {
        let mut record = 0u64;
        loop {
            let last = match self.finish.recv_timeout(SETTLE_EVERY) {
                Err(std_mpsc::RecvTimeoutError::Timeout) => false,
                Ok(()) | Err(std_mpsc::RecvTimeoutError::Disconnected) => true,
            };
            let events = lock(&self.timeline).settle(Instant::now(), last);
            if !events.is_empty() {
                // Counted until the pipeline has aggregated them (see `Api::held_bytes`).
                lock(&self.in_flight).push(record, events.iter().map(timeline::event_bytes).sum());
                if emit.emit(SourceItem::Events { record, events }).is_break() {
                    return Err(ReadError::Stopped);
                }
                record += 1;
            }
            if emit.flush().is_break() {
                return Err(ReadError::Stopped);
            }
            if last {
                return Ok(());
            }
        }
    }
}

// ---- the guard ------------------------------------------------------------------------

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "message": message.into() }))).into_response()
}

fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")).unwrap_or_default(),
        None => host
            .rsplit_once(':')
            .map_or(host, |(h, port)| if port.parse::<u16>().is_ok() { h } else { host })
            .to_string(),
    };
    matches!(name.to_ascii_lowercase().as_str(), "localhost" | "127.0.0.1" | "[::1]")
}

fn allowed_origin(origin: &str) -> bool {
    origin == CHROME_EXTENSION_ORIGIN || origin.strip_prefix("moz-extension://").is_some_and(|id| !id.is_empty())
}

/// Equal strings, in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Host, Origin and bearer-token checks, and CORS for the browser extension.
async fn guard(State(api): State<Arc<Api>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    match text(header::HOST) {
        Some(host) if loopback_host(&host) => {}
        _ => {
            return error(
                StatusCode::FORBIDDEN,
                "the Host header must name a loopback address (localhost, 127.0.0.1 or [::1])",
            )
        }
    }
    let origin =
        match headers.get(header::ORIGIN) {
            None => None,
            Some(value) => match value.to_str() {
                Ok(o) if allowed_origin(o) => Some(o.to_string()),
                _ => return error(
                    StatusCode::FORBIDDEN,
                    "requests from web pages are refused; only the ActivityWatch browser extension may call this API",
                ),
            },
        };
    let mut response = if request.method() == Method::OPTIONS && origin.is_some() {
        let mut preflight = StatusCode::NO_CONTENT.into_response();
        let h = preflight.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, DELETE, OPTIONS"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, authorization"));
        preflight
    } else if let Some(token) = &api.token {
        let given = text(header::AUTHORIZATION);
        let ok = given.as_deref().and_then(|v| v.strip_prefix("Bearer ")).is_some_and(|t| same_secret(t.trim(), token));
        if ok {
            next.run(request).await
        } else {
            let mut denied = error(StatusCode::UNAUTHORIZED, "a bearer token is required (Authorization: Bearer …)");
            denied.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            denied
        }
    } else {
        next.run(request).await
    };
    if let Some(value) = origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    response
}

// ---- request parsing ------------------------------------------------------------------

/// A request problem: the status and a message without any request content.
#[derive(Debug)]
pub struct BadRequest(pub StatusCode, pub String);

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

/// What a handler answers instead of a result: a bad request, or 503 with a
/// Retry-After while Tally cannot take events (the message says why, never what).
#[derive(Debug)]
pub enum ApiError {
    Bad(BadRequest),
    Unavailable { message: String, retry_after_s: u64 },
}

impl From<BadRequest> for ApiError {
    fn from(e: BadRequest) -> ApiError {
        ApiError::Bad(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let problem = e.write_problem();
        if problem.is_transient() {
            ApiError::Unavailable { message: format!("{problem}; try again later"), retry_after_s: STORE_RETRY_AFTER_S }
        } else {
            ApiError::Bad(BadRequest(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Bad(bad) => bad.into_response(),
            ApiError::Unavailable { message, retry_after_s } => {
                let mut response = error(StatusCode::SERVICE_UNAVAILABLE, message);
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
                response
            }
        }
    }
}

fn bad(message: impl Into<String>) -> BadRequest {
    BadRequest(StatusCode::BAD_REQUEST, message.into())
}

fn body(bytes: Result<Bytes, BytesRejection>) -> Result<Bytes, BadRequest> {
    bytes.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            BadRequest(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than {MAX_BODY_BYTES} bytes"))
        }
        status => BadRequest(status, "the request body could not be read".to_string()),
    })
}

#[derive(Deserialize)]
struct EventIn {
    #[serde(default)]
    timestamp: Option<Box<RawValue>>,
    #[serde(default)]
    duration: Option<Box<RawValue>>,
    #[serde(default)]
    data: Option<Value>,
}

fn event_from(event: EventIn, kind: BucketKind, position: &str) -> Result<Heartbeat, BadRequest> {
    let field = |(field, problem): (String, String)| bad(format!("{position}`{field}`: {problem}"));
    let start = json_timestamp("timestamp", event.timestamp.as_deref()).map_err(field)?;
    let duration = match event.duration.as_deref() {
        Some(raw) if raw.get() != "null" => json_duration("duration", Some(raw)).map_err(field)?,
        _ => chrono::TimeDelta::zero(),
    };
    let data = match event.data {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(bad(format!("{position}`data`: expected an object"))),
    };
    kind.check(&data).map_err(|(f, problem)| bad(format!("{position}`{f}`: {problem}")))?;
    Ok(Heartbeat { start_ms: start.timestamp_millis(), duration_ms: duration.num_milliseconds(), data })
}

/// Parses one event (a heartbeat body) and checks its data for `kind`.
pub fn parse_event(bytes: &[u8], kind: BucketKind) -> Result<Heartbeat, BadRequest> {
    if !starts_object(bytes) {
        return Err(bad("malformed event: expected a JSON object with `timestamp`, `duration` and `data`"));
    }
    let event: EventIn =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("malformed event: {}", describe_json_error(&e))))?;
    event_from(event, kind, "")
}

/// Parses a list of events (or one event), each checked for `kind`.
pub fn parse_events(bytes: &[u8], kind: BucketKind) -> Result<Vec<Heartbeat>, BadRequest> {
    let raw: Box<RawValue> =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("malformed events: {}", describe_json_error(&e))))?;
    let list: Vec<Box<RawValue>> = if raw.get().starts_with('[') {
        serde_json::from_str(raw.get()).map_err(|e| bad(format!("malformed events: {}", describe_json_error(&e))))?
    } else {
        vec![raw]
    };
    list.into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let position = format!("event #{}: ", i + 1);
            if !starts_object(raw.get().as_bytes()) {
                return Err(bad(format!("{position}expected a JSON object")));
            }
            let event: EventIn = serde_json::from_str(raw.get())
                .map_err(|e| bad(format!("{position}malformed: {}", describe_json_error(&e))))?;
            event_from(event, kind, &position)
        })
        .collect()
}

/// Whether a JSON text is an object (serde would also take a struct from an array).
fn starts_object(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// The `pulsetime` query parameter, in ms.
pub fn parse_pulsetime(query: Option<&str>) -> Result<i64, BadRequest> {
    let value = query
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("pulsetime="))
        .ok_or_else(|| bad("the `pulsetime` query parameter is required"))?;
    match value.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=MAX_PULSETIME_SECONDS).contains(&s) => Ok((s * 1000.0).round() as i64),
        _ => Err(bad(format!("`pulsetime` must be a number of seconds from 0 to {MAX_PULSETIME_SECONDS}"))),
    }
}

#[derive(Deserialize)]
struct NewBucket {
    #[serde(rename = "type")]
    kind: String,
    client: String,
    hostname: String,
    #[serde(default)]
    name: Option<String>,
}

fn event_json(event: &Heartbeat) -> Value {
    let timestamp = chrono::DateTime::from_timestamp_millis(event.start_ms).unwrap_or_default();
    json!({
        "id": null,
        "timestamp": timestamp.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "duration": event.duration_ms as f64 / 1000.0,
        "data": event.data,
    })
}

// ---- handlers -------------------------------------------------------------------------

/// ActivityWatch's server info, plus Tally's own state: `status` is `ok`, or `degraded`
/// with the `problem` (no event content in it) while new events are refused.
async fn info(State(api): State<Arc<Api>>) -> Json<Value> {
    let held_bytes = api.held_bytes();
    let refusal = api.refusal(held_bytes);
    let since = refusal.as_ref().and_then(|r| r.since).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    Json(json!({
        "hostname": "tally",
        "version": concat!("v0.13.2 (tally ", env!("CARGO_PKG_VERSION"), ")"),
        "testing": false,
        "device_id": "tally",
        "status": if refusal.is_some() { "degraded" } else { "ok" },
        "problem": refusal.map(|r| r.problem),
        "degraded_since": since,
        "memory": { "held_bytes": held_bytes, "limit_bytes": api.memory_limit },
    }))
}

async fn list_buckets(State(api): State<Arc<Api>>) -> Json<Value> {
    let map: serde_json::Map<String, Value> =
        api.registry.list().into_iter().map(|b| (b.id.clone(), serde_json::to_value(b).unwrap_or_default())).collect();
    Json(Value::Object(map))
}

async fn bucket(api: &Api, id: &str) -> Result<BucketInfo, ApiError> {
    let info = api
        .registry
        .get(id)
        .await?
        .ok_or_else(|| BadRequest(StatusCode::NOT_FOUND, "no bucket with that id".to_string()))?;
    api.timeline().add_bucket(id, info.kind());
    Ok(info)
}

async fn get_bucket(State(api): State<Arc<Api>>, Path(id): Path<String>) -> Result<Json<BucketInfo>, ApiError> {
    Ok(Json(bucket(&api, &id).await?))
}

async fn create_bucket(
    State(api): State<Arc<Api>>,
    Path(id): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body(bytes)?;
    let new: NewBucket = serde_json::from_slice(&bytes).map_err(|e| {
        bad(format!("malformed bucket: {} (expected {{\"type\", \"client\", \"hostname\"}})", describe_json_error(&e)))
    })?;
    if id.is_empty() || id.len() > 256 {
        return Err(bad("a bucket id must be 1 to 256 bytes").into());
    }
    let kind = BucketKind::from_type(&new.kind);
    let info = BucketInfo {
        id: id.clone(),
        name: new.name,
        kind: new.kind,
        client: new.client,
        hostname: new.hostname,
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        data: Default::default(),
    };
    let created = api.registry.create(info).await?;
    if created == Created::TooMany {
        return Err(bad(format!("too many buckets (at most {})", buckets::MAX_BUCKETS)).into());
    }
    api.timeline().add_bucket(&id, kind);
    Ok(match created {
        Created::New => StatusCode::OK.into_response(),
        _ => StatusCode::NOT_MODIFIED.into_response(),
    })
}

async fn delete_bucket(State(api): State<Arc<Api>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    api.timeline().remove_bucket(&id);
    if api.registry.delete(&id).await? {
        Ok(StatusCode::OK.into_response())
    } else {
        Err(BadRequest(StatusCode::NOT_FOUND, "no bucket with that id".to_string()).into())
    }
}

async fn heartbeat_handler(
    State(api): State<Arc<Api>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let pulsetime_ms = parse_pulsetime(query.as_deref())?;
    let bytes = body(bytes)?;
    let kind = bucket(&api, &id).await?.kind();
    let heartbeat = parse_event(&bytes, kind)?;
    api.admit()?;
    let current = api.timeline().heartbeat(&id, heartbeat, pulsetime_ms, Instant::now());
    let current = current.ok_or_else(|| BadRequest(StatusCode::NOT_FOUND, "no bucket with that id".to_string()))?;
    Ok(Json(event_json(&current)))
}

async fn insert_events(
    State(api): State<Arc<Api>>,
    Path(id): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let bytes = body(bytes)?;
    let kind = bucket(&api, &id).await?.kind();
    let events = parse_events(&bytes, kind)?;
    api.admit()?;
    let shown: Vec<Value> = events.iter().map(event_json).collect();
    if !api.timeline().insert(&id, events) {
        return Err(BadRequest(StatusCode::NOT_FOUND, "no bucket with that id".to_string()).into());
    }
    Ok(Json(Value::Array(shown)))
}

async fn events_not_kept() -> Response {
    error(
        StatusCode::NOT_IMPLEMENTED,
        "Tally keeps only aggregates: events are never stored, so they cannot be listed, exported, imported or \
         queried here. Use `tally export csv` or `tally stats` for reports.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_pass() {
        for (host, ok) in [
            ("localhost", true),
            ("localhost:5600", true),
            ("127.0.0.1:5600", true),
            ("[::1]:5600", true),
            ("[::1]", true),
            ("LOCALHOST", true),
            ("evil.example:5600", false),
            ("127.0.0.1.evil.example", false),
            ("localhost.evil.example:80", false),
            ("[::2]:5600", false),
            ("", false),
        ] {
            assert_eq!(loopback_host(host), ok, "{host}");
        }
    }

    #[test]
    fn only_the_extension_origins_pass() {
        assert!(allowed_origin(CHROME_EXTENSION_ORIGIN));
        assert!(allowed_origin("moz-extension://3c2b9b5e-0000-4000-8000-000000000000"));
        assert!(!allowed_origin("moz-extension://"));
        assert!(!allowed_origin("https://evil.example"));
        assert!(!allowed_origin("chrome-extension://someoneelse"));
        assert!(!allowed_origin("null"));
    }

    #[test]
    fn pulsetime_is_required_and_bounded() {
        assert_eq!(parse_pulsetime(Some("pulsetime=1.5")).unwrap(), 1500);
        assert_eq!(parse_pulsetime(Some("a=b&pulsetime=60")).unwrap(), 60_000);
        for q in
            [None, Some(""), Some("pulsetime="), Some("pulsetime=-1"), Some("pulsetime=NaN"), Some("pulsetime=1e9")]
        {
            assert_eq!(parse_pulsetime(q).unwrap_err().0, StatusCode::BAD_REQUEST, "{q:?}");
        }
    }

    #[test]
    fn parse_errors_name_fields_never_values() {
        let secret = "quillonia.vexmartin@planted-example.org";
        let bodies = [
            format!(r#"{{"timestamp": "{secret}", "duration": 0, "data": {{"app": "x"}}}}"#),
            format!(r#"{{"timestamp": "2026-11-05T09:00:00Z", "duration": "{secret}", "data": {{}}}}"#),
            format!(r#"{{"timestamp": "2026-11-05T09:00:00Z", "data": {{"app": 7, "title": "{secret}"}}}}"#),
            format!(r#"{{"timestamp": "2026-11-05T09:00:00Z", "data": "{secret}"}}"#),
            format!(r#"{{"timestamp": "2026-11-05T09:00:00Z", "data": {{"title": "{secret}""#),
            format!(r#"["{secret}"]"#),
            secret.to_string(),
        ];
        for body in &bodies {
            let e = parse_event(body.as_bytes(), BucketKind::Window).unwrap_err();
            assert_eq!(e.0, StatusCode::BAD_REQUEST);
            assert!(!e.1.contains("quillonia"), "{}", e.1);
            let e = parse_events(body.as_bytes(), BucketKind::Window).unwrap_err();
            assert!(!e.1.contains("quillonia"), "{}", e.1);
        }
    }
}
