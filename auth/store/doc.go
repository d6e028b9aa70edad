// Package store keeps TokenTray's accounts ("profiles") in a small JSON
// config file and their secrets in the operating system's keyring, and
// provides the cross-process locks that keep the agent and a one-off
// `tokentray token` run from spending one refresh token twice.
//
// The split is deliberate: the config file holds only what is safe to read
// (names, regions, usernames, settings), so it can be backed up, diffed and
// shown in bug reports; passwords and refresh tokens live only in the
// keyring, one small item per secret, because Windows and macOS cap an item
// at a few kilobytes.
//
// Layout of the store directory (mode 0700):
//
//	config.json          accounts and settings, mode 0600, replaced atomically
//	config.lock          serialises read-modify-write of config.json
//	locks/<name>.lock    one lock per account, held while refreshing or signing in
//
// Nothing in this package logs, and no error it returns contains a password
// or a refresh token.
package store
