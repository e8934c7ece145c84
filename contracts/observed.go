package contracts

import "net/http"

// Observed completes x, an exchange seen outside the suite (repomock proxy
// --record), as the suite records its own: the bodies canonical, with no
// secret values, and of the answer's headers only Content-Type and those
// named in declared (the ones the spec declares).
func Observed(x Exchange, requestBody []byte, header http.Header, responseBody []byte, declared []string) Exchange {
	x.RequestBody = redacted(canonicalJSON(requestBody))
	x.ResponseBody = redacted(canonicalJSON(responseBody))
	x.Headers = map[string]string{}
	for _, name := range append([]string{"Content-Type"}, declared...) {
		if v := header.Get(name); v != "" {
			x.Headers[http.CanonicalHeaderKey(name)] = v
		}
	}
	return x
}
