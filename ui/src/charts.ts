// Chart.js, registered with only the parts the dashboard uses.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { locale } from "./dom";

Chart.register(BarController, BarElement, CategoryScale, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip);
Chart.defaults.locale = locale;
Chart.defaults.animation = false;
Chart.defaults.font.family = "DejaVu Sans, system-ui, sans-serif";

export const CATEGORY_COLORS: Record<string, string> = {
  deep_work: "#2f6f5e",
  communication: "#3f7cbf",
  meetings: "#d08b2e",
  planning: "#8a63b8",
  research: "#4aa3a1",
  admin: "#9a9a9a",
  ai_tools: "#d2557a",
  non_work: "#c7b36b",
  uncategorized: "#cfcfcf",
};

/** A chart's container; `chart` is the drawn Chart (its `data` is what is plotted). */
export interface ChartBox extends HTMLDivElement {
  chart?: Chart;
}

/** Draws a chart into a new canvas and returns its container. */
export function chart(config: ChartConfiguration, testid: string): ChartBox {
  const canvas = document.createElement("canvas");
  const box: ChartBox = document.createElement("div");
  box.className = "chart";
  box.dataset.testid = testid;
  box.append(canvas);
  // Chart.js measures its parent, so draw once the box is in the document.
  requestAnimationFrame(() => {
    box.chart = new Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, ...config.options } });
  });
  return box;
}
