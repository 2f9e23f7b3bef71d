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
