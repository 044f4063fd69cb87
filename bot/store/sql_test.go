package store

import "testing"

func TestDollars(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"DELETE FROM claims WHERE expires_at < ?", "DELETE FROM claims WHERE expires_at < $1"},
		{"at % ?) + ?) % ? AND at >= ? AND at < ? LIMIT ?", "at % $1) + $2) % $3 AND at >= $4 AND at < $5 LIMIT $6"},
		{"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
	} {
		if got := Dollars(tt.in); got != tt.want {
			t.Errorf("Dollars(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestInsertQuery(t *testing.T) {
	k := Insert{head: "INSERT INTO t (a, b) VALUES ", Columns: 2, tail: " ON CONFLICT DO NOTHING"}
	if got, want := k.Query(1), "INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING"; got != want {
		t.Errorf("Query(1) = %q, want %q", got, want)
	}
	if got, want := k.Query(3), "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?) ON CONFLICT DO NOTHING"; got != want {
		t.Errorf("Query(3) = %q, want %q", got, want)
	}
	// The values the Append functions add are what the inserts expect.
	args, err := AppendQuestion(nil, Question{ID: "q"})
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != InsertQuestions.Columns {
		t.Errorf("AppendQuestion adds %d values, InsertQuestions takes %d", len(args), InsertQuestions.Columns)
	}
	if args[9] != "[]" {
		t.Errorf("no candidates are stored as %v, want []", args[9])
	}
	if n := len(AppendEvent(nil, Event{})); n != InsertEvents.Columns {
		t.Errorf("AppendEvent adds %d values, InsertEvents takes %d", n, InsertEvents.Columns)
	}
}
