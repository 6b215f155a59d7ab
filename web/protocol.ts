// Messages between the page and the analysis worker.
import type { AnalyzeReport, FixReport, InspectReport } from "./report.js";

export type Source =
  | { kind: "file"; file: File }
  | { kind: "url"; url: string }
  | { kind: "bytes"; name: string; bytes: Uint8Array };

export type Request =
  | { id: number; type: "open"; source: Source }
  | { id: number; type: "analyze"; options: object; levels: number[] }
  | { id: number; type: "analyze-all"; options: object; levels: number[]; gpu: object }
  | { id: number; type: "analyze-gpu"; delegate: string; gpu: object }
  | { id: number; type: "fix"; options: object }
  | { id: number; type: "fixed-bytes" }
  | { id: number; type: "fix-markdown" }
  | { id: number; type: "model-bytes" };

export interface Opened {
  name: string;
  size: number;
  sha256: string;
  inspect: InspectReport;
}

export type Reply =
  | { id: 0; type: "ready"; version: string }
  | { id: number; type: "progress"; loaded: number; total: number }
  | { id: number; type: "opened"; opened: Opened }
  | { id: number; type: "analysis"; report: AnalyzeReport }
  | { id: number; type: "fixed"; report: FixReport }
  | { id: number; type: "bytes"; bytes: Uint8Array }
  | { id: number; type: "markdown"; text: string }
  | { id: number; type: "error"; message: string };
