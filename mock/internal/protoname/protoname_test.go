package protoname

import "testing"

// TestJSONName: protoc's lowerCamelCase names, as protojson spells them
// (google.golang.org/protobuf/internal/strs.JSONCamelCase): an underscore
// is dropped and the next letter, if lower case, is capitalised.
func TestJSONName(t *testing.T) {
	for proto, want := range map[string]string{
		"parent_uuid":        "parentUuid",
		"meta":               "meta",
		"will_be_deleted_at": "willBeDeletedAt",
		"page_id":            "pageId",
		"a__b":               "aB",
		"x_1":                "x1",
		"trailing_":          "trailing",
	} {
		if got := JSONName(proto); got != want {
			t.Errorf("JSONName(%q) = %q, want %q", proto, got, want)
		}
	}
}
