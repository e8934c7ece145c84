// Package sdkhmac is Huawei Cloud's SDK-HMAC-SHA256 request signature, as the
// official Go SDK's core/auth/signer computes it: the gateway fake verifies
// with it, the contract suite signs with it.
package sdkhmac

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	// Algorithm names the scheme in the Authorization header.
	Algorithm = "SDK-HMAC-SHA256"
	// HeaderDate carries the signing time.
	HeaderDate = "X-Sdk-Date"
	// DateFormat is the layout of HeaderDate.
	DateFormat = "20060102T150405Z"
	// HeaderContentSha256 replaces the body's hash when the body is not signed.
	HeaderContentSha256 = "X-Sdk-Content-Sha256"
)

// Signature is the hex signature of req (with its body) over signedHeaders
// (lower case, in order) for the secret key sk at date (as in X-Sdk-Date).
func Signature(req *http.Request, body []byte, signedHeaders []string, date, sk string) string {
	bodyHash := req.Header.Get(HeaderContentSha256)
	if bodyHash == "" {
		sum := sha256.Sum256(body)
		bodyHash = hex.EncodeToString(sum[:])
	}
	canonical := strings.Join([]string{
		req.Method,
		canonicalURI(req.URL.Path),
		canonicalQuery(req),
		canonicalHeaders(req, signedHeaders),
		strings.Join(signedHeaders, ";"),
		bodyHash,
	}, "\n")
	crHash := sha256.Sum256([]byte(canonical))
	toSign := Algorithm + "\n" + date + "\n" + hex.EncodeToString(crHash[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(toSign))
	return hex.EncodeToString(mac.Sum(nil))
}

// Sign sets X-Sdk-Date and Authorization on req as the SDK does: every
// header but Content-Type is signed.
func Sign(req *http.Request, body []byte, ak, sk string, now time.Time) {
	date := now.UTC().Format(DateFormat)
	req.Header.Set(HeaderDate, date)
	var signed []string
	for name := range req.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "content-type") || strings.Contains(name, "_") || lower == "authorization" {
			continue
		}
		signed = append(signed, lower)
	}
	slices.Sort(signed)
	sig := Signature(req, body, signed, date, sk)
	req.Header.Set("Authorization", fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s", Algorithm, ak, strings.Join(signed, ";"), sig))
}

func canonicalURI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	uri := strings.Join(segs, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri
}

func canonicalQuery(req *http.Request) string {
	q := req.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var pairs []string
	for _, k := range keys {
		vals := slices.Clone(q[k])
		slices.Sort(vals)
		for _, val := range vals {
			pairs = append(pairs, escape(k)+"="+escape(val))
		}
	}
	return strings.Join(pairs, "&")
}

func canonicalHeaders(req *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		vals := req.Header.Values(name)
		if name == "host" {
			vals = []string{req.Host}
		}
		vals = slices.Clone(vals)
		slices.Sort(vals)
		for _, val := range vals {
			b.WriteString(name + ":" + strings.TrimSpace(val) + "\n")
		}
	}
	return b.String()
}

// escape percent-encodes every byte but A-Z a-z 0-9 _ - ~ . (so a literal
// ':' in a path is %3A here although it travels as ':').
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '~' || c == '.' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
