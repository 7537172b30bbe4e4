-- Deadlines and status (SPEC 3.3): boundaries to the second, DST, month ends, both modes,
-- qualifying activities, settings changes, independence from the session time zone.
begin;
select plan(36);

select tests.create_tenant('alpha');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');

-- Registered 2026-01-10 10:00 Berlin (CET, UTC+1).
select tests.register_lead('rep@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset

select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-10 09:00+00')).progress_due_at,
    '2026-03-11 09:00+00'::timestamptz, 'progress due 60 local days after registration'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-10 09:00+00')).warning_at,
    '2026-03-04 09:00+00'::timestamptz, 'warning 7 days before that'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-10 09:00+00')).grace_until,
    '2026-03-21 09:00+00'::timestamptz, 'grace ends 70 local days after registration'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-10 09:00+00')).term_end_at,
    '2026-07-10 08:00+00'::timestamptz, 'the term ends 6 months later at 10:00 local (CEST)'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-10 09:00+00')).expires_at,
    '2026-03-21 09:00+00'::timestamptz, 'GREATEST: expires at the end of grace'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-03-11 08:59:59+00')).status, 'ACTIVE',
    'one second before progress is due: ACTIVE'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-03-11 09:00+00')).status, 'GRACE',
    'exactly when progress is due: GRACE'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-03-21 08:59:59+00')).status, 'GRACE',
    'one second before grace ends: GRACE'
);
select is(
    (tests.protection('manager@alpha.test', :'lead', '2026-03-21 09:00+00')).status, 'EXPIRED',
    'exactly when grace ends: EXPIRED'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-03-21 09:00+00')).status, 'EXPIRED',
    'the owner sees their lead EXPIRED'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-03-21 09:00+00')).expires_at,
    '2026-03-21 09:00+00'::timestamptz, '... and when it expired'
);

-- The session time zone changes nothing.
set local timezone = 'America/Los_Angeles';
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-10 09:00+00')).progress_due_at,
    '2026-03-11 09:00+00'::timestamptz, 'same deadline in a session set to Los Angeles time'
);
set local timezone = 'Asia/Tokyo';
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-10 09:00+00')).term_end_at,
    '2026-07-10 08:00+00'::timestamptz, 'same term end in a session set to Tokyo time'
);
reset timezone;

-- Across the spring DST change: 10:00 local stays 10:00 local.
select tests.register_lead('rep@alpha.test', 'Hotel Krone', '2026-02-15 09:00+00') as dst_lead \gset
select is(
    (tests.protection('rep@alpha.test', :'dst_lead', '2026-02-15 09:00+00')).progress_due_at,
    '2026-04-16 08:00+00'::timestamptz, 'across the DST change the local time is kept (10:00 CEST)'
);
select is(
    (tests.protection('rep@alpha.test', :'dst_lead', '2026-04-16 07:59:59+00')).status, 'ACTIVE',
    'one second before that: ACTIVE'
);
select is(
    (tests.protection('rep@alpha.test', :'dst_lead', '2026-04-16 08:00+00')).status, 'GRACE',
    'at it: GRACE'
);

-- Qualifying activities move the anchor; others do not.
select is(
    tests.act('rep@alpha.test', '2026-02-09 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'NOTE')),
    'ok', 'a NOTE is logged'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-02-09 09:00+00')).progress_due_at,
    '2026-03-11 09:00+00'::timestamptz, 'a NOTE does not renew protection'
);
select is(
    tests.act(
        'rep@alpha.test', '2026-02-09 09:00+00',
        format('select api.log_activity(%L, %L, %L)', :'lead', 'QUALIFIED_CALL', '2026-02-08 09:00+00')
    ),
    'ok', 'a qualifying call (yesterday) is logged'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-02-09 09:00+00')).last_progress_at,
    '2026-02-08 09:00+00'::timestamptz, 'it becomes the anchor'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-02-09 09:00+00')).progress_due_at,
    '2026-04-09 08:00+00'::timestamptz, 'progress is due 60 local days after it'
);

-- GRACE, then a qualifying activity: ACTIVE again.
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-04-10 08:00+00')).status, 'GRACE', 'later in GRACE'
);
select is(
    tests.act('rep@alpha.test', '2026-04-10 08:00+00', format('select api.log_activity(%L, %L)', :'lead', 'MEETING')),
    'ok', 'a meeting is logged during GRACE'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-04-10 08:00+00')).status, 'ACTIVE', 'ACTIVE again'
);

-- A settings change moves deadlines at once, without a recompute.
select is(
    tests.act(
        'admin@alpha.test', '2026-04-10 08:00+00',
        $$ select api.set_setting('lead.protection.progressDays', 'tenant', '30') $$
    ),
    'ok', 'the admin sets progressDays to 30'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-04-10 08:00+00')).progress_due_at,
    '2026-05-10 08:00+00'::timestamptz, 'progress is now due 30 days after the anchor'
);

-- Mode LEAST: the term caps protection; month arithmetic follows PostgreSQL.
select is(
    tests.act(
        'admin@alpha.test', '2026-04-10 08:00+00',
        $$ select api.set_setting('lead.protection.mode', 'tenant', '"LEAST"') $$
    ),
    'ok', 'the admin switches to LEAST'
);
select is(
    tests.act(
        'admin@alpha.test', '2026-04-10 08:00+00',
        $$ select api.set_setting('lead.protection.baseMonths', 'tenant', '1') $$
    ),
    'ok', 'and a one-month term'
);
select tests.register_lead('rep@alpha.test', 'Bistro Ende', '2026-01-31 11:00+00') as month_lead \gset
select is(
    (tests.protection('rep@alpha.test', :'month_lead', '2026-01-31 11:00+00')).term_end_at,
    '2026-02-28 11:00+00'::timestamptz, 'Jan 31 + 1 month = Feb 28'
);
select is(
    (tests.protection('rep@alpha.test', :'month_lead', '2026-01-31 11:00+00')).expires_at,
    '2026-02-28 11:00+00'::timestamptz, 'LEAST: expires at the term end, before grace would end'
);
select is(
    (tests.protection('rep@alpha.test', :'month_lead', '2026-02-28 10:59:59+00')).status, 'ACTIVE',
    'one second before the term ends: ACTIVE (progress is not yet due)'
);
select is(
    (tests.protection('manager@alpha.test', :'month_lead', '2026-02-28 11:00+00')).status, 'EXPIRED',
    'at the term end: EXPIRED, without a grace period'
);
select is(
    tests.act(
        'rep@alpha.test', '2026-02-20 11:00+00',
        format('select api.log_activity(%L, %L)', :'month_lead', 'DEMO')
    ),
    'ok', 'progress in LEAST mode ...'
);
select is(
    (tests.protection('rep@alpha.test', :'month_lead', '2026-02-20 11:00+00')).expires_at,
    '2026-02-28 11:00+00'::timestamptz, '... does not move the term end'
);

select is(
    tests.act(
        'admin@alpha.test', '2026-02-20 11:00+00',
        $$ select api.set_setting('lead.protection.mode', 'tenant', '"GREATEST"') $$
    ),
    'ok', 'back to GREATEST'
);
select is(
    (tests.protection('rep@alpha.test', :'month_lead', '2026-02-20 11:00+00')).expires_at,
    '2026-04-01 10:00+00'::timestamptz, 'GREATEST: the activity keeps it (30 + 10 local days)'
);

select * from finish();
rollback;
