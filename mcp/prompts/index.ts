import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { LegacyIdSchema } from '../../core/input/ids';
import type { ToolContext } from '../context';
import { MAPPING_URI } from '../resources/mapping';
import { latestRunUri } from '../resources/reconciliation';
import { stagingUri } from '../resources/staging';
import { objectArgument, requireMappedObject, userMessage } from './messages';

/** Guided flows: each names the tools and resources to use, in order, with the arguments filled in. */
export function registerPrompts(server: McpServer, context: ToolContext): void {
  server.registerPrompt(
    'review_fuzzy_matches',
    {
      title: 'Review the fuzzy matches of an object',
      description: 'Walk the undecided fuzzy matches of one object, judge each pair, and record approve or reject.',
      argsSchema: { object: objectArgument(context, 'Object, as named in the mapping (e.g. companies)') },
    },
    ({ object }) => {
      requireMappedObject(context, object);
      return userMessage(`Review the fuzzy matches of ${object}`, [
        `Review the fuzzy matches of ${object} that no one has decided yet.`,
        `1. Read ${latestRunUri(object)} to see when ${object} was last reconciled and how many fuzzy matches it found; if it has not been reconciled, say so and stop.`,
        `2. Call list_review_items with {"object": "${object}", "kind": "fuzzy_match", "undecidedOnly": true, "limit": 50}. While the result has a nextCursor, call it again with "cursor" set to that value, until every item has been seen.`,
        `3. For each item compare the export's values with HubSpot's in its "comparison" and weigh its "reasons" and "confidence". For more detail read its resource link, crm-bridge://staging/${object}/<legacyId>.`,
        '4. Sort the items into: clearly the same record, clearly different, and unsure. Show the user that list with a one-line reason per item before deciding anything.',
        `5. For the items the user confirms, call decide_review_item with {"object": "${object}", "legacyIds": [...], "decision": "approve" or "reject", "decidedBy": <the user's name>, "reason": <why>}. It needs a server started with --allow-writes and may ask the user to confirm; if it is refused, give the user the list to decide in the CLI (crm-bridge review decide).`,
        `6. Finish with plan_apply {"object": "${object}"} to show what applying would now send to HubSpot. Do not call apply_staging unless the user asks for it.`,
      ]);
    },
  );

  server.registerPrompt(
    'propose_mapping',
    {
      title: 'Propose a mapping between two objects',
      description:
        'Compare the fields of a source object (a legacy export table or a CRM object) with a target CRM object and propose a mapping in the format of the mapping in force.',
      argsSchema: {
        source: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .describe(
            'Source: "salesforce:<object>", "hubspot:<object>", "pipedrive:<object>", or a legacy export table name',
          ),
        target: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .describe('Target: "salesforce:<object>", "hubspot:<object>" or "pipedrive:<object>"'),
      },
    },
    ({ source, target }) =>
      userMessage(`Propose a mapping from ${source} to ${target}`, [
        `Propose a field mapping from ${source} to ${target}.`,
        `1. Read ${MAPPING_URI} to see the mapping in force: its format, and which objects and properties are mapped already.`,
        '2. Get both field lists. For a CRM object ("crm:object") call describe_schema with {"crm": <crm>, "object": <object>}. For a legacy export table, call suggest_field_mappings with {"legacyPath": <the export folder the user names>, "legacyTable": <table>, "targetTable": <the mirror table of the target>} (it reads only folders the server allows).',
        '3. When both sides are CRM objects, call suggest_field_mappings with the two schemas inline ({"source": {...}, "target": {...}}) to get a confidence and reasons for each pair.',
        '4. Check each suggestion yourself: types must fit (a date into a date field, a picklist value into one of its options), required target fields need a source, and a "no match" stays unmapped rather than forced.',
        '5. Answer with the proposed "properties" entries in the mapping\'s format ({"from": <source field>, "to": <target field>, "transform": [...]}), then a list of target fields left without a source and source fields left unmapped, each with why.',
        'Change nothing: this is a proposal for the user to review.',
      ]),
  );

  server.registerPrompt(
    'explain_conflict',
    {
      title: 'Explain why a record is in conflict',
      description:
        'Explain why one legacy record is a conflict (several target records carry its legacy ID) and what would settle it.',
      argsSchema: {
        object: objectArgument(context, 'Object, as named in the mapping (e.g. companies)'),
        legacyId: LegacyIdSchema,
      },
    },
    ({ object, legacyId }) => {
      requireMappedObject(context, object);
      return userMessage(`Explain the conflict of ${object} ${legacyId}`, [
        `Explain why the ${object} record with legacy ID ${legacyId} is in conflict, and what would settle it.`,
        `1. Read ${stagingUri(object, legacyId)} (or call lookup_by_legacy_id with {"object": "${object}", "legacyId": "${legacyId}"}). If its status is not "conflict", say what it is instead and stop.`,
        '2. "targetIds" lists every HubSpot record carrying this legacy ID, ranked by how well name, e-mail or domain agree with the export; "notes" says how they were ranked. Compare "legacyProperties" with each of "targetRecords", property by property, and say which differences matter.',
        `3. Call list_review_items with {"object": "${object}", "kind": "conflict"} and find ${legacyId} to see any decision already taken and whether it went stale.`,
        '4. To show what keeping one record would look like, call resolve_conflicts with the target records as candidates (each {"source": <record id>, "record": <its properties>}) and the rules the user prefers.',
        `5. Say which record you would keep and why. Settling it is the user's call: decide_review_item with {"object": "${object}", "legacyIds": ["${legacyId}"], "decision": "choose", "targetId": <the survivor>, "decidedBy": <the user>} (the others lose the legacy ID when applied; nothing is deleted).`,
      ]);
    },
  );
}
