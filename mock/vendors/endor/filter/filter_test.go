package filter

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// exampleObject is the RepositoryVersion from the filter specification.
const exampleObject = `{"uuid":"656e69058032bf0abaaeb681","tenant_meta":{"namespace":"acme.prod"},
 "meta":{"name":"main","kind":"RepositoryVersion","parent_uuid":"656e69058032bf0abaaeb600","parent_kind":"Project",
         "tags":["a","b"],"annotations":{"team":"core"},"create_time":"2026-11-25T10:00:00.123456789Z"},
 "context":{"id":"main","type":"CONTEXT_TYPE_REF"},
 "spec":{"version":{"ref":"main","sha":"abc"}},"scan_object":{"status":"STATUS_SCANNED"}}`

// richObject is the example plus fields for numbers, booleans, nulls, empty
// containers, arrays of objects and quoting.
const richObject = `{"uuid":"656e69058032bf0abaaeb681","tenant_meta":{"namespace":"acme.prod"},
 "meta":{"name":"main","kind":"RepositoryVersion","parent_uuid":"656e69058032bf0abaaeb600","parent_kind":"Project",
         "tags":["a","b"],"annotations":{"team":"core"},"create_time":"2026-11-25T10:00:00.123456789Z",
         "description":null,"labels":[],"extra":{},"title":"",
         "quote":"say \"hi\" it's","path":"C:\\dir","stamp":"2026-11-25T10:00:00Z"},
 "context":{"id":"main","type":"CONTEXT_TYPE_REF"},
 "spec":{"version":{"ref":"main","sha":"abc"},
         "count":42,"count_str":"42","ratio":0.5,"public":false,"big":1e3,
         "dependencies":[{"name":"mvn://org.slf4j:slf4j-api@2.0.0"},{"name":"mvn://ch.qos.logback:logback-access@1.3.0"}],
         "matrix":[["x","y"],["z"]]},
 "scan_object":{"status":"STATUS_SCANNED"}}`

// decodeFilterDoc decodes an object as the fake's store holds it for a
// filter: its date-time fields (meta.create_time here) as time.Time.
func decodeFilterDoc(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("decode: %v", err)
	}
	for _, path := range [][]string{{"meta", "create_time"}, {"meta", "update_time"}, {"scan_object", "scan_time"}} {
		doc := m
		for _, seg := range path[:len(path)-1] {
			doc, _ = doc[seg].(map[string]any)
		}
		if s, ok := doc[path[len(path)-1]].(string); ok {
			if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
				doc[path[len(path)-1]] = tm
			}
		}
	}
	return m
}

type matchCase struct {
	name   string
	filter string
	want   bool
}

var matchCases = []matchCase{
	// empty filter
	{"empty matches all", "", true},
	{"blank matches all", " \t\n ", true},

	// == and value quoting
	{"eq bare true", "meta.name==main", true},
	{"eq bare false", "meta.name==dev", false},
	{"eq double quoted", `meta.name=="main"`, true},
	{"eq single quoted", `meta.name=='main'`, true},
	{"eq quoted false", `meta.name=="mai"`, false},
	{"eq bare hex uuid", "meta.parent_uuid==656e69058032bf0abaaeb600", true},
	{"eq spaces around", "  meta.name  ==  main  ", true},
	{"eq quoted with spaces", `meta.quote == "say \"hi\" it's"`, true},
	{"eq single quoted escape", `meta.quote == 'say "hi" it\'s'`, true},
	{"eq escaped backslash", `meta.path == "C:\\dir"`, true},
	{"eq enum", "context.type == CONTEXT_TYPE_REF", true},
	{"eq root field", "uuid == 656e69058032bf0abaaeb681", true},
	{"eq case sensitive", "meta.name == Main", false},

	// !=
	{"ne true", "meta.name != dev", true},
	{"ne false", "meta.name != main", false},
	{"ne missing path is true", "meta.nope != x", true},
	{"ne array none equal", "meta.tags != c", true},
	{"ne array one equal", "meta.tags != a", false},

	// ordering, strings
	{"lt string true", "meta.name < zzz", true},
	{"lt string false", "meta.name < aaa", false},
	{"le string equal", "meta.name <= main", true},
	{"le string false", "meta.name <= mai", false},
	{"gt string true", "meta.name > mai", true},
	{"gt string equal false", "meta.name > main", false},
	{"ge string equal", "meta.name >= main", true},
	{"ge string false", "meta.name >= maio", false},
	{"no space lt", "meta.name<zzz", true},

	// Times compare with date() and now() (docs: filters, "Date/Time
	// Values"). A bare ISO string against a time field "often returns empty
	// results" (Endor SDK, agent-knowledge/contracts/list-parameters.md via
	// vendors.md §6): a string never compares with a time, so it matches
	// nothing, not even the stored form; the negation matches everything.
	{"bare ISO string gt time matches nothing", `meta.create_time > "2026-11-25T09:59:59Z"`, false},
	{"bare ISO string lt time matches nothing", `meta.create_time < "2027-11-25T09:59:59Z"`, false},
	{"bare ISO string eq stored form matches nothing", `meta.create_time == "2026-11-25T10:00:00.123456789Z"`, false},
	{"bare ISO string in matches nothing", `meta.create_time in ["2026-11-25T10:00:00.123456789Z"]`, false},
	{"bare ISO string ne matches", `meta.create_time != "2026-11-25T10:00:00.123456789Z"`, true},
	{"time does not match a regex", `meta.create_time matches "2026"`, false},
	{"time exists", "meta.create_time exists", true},
	{"string field holding a time compares as text", `meta.stamp > "2026-11-25"`, true},
	{"string field holding a time is no time for date()", "meta.stamp >= date(2026-01-01)", false},
	{"timestamp ge date", "meta.create_time >= date(2026-11-25)", true},
	{"timestamp lt date false", "meta.create_time < date(2026-11-25)", false},
	{"timestamp lt date rfc3339", "meta.create_time < date(2026-11-25T10:00:01Z)", true},
	{"timestamp gt date rfc3339 false", "meta.create_time > date(2026-11-25T10:00:01.000Z)", false},
	{"timestamp eq date instant", `meta.create_time == date("2026-11-25T11:00:00.123456789+01:00")`, true},
	{"timestamp gt now far past", "meta.create_time > now(-1000000h)", true},
	{"timestamp gt now far future false", "meta.create_time > now(1000000h)", false},
	{"date on non-time field false", "meta.name > date(2020-01-01)", false},

	// numbers versus strings
	{"number eq", "spec.count == 42", true},
	{"number eq float form", "spec.count == 42.0", true},
	{"number eq exponent", "spec.big == 1000", true},
	{"number eq quoted number", `spec.count == "42"`, true},
	{"number eq false", "spec.count == 41", false},
	{"number eq non-number false", "spec.count == abc", false},
	{"number gt numeric not lexical", "spec.count > 9", true},
	{"number lt false", "spec.count < 9", false},
	{"number le", "spec.count <= 42", true},
	{"number ge false", "spec.count >= 43", false},
	{"number lt fraction", "spec.ratio < 1", true},
	{"number negative", "spec.ratio > -1", true},
	{"number vs non-number ordering false", "spec.count < zzz", false},
	{"numeric string gt numerically", "spec.count_str > 9", true},
	{"numeric string eq number", "spec.count_str == 42.0", true},
	{"string vs number lexical", "meta.name > 5", true},

	// booleans
	{"bool eq false", "spec.public == false", true},
	{"bool eq true false", "spec.public == true", false},
	{"bool ne true", "spec.public != true", true},
	{"bool ordering false", "spec.public < true", false},

	// paths
	{"path into map", "meta.annotations.team == core", true},
	{"path into map false", "meta.annotations.team == edge", false},
	{"path deep", "spec.version.ref == main", true},
	{"path missing leaf", "meta.annotations.owner == core", false},
	{"path missing middle", "meta.nope.x == 1", false},
	{"path through scalar", "meta.name.x == main", false},
	{"path to map compares false", "meta.annotations == core", false},
	{"path through array of objects", `spec.dependencies.name == "mvn://ch.qos.logback:logback-access@1.3.0"`, true},
	{"path through array of objects false", `spec.dependencies.name == "mvn://x"`, false},
	{"path into array of arrays", "spec.matrix == z", true},
	{"array leaf eq any", "meta.tags == b", true},
	{"array leaf eq none", "meta.tags == c", false},
	{"null leaf eq nothing", "meta.description == null", false},
	{"null leaf ne", "meta.description != null", true},

	// in / not in
	{"in true", "meta.name in [dev, main]", true},
	{"in false", "meta.name in [dev, prod]", false},
	{"in quoted", `meta.name in ["dev", 'main']`, true},
	{"in single", "meta.name in [main]", true},
	{"in no spaces", "meta.name in[dev,main]", true},
	{"in number", "spec.count in [1, 42]", true},
	{"in array leaf", "meta.tags in [x, b]", true},
	{"in missing path", "meta.nope in [x]", false},
	{"not in true", "meta.name not in [dev, prod]", true},
	{"not in false", "meta.name not in [dev, main]", false},
	{"not in missing path", "meta.nope not in [x]", true},

	// contains / not contains
	{"contains array single", "meta.tags contains a", true},
	{"contains array single false", "meta.tags contains c", false},
	{"contains array list any", "meta.tags contains [c, b]", true},
	{"contains array list none", "meta.tags contains [c, d]", false},
	{"contains array element not substring", `meta.tags contains [""]`, false},
	// contains is for lists (docs: filters, "Contains"); on a scalar it
	// matches nothing, with no error: `meta.name contains "x"` "often
	// returns zero rows with no error" (Endor SDK, list-parameters.md).
	{"contains scalar string substring matches nothing", `meta.kind contains "Version"`, false},
	{"contains scalar string whole value matches nothing", `meta.name contains "main"`, false},
	{"contains scalar string list matches nothing", "meta.kind contains [zz, RepositoryVersion]", false},
	{"contains scalar number matches nothing", "spec.count contains [42]", false},
	{"not contains scalar matches", `meta.name not contains ["main"]`, true},
	{"contains fan-out is equality", "spec.dependencies.name contains [mvn]", false},
	{"contains fan-out exact", `spec.dependencies.name contains ["mvn://org.slf4j:slf4j-api@2.0.0"]`, true},
	{"contains missing", "meta.nope contains a", false},
	{"not contains true", "meta.tags not contains [c, d]", true},
	{"not contains false", "meta.tags not contains [sanity, a]", false},
	{"not contains missing", "meta.nope not contains [a]", true},

	// matches
	{"matches true", `meta.name matches "^ma"`, true},
	{"matches false", `meta.name matches "^in"`, false},
	{"matches unanchored", "meta.name matches ai", true},
	{"matches case insensitive", `meta.kind matches "(?i)repositoryversion"`, true},
	{"matches escape kept", `spec.version.sha matches "^\w+$"`, true},
	{"matches array element", `meta.tags matches "^b$"`, true},
	{"matches number false", `spec.count matches "42"`, false},
	{"matches missing", `meta.nope matches "."`, false},

	// exists / not exists
	{"exists true", "meta.name exists", true},
	{"exists map", "meta.annotations exists", true},
	{"exists array", "meta.tags exists", true},
	{"exists false missing", "meta.nope exists", false},
	{"exists null false", "meta.description exists", false},
	{"exists empty array false", "meta.labels exists", false},
	{"exists empty object false", "meta.extra exists", false},
	{"exists empty string true", "meta.title exists", true},
	{"exists false bool true", "spec.public exists", true},
	{"exists through array", "spec.dependencies.name exists", true},
	{"not exists true", "meta.nope not exists", true},
	{"not exists false", "meta.name not exists", false},
	{"not exists empty array", "meta.labels not exists", true},

	// and / or / precedence
	{"and true", "meta.name==main and meta.kind==RepositoryVersion", true},
	{"and false", "meta.name==main and meta.kind==Project", false},
	{"or true", "meta.name==dev or meta.kind==RepositoryVersion", true},
	{"or false", "meta.name==dev or meta.kind==Project", false},
	{"and chain", "meta.name==main and uuid exists and meta.tags contains a", true},
	{"or chain", "meta.name==x or meta.name==y or meta.name==main", true},
	// T or T and F: and binds tighter -> T; left-to-right would give F.
	{"precedence or-and", "meta.name==main or meta.name==main and meta.name==dev", true},
	// F and T or T: -> T; right-to-left would give F.
	{"precedence and-or", "meta.name==dev and meta.name==main or meta.name==main", true},
	{"parens override", "(meta.name==main or meta.name==main) and meta.name==dev", false},
	{"parens right", "meta.name==dev and (meta.name==main or meta.name==main)", false},
	{"nested parens", "((meta.name==main))", true},
	{"parens no spaces", "(meta.name==dev)or(meta.name==main)", true},
	{"quoted value then and", `meta.name=="main"and meta.tags contains[a]`, true},
	{"vendor nesting example", "(meta.tags contains [a] and scan_object.status==STATUS_SCANNED) or (meta.tags contains [z] and meta.name in [x, y])", true},

	// Keywords in any case. vendors.md §7: "and/or are accepted in any
	// case. The SDK itself joins clauses with " AND "", and list_for_context
	// sends `meta.parent_uuid=="…" AND (context.type==…) and (context.id==…)`;
	// the other keywords likewise (the mock's assumption).
	{"SDK parent filter", `meta.name==main AND meta.parent_uuid=="656e69058032bf0abaaeb600"`, true},
	{"SDK parent filter false", `meta.name==dev AND meta.parent_uuid=="656e69058032bf0abaaeb600"`, false},
	{"SDK list_for_context", `meta.parent_uuid=="656e69058032bf0abaaeb600" AND (context.type==CONTEXT_TYPE_REF) and (context.id==main)`, true},
	{"OR upper", "meta.name==dev OR meta.name==main", true},
	{"Or mixed, And mixed", "meta.name==dev Or meta.name==main And uuid Exists", true},
	{"IN upper", "meta.name IN [dev, main]", true},
	{"NOT IN upper", "meta.name NOT IN [dev, main]", false},
	{"Not Contains", "meta.tags Not Contains [c]", true},
	{"CONTAINS upper", "meta.tags CONTAINS [b]", true},
	{"MATCHES upper", `meta.name MATCHES "^ma"`, true},
	{"NOT EXISTS upper", "meta.nope NOT EXISTS", true},
	{"upper keyword as a value is a value", "meta.name == AND", false},
}

func TestFilterMatch(t *testing.T) {
	doc := decodeFilterDoc(t, richObject)
	for _, tc := range matchCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.filter)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.filter, err)
			}
			if got := f.Match(doc); got != tc.want {
				t.Errorf("Parse(%q).Match = %v, want %v", tc.filter, got, tc.want)
			}
		})
	}
}

func TestFilterMatchExampleObject(t *testing.T) {
	doc := decodeFilterDoc(t, exampleObject)
	for _, tc := range []matchCase{
		{"parent", "meta.parent_uuid==656e69058032bf0abaaeb600 and meta.parent_kind==Project", true},
		{"context", `context.type=="CONTEXT_TYPE_REF" and context.id=='main'`, true},
		{"namespace", "tenant_meta.namespace == acme.prod", true},
		{"ref", "spec.version.ref in [main, master]", true},
		{"other project", "meta.parent_uuid==656e69058032bf0abaaeb601", false},
	} {
		f, err := Parse(tc.filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.filter, err)
		}
		if got := f.Match(doc); got != tc.want {
			t.Errorf("Parse(%q).Match = %v, want %v", tc.filter, got, tc.want)
		}
	}
}

// now() is the instant the caller gives (a fake passes its clock), not the
// wall clock. The docs' examples: `meta.create_time >= now(-12h)`,
// `meta.create_time >= now(-72h)` (filters, "Date/Time Values").
func TestFilterNowIsTheGivenTime(t *testing.T) {
	doc := decodeFilterDoc(t, exampleObject)
	created := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)
	for _, tc := range []struct {
		filter string
		now    time.Time
		want   bool
	}{
		{"meta.create_time >= now(-72h)", created.Add(71 * time.Hour), true},
		{"meta.create_time >= now(-72h)", created.Add(73 * time.Hour), false},
		{"meta.create_time >= now(-12h)", created.Add(12 * time.Hour), true},
		{"meta.create_time >= now(-12h)", created.Add(12*time.Hour + 1), false},
		{"meta.create_time < now()", created.Add(time.Nanosecond), true},
		{"meta.create_time < now()", created, false},
		{"meta.create_time == now()", created, true},
		{"meta.create_time in [now(-1h), now()]", created, true},
	} {
		f, err := Parse(tc.filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.filter, err)
		}
		if got := f.MatchAt(doc, tc.now); got != tc.want {
			t.Errorf("%q at %s: %v, want %v", tc.filter, tc.now.Format(time.RFC3339Nano), got, tc.want)
		}
	}
}

func TestFilterNilDocAndZeroFilter(t *testing.T) {
	f, err := Parse("meta.name not exists")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Match(nil) {
		t.Error("not exists on a nil document should match")
	}
	var zero Filter
	if zero.Match(decodeFilterDoc(t, exampleObject)) {
		t.Error("zero Filter should match nothing")
	}
}

type errCase struct {
	filter string
	want   []string // substrings of the error message
}

var errCases = []errCase{
	{"meta.name==main)", []string{`unexpected ")" at offset 15`}},
	{"meta.name=~main", []string{`unknown operator "=~" at offset 9`}},
	{"meta.name = main", []string{`unknown operator "=" at offset 10`}},
	{"meta.name ! = main", []string{`unknown operator "!" at offset 10`}},
	{"meta.name === main", []string{`unknown operator "===" at offset 10`}},
	{`meta.name == "main`, []string{"unterminated string at offset 13"}},
	{`meta.name == 'main`, []string{"unterminated string at offset 13"}},
	{`meta.name == "main\`, []string{"unterminated string at offset 13"}},
	{`meta.name matches "("`, []string{`invalid regular expression "("`, "missing closing )"}},
	{`meta.name matches "[z-a]"`, []string{`invalid regular expression "[z-a]"`}},
	{"meta.name matches date(2024-01-01)", []string{"matches needs a string pattern at offset 18"}},
	{`meta.name not matches "x"`, []string{`unsupported operator "not matches" at offset 10`}},
	{"meta.name not equals x", []string{`unknown operator "not equals" at offset 10`}},
	{"meta.name not", []string{"unexpected end of filter at offset 13", `"in", "contains" or "exists" after "not"`}},
	{"meta.name not (x)", []string{`unexpected "(" at offset 14`}},
	{"meta.name like x", []string{`unknown operator "like" at offset 10`}},
	{"meta.name", []string{"unexpected end of filter at offset 9", "expected operator"}},
	{"meta.name ==", []string{"unexpected end of filter at offset 12", "expected value"}},
	{"meta.name == )", []string{`unexpected ")" at offset 13`, "expected value"}},
	{`meta.name "x"`, []string{`unexpected "\"x\"" at offset 10`, "expected operator"}},
	{"meta.name==main and", []string{"unexpected end of filter at offset 19"}},
	{"meta.name==main or", []string{"unexpected end of filter at offset 18"}},
	{"meta.name==main ANDuuid exists", []string{`unexpected "ANDuuid" at offset 16`}},
	{"meta.name==main AND", []string{"unexpected end of filter at offset 19"}},
	{"meta.name==a meta.kind==b", []string{`unexpected "meta.kind" at offset 13`}},
	{"meta.name==a==b", []string{`unexpected "==" at offset 12`}},
	{"meta.name exists x", []string{`unexpected "x" at offset 17`}},
	{"meta.name in main", []string{`unexpected "main" at offset 13`, `expected "[" after in`}},
	{"meta.name not in main", []string{`expected "[" after in`}},
	{"meta.name in []", []string{"empty list at offset 13"}},
	{"meta.name in [a,", []string{"unexpected end of filter at offset 16", "expected value"}},
	{"meta.name in [a", []string{`unclosed "[" at offset 13`}},
	{"meta.name in [a b]", []string{`unexpected "b" at offset 16`}},
	{"meta.name in [a,]", []string{`unexpected "]" at offset 16`}},
	{"meta.tags contains [", []string{"unexpected end of filter at offset 20"}},
	{"(meta.name==main", []string{`unclosed "(" at offset 0`}},
	{"(meta.name==main meta.kind==x)", []string{`unexpected "meta.kind" at offset 17`}},
	{"()", []string{`unexpected ")" at offset 1`}},
	{")", []string{`unexpected ")" at offset 0`}},
	{"== main", []string{`unexpected "==" at offset 0`, "field path"}},
	{".meta==x", []string{`unexpected ".meta" at offset 0`}},
	{"meta.==x", []string{"empty path segment at offset 5"}},
	{"meta..name==x", []string{"empty path segment at offset 5"}},
	{"1abc==x", []string{`unexpected "1abc" at offset 0`}},
	{"meta.create_time > date(2024-13-01)", []string{`invalid date "2024-13-01" at offset 19`}},
	{"meta.create_time > date()", []string{`invalid date "" at offset 19`}},
	{"meta.create_time > date(2024-01-01", []string{"unexpected end of filter at offset 34"}},
	{"meta.create_time > now(-3x)", []string{`invalid duration "-3x" at offset 19`}},
	{"meta.name == x \xff", []string{`unexpected "\xff" at offset 15`}},
	{strings.Repeat("(", 64) + "a==b" + strings.Repeat(")", 64), []string{"filter nested too deeply"}},
	{strings.Repeat("a.", 64) + "a==b", []string{"path too long at offset 128"}},
	{"meta.name == " + strings.Repeat("x", 10) + " " + strings.Repeat("y", 100), []string{`unexpected "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"... at offset 24`}},
}

func TestFilterParseErrors(t *testing.T) {
	for _, tc := range errCases {
		t.Run(tc.filter, func(t *testing.T) {
			f, err := Parse(tc.filter)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error", tc.filter, f)
			}
			if f != nil {
				t.Errorf("Parse(%q) returned a filter with its error", tc.filter)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse(%q) error %q does not mention %q", tc.filter, err, w)
				}
			}
			if len(err.Error()) > 200 {
				t.Errorf("error too long (%d bytes): %q", len(err.Error()), err)
			}
		})
	}
}

func TestFilterNestingLimit(t *testing.T) {
	ok := strings.Repeat("(", maxNesting) + "meta.name==main" + strings.Repeat(")", maxNesting)
	f, err := Parse(ok)
	if err != nil {
		t.Fatalf("nesting %d: %v", maxNesting, err)
	}
	if !f.Match(decodeFilterDoc(t, exampleObject)) {
		t.Errorf("nesting %d should match", maxNesting)
	}
	deep := "(" + ok + ")"
	if _, err := Parse(deep); err == nil || !strings.Contains(err.Error(), "filter nested too deeply") {
		t.Fatalf("nesting %d: err = %v, want filter nested too deeply", maxNesting+1, err)
	}
}

func TestFilterRegexCompiledOnce(t *testing.T) {
	f, err := Parse(`meta.name matches "^m" and meta.kind matches "Version$"`)
	if err != nil {
		t.Fatal(err)
	}
	and, ok := f.root.(andNode)
	if !ok || len(and) != 2 {
		t.Fatalf("root = %#v, want a two-way and", f.root)
	}
	for _, n := range and {
		if c, ok := n.(*condition); !ok || c.re == nil {
			t.Fatalf("condition %#v has no compiled regexp", n)
		}
	}
}

func TestFilterMatchDoesNotAllocate(t *testing.T) {
	doc := decodeFilterDoc(t, richObject)
	for _, expr := range []string{
		"meta.parent_uuid==656e69058032bf0abaaeb600 and context.type==CONTEXT_TYPE_REF",
		"meta.tags contains [z, b] or spec.count_str > 9",
		"spec.dependencies.name in [x, y] or meta.annotations.team != core or meta.nope not exists",
		"meta.kind contains Version and spec.count >= 42 and spec.public == false",
	} {
		f, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if allocs := testing.AllocsPerRun(100, func() { f.Match(doc) }); allocs != 0 {
			t.Errorf("Match(%q) allocates %v times per run", expr, allocs)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, tc := range matchCases {
		f.Add(tc.filter)
	}
	for _, tc := range errCases {
		f.Add(tc.filter)
	}
	example := decodeFilterDoc(f, exampleObject)
	rich := decodeFilterDoc(f, richObject)
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := Parse(expr)
		if err != nil {
			if flt != nil {
				t.Fatalf("Parse(%q) returned both a filter and %v", expr, err)
			}
			if err.Error() == "" {
				t.Fatalf("Parse(%q) returned an empty error", expr)
			}
			return
		}
		if flt == nil {
			t.Fatalf("Parse(%q) returned neither filter nor error", expr)
		}
		flt.Match(example)
		flt.Match(rich)
		flt.Match(nil)
	})
}
