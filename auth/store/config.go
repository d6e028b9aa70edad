package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tokentray/tokentray/auth"
)

// ConfigVersion is the version of the config file format this package
// writes. A file with a higher version was written by a newer TokenTray and
// is refused rather than half-understood and overwritten.
const ConfigVersion = 1

// Config is the content of config.json: the accounts and which one is used
// when none is named. It never holds a secret.
type Config struct {
	// Version is the file format version; see ConfigVersion.
	Version int `json:"version"`
	// Default names the account used when none is named. Empty means the
	// only account, if there is exactly one.
	Default string `json:"default,omitempty"`
	// Profiles are the accounts in the order they were added.
	Profiles []Profile `json:"profiles"`
}

// Find returns the account named name, as a pointer into c.Profiles so
// that a [Store.Update] function can change it in place. Names are matched
// exactly; [Config.Validate] keeps names unique regardless of case.
func (c *Config) Find(name string) (*Profile, bool) {
	for i := range c.Profiles {
		if c.Profiles[i].Name == name {
			return &c.Profiles[i], true
		}
	}
	return nil, false
}

// remove deletes the account named name and reports whether it was there.
// A default pointing at it moves to the only remaining account, or is
// cleared, so the config stays valid.
func (c *Config) remove(name string) bool {
	i := -1
	for j := range c.Profiles {
		if c.Profiles[j].Name == name {
			i = j
			break
		}
	}
	if i < 0 {
		return false
	}
	c.Profiles = append(c.Profiles[:i], c.Profiles[i+1:]...)
	if c.Default == name {
		c.Default = ""
		if len(c.Profiles) == 1 {
			c.Default = c.Profiles[0].Name
		}
	}
	return true
}

// Validate checks every account, that names are unique even ignoring case
// (the Windows Credential Manager, and the lock files on macOS and Windows,
// do not tell "Work" from "work"), and that the default names an account.
func (c *Config) Validate() error {
	seen := make(map[string]string, len(c.Profiles))
	for i := range c.Profiles {
		p := &c.Profiles[i]
		if err := p.Validate(); err != nil {
			return err
		}
		folded := strings.ToLower(p.Name)
		if prev, ok := seen[folded]; ok {
			if prev == p.Name {
				return fmt.Errorf("there are two accounts named %q: rename or remove one", p.Name)
			}
			return fmt.Errorf("accounts %q and %q differ only in case: rename one", prev, p.Name)
		}
		seen[folded] = p.Name
	}
	if c.Default != "" {
		if _, ok := c.Find(c.Default); !ok {
			return fmt.Errorf("the default account %q does not exist: make another account the default, or remove the default", c.Default)
		}
	}
	return nil
}

// Profile is one ESET Connect account: which API user signs in where, and
// how TokenTray treats its tokens. Its password and refresh token are not
// here but in the keyring (see [Store.Credentials]).
type Profile struct {
	// Name identifies the account in commands (--profile), the tray menu
	// and the keyring keys; see ValidateName for what it may contain.
	Name string `json:"name"`
	// Region is the ESET data-centre region the account lives in.
	Region auth.Region `json:"region,omitempty"`
	// Endpoint is a custom base URL (a proxy, a test server); it overrides
	// Region.
	Endpoint string `json:"endpoint,omitempty"`
	// Username is the API user's email address.
	Username string `json:"username"`
	// Settings tune how tokens are served and announced.
	Settings Settings `json:"settings"`
}

// UnmarshalJSON gives an account whose file entry leaves out "settings"
// the default settings, as Settings.UnmarshalJSON does for single keys.
func (p *Profile) UnmarshalJSON(data []byte) error {
	type plain Profile // no methods: no recursion
	v := plain{Settings: DefaultSettings()}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*p = Profile(v)
	return nil
}

// BaseURL is where the account's token endpoint lives: the custom endpoint,
// normalised and checked by [auth.CheckEndpoint], or else the region's
// address.
func (p Profile) BaseURL() (string, error) {
	if p.Endpoint != "" {
		u, err := auth.CheckEndpoint(p.Endpoint)
		if err != nil {
			return "", fmt.Errorf("account %q: %w", p.Name, err)
		}
		return u, nil
	}
	if p.Region == "" {
		return "", fmt.Errorf("account %q has no region: choose one of eu, de, us, ca, jpn", p.Name)
	}
	r, err := auth.ParseRegion(string(p.Region))
	if err != nil {
		return "", fmt.Errorf("account %q: %w", p.Name, err)
	}
	return r.BaseURL(), nil
}

// Validate checks that the account can be saved and used: a valid name, a
// username, a valid region or endpoint, and sensible settings. Each message
// says what to change.
func (p Profile) Validate() error {
	if err := ValidateName(p.Name); err != nil {
		return err
	}
	if strings.TrimSpace(p.Username) == "" {
		return fmt.Errorf("account %q has no username: give the API user's email address", p.Name)
	}
	if p.Region != "" {
		if _, err := auth.ParseRegion(string(p.Region)); err != nil {
			return fmt.Errorf("account %q: %w", p.Name, err)
		}
	}
	if _, err := p.BaseURL(); err != nil {
		return err
	}
	if err := p.Settings.Validate(); err != nil {
		return fmt.Errorf("account %q: %w", p.Name, err)
	}
	return nil
}

// normalized returns p with the region in lower case and the endpoint in
// the form CheckEndpoint gives, so the file holds one spelling of each. p
// must be valid.
func (p Profile) normalized() Profile {
	if p.Region != "" {
		if r, err := auth.ParseRegion(string(p.Region)); err == nil {
			p.Region = r
		}
	}
	if p.Endpoint != "" {
		if u, err := auth.CheckEndpoint(p.Endpoint); err == nil {
			p.Endpoint = u
		}
	}
	p.Username = strings.TrimSpace(p.Username)
	return p
}

// namePattern is what an account name may look like. It starts with a
// letter or digit and has no slash, so a name is safe as a file name
// (locks/<name>.lock) and as a keyring key prefix, and cannot be "." or
// "..".
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$`)

// ValidateName checks an account name: 1 to 64 characters, letters, digits
// and . _ @ + -, starting with a letter or digit. An email address fits.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("the account needs a name: use letters, digits and . _ @ + -")
	}
	if !namePattern.MatchString(name) {
		return fmt.Errorf("account name %q is not allowed: use up to 64 letters, digits and . _ @ + -, starting with a letter or digit", name)
	}
	return nil
}

// Settings tune how one account's tokens are served and announced.
type Settings struct {
	// MinValid is the least time a handed-out token has left; a copy or
	// `token` waits for a refresh rather than hand out an older one.
	MinValid Duration `json:"min_valid"`
	// NotifyLead is how long before the last handed-out token expires a
	// notification says so; 0 turns the notification off.
	NotifyLead Duration `json:"notify_lead"`
	// ClipboardClear is how long a copied token stays on the clipboard;
	// 0 leaves it there.
	ClipboardClear Duration `json:"clipboard_clear"`
	// RememberPassword keeps the password in the keyring, so a rejected
	// refresh token can be replaced without asking the person.
	RememberPassword bool `json:"remember_password"`
}

// DefaultSettings are the settings of a new account: tokens with at least
// 5 minutes left, a notification 5 minutes before expiry, the clipboard
// cleared after a minute, and the password remembered.
func DefaultSettings() Settings {
	return Settings{
		MinValid:         Duration(5 * time.Minute),
		NotifyLead:       Duration(5 * time.Minute),
		ClipboardClear:   Duration(60 * time.Second),
		RememberPassword: true,
	}
}

// maxTokenLead bounds MinValid and NotifyLead: an ESET access token lasts
// about 60 minutes, so a longer lead could never be met.
const maxTokenLead = 50 * time.Minute

// Validate checks that the durations are usable.
func (s Settings) Validate() error {
	for _, f := range []struct {
		name string
		d    Duration
		max  time.Duration
	}{
		{"min_valid", s.MinValid, maxTokenLead},
		{"notify_lead", s.NotifyLead, maxTokenLead},
		{"clipboard_clear", s.ClipboardClear, 24 * time.Hour},
	} {
		if f.d < 0 {
			return fmt.Errorf("%s is negative (%v): use a duration like 5m", f.name, f.d)
		}
		if time.Duration(f.d) > f.max {
			return fmt.Errorf("%s is %v: use at most %v (an access token lasts about 60 minutes)", f.name, f.d, f.max)
		}
	}
	return nil
}

// UnmarshalJSON starts from DefaultSettings, so a hand-written file that
// leaves a setting out gets its default rather than zero (which would, for
// example, forget the password).
func (s *Settings) UnmarshalJSON(data []byte) error {
	type plain Settings // no methods: no recursion
	v := plain(DefaultSettings())
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*s = Settings(v)
	return nil
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string such as "5m0s", which people can edit.
type Duration time.Duration

// String formats d like time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string such as "90s" or "5m".
func (d *Duration) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil // encoding/json's convention: null leaves the value alone
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return errors.New("a duration must be a string like \"5m\" or \"90s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration: use one like \"5m\" or \"90s\"", s)
	}
	*d = Duration(v)
	return nil
}
