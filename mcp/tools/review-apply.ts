import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { applyStaging, type ApplyTarget } from '../../core/apply/apply';
import { ApplyInputSchema, ApplyReportSchema, type ApplyReport } from '../../core/apply/schemas';
import { loadConnections, openConnector } from '../../core/connectors/registry';
import { decideReviewItems, listReviewItems } from '../../core/review/review';
import {
  DecideInputSchema,
  DecideResultSchema,
  ReviewListInputSchema,
  ReviewListSchema,
} from '../../core/review/schemas';
import { requireWrites, type ToolContext } from '../context';
import { failure, success } from '../tool-result';

async function hubspot(): Promise<ApplyTarget> {
  return (await openConnector('hubspot', loadConnections(undefined, process.env))) as unknown as ApplyTarget;
}

function summary(r: ApplyReport): string {
  const c = r.counts;
  const verb = r.dryRun ? 'would create' : 'created';
  return r.dryRun
    ? `${r.object} plan: ${verb} ${c.creates}, update ${c.updates}, link ${c.links} approved fuzzy match(es), settle ${c.survivors} conflict(s); ${c.heldBack} held back (${
        Object.entries(r.heldBackReasons)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ') || 'none'
      }), ${c.inAgreement} already in agreement, ${c.orphans} orphan(s) left alone`
    : `${r.object} ${r.status}: created ${c.created}, updated ${c.updated}, already there ${c.unchanged}, refused ${c.failed}${r.failures.length ? ` (e.g. ${r.failures[0]!.legacyId}: ${r.failures[0]!.error})` : ''}; ${c.heldBack} held back`;
}

/** Review of what reconcile could not decide, and applying staging to HubSpot (writes refused without --allow-writes). */
export function registerReviewApplyTools(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'list_review_items',
    {
      title: 'List fuzzy matches and conflicts waiting for review',
      description:
        'The records reconcile could not decide for an object: fuzzy matches (a HubSpot record found by resemblance, ' +
        'with confidence and per-field reasons) and conflicts (several HubSpot records carry the legacy ID), each with ' +
        "the export's and HubSpot's values side by side, and any decision taken (stale when the records changed since). " +
        "Pages with `after` = the previous page's nextCursor.",
      inputSchema: ReviewListInputSchema,
      outputSchema: ReviewListSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        const list = await listReviewItems(await context.db(), context.mapping, input);
        const c = list.counts;
        return success(
          list,
          `${list.object}: ${c.fuzzyMatch} fuzzy match(es), ${c.conflict} conflict(s); ${c.decided} decided (${c.stale} stale); ${list.items.length} listed${list.nextCursor ? `, more after ${list.nextCursor}` : ''}`,
        );
      } catch (error) {
        return failure(error);
      }
    },
  );

  server.registerTool(
    'decide_review_item',
    {
      title: 'Record a review decision',
      description:
        'Approves or rejects fuzzy matches (approve: apply writes the legacy ID onto that HubSpot record and updates ' +
        'it; reject: apply creates a new record instead), or settles a conflict by choosing the surviving HubSpot record ' +
        '(the others lose the legacy ID and are reported, never deleted). Kept with who decided and why; it holds until ' +
        'either record changes. Writes to the staging database only, never to a CRM; only when the server was started ' +
        'with --allow-writes.',
      inputSchema: DecideInputSchema,
      outputSchema: DecideResultSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        requireWrites(context, 'decide_review_item records decisions that apply_staging acts on');
        const result = await decideReviewItems(await context.db(), context.mapping, input);
        const text = `${result.decided.length} decided${result.refused.length ? `; refused: ${result.refused.map((r) => `${r.legacyId} (${r.reason})`).join('; ')}` : ''}`;
        return result.refused.length && !result.decided.length
          ? { ...success(result, text), isError: true }
          : success(result, text);
      } catch (error) {
        return failure(error);
      }
    },
  );

  const PlanInput = ApplyInputSchema.omit({ dryRun: true });
  server.registerTool(
    'plan_apply',
    {
      title: 'Plan applying staging to HubSpot (dry run)',
      description:
        'What apply_staging would send to HubSpot for an object: creates, updates field by field (old -> new), approved ' +
        'links, settled conflicts, and what is held back (undecided fuzzy matches and conflicts, quarantined rows). ' +
        "Reads HubSpot's schema to check every property exists; writes nothing anywhere. Connection from HUBSPOT_* " +
        'environment variables.',
      inputSchema: PlanInput,
      outputSchema: ApplyReportSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    async (input) => {
      try {
        const report = await applyStaging(await context.db(), {
          ...input,
          planLimit: input.planLimit ?? 200,
          dryRun: true,
          mapping: context.mapping,
          target: await hubspot(),
        });
        return success(report, summary(report));
      } catch (error) {
        return failure(error);
      }
    },
  );

  server.registerTool(
    'apply_staging',
    {
      title: 'Apply staging to HubSpot (writes to the CRM)',
      description:
        "Sends an object's staging to HubSpot: creates by the unique legacy-ID property (no twins on retry), updates, " +
        'approved links and settled conflicts, with associations to parents; every write is audited, refusals are kept ' +
        "with HubSpot's reason and retried next time, and a second run writes nothing. Only when the server was started " +
        'with --allow-writes. Plan first with plan_apply.',
      inputSchema: PlanInput,
      outputSchema: ApplyReportSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async (input) => {
      try {
        requireWrites(context, 'apply_staging writes to HubSpot', 'plan_apply');
        const report = await applyStaging(await context.db(), {
          ...input,
          dryRun: false,
          mapping: context.mapping,
          target: await hubspot(),
        });
        const result = success(report, summary(report));
        return report.status === 'succeeded' ? result : { ...result, isError: true };
      } catch (error) {
        return failure(error);
      }
    },
  );
}
