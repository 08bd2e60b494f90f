// A real OpenID Connect provider (oidc-provider) for the test suite, served over plain HTTP on loopback.
// Started by tests/oidc_provider.py; not for production.
//
//   node tests/oidc/provider.mjs --config FILE [--port N] [--issuer URL]
//
// Each option may come from the environment instead: OIDC_PROVIDER_CONFIG, OIDC_PROVIDER_PORT,
// OIDC_PROVIDER_ISSUER. The issuer defaults to http://127.0.0.1:PORT (no trailing slash).
//
// The JSON config file:
//   clients:        [{client_id, client_secret, redirect_uris}]   (confidential web clients, code flow)
//   accounts:       [{sub, email, email_verified, name}]         (sign in with sub or email, any password)
//   id_token_ttl:   seconds, default 3600
//   clock_offset:   seconds added to the provider's clock (may be fractional), default 0; negative: tokens are
//                   issued in the past. tests/oidc_provider.py uses it to put the provider on the test's pinned clock.
//   keys_file:      where the signing key and cookie keys are kept, so a restart keeps them;
//                   default: the config file's path + ".keys.json"
//
// Prints "READY <issuer>" on stdout once listening; exits 0 on SIGTERM or SIGINT.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as querystring from 'node:querystring';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    port: { type: 'string' },
    issuer: { type: 'string' },
  },
});

function fail(message) {
  process.stderr.write(`provider.mjs: ${message}\n`);
  process.exit(2);
}

const configPath = args.config ?? process.env.OIDC_PROVIDER_CONFIG;
if (!configPath) fail('give the config file with --config FILE (or OIDC_PROVIDER_CONFIG)');
const port = Number.parseInt(args.port ?? process.env.OIDC_PROVIDER_PORT ?? '', 10);
if (!Number.isInteger(port) || port <= 0 || port > 65535) fail('give the port with --port N (or OIDC_PROVIDER_PORT)');
const issuer = args.issuer ?? process.env.OIDC_PROVIDER_ISSUER ?? `http://127.0.0.1:${port}`;

const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const clients = config.clients ?? [];
const accounts = config.accounts ?? [];
const idTokenTtl = config.id_token_ttl ?? 3600;
if (!Number.isInteger(idTokenTtl) || idTokenTtl < 1) fail('id_token_ttl must be a whole number of seconds, at least 1');

// A provider whose clock is off: every time it issues (iat, exp, cookies) is shifted.
const clockOffsetMs = Math.round((config.clock_offset ?? 0) * 1000);
if (!Number.isFinite(clockOffsetMs)) fail('clock_offset must be a number of seconds');
if (clockOffsetMs) {
  const realNow = Date.now;
  Date.now = () => realNow() + clockOffsetMs;
}

// The signing key and cookie keys live in a file beside the config, so that a restarted provider signs with the
// same key (as a real one does) and the sessions it set before still read.
const keysFile = config.keys_file ?? `${configPath}.keys.json`;
let keys;
if (fs.existsSync(keysFile)) {
  keys = JSON.parse(fs.readFileSync(keysFile, 'utf8'));
} else {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  keys = {
    jwks: { keys: [{ ...jwk, kid: crypto.randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' }] },
    cookies: [crypto.randomBytes(32).toString('base64url')],
  };
  fs.writeFileSync(keysFile, JSON.stringify(keys), { mode: 0o600 });
}

function findAccountByLogin(login) {
  const wanted = String(login ?? '').trim();
  if (!wanted) return undefined;
  return accounts.find((account) => account.sub === wanted
    || (account.email && account.email.toLowerCase() === wanted.toLowerCase()));
}

const htmlEscape = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage({ action, abortUrl, login = '', error }) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - test identity provider</title></head>
<body>
  <h1>Sign in</h1>
  ${error ? `<p class="error" role="alert">${htmlEscape(error)}</p>` : ''}
  <form method="post" action="${htmlEscape(action)}" autocomplete="off">
    <label for="login">Email address or username</label>
    <input type="text" id="login" name="login" value="${htmlEscape(login)}" required autofocus>
    <label for="password">Password</label>
    <input type="password" id="password" name="password">
    <button type="submit">Sign in</button>
  </form>
  <p><a href="${htmlEscape(abortUrl)}">Cancel</a></p>
</body>
</html>`;
}

const provider = new Provider(issuer, {
  clients: clients.map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    // client_secret_post is accepted too: oidc-provider takes either secret method from a client registered
    // with one of them.
    token_endpoint_auth_method: 'client_secret_basic',
    response_types: ['code'],
    grant_types: ['authorization_code'],
  })),
  jwks: keys.jwks,
  cookies: { keys: keys.cookies },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Put the scope's claims (email, name) in the ID token itself, not only at the userinfo endpoint.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    const account = accounts.find((candidate) => candidate.sub === sub);
    if (!account) return undefined;
    return {
      accountId: account.sub,
      async claims() {
        return {
          sub: account.sub,
          email: account.email,
          email_verified: account.email_verified ?? true,
          name: account.name,
        };
      },
    };
  },
  // No consent screen: whatever openid/email/profile scopes and claims the client asks for are granted.
  async loadExistingGrant(ctx) {
    const { client, session, result } = ctx.oidc;
    const grantId = result?.consent?.grantId || session.grantIdFor(client.clientId);
    let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    if (!grant) grant = new ctx.oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });
    const scopes = [...ctx.oidc.requestParamOIDCScopes];
    if (scopes.length) grant.addOIDCScope(scopes.join(' '));
    const claims = [...ctx.oidc.requestParamClaims];
    if (claims.length) grant.addOIDCClaims(claims);
    await grant.save();
    return grant;
  },
  // PKCE (S256 only) is optional for these confidential clients; when a code_challenge is sent it is checked.
  pkce: { required: () => false },
  features: {
    devInteractions: { enabled: false },
  },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 600,
    IdToken: idTokenTtl,
    Interaction: 3600,
    Session: 86400,
    Grant: 86400,
  },
  clientBasedCORS: () => false,
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body>
<h1>Error</h1>${Object.entries(out)
    .map(([key, value]) => `<p><strong>${htmlEscape(key)}</strong>: ${htmlEscape(value)}</p>`).join('')}
</body></html>`;
  },
});

for (const event of ['server_error', 'authorization.error', 'grant.error', 'backchannel.error', 'userinfo.error']) {
  provider.on(event, (ctx, error) => {
    process.stderr.write(`${event}: ${error?.name ?? ''} ${error?.message ?? error} ${error?.error_detail ?? ''}\n`);
  });
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return querystring.parse(Buffer.concat(chunks).toString('utf8'));
}

// The login interaction, served after oidc-provider's own routes (the router passes on what it does not know).
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)(\/abort)?$/.exec(ctx.path);
  if (!match) return next();
  const [, uid, abort] = match;
  ctx.set('cache-control', 'no-store');

  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (error) {
    ctx.status = 400;
    ctx.type = 'text';
    ctx.body = `interaction not found: ${error.message}`;
    return undefined;
  }
  if (details.uid !== uid) {
    ctx.status = 400;
    ctx.type = 'text';
    ctx.body = 'interaction mismatch';
    return undefined;
  }
  ctx.respond = false;
  const action = `/interaction/${uid}`;
  const abortUrl = `/interaction/${uid}/abort`;

  if (abort && ctx.method === 'GET') {
    return provider.interactionFinished(ctx.req, ctx.res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }

  if (details.prompt.name === 'consent') {
    // Not reached while loadExistingGrant grants everything; finish it without a click should it happen.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    return provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId: await grant.save() } }, {
      mergeWithLastSubmission: true,
    });
  }

  const send = (status, html) => {
    ctx.res.statusCode = status;
    ctx.res.setHeader('Content-Type', 'text/html; charset=utf-8');
    ctx.res.setHeader('Cache-Control', 'no-store');
    ctx.res.end(html);
  };

  if (ctx.method === 'GET' && !abort) {
    return send(200, loginPage({ action, abortUrl, login: details.params.login_hint }));
  }
  if (ctx.method === 'POST' && !abort) {
    const form = await readForm(ctx.req);
    const account = findAccountByLogin(form.login);
    if (!account) {
      return send(200, loginPage({
        action, abortUrl, login: form.login, error: 'Unknown email address or username.',
      }));
    }
    return provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: account.sub },
    }, { mergeWithLastSubmission: false });
  }
  ctx.res.statusCode = 405;
  ctx.res.end();
  return undefined;
});

const server = http.createServer(provider.callback());
server.keepAliveTimeout = 1000;

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.on('error', (error) => fail(`cannot listen on 127.0.0.1:${port}: ${error.message}`));
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${issuer}\n`);
});
