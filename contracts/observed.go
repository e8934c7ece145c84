package contracts

import "net/http"

// Observed completes x, an exchange seen outside the suite (repomock proxy
// --record), as the suite records its own: the bodies canonical, with no
// secret values (credentials: the operation exchanges credentials, see
// redact.Credentials, and a body of it that is not JSON is redacted
// whole), and of the answer's headers only Content-Type and those named in
// declared (the ones the spec declares).
func Observed(x Exchange, credentials bool, requestHeader http.Header, requestBody []byte, header http.Header, responseBody []byte, declared []string) Exchange {
	x.RequestBody = recordedBody(requestBody, requestHeader, credentials)
	x.ResponseBody = recordedBody(responseBody, header, credentials)
	x.Headers = recordedHeaders(header, declared)
	return x
}
