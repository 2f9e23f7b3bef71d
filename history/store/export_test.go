package store

import "database/sql"

// What the store's external tests (the benchmarks beside the sqlite3 tool)
// need of its inside: the connection, to write many rows in one
// transaction, and the SQL List runs.
var (
	DBOf         = func(s *Store) *sql.DB { return s.db }
	BoolInt      = boolInt
	QueryWhere   = Query.where
	QueryOrderBy = Query.orderBy
)

const (
	RecordColumns = recordColumns
	FileColumns   = fileColumns
)
