-- Who sees what (SPEC 2.4): owners, collaborators by role, other reps, managers, auditors, other
-- tenants; access ends the moment protection is EXPIRED; release cleans up.
begin;
select plan(36);

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('viewer@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('assist@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('other@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('auditor@alpha.test', 'auditor', 'alpha');
select tests.create_user('rep@beta.test', 'sales_rep', 'beta');
select tests.create_user('manager@beta.test', 'sales_manager', 'beta');

select tests.register_lead('rep@alpha.test', 'Gasthof Adler', '2026-01-10 09:00+00') as lead \gset
insert into app.lead_details as d (lead_id, tenant_id, contact_name, contact_email)
select id, tenant_id, 'Herr Adler', 'adler@example.org' from app.leads where id = :'lead'
on conflict (lead_id) do update set contact_name = excluded.contact_name, contact_email = excluded.contact_email;
select tests.act('rep@alpha.test', '2026-01-10 09:00+00',
    format('select api.add_collaborator(%L, %L, %L)', :'lead', tests.user_id('viewer@alpha.test'), 'VIEW')) as added_viewer \gset
select tests.act('rep@alpha.test', '2026-01-10 09:00+00',
    format('select api.add_collaborator(%L, %L, %L)', :'lead', tests.user_id('assist@alpha.test'), 'ASSIST')) as added_assist \gset
select is(:'added_viewer' || :'added_assist', 'okok', 'the owner adds a VIEW and an ASSIST collaborator');
select is(
    tests.act('rep@alpha.test', '2026-01-10 09:00+00',
        format('select api.add_hold(%L, %L, end_at => %L)', :'lead', 'FFZ_SAMPLE_DELAY', '2026-01-12 09:00+00')),
    'ok', 'and a hold'
);

create function pg_temp.count_as(p_email text, p_sql text) returns integer
language plpgsql as $$
declare v_n integer;
begin
    perform tests.authenticate_as(p_email);
    execute p_sql into v_n;
    perform tests.clear_authentication();
    return v_n;
end $$;

select tests.freeze_time('2026-01-20 09:00+00');
select is(
    pg_temp.count_as('rep@alpha.test', format('select count(*) from api.leads where id = %L and contact_name = %L and owner_id is not null', :'lead', 'Herr Adler')),
    1, 'the owner reads the lead with its contact'
);
select is(pg_temp.count_as('viewer@alpha.test', format('select count(*) from api.leads where id = %L and contact_email = %L', :'lead', 'adler@example.org')), 1, 'so does a collaborator');
select
    is(pg_temp.count_as('viewer@alpha.test', format('select count(*) from api.lead_protection where lead_id = %L and owner_id is not null', :'lead')), 1, 'a VIEW collaborator reads its protection');
select is(pg_temp.count_as('viewer@alpha.test', format('select count(*) from api.holds where lead_id = %L', :'lead')), 1, 'and its holds');
select is(pg_temp.count_as('viewer@alpha.test', format('select count(*) from api.collaborators where lead_id = %L', :'lead')), 2, 'and its collaborators');
select is(pg_temp.count_as('other@alpha.test', format('select count(*) from api.leads where id = %L', :'lead')), 0, 'another rep does not see the lead');
select is(pg_temp.count_as('other@alpha.test', format('select count(*) from api.lead_protection where lead_id = %L', :'lead')), 0, 'nor its protection');
select is(pg_temp.count_as('other@alpha.test', format('select count(*) from api.holds where lead_id = %L', :'lead')), 0, 'nor its holds');
select is(pg_temp.count_as('other@alpha.test', format('select count(*) from api.audit_log where lead_id = %L', :'lead')), 0, 'nor its audit entries');
select is(pg_temp.count_as('other@alpha.test', format('select count(*) from api.lead_pool where id = %L', :'lead')), 0, 'it is not in the pool');
select is(pg_temp.count_as('manager@alpha.test', format('select count(*) from api.lead_protection where lead_id = %L and owner_id is not null', :'lead')), 1, 'the manager sees it with its owner');
select is(pg_temp.count_as('auditor@alpha.test', format('select count(*) from api.audit_log where lead_id = %L', :'lead')), 4, 'the auditor reads its audit trail');
select is(pg_temp.count_as('rep@beta.test', format('select count(*) from api.leads where id = %L', :'lead')), 0, 'another tenant''s rep sees nothing');
select is(pg_temp.count_as('manager@beta.test', format('select count(*) from api.lead_protection where lead_id = %L', :'lead')), 0, 'nor does another tenant''s manager');
select is(pg_temp.count_as('manager@beta.test', 'select count(*) from api.audit_log where lead_id is not null'), 0, 'not even in the audit log');

select is(
    tests.act('viewer@alpha.test', '2026-01-20 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'MEETING')),
    'FP403 403', 'a VIEW collaborator cannot log activities'
);
select is(
    tests.act('assist@alpha.test', '2026-01-20 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'MEETING')),
    'ok', 'an ASSIST collaborator can'
);
select is(
    tests.act('other@alpha.test', '2026-01-20 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'MEETING')),
    'FP305 404', 'another rep cannot'
);
select is(
    tests.act('manager@alpha.test', '2026-01-20 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'MEETING')),
    'FP102 403', 'managers do not log activities on others'' leads'
);
select is(
    tests.act('rep@alpha.test', '2026-01-20 09:00+00', format('select api.log_activity(%L, %L, %L)', :'lead', 'MEETING', '2026-01-10 08:59:59+00')),
    'FP402 422', 'an activity before the registration is refused'
);
select is(
    tests.act('rep@alpha.test', '2026-01-20 09:00+00', format('select api.log_activity(%L, %L, %L)', :'lead', 'MEETING', '2026-01-20 09:05:01+00')),
    'FP402 422', 'one more than 5 minutes in the future too'
);
select is(
    tests.act('rep@alpha.test', '2026-01-20 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'PARTY')),
    'FP401 400', 'an unknown kind is refused'
);
select is(
    tests.act('viewer@alpha.test', '2026-01-20 09:00+00',
        format('select api.add_collaborator(%L, %L, %L)', :'lead', tests.user_id('other@alpha.test'), 'VIEW')),
    'FP102 403', 'a collaborator cannot add collaborators'
);

-- The moment protection expires, owner and collaborators lose access; the lead shows in the pool.
-- (anchor: the ASSIST meeting on Jan 20; + 2 hold days; expiry 70 local days later)
select tests.freeze_time('2026-04-03 09:00+00');
select is(pg_temp.count_as('rep@alpha.test', format('select count(*) from api.holds where lead_id = %L', :'lead')), 0, 'the former owner no longer reads its holds');
select is(pg_temp.count_as('assist@alpha.test', format('select count(*) from api.activities where lead_id = %L', :'lead')), 0, 'nor does the collaborator read its activities');
select is(
    pg_temp.count_as('rep@alpha.test', format('select count(*) from api.leads where id = %L and status = %L and contact_name is null', :'lead', 'EXPIRED')),
    1, 'the former owner sees it EXPIRED, without its contact'
);
select is(pg_temp.count_as('viewer@alpha.test', format('select count(*) from api.leads where id = %L and contact_name is not null', :'lead')), 0, 'the collaborator lost the contact too');
select is(pg_temp.count_as('other@alpha.test', format('select count(*) from api.lead_pool where id = %L', :'lead')), 0, 'another rep does not see it before its release');
select is(app_private.run_job('sweep') ->> 'released', '1', 'the sweep releases it');
select is(pg_temp.count_as('other@alpha.test', format('select count(*) from api.lead_pool where id = %L and status = %L', :'lead', 'EXPIRED')), 1, 'now another rep finds it in the pool');
select is(
    tests.act('rep@alpha.test', '2026-04-03 09:00+00', format('select api.log_activity(%L, %L)', :'lead', 'MEETING')),
    'FP305 404', 'the former owner cannot revive it with an activity'
);

-- Release cleans up.
select is(
    tests.act('other@alpha.test', '2026-04-03 09:00+00', format('select api.claim_lead(%L)', :'lead')), 'ok',
    'another rep claims it'
);
select is((select count(*)::int from app.collaborators where lead_id = :'lead'), 0, 'the release removed the collaborators');
select is(
    (select count(*)::int from app.holds where lead_id = :'lead' and (end_at is null or end_at > '2026-04-03 09:00+00')), 0,
    'no hold of the old cycle stays open'
);
select * from finish();
rollback;
