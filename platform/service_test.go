package platform

import "testing"

func TestStartTypeName(t *testing.T) {
	tests := []struct {
		typ     uint32
		delayed bool
		want    string
		auto    bool
	}{
		{2, false, "Automatic", true},
		{2, true, "Automatic (Delayed)", true},
		{3, false, "Manual", false},
		{4, false, "Disabled", false},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := StartTypeName(tt.typ, tt.delayed)
			if got != tt.want {
				t.Errorf("StartTypeName = %q, want %q", got, tt.want)
			}
			if a := StartTypeAuto(got); a == nil || *a != tt.auto {
				t.Errorf("StartTypeAuto(%q) = %v, want %v", got, a, tt.auto)
			}
		})
	}
}
