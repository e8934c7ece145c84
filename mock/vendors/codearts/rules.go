package codearts

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// The documented rules of CreateRepository's body (seed 002, "Creating a
// Repository"). specs/codearts-repo.yaml carries all but the name endings;
// checkCreate applies every one, for fixtures and for callers that reach a
// handler without the validator.
const (
	maxNameLen        = 256
	projectUUIDLen    = 32
	minImportURLLen   = 10
	maxImportURLLen   = 512
	maxDescriptionLen = 2000
	visibilityPrivate = 0  // private (the default)
	visibilityPublic  = 20 // public read-only
)

// checkCreate reports every broken rule of b at once, as one 400 CH.010001.
func checkCreate(b *createBody) *Error {
	var bad []string
	if msg := checkName(b.Name); msg != "" {
		bad = append(bad, "name: "+msg)
	}
	if msg := checkProjectUUID(b.ProjectUUID); msg != "" {
		bad = append(bad, "project_uuid: "+msg)
	}
	bad = appendEnum(bad, "import_members", b.ImportMembers, 0, 1)
	bad = appendEnum(bad, "visibility_level", b.VisibilityLevel, visibilityPrivate, visibilityPublic)
	bad = appendEnum(bad, "enable_readme", b.EnableReadme, 0, 1)
	if u := b.ImportURL; u != nil {
		if n := utf8.RuneCountInString(*u); n < minImportURLLen || n > maxImportURLLen {
			bad = append(bad, fmt.Sprintf("import_url: must be %d to %d characters", minImportURLLen, maxImportURLLen))
		} else if msg := checkImportURL(*u); msg != "" {
			bad = append(bad, "import_url: "+msg)
		}
	}
	if d := b.Description; d != nil && utf8.RuneCountInString(*d) > maxDescriptionLen {
		bad = append(bad, fmt.Sprintf("description: must be at most %d characters", maxDescriptionLen))
	}
	if len(bad) > 0 {
		return paramInvalid("%s", strings.Join(bad, "; "))
	}
	return nil
}

// checkName applies the name rule and returns what is wrong, or "".
// The SDK's older comment says "must start with a letter" and allows no
// period; the API page (seed 002) is newer and is followed.
func checkName(name string) string {
	switch {
	case name == "":
		return "value is required"
	case utf8.RuneCountInString(name) > maxNameLen:
		return fmt.Sprintf("must be 1 to %d characters", maxNameLen)
	}
	if c := name[0]; !(isAlnum(c) || c == '_') {
		return "must start with a letter, a digit or '_'"
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(isAlnum(c) || c == '_' || c == '-' || c == '.') {
			return "may contain only letters, digits, '-', '_' and '.'"
		}
	}
	for _, end := range []string{".git", ".atom", "."} {
		if strings.HasSuffix(name, end) {
			return `must not end with ".git", ".atom" or "."`
		}
	}
	return ""
}

// checkImportURL applies "Base64 code of the HTTPS address of the template
// repository" and returns what is wrong, or "".
//
// Assumption: the vendor's Java backend decodes it as java.util.Base64's
// basic decoder does: the standard alphabet, with or without '=' padding.
func checkImportURL(s string) string {
	enc := base64.RawStdEncoding
	if strings.HasSuffix(s, "=") {
		enc = base64.StdEncoding
	}
	data, err := enc.DecodeString(s)
	if err != nil {
		return "is not base64 (it must be the base64 of an https address)"
	}
	u, err := url.Parse(string(data))
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Sprintf("is the base64 of %q, not of an https address", clipText(string(data)))
	}
	return ""
}

// clipText keeps a client's value short enough to quote in a message.
func clipText(s string) string {
	if utf8.RuneCountInString(s) <= 64 {
		return s
	}
	return string([]rune(s)[:64]) + "…"
}

// checkProjectUUID applies "32 digits and letters".
func checkProjectUUID(id string) string {
	if len(id) != projectUUIDLen || !isAlnumString(id) {
		return fmt.Sprintf("must be %d letters and digits", projectUUIDLen)
	}
	return ""
}

// isRepositoryUUID reports whether id has the length the vendor documents
// for a repository uuid (32 characters).
func isRepositoryUUID(id string) bool { return utf8.RuneCountInString(id) == 32 }

// isStoredUUID reports whether id looks like a uuid the vendor hands out:
// 32 lowercase hex digits.
func isStoredUUID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func appendEnum(bad []string, field string, v *int32, allowed ...int32) []string {
	if v == nil {
		return bad
	}
	for _, a := range allowed {
		if *v == a {
			return bad
		}
	}
	vals := make([]string, len(allowed))
	for i, a := range allowed {
		vals[i] = fmt.Sprint(a)
	}
	return append(bad, fmt.Sprintf("%s: must be one of %s", field, strings.Join(vals, ", ")))
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isAlnumString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}
