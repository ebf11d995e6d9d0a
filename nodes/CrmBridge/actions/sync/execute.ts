import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import type { Connector } from '../../../../core/connectors/connector';
import { redactSecrets } from '../../../../core/db/redact';
import { describeError } from '../../../../core/errors';
import { runSync, type SyncReport } from '../../../../core/sync/engine';
import type { SyncJob, SyncSystem } from '../../../../core/sync/job';
import type { OperationContext } from '../context';
import { connectorFromCredential, credentialSecrets, CRM_CREDENTIALS } from '../crm/connection';
import { EDITOR_PARAMETER_NAMES } from './editor/schema';
import { jobFromEditor } from './editor/to-job';
import { checkChosenCrms, jobFromParameter, streamsFromParameter } from './parameters';

async function openEnd(fns: IExecuteFunctions, crm: SyncSystem, secrets: string[]): Promise<Connector> {
  if (crm === 'postgres')
    throw new NodeOperationError(
      fns.getNode(),
      'A job with postgres (the CRM mirror) as one end is run by Mirror > Refresh, not by Sync',
    );
  const data = await fns.getCredentials(CRM_CREDENTIALS[crm]);
  secrets.push(...credentialSecrets(data));
  return connectorFromCredential(crm, data);
}

/** Nodes of version 1 had only the JSON job; from 1.1 the job is built in the editor unless JSON is chosen. */
function jobOf(fns: IExecuteFunctions): SyncJob {
  const fallback = fns.getNode().typeVersion >= 1.1 ? 'editor' : 'json';
  if (fns.getNodeParameter('jobSource', 0, fallback) === 'json')
    return jobFromParameter(fns.getNodeParameter('job', 0));
  return jobFromEditor(
    Object.fromEntries(EDITOR_PARAMETER_NAMES.map((n) => [n, fns.getNodeParameter(n, 0, undefined)])),
  );
}

/** Stream errors and record reasons come from the CRMs' answers and drivers; they pass the same redaction as thrown errors. */
export function redactReport(report: SyncReport, secrets: string[]): SyncReport {
  return {
    ...report,
    headline: redactSecrets(report.headline, secrets),
    streams: report.streams.map((s) => ({
      ...s,
      ...(s.error ? { error: redactSecrets(s.error, secrets) } : {}),
      problems: s.problems.map((p) => ({ ...p, reason: redactSecrets(p.reason, secrets) })),
    })),
  };
}

/**
 * Runs (or plans) the job once per execution, whatever the number of input items: a sync job reads its own source,
 * so items only start it. Each stream runs under its Postgres advisory lock, so queue-mode workers, CLI processes and
 * this node can run the same job at once; a stream another process is running comes back as `busy`.
 */
export async function executeSync(
  this: IExecuteFunctions,
  context: OperationContext,
  dryRun: boolean,
): Promise<INodeExecutionData[]> {
  const secrets: string[] = [];
  try {
    const job = jobOf(this);
    checkChosenCrms(this.getNodeParameter('crm', 0), job);
    const streams = streamsFromParameter(this.getNodeParameter('streams', 0, ''));
    const planLimit = Math.max(0, Math.floor(Number(this.getNodeParameter('planLimit', 0, dryRun ? 1000 : 0))));
    const planItems = this.getNodeParameter('planItems', 0, false) as boolean;
    const full = this.getNodeParameter('full', 0, false) as boolean;
    const allowMassDelete = this.getNodeParameter('allowMassDelete', 0, false) as boolean;
    const [source, target] = [await openEnd(this, job.source, secrets), await openEnd(this, job.target, secrets)];
    const db = await context.db();
    const signal = this.getExecutionCancelSignal?.();
    const report = redactReport(
      await runSync({
        db,
        job,
        source,
        target,
        dryRun,
        full,
        planLimit,
        ...(allowMassDelete ? { allowMassDelete } : {}),
        ...(streams ? { streams } : {}),
        ...(signal ? { signal } : {}),
      }),
      secrets,
    );
    const { plan, ...summary } = report;
    // Nothing went through (every stream stopped, or every record failed): the node fails with the reasons, unless
    // the workflow continues on fail. A partial run comes out with status `partial` and its headline.
    if (report.status === 'failed' && !this.continueOnFail())
      throw new NodeOperationError(this.getNode(), report.headline);
    const out: INodeExecutionData[] = [
      {
        json: {
          ...summary,
          planLines: plan.length,
          ...(planItems ? {} : { plan }),
          ...(report.status === 'failed' ? { error: report.headline } : {}),
        } as unknown as IDataObject,
        pairedItem: { item: 0 },
      },
    ];
    if (planItems)
      for (const line of plan)
        out.push({ json: { runId: report.runId, dryRun, ...line } as unknown as IDataObject, pairedItem: { item: 0 } });
    return out;
  } catch (error) {
    if (error instanceof NodeOperationError) throw error;
    const message = redactSecrets(describeError(error), secrets);
    if (this.continueOnFail()) return [{ json: { error: message }, pairedItem: { item: 0 } }];
    throw new NodeOperationError(this.getNode(), message);
  }
}
