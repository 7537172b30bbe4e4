-- Extensions for duplicate detection (pg_trgm) and the hold overlap constraint (btree_gist).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create extension if not exists pg_trgm with schema extensions;
create extension if not exists btree_gist with schema extensions;
