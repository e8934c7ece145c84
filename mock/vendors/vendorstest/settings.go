// Package vendorstest gives tests the list of vendors with the settings
// a test changes (what the flags set in a command).
package vendorstest

import (
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/servicestage"
)

// Settings are the vendors' settings a test sets; the zero value is every
// vendor at its defaults.
type Settings struct {
	// EndorTokens and EndorMaxIssuedTokens are endor.Plugin's.
	EndorTokens          []endor.Token
	EndorMaxIssuedTokens int
	// HuaweiCredentials are huawei.Plugin's.
	HuaweiCredentials []huawei.Credential
	// RepoAuths are servicestage.Plugin's.
	RepoAuths []string
}

// Vendors is the list of vendors (vendors.List) with s.
func (s Settings) Vendors() []vendor.Plugin {
	list := vendors.List()
	for _, p := range list {
		switch p := p.(type) {
		case *endor.Plugin:
			p.Tokens, p.MaxIssuedTokens = s.EndorTokens, s.EndorMaxIssuedTokens
		case *huawei.Plugin:
			p.Credentials = s.HuaweiCredentials
			for _, svc := range p.Services {
				if st, ok := svc.(*servicestage.Plugin); ok {
					st.RepoAuths = s.RepoAuths
				}
			}
		}
	}
	return list
}

// Of reads back the settings of a list of vendors (what a command's flags
// set in it).
func Of(list []vendor.Plugin) Settings {
	var s Settings
	for _, p := range list {
		switch p := p.(type) {
		case *endor.Plugin:
			s.EndorTokens, s.EndorMaxIssuedTokens = p.Tokens, p.MaxIssuedTokens
		case *huawei.Plugin:
			s.HuaweiCredentials = p.Credentials
			for _, svc := range p.Services {
				if st, ok := svc.(*servicestage.Plugin); ok {
					s.RepoAuths = st.RepoAuths
				}
			}
		}
	}
	return s
}
