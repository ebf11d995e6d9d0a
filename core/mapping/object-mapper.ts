import { UsageError } from '../errors';
import type { MappingConfig, ObjectMapping, PropertyMapping } from './mapping-config';
import { parseTemplate } from './template';
import type { Value } from '../connectors/connector';
import { applyChain, compileTransform, type Transform, type TransformDefaults } from './transforms';

export interface FieldIssue {
  /** Legacy column the value came from. */
  field: string;
  /** Target property it was meant for. */
  property: string;
  value: string;
  reason: string;
}

export interface MappedRecord {
  /** Target property -> value, only for properties whose value could be converted. */
  values: Record<string, Value>;
  issues: FieldIssue[];
}

interface CompiledProperty {
  /** Legacy column(s) the value comes from; several for a template. */
  columns: string[];
  read(row: Record<string, Value | undefined>): Value;
  to: string;
  chain: Transform[];
  /** The one transform a target value goes through, when it can vouch for a result without the work ({@link Transform.yields}). */
  targetYields?: (raw: string, canonical: string) => boolean;
}

/**
 * A list of property mappings (column or template or constant, then transforms), compiled once per run so each
 * record costs only the transforms themselves. Sync streams use it as is; reconcile uses {@link ObjectMapper}.
 */
export class PropertyMapper {
  private readonly properties: CompiledProperty[];
  private readonly byTarget: Map<string, CompiledProperty>;
  /** Built once: classify reads these for every record. */
  private readonly targets: readonly string[];
  private readonly compareKeys: Map<string, (value: string) => string>;

  /** `defaults`: what the transforms are compiled with (phone country, date order, decimal mark, value maps). */
  constructor(properties: PropertyMapping[], defaults: TransformDefaults = {}) {
    this.properties = properties.map((p) => {
      const chain = p.transform.map((t) => compileTransform(t, defaults));
      const forTarget = chain.filter((t) => t.normalisesTarget);
      const targetYields = forTarget.length === 1 ? forTarget[0]!.yields : undefined;
      const compiled = { to: p.to, chain, targetYields };
      if (p.value !== undefined) {
        const constant = p.value;
        return { ...compiled, columns: [], read: () => constant };
      }
      if (p.template !== undefined) {
        const template = parseTemplate(p.template);
        return { ...compiled, columns: template.columns, read: (row) => template.render(row) };
      }
      const from = p.from!;
      return { ...compiled, columns: [from], read: (row) => row[from] ?? null };
    });
    this.byTarget = new Map(this.properties.map((p) => [p.to, p]));
    this.targets = this.properties.map((p) => p.to);
    this.compareKeys = new Map();
    for (const p of this.byTarget.values()) {
      const key = p.chain.at(-1)?.compareKey;
      if (key) this.compareKeys.set(p.to, key);
    }
  }

  /** The source columns the properties read, each once. */
  get sourceColumns(): string[] {
    return [...new Set(this.properties.flatMap((p) => p.columns))];
  }

  get targetProperties(): readonly string[] {
    return this.targets;
  }

  map(row: Record<string, Value | undefined>): MappedRecord {
    const values: Record<string, Value> = {};
    const issues: FieldIssue[] = [];
    for (const p of this.properties) {
      const raw = p.read(row);
      const result = applyChain(p.chain, raw);
      if (result.ok) values[p.to] = result.value;
      else issues.push({ field: p.columns.join('+'), property: p.to, value: raw ?? '', reason: result.reason });
    }
    return { values, issues };
  }

  /** Whether a mapped legacy value and a normalised target value state the same fact. */
  sameValue(property: string, legacy: Value, target: Value): boolean {
    if (legacy === target) return true;
    if (legacy === null || target === null) return false;
    const key = this.compareKeys.get(property);
    return key ? key(legacy) === key(target) : false;
  }

  /**
   * Brings a target value into the same canonical form as a mapped legacy value, so a phone stored as
   * "020 7946 0000" and one mapped to "+442079460000" compare equal. Values it cannot parse compare as written.
   */
  normaliseTarget(property: string, value: Value): Value {
    const p = this.byTarget.get(property);
    if (!p || value === null) return value === '' ? null : value;
    const result = applyChain(p.chain, value, true);
    return result.ok ? result.value : value.trim() || null;
  }

  /**
   * {@link normaliseTarget} for a target value about to be compared with `legacy`, the mapped legacy value: the same
   * result, without normalising when the property's transform can vouch that the target value comes out as `legacy`.
   */
  canonicalTarget(property: string, value: Value, legacy: Value): Value {
    if (value !== null && legacy !== null && this.byTarget.get(property)?.targetYields?.(value, legacy)) return legacy;
    return this.normaliseTarget(property, value);
  }
}

/** The mapping of one object of a reconcile mapping config: its properties, plus its legacy ID column and target. */
export class ObjectMapper extends PropertyMapper {
  readonly object: string;
  readonly spec: ObjectMapping;

  constructor(config: MappingConfig, object: string) {
    const spec = config.objects[object];
    if (!spec) {
      throw new UsageError(
        `Object "${object}" is not in the mapping config (it has: ${Object.keys(config.objects).join(', ')})`,
      );
    }
    super(spec.properties, { ...config.defaults, valueMaps: config.valueMaps });
    this.object = object;
    this.spec = spec;
  }

  /** The legacy ID column, then the columns the properties read. */
  get legacyColumns(): string[] {
    return [this.spec.legacy.idColumn, ...this.sourceColumns];
  }
}
