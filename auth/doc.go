// Package auth is TokenTray's engine for ESET Connect tokens: it knows the
// regions and the token endpoint, speaks the password and refresh-token
// grants, and classifies every failure into a typed [*Error] that can tell a
// person what to do next.
//
// The package holds the domain types ([Token], [Region], [Error]) and the
// protocol client ([Client]); its sub-packages hold what builds on them:
//
//   - auth/keeper keeps one account's token fresh in the background;
//   - auth/store keeps accounts in a config file and secrets in the OS keyring;
//   - auth/authtest is a fake ESET token server for tests and benchmarks.
//
// Nothing in this package logs, and no error it returns contains a password,
// a refresh token or an access token.
package auth
