"""A DEVELOPMENT OpenID Connect provider: a test fixture, not an identity service.

It stands in for the national government-service identity (the citizen's e-ID) so that the
demo (`make run`) and the tests can sign citizens in the way production does: authorization
code flow with PKCE, a discovery document, a JWKS, ES256-signed ID tokens and ``userinfo``,
all from Authlib's OAuth 2 / OIDC server classes (``backend/idp/server.py``).

What makes it a fixture: its users are a JSON file of demo people with argon2 password hashes
(``users.json``), its clients a JSON file (``clients.json``), codes and access tokens live in
memory, the signing key is a file generated at first start, and there is no second factor,
consent screen, rate limit or account recovery. A deployment configures its nodes against
the real provider instead (docs/identity.md).

Layout of its data directory::

    signing_key.json   the ES256 private key (JWK, mode 0600), generated at first start
    users.json         demo users: username, argon2 hash, claims (sub, name, resident_id)
    clients.json       registered relying parties: client_id, redirect_uris, optional secret hash
"""

from backend.idp.store import DEMO_CITIZEN_PASSWORD, DEMO_CITIZEN_USERNAME, IdpStore

__all__ = ["DEMO_CITIZEN_PASSWORD", "DEMO_CITIZEN_USERNAME", "IdpStore"]
