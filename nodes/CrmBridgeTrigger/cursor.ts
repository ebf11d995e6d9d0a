import type { IDataObject } from 'n8n-workflow';
import { z } from 'zod';

/**
 * What the trigger keeps in the workflow's static data: where it stands (`modifiedAt|id` of the last record it
 * emitted, or the ISO time of its first poll) and for which CRM object, so choosing another object starts afresh
 * instead of applying one object's cursor to another.
 */
const StateSchema = z.object({ source: z.string().min(1), cursor: z.string().min(1) });

export function readCursor(staticData: IDataObject, source: string): string | undefined {
  const parsed = StateSchema.safeParse(staticData);
  return parsed.success && parsed.data.source === source ? parsed.data.cursor : undefined;
}

export function saveCursor(staticData: IDataObject, source: string, cursor: string): void {
  staticData.source = source;
  staticData.cursor = cursor;
}
