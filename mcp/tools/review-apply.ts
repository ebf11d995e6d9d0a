import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { z } from 'zod';
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
import { askToConfirm, canAsk, notConfirmed } from '../confirm';
import { requireWrites, type ToolContext } from '../context';
import { progressOf, type Extra } from '../progress';
import { stagingUri } from '../resources/staging';
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

const PlanInput = ApplyInputSchema.omit({ dryRun: true });

/** The dry run plan_apply returns, and apply_staging shows for confirmation. */
async function plan(context: ToolContext, input: z.infer<typeof PlanInput>, extra: Extra): Promise<ApplyReport> {
  return applyStaging(await context.db(), {
    ...input,
    planLimit: input.planLimit ?? 200,
    dryRun: true,
    mapping: context.mapping,
    target: await hubspot(),
    signal: extra.signal,
  });
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
        "Pages: pass the previous page's nextCursor back as `cursor`. Each item also comes as a resource link " +
        '(crm-bridge://staging/{object}/{legacyId}) to read one record in full.',
      inputSchema: ReviewListInputSchema,
      outputSchema: ReviewListSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        const list = await listReviewItems(await context.db(), context.mapping, input);
        const c = list.counts;
        const answer = success(
          list,
          `${list.object}: ${c.fuzzyMatch} fuzzy match(es), ${c.conflict} conflict(s); ${c.decided} decided (${c.stale} stale); ${list.items.length} listed${list.nextCursor ? `; more follow, continue with cursor ${list.nextCursor}` : ''}`,
        );
        answer.content.push(
          ...list.items.map((item) => ({
            type: 'resource_link' as const,
            uri: stagingUri(list.object, item.legacyId),
            name: `${list.object}/${item.legacyId}`,
            description: `${item.status}${item.confidence === null ? '' : ` (confidence ${item.confidence})`}${item.decision ? `, decided: ${item.decision.decision}${item.decision.stale ? ' (stale)' : ''}` : ''}`,
            mimeType: 'application/json',
          })),
        );
        return answer;
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
        'either record changes; a new decision on an item replaces the one before. Writes to the staging database only, ' +
        'never to a CRM; only when the server was started with --allow-writes, and after the user confirms when the ' +
        'client can ask.',
      inputSchema: DecideInputSchema,
      outputSchema: DecideResultSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (input, extra) => {
      try {
        requireWrites(context, 'decide_review_item records decisions that apply_staging acts on');
        if (canAsk(server)) {
          const ids = input.legacyIds.map(String);
          const plan = `Record "${input.decision}"${input.targetId !== undefined ? ` (survivor ${input.targetId})` : ''} for ${ids.length} ${input.object} item(s): ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''}, decided by ${input.decidedBy}${input.reason ? ` (${input.reason})` : ''}.`;
          const { confirmed, answer } = await askToConfirm(server, extra, plan);
          if (!confirmed)
            return notConfirmed('decide_review_item', answer, {
              object: input.object,
              decided: [],
              refused: ids.map((legacyId) => ({ legacyId, reason: 'not confirmed by the user' })),
            });
        }
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
    async (input, extra) => {
      try {
        const report = await plan(context, input, extra);
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
        'with --allow-writes; a client that can ask the user is shown the plan first and writes happen only once the ' +
        'user confirms. Plan first with plan_apply.',
      inputSchema: PlanInput,
      outputSchema: ApplyReportSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async (input, extra) => {
      try {
        requireWrites(context, 'apply_staging writes to HubSpot', 'plan_apply');
        if (canAsk(server)) {
          const planned = await plan(context, { ...input, planLimit: input.planLimit ?? 20 }, extra);
          const { confirmed, answer } = await askToConfirm(server, extra, `Apply to HubSpot: ${summary(planned)}`);
          if (!confirmed) return notConfirmed('apply_staging', answer, planned);
        }
        const progress = progressOf(extra);
        const report = await applyStaging(await context.db(), {
          ...input,
          dryRun: false,
          mapping: context.mapping,
          target: await hubspot(),
          signal: extra.signal,
          onProgress: (done) => progress.report('written', done, `${done} record(s) written`),
        });
        const result = success(report, summary(report));
        return report.status === 'succeeded' ? result : { ...result, isError: true };
      } catch (error) {
        return failure(error);
      }
    },
  );
}
