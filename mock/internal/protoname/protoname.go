// Package protoname holds protoc's rule for the JSON name of a protobuf
// field, which both the Endor codec (reading and writing either spelling)
// and the test generator of protobuf JSON (spelling fields as clients do)
// follow.
package protoname

import "strings"

// JSONName is protoc's JSON name of a field: each underscore dropped and
// the letter after it capitalised (parent_uuid → parentUuid).
func JSONName(proto string) string {
	var b strings.Builder
	upper := false
	for i := 0; i < len(proto); i++ {
		c := proto[i]
		if c == '_' {
			upper = true
			continue
		}
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper = false
		b.WriteByte(c)
	}
	return b.String()
}
