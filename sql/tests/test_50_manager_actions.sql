-- Extensions (SPEC 3.5) and manager actions (3.6): override, expire now, transfer, backdate.
begin;
select plan(34);

select tests.create_tenant('alpha');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('other@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('helper@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');

-- registered 2026-01-10 10:00 CET: progress due 2026-03-11 09:00 UTC, grace until 2026-03-21 09:00 UTC
select tests.register_lead('rep@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset

-- ------------------------------------------------------------ extensions
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00',
        format('select api.request_extension(%L, 30, %L)', :'lead', 'Customer decides in spring')),
    'FP601 422', 'GREATEST mode refuses extensions'
);
select is(
    tests.act('admin@alpha.test', '2026-01-11 09:00+00', $$ select api.set_setting('lead.protection.mode', 'tenant', '"LEAST"') $$),
    'ok', 'LEAST mode'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-11 09:00+00')).expires_at,
    '2026-03-21 09:00+00'::timestamptz, 'LEAST: grace ends before the 6-month term'
);
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00',
        format('select api.request_extension(%L, 91, %L)', :'lead', 'Customer decides in spring')),
    'FP602 400', 'more than 90 days are refused'
);
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00', format('select api.request_extension(%L, 30, %L)', :'lead', 'short')),
    'FP301 400', 'a reason under 10 characters is refused'
);
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00',
        format('select api.request_extension(%L, 30, %L)', :'lead', 'Customer decides in spring')),
    'ok', 'the owner requests 30 days'
);
select is(
    (select due_at from app.extension_requests where lead_id = :'lead'), '2026-01-13 09:00+00'::timestamptz,
    'a decision is due within 48 hours'
);
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00',
        format('select api.request_extension(%L, 10, %L)', :'lead', 'And another one please')),
    'FP606 409', 'one pending request at a time'
);
select is(
    tests.act('rep@alpha.test', '2026-01-12 09:00+00',
        format('select api.decide_extension(%L, true)', (select id from app.extension_requests where lead_id = :'lead'))),
    'FP102 403', 'a rep cannot decide'
);
select is(
    tests.act('manager@alpha.test', '2026-01-12 09:00+00',
        format('select api.decide_extension(%L, true, %L)', (select id from app.extension_requests where lead_id = :'lead'), 'ok')),
    'ok', 'the manager approves'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-12 09:00+00')).term_end_at,
    '2026-08-09 08:00+00'::timestamptz, 'the term ends 30 days later'
);
select is(
    tests.act('manager@alpha.test', '2026-01-12 09:00+00',
        format('select api.decide_extension(%L, false)', (select id from app.extension_requests where lead_id = :'lead'))),
    'FP605 409', 'a decided request stays decided'
);
select is(
    tests.act('admin@alpha.test', '2026-01-12 09:00+00', $$ select api.set_setting('lead.protection.mode', 'tenant', null) $$),
    'ok', 'back to the default mode (GREATEST)'
);

-- ------------------------------------------------------------ override
select is(
    tests.act('manager@alpha.test', '2026-03-01 09:00+00',
        format('select api.override_protection(%L, %L, %L)', :'lead', '2026-06-01 09:00+00', 'short')),
    'FP301 400', 'an override needs a reason of 10 characters'
);
select is(
    tests.act('manager@alpha.test', '2026-03-01 09:00+00',
        format('select api.override_protection(%L, %L, %L)', :'lead', '2026-02-01 09:00+00', 'Key account, keep it')),
    'FP703 400', 'an override in the past is refused'
);
select is(
    tests.act('rep@alpha.test', '2026-03-01 09:00+00',
        format('select api.override_protection(%L, %L, %L)', :'lead', '2026-06-01 09:00+00', 'Key account, keep it')),
    'FP102 403', 'a rep cannot override'
);
select is(
    tests.act('manager@alpha.test', '2026-03-01 09:00+00',
        format('select api.override_protection(%L, %L, %L)', :'lead', '2026-06-01 09:00+00', 'Key account, keep it')),
    'ok', 'the manager overrides until June'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-04-01 09:00+00')).status, 'ACTIVE',
    'past the progress deadline the lead stays ACTIVE, not GRACE'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-04-01 09:00+00')).expires_at,
    '2026-06-01 09:00+00'::timestamptz, 'and expires at the override'
);
select is(
    (tests.protection('manager@alpha.test', :'lead', '2026-06-01 09:00+00')).status, 'EXPIRED',
    'at the override''s end it expires'
);
select is(
    tests.act('manager@alpha.test', '2026-06-02 09:00+00',
        format('select api.override_protection(%L, %L, %L)', :'lead', '2026-07-01 09:00+00', 'Rescue before release')),
    'ok', 'an expired lead is rescued by an override before its release'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-06-02 09:00+00')).status, 'ACTIVE', 'ACTIVE again'
);

-- ------------------------------------------------------------ transfer
select is(
    tests.act('rep@alpha.test', '2026-06-02 09:00+00',
        format('select api.add_collaborator(%L, %L, %L)', :'lead', tests.user_id('helper@alpha.test'), 'ASSIST')),
    'ok', 'the owner adds a helper'
);
select is(
    tests.act('rep@alpha.test', '2026-06-02 09:00+00',
        format('select api.add_collaborator(%L, %L, %L)', :'lead', tests.user_id('other@alpha.test'), 'VIEW')),
    'ok', 'and the colleague who will take over'
);
select is(
    tests.act('manager@alpha.test', '2026-06-03 09:00+00',
        format('select api.transfer_lead(%L, %L, %L)', :'lead', tests.user_id('other@alpha.test'), 'Rep leaves the region')),
    'ok', 'the manager transfers the lead'
);
select is(
    (tests.protection('other@alpha.test', :'lead', '2026-06-03 09:00+00')).registered_at,
    '2026-06-03 09:00+00'::timestamptz, 'the new owner''s protection starts now'
);
select is(
    (tests.protection('other@alpha.test', :'lead', '2026-06-03 09:00+00')).override_until, null,
    'the old cycle''s override does not carry over'
);
select is(
    (select array_agg(u.email order by u.email) from app.collaborators as c inner join app.users as u on c.user_id = u.id
     where c.lead_id = :'lead'),
    array['helper@alpha.test'], 'collaborators stay, except the new owner'
);
select is(
    (select count(*)::int from app.lead_assignments where lead_id = :'lead'), 2, 'the ownership history has both cycles'
);

-- ------------------------------------------------------------ backdate
select is(
    tests.act('manager@alpha.test', '2026-06-04 09:00+00',
        format('select api.backdate_registration(%L, %L, %L)', :'lead', '2026-06-05 09:00+00', 'Registered by phone')),
    'FP705 422', 'a backdate cannot move the registration later'
);
select is(
    tests.act('manager@alpha.test', '2026-06-04 09:00+00',
        format('select api.backdate_registration(%L, %L, %L)', :'lead', '2024-12-01 09:00+00', 'Registered by phone')),
    'FP705 422', 'nor before the lead''s creation minus 365 days'
);
select is(
    tests.act('manager@alpha.test', '2026-06-04 09:00+00',
        format('select api.backdate_registration(%L, %L, %L)', :'lead', '2026-05-20 09:00+00', 'Registered by phone')),
    'ok', 'the manager backdates the registration'
);
select is(
    (tests.protection('other@alpha.test', :'lead', '2026-06-04 09:00+00')).progress_due_at,
    '2026-07-19 09:00+00'::timestamptz, 'deadlines count from the earlier registration'
);

-- ------------------------------------------------------------ expire now
select is(
    tests.act('manager@alpha.test', '2026-06-05 09:00+00',
        format('select api.expire_now(%L, %L)', :'lead', 'Customer closed down')),
    'ok', 'the manager releases the lead now'
);

select * from finish();
rollback;
