package filter

// Parsing: the grammar is in filter.go's comment.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type parser struct {
	src   string
	pos   int
	depth int
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) parseOr() (node, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for {
		p.skipSpace()
		if !p.keyword("or") {
			break
		}
		k, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return orNode(kids), nil
}

func (p *parser) parseAnd() (node, error) {
	first, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for {
		p.skipSpace()
		if !p.keyword("and") {
			break
		}
		k, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return andNode(kids), nil
}

func (p *parser) parsePrimary() (node, error) {
	p.skipSpace()
	if p.eof() {
		return nil, p.unexpected(p.pos, "condition")
	}
	if p.src[p.pos] != '(' {
		return p.parseCondition()
	}
	open := p.pos
	if p.depth >= maxNesting {
		return nil, fmt.Errorf("filter nested too deeply at offset %d", open)
	}
	p.depth++
	p.pos++
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.eof() {
		return nil, fmt.Errorf(`unclosed "(" at offset %d`, open)
	}
	if p.src[p.pos] != ')' {
		return nil, p.unexpected(p.pos, `"and", "or" or ")"`)
	}
	p.pos++
	p.depth--
	return n, nil
}

// keyword consumes word, in any case, at the current position if it
// stands alone.
func (p *parser) keyword(word string) bool {
	if len(p.src)-p.pos < len(word) || !strings.EqualFold(p.src[p.pos:p.pos+len(word)], word) {
		return false
	}
	end := p.pos + len(word)
	if end < len(p.src) && isWordByte(p.src[end]) {
		return false
	}
	p.pos = end
	return true
}

func (p *parser) parseCondition() (node, error) {
	path, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	c := &condition{path: path}
	p.skipSpace()
	if p.eof() {
		return nil, p.unexpected(p.pos, "operator")
	}
	opPos := p.pos
	ch := p.src[p.pos]
	switch {
	case isOpByte(ch):
		end := p.pos
		for end < len(p.src) && isOpByte(p.src[end]) {
			end++
		}
		sym := p.src[p.pos:end]
		switch sym {
		case "==":
			c.op = opEq
		case "!=":
			c.op, c.neg = opEq, true
		case "<":
			c.op = opLt
		case "<=":
			c.op = opLe
		case ">":
			c.op = opGt
		case ">=":
			c.op = opGe
		default:
			return nil, fmt.Errorf("unknown operator %s at offset %d", quote(sym), opPos)
		}
		p.pos = end
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		c.vals = []operand{v}
		return c, nil
	case isLetter(ch):
		word := strings.ToLower(p.readWord())
		if word == "not" {
			p.skipSpace()
			next := strings.ToLower(p.readWord())
			switch next {
			case "in", "contains", "exists":
				c.neg = true
				word = next
			case "":
				return nil, p.unexpected(p.pos, `"in", "contains" or "exists" after "not"`)
			case "matches":
				// Documented: "not matches is not supported".
				return nil, fmt.Errorf(`unsupported operator "not matches" at offset %d`, opPos)
			default:
				return nil, fmt.Errorf("unknown operator %s at offset %d", quote("not "+next), opPos)
			}
		}
		switch word {
		case "in":
			c.op = opIn
			c.vals, err = p.parseList(word)
		case "contains":
			c.op = opContains
			p.skipSpace()
			if !p.eof() && p.src[p.pos] == '[' {
				c.vals, err = p.parseList(word)
			} else {
				var v operand
				v, err = p.parseValue()
				c.vals = []operand{v}
			}
		case "exists":
			c.op = opExists
		case "matches":
			c.op = opMatches
			p.skipSpace()
			at := p.pos
			var v operand
			if v, err = p.parseValue(); err != nil {
				return nil, err
			}
			if v.kind != text {
				return nil, fmt.Errorf("matches needs a string pattern at offset %d", at)
			}
			c.vals = []operand{v}
			if c.re, err = regexp.Compile(v.text); err != nil {
				return nil, fmt.Errorf("invalid regular expression %s: %v", quote(v.text), err)
			}
		default:
			return nil, fmt.Errorf("unknown operator %s at offset %d", quote(word), opPos)
		}
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, p.unexpected(p.pos, "operator")
}

func (p *parser) parsePath() ([]string, error) {
	if p.eof() || !(isLetter(p.src[p.pos]) || p.src[p.pos] == '_') {
		return nil, p.unexpected(p.pos, "field path")
	}
	var segs []string
	for {
		start := p.pos
		for p.pos < len(p.src) && isPathByte(p.src[p.pos]) {
			p.pos++
		}
		if p.pos == start {
			return nil, fmt.Errorf("empty path segment at offset %d", start)
		}
		if len(segs) == maxPathSegments {
			return nil, fmt.Errorf("path too long at offset %d", start)
		}
		segs = append(segs, p.src[start:p.pos])
		if p.eof() || p.src[p.pos] != '.' {
			return segs, nil
		}
		p.pos++
	}
}

func (p *parser) readWord() string {
	start := p.pos
	for p.pos < len(p.src) && isWordByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *parser) parseList(op string) ([]operand, error) {
	p.skipSpace()
	if p.eof() || p.src[p.pos] != '[' {
		return nil, p.unexpected(p.pos, `"[" after `+op)
	}
	open := p.pos
	p.pos++
	p.skipSpace()
	if !p.eof() && p.src[p.pos] == ']' {
		return nil, fmt.Errorf("empty list at offset %d", open)
	}
	var vals []operand
	for {
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		p.skipSpace()
		if p.eof() {
			return nil, fmt.Errorf(`unclosed "[" at offset %d`, open)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return vals, nil
		default:
			return nil, p.unexpected(p.pos, `"," or "]"`)
		}
	}
}

func (p *parser) parseValue() (operand, error) {
	p.skipSpace()
	if p.eof() {
		return operand{}, p.unexpected(p.pos, "value")
	}
	start := p.pos
	if q := p.src[p.pos]; q == '"' || q == '\'' {
		s, err := p.parseQuoted()
		if err != nil {
			return operand{}, err
		}
		return textOperand(s), nil
	}
	for p.pos < len(p.src) && isBareByte(p.src[p.pos]) {
		p.pos++
	}
	bare := p.src[start:p.pos]
	if bare == "" {
		return operand{}, p.unexpected(p.pos, "value")
	}
	if (bare == "date" || bare == "now") && !p.eof() && p.src[p.pos] == '(' {
		return p.parseTimeFunc(bare, start)
	}
	return textOperand(bare), nil
}

func textOperand(s string) operand {
	v := operand{text: s}
	if IsNumber(s) {
		v.num, _ = strconv.ParseFloat(s, 64)
		v.isNum = true
	}
	return v
}

// parseTimeFunc parses the argument of date(...) or now(...); p.pos is at "(".
func (p *parser) parseTimeFunc(name string, start int) (operand, error) {
	p.pos++
	p.skipSpace()
	var arg string
	if !p.eof() && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
		s, err := p.parseQuoted()
		if err != nil {
			return operand{}, err
		}
		arg = s
	} else {
		a := p.pos
		for p.pos < len(p.src) && isBareByte(p.src[p.pos]) {
			p.pos++
		}
		arg = p.src[a:p.pos]
	}
	p.skipSpace()
	if p.eof() || p.src[p.pos] != ')' {
		return operand{}, p.unexpected(p.pos, `")" to close `+name+"(")
	}
	p.pos++
	if name == "date" {
		t, ok := ParseTime(arg)
		if !ok {
			return operand{}, fmt.Errorf("invalid date %s at offset %d", quote(arg), start)
		}
		return operand{text: arg, kind: dateOperand, t: t}, nil
	}
	var d time.Duration
	if arg != "" {
		var err error
		if d, err = time.ParseDuration(arg); err != nil {
			return operand{}, fmt.Errorf("invalid duration %s at offset %d", quote(arg), start)
		}
	}
	return operand{text: arg, kind: nowOperand, d: d}, nil
}

// parseQuoted reads a '...' or "..." string. A backslash escapes the quote
// character or another backslash; any other backslash is kept as written, so
// regular expressions such as "\d+" need no doubling (assumption: the vendor
// only documents quoting, not an escape set).
func (p *parser) parseQuoted() (string, error) {
	open := p.pos
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	from := p.pos
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case q:
			s := p.src[from:p.pos]
			if b.Len() > 0 {
				b.WriteString(s)
				s = b.String()
			}
			p.pos++
			return s, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				return "", fmt.Errorf("unterminated string at offset %d", open)
			}
			if n := p.src[p.pos+1]; n == q || n == '\\' {
				b.WriteString(p.src[from:p.pos])
				b.WriteByte(n)
				p.pos += 2
				from = p.pos
				continue
			}
			p.pos += 2
			continue
		}
		p.pos++
	}
	return "", fmt.Errorf("unterminated string at offset %d", open)
}

// unexpected reports the token at pos, naming what the parser wanted.
func (p *parser) unexpected(pos int, want string) error {
	if pos >= len(p.src) {
		return fmt.Errorf("unexpected end of filter at offset %d, expected %s", pos, want)
	}
	return fmt.Errorf("unexpected %s at offset %d, expected %s", quote(p.tokenAt(pos)), pos, want)
}

// tokenAt returns the lexical token starting at pos, for error messages.
func (p *parser) tokenAt(pos int) string {
	s := p.src[pos:]
	end := 0
	switch c := s[0]; {
	case isOpByte(c):
		for end < len(s) && isOpByte(s[end]) {
			end++
		}
	case isPathByte(c) || c == '.':
		for end < len(s) && (isPathByte(s[end]) || s[end] == '.') {
			end++
		}
	case c == '"' || c == '\'':
		end = 1
		for end < len(s) && s[end] != c {
			end++
		}
		if end < len(s) {
			end++
		}
	default:
		_, end = utf8.DecodeRuneInString(s)
	}
	return s[:end]
}

// quote quotes a token for an error message, truncating long ones.
func quote(s string) string {
	if len(s) > maxTokenShown {
		cut := maxTokenShown
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

func isPathByte(c byte) bool { return isWordByte(c) || c == '-' }

func isOpByte(c byte) bool {
	switch c {
	case '=', '!', '<', '>', '~':
		return true
	}
	return false
}

// isBareByte reports whether c may appear in an unquoted value. Values stop at
// whitespace, brackets, parentheses, commas, quotes and comparison characters,
// so `a==b)` and `a==b==c` are errors rather than odd values; quote anything
// else (e.g. base64 with "=" padding).
func isBareByte(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '(', ')', '[', ']', ',', '"', '\'':
		return false
	}
	return !isOpByte(c)
}
