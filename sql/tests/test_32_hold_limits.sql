-- A rep cannot stop the clock alone, forever (issue 10): the held days a rep may start without a
-- manager per protection cycle are capped (lead.protection.hold.maxDaysPerCycle), managers hear of
-- every hold a rep starts, and direct SQL cannot reopen an ended hold, change a decision or name
-- another person as the decider.
begin;
select plan(19);

select tests.create_tenant('alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('manager2@alpha.test', 'sales_manager', 'alpha');

-- Registered 2026-01-10 10:00 CET.
select tests.register_lead('rep@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset

create function pg_temp.hold(p_start timestamptz, p_end timestamptz, p_at timestamptz) returns text
language sql as $$
    select tests.act('rep@alpha.test', p_at, format(
        'select api.add_hold(%L, %L, %L, %L)', current_setting('t.lead'), 'FFZ_SAMPLE_DELAY', p_start, p_end
    ))
$$;
select set_config('t.lead', :'lead', true);

-- ------------------------------------------------------------ the cap (default 60 days per cycle)
select is(pg_temp.hold('2026-01-11 09:00+00', '2026-02-10 09:00+00', '2026-01-11 09:00+00'), 'ok', 'a 30-day hold');
select is(
    (select state from app.holds where lead_id = :'lead' order by start_at desc limit 1), 'APPROVED',
    'within the cap: approved at once'
);
select is(
    (select count(*)::int from app.notifications where lead_id = :'lead' and kind = 'HOLD_STARTED'), 2,
    'both managers are told that the clock stopped'
);
select is(pg_temp.hold('2026-02-10 09:00+00', '2026-03-12 09:00+00', '2026-02-10 09:00+00'), 'ok', 'a second 30-day hold');
select is(
    (select state from app.holds where lead_id = :'lead' order by start_at desc limit 1), 'APPROVED',
    'exactly at the cap (60 days): still approved'
);
select is(pg_temp.hold('2026-03-12 09:00+00', '2026-03-13 09:00+00', '2026-03-12 09:00+00'), 'ok', 'a third, one day');
select is(
    (select state from app.holds where lead_id = :'lead' order by start_at desc limit 1), 'PENDING',
    'beyond the cap: it waits for a manager'
);
select is(
    (select count(*)::int from app.notifications where lead_id = :'lead' and kind = 'HOLD_PENDING'), 2,
    'and the managers are asked to decide'
);
select is(
    app.held_days_in_cycle((select l from app.leads as l where l.id = :'lead'), (select c.hold_max_days from app.protection_configs as c)),
    60::numeric, 'sixty held days in the cycle'
);

-- an open hold counts at its longest (its cap, 30 days for FFZ_SAMPLE_DELAY)
select tests.register_lead('rep@alpha.test', 'Hotel Krone', '2026-01-10 09:00+00') as krone \gset
select set_config('t.lead', :'krone', true);
select is(pg_temp.hold('2026-01-11 09:00+00', null, '2026-01-11 09:00+00'), 'ok', 'an open hold');
select is(
    app.held_days_in_cycle((select l from app.leads as l where l.id = :'krone'), (select c.hold_max_days from app.protection_configs as c)),
    30::numeric, 'an open hold counts at its longest (its 30-day cap), whatever has passed of it'
);

-- a new qualifying activity starts a new cycle with a fresh allowance
select is(
    tests.act('rep@alpha.test', '2026-03-20 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'QUALIFIED_CALL')),
    'ok', 'progress on Gasthof Adler'
);
select set_config('t.lead', :'lead', true);
select is(pg_temp.hold('2026-03-20 09:00+00', '2026-04-19 09:00+00', '2026-03-20 09:00+00'), 'ok', 'a hold in the new cycle');
select is(
    (select state from app.holds where lead_id = :'lead' order by start_at desc limit 1), 'APPROVED',
    'approved again: the cap is per cycle'
);

-- ------------------------------------------------------------ direct SQL as a web role
select tests.freeze_time('2026-04-25 09:00+00');
select tests.authenticate_as('rep@alpha.test');
select tests.raises(
    format($$ update app.holds set end_at = null where lead_id = %L and start_at = '2026-01-11 09:00+00' $$, :'lead'),
    'FP517 409', 'a rep cannot reopen an ended hold'
);
select tests.raises(
    format($$ update app.holds set end_at = '2026-06-01 09:00+00' where lead_id = %L and start_at = '2026-03-20 09:00+00' $$, :'lead'),
    'FP517 409', 'nor extend it after its end'
);
select tests.raises(
    format(
        $$ insert into app.holds (tenant_id, lead_id, assignment_id, reason, start_at, state, requested_by, decided_by, decided_at)
           select tenant_id, id, assignment_id, 'FFZ_SUPPLY_ISSUE', '2026-04-24 09:00+00', 'APPROVED', %L, %L, now()
           from app.leads where id = %L $$,
        tests.user_id('rep@alpha.test'), tests.user_id('manager@alpha.test'), :'lead'
    ),
    'FP102 403', 'nor insert a hold decided by a manager'
);
select tests.clear_authentication();
select tests.authenticate_as('manager2@alpha.test');
select tests.raises(
    format($$ update app.holds set state = 'REJECTED' where lead_id = %L and state = 'APPROVED' $$, :'lead'),
    'FP518 409', 'a decision is final, also for a manager'
);
select tests.raises(
    format(
        $$ update app.holds set decided_by = %L where lead_id = %L and state = 'PENDING' $$,
        tests.user_id('manager@alpha.test'), :'lead'
    ),
    'FP102 403', 'and a manager decides in their own name only'
);
select tests.clear_authentication();

select * from finish();
rollback;
