const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Providers that ignore dots in the local part, and the domains that alias them. */
const DOT_BLIND = new Map([
  ['gmail.com', 'gmail.com'],
  ['googlemail.com', 'gmail.com'],
]);

/** Mailboxes shared by many unrelated people: agreement on them says little about identity. */
export const FREE_MAIL_DOMAINS = new Set([
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'msn.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'protonmail.com',
  'proton.me',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'yandex.ru',
  'mail.ru',
  'qq.com',
  '163.com',
  'yahoo.co.uk',
  'hotmail.co.uk',
  'btinternet.com',
  'comcast.net',
  'verizon.net',
  'att.net',
  'sbcglobal.net',
  'orange.fr',
  'free.fr',
]);

/** "Bill.Smith+crm@GoogleMail.com" -> "billsmith@gmail.com"; null when it is not an address. */
export function normaliseEmail(raw: string): string | null {
  let e = raw
    .trim()
    .toLowerCase()
    .replace(/^mailto:/, '')
    .replace(/^<|>$/g, '');
  if (!EMAIL.test(e)) return null;
  const at = e.lastIndexOf('@');
  let local = e.slice(0, at);
  let domain = e.slice(at + 1).replace(/\.$/, '');
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  const alias = DOT_BLIND.get(domain);
  if (alias) {
    domain = alias;
    local = local.replace(/\./g, '');
  }
  e = `${local}@${domain}`;
  return local === '' ? null : e;
}

export function emailParts(email: string): { local: string; domain: string } {
  const at = email.lastIndexOf('@');
  return { local: email.slice(0, at), domain: email.slice(at + 1) };
}
