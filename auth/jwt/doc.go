// Package jwt is the auth.TokenCodec adapter: it issues and verifies
// kpbot's access tokens as JWTs (github.com/golang-jwt/jwt/v5), signed with
// HS256 or, when configured, EdDSA.
//
// A token carries the header typ "at+jwt" and the claims sub, sid, role,
// iss, aud, iat, nbf, exp and jti. Parse accepts exactly the configured
// algorithm, issuer and audience, requires exp, sub, sid and jti, refuses
// any other typ (so no other JWT is ever taken for an access token) and
// refuses tokens longer than MaxTokenLength before decoding them.
package jwt
