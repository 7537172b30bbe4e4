-- The job queue (SPEC 8.1): take, done, retry with backoff, park, the unknown outcome of a job that
-- is not idempotent, re-queue by an admin, the wake-up, and the mail texts made once in SQL.
begin;
select plan(38);

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('admin@beta.test', 'tenant_admin', 'beta');

-- a kind whose call must not run twice blindly (connector calls that create something upstream)
insert into app.job_kinds (kind, description, idempotent, max_attempts, retry_base_seconds, retry_max_seconds)
values ('test.create', 'Creates something upstream.', false, 3, 10, 25);

create function pg_temp.job(p_dedupe text) returns app.jobs
language sql as $$ select j.* from app.jobs as j where j.dedupe_key = p_dedupe $$;

-- ------------------------------------------------------------ take
select is(app_private.take_job(array['mail.send'], 'w1'), null, 'nothing due: take_job returns null');

insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key, next_attempt_at)
select t.id, 'mail.send', 'a@alpha.test', 'expired',
    '{"company_name": "Gasthof Adler", "expires_at": "2026-03-21T09:00:00+00:00", "timezone": "Europe/Berlin"}',
    'm1', now() - interval '1 minute'
from app.tenants as t where t.slug = 'alpha';
insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key, next_attempt_at)
select t.id, 'mail.send', 'b@alpha.test', 'expired', '{}', 'later', now() + interval '1 hour'
from app.tenants as t where t.slug = 'alpha';
insert into app.jobs (tenant_id, kind, payload, dedupe_key)
select t.id, 'test.create', '{"order": 1}', 'c1' from app.tenants as t where t.slug = 'alpha';

select is(
    (app_private.take_job(array['test.other'], 'w1')).id, null, 'only the asked kinds are taken'
);
select is((app_private.take_job(array['mail.send'], 'w1')).dedupe_key, 'm1', 'the due job is taken, the later one not');
select is(
    ((pg_temp.job('m1')).attempts, (pg_temp.job('m1')).locked_by, (pg_temp.job('m1')).state),
    (1, 'w1'::text, 'PENDING'::text), 'taking counts the attempt and names the worker; the row stays PENDING'
);
select throws_ok(
    $$ insert into app.jobs (tenant_id, kind, payload, dedupe_key) values (null, 'mail.send', '{}', 'no-recipient') $$,
    '23514', null, 'a mail job needs a recipient and a template'
);
select throws_ok(
    $$ insert into app.jobs (kind, payload) values ('no.such_kind', '{}') $$,
    '23503', null, 'a job of an unknown kind is refused'
);

-- ------------------------------------------------------------ mail texts, once, in SQL
select is(
    (pg_temp.job('m1')).payload ->> 'subject', 'Leadschutz beendet – Gasthof Adler',
    'the subject is made when the mail is queued'
);
select is((pg_temp.job('m1')).payload ->> 'expires', '21.03.2026', 'and its German dates');
select is(
    app.mail_subject('reminder', '{"company_name": "Kantine", "grace_until": "2026-03-21T23:30:00+00:00", "timezone": "Europe/Berlin"}'),
    'Aufforderung zur Fortschrittsmeldung bis 22.03.2026 – Kantine', 'dates are in the tenant''s time zone'
);
select is(app.mail_subject('no_such_template', '{}'), null, 'an unknown template has no subject');
select is(
    app.notice_subject('WARNING', '{"company_name": "Adler", "progress_due_at": "2026-03-11T09:00:00+00:00"}'),
    app.mail_subject('warning', '{"company_name": "Adler", "progress_due_at": "2026-03-11T09:00:00+00:00"}'),
    'an in-app notice has the subject of its mail'
);

-- ------------------------------------------------------------ done, retry, park
select lives_ok($$ select app_private.finish_job((pg_temp.job('m1')).id) $$, 'finish_job');
select is(
    ((pg_temp.job('m1')).state, (pg_temp.job('m1')).finished_at is not null),
    ('DONE'::text, true), 'a finished job is DONE with its time'
);
select is((app_private.take_job(array['mail.send'], 'w1')).id, null, 'a DONE job is never taken again');

select is((app_private.take_job(array['test.create'], 'w2')).dedupe_key, 'c1', 'the connector job is taken');
select is(
    app_private.fail_job((pg_temp.job('c1')).id, 'HTTP 503', false), 'PENDING', 'a temporary failure: PENDING again'
);
select is(
    ((pg_temp.job('c1')).next_attempt_at - now(), (pg_temp.job('c1')).last_error),
    (interval '10 seconds', 'HTTP 503'::text), 'after the base backoff, with the error'
);
update app.jobs set next_attempt_at = now() where dedupe_key = 'c1';
select is((app_private.take_job(array['test.create'], 'w2')).attempts, 2, 'the second attempt');
select is(app_private.fail_job((pg_temp.job('c1')).id, 'HTTP 503', false), 'PENDING', 'fails again');
select is((pg_temp.job('c1')).next_attempt_at - now(), interval '20 seconds', 'the backoff doubles');
update app.jobs set next_attempt_at = now() where dedupe_key = 'c1';
select is((app_private.take_job(array['test.create'], 'w2')).attempts, 3, 'the third attempt');
select is(app_private.fail_job((pg_temp.job('c1')).id, 'HTTP 503', false), 'PARKED', 'the last attempt fails: PARKED');
select is(
    ((pg_temp.job('c1')).finished_at is not null, (pg_temp.job('c1')).last_error), (true, 'HTTP 503'::text),
    'parked with its error'
);

insert into app.jobs (tenant_id, kind, payload, dedupe_key)
select t.id, 'test.create', '{}', 'c2' from app.tenants as t where t.slug = 'alpha';
select is((app_private.take_job(array['test.create'], 'w2')).dedupe_key, 'c2', 'another job');
select is(
    app_private.fail_job((pg_temp.job('c2')).id, 'HTTP 422 refused', true), 'PARKED',
    'a permanent error parks at once'
);
insert into app.jobs (tenant_id, kind, payload, dedupe_key)
select t.id, 'test.create', '{}', 'c3' from app.tenants as t where t.slug = 'alpha';
select is((app_private.take_job(array['test.create'], 'w2')).dedupe_key, 'c3', 'and another');
select is(
    app_private.fail_job((pg_temp.job('c3')).id, 'timeout', false, 1), 'PARKED',
    'the worker''s own attempt limit wins over the kind''s'
);

-- ------------------------------------------------------------ not idempotent: an interrupted call is parked
insert into app.jobs (tenant_id, kind, payload, dedupe_key)
select t.id, 'test.create', '{}', 'c4' from app.tenants as t where t.slug = 'alpha';
select is((app_private.take_job(array['test.create'], 'gone-worker')).dedupe_key, 'c4', 'a job of a dead worker');
select app_private.start_job((pg_temp.job('c4')).id);
select is((pg_temp.job('c4')).state, 'RUNNING', 'start_job marks it RUNNING before the call');
select is((app_private.take_job(array['test.create'], 'w2')).id, null, 'a RUNNING job is never taken');
select is(app_private.reap_stale_jobs(), 0, 'a call that started just now is left alone');
update app.jobs set started_at = now() - interval '6 minutes' where dedupe_key = 'c4';
insert into app.worker_heartbeats (worker_id, last_seen_at) values ('gone-worker', now() - interval '6 minutes');
select is(app_private.reap_stale_jobs(), 1, 'its worker is gone: the job is reaped');
select is(
    ((pg_temp.job('c4')).state, (pg_temp.job('c4')).last_error like '%outcome is unknown%'), ('PARKED'::text, true),
    'parked with "outcome unknown", not run again blindly'
);

-- ------------------------------------------------------------ re-queue (tenant admins, audited)
-- a feedback mail forgets its link when it parks: it cannot be re-queued as it is
insert into app.jobs (tenant_id, kind, to_address, template, payload, dedupe_key)
select t.id, 'mail.send', 'chef@alpha.test', 'feedback_invitation', '{"link": "https://x.test/feedback/t"}', 'fb1'
from app.tenants as t where t.slug = 'alpha';
update app.jobs set state = 'PARKED', finished_at = now(), last_error = 'SMTP 550' where dedupe_key = 'fb1';
select (pg_temp.job('c1')).id as c1, (pg_temp.job('c2')).id as c2, (pg_temp.job('fb1')).id as fb1 \gset
select tests.authenticate_as('admin@alpha.test');
select is(
    (select row(j.state, j.attempts) from api.requeue_job(:c1) as j),
    row('PENDING'::text, 0), 'an admin re-queues a parked job with fresh attempts'
);
select tests.raises(
    format('select api.requeue_job(%s)', :c1), 'FP808 409', 'a job that is not parked: 409'
);
select tests.raises(
    format('select api.requeue_job(%s)', :fb1), 'FP809 409',
    'a parked feedback mail, whose link is gone: 409, rotate the link instead'
);
select tests.clear_authentication();
select tests.authenticate_as('admin@beta.test');
select tests.raises(
    format('select api.requeue_job(%s)', :c2), 'FP807 404',
    'another tenant''s job does not exist for the caller'
);
select tests.clear_authentication();
select is(
    (select count(*)::int from app.audit_log where action = 'job.requeued' and (before ->> 'id')::bigint = :c1),
    1, 'the re-queue is audited'
);

select * from finish();
rollback;
