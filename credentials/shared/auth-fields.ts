import type { INodeProperties } from 'n8n-workflow';

/**
 * The sign-in fields the CRM credentials have in common: each CRM offers a token and an OAuth app (Salesforce also a
 * JWT bearer flow), chosen by an `authentication` field whose value shows the fields that method needs.
 */

type Shown = Pick<INodeProperties, 'displayOptions'>;

/** Shows a field only for the listed authentication methods. */
export function shownFor(...methods: string[]): Shown {
  return { displayOptions: { show: { authentication: methods } } };
}

/** The method picker; the first option is the default. */
export function authenticationField(options: Array<{ name: string; value: string }>): INodeProperties {
  return {
    displayName: 'Authentication',
    name: 'authentication',
    type: 'options',
    options,
    default: options[0]?.value ?? '',
  };
}

/** A masked text field (a token, secret or key): n8n stores it encrypted and never shows it again. */
export function secretField(displayName: string, name: string, more: Partial<INodeProperties> = {}): INodeProperties {
  return { displayName, name, type: 'string', typeOptions: { password: true }, default: '', ...more };
}

/** A token that is the whole sign-in, shown when its own method is chosen (the method's value is the field's name). */
export function tokenField(displayName: string, name: string): INodeProperties {
  return secretField(displayName, name, shownFor(name));
}

/** An OAuth app's client ID, client secret and refresh token, shown for the `oauth` method. */
export function oauthAppFields(options: { clientIdFor?: string[]; refreshTokenDescription?: string } = {}) {
  const refreshToken = options.refreshTokenDescription ? { description: options.refreshTokenDescription } : {};
  const fields: INodeProperties[] = [
    {
      displayName: 'Client ID',
      name: 'clientId',
      type: 'string',
      default: '',
      ...shownFor(...(options.clientIdFor ?? ['oauth'])),
    },
    secretField('Client Secret', 'clientSecret', shownFor('oauth')),
    secretField('Refresh Token', 'refreshToken', { ...refreshToken, ...shownFor('oauth') }),
  ];
  return fields;
}

/** A URL left empty to use the vendor's own; set for a sandbox or proxy. */
export function overrideUrlField(
  displayName: string,
  name: string,
  placeholder: string,
  description: string,
  more: Partial<INodeProperties> = {},
): INodeProperties {
  return { displayName, name, type: 'string', default: '', placeholder, description, ...more };
}
