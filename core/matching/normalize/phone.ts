import { compileTransform, type Transform } from '../../mapping/transforms';

/**
 * Phones to E.164 with the mapping's own `phone` transform (libphonenumber), so matching and reconciliation agree
 * on what "the same phone" means. libphonenumber costs ~10 µs a number; a national number of a NANP default country
 * (10 digits, or 11 starting with 1) has only one E.164 form, so it takes a shortcut that keeps a million-row
 * dedupe fast. Returns null for blanks and for text that is not a phone number.
 */
export class PhoneNormaliser {
  private readonly transform: Transform;
  private readonly nanp: boolean;

  constructor(readonly defaultCountry: string | undefined) {
    this.transform = compileTransform({ type: 'phone', ...(defaultCountry ? { defaultCountry } : {}) });
    this.nanp = defaultCountry === 'US' || defaultCountry === 'CA';
  }

  normalise(raw: string): string | null {
    const trimmed = raw.trim();
    if (trimmed === '') return null;
    if (this.nanp && (!trimmed.startsWith('+') || trimmed.startsWith('+1')) && !/[a-z]/i.test(trimmed)) {
      const digits = trimmed.replace(/\D/g, '');
      const national = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
      // NANP area codes and exchanges never start with 0 or 1.
      if (national.length === 10 && /^[2-9]\d{2}[2-9]/.test(national)) return `+1${national}`;
    }
    const r = this.transform.apply(trimmed);
    if (r.ok && r.value) return r.value.replace(/;ext=.*$/, '');
    // Short local numbers (no area code) cannot be made E.164, but their digits still identify a line.
    const digits = trimmed.replace(/\D/g, '');
    return digits.length >= 6 && digits.length <= 15 ? `#${digits}` : null;
  }
}

/** The last seven digits: the subscriber number, which survives a missing or different area code. */
export function phoneTail(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.slice(-7);
}
