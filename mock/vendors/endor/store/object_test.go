package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// Value must be what the stored JSON decodes to: the answer is checked and
// written from it, and a read-back of the same object is its JSON.
func TestValueIsTheStoredJSON(t *testing.T) {
	at := time.Date(2026, 11, 30, 10, 4, 5, 123_000_000, time.UTC)
	del := at.Add(30 * 24 * time.Hour)
	full := RepositoryVersion{
		UUID:       "656e69058032bf0abaaeb601",
		TenantMeta: TenantMeta{Namespace: "acme.prod"},
		Meta: Meta{
			WritableMeta: WritableMeta{
				Name: "main", Description: "d <&>", Annotations: map[string]string{"a.b": "c", "x": ""},
				Tags: []string{"t1", ""}, ParentKind: "Project", ParentUUID: "656e69058032bf0abaaeb600",
			},
			Kind: "RepositoryVersion", Version: "v1", CreateTime: at, UpdateTime: at.Add(time.Second), UpsertTime: at,
			CreatedBy: "a@repomock@bearer", UpdatedBy: "b@repomock@bearer",
			IndexData: &IndexData{WillBeDeletedAt: &del},
		},
		Context:    Context{ID: "42", Type: CIRunContext, Tags: []string{"pr"}, WillBeDeletedAt: &del},
		Spec:       json.RawMessage(`{"version":{"ref":"main","sha":"abc"},"n":1.50}`),
		ScanObject: json.RawMessage(`{"status":"STATUS_SCANNED","scan_time":"2026-11-30T10:04:05Z"}`),
	}
	bare := RepositoryVersion{UUID: "656e69058032bf0abaaeb602", Meta: Meta{CreateTime: at}}
	emptyIndex := bare
	emptyIndex.Meta.IndexData = &IndexData{}
	odd := full
	odd.Meta.Name = "a\u2028<b>&\"\\\x01" // requests are valid UTF-8
	odd.Meta.Annotations = map[string]string{"b": "\t", "a": "\n", "é": "x"}
	odd.Meta.CreateTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	odd.Spec = json.RawMessage("{ \"a\" : [1, 2.50e3 ,\"<\"] }")
	for name, obj := range map[string]RepositoryVersion{"every field": full, "no optional field": bare, "odd values": odd, "empty index_data": emptyIndex} {
		data, err := jsonvalue.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		want, err := DecodeTree(data)
		if err != nil {
			t.Fatal(err)
		}
		if got := obj.Value(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nValue() %#v\nJSON    %#v", name, got, want)
		}
		if got, err := obj.AppendJSON(nil); err != nil || string(got) != string(data) {
			t.Errorf("%s:\nAppendJSON %s, %v\nMarshalJSON %s", name, got, err, data)
		}
	}
	// Invalid UTF-8 (no request holds it) is written as encoding/json writes it.
	odd.Meta.Description = "\xff"
	want, _ := jsonvalue.Marshal(odd)
	if got, err := odd.AppendJSON(nil); err != nil || string(got) != string(want) {
		t.Errorf("invalid UTF-8:\nAppendJSON %s, %v\nMarshalJSON %s", got, err, want)
	}
}
