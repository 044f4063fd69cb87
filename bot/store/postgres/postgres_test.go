package postgres_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"travelbot/bot/store"
	"travelbot/bot/store/pgtest"
	"travelbot/bot/store/postgres"
	"travelbot/bot/store/storetest"
)

// cluster is the one PostgreSQL every test of the package uses, a fresh
// database each; nil when PostgreSQL is not installed.
var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	c, err := pgtest.New()
	switch {
	case err == nil:
		cluster = c
	case os.Getenv("CI") != "" || !strings.Contains(err.Error(), "not installed"):
		println(err.Error())
		os.Exit(1)
	}
	code := m.Run()
	if cluster != nil {
		cluster.Close()
	}
	os.Exit(code)
}

// database returns the DSN of a fresh database, or skips t.
func database(t *testing.T) string {
	t.Helper()
	if cluster == nil {
		t.Skipf("skipping: %v", pgtest.ErrNotInstalled)
	}
	return cluster.Database(t)
}

func open(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

func TestReopenAndNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	dsn := database(t)
	for range 2 { // the second open finds every migration applied
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, postgres.SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	if db, err := postgres.Open(ctx, dsn); err == nil {
		db.Close()
		t.Fatal("a database from a newer travelbot was opened")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q does not say the schema is newer", err)
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://u:s3cret-pw@127.0.0.1:1/db?connect_timeout=1&sslmode=disable")
	if err == nil {
		t.Fatal("opened a database on port 1")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error %q shows the password", err)
	}
}
