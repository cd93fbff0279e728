"""The only door to the database: engines, SQL, migrations, backups and restore.

`sqlite` (the start-up fast path on the standard library), `database` (SQLAlchemy sessions),
`schema` and `migrations` (Alembic), `backup_files`, `backup_check` (with `backup_schema` and
`backup_rows`), `backups` and `restore`, `opening` (what the start-up should do), and the
SQLite adapters of the protocols the rest of the application uses (`sqlite_listing` for
`app.listing.DossierListing`, `sqlite_accounts` for `app.auth.Accounts`, `sqlite_office` for
an opened office). Nothing outside this package writes SQL or knows the database engine;
`ui/` never imports it.
"""
