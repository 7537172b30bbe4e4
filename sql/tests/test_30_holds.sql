-- Stop-the-clock holds (SPEC 3.4): approval flow, counting from start_at, holds across the
-- anchor, open holds, the cap, overlap, start limits, REJECTED never counting.
begin;
select plan(33);

select tests.create_tenant('alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('other@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');

-- Registered 2026-01-10 10:00 CET; progress due 2026-03-11 09:00 UTC without holds.
select tests.register_lead('rep@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset

-- A FreshFoodz hold is approved at once; ten days of it move every deadline by ten days.
select is(
    tests.act(
        'rep@alpha.test', '2026-01-20 09:00+00',
        format('select api.add_hold(%L, %L, end_at => %L)', :'lead', 'FFZ_PRICE_APPROVAL', '2026-01-30 09:00+00')
    ),
    'ok', 'the owner adds a price-approval hold for ten days'
);
select is(
    (select state from app.holds where lead_id = :'lead'), 'APPROVED', 'FreshFoodz holds are approved on creation'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-25 09:00+00')).clock_stopped, true,
    'the clock stands still during the hold'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-01-25 09:00+00')).progress_due_at,
    '2026-03-16 09:00+00'::timestamptz, 'half-way through, five days count so far'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-02-01 09:00+00')).progress_due_at,
    '2026-03-21 09:00+00'::timestamptz, 'after it, all ten days count'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-02-01 09:00+00')).clock_stopped, false,
    'the clock runs again after the hold'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-02-01 09:00+00')).held_days, 10.00::numeric,
    'held_days reports the ten days'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-03-21 08:59:59+00')).status, 'ACTIVE',
    'one second before the moved deadline: ACTIVE'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-03-21 09:00+00')).status, 'GRACE',
    'at the moved deadline: GRACE'
);

-- Overlaps are refused by the exclusion constraint.
select is(
    tests.act(
        'manager@alpha.test', '2026-02-01 09:00+00',
        format('select api.add_hold(%L, %L, %L)', :'lead', 'FFZ_SUPPLY_ISSUE', '2026-01-29 09:00+00')
    ),
    'FP515 409', 'a hold overlapping an approved one is refused'
);
select throws_ok(
    format(
        $$ insert into app.holds (tenant_id, lead_id, assignment_id, reason, start_at, end_at, state, decided_at)
           select tenant_id, id, assignment_id, 'FFZ_SUPPLY_ISSUE', '2026-01-21 09:00+00', '2026-01-22 09:00+00',
                  'APPROVED', now() from app.leads where id = %L $$,
        :'lead'
    ),
    '23P01', null, 'the constraint refuses an overlap even from the table owner'
);

-- Start limits.
select is(
    tests.act(
        'rep@alpha.test', '2026-02-01 09:00+00',
        format('select api.add_hold(%L, %L, %L)', :'lead', 'FFZ_SAMPLE_DELAY', '2026-02-01 09:00:01+00')
    ),
    'FP513 422', 'a hold cannot start in the future'
);
select is(
    tests.act(
        'rep@alpha.test', '2026-03-10 09:00+00',
        format('select api.add_hold(%L, %L, %L)', :'lead', 'FFZ_SAMPLE_DELAY', '2026-02-08 08:59:59+00')
    ),
    'FP513 422', 'nor more than 30 days back'
);
select is(
    tests.act(
        'rep@alpha.test', '2026-01-15 09:00+00',
        format('select api.add_hold(%L, %L, %L, %L)', :'lead', 'FFZ_SAMPLE_DELAY', '2026-01-10 08:59:59+00',
            '2026-01-11 09:00+00')
    ),
    'FP513 422', 'nor before the registration'
);
select is(
    tests.act(
        'rep@alpha.test', '2026-02-05 09:00+00',
        format('select api.add_hold(%L, %L, %L, %L)', :'lead', 'FFZ_SAMPLE_DELAY', '2026-02-04 09:00+00',
            '2026-02-04 09:00+00')
    ),
    'FP514 400', 'end_at must be after start_at'
);
select is(
    tests.act('rep@alpha.test', '2026-02-05 09:00+00', format('select api.add_hold(%L, %L)', :'lead', 'OTHER')),
    'FP512 400', 'OTHER needs a note'
);
select is(
    tests.act('rep@alpha.test', '2026-02-05 09:00+00', format('select api.add_hold(%L, %L)', :'lead', 'HOLIDAY')),
    'FP511 400', 'an unknown reason is refused'
);
select is(
    tests.act('other@alpha.test', '2026-02-05 09:00+00', format('select api.add_hold(%L, %L)', :'lead', 'FFZ_SAMPLE_DELAY')),
    'FP305 404', 'another rep cannot even find the lead'
);

-- A customer hold waits for a manager and counts from its start once approved.
select is(
    tests.act(
        'rep@alpha.test', '2026-02-10 09:00+00',
        format('select api.add_hold(%L, %L, end_at => %L)', :'lead', 'CUSTOMER_BLOCKED', '2026-02-15 09:00+00')
    ),
    'ok', 'the owner asks for a customer hold'
);
select is(
    (select count(*)::int from app.notifications where kind = 'HOLD_PENDING' and lead_id = :'lead'), 1,
    'the manager is notified'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-02-16 09:00+00')).progress_due_at,
    '2026-03-21 09:00+00'::timestamptz, 'while pending it does not count'
);
select is(
    tests.act(
        'manager@alpha.test', '2026-02-16 09:00+00',
        format('select api.decide_hold(%L, true)', (select id from app.holds where reason = 'CUSTOMER_BLOCKED'))
    ),
    'ok', 'the manager approves it afterwards'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-02-16 09:00+00')).progress_due_at,
    '2026-03-26 09:00+00'::timestamptz, 'it counts from its start: five more days'
);
select is(
    tests.act(
        'manager@alpha.test', '2026-02-16 09:00+00',
        format('select api.decide_hold(%L, false)', (select id from app.holds where reason = 'CUSTOMER_BLOCKED'))
    ),
    'FP518 409', 'a decided hold cannot be decided again'
);

-- A rejected hold never counts.
select is(
    tests.act(
        'rep@alpha.test', '2026-02-20 09:00+00',
        format('select api.add_hold(%L, %L, %L, %L, %L)', :'lead', 'OTHER', '2026-02-17 09:00+00',
            '2026-02-19 09:00+00', 'Kunde im Betriebsurlaub')
    ),
    'ok', 'an OTHER hold with a note'
);
select is(
    tests.act(
        'manager@alpha.test', '2026-02-20 09:00+00',
        format('select api.decide_hold(%L, false, %L)', (select id from app.holds where reason = 'OTHER'), 'Kein Grund')
    ),
    'ok', 'is rejected'
);
select is(
    (tests.protection('rep@alpha.test', :'lead', '2026-02-20 09:00+00')).progress_due_at,
    '2026-03-26 09:00+00'::timestamptz, 'and does not count'
);

-- A hold across the anchor counts only after the anchor.
select tests.register_lead('rep@alpha.test', 'Hotel Krone', '2026-01-10 09:00+00') as anchor_lead \gset
select is(
    tests.act(
        'rep@alpha.test', '2026-01-25 09:00+00',
        format('select api.add_hold(%L, %L, %L, %L)', :'anchor_lead', 'FFZ_SAMPLE_DELAY', '2026-01-20 09:00+00',
            '2026-01-30 09:00+00')
    ),
    'ok', 'a ten-day hold from Jan 20'
);
select is(
    tests.act('rep@alpha.test', '2026-01-25 09:00+00', format('select api.log_activity(%L, %L)', :'anchor_lead', 'DEMO')),
    'ok', 'a demo in the middle of it, Jan 25'
);
-- held time is absolute: Mar 26 10:00 CET + 5 x 24 h = Mar 31 11:00 CEST (09:00 UTC)
select is(
    (tests.protection('rep@alpha.test', :'anchor_lead', '2026-02-01 09:00+00')).progress_due_at,
    '2026-03-31 09:00+00'::timestamptz,
    'anchor Jan 25 + 60 local days + only the 5 hold days after the anchor'
);

-- An open hold is capped (CUSTOMER_BLOCKED: 30 days).
select tests.register_lead('rep@alpha.test', 'Cafe Zeit', '2026-01-10 09:00+00') as cap_lead \gset
select is(
    tests.act('manager@alpha.test', '2026-01-10 09:00+00', format('select api.add_hold(%L, %L)', :'cap_lead', 'CUSTOMER_BLOCKED')),
    'ok', 'a manager''s open customer hold, approved at once'
);
select is(
    (tests.protection('rep@alpha.test', :'cap_lead', '2026-03-01 09:00+00')).progress_due_at,
    '2026-04-10 09:00+00'::timestamptz, 'an open hold counts at most its cap of 30 days'
);
select is(
    (tests.protection('rep@alpha.test', :'cap_lead', '2026-03-01 09:00+00')).clock_stopped, false,
    'and stops stopping the clock at the cap'
);

select * from finish();
rollback;
