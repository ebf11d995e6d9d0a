import type { PipedriveObject } from './store';

/** One answer of the emulator: status, JSON body and extra headers. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Pipedrive's error JSON: `{ success: false, error, error_info, errorCode }`. */
export function pdError(status: number, error: string, errorInfo?: string): Reply {
  return {
    status,
    body: {
      success: false,
      error,
      errorCode: status,
      ...(errorInfo ? { error_info: errorInfo } : {}),
      data: null,
      additional_data: null,
    },
  };
}

/** Pipedrive's name of one record of each object, as its messages use it. */
export const TYPE_OF: Record<PipedriveObject, string> = {
  persons: 'person',
  deals: 'deal',
  organizations: 'organization',
  activities: 'activity',
};
