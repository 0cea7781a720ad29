package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver
	_ "modernc.org/sqlite"             // "sqlite" driver, pure Go
)

// Open connects to the database named by dsn and brings its schema up to
// date. dsn is a postgres:// (or postgresql://) URL, or the path of an
// SQLite file; "" means dataDir/tcpsnitch.db.
func Open(ctx context.Context, dsn, dataDir string) (Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == "" {
		path = filepath.Join(dataDir, "tcpsnitch.db")
	}
	return openSQLite(ctx, path)
}

func openSQLite(ctx context.Context, path string) (Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the database directory: %w", err)
	}
	// WAL: pages can be read while an import writes. BEGIN IMMEDIATE takes
	// the write lock up front, so two writers wait for each other (busy
	// timeout) instead of failing on a lock upgrade.
	q := url.Values{}
	for _, p := range []string{"busy_timeout(60000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "cache_size(-32768)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// One writer at a time anyway; a bound keeps 50 simultaneous uploads
	// from opening 50 connections (each with its own page cache).
	db.SetMaxOpenConns(8)
	return finishOpen(ctx, db, sqliteDialect, path)
}

func openPostgres(ctx context.Context, dsn string) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	u, _ := url.Parse(dsn)
	where := dsn
	if u != nil {
		u.User = nil // never log a password
		where = u.String()
	}
	return finishOpen(ctx, db, postgresDialect, where)
}

func finishOpen(ctx context.Context, db *sql.DB, d dialect, where string) (Store, error) {
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		// pgx lists each address it tried on its own line: one line here.
		return nil, fmt.Errorf("cannot open the database %s: %s (check --db)", where, strings.Join(strings.Fields(err.Error()), " "))
	}
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, fmt.Errorf("updating the database schema of %s: %w", where, err)
	}
	return &sqlStore{db: db, d: d}, nil
}
