package schemacheck

import (
	"math"

	"github.com/getkin/kin-openapi/openapi3"
)

// formats caches, per compiler, the check of each format met: kin-openapi
// checks a format only when one is registered under its name
// (openapi3.SchemaStringFormats and its kin), and so does this.
type formats map[string]any

// string is the check of a string format, nil when none is registered.
// kin-openapi's own date, date-time and byte are checked as plain code
// when the registered validator still behaves as kin-openapi defines
// them (openapi3/schema_formats.go); any other, or one redefined, is
// called as registered.
func (f formats) string(name string) func(string) bool {
	if c, ok := f["string "+name]; ok {
		return c.(func(string) bool)
	}
	var check func(string) bool
	if v := openapi3.SchemaStringFormats[name]; v != nil {
		check = func(s string) bool { return v.Validate(s) == nil }
		if check1, probes := native(name); check1 != nil && agrees(v, check1, probes) {
			check = check1
		}
	}
	f["string "+name] = check
	return check
}

// integer is the check of an integer format, nil when none is registered,
// with kin-openapi's conversion of the value (validateIntegerFormat).
func (f formats) integer(name string) func(float64) bool {
	if c, ok := f["integer "+name]; ok {
		return c.(func(float64) bool)
	}
	var check func(float64) bool
	if v := openapi3.SchemaIntegerFormats[name]; v != nil {
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		switch v {
		case openapi3.NewRangeFormatValidator(int64(math.MinInt32), int64(math.MaxInt32)):
			lo, hi = math.MinInt32, math.MaxInt32
		case openapi3.NewRangeFormatValidator(int64(math.MinInt64), int64(math.MaxInt64)):
		default:
			v := v
			check = func(x float64) bool {
				i, ok := integerOf(x)
				return ok && v.Validate(i) == nil
			}
		}
		if check == nil {
			check = func(x float64) bool {
				i, ok := integerOf(x)
				return ok && lo <= i && i <= hi
			}
		}
	}
	f["integer "+name] = check
	return check
}

// integerOf is how kin-openapi hands a number to an integer format's
// validator; false where it refuses it without asking.
func integerOf(x float64) (int64, bool) {
	switch {
	case x == float64(math.MaxInt64): // 2^63: MaxInt64 rounds up to it
		return math.MaxInt64, true
	case x >= float64(math.MinInt64) && x < float64(math.MaxInt64):
		return int64(x), true
	}
	return 0, false
}

// number is the check of a number format, nil when none is registered
// (kin-openapi registers none: float and double are not checked).
func (f formats) number(name string) func(float64) bool {
	if c, ok := f["number "+name]; ok {
		return c.(func(float64) bool)
	}
	var check func(float64) bool
	if v := openapi3.SchemaNumberFormats[name]; v != nil {
		check = func(x float64) bool { return v.Validate(x) == nil }
	}
	f["number "+name] = check
	return check
}

// agrees reports whether the registered validator v gives native's verdict
// on every probe: whether it is still kin-openapi's own.
func agrees(v openapi3.StringFormatValidator, native func(string) bool, probes []string) bool {
	for _, p := range probes {
		if (v.Validate(p) == nil) != native(p) {
			return false
		}
	}
	return true
}

// native is kin-openapi's string format name as plain code, and the
// probes that tell kin-openapi's validator from another registered under
// its name (each edge of its pattern, both ways); nil for another format.
func native(name string) (func(string) bool, []string) {
	switch name {
	case "date":
		return isDate, []string{"2017-07-21", "2016-02-29", "2017-02-29", "2017-13-01", "2017-07-21T00:00:00Z", "17-07-21", "",
			"2017-7-21", "2017-04-31", "0000-02-29", "2017-07-21\n"}
	case "date-time":
		return isDateTime, []string{"2017-07-21T17:32:28Z", "2017-07-21T17:32:28.123+05:30", "2017-07-21T23:59:60-23:59",
			"2017-07-21t17:32:28Z", "2017-07-21T17:32:28", "2017-07-21T24:00:00Z", "2017-02-30T00:00:00Z", "2017-07-21T17:32:28.Z",
			"2017-07-21T17:32:28z", "2017-07-21 17:32:28Z", "2017-07-21T17:32:28+0530", ""}
	case "byte":
		return isByte, []string{"", "U3dhZ2dlciByb2Nrcw==", "a-_+/9=", "a=b", "a b", "==", "é"}
	}
	return nil, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isDate is kin-openapi's date: FormatOfStringDate, and a day its month has.
func isDate(s string) bool {
	return len(s) == 10 && isDatePart(s)
}

// isDatePart checks the first 10 bytes, YYYY-MM-DD: the pattern's
// ^[0-9]{4}-(0[1-9]|10|11|12)-(0[1-9]|[12][0-9]|3[01]), then time.Parse's
// check that the month has the day.
func isDatePart(s string) bool {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' || !digits(s[:4]) || !digits(s[5:7]) || !digits(s[8:10]) {
		return false
	}
	year := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	month := int(s[5]-'0')*10 + int(s[6]-'0')
	day := int(s[8]-'0')*10 + int(s[9]-'0')
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}

// isDateTime is kin-openapi's date-time: FormatOfStringDateTime,
// ^YYYY-MM-DDThh:mm:ss(\.[0-9]+)?(Z|[+-]hh:mm)$ with hours to 23, minutes
// to 59, seconds to 60, and a day its month has.
func isDateTime(s string) bool {
	if len(s) < 20 || !isDatePart(s) || s[10] != 'T' || !isClock(s[11:16]) || s[16] != ':' || !digits(s[17:19]) {
		return false
	}
	if sec := int(s[17]-'0')*10 + int(s[18]-'0'); sec > 60 {
		return false
	}
	rest := s[19:]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	switch {
	case rest == "Z":
		return true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-'):
		return isClock(rest[1:])
	}
	return false
}

// isClock checks hh:mm, hours to 23 and minutes to 59.
func isClock(s string) bool {
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		return false
	}
	return (s[0]-'0')*10+(s[1]-'0') <= 23 && s[3] <= '5'
}

// isByte is kin-openapi's byte: (^$|^[a-zA-Z0-9+/\-_]*=*$).
func isByte(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_') {
			break
		}
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}
