import { SyncSystemSchema } from '../../../../core/sync/job';
import { CRM_OPTIONS } from '../crm/connection';

/**
 * The CRMs a sync job can name, in the order the UI lists them: those of CRM_OPTIONS that core/sync's job schema
 * accepts, so a CRM the node can read and write joins the sync lists only once a job may name it.
 */
export const SYNC_CRM_OPTIONS = CRM_OPTIONS.filter((o) =>
  (SyncSystemSchema.options as readonly string[]).includes(o.value),
);
