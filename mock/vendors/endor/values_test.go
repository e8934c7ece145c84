package endor

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// createBodyOf must read what encoding/json read from the same value
// written (as the handler read the body before it was given the value).
func TestCreateBodyOfReadsLikeEncodingJSON(t *testing.T) {
	const body = `{"meta":{"name":"main","description":"d","annotations":{"k":"v"},"tags":["a","b"],"parent_kind":"Project","parent_uuid":"656e69058032bf0abaaeb600"},` +
		`"context":{"id":"default","type":"CONTEXT_TYPE_MAIN","tags":["x"]},"spec":{"version":{"ref":"main"},"n":1.50},"scan_object":{"status":"S"}}`
	v, err := store.DecodeTree([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	written, err := jsonvalue.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var want createBody
	if err := json.Unmarshal(written, &want); err != nil {
		t.Fatal(err)
	}
	got, err := createBodyOf(v)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("createBodyOf:\n got %#v\nwant %#v", *got, want)
	}
}
