//! Frontier insights end to end: the real `tally` binary, a real keyring (keyutils in a
//! fresh session keyring; the Secret Service under dbus-run-session), and a real HTTP
//! server on 127.0.0.1 that speaks each provider's wire format and validates requests.

mod common;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::{join_fresh_session_keyring, scan_for_pii, stderr, Sandbox};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "sk-test-Zq9fK2mWv7LxT4";
const WEEK: &str = "2026-11-23";

#[derive(Clone, Copy, PartialEq)]
enum Wire {
    OpenAi,
    Anthropic,
}

/// What the server answers next.
enum Reply {
    Answer(&'static str),
    Status(u16, Option<&'static str>),
    /// An error status whose body carries this `error.message`.
    Refuse(u16, &'static str),
    Raw(&'static str),
    Stall(Duration),
}

struct Received {
    at: Instant,
    body: Vec<u8>,
}

struct ServerState {
    wire: Wire,
    replies: Mutex<VecDeque<Reply>>,
    received: Mutex<Vec<Received>>,
    /// Requests that broke the wire format (a 400 was answered).
    invalid: Mutex<Vec<String>>,
}

struct ProviderServer {
    state: Arc<ServerState>,
    base_url: String,
    _runtime: tokio::runtime::Runtime,
}

impl ProviderServer {
    fn start(wire: Wire, replies: Vec<Reply>) -> ProviderServer {
        let state = Arc::new(ServerState {
            wire,
            replies: Mutex::new(replies.into()),
            received: Mutex::new(Vec::new()),
            invalid: Mutex::new(Vec::new()),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let path = match wire {
            Wire::OpenAi => "/v1/chat/completions",
            Wire::Anthropic => "/v1/messages",
        };
        let shared = state.clone();
        let app = axum::Router::new().route(
            path,
            axum::routing::post(move |headers: HeaderMap, body: Bytes| handle(shared.clone(), headers, body)),
        );
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        let base_url = match wire {
            Wire::OpenAi => format!("http://127.0.0.1:{port}/v1"),
            Wire::Anthropic => format!("http://127.0.0.1:{port}"),
        };
        ProviderServer { state, base_url, _runtime: runtime }
    }

    fn received(&self) -> Vec<(Instant, Vec<u8>)> {
        self.state.received.lock().unwrap().iter().map(|r| (r.at, r.body.clone())).collect()
    }

    fn assert_valid(&self) {
        let invalid = self.state.invalid.lock().unwrap();
        assert!(invalid.is_empty(), "requests broke the wire format: {invalid:?}");
    }
}

/// Checks a request as the real provider would, then answers from the script.
async fn handle(state: Arc<ServerState>, headers: HeaderMap, body: Bytes) -> Response {
    state.received.lock().unwrap().push(Received { at: Instant::now(), body: body.to_vec() });
    if let Err(why) = validate(state.wire, &headers, &body) {
        state.invalid.lock().unwrap().push(why.clone());
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": {"message": why}}))).into_response();
    }
    let reply = state.replies.lock().unwrap().pop_front().unwrap_or(Reply::Status(500, None));
    match reply {
        Reply::Answer(text) => {
            let body = match state.wire {
                Wire::OpenAi => json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "trend-model",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}),
                Wire::Anthropic => {
                    json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "trend-model",
                    "content": [{"type": "text", "text": text}], "stop_reason": "end_turn"})
                }
            };
            axum::Json(body).into_response()
        }
        Reply::Status(code, retry_after) => {
            let mut response = (
                StatusCode::from_u16(code).unwrap(),
                axum::Json(json!({"error": {"message": format!("scripted {code} for key {KEY}")}})),
            )
                .into_response();
            if let Some(after) = retry_after {
                response.headers_mut().insert("retry-after", after.parse().unwrap());
            }
            response
        }
        Reply::Refuse(code, message) => {
            (StatusCode::from_u16(code).unwrap(), axum::Json(json!({"error": {"message": message}}))).into_response()
        }
        Reply::Raw(text) => (StatusCode::OK, [("content-type", "application/json")], text).into_response(),
        Reply::Stall(d) => {
            tokio::time::sleep(d).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}

fn validate(wire: Wire, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if header("content-type") != "application/json" {
        return Err("content-type must be application/json".into());
    }
    let body: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    if body["model"] != "trend-model" {
        return Err("wrong model".into());
    }
    if !body["max_tokens"].is_u64() {
        return Err("max_tokens missing".into());
    }
    let messages = body["messages"].as_array().ok_or("messages missing")?;
    match wire {
        Wire::OpenAi => {
            if header("authorization") != format!("Bearer {KEY}") {
                return Err("bad authorization header".into());
            }
            let roles: Vec<&str> = messages.iter().filter_map(|m| m["role"].as_str()).collect();
            if roles != ["system", "user"] || !messages.iter().all(|m| m["content"].is_string()) {
                return Err("messages must be system + user with string content".into());
            }
        }
        Wire::Anthropic => {
            if header("x-api-key") != KEY || header("anthropic-version") != "2023-06-01" {
                return Err("bad x-api-key or anthropic-version".into());
            }
            if !body["system"].is_string() || messages.len() != 1 || messages[0]["role"] != "user" {
                return Err("Messages needs a system string and one user message".into());
            }
        }
    }
    Ok(())
}

/// A sandbox with five weeks of synthetic activity ending 2026-11-30, a provider
/// pointing at `server`, and the key in a fresh session keyring.
/// keyutils keeps keys in the user's persistent keyring too, which every session of the
/// user shares, so each test names its provider uniquely.
fn unique_provider() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    format!("trend{}x{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

fn setup(server: &ProviderServer, extra: &[&str]) -> (Sandbox, String) {
    setup_in(Sandbox::new(), server, extra)
}

fn setup_in(sandbox: Sandbox, server: &ProviderServer, extra: &[&str]) -> (Sandbox, String) {
    join_fresh_session_keyring();
    import_five_weeks(&sandbox, 7);
    let kind = match server.state.wire {
        Wire::OpenAi => "openai",
        Wire::Anthropic => "anthropic",
    };
    let name = unique_provider();
    let mut args = vec!["provider", "set", &name, "--kind", kind, "--base-url", &server.base_url, "--model"];
    args.extend(["trend-model", "--retry-base-ms", "50"]);
    args.extend(extra);
    ok(&sandbox.run(&args));
    ok(&sandbox.run_with_stdin(&["provider", "set-key", &name], format!("{KEY}\n").as_bytes()));
    (sandbox, name)
}

/// Imports about six weeks of synthetic ActivityWatch activity ending 2026-11-30.
fn import_five_weeks(sandbox: &Sandbox, seed: u64) {
    let mut shape = tally::synth::shape_for_total(20_000, seed);
    shape.end = chrono::DateTime::parse_from_rfc3339("2026-11-30T00:00:00Z").unwrap().timestamp();
    let mut export = Vec::new();
    tally::synth::write_aw_export(&mut export, shape).unwrap();
    let file = sandbox.input("aw.json", export);
    ok(&sandbox.run(&["--no-model", "import", "--format", "aw", file.to_str().unwrap()]));
}

fn ok(out: &Output) {
    assert!(out.status.success(), "tally failed: {}", stderr(out));
}

fn send(sandbox: &Sandbox) -> Output {
    sandbox.run(&["--no-model", "insights", "--send", "--week-of", WEEK, "--tz", "UTC"])
}

fn ledger(sandbox: &Sandbox) -> Vec<Value> {
    let out = sandbox.run(&["ledger", "--json"]);
    ok(&out);
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The key appears nowhere: not in a file Tally could write, not in any output.
fn assert_key_stays_in_keyring(sandbox: &Sandbox, outputs: &[&Output]) {
    assert_eq!(scan_for_pii(sandbox.home.path(), &[KEY]), vec![], "the API key reached a file");
    for out in outputs {
        for stream in [&out.stdout, &out.stderr] {
            assert!(!common::contains(stream, KEY.as_bytes()), "the API key reached the output");
        }
    }
}

#[test]
fn openai_send_matches_the_preview_byte_for_byte_and_the_answer_is_scanned() {
    let server = ProviderServer::start(
        Wire::OpenAi,
        vec![Reply::Answer("Focus time rose by half. Ask jane.roe@example.com to keep Tuesdays free.")],
    );
    let (sandbox, _) = setup(&server, &[]);
    let preview = sandbox.run(&["--no-model", "insights", "--preview", "--week-of", WEEK, "--tz", "UTC"]);
    ok(&preview);
    let again = sandbox.run(&["--no-model", "insights", "--preview", "--week-of", WEEK, "--tz", "UTC"]);
    assert_eq!(preview.stdout, again.stdout, "the same aggregates give the same bytes");
    assert!(stderr(&preview).contains("outbound gate: clear"), "{}", stderr(&preview));
    let previewed = preview.stdout.strip_suffix(b"\n").unwrap().to_vec();
    assert!(server.received().is_empty(), "a preview sends nothing");

    let sent = send(&sandbox);
    ok(&sent);
    server.assert_valid();
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].1, previewed, "the bytes sent are the bytes previewed");
    let body: Value = serde_json::from_slice(&received[0].1).unwrap();
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("\"period\"") && user.contains("\"notable_changes\""), "{user}");
    assert!(!user.contains("trend-model") && !user.contains("local"), "no model or team label in the summary");

    let answer = String::from_utf8(sent.stdout.clone()).unwrap();
    assert!(answer.contains("Ask <EMAIL> to keep"), "{answer}");
    assert!(stderr(&sent).contains("FLAGGED"), "{}", stderr(&sent));

    let entries = ledger(&sandbox);
    assert_eq!(entries.len(), 1, "one ledger entry per send");
    let e = &entries[0];
    assert_eq!((e["outcome"].as_str(), e["http_status"].as_u64()), (Some("sent"), Some(200)));
    assert_eq!(e["payload"].as_str().unwrap().as_bytes(), &previewed[..]);
    assert_eq!(e["payload_sha256"], sha256(&previewed));
    assert_eq!(e["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(e["response_redactions"], json!({"EMAIL": 1}));
    assert_eq!((e["period_start"].as_str(), e["scope"].as_str()), (Some(WEEK), Some("personal")));

    let export = sandbox.run(&["export", "insights"]);
    ok(&export);
    assert!(String::from_utf8_lossy(&export.stdout).contains("Ask <EMAIL> to keep Tuesdays free."));
    assert_eq!(scan_for_pii(sandbox.home.path(), &["jane.roe@example.com"]), vec![]);
    assert_key_stays_in_keyring(&sandbox, &[&preview, &sent, &export]);
}

#[test]
fn anthropic_messages_wire_format() {
    let server = ProviderServer::start(Wire::Anthropic, vec![Reply::Answer("Meeting load fell.")]);
    let (sandbox, _) = setup(&server, &[]);
    let sent = send(&sandbox);
    ok(&sent);
    server.assert_valid();
    assert_eq!(String::from_utf8(sent.stdout.clone()).unwrap().trim(), "Meeting load fell.");
    let entries = ledger(&sandbox);
    assert_eq!((entries.len(), entries[0]["kind"].as_str()), (1, Some("anthropic")));
    assert_key_stays_in_keyring(&sandbox, &[&sent]);
}

#[test]
fn a_429_with_retry_after_is_honoured_then_the_retry_succeeds() {
    let server = ProviderServer::start(Wire::OpenAi, vec![Reply::Status(429, Some("1")), Reply::Answer("ok")]);
    let (sandbox, _) = setup(&server, &[]);
    let sent = send(&sandbox);
    ok(&sent);
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert!(received[1].0 - received[0].0 >= Duration::from_secs(1), "Retry-After: 1 was not honoured");
    assert_eq!(received[0].1, received[1].1, "a retry resends the same bytes");
    let entries = ledger(&sandbox);
    assert_eq!(entries.len(), 1);
    let attempts = entries[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.iter().map(|a| a["status"].as_u64().unwrap()).collect::<Vec<_>>(), [429, 200]);
    assert!(attempts[1]["waited_ms"].as_u64().unwrap() >= 1000);
    assert_key_stays_in_keyring(&sandbox, &[&sent]);
}

#[test]
fn server_errors_are_retried_with_backoff_until_one_succeeds() {
    let server = ProviderServer::start(
        Wire::OpenAi,
        vec![Reply::Status(500, None), Reply::Status(503, None), Reply::Answer("third time lucky")],
    );
    let (sandbox, _) = setup(&server, &[]);
    let sent = send(&sandbox);
    ok(&sent);
    assert_eq!(server.received().len(), 3);
    let entries = ledger(&sandbox);
    assert_eq!(entries.len(), 1);
    let attempts = entries[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.iter().map(|a| a["status"].as_u64().unwrap()).collect::<Vec<_>>(), [500, 503, 200]);
    // Backoff base 50 ms, doubled, jitter in [0.5, 1): 25–50 ms, then 50–100 ms.
    let waited: Vec<u64> = attempts.iter().map(|a| a["waited_ms"].as_u64().unwrap()).collect();
    assert!(waited[0] == 0 && (25..=50).contains(&waited[1]) && (50..=100).contains(&waited[2]), "{waited:?}");
}

#[test]
fn retries_stop_at_the_limit_with_a_clear_error() {
    let server = ProviderServer::start(Wire::OpenAi, vec![Reply::Status(502, None), Reply::Status(502, None)]);
    let (sandbox, _) = setup(&server, &["--retries", "1"]);
    let sent = send(&sandbox);
    assert_eq!(sent.status.code(), Some(1));
    let message = stderr(&sent);
    assert!(message.contains("answered HTTP 502 after 2 attempt(s)"), "{message}");
    assert!(message.contains("for key <key>"), "the provider's echo of the key is scrubbed: {message}");
    let entries = ledger(&sandbox);
    assert_eq!((entries.len(), entries[0]["outcome"].as_str()), (1, Some("failed")));
    assert_key_stays_in_keyring(&sandbox, &[&sent]);
}

#[test]
fn a_timeout_fails_clearly_and_is_recorded() {
    let server = ProviderServer::start(Wire::OpenAi, vec![Reply::Stall(Duration::from_secs(4))]);
    let (sandbox, _) = setup(&server, &["--timeout", "1"]);
    let started = Instant::now();
    let sent = send(&sandbox);
    assert!(started.elapsed() < Duration::from_secs(4), "the timeout did not cut the wait short");
    assert_eq!(sent.status.code(), Some(1));
    assert!(stderr(&sent).contains("did not answer within 1 s (timeout_secs)"), "{}", stderr(&sent));
    let entries = ledger(&sandbox);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["outcome"], "failed");
    assert_eq!(entries[0]["attempts"][0]["failure"], "timeout");
}

#[test]
fn a_401_names_the_fix_and_is_not_retried() {
    let server = ProviderServer::start(Wire::OpenAi, vec![Reply::Status(401, None)]);
    let (sandbox, name) = setup(&server, &[]);
    let sent = send(&sandbox);
    assert_eq!(sent.status.code(), Some(1));
    let message = stderr(&sent);
    assert!(message.contains("HTTP 401") && message.contains(&format!("tally provider set-key {name}")), "{message}");
    assert_eq!(server.received().len(), 1);
    assert_eq!(ledger(&sandbox)[0]["http_status"], 401);
    assert_key_stays_in_keyring(&sandbox, &[&sent]);
}

#[test]
fn malformed_json_from_the_provider_is_an_error_not_an_insight() {
    let server = ProviderServer::start(Wire::OpenAi, vec![Reply::Raw("<html>upstream hiccup</html>")]);
    let (sandbox, _) = setup(&server, &[]);
    let sent = send(&sandbox);
    assert_eq!(sent.status.code(), Some(1));
    assert!(stderr(&sent).contains("not a valid Chat Completions response (28 bytes)"), "{}", stderr(&sent));
    let entries = ledger(&sandbox);
    assert_eq!((entries.len(), entries[0]["outcome"].as_str()), (1, Some("failed")));
    assert!(entries[0]["response"].is_null());
}

/// A provider's error message is text from outside like an answer: the model and the
/// recognizers redact it before the ledger keeps it or the command prints it, and the
/// ledger row says what kind of failure it was.
#[test]
fn a_provider_error_message_is_redacted_before_it_is_stored_or_shown() {
    let planted = ["Marguerite Okafor", "marguerite.okafor.qx7@example.com"];
    let server = ProviderServer::start(
        Wire::OpenAi,
        vec![Reply::Refuse(
            400,
            "Monthly budget exceeded for Marguerite Okafor (marguerite.okafor.qx7@example.com); ask your admin.",
        )],
    );
    let (sandbox, _) = setup_in(Sandbox::with_model(), &server, &[]);
    sandbox.watch(&planted);
    let sent = sandbox.run(&["--require-model", "insights", "--send", "--week-of", WEEK, "--tz", "UTC"]);
    assert_eq!(sent.status.code(), Some(1), "{}", stderr(&sent));
    assert_eq!(server.received().len(), 1, "the send reached the provider: {}", stderr(&sent));
    let entries = ledger(&sandbox);
    assert_eq!((entries.len(), entries[0]["outcome"].as_str()), (1, Some("failed")));
    let error = entries[0]["error"].as_str().unwrap();
    assert!(error.starts_with("http-status: provider `"), "{error}");
    assert!(error.ends_with("Monthly budget exceeded for <PERSON> (<EMAIL>); ask your admin."), "{error}");
    let message = stderr(&sent);
    assert!(message.contains("after 1 attempt(s): Monthly budget exceeded for <PERSON> (<EMAIL>)"), "{message}");
    assert_eq!(scan_for_pii(sandbox.home.path(), &planted), vec![]);
}

#[test]
fn the_gate_blocks_planted_pii_and_nothing_reaches_the_server() {
    let server = ProviderServer::start(Wire::OpenAi, vec![Reply::Answer("must never be asked")]);
    let (sandbox, _) = setup(&server, &[]);
    let planted = ["ana.lima.qx7@example.com", "+44 20 7946 0958"];
    let config = sandbox.input(
        "config.toml",
        format!(
            "[insights]\nextra_instructions = \"Compare with the team of {}, phone {}.\"\n",
            planted[0], planted[1]
        ),
    );
    let config = config.to_str().unwrap();
    let preview = sandbox.run(&["--no-model", "--config", config, "insights", "--preview", "--week-of", WEEK]);
    assert_eq!(preview.status.code(), Some(2), "a preview that would be blocked says so in its status");
    let sent = sandbox.run(&["--no-model", "--config", config, "insights", "--send", "--week-of", WEEK]);
    assert_eq!(sent.status.code(), Some(1));
    let message = stderr(&sent);
    assert!(message.contains("outbound gate blocked the payload"), "{message}");
    assert!(message.contains("EMAIL at $.messages[1].content bytes"), "{message}");
    assert!(message.contains("PHONE at $.messages[1].content bytes"), "{message}");
    assert!(!message.contains(planted[0]), "the error names where, never what");
    assert!(server.received().is_empty(), "a blocked payload must not reach the server");
    let entries = ledger(&sandbox);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["outcome"], "blocked");
    assert!(entries[0]["payload"].is_null(), "a blocked payload is not kept");
    assert_eq!(entries[0]["left_machine"], false);
    assert_eq!(scan_for_pii(sandbox.home.path(), &planted), vec![]);
}

#[test]
fn keys_are_set_replaced_and_deleted_in_the_keyring_only() {
    let server = ProviderServer::start(Wire::OpenAi, vec![Reply::Answer("a"), Reply::Answer("b")]);
    let (sandbox, name) = setup(&server, &[]);
    let list = sandbox.run(&["provider", "list"]);
    ok(&list);
    let listed = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(
        listed.contains(&format!("{name} *")) && listed.contains(" set ") && listed.contains("keyutils"),
        "{listed}"
    );
    // Replace the key: the server now sees the new one and rejects it.
    ok(&sandbox.run_with_stdin(&["provider", "set-key", &name], b"sk-other-key\n"));
    assert_eq!(send(&sandbox).status.code(), Some(1));
    server.assert_valid_failed_with("bad authorization header");
    ok(&sandbox.run(&["provider", "delete-key", &name]));
    let listed = String::from_utf8_lossy(&sandbox.run(&["provider", "list"]).stdout).to_string();
    assert!(!listed.contains(" set "), "{listed}");
    // Without a key an OpenAI-compatible provider is called without auth (local servers).
    assert_eq!(send(&sandbox).status.code(), Some(1));
    assert_eq!(server.received().len(), 2);
    let empty = sandbox.run_with_stdin(&["provider", "set-key", &name], b"\n");
    assert!(stderr(&empty).contains("the secret is empty"), "{}", stderr(&empty));
    assert_key_stays_in_keyring(&sandbox, &[&list]);
}

impl ProviderServer {
    fn assert_valid_failed_with(&self, why: &str) {
        let invalid = self.state.invalid.lock().unwrap();
        assert!(invalid.iter().any(|w| w == why), "{invalid:?}");
    }
}

#[test]
fn provider_settings_errors_name_the_field() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["provider", "set", "x", "--kind", "openai", "--base-url", "ftp://h", "--model", "m"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("provider setting `base_url`"), "{}", stderr(&out));
    let out = sandbox.run(&["provider", "set", "x", "--kind", "openai", "--model", "m", "--max-tokens", "0"]);
    assert!(stderr(&out).contains("`max_tokens`"), "{}", stderr(&out));
    let out = sandbox.run(&["insights", "--send", "--no-model"]);
    assert!(stderr(&out).contains("no provider is configured"), "{}", stderr(&out));
    assert_eq!(
        sandbox.run(&["provider", "set-key", "nope"]).status.code(),
        Some(1),
        "a key for an unknown provider is refused"
    );
}

/// The Secret Service path: a real gnome-keyring-daemon on a private D-Bus session.
#[test]
fn secret_service_backend_holds_the_key() {
    let server = ProviderServer::start(Wire::Anthropic, vec![Reply::Answer("Secret Service works.")]);
    join_fresh_session_keyring();
    let sandbox = Sandbox::new();
    import_five_weeks(&sandbox, 7);
    let exe = env!("CARGO_BIN_EXE_tally");
    let script = format!(
        "set -e\n\
         printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1\n\
         T={exe}\n\
         $T provider set trend --kind anthropic --base-url {base} --model trend-model\n\
         printf '%s\\n' '{KEY}' | $T provider set-key trend\n\
         $T provider list\n\
         $T --no-model insights --send --week-of {WEEK}\n\
         $T provider delete-key trend\n",
        base = server.base_url
    );
    let mut cmd = sandbox.command(&[]);
    cmd.env("TALLY_KEYRING", "secret-service");
    let mut cmd = cmd_with_program(cmd, "dbus-run-session");
    cmd.args(["--", "bash", "-c", &script]);
    let out = cmd.output().expect("dbus-run-session runs (apt: dbus gnome-keyring)");
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("keys in Secret Service") && stdout.contains("Secret Service works."), "{stdout}");
    server.assert_valid();
    assert_key_stays_in_keyring(&sandbox, &[&out]);
}

/// `cmd`'s environment on another program.
fn cmd_with_program(cmd: std::process::Command, program: &str) -> std::process::Command {
    let mut other = std::process::Command::new(program);
    other.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            other.env(k, v);
        }
    }
    other
}

/// With the local model the gate runs the full anonymizer; the real prompt passes it.
#[test]
fn with_the_model_the_gate_clears_real_summaries() {
    let sandbox = Sandbox::with_model();
    import_five_weeks(&sandbox, 11);
    for week in ["2026-11-23", "2026-11-16", "2026-11-09"] {
        let preview = sandbox.run(&["--require-model", "insights", "--preview", "--week-of", week]);
        assert_eq!(preview.status.code(), Some(0), "week {week}: {}", stderr(&preview));
        assert!(stderr(&preview).contains("tally-encoder"), "{}", stderr(&preview));
    }
}
