import type { AttributeDef, EntityDef } from './entities';
import { CODES, DataverseFault } from './errors';

/** A stored value: text, number, boolean, an ISO time (to the millisecond) or null. */
export type Stored = string | number | boolean | null;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (s: string): boolean => GUID.test(s);

const badLiteral = (entity: EntityDef, attr: AttributeDef, value: unknown, edm: string) =>
  new DataverseFault(
    400,
    CODES.badRequest,
    `Error identified in Payload provided by the user for Entity :'${entity.entitySetName}' ----> InnerException : Microsoft.OData.ODataException: Cannot convert the literal '${String(value)}' to the expected type '${edm}'.`,
  );

/** One written value checked against its column, as Dataverse would refuse it. */
export function checkValue(entity: EntityDef, attr: AttributeDef, value: unknown): Stored {
  if (value === null) return null;
  switch (attr.type) {
    case 'String':
    case 'Memo': {
      if (typeof value !== 'string') throw badLiteral(entity, attr, value, 'Edm.String');
      if (attr.maxLength !== undefined && value.length > attr.maxLength)
        throw new DataverseFault(
          400,
          CODES.tooLong,
          `A validation error occurred. The length of the '${attr.logicalName}' attribute of the '${entity.logicalName}' entity exceeded the maximum allowed length of '${attr.maxLength}'.`,
        );
      return value;
    }
    case 'Integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw badLiteral(entity, attr, value, 'Edm.Int32');
      return value;
    case 'Decimal':
    case 'Double':
    case 'Money':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw badLiteral(entity, attr, value, 'Edm.Decimal');
      return value;
    case 'Boolean':
      if (typeof value !== 'boolean') throw badLiteral(entity, attr, value, 'Edm.Boolean');
      return value;
    case 'DateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
        throw badLiteral(entity, attr, value, 'Edm.DateTimeOffset');
      return new Date(value).toISOString();
    case 'Picklist': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw badLiteral(entity, attr, value, 'Edm.Int32');
      const options = attr.options ?? [];
      if (!options.some((o) => o.value === value))
        throw new DataverseFault(
          400,
          CODES.outOfRange,
          `A validation error occurred. The value ${value} of '${attr.logicalName}' on record of type '${entity.logicalName}' is outside the valid range. Accepted Values: ${options.map((o) => o.value).join(',')}`,
        );
      return value;
    }
    default:
      throw new DataverseFault(
        400,
        CODES.badRequest,
        `The property '${attr.logicalName}' cannot be set directly; bind it with '<navigation property>@odata.bind'.`,
      );
  }
}

/** A stored time as Dataverse shows it: to the second, with Z (`2024-03-01T10:20:30Z`). */
export const shownTime = (iso: string): string => `${iso.slice(0, 19)}Z`;

/** A stored value as the Web API writes it in JSON. */
export function shownValue(attr: AttributeDef, value: Stored | undefined): Stored {
  if (value === undefined || value === null) return null;
  if (attr.type === 'DateTime' && typeof value === 'string') return shownTime(value);
  return value;
}
