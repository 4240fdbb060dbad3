package collect

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSettingsNotReadFindings: a Settings file whose read hung or failed is in the manifest with
// its reason, and the findings say it could not be read, never that it is damaged.
func TestSettingsNotReadFindings(t *testing.T) {
	tests := []struct {
		name  string
		fault string
		id    string // the finding
		says  string // in its title or detail
	}{
		{"open hangs", "hang-open", "settings.stalled", "did not return"},
		{"permission denied", "denied", "settings.not_read", "permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			home := newHome(t, linuxLayout)
			opts := testOptions(t.TempDir(), home)
			opts.StallTimeout = time.Second
			opts.open = faultyOpener{faults: map[string]string{"Settings": tt.fault}, release: release}
			res, err := Run(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := readBundle(t, res.Path)
			var ids []string
			found := false
			for _, f := range m.Findings {
				ids = append(ids, f.ID)
				if f.ID == "settings.unreadable" || strings.Contains(f.Title, "damaged") {
					t.Errorf("%s: %s: %s", f.ID, f.Title, f.Detail)
				}
				if f.ID == tt.id {
					found = true
					if !strings.Contains(f.Title+" "+f.Detail, tt.says) {
						t.Errorf("%s does not say %q: %s %s", f.ID, tt.says, f.Title, f.Detail)
					}
				}
			}
			if !found {
				t.Errorf("no %s: %v; settings: %+v", tt.id, ids, m.Agents[0].Settings)
			}
		})
	}
}
