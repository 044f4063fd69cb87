package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"travelbot/bot/store/pgtest"
)

func TestClusterServesSeparateDatabases(t *testing.T) {
	c := pgtest.Start(t)
	ctx := context.Background()
	a, b := c.Database(t), c.Database(t)
	if a == b {
		t.Fatalf("two databases with one DSN %s", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, `CREATE TABLE t (x int); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 't'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the second database sees the first's table: %d, %v", n, err)
	}
	var user string
	if err := ca.QueryRow(ctx, `SELECT current_user`).Scan(&user); err != nil || user != "postgres" {
		t.Errorf("current_user = %q, %v", user, err)
	}
}

func TestSharedStartsOneCluster(t *testing.T) {
	var s pgtest.Shared
	defer s.Close()
	a := s.Start(t)
	if b := s.Start(t); b != a {
		t.Fatal("two Starts of one Shared started two clusters")
	}
	ctx := context.Background()
	dsn := a.Database(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	s.Close()
	s.Close() // a second Close is harmless
	if conn, err := pgx.Connect(ctx, dsn); err == nil {
		conn.Close(ctx)
		t.Error("the cluster still takes connections after Close")
	}
}
