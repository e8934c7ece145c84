package contracts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/repomock/repomock/contracts/internal/junit"
)

// CredentialsError is a vendor's refusal of the target's credentials,
// seen before any check ran. A run with it would count every refusal as a
// rejection, so it stops the run.
type CredentialsError struct {
	Vendor string
	Status int
	Body   string
}

func (e *CredentialsError) Error() string {
	return fmt.Sprintf("credentials rejected by %s: %d %s", e.Vendor, e.Status, junit.OneLine(e.Body, 1000))
}

// UnreachableError says a vendor's URL gave no HTTP answer at all.
type UnreachableError struct {
	Vendor, URL string
	Err         error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s at %s: %v", e.Vendor, e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// preflight makes one harmless authenticated call to each configured
// vendor: Endor's token check (GET /v1/auth), a CodeArts project's list, a
// ServiceStage tree. A 401 or 403 (or ServiceStage's refusal of the
// X-Repo-Auth, SVCSTG.REPO.0450/0451) is a CredentialsError; no answer at
// all is an UnreachableError. Any other answer is the checks' to judge.
func (s *suite) preflight(ctx context.Context) error {
	for _, v := range s.vendors {
		if v.url == "" {
			continue
		}
		s.scope = []string{"preflight"}
		x, err := v.preflight(s, ctx)
		s.scope = nil
		var cred *CredentialsError
		var none *noAnswerError
		switch {
		case errors.As(err, &cred):
			return err
		case errors.As(err, &none):
			return &UnreachableError{Vendor: v.name, URL: v.url, Err: none.err}
		case err != nil:
			return fmt.Errorf("%s preflight: %w", v.name, err)
		case x.status == http.StatusUnauthorized || x.status == http.StatusForbidden:
			return &CredentialsError{Vendor: v.name, Status: x.status, Body: string(x.body)}
		case v.refusesAuth != nil && v.refusesAuth(x):
			return &CredentialsError{Vendor: v.name, Status: x.status, Body: string(x.body)}
		}
	}
	return nil
}

// unwrapURL keeps the cause of a transport error ("connection refused"),
// whose URL the caller names.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
