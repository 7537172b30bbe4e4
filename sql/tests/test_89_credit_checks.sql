-- Allianz Trade credit checks (SPEC 8.3), the SQL half: who may check which lead, the 8-hour reuse
-- per lead and per company, the stale answer, and limit requests from the caller's request to the
-- polled decision with its notification (the service and worker halves: tests/test_credit_checks.py).
begin;
select plan(41);

select tests.create_tenant('alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('other@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');
select tests.create_user('auditor@alpha.test', 'auditor', 'alpha');
select tests.register_lead('rep@alpha.test', 'Gasthaus Sonne GmbH', now() - interval '2 days') as lead \gset
select tests.register_lead('other@alpha.test', 'Gasthaus Sonne', now() - interval '2 days', '20095') as twin \gset
select tests.freeze_time(now());
update app.lead_details set vat_id = 'DE 123.456.789' where lead_id = :'lead';

create function pg_temp.tenant() returns uuid
language sql as $$ select t.id from app.tenants as t where t.slug = 'alpha' $$;
create function pg_temp.subject(p_email text, p_lead uuid, p_refresh boolean) returns jsonb
language plpgsql as $$
declare
    v jsonb;
begin
    perform tests.authenticate_as(p_email);
    v := app.credit_check_subject(p_lead, p_refresh);
    perform tests.clear_authentication();
    return v;
end
$$;

-- ------------------------------------------------------------ who may check
select is(
    tests.act('other@alpha.test', now(), format($$ select app.credit_check_subject(%L, false) $$, :'lead')),
    'FP305 404', 'another rep cannot see the lead at all'
);
select is(
    tests.act('auditor@alpha.test', now(), format($$ select app.credit_check_subject(%L, false) $$, :'lead')),
    'FP102 403', 'an auditor does not check'
);
select is(
    tests.act('rep@alpha.test', now(), format($$ select app.credit_check_subject(%L, true) $$, :'lead')),
    'FP820 403', 'a rep cannot force a refresh'
);
select is(
    pg_temp.subject('rep@alpha.test', :'lead', false) - 'lead_id' - 'tenant_id',
    '{"city": "Berlin", "cached": null, "street": null, "vat_id": "DE123456789", "country": "DE",
      "company_key": "vat:DE123456789", "postal_code": "10115", "company_name": "Gasthaus Sonne GmbH"}',
    'the owner may: the company by its VAT id (normalised), nothing cached yet'
);
select matches(
    pg_temp.subject('manager@alpha.test', :'twin', true) ->> 'company_key', '^name:.+\|20095$',
    'without a VAT id the company is its name and postcode'
);

-- ------------------------------------------------------------ a grade, and its reuse
select is(
    app_private.credit_check_store(
        pg_temp.tenant(), :'lead', tests.user_id('rep@alpha.test'),
        '{"company_id": "1001", "company_name": "Gasthaus Sonne GmbH", "status": "GRADED", "grade": "4",
          "valid_until": "2027-06-30"}', 'live'
    ) - 'check_id' - 'lead_id' - 'checked_at' - 'valid_until',
    '{"grade": "4", "stale": false, "source": "live", "status": "GRADED", "company_id": "1001",
      "company_name": "Gasthaus Sonne GmbH"}',
    'a live grade is stored'
);
select is(
    (select (action, after ->> 'grade')::text from app.audit_log where action like 'credit_check.%'),
    '(credit_check.graded,4)', 'and audited'
);
select is(
    pg_temp.subject('rep@alpha.test', :'lead', false) #>> '{cached,source}', 'cache',
    'the next check of the lead within 8 hours is answered from it'
);
select is(
    pg_temp.subject('manager@alpha.test', :'lead', true) -> 'cached', 'null',
    'a manager''s refresh is not'
);
select ok(
    app_private.credit_check_found(:'lead', now() - interval '8 hours', now()) -> 'graded' is not null,
    'after the lock, a grade stored meanwhile is found'
);
select is(
    app_private.credit_check_found(:'lead', clock_timestamp(), clock_timestamp()) -> 'graded', 'null',
    'but not one older than a refresh'
);
select is(
    app_private.credit_check_of_company(pg_temp.tenant(), '1001', now() - interval '8 hours'),
    (select id from app.credit_checks where lead_id = :'lead'),
    'another lead of the same company finds the grade'
);
select is(
    app_private.credit_check_store(
        pg_temp.tenant(), :'twin', tests.user_id('other@alpha.test'),
        jsonb_build_object('reused_from', (select id from app.credit_checks where lead_id = :'lead')), 'cache'
    ) - 'check_id' - 'checked_at' - 'lead_id' - 'valid_until',
    '{"grade": "4", "stale": false, "source": "cache", "status": "GRADED", "company_id": "1001",
      "company_name": "Gasthaus Sonne GmbH"}',
    'and reuses it without an upstream call'
);
select is(
    (select r.checked_at = o.checked_at from app.credit_checks as r
     inner join app.credit_checks as o on r.reused_from = o.id where r.lead_id = :'twin'),
    true, 'a reused grade keeps the time Allianz Trade gave it (so it is not passed along for ever)'
);
select is(
    app_private.credit_check_of_company(pg_temp.tenant(), '1001', now() + interval '1 hour'), null,
    'a grade is reused only while fresh'
);
update app.credit_checks set checked_at = checked_at - interval '9 hours' where lead_id = :'lead';
select is(
    pg_temp.subject('rep@alpha.test', :'lead', false) -> 'cached', 'null', 'after 8 hours it is not reused'
);
update app.credit_checks set checked_at = checked_at + interval '9 hours' where lead_id = :'lead';
select is(
    app_private.credit_check_last(:'lead') ->> 'stale', 'true', 'Allianz Trade down: the last grade, marked stale'
);
select is(app_private.credit_check_last(:'twin') ->> 'grade', '4', 'also a reused one');

-- a pending grade request is resumed, not repeated, and completed in place
select app_private.credit_check_store(
    pg_temp.tenant(), :'twin', null,
    '{"company_id": "1002", "company_name": "Sonne", "status": "PENDING", "allianz_job_id": "job-7"}', 'live'
);
select is(
    app_private.credit_check_found(:'twin', now(), now()) #>> '{pending,allianz_job_id}', 'job-7', 'the pending job is found'
);
select app_private.credit_check_store(
    pg_temp.tenant(), :'twin', null,
    jsonb_build_object(
        'pending_check_id', app_private.credit_check_found(:'twin', now(), now()) #>> '{pending,check_id}',
        'status', 'GRADED', 'grade', '2'
    ), 'live'
);
select is(
    (select array_agg(status || ':' || coalesce(grade, '-') order by checked_at)::text
     from app.credit_checks where lead_id = :'twin'),
    '{GRADED:4,GRADED:2}', 'and completed in its own row'
);

-- ------------------------------------------------------------ limit requests
select (select id from app.credit_checks where lead_id = :'lead') as check_id \gset
select is(
    tests.act('rep@alpha.test', now(), format($$ select app_private.request_credit_limit(%L, 5000) $$, :'check_id')),
    'FP811 409', 'nobody can send it while no worker has Allianz Trade''s credentials'
);
update app.connectors set configured = true where connector = 'allianz';
select is(
    tests.act('rep@alpha.test', now(), format($$ select app_private.request_credit_limit(%L, %L) $$, :'check_id', v)),
    'FP825 400', 'amount ' || coalesce(v::text, 'null')
)
from unnest(array[0, -1, 100000001, 10.001, null]::numeric[]) as v;
select is(
    tests.act('other@alpha.test', now(), format($$ select app_private.request_credit_limit(%L, 5000) $$, :'check_id')),
    'FP823 404', 'another rep''s check does not exist for them'
);
select is(
    tests.act('auditor@alpha.test', now(), format($$ select app_private.request_credit_limit(%L, 5000) $$, :'check_id')),
    'sqlstate 42501', 'auditors do not request limits (the service refuses them first: FP102)'
);
select is(
    tests.act('rep@alpha.test', now(), format(
        $$ select app_private.request_credit_limit(%L, 5000) $$,
        (select id from app.credit_checks where lead_id = :'twin' and status = 'GRADED' order by checked_at limit 1)
    )),
    'FP823 404', 'nor one of a lead the rep does not own'
);
select is(
    tests.act('rep@alpha.test', now(), format($$ select app_private.request_credit_limit(%L, 5000.50) $$, :'check_id')),
    'ok', 'the owner requests a limit'
);
select (select id from app.credit_limit_requests) as request_id \gset
select is(
    tests.act('rep@alpha.test', now(), format($$ select app_private.request_credit_limit(%L, 7000) $$, :'check_id')),
    'FP829 409', 'a second request while the first is open (a double click) is refused'
);
select is((select count(*)::int from app.credit_limit_requests), 1, 'one application');
select is(
    (select (state, kind)::text from app.jobs where payload ->> 'request_id' = :'request_id'),
    '(PENDING,allianz.limit)', 'the job sends it'
);
select is(
    app_private.credit_limit_for_job(:'request_id') ->> 'sent_before', 'false', 'the first attempt sends'
);
select is(
    app_private.credit_limit_for_job(:'request_id') ->> 'sent_before', 'true',
    'a later one knows an earlier one may have reached Allianz Trade'
);
select app_private.credit_limit_unsent(:'request_id', '429');
select is(
    app_private.credit_limit_for_job(:'request_id') ->> 'sent_before', 'false', 'unless it certainly did not'
);
select cmp_ok(
    app_private.credit_limit_poll_later(:'request_id', 'job-9', 60), '>=', now() + interval '60 seconds',
    'sent: the first poll after the base wait'
);
select cmp_ok(
    app_private.credit_limit_poll_later(:'request_id', null, 60), '>=', now() + interval '120 seconds',
    'still pending: the next after twice as long'
);
select is(
    (select (state, allianz_job_id, polls)::text from app.credit_limit_requests), '(PENDING,job-9,2)',
    'PENDING with Allianz Trade''s job id'
);
select ok(app_private.credit_limit_decided(:'request_id', 'PARTIAL', 2500, 'PartiallyAgreed'), 'decided');
select is(
    (select n.subject || ' / ' || n.body from app.notifications as n where n.kind = 'CREDIT_LIMIT_DECIDED'
     and n.user_id = tests.user_id('rep@alpha.test')),
    'Kreditlimit Gasthaus Sonne GmbH: teilweise bewilligt / Angefragt: 5000.50 EUR, bewilligt: 2500 EUR.',
    'the requester is told'
);

select * from finish();
rollback;
