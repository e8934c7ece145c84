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

// preflight makes each configured vendor's harmless authenticated call
// (Vendor.Preflight: a token check, a list, a read). A 401 or 403 (or what the vendor's
// RefusesAuth recognises) is a CredentialsError; no answer at all is an
// UnreachableError. Any other answer is the checks' to judge.
func (s *Suite) preflight(ctx context.Context) error {
	for _, v := range s.apis {
		if v.URL == "" || v.Preflight == nil {
			continue
		}
		s.scope = []string{"preflight"}
		x, err := v.Preflight(ctx, s)
		s.scope = nil
		var cred *CredentialsError
		var none *noAnswerError
		switch {
		case errors.As(err, &cred):
			return err
		case errors.As(err, &none):
			return &UnreachableError{Vendor: v.Name, URL: v.URL, Err: none.err}
		case err != nil:
			return fmt.Errorf("%s preflight: %w", v.Name, err)
		case x.Status == http.StatusUnauthorized || x.Status == http.StatusForbidden:
			return &CredentialsError{Vendor: v.Name, Status: x.Status, Body: string(x.Body)}
		case v.RefusesAuth != nil && v.RefusesAuth(x):
			return &CredentialsError{Vendor: v.Name, Status: x.Status, Body: string(x.Body)}
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
