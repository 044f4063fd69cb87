package seeds_test

import (
	"regexp"
	"testing"
)

// An answer that tells the traveler to contact the consulate or its citizen
// services links the page that has the contact details, like one that names
// a website does ("Need help yourself? Contact the consulate's citizen
// services" once had no link).
func TestAnswersLinkTheConsulateTheySendTo(t *testing.T) {
	f := parseSeeds(t)
	link := regexp.MustCompile(`https://\S+`)
	sendsTo := regexp.MustCompile(`(?i)\bcontact (the|its|your)\b[^.\n]*\b(consulate|embassy|citizen services)`)
	for _, e := range f.Entries {
		if sendsTo.MatchString(e.Answer) && !link.MatchString(e.Answer) {
			t.Errorf("%s: sends the traveler to %q without a link", e.ID, sendsTo.FindString(e.Answer))
		}
	}
}
