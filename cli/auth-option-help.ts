/** Help of the options of `serve` and `mcp --http` that name an OAuth authorization server. */
export const AUTH_OPTION_HELP = {
  authServer:
    'issuer URL of an OAuth 2.1 authorization server whose JWT access tokens are accepted (scopes crm-bridge:read, crm-bridge:write) and announced at /.well-known/oauth-protected-resource; also $CRM_BRIDGE_AUTH_SERVER',
  publicUrl: 'with --auth-server: the origin clients reach this server at (https://host); also $CRM_BRIDGE_PUBLIC_URL',
  authJwksUri:
    "with --auth-server: the server's JWKS URL, when its metadata does not name one; also $CRM_BRIDGE_AUTH_JWKS_URI",
};
