//go:build !schemacheck_broken

package schemacheck

// dropMaxLength is false: see broken.go.
const dropMaxLength = false
