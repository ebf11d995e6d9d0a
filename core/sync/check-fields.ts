import type { Connector, ObjectSchema } from '../connectors/connector';
import { parseTemplate } from '../mapping/template';
import type { Stream, SyncJob } from './job';

/** A job that names fields its CRMs do not have; exit code 2 like any invalid mapping, every bad entry named. */
export class JobFieldsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The sync job names fields its CRMs do not have, so nothing was written:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

const CRM_NAMES: Record<string, string> = {
  salesforce: 'Salesforce',
  hubspot: 'HubSpot',
  pipedrive: 'Pipedrive',
  dynamics: 'Dynamics',
  postgres: 'the Postgres mirror',
};

/**
 * How each CRM matches a field name: Salesforce API names are case-insensitive; Pipedrive takes a custom field by its
 * 40-hex key or by the name shown in Pipedrive (any case), as its connector does; HubSpot property names and Dynamics
 * logical names are exact.
 */
function finder(system: string, schema: ObjectSchema): (name: string) => boolean {
  const exact = new Set(schema.fields.map((f) => f.name));
  const lower = new Set(schema.fields.map((f) => f.name.toLowerCase()));
  const labels = new Set(schema.fields.flatMap((f) => (f.label ? [f.label.toLowerCase()] : [])));
  if (system === 'salesforce') return (name) => lower.has(name.toLowerCase());
  if (system === 'pipedrive')
    return (name) => exact.has(name) || lower.has(name.toLowerCase()) || labels.has(name.toLowerCase());
  if (system === 'dynamics') {
    // A lookup is written through its navigation property: `parentcustomerid_account@odata.bind`.
    const lookups = schema.fields.filter((f) => f.format === 'reference').map((f) => f.name);
    return (name) => {
      if (exact.has(name)) return true;
      const nav = name.endsWith('@odata.bind') ? name.slice(0, -'@odata.bind'.length) : null;
      return nav !== null && lookups.some((l) => nav === l || nav.startsWith(`${l}_`));
    };
  }
  return (name) => exact.has(name);
}

interface Wanted {
  side: 'source' | 'target';
  path: string;
  field: string;
}

/** Every field a stream names, with the path of the job entry that names it. */
function fieldsNamed(stream: Stream, index: number): Wanted[] {
  const at = `streams[${index}]`;
  const out: Wanted[] = [{ side: 'target', path: `${at}.target.key`, field: stream.target.key }];
  if (stream.source.key) out.push({ side: 'source', path: `${at}.source.key`, field: stream.source.key });
  stream.source.filter.forEach((c, i) =>
    out.push({ side: 'source', path: `${at}.source.filter[${i}].field`, field: c.field }),
  );
  stream.properties.forEach((p, i) => {
    if (p.from !== undefined) out.push({ side: 'source', path: `${at}.properties[${i}].from`, field: p.from });
    if (p.template !== undefined)
      for (const column of parseTemplate(p.template).columns)
        out.push({ side: 'source', path: `${at}.properties[${i}].template`, field: column });
    out.push({ side: 'target', path: `${at}.properties[${i}].to`, field: p.to });
  });
  stream.references.forEach((r, i) => {
    out.push({ side: 'source', path: `${at}.references[${i}].from`, field: r.from });
    out.push({ side: 'target', path: `${at}.references[${i}].to`, field: r.to });
  });
  if (stream.deleteFlag) out.push({ side: 'target', path: `${at}.deleteFlag.field`, field: stream.deleteFlag.field });
  return out;
}

/**
 * Describes the source and target object of each stream and checks every field the job names against them, before
 * anything is read or written: a target field that does not exist would otherwise fail every record of the run, and a
 * source field that does not exist would stop the stream. Describes are cached by the connectors, so a watching
 * process pays for them once.
 */
export async function checkJobFields(
  job: SyncJob,
  streams: Stream[],
  source: Connector,
  target: Connector,
): Promise<void> {
  const schemas = new Map<string, Promise<ObjectSchema>>();
  const describe = (connector: Connector, object: string) => {
    const key = `${connector.system}:${object}`;
    if (!schemas.has(key)) schemas.set(key, connector.describe(object));
    return schemas.get(key)!;
  };
  const problems: string[] = [];
  for (const stream of streams) {
    const index = job.streams.indexOf(stream);
    const sides = {
      source: {
        connector: source,
        object: stream.source.object,
        has: finder(job.source, await describe(source, stream.source.object)),
      },
      target: {
        connector: target,
        object: stream.target.object,
        has: finder(job.target, await describe(target, stream.target.object)),
      },
    };
    for (const w of fieldsNamed(stream, index)) {
      const side = sides[w.side];
      if (!side.has(w.field))
        problems.push(
          `${w.path}: ${CRM_NAMES[side.connector.system] ?? side.connector.system} ${side.object} has no field "${w.field}" (${w.side} of stream ${stream.name})`,
        );
    }
  }
  if (problems.length) throw new JobFieldsError(problems);
}
