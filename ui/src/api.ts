// The one module that talks to the engine: a typed wrapper per Tauri command.
// Types mirror the engine's serde output (src/app/, src/dashboard.rs, src/store/ledger.rs).
import { invoke } from "@tauri-apps/api/core";

export type Range = "day" | "week" | "month";

export interface UiError {
  message: string;
  field?: string;
}

export interface AppStatus {
  data_dir: string;
  demo: boolean;
  engine: string;
  config_path: string;
  admin: boolean;
}

export interface Figures {
  active_hours: number;
  focus_hours: number;
  meeting_hours: number;
  ai_tools_share: number;
  switches_per_hour: number;
  events: number;
  sentiment: [number, number, number];
  sentiment_mean: number | null;
}

export interface Point {
  start: string;
  hours_by_category: number[];
  figures: Figures;
}

export interface Dashboard {
  range: Range;
  from: string;
  to: string;
  time_zone: string;
  teams: string[];
  team: string | null;
  categories: string[];
  /** The shortest deep-work block that counts as focus, in minutes. */
  focus_block_minutes: number;
  points: Point[];
  totals: Figures;
}

export interface TableView {
  name: string;
  columns: string[];
  rows: string[][];
  total_rows: number;
}

export interface LedgerEntry {
  id: number;
  at: string;
  purpose: string;
  scope: string | null;
  period_start: string | null;
  period_end: string | null;
  provider: string;
  kind: string;
  model: string;
  endpoint: string;
  payload: string | null;
  payload_sha256: string;
  outcome: "sent" | "failed" | "blocked";
  left_machine: boolean;
  http_status: number | null;
  attempts: { waited_ms: number; status?: number; failure?: string; elapsed_ms: number }[];
  response: string | null;
  response_redactions: Record<string, number>;
  error: string | null;
}

export interface PrivacyView {
  tables: TableView[];
  redactions_by_label: Record<string, number>;
  exclusions: { apps: string[]; titles: string[]; urls: string[]; private_windows: boolean };
  ledger: LedgerEntry[];
  redactors: { redactor: string; first_bucket: number; last_bucket: number; buckets: number }[];
  org: OrgStatus;
}

export interface OrgStatus {
  org: string | null;
  team: string | null;
  sink: string | null;
  install_id: string | null;
  k: number;
  admin: boolean;
  problem: string | null;
  team_status: { team: string; enrolled: number; roster: number | null } | null;
  team_status_error: string | null;
  admin_sees_daily_cells: boolean;
}

export type TeamPeriod = "day" | "week" | "month";
/** The rows of a CSV report (the engine refuses any other word). */
export type ReportPeriod = "hour" | "day" | "week";
/** What an imported file holds. */
export type ImportFormat = "aw" | "csv" | "jsonl";

export interface Measures {
  active_seconds: number;
  focus_seconds: number;
  events: number;
  switches: number;
  sentiment_negative: number;
  sentiment_neutral: number;
  sentiment_positive: number;
}

export interface TeamCell {
  period_start: string;
  team: string;
  category: string;
  contributors: number;
  measures: Measures;
  /** `measures.active_seconds` and `focus_seconds` in hours. */
  active_hours: number;
  focus_hours: number;
  /** The privacy budget this cell's noise spent; null without noise. */
  epsilon: number | null;
}

/** How noise was added: ε per released cell, the days a cell covers, each measure's scale. */
export interface NoiseStatement {
  epsilon: number;
  days: number;
  scales: number[];
}

/** What a team report and its trends both state: whose cells, which range, k, the noise. */
export interface ReleaseScope {
  org: string;
  period: TeamPeriod;
  from: string;
  to: string;
  k: number;
  noise: NoiseStatement | null;
}

export interface TeamReport extends ReleaseScope {
  teams: TeamCell[];
  org_cells: TeamCell[];
  skipped_files: number;
  skipped_cells: number;
  refused_enrolments: number;
}

export interface TeamsState {
  /** The generated demo organisation is shown instead of the policy's. */
  demo: boolean;
  policy: boolean;
  problem: string | null;
  admin: boolean;
  org: string | null;
  sink: string | null;
  endpoint: string | null;
  first_day: string | null;
  last_day: string | null;
}

/** One period of a team's (or the organisation's) trend; null is a gap (nothing released). */
export interface TrendPoint {
  period_start: string;
  hours: (number | null)[];
  contributors: (number | null)[];
  active_hours: number | null;
  focus_share: number | null;
  meeting_share: number | null;
  ai_share: number | null;
  switches_per_hour: number | null;
  sentiment_balance: number | null;
  contributors_min: number | null;
  contributors_max: number | null;
}

export interface TrendSeries {
  team: string;
  points: TrendPoint[];
  typical_error_hours: number | null;
  typical_error_share: number | null;
}

export interface Trends extends ReleaseScope {
  gap_reason: string;
  periods: string[];
  categories: string[];
  teams: TrendSeries[];
  org_series: TrendSeries;
}

export interface TeamDashboard {
  demo: boolean;
  trends: Trends;
  report: TeamReport;
  csv_header: string[];
  csv_rows: string[][];
}

export interface WorkingHours {
  start: string;
  end: string;
  days: string[];
}

export interface RuleEdit {
  category: string;
  app: string;
  title: string;
  url: string;
  priority: number | null;
}

export interface ProviderView {
  name: string;
  kind: string;
  base_url: string;
  model: string;
  max_tokens: number;
  timeout_secs: number;
  is_default: boolean;
  has_key: boolean;
}

export interface Settings {
  team: string;
  timezone: string;
  working_hours: WorkingHours;
  idle_timeout_minutes: number;
  retention_days: number | null;
  rules: RuleEdit[];
  providers: ProviderView[];
  config_path: string;
  /** The engine's categories, in its order. */
  categories: string[];
}

export interface SettingsEdit {
  team: string;
  timezone: string;
  working_hours: WorkingHours;
  idle_timeout_minutes: number;
  retention_days: number | null;
  rules: RuleEdit[];
}

export interface ProviderEdit {
  name: string;
  kind: string;
  base_url: string;
  model: string;
  max_tokens: number | null;
  timeout_secs: number | null;
  key: string | null;
  make_default: boolean;
}

export interface ImportReport {
  imported: number;
  skipped: number;
  replaced: number;
  already_imported: boolean;
  problems: string[];
}

export interface CollectionView {
  consented: boolean;
  paused: boolean;
  running: boolean;
  titles_available: boolean;
  note: string | null;
  last_error: string | null;
}

export interface PulseOutcome {
  category: string;
  sentiment: string;
  redactions: Record<string, number> | number[] | unknown;
}

export interface Forgotten {
  buckets: number;
  redaction_counts: number;
  checkpoints: number;
}

export interface InsightPreview {
  provider: string | null;
  endpoint: string | null;
  body: string;
  sha256: string;
  findings: string[];
  week: string;
}

/** Calls a command; a rejected call carries the engine's `UiError`. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (typeof e === "object" && e !== null && "message" in e) throw e as UiError;
    throw { message: String(e) } as UiError;
  }
}

export const api = {
  status: () => call<AppStatus>("status"),
  dashboard: (range: Range, to: string | null, team: string | null) =>
    call<Dashboard>("dashboard", { range, to, team }),
  latestDate: () => call<string | null>("latest_date"),
  exportTeamCsv: (path: string, from: string, to: string, by: TeamPeriod) =>
    call<number>("export_team_csv", { path, from, to, by }),
  teamsState: () => call<TeamsState>("teams_state"),
  useDemoOrg: (on: boolean) => call<TeamsState>("use_demo_org", { on }),
  teamDashboard: (from: string, to: string, by: TeamPeriod) => call<TeamDashboard>("team_dashboard", { from, to, by }),
  teamInsightsPreview: (weekOf: string | null, provider: string | null) =>
    call<InsightPreview>("team_insights_preview", { weekOf, provider }),
  teamInsightsSend: (weekOf: string | null, provider: string | null) =>
    call<LedgerEntry>("team_insights_send", { weekOf, provider }),
  savePng: (path: string, png: number[]) => call<number>("save_png", { path, png }),
  withdrawOrg: () => call<number>("withdraw_org"),
  privacy: () => call<PrivacyView>("privacy"),
  exportCsv: (path: string, from: string, to: string, by: ReportPeriod) =>
    call<number>("export_csv", { path, from, to, by }),
  importFile: (path: string, format: ImportFormat) => call<ImportReport>("import_file", { path, format }),
  settings: () => call<Settings>("settings"),
  saveSettings: (edit: SettingsEdit) => call<Settings>("save_settings", { edit }),
  saveProvider: (edit: ProviderEdit) => call<Settings>("save_provider", { edit }),
  deleteProviderKey: (name: string) => call<Settings>("delete_provider_key", { name }),
  ledger: () => call<LedgerEntry[]>("ledger"),
  insightsPreview: (provider: string | null) => call<InsightPreview>("insights_preview", { provider }),
  insightsSend: (provider: string | null) => call<LedgerEntry>("insights_send", { provider }),
  useDemo: (demo: boolean) => call<AppStatus>("use_demo", { demo }),
  dashboardPainted: () => call<void>("dashboard_painted"),
  collection: () => call<CollectionView>("collection"),
  agree: () => call<CollectionView>("agree"),
  withdraw: () => call<CollectionView>("withdraw"),
  setPaused: (paused: boolean) => call<CollectionView>("set_paused", { paused }),
  pulse: (text: string, mood: number | null) => call<PulseOutcome>("pulse", { text, mood }),
  forget: (from: string | null, to: string | null) => call<Forgotten>("forget", { from, to }),
  autostart: (enable: boolean | null) => call<boolean>("autostart", { enable }),
};
