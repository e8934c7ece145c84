package endor

// ListRepositoryVersions and ListNamespaces: their list_parameters are
// read, and their answers made, by the list engine (mock/vendors/endor/list)
// over the records the session's store selects.

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendors/endor/list"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

func (f *Fake) list(c echo.Context, in pipeline.Request) (int, any, error) {
	req, err := f.listRequest(c, in)
	if err != nil {
		return 0, nil, err
	}
	return answer(req, f.readStore(in.Session).List(in.Params[nsParam], req.Query))
}

// listNamespaces lists the namespaces below the path's: its children, or
// with traverse its whole subtree, in byte order of their names unless
// sorted. It takes every list parameter. Assumption: a namespace that
// does not exist has no children, so it answers an empty list rather than
// 404: the vendor's tenant namespace always exists.
func (f *Fake) listNamespaces(c echo.Context, in pipeline.Request) (int, any, error) {
	req, err := f.listRequest(c, in)
	if err != nil {
		return 0, nil, err
	}
	return answer(req, f.readStore(in.Session).Namespaces(in.Params[nsParam], req.Query))
}

// listRequest reads a list's query, and checks the filter's paths against
// the objects the list answers (in.Operation's schema).
func (f *Fake) listRequest(c echo.Context, in pipeline.Request) (*list.Request, error) {
	req, err := list.Parse(in.Query)
	if err == nil {
		err = req.CheckPaths(in.Operation)
	}
	if err != nil {
		return nil, listError(err)
	}
	// now() in a filter is the fake's clock, read once for the whole list.
	req.Query.Now = f.now()
	req.Query.Reach = grantOf(c).allows
	return req, nil
}

// answer answers a list with recs, the records its query selected.
func answer(req *list.Request, recs []store.Record) (int, any, error) {
	body, err := req.Answer(recs)
	if err != nil {
		return 0, nil, listError(err)
	}
	return http.StatusOK, body, nil
}

// listError is a list parameter's refusal as the vendor words it: 400,
// code 3, naming the parameter.
func listError(err error) error {
	var le *list.Error
	if errors.As(err, &le) {
		return invalidArgument("%s", le.Message)
	}
	return err
}
