-- The analysts' watchdog (SPEC 9) in two halves: end_overrunning_analyst_sessions ends sessions and
-- writes nothing, so a hot standby runs it (freshplan analyst watchdog there); the primary's pg_cron job
-- also sets the logins' defaults again (ALTER ROLE), which a standby refuses. Ending real sessions needs
-- other connections: tests/test_reporting.py (primary) and tests/test_replica.py (a real replica).
begin;
select plan(8);

select tests.create_tenant('alpha');
select app_private.create_analyst(
    'ana_tap_watchdog', 'alpha',
    'SCRAM-SHA-256$4096:' || repeat('A', 22) || '==$' || repeat('B', 43) || '=:' || repeat('C', 43) || '='
);

select ok(
    has_function_privilege('migrator', 'app_private.end_overrunning_analyst_sessions()', 'execute'),
    'the migration role (its owner, a member of every analyst login) runs the watchdog'
);
select ok(
    not has_function_privilege('ana_tap_watchdog', 'app_private.end_overrunning_analyst_sessions()', 'execute')
    and not has_function_privilege('reporting_reader', 'app_private.end_overrunning_analyst_sessions()', 'execute'),
    'an analyst may not'
);
select ok(
    not has_function_privilege('svc_jobs', 'app_private.end_overrunning_analyst_sessions()', 'execute')
    and not has_function_privilege('svc_api', 'app_private.end_overrunning_analyst_sessions()', 'execute'),
    'nor may the services'
);
select ok(
    pg_has_role('migrator', 'ana_tap_watchdog', 'usage'),
    'the migration role has the privileges of the login, so it may end its sessions (no pg_signal_backend)'
);

select is(
    app_private.cancel_long_analyst_queries(), '{"ended": 0}',
    'on the primary: no analyst session over its limit, and the defaults set again'
);
select ok(
    (
        select setconfig @> array['default_transaction_read_only=on', 'statement_timeout=120s']
        from pg_db_role_setting where setrole = 'ana_tap_watchdog'::regrole
    ),
    'the login''s defaults, reporting.maxQuerySeconds'' default among them'
);

-- what a standby allows: nothing but reads (pgTAP's own bookkeeping is in temporary tables)
set transaction_read_only = on;
select is_empty(
    'select * from app_private.end_overrunning_analyst_sessions()',
    'read-only, the ending half runs (and finds nothing here)'
);
select throws_ok(
    'select app_private.cancel_long_analyst_queries()', '25006', null,
    'the primary''s job does not: it writes the logins'' defaults'
);

select * from finish();
rollback;
