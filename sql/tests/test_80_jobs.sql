-- The scheduled rules (SPEC 3.8): the sweep at exact boundaries, idempotence, catching up after
-- missed runs, release, channels, GDPR, escalation, hold caps, heartbeats and staleness.
begin;
select plan(67);

select tests.create_tenant('alpha');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('helper@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');

create function pg_temp.sweep_at(p_at timestamptz) returns jsonb
language plpgsql as $$
begin
    perform tests.freeze_time(p_at);
    return app_private.run_job('sweep');
end $$;
create function pg_temp.notices(p_lead uuid, p_kind text) returns integer
language sql as $$ select count(*)::integer from app.protection_notices where lead_id = p_lead and kind = p_kind $$;

-- Registered 2026-01-10 10:00 CET: warning 2026-03-04 09:00 UTC, progress due 2026-03-11 09:00,
-- grace until 2026-03-21 09:00 UTC.
select tests.register_lead('rep@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset
select is(
    tests.act('rep@alpha.test', '2026-01-11 09:00+00',
        format('select api.add_collaborator(%L, %L, %L)', :'lead', tests.user_id('helper@alpha.test'), 'ASSIST')),
    'ok', 'a collaborator'
);
select is(
    tests.act('rep@alpha.test', '2026-03-01 09:00+00', format('select api.add_hold(%L, %L, %L, %L)', :'lead',
        'CUSTOMER_BLOCKED', '2026-03-01 09:00+00', '2026-03-01 10:00+00')),
    'ok', 'and a pending (never approved) hold, which does not move deadlines'
);

-- ------------------------------------------------------------ WARNING
select is(pg_temp.sweep_at('2026-03-04 08:59:59+00') ->> 'warnings', '0', 'one second before warning_at: no warning');
select is(pg_temp.sweep_at('2026-03-04 09:00+00') ->> 'warnings', '1', 'at warning_at: one warning');
select is(pg_temp.sweep_at('2026-03-04 09:00+00') ->> 'warnings', '0', 'an immediate re-run adds nothing');
select is(pg_temp.sweep_at('2026-03-05 09:00+00') ->> 'warnings', '0', 'nor does the next day''s run');
select is(pg_temp.notices(:'lead', 'WARNING'), 1, 'one WARNING notice in the cycle');
select is(
    (select count(*)::int from app.notifications where lead_id = :'lead' and kind = 'WARNING'), 1,
    'the owner alone gets the warning in the app'
);
select is(
    (select user_id from app.notifications where lead_id = :'lead' and kind = 'WARNING'),
    tests.user_id('rep@alpha.test'), 'namely the owner'
);
select is(
    (select count(*)::int from app.jobs where payload ->> 'lead_id' = :'lead' and template = 'warning'), 1,
    'and by mail'
);
select is(
    (select payload ->> 'progress_due_at' from app.jobs where payload ->> 'lead_id' = :'lead' and template = 'warning')::timestamptz,
    '2026-03-11 09:00+00'::timestamptz, 'the mail carries the deadline'
);
select matches(
    (select body from app.notifications where lead_id = :'lead' and kind = 'WARNING'),
    'bis zum 11\.03\.2026', 'the in-app text names the date in German format'
);

-- ------------------------------------------------------------ REMINDER
select is(pg_temp.sweep_at('2026-03-11 08:59:59+00') ->> 'reminders', '0', 'one second before progress is due: no reminder');
select is(pg_temp.sweep_at('2026-03-11 09:00+00') ->> 'reminders', '1', 'at the deadline: the reminder');
select is(pg_temp.sweep_at('2026-03-11 09:00+00') ->> 'reminders', '0', 'once');
select is(
    (select array_agg(u.email order by u.email) from app.notifications as n inner join app.users as u on n.user_id = u.id
     where n.lead_id = :'lead' and n.kind = 'REMINDER'),
    array['manager@alpha.test', 'rep@alpha.test'], 'the owner and the notify roles (managers) get it'
);
select matches(
    (select body from app.notifications where lead_id = :'lead' and kind = 'REMINDER' and user_id = tests.user_id('rep@alpha.test')),
    'in Textform.*21\.03\.2026|bis zum 21\.03\.2026', 'asking for an update in text form by the end of grace'
);

-- ------------------------------------------------------------ EXPIRED and release
select is(pg_temp.sweep_at('2026-03-21 08:59:59+00') ->> 'released', '0', 'one second before grace ends: kept');
select is(pg_temp.sweep_at('2026-03-21 09:00+00') ->> 'released', '1', 'at the end of grace: released');
select is(pg_temp.sweep_at('2026-03-21 09:00+00') ->> 'released', '0', 'a re-run releases nothing more');
select is(
    (select release_reason from app.lead_assignments where lead_id = :'lead'), 'EXPIRED', 'the assignment is closed as EXPIRED'
);
select is(
    (select protection_ended_at from app.lead_assignments where lead_id = :'lead'), '2026-03-21 09:00+00'::timestamptz,
    'protection ended at the deadline'
);
select is((select owner_id from app.leads where id = :'lead'), null, 'the lead is in the pool');
select is((select count(*)::int from app.collaborators where lead_id = :'lead'), 0, 'collaborators are removed');
select is(
    (select state from app.holds where lead_id = :'lead'), 'REJECTED', 'the undecided hold is dropped'
);
select is(
    (select count(*)::int from app.audit_log where lead_id = :'lead' and action = 'lead.released' and actor_id is null), 1,
    'one audit row, by the system'
);
select is(pg_temp.notices(:'lead', 'EXPIRED'), 1, 'one EXPIRED notice');
select is(
    (select count(*)::int from app.jobs where payload ->> 'lead_id' = :'lead' and template = 'expired'), 2,
    'mailed once to the owner and once to the manager'
);

-- ------------------------------------------------------------ missed runs
select tests.register_lead('rep@alpha.test', 'Cafe Eins', '2026-04-01 08:00+00') as a \gset
select tests.register_lead('rep@alpha.test', 'Cafe Zwei', '2026-03-20 09:00+00') as b \gset
select tests.register_lead('rep@alpha.test', 'Cafe Drei', '2026-02-01 09:00+00') as c \gset
-- no sweep ran for weeks; on 2026-05-25 10:00 UTC A is in its warning window, B in grace, C expired
select is(
    pg_temp.sweep_at('2026-05-25 10:00+00'),
    '{"warnings": 1, "reminders": 1, "released": 1}'::jsonb, 'one catch-up run produces each due notice'
);
select is(
    pg_temp.notices(:'a', 'WARNING') || ',' || pg_temp.notices(:'b', 'REMINDER') || ',' || pg_temp.notices(:'c', 'EXPIRED')
    || ',' || pg_temp.notices(:'b', 'WARNING') || ',' || pg_temp.notices(:'c', 'REMINDER'),
    '1,1,1,0,0', 'once each, and not the ones a later notice supersedes'
);
select is(
    pg_temp.sweep_at('2026-05-25 10:00+00'),
    '{"warnings": 0, "reminders": 0, "released": 0}'::jsonb, 'the next run finds nothing left'
);

-- a qualifying activity starts a new cycle: the next warning comes again
select is(
    tests.act('rep@alpha.test', '2026-05-25 11:00+00', format('select api.log_activity(%L, %L)', :'b', 'MEETING')),
    'ok', 'B makes progress in grace'
);
select is(pg_temp.sweep_at('2026-07-18 09:00+00') ->> 'warnings', '1', 'B is warned again in its new cycle');
select is(pg_temp.notices(:'a', 'EXPIRED'), 1, 'while A, silent since its warning, has expired');
select is(pg_temp.notices(:'b', 'WARNING'), 1, 'B''s new cycle has its own warning');

-- ------------------------------------------------------------ channels
select is(
    tests.act('admin@alpha.test', '2026-07-18 09:00+00', $$ select api.set_setting('lead.protection.reminder.channels', 'tenant', '["TASK"]') $$),
    'ok', 'the tenant switches to tasks only'
);
select tests.register_lead('rep@alpha.test', 'Cafe Vier', '2026-07-18 09:00+00') as d \gset
select is(pg_temp.sweep_at('2026-09-09 09:00+00') ->> 'warnings', '1', 'a warning for D');
select is(
    (select string_agg(channel, ',') from app.notifications where lead_id = :'d'), 'TASK', 'as a task for the owner'
);
select is((select count(*)::int from app.jobs where payload ->> 'lead_id' = :'d'), 0, 'and no mail');

-- ------------------------------------------------------------ GDPR
select tests.register_lead('rep@alpha.test', 'Hotel Privat', '2026-01-10 09:00+00') as g \gset
update app.lead_details set contact_email = 'Chef@Privat.example', contact_phone = '+49 30 1', notes = 'secret',
    contact_name = 'Herr Privat' where lead_id = :'g';
insert into app.products (tenant_id, sku, name, unit) select tenant_id, 'P-1', 'Probe', 'Stück' from app.leads where id = :'g';
insert into app.sample_boxes (tenant_id, lead_id) select tenant_id, id from app.leads where id = :'g';
insert into app.sample_box_items (box_id, tenant_id, lead_id, sku, qty)
select id, tenant_id, lead_id, 'P-1', 1 from app.sample_boxes where lead_id = :'g';
insert into app.test_phases (tenant_id, lead_id, box_id, stage, start_date)
select tenant_id, lead_id, id, 'SAMPLE', '2026-01-12' from app.sample_boxes where lead_id = :'g';
insert into app_private.feedback_tokens (tenant_id, lead_id, phase_id, token_hash, expires_at, max_submissions)
select tenant_id, lead_id, id, sha256('gdpr'), '2026-12-31 00:00+00', 5 from app.test_phases where lead_id = :'g';
insert into app.product_feedback (tenant_id, lead_id, phase_id, sku, rating, source, contact_name, received_at)
select tenant_id, lead_id, id, 'P-1', 4, 'PHONE', 'Frau Koch', '2026-01-13 09:00+00' from app.test_phases where lead_id = :'g';
insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key, lead_id)
select tenant_id, 'mail.send', 'Chef@Privat.example', 'feedback_reminder', '{"link": "x", "contact_name": "Herr Privat"}',
    'feedback_reminder:' || id, lead_id
from app_private.feedback_tokens where lead_id = :'g';
select is(pg_temp.sweep_at('2026-03-21 09:00+00') ->> 'released', '1', 'the lead is released');
select is(
    (select (t.revoked_at is not null)::text || ':' || j.state from app_private.feedback_tokens as t
     inner join app.jobs as j on j.dedupe_key = 'feedback_reminder:' || t.id where t.lead_id = :'g'),
    'true:CANCELLED', 'its feedback link is revoked on release, and the pending reminder cancelled'
);
select tests.freeze_time('2026-05-20 08:59:59+00');
select is(app_private.run_job('gdpr') ->> 'pseudonymized', '0', '60 days after release minus a second: kept');
select tests.freeze_time('2026-05-20 09:00+00');
select is(app_private.run_job('gdpr') ->> 'pseudonymized', '2', 'at 60 days: pseudonymised (with Gasthof Adler, released the same moment)');
select is(
    (select row(contact_name, contact_email, contact_phone, notes)::text from app.lead_details where lead_id = :'g'),
    row('ANONYMIZED', encode(sha256('chef@privat.example'), 'hex'), null::text, null::text)::text,
    'e-mail hashed, phone and notes cleared, name ANONYMIZED'
);
select is(
    (select contact_name from app.product_feedback where lead_id = :'g'), 'ANONYMIZED', 'the feedback giver''s name too'
);
select is(
    (select row(state, to_address, payload)::text from app.jobs where lead_id = :'g' and template = 'feedback_reminder'),
    row('CANCELLED', encode(sha256('chef@privat.example'), 'hex'), '{}'::jsonb)::text,
    'the cancelled reminder keeps only the hash of the address'
);
select is(
    tests.act('helper@alpha.test', '2026-05-21 09:00+00', $$ select api.register_lead('Hotel Privat', '10115', 'Berlin') $$),
    'FP303 409', 'duplicate detection still finds it (in the pool)'
);

-- ------------------------------------------------------------ escalation
select is(
    tests.act('admin@alpha.test', '2026-05-21 09:00+00', $$ select api.set_setting('lead.protection.mode', 'tenant', '"LEAST"') $$),
    'ok', 'LEAST mode'
);
select tests.register_lead('rep@alpha.test', 'Hotel Lang', '2026-05-21 09:00+00') as x \gset
select is(
    tests.act('rep@alpha.test', '2026-05-22 09:00+00', format('select api.request_extension(%L, 20, %L)', :'x', 'Customer decides in July')),
    'ok', 'an extension request'
);
select tests.freeze_time('2026-05-24 08:59:59+00');
select is(app_private.run_job('escalation') ->> 'escalated', '0', '48 hours minus a second: not yet escalated');
select tests.freeze_time('2026-05-24 09:00+00');
select is(app_private.run_job('escalation') ->> 'escalated', '1', 'after 48 hours: escalated');

select is(
    (select count(*)::int from app.notifications where kind = 'ESCALATION' and user_id = tests.user_id('admin@alpha.test')), 1,
    'the tenant admin is notified'
);
select is(
    (select count(*)::int from app.audit_log where action = 'lead.extension_escalated' and lead_id = :'x'), 1, 'and it is audited'
);
select is(app_private.run_job('escalation') ->> 'escalated', '0', 'once');

-- ------------------------------------------------------------ hold caps
select is(
    tests.act('manager@alpha.test', '2026-05-24 09:00+00', format('select api.add_hold(%L, %L)', :'x', 'OTHER')),
    'FP512 400', '(OTHER needs a note)'
);
select is(
    tests.act('manager@alpha.test', '2026-05-24 09:00+00', format('select api.add_hold(%L, %L, note => %L)', :'x', 'OTHER', 'Customer in closed season')),
    'ok', 'an open OTHER hold (cap 14 days)'
);
select tests.freeze_time('2026-06-07 08:59:59+00');
select is(app_private.run_job('hold_cap') ->> 'closed', '0', 'one second before its cap: open');
select tests.freeze_time('2026-06-07 09:00+00');
select is(app_private.run_job('hold_cap') ->> 'closed', '1', 'at its cap: closed');
select is((select end_at from app.holds where lead_id = :'x'), '2026-06-07 09:00+00'::timestamptz, 'ending at start + 14 days');

-- ------------------------------------------------------------ heartbeats and staleness
select is(
    (select last_succeeded_at from app.job_heartbeats where job_name = 'hold_cap'), '2026-06-07 09:00+00'::timestamptz,
    'a successful run records its heartbeat'
);
select throws_ok($$ select app_private.run_job('nope') $$, '22023', null, 'an unknown job is refused');
select is(pg_temp.sweep_at('2026-06-07 09:00+00') ? 'warnings', true, 'a sweep runs');
select is(
    (select healthy from app_private.job_health() where job_name = 'sweep'), true, 'the sweep ran recently: healthy'
);
select tests.freeze_time('2026-06-08 11:00:01+00');
select is(
    (select healthy from app_private.job_health() where job_name = 'sweep'), false,
    'more than 26 hours after its last success: stale'
);
select is(app_private.run_job('staleness') -> 'stale', '["sweep"]'::jsonb, 'the staleness job reports it');
select is(app_private.run_job('staleness') -> 'stale', '["sweep"]'::jsonb, 'again on the next run');
select is(
    (select count(*)::int from app.notifications where kind = 'JOB_STALE' and user_id = tests.user_id('admin@alpha.test')), 1,
    'admins are told once a day'
);

select * from finish();
rollback;
