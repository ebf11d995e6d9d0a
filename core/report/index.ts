/** `crm-bridge report`: one self-contained HTML page of what staging, quarantine, apply and the run log hold. */
export { writeReport, summarise } from './write-report';
export { readReportData } from './report-data';
export { renderPage } from './page';
export {
  ReportInputSchema,
  ReportResultSchema,
  ObjectSummarySchema,
  type ReportInput,
  type ReportResult,
  type ObjectSummary,
  type ReportData,
  type ObjectReport,
} from './schemas';
