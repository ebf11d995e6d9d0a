import { normaliseDomain } from '../../mapping/transforms';
import { FREE_MAIL_DOMAINS } from './email';

export { normaliseDomain };

/** The site of a web address or email, without the free-mail providers that host many unrelated people. */
export function organisationDomain(raw: string): string | null {
  const d = normaliseDomain(raw);
  return d && !FREE_MAIL_DOMAINS.has(d) ? d : null;
}
