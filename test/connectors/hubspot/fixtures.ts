import type { HubSpotEmulator } from '../../../sandbox/hubspot';
import { defineEngagementProperties } from '../../../sandbox/examples/hubspot-engagements';
import { defineMirrorProperties } from '../../../sandbox/examples/hubspot-portal';

/** The properties an engagements test reads and writes: the engagements' own, and those of the records they sit on. */
export function defineEngagementMirror(emulator: HubSpotEmulator): void {
  defineEngagementProperties(emulator);
  for (const o of ['companies', 'contacts', 'deals'] as const) defineMirrorProperties(emulator, o);
}
