//go:build schemacheck_broken

package schemacheck

// dropMaxLength, set by building with -tags schemacheck_broken, makes
// Schema.Valid skip maxLength: a validator broken on purpose, which the
// differential tests must catch (go test -tags schemacheck_broken
// ./mock/pipeline -run Differential fails).
const dropMaxLength = true
