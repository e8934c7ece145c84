package redact

import "testing"

// TestShapeLetsEverySecretNameThrough: the filter in front of the name
// lookups passes every secret name, built in or a vendor's, and stops
// common field names before they are looked up.
func TestShapeLetsEverySecretNameThrough(t *testing.T) {
	r := NewRules(nil, []string{"pin-code", "X"})
	for name := range secretNames {
		if !r.secretName([]byte(name)) || !(*Rules)(nil).secretName([]byte(name)) {
			t.Errorf("%s: not a secret name", name)
		}
	}
	for _, name := range []string{"pincode", "PIN_CODE", "x"} {
		if !r.secretName([]byte(name)) {
			t.Errorf("%s: not a secret name of the rules", name)
		}
	}
	for _, name := range []string{"meta", "name", "parent_uuid", "context", "id", "type", "spec", "version", "ref", "uuid", "tags"} {
		if r.shape.fits([]byte(name)) {
			t.Errorf("%s: passes the filter", name)
		}
	}
}
