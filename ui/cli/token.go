package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tokentray/tokentray/ui/localapi"
	"os"
	"os/exec"
	"time"
)

func runToken(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "token")
	name := fs.String("profile", "", "account name (default: the default account)")
	format := fs.String("format", "raw", "raw, bearer, header or json")
	minValid := fs.Duration("min-valid", -1, "least validity the token must have left (default: the account's setting, 5m)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("token takes no arguments (got %q)", fs.Arg(0))
	}
	switch *format {
	case "raw", "bearer", "header", "json":
	default:
		return usagef("unknown --format %q: use raw, bearer, header or json", *format)
	}
	tok, err := getToken(ctx, env, *name, *minValid)
	if err != nil {
		return err
	}
	switch *format {
	case "raw":
		fmt.Fprintln(env.Stdout, tok.AccessToken)
	case "bearer":
		fmt.Fprintln(env.Stdout, "Bearer "+tok.AccessToken)
	case "header":
		fmt.Fprintln(env.Stdout, "Authorization: Bearer "+tok.AccessToken)
	case "json":
		// Built here on purpose: auth.Token's own JSON masks the secret.
		return json.NewEncoder(env.Stdout).Encode(struct {
			Profile     string `json:"profile"`
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresAt   string `json:"expires_at"`
			ExpiresIn   int64  `json:"expires_in"`
		}{tok.Profile, tok.AccessToken, tok.TokenType, tok.ExpiresAt.UTC().Format(time.RFC3339), tok.ExpiresIn})
	}
	return nil
}

// getToken asks the running agent for a token, or, with no agent, gets one
// in this process from the same store under the same lock.
func getToken(ctx context.Context, env Env, profile string, minValid time.Duration) (localapi.TokenResponse, error) {
	if c := agentClient(ctx, env); c != nil {
		req := localapi.TokenRequest{Profile: profile}
		if minValid >= 0 {
			d := localapi.Duration(minValid)
			req.MinValid = &d
		}
		return c.Token(ctx, req)
	}
	s, err := open(ctx, env, profile, true)
	if err != nil {
		return localapi.TokenResponse{}, err
	}
	defer s.stop()
	tok, err := s.token(ctx, minValid)
	if err != nil {
		return localapi.TokenResponse{}, err
	}
	return localapi.TokenResponse{
		Profile: s.profile.Name, AccessToken: tok.AccessToken, TokenType: tok.TokenType,
		ExpiresAt: tok.Expiry.UTC(), ExpiresIn: int64(time.Until(tok.Expiry).Seconds()),
	}, nil
}

func runExec(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "exec")
	name := fs.String("profile", "", "account name (default: the default account)")
	envName := fs.String("env", "ESET_CONNECT_TOKEN", "environment variable that receives the token")
	minValid := fs.Duration("min-valid", -1, "least validity the token must have left (default: the account's setting, 5m)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("exec needs a command: tokentray exec -- COMMAND [ARGS...]")
	}
	tok, err := getToken(ctx, env, *name, *minValid)
	if err != nil {
		return err
	}
	// The token goes to the child's environment, never its argv.
	cmd := exec.CommandContext(ctx, fs.Arg(0), fs.Args()[1:]...)
	cmd.Env = append(os.Environ(), *envName+"="+tok.AccessToken)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, env.Stdout, env.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &exitCodeError{code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("running %s: %w", fs.Arg(0), err)
	}
	return nil
}
