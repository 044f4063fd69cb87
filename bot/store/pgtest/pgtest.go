// Package pgtest starts throwaway PostgreSQL clusters for tests, from the
// server binaries of Debian's postgresql package (initdb and pg_ctl under
// /usr/lib/postgresql/*/bin): a fresh data directory in a temp dir, a free
// port on 127.0.0.1, trust authentication, fsync off, stopped and removed
// when the test ends. Run as root, the cluster runs as the postgres user
// (PostgreSQL refuses to run as root). The server is a child process that
// the kernel kills if the test process dies first (a timeout's panic), so
// no cluster outlives its test.
//
// Without PostgreSQL installed, Start skips the test with a message saying
// how to install it; when the CI environment variable is set it fails the
// test instead, so that CI never passes by skipping.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"travelbot/internal/deathsig"
)

// ErrNotInstalled is returned by New when no PostgreSQL server binaries are
// found.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL is not installed (apt-get install postgresql)")

// Cluster is one running throwaway cluster. NewDatabase and Database are
// safe for concurrent use; Close is not.
type Cluster struct {
	// DSN connects to the cluster's "postgres" database as the superuser.
	DSN string

	bin, dir, data string
	port           int
	cred           *syscall.Credential // the cluster's owner when run as root; nil otherwise
	server         *exec.Cmd
	exited         <-chan struct{} // closed when server has exited
	dbs            atomic.Int64
}

// Start starts a cluster for t and stops it when t ends. It skips t when
// PostgreSQL is not installed, unless CI is set: then it fails t.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c, err := New()
	check(t, err)
	t.Cleanup(c.Close)
	return c
}

// check skips t when err says PostgreSQL is not installed, unless CI is
// set: then, as for any other error, it fails t.
func check(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNotInstalled) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v, and CI is set: the PostgreSQL tests must run in CI", err)
		}
		t.Skipf("skipping: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Installed reports whether PostgreSQL's server binaries are there.
func Installed() bool {
	_, err := binDir()
	return err == nil
}

// binDir is the newest /usr/lib/postgresql/<version>/bin holding initdb.
func binDir() (string, error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", ErrNotInstalled
	}
	version := func(p string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
		return n
	}
	sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
	return filepath.Dir(found[0]), nil
}

// New starts a cluster; the caller must Close it. TestMain uses it; tests
// use Start.
func New() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{bin: bin, dir: dir, data: filepath.Join(dir, "data")}
	if os.Geteuid() == 0 {
		owner, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: running as root needs the postgres user (from the postgresql package): %w", err)
		}
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	}
	if out, err := c.run("initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	// A free port can be taken by someone else between our probe and the
	// server's bind: try a few.
	for attempt := 1; ; attempt++ {
		if c.port, err = freePort(); err == nil {
			err = c.start()
		}
		if err == nil {
			break
		}
		if attempt == 3 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	c.DSN = c.dsn("postgres")
	return c, nil
}

// start runs the server on c.port and waits until it takes connections.
func (c *Cluster) start() error {
	logPath := filepath.Join(c.dir, "log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	cmd := c.command("postgres", "-D", c.data, "-p", strconv.Itoa(c.port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	exited, err := deathsig.Start(cmd)
	if err != nil {
		return fmt.Errorf("pgtest: postgres: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		cctx, ccancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgx.Connect(cctx, c.dsn("postgres"))
		ccancel()
		if err == nil {
			conn.Close(ctx)
			c.server, c.exited = cmd, exited
			return nil
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres exited at start:\n%s", log)
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-exited
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres did not take connections within a minute: %w\n%s", err, log)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *Cluster) dsn(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// command runs one of the server binaries as the cluster's owner, killed
// if this process dies first.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred} // deathsig.Start adds the parent-death signal
	return cmd
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	cmd := c.command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	exited, err := deathsig.Start(cmd)
	if err != nil {
		return nil, err
	}
	<-exited
	if !cmd.ProcessState.Success() {
		return out.Bytes(), fmt.Errorf("%s: %s", cmd.Path, cmd.ProcessState)
	}
	return out.Bytes(), nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// NewDatabase creates an empty database on the cluster and returns its DSN.
func (c *Cluster) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("test_%d", c.dbs.Add(1))
	conn, err := pgx.Connect(ctx, c.DSN)
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return c.dsn(name), nil
}

// Database is NewDatabase for a test: it fails t on error.
func (c *Cluster) Database(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, err := c.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// Close stops the cluster at once (an immediate shutdown: connections are
// cut) and removes its files. It is safe to call more than once.
func (c *Cluster) Close() {
	if c.dir == "" {
		return
	}
	if c.server != nil {
		_ = c.server.Process.Signal(syscall.SIGQUIT) // immediate shutdown
		select {
		case <-c.exited:
		case <-time.After(10 * time.Second):
			_ = c.server.Process.Kill()
			<-c.exited
		}
	}
	os.RemoveAll(c.dir)
	c.dir = ""
}
