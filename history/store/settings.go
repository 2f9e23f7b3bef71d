package store

import "context"

// Names of the settings kept in the store. The API key is never one of
// them: it lives in the system keychain only.
const (
	SettingServer       = "server_url"
	SettingLibrary      = "library_dir"
	SettingInterval     = "poll_interval_seconds"
	SettingMaxDownloads = "max_downloads"
)

// Setting returns a saved setting, or def when none is saved.
func (s *Store) Setting(ctx context.Context, key, def string) string {
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v); err != nil {
		return def
	}
	return v
}

// SetSetting saves a setting. The API key is never a setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// settingNoCancel, followed by a server address, is set when that server
// refuses every cancel: Cancel is not offered for its videos any more.
const settingNoCancel = "no_cancel "

// SetNoCancel remembers that the server at address cancels no task.
func (s *Store) SetNoCancel(ctx context.Context, address string) error {
	return s.SetSetting(ctx, settingNoCancel+address, "1")
}

// NoCancelServers returns the addresses of the servers that cancel no task
// (SetNoCancel).
func (s *Store) NoCancelServers(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT substr(key, ?) FROM settings WHERE substr(key, 1, ?) = ?`,
		len(settingNoCancel)+1, len(settingNoCancel), settingNoCancel)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
