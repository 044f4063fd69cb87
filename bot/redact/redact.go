// Package redact removes personal data from what travelers type before
// travelbot keeps any of it: e-mail addresses, phone numbers in the common
// U.S., Italian and international formats, passport numbers, payment card
// numbers (those with a valid Luhn check digit), street addresses after
// "I'm at", "staying at", "my address is" and the like, URLs' query strings
// and fragments, and @handles. What a question is about stays: dates,
// times, "112", bib and gate numbers, years and prices are left alone.
//
// It is written as small scanners rather than regular expressions because
// it runs on the reply path for every recorded question; a question with no
// digit, '@', URL or address phrase costs one pass over its bytes.
package redact

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// The placeholders that replace what is removed.
const (
	Email    = "[email]"
	Phone    = "[phone]"
	Passport = "[passport]"
	Card     = "[card]"
	Address  = "[address]"
	Handle   = "[handle]"
	Query    = "?[query]"
	IBAN     = "[iban]"
	TaxCode  = "[tax code]"
)

// Placeholders returns every placeholder Text leaves, for the readers of
// redacted text that must tell them from what a traveler typed (review
// ignores them when it clusters, matches and promotes questions). It is
// the one list: a kind added above goes here too, or the test that redacts
// one sample of each kind fails.
func Placeholders() []string {
	return []string{Email, Phone, Passport, Card, Address, Handle, Query, IBAN, TaxCode}
}

// Text returns s with personal data replaced by the placeholders above. It
// never fails; text that needs nothing is returned as it is, without
// allocating.
func Text(s string) string {
	var digit, at, dot bool
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == '@':
			at = true
		case c == '.' || c == ':':
			dot = true // "www." and "://"
		}
	}
	if dot {
		s = urls(s)
	}
	if at {
		s = emailsAndHandles(s)
	}
	s = obfuscatedEmails(s)
	s = addresses(s, digit)
	if digit {
		s = streets(s)
	}
	if digit {
		s = ibansAndTaxCodes(s)
		s = passports(s)
		s = numbers(s)
	}
	return s
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isAlnum(c byte) bool { return isDigit(c) || isLetter(c) }

// lower returns s with ASCII letters lowered, byte for byte (so offsets in
// it are offsets in s), into buf when it fits.
func lower(s string, buf []byte) []byte {
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// urls cuts the query string and fragment off every URL, and any user
// name and password in it.
func urls(s string) string {
	if !strings.Contains(s, "://") && !strings.Contains(s, "www.") && !strings.Contains(s, "WWW.") {
		return s
	}
	var sb strings.Builder
	i := 0
	for i < len(s) {
		start := urlStart(s, i)
		if start < 0 {
			break
		}
		end := start
		for end < len(s) && s[end] != ' ' && s[end] != '\n' && s[end] != '\t' && s[end] != '"' && s[end] != '<' && s[end] != '>' {
			end++
		}
		u := s[start:end]
		// trailing punctuation belongs to the sentence
		trail := ""
		for len(u) > 0 && strings.ContainsRune(".,;:!)", rune(u[len(u)-1])) {
			trail = u[len(u)-1:] + trail
			u = u[:len(u)-1]
		}
		sb.WriteString(s[i:start])
		sb.WriteString(cleanURL(u))
		sb.WriteString(trail)
		i = end
	}
	if i == 0 {
		return s
	}
	sb.WriteString(s[i:])
	return sb.String()
}

func urlStart(s string, from int) int {
	best := -1
	for _, p := range []string{"https://", "http://", "HTTPS://", "HTTP://", "Https://", "Http://", "www.", "WWW."} {
		if j := strings.Index(s[from:], p); j >= 0 && (best < 0 || from+j < best) {
			best = from + j
		}
	}
	return best
}

func cleanURL(u string) string {
	if k := strings.Index(u, "://"); k >= 0 {
		rest := u[k+3:]
		host, path := rest, ""
		if slash := strings.IndexAny(rest, "/?#"); slash >= 0 {
			host, path = rest[:slash], rest[slash:]
		}
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		u = u[:k+3] + host + path
	}
	if q := strings.IndexAny(u, "?#"); q >= 0 {
		if q == len(u)-1 && u[q] == '?' {
			return u // a question mark ending the sentence
		}
		return u[:q] + Query
	}
	return u
}

func isEmailLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomain(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// emailsAndHandles replaces e-mail addresses, then @handles and Discord
// mentions.
func emailsAndHandles(s string) string {
	var sb strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		l := i
		for l > last && isEmailLocal(s[l-1]) {
			l--
		}
		r := i + 1
		for r < len(s) && isDomain(s[r]) {
			r++
		}
		dom := strings.TrimRight(s[i+1:r], ".-")
		r = i + 1 + len(dom)
		if l < i && validDomain(dom) {
			for l < i && (s[l] == '.' || s[l] == '-') {
				l++
			}
			sb.WriteString(s[last:l])
			sb.WriteString(Email)
			last, i = r, r-1
			continue
		}
		// @handle: '@' at a word start, then 2-32 name characters; a
		// Discord mention <@123> or <@!123>.
		if l == i && (i == 0 || !isAlnum(s[i-1])) {
			h := i + 1
			if h < len(s) && s[h] == '!' && i > 0 && s[i-1] == '<' {
				h++
			}
			e := h
			for e < len(s) && (isAlnum(s[e]) || s[e] == '_') && e-h < 33 {
				e++
			}
			if e-h >= 2 && (e == len(s) || (!isAlnum(s[e]) && s[e] != '@')) {
				start := i
				if i > 0 && s[i-1] == '<' && e < len(s) && s[e] == '>' {
					start, e = i-1, e+1
				}
				sb.WriteString(s[last:start])
				sb.WriteString(Handle)
				last, i = e, e-1
			}
		}
	}
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}

// validDomain reports whether d looks like a mail domain: labels joined by
// dots ending in a top-level domain of at least two letters.
func validDomain(d string) bool {
	dot := strings.LastIndexByte(d, '.')
	if dot <= 0 || len(d)-dot-1 < 2 {
		return false
	}
	for i := dot + 1; i < len(d); i++ {
		if !isLetter(d[i]) {
			return false
		}
	}
	return !strings.Contains(d, "..")
}

// addressTriggers are the phrases after which a traveler gives where they
// are or stay. Matched lowercased, at a word start.
var addressTriggers = []string{
	"i'm at ", "i’m at ", "im at ", "i am at ", "we're at ", "we’re at ", "we are at ",
	"staying at ", "stay at ", "i live at ", "we live at ", "my address is ", "the address is ",
	"address: ", "my hotel is at ", "our hotel is at ", "i'm staying in ", "we're staying in ",
	"il mio indirizzo è ", "indirizzo: ", "abito in ", "alloggio in ", "sto in via ", "sono in via ",
}

// addressTriggerBytes are addressTriggers as bytes, to search without
// converting.
var addressTriggerBytes = func() [][]byte {
	out := make([][]byte, len(addressTriggers))
	for i, t := range addressTriggers {
		out[i] = []byte(t)
	}
	return out
}()

// mayHoldAddress is a quick test that every trigger passes: each holds
// one of these.
func mayHoldAddress(low []byte) bool {
	for _, k := range [][]byte{[]byte("at "), []byte("address"), []byte("indirizzo"), []byte("ing in "), []byte("abito in "), []byte("alloggio in "), []byte("in via ")} {
		if bytes.Contains(low, k) {
			return true
		}
	}
	return false
}

// streetWords mark a span as a street address even without a house number.
var streetWords = []string{
	"via ", "viale ", "piazza ", "piazzale ", "corso ", "largo ", "vicolo ", "strada ", "località ",
	" street", " st ", " st.", " avenue", " ave", " road", " rd", " boulevard", " blvd", " lane", " drive", " apt", " apartment", " suite",
}

// addresses replaces what follows an address phrase, when it looks like an
// address: it has a number, or a street word. The span ends at the end of
// the sentence or clause; one comma followed by a house number
// ("Via Roma, 12") stays inside it.
func addresses(s string, digit bool) string {
	var buf [256]byte
	low := lower(s, buf[:])
	if !mayHoldAddress(low) {
		return s
	}
	var sb strings.Builder
	last := 0
	for {
		at, trig := -1, ""
		for i, t := range addressTriggerBytes {
			if j := bytes.Index(low[last:], t); j >= 0 && (at < 0 || last+j < at) {
				if k := last + j; k == 0 || !isAlnum(low[k-1]) {
					at, trig = k, addressTriggers[i]
				}
			}
		}
		if at < 0 {
			break
		}
		start := at + len(trig)
		end := start
		commas := 0
		for end < len(s) && end-start < 80 {
			c := s[end]
			if c == '?' || c == '!' || c == ';' || c == '\n' || c == '(' {
				break
			}
			if c == '.' && (end+1 == len(s) || s[end+1] == ' ') && !precededByAbbrev(low, start, end) {
				break
			}
			if c == ',' {
				j := end + 1
				for j < len(s) && s[j] == ' ' {
					j++
				}
				if commas > 0 || j >= len(s) || !isDigit(s[j]) {
					break
				}
				commas++
			}
			if c == ' ' && commas > 0 && isDigit(s[end-1]) {
				break // "Via Roma, 12" ends with its number
			}
			if c == ' ' && endsClause(low[end:]) {
				break
			}
			end++
		}
		span := strings.TrimRight(s[start:end], " ,")
		end = start + len(span)
		if looksLikeAddress(string(low[start:end]), digit) {
			sb.WriteString(s[last:start])
			sb.WriteString(Address)
			last = end
		} else {
			sb.WriteString(s[last:start])
			last = start
		}
		if last >= len(s) {
			break
		}
	}
	if sb.Len() == 0 {
		return s
	}
	sb.WriteString(s[last:])
	out := sb.String()
	if !strings.Contains(out, Address) {
		return s
	}
	return out
}

// endsClause reports whether rest, starting at a space, starts a new
// clause: " and ", " but ", " how ", " where ", " - ".
func endsClause(rest []byte) bool {
	for _, w := range []string{" and ", " but ", " how ", " where ", " - "} {
		if len(rest) >= len(w) && string(rest[:len(w)]) == w {
			return true
		}
	}
	return false
}

func precededByAbbrev(low []byte, start, dot int) bool {
	w := dot
	for w > start && isLetter(low[w-1]) {
		w--
	}
	switch string(low[w:dot]) {
	case "st", "ave", "rd", "blvd", "apt", "no", "n", "p.za", "v":
		return true
	}
	return false
}

func looksLikeAddress(span string, digit bool) bool {
	if span == "" {
		return false
	}
	if digit {
		for i := 0; i < len(span); i++ {
			if isDigit(span[i]) {
				return true
			}
		}
	}
	padded := " " + span + " "
	for _, w := range streetWords {
		if strings.Contains(padded, w) {
			return true
		}
	}
	return false
}

// passportWords put a document number in context: after one, a token of
// six to nine letters and digits with at least five digits is a passport
// number.
var passportWords = []string{"passport", "passaporto", "passeport", "pasaporte", "reisepass"}

// passports replaces passport numbers: a letter or two then 7-8 digits
// (U.S. next-generation and Italian passports, "YA1234567") anywhere, and
// any document-number-like token once a passport is mentioned.
func passports(s string) string {
	var buf [256]byte
	low := string(lower(s, buf[:]))
	context := -1
	for _, w := range passportWords {
		if j := strings.Index(low, w); j >= 0 && (context < 0 || j < context) {
			context = j
		}
	}
	var sb strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isAlnum(s[i]) || (i > 0 && isAlnum(s[i-1])) {
			i++
			continue
		}
		j := i
		for j < len(s) && isAlnum(s[j]) {
			j++
		}
		if isPassport(s[i:j], context >= 0 && i > context) && (j == len(s) || s[j] != '@') {
			sb.WriteString(s[last:i])
			sb.WriteString(Passport)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}

func isPassport(tok string, inContext bool) bool {
	letters, digits, mixed := 0, 0, false
	for i := 0; i < len(tok); i++ {
		switch {
		case isDigit(tok[i]):
			digits++
		case digits == 0:
			letters++
		default:
			mixed = true
		}
	}
	if !mixed && (letters == 1 || letters == 2) && (digits == 7 || digits == 8) {
		return true
	}
	if !inContext || len(tok) < 6 {
		return false
	}
	// after "passport": a U.K. or U.S. number of nine digits, a French
	// 12AB34567, a Spanish PAA123456, a German C01X00T47 (letters and
	// digits mixed, nine or ten characters)
	return (len(tok) <= 9 && digits >= 5 && len(tok)-digits <= 3) || (len(tok) <= 10 && digits >= 3 && len(tok)-digits <= 6 && isUpperOrDigits(tok))
}

// isUpperOrDigits reports whether tok holds no lower-case letter, as a
// document number is written.
func isUpperOrDigits(tok string) bool {
	for i := 0; i < len(tok); i++ {
		if tok[i] >= 'a' && tok[i] <= 'z' {
			return false
		}
	}
	return true
}

// numbers replaces phone and card numbers among the runs of digits.
func numbers(s string) string {
	var sb strings.Builder
	var r run
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		startsRun := isDigit(c) || ((c == '+' || c == '(') && i+1 < len(s) && isDigit(s[i+1]))
		if !startsRun || (i > 0 && (isAlnum(s[i-1]) || s[i-1] == '+' || s[i-1] == '$' || s[i-1] == '#' || s[i-1] == '.' || s[i-1] == ',' || s[i-1] == ':' || s[i-1] == '/')) || strings.HasPrefix(s[max(0, i-3):i], "€") {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		scanRun(s, i, &r)
		if kind := r.classify(); kind != "" {
			sb.WriteString(s[last:r.start])
			sb.WriteString(kind)
			last = r.end
		}
		i = max(r.end, i+1)
	}
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}

// run is a stretch of digit groups joined by short separators. Its
// arrays keep scanning free of allocations.
type run struct {
	start, end int
	plus       bool
	paren      bool
	ng, ns, nd int
	groupArr   [maxGroups]int  // digits per group
	sepArr     [maxGroups]byte // the first separator byte between groups
	digitArr   [maxDigits]byte // every digit, in order
}

const (
	maxGroups = 12
	maxDigits = 20
)

func (r *run) groups() []int  { return r.groupArr[:r.ng] }
func (r *run) seps() []byte   { return r.sepArr[:r.ns] }
func (r *run) digits() []byte { return r.digitArr[:r.nd] }

func isSep(c byte) bool { return c == ' ' || c == '.' || c == '-' || c == '/' || c == '(' || c == ')' }

func scanRun(s string, i int, r *run) {
	*r = run{start: i}
	if s[i] == '+' {
		r.plus = true
		i++
	}
	if i < len(s) && s[i] == '(' {
		r.paren = true
		i++
	}
	for {
		g := 0
		for i < len(s) && isDigit(s[i]) {
			if r.nd < maxDigits {
				r.digitArr[r.nd] = s[i]
			}
			r.nd++
			g++
			i++
		}
		r.groupArr[r.ng] = g
		r.ng++
		r.end = i
		// a separator of one or two bytes, then a digit
		j := i
		for j < len(s) && j-i < 2 && isSep(s[j]) {
			j++
		}
		if j == i || j >= len(s) || !isDigit(s[j]) || r.nd >= maxDigits || r.ng == maxGroups {
			break
		}
		if strings.IndexByte(s[i:j], '(') >= 0 {
			r.paren = true
		}
		if strings.IndexByte(s[i:j], ')') >= 0 && !r.paren {
			break
		}
		sep := s[i]
		if sep == ')' || sep == '(' {
			sep = ' '
		}
		r.sepArr[r.ns] = sep
		r.ns++
		i = j
	}
	if r.nd > maxDigits {
		r.ng = 0 // too long to be a phone or a card
	}
	if r.paren && r.end < len(s) && s[r.end] == ')' && r.ng == 1 {
		r.end++
	}
	// a run that ends inside a word ("3pm", "10km") is no number to hide
	if r.end < len(s) && isAlnum(s[r.end]) {
		r.ng = 0
	}
}

func (r *run) allSeps(c byte) bool {
	for _, s := range r.seps() {
		if s != c {
			return false
		}
	}
	return true
}

// classify says what a run is: Card, Phone, or "" to keep it.
func (r *run) classify() string {
	n := r.nd
	if r.ng == 0 || n < 7 {
		return ""
	}
	d := r.digits()
	if !r.plus && n >= 13 && n <= 19 && (r.allSeps(' ') || r.allSeps('-')) && luhn(d) {
		return Card
	}
	if r.isDate() {
		return ""
	}
	if r.plus {
		if n >= 7 && n <= 15 {
			return Phone
		}
		return ""
	}
	// groups after the first have two digits or more: "gates 3 4 5 6 7"
	// is not a phone number
	groups := r.groups()
	for _, g := range groups[1:] {
		if g < 2 {
			return ""
		}
	}
	for _, c := range r.seps() {
		if c == '/' && !r.isSlashPhone() {
			return "" // fractions, dates, ranges
		}
	}
	switch {
	case d[0] == '0' && d[1] == '0' && n >= 10 && n <= 15:
		return Phone // 0039 02 1234 5678
	case n == 10:
		return Phone // U.S. (555) 123-4567, Italian 333 123 4567 or 02 1234 5678
	case n == 11 && (d[0] == '1' || d[0] == '0' || d[0] == '3'):
		return Phone // 1-800-555-0199; an Italian landline; an Italian mobile 347 12345678
	case (n == 12 || n == 13) && d[0] == '3' && d[1] == '9':
		return Phone // 39 333 1234567
	case n == 9 && (d[0] == '0' || d[0] == '3') && len(groups) > 1:
		return Phone // 02 1234567, 333 123456
	case n == 8 && d[0] == '0' && len(groups) > 1:
		return Phone // 0471 1234
	case n == 7 && len(groups) == 2 && groups[0] == 3 && (r.sepArr[0] == '-' || r.sepArr[0] == '.'):
		return Phone // 555-0199
	}
	return ""
}

// isSlashPhone recognises the Italian way of writing a number with its
// prefix: 347/1234567, 02/12345678, 0436/866252. A date or a fraction has
// more groups, or a first group that starts with neither 0 nor 3.
func (r *run) isSlashPhone() bool {
	if r.ng != 2 || r.sepArr[0] != '/' || r.nd < 9 || r.nd > 11 {
		return false
	}
	g0, first := r.groupArr[0], r.digitArr[0]
	return g0 >= 2 && g0 <= 4 && (first == '0' || first == '3')
}

// isDate recognises 10/02/2026, 2026-02-10, 10.02.26 and the like.
func (r *run) isDate() bool {
	if r.ng != 3 || r.ns != 2 || r.sepArr[0] != r.sepArr[1] || r.sepArr[0] == ' ' {
		return false
	}
	g := r.groups()
	small := func(x int) bool { return x == 1 || x == 2 }
	return (small(g[0]) && small(g[1]) && (g[2] == 4 || g[2] == 2)) || (g[0] == 4 && small(g[1]) && small(g[2]))
}

// luhn reports whether digits pass the Luhn check.
func luhn(digits []byte) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// atMarks and dotMarks are how people spell out '@' and '.' to hide an
// address from robots: "mario dot rossi at gmail dot com",
// "mario(at)libero(dot)it", "mario [at] libero [dot] it". Matched
// lowercased; the plain word forms need a space on each side.
var (
	atMarks  = []string{"(at)", "[at]", "{at}", "<at>", " at ", " @ "}
	dotMarks = []string{"(dot)", "[dot]", "{dot}", "<dot>", " dot "}
)

// atMarkBytes are atMarks as bytes, to search without converting.
var atMarkBytes = func() [][]byte {
	out := make([][]byte, len(atMarks))
	for i, m := range atMarks {
		out[i] = []byte(m)
	}
	return out
}()

// mailProviders are the domains a plain "name at gmail.com" is believed
// for; "tickets at ticketone.it" is where to buy, not an address.
var mailProviders = []string{
	"gmail", "googlemail", "yahoo", "hotmail", "outlook", "live", "msn", "icloud", "me", "mac", "aol",
	"proton", "protonmail", "pm", "gmx", "mail", "libero", "virgilio", "tiscali", "alice", "tim",
	"fastwebnet", "email", "hey", "zoho", "yandex", "comcast", "verizon", "att", "sbcglobal",
}

// notLocal are words that stand before "at" in ordinary sentences and are
// never the local part of a spelled-out address ("look at booking dot com").
var notLocal = []string{
	"i", "im", "we", "me", "us", "you", "he", "she", "they", "it", "is", "are", "am", "be", "was", "stay",
	"staying", "arrive", "arriving", "look", "looking", "meet", "here", "there", "this", "that", "them",
	"tickets", "ticket", "buy", "book", "booked", "check", "online", "sold", "available", "info", "me",
}

// obfuscatedEmails replaces e-mail addresses spelled out with words or
// brackets. An address is a local part of e-mail characters (its words
// may be joined by a dot mark), an at mark, and a domain of two labels or
// more joined by '.' or a dot mark, ending in a top-level domain of two
// letters or more. With a plain " at " and only '.' in the domain the
// domain must be a mail provider's.
func obfuscatedEmails(s string) string {
	var buf [256]byte
	low := lower(s, buf[:])
	any := false
	for _, m := range atMarkBytes {
		if bytes.Contains(low, m) {
			any = true
			break
		}
	}
	if !any {
		return s
	}
	var sb strings.Builder
	last := 0
	for i := 0; i < len(low); i++ {
		if c := low[i]; c != ' ' && c != '(' && c != '[' && c != '{' && c != '<' {
			continue
		}
		mark := hasMarkAt(low, i, atMarks)
		if mark == "" {
			continue
		}
		l := localStart(low, last, i)
		d := i + len(mark)
		for d < len(low) && low[d] == ' ' {
			d++ // "mario [at] libero"
		}
		r, words := domainEnd(low, d)
		if l < 0 || r < 0 {
			continue
		}
		plain := mark == " at " && !words
		if plain {
			dom := string(low[i+len(mark) : r])
			first, _, _ := strings.Cut(dom, ".")
			if !slicesContains(mailProviders, first) {
				continue
			}
		}
		sb.WriteString(s[last:l])
		sb.WriteString(Email)
		last, i = r, r-1
	}
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}

func slicesContains(list []string, w string) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}

// hasMarkAt returns the mark of marks that low holds at i, or "".
func hasMarkAt(low []byte, i int, marks []string) string {
	for _, m := range marks {
		if len(low)-i >= len(m) && string(low[i:i+len(m)]) == m {
			return m
		}
	}
	return ""
}

// localStart returns where the local part ending at end starts, no
// earlier than from, or -1 when there is none: words of e-mail characters
// joined by dot marks, starting at a word boundary, the last not one of
// notLocal.
func localStart(low []byte, from, end int) int {
	for end > from && low[end-1] == ' ' {
		end--
	}
	l := end
	for l > from && isEmailLocal(low[l-1]) {
		l--
	}
	if l == end || slicesContains(notLocal, string(low[l:end])) {
		return -1
	}
	for {
		if l > from && (isAlnum(low[l-1]) || low[l-1] == '\'' || low[l-1] >= 0x80) {
			return -1 // "I'm at", a word cut in the middle
		}
		// another word joined by a dot mark: "mario dot rossi"
		joined := -1
		for _, m := range dotMarks {
			if k := l - len(m); k >= from && string(low[k:l]) == m {
				joined = k
			}
			if k := l - len(m) - 1; k >= from && low[l-1] == ' ' && string(low[k:l-1]) == m {
				joined = k
			}
		}
		if joined < 0 {
			return l
		}
		w := joined
		for w > from && low[w-1] == ' ' && strings.HasPrefix(string(low[joined:]), "(") {
			w--
		}
		k := w
		for k > from && isEmailLocal(low[k-1]) {
			k--
		}
		if k == w {
			return l
		}
		l = k
	}
}

// domainEnd returns where the domain starting at i ends, or -1 when no
// domain starts there, and whether a dot mark joined its labels.
func domainEnd(low []byte, i int) (end int, words bool) {
	labels, lastLabel := 0, ""
	for {
		j := i
		for j < len(low) && (isAlnum(low[j]) || low[j] == '-') {
			j++
		}
		if j == i {
			break
		}
		labels++
		lastLabel = string(low[i:j])
		end = j
		if j < len(low) && low[j] == '.' && j+1 < len(low) && isAlnum(low[j+1]) {
			i = j + 1
			continue
		}
		k := j
		m := hasMarkAt(low, k, dotMarks)
		if m == "" && k+1 < len(low) && low[k] == ' ' {
			k++ // "libero [dot] it"
			if m = hasMarkAt(low, k, dotMarks); m != "" && m[0] == ' ' {
				m = ""
			}
		}
		if m == "" {
			break
		}
		k += len(m)
		for k < len(low) && low[k] == ' ' {
			k++
		}
		words = true
		i = k
	}
	if labels < 2 || len(lastLabel) < 2 {
		return -1, false
	}
	for i := 0; i < len(lastLabel); i++ {
		if !isLetter(lastLabel[i]) {
			return -1, false
		}
	}
	return end, words
}

// ibansAndTaxCodes replaces IBANs (two letters, two check digits, then
// 11 to 30 letters and digits, in groups of four or not, with a valid
// mod-97 check) and Italian tax codes (codice fiscale: six letters, two
// digits, a letter, two digits, a letter, three digits, a letter; the
// digits may be letters in a recoded one, so only their places are
// checked loosely).
func ibansAndTaxCodes(s string) string {
	var sb strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) || (i > 0 && isAlnum(s[i-1])) {
			continue
		}
		if end := ibanEnd(s, i); end > 0 {
			sb.WriteString(s[last:i])
			sb.WriteString(IBAN)
			last, i = end, end-1
			continue
		}
		if i+16 <= len(s) && (i+16 == len(s) || !isAlnum(s[i+16])) && isTaxCode(s[i:i+16]) {
			sb.WriteString(s[last:i])
			sb.WriteString(TaxCode)
			last, i = i+16, i+15
		}
	}
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}

// ibanEnd returns where the IBAN starting at i ends, or 0.
func ibanEnd(s string, i int) int {
	if i+4 > len(s) || !isLetter(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return 0
	}
	var chars [34]byte
	n, end := 0, 0
	for j := i; j < len(s) && n < len(chars); {
		if isAlnum(s[j]) {
			c := s[j]
			if isLetter(c) {
				c &^= 0x20 // upper case
			}
			chars[n] = c
			n++
			j++
			end = j
			continue
		}
		if s[j] == ' ' && j+1 < len(s) && isAlnum(s[j+1]) && n%4 == 0 {
			j++
			continue
		}
		break
	}
	if end < len(s) && isAlnum(s[end]) {
		return 0
	}
	if n < 15 || !ibanValid(chars[:n]) {
		return 0
	}
	return end
}

// ibanValid checks an IBAN's mod-97 check digits (ISO 13616).
func ibanValid(c []byte) bool {
	rem := 0
	for k := range c {
		ch := c[(k+4)%len(c)]
		if isDigit(ch) {
			rem = (rem*10 + int(ch-'0')) % 97
		} else {
			rem = (rem*100 + int(ch-'A'+10)) % 97
		}
	}
	return rem == 1
}

// isTaxCode reports whether t has the shape of a codice fiscale.
func isTaxCode(t string) bool {
	for k := 0; k < 16; k++ {
		c := t[k]
		switch k {
		case 0, 1, 2, 3, 4, 5, 8, 11, 15:
			if !isLetter(c) {
				return false
			}
		default:
			if !isAlnum(c) {
				return false
			}
		}
	}
	return isDigit(t[6]) || isDigit(t[7]) || isDigit(t[9]) || isDigit(t[10])
}

// streetPrefixes start an Italian street name.
var streetPrefixes = []string{"via ", "viale ", "piazza ", "piazzale ", "corso ", "largo ", "vicolo "}

// streetParticles may stand lower-case inside a street's name.
var streetParticles = []string{"del", "della", "dei", "di", "delle", "degli", "dello", "dal", "san", "e"}

// startsWithParticle reports whether low starts with a street particle
// and a space ("della Spiga").
func startsWithParticle(low []byte) bool {
	for _, p := range streetParticles {
		if len(low) > len(p) && string(low[:len(p)]) == p && low[len(p)] == ' ' {
			return true
		}
	}
	return false
}

// streets replaces an Italian street address with no phrase before it
// ("I'm staying at Hotel Cristallo, Via Menardi 42, Cortina"): a street
// word, one to four words the first of which is capitalised, and a house
// number of one to three digits (a letter or "/A" may follow). A year
// after a square's name ("Piazza Duomo 2026") has four digits and stays.
func streets(s string) string {
	var buf [256]byte
	low := lower(s, buf[:])
	var sb strings.Builder
	last := 0
	for i := 0; i < len(low); i++ {
		if i > 0 && isAlnum(low[i-1]) {
			continue
		}
		p := hasMarkAt(low, i, streetPrefixes)
		if p == "" {
			continue
		}
		j := i + len(p)
		if j >= len(s) || (s[j] < 'A' || s[j] > 'Z') && !startsWithParticle(low[j:]) {
			continue
		}
		end := -1
		for words := 0; words < 4 && j < len(s); words++ {
			k := j
			for k < len(s) && (isLetter(s[k]) || s[k] == '\'' || s[k] >= 0x80) {
				k++
			}
			if k == j || k >= len(s) || s[k] != ' ' && s[k] != ',' {
				break
			}
			if words > 0 && (s[j] < 'A' || s[j] > 'Z') && !slicesContains(streetParticles, string(low[j:k])) {
				break // "via Verona to Cortina": a route, not a street
			}
			n := k
			if n < len(s) && s[n] == ',' {
				n++
			}
			for n < len(s) && s[n] == ' ' {
				n++
			}
			d := n
			for d < len(s) && isDigit(s[d]) {
				d++
			}
			if d > n && d-n <= 3 {
				if d+1 < len(s) && s[d] == '/' && isAlnum(s[d+1]) {
					d += 2
				} else if d < len(s) && isLetter(s[d]) && (d+1 == len(s) || !isAlnum(s[d+1])) {
					d++
				}
				if d == len(s) || !isAlnum(s[d]) {
					end = d
				}
				break
			}
			if k < len(s) && s[k] == ',' {
				break
			}
			j = n
		}
		if end < 0 {
			continue
		}
		sb.WriteString(s[last:i])
		sb.WriteString(Address)
		last, i = end, end-1
	}
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}
