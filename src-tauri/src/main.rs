//! Tally's desktop shell: a tray icon, windows created on demand and destroyed on close,
//! and Tauri commands that are each one call into the engine (`tally::app::App`). No
//! SQL, metric, rule or model code lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use chrono::NaiveDate;
use std::path::PathBuf;
use tally::app::{
    App, AppOptions, AppStatus, CollectionView, ImportReport, InsightPreview, PrivacyView, ProviderEdit, Settings,
    SettingsEdit, TeamDashboard, TeamsState, UiError,
};
use tally::dashboard::{Dashboard, Range};
use tally::import::Format;
use tally::report::Period;
use tally::rollup::TeamPeriod;
use tally::store::ledger::LedgerEntry;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};

struct Engine(App);

/// When "Open dashboard" last created the window, to report how long the first paint took.
struct OpenedAt(std::sync::Mutex<Option<std::time::Instant>>);

type Reply<T> = Result<T, UiError>;

#[tauri::command]
async fn collection(engine: tauri::State<'_, Engine>) -> Reply<CollectionView> {
    engine.0.collection().await
}

#[tauri::command]
async fn agree(app: AppHandle, engine: tauri::State<'_, Engine>) -> Reply<CollectionView> {
    let view = engine.0.agree().await;
    refresh_tray(&app, view.as_ref().ok());
    view
}

#[tauri::command]
async fn withdraw(app: AppHandle, engine: tauri::State<'_, Engine>) -> Reply<CollectionView> {
    let view = engine.0.withdraw().await;
    refresh_tray(&app, view.as_ref().ok());
    view
}

#[tauri::command]
async fn set_paused(app: AppHandle, engine: tauri::State<'_, Engine>, paused: bool) -> Reply<CollectionView> {
    let view = engine.0.set_paused(paused).await;
    refresh_tray(&app, view.as_ref().ok());
    view
}

#[tauri::command]
async fn pulse(engine: tauri::State<'_, Engine>, text: String, mood: Option<u8>) -> Reply<tally::pulse::PulseOutcome> {
    engine.0.pulse(&text, mood).await
}

#[tauri::command]
async fn forget(
    engine: tauri::State<'_, Engine>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Reply<tally::store::Forgotten> {
    let range = match (from, to) {
        (Some(f), Some(t)) => Some((f, t)),
        (None, None) => None,
        _ => {
            return Err(UiError {
                message: "give both dates, or none to delete everything".into(),
                field: Some("forget".into()),
            })
        }
    };
    engine.0.forget(range).await
}

/// Start at login: window chrome (the OS autostart entry), not engine logic.
#[tauri::command]
fn autostart(app: AppHandle, enable: Option<bool>) -> Reply<bool> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let fail = |e: tauri_plugin_autostart::Error| UiError {
        message: format!("autostart: {e}"),
        field: Some("autostart".into()),
    };
    match enable {
        Some(true) => launcher.enable().map_err(fail)?,
        Some(false) => launcher.disable().map_err(fail)?,
        None => {}
    }
    launcher.is_enabled().map_err(fail)
}

#[tauri::command]
async fn status(engine: tauri::State<'_, Engine>) -> Reply<AppStatus> {
    Ok(engine.0.status().await)
}

#[tauri::command]
async fn dashboard(
    engine: tauri::State<'_, Engine>,
    range: Range,
    to: Option<NaiveDate>,
    team: Option<String>,
) -> Reply<Dashboard> {
    engine.0.dashboard(range, to, team).await
}

#[tauri::command]
async fn teams_state(engine: tauri::State<'_, Engine>) -> Reply<TeamsState> {
    Ok(engine.0.teams_state().await)
}

#[tauri::command]
async fn use_demo_org(engine: tauri::State<'_, Engine>, on: bool) -> Reply<TeamsState> {
    engine.0.use_demo_org(on).await
}

#[tauri::command]
async fn team_dashboard(
    engine: tauri::State<'_, Engine>,
    from: NaiveDate,
    to: NaiveDate,
    by: TeamPeriod,
) -> Reply<TeamDashboard> {
    engine.0.team_dashboard(from, to, by).await
}

#[tauri::command]
async fn team_insights_preview(
    engine: tauri::State<'_, Engine>,
    week_of: Option<NaiveDate>,
    provider: Option<String>,
) -> Reply<InsightPreview> {
    engine.0.team_insights_preview(week_of, provider).await
}

#[tauri::command]
async fn team_insights_send(
    engine: tauri::State<'_, Engine>,
    week_of: Option<NaiveDate>,
    provider: Option<String>,
) -> Reply<LedgerEntry> {
    engine.0.team_insights_send(week_of, provider).await
}

#[tauri::command]
async fn save_png(engine: tauri::State<'_, Engine>, path: PathBuf, png: Vec<u8>) -> Reply<usize> {
    engine.0.save_png(&path, &png).await
}

#[tauri::command]
async fn export_team_csv(
    engine: tauri::State<'_, Engine>,
    path: PathBuf,
    from: NaiveDate,
    to: NaiveDate,
    by: TeamPeriod,
) -> Reply<usize> {
    engine.0.export_team_csv(&path, from, to, by).await
}

#[tauri::command]
async fn withdraw_org(engine: tauri::State<'_, Engine>) -> Reply<u64> {
    engine.0.withdraw_org().await
}

#[tauri::command]
async fn latest_date(engine: tauri::State<'_, Engine>) -> Reply<Option<NaiveDate>> {
    engine.0.latest_date().await
}

#[tauri::command]
async fn privacy(engine: tauri::State<'_, Engine>) -> Reply<PrivacyView> {
    engine.0.privacy().await
}

#[tauri::command]
async fn export_csv(
    engine: tauri::State<'_, Engine>,
    path: PathBuf,
    from: NaiveDate,
    to: NaiveDate,
    by: Period,
) -> Reply<usize> {
    engine.0.export_csv(&path, from, to, by).await
}

#[tauri::command]
async fn import_file(engine: tauri::State<'_, Engine>, path: PathBuf, format: Format) -> Reply<ImportReport> {
    engine.0.import_file(&path, format).await
}

#[tauri::command]
async fn settings(engine: tauri::State<'_, Engine>) -> Reply<Settings> {
    engine.0.settings_with_providers().await
}

#[tauri::command]
async fn save_settings(engine: tauri::State<'_, Engine>, edit: SettingsEdit) -> Reply<Settings> {
    engine.0.save_settings(edit).await
}

#[tauri::command]
async fn save_provider(engine: tauri::State<'_, Engine>, edit: ProviderEdit) -> Reply<Settings> {
    engine.0.save_provider(edit).await
}

#[tauri::command]
async fn delete_provider_key(engine: tauri::State<'_, Engine>, name: String) -> Reply<Settings> {
    engine.0.delete_provider_key(&name).await
}

#[tauri::command]
async fn ledger(engine: tauri::State<'_, Engine>) -> Reply<Vec<LedgerEntry>> {
    engine.0.ledger(200).await
}

#[tauri::command]
async fn insights_preview(engine: tauri::State<'_, Engine>, provider: Option<String>) -> Reply<InsightPreview> {
    engine.0.insights_preview(provider).await
}

#[tauri::command]
async fn insights_send(engine: tauri::State<'_, Engine>, provider: Option<String>) -> Reply<LedgerEntry> {
    engine.0.insights_send(provider).await
}

#[tauri::command]
async fn use_demo(engine: tauri::State<'_, Engine>, demo: bool) -> Reply<AppStatus> {
    engine.0.use_demo(demo).await
}

/// The dashboard window reports its first paint with data; the time since "Open
/// dashboard" goes to stderr (the figure the paint benchmark reads).
#[tauri::command]
fn dashboard_painted(opened: tauri::State<'_, OpenedAt>) {
    if let Some(at) = opened.0.lock().ok().and_then(|mut o| o.take()) {
        eprintln!("tally-desktop: dashboard painted {} ms after it was opened", at.elapsed().as_millis());
    }
}

/// Shows the dashboard window, creating it if it is not open.
fn open_dashboard(app: &AppHandle) {
    open_window(app, "dashboard", "index.html");
}

/// Creates (or focuses) a window; `route` picks the view (`index.html#consent`, …).
fn open_window(app: &AppHandle, label: &str, route: &str) {
    if let Some(window) = app.get_webview_window(label) {
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    if label == "dashboard" {
        if let Ok(mut at) = app.state::<OpenedAt>().0.lock() {
            *at = Some(std::time::Instant::now());
        }
    }
    let (title, width, height) = match label {
        "pulse" => ("Tally — pulse check-in", 460.0, 380.0),
        _ => ("Tally", 1180.0, 800.0),
    };
    let built = WebviewWindowBuilder::new(app, label, WebviewUrl::App(route.into()))
        .title(title)
        .inner_size(width, height)
        .min_inner_size(420.0, 320.0)
        .build();
    if let Err(e) = built {
        eprintln!("tally-desktop: cannot open the {label} window: {e}");
    }
}

/// The tray's pause item, kept to relabel it.
struct PauseItem(std::sync::Mutex<Option<MenuItem<tauri::Wry>>>);

fn refresh_tray(app: &AppHandle, view: Option<&CollectionView>) {
    let Some(view) = view else { return };
    if let Ok(item) = app.state::<PauseItem>().0.lock() {
        if let Some(item) = item.as_ref() {
            let _ = item.set_text(if view.paused { "Resume collection" } else { "Pause collection" });
            let _ = item.set_enabled(view.consented);
        }
    }
}

/// The tray: open the dashboard, quit. Built inside `catch_unwind` because a missing
/// appindicator library makes `libappindicator-sys` panic; the app runs on without a tray.
fn build_tray(app: &AppHandle) {
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> tauri::Result<()> {
        let open = MenuItem::with_id(app, "open", "Open dashboard", true, None::<&str>)?;
        let pulse = MenuItem::with_id(app, "pulse", "Pulse check-in…", true, None::<&str>)?;
        let pause = MenuItem::with_id(app, "pause", "Pause collection", true, None::<&str>)?;
        let quit = MenuItem::with_id(app, "quit", "Quit Tally", true, None::<&str>)?;
        let separator = PredefinedMenuItem::separator(app)?;
        let menu = Menu::with_items(app, &[&open, &pulse, &pause, &separator, &quit])?;
        if let Ok(mut slot) = app.state::<PauseItem>().0.lock() {
            *slot = Some(pause.clone());
        }
        let mut tray = TrayIconBuilder::with_id("tally").menu(&menu).tooltip("Tally");
        if let Some(icon) = app.default_window_icon() {
            tray = tray.icon(icon.clone());
        }
        tray.on_menu_event(|app, event| match event.id().as_ref() {
            "open" => open_dashboard(app),
            "pulse" => open_window(app, "pulse", "index.html#pulse"),
            "pause" => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let engine = app.state::<Engine>();
                    let paused = engine.0.collection().await.map(|c| c.paused).unwrap_or(false);
                    let view = engine.0.set_paused(!paused).await;
                    refresh_tray(&app, view.as_ref().ok());
                });
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
        Ok(())
    }));
    match built {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("tally-desktop: no tray icon ({e}); use the dashboard window"),
        Err(_) => {
            eprintln!("tally-desktop: no tray icon (the appindicator library is missing); use the dashboard window")
        }
    }
}

struct Args {
    options: AppOptions,
    open: bool,
    demo: bool,
}

/// `--data-dir DIR`, `--config FILE`, `--model-dir DIR`, `--policy FILE`, `--no-model`, `--require-model`
/// (refuse to start without the local model), `--demo` (open the generated demo month), `--open` (show the
/// dashboard at start; a plain start is tray-only).
fn parse_args() -> Result<Args, String> {
    let mut args = Args { options: AppOptions::default(), open: false, demo: false };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--data-dir" => args.options.data_dir = Some(value("--data-dir")?.into()),
            "--config" => args.options.config = Some(value("--config")?.into()),
            "--model-dir" => args.options.model_dir = Some(value("--model-dir")?.into()),
            "--policy" => args.options.policy = Some(value("--policy")?.into()),
            "--no-model" => args.options.no_model = true,
            "--require-model" => args.options.require_model = true,
            "--open" => args.open = true,
            "--demo" => args.demo = true,
            other => return Err(format!("unknown option `{other}` (see the README)")),
        }
    }
    Ok(args)
}

fn main() {
    tally::hardening::harden_process();
    // The tray process needs no GL, and GTK loads Mesa's whole GL stack (≈ 50 MB of
    // libLLVM) as soon as it may need it. WebKit renders the dashboard in software
    // without it. `TALLY_GL=1`, or any GDK_GL the user sets, keeps GL on.
    if std::env::var_os("GDK_GL").is_none() && std::env::var_os("TALLY_GL").is_none_or(|v| v != "1") {
        // First thing in main: no other thread exists yet to read the environment.
        std::env::set_var("GDK_GL", "disable");
    }
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("tally-desktop: {e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tally-desktop: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    tauri::async_runtime::set(runtime.handle().clone());
    let engine = match runtime.block_on(async {
        let app = App::open(args.options).await?;
        if args.demo {
            app.use_demo(true).await?;
        }
        eprintln!("tally-desktop: engine: {}", app.engine().await);
        Ok::<App, UiError>(app)
    }) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("tally-desktop: {}", e.message);
            std::process::exit(1);
        }
    };
    let open_at_start = args.open;
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| open_dashboard(app)))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None))
        .manage(Engine(engine))
        .manage(OpenedAt(std::sync::Mutex::new(None)))
        .manage(PauseItem(std::sync::Mutex::new(None)))
        .invoke_handler(tauri::generate_handler![
            status,
            dashboard,
            latest_date,
            teams_state,
            use_demo_org,
            team_dashboard,
            team_insights_preview,
            team_insights_send,
            save_png,
            export_team_csv,
            withdraw_org,
            privacy,
            export_csv,
            import_file,
            settings,
            save_settings,
            save_provider,
            delete_provider_key,
            ledger,
            insights_preview,
            insights_send,
            use_demo,
            dashboard_painted,
            collection,
            agree,
            withdraw,
            set_paused,
            pulse,
            forget,
            autostart,
        ])
        .setup(move |app| {
            build_tray(app.handle());
            let handle = app.handle().clone();
            // Nothing is collected before the employee agrees: first run shows the consent view.
            let consented = tauri::async_runtime::block_on(async {
                let engine = handle.state::<Engine>();
                match engine.0.start_collector().await {
                    Ok(view) => {
                        refresh_tray(&handle, Some(&view));
                        view.consented
                    }
                    Err(e) => {
                        eprintln!("tally-desktop: the collector did not start: {}", e.message);
                        engine.0.consent().await.map(|c| c.agreed).unwrap_or(false)
                    }
                }
            });
            #[cfg(unix)]
            {
                // SIGTERM (logout, systemd) quits like the tray's Quit, so the collector flushes.
                let quit = handle.clone();
                tauri::async_runtime::spawn(async move {
                    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                        term.recv().await;
                        quit.exit(0);
                    }
                });
            }
            // Org publish and retention, for as long as the app runs.
            let background = handle.clone();
            tauri::async_runtime::spawn(async move {
                let engine = background.state::<Engine>();
                engine.0.run_background(|note| eprintln!("tally-desktop: {note}")).await;
            });
            if !consented {
                open_window(&handle, "dashboard", "index.html#consent");
            } else if open_at_start {
                open_dashboard(&handle);
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(a) => a,
        Err(e) => {
            eprintln!("tally-desktop: cannot start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| match event {
        // Closing the last window leaves the tray app running; only Quit exits.
        RunEvent::ExitRequested { api, code: None, .. } => api.prevent_exit(),
        // Quit: the collector flushes what it holds before the process ends.
        RunEvent::Exit => {
            let engine = app.state::<Engine>();
            if let Err(e) = tauri::async_runtime::block_on(engine.0.stop_collector()) {
                eprintln!("tally-desktop: stopping the collector: {}", e.message);
            }
            if let Some(texts) = tauri::async_runtime::block_on(engine.0.analyzer()).model_texts() {
                eprintln!("tally-desktop: the local model encoded {texts} texts");
            }
        }
        _ => {}
    });
}
