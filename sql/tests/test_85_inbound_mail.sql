-- Inbound mail, second part (SPEC 8.4): what a classification means (a confident customer reaction is
-- progress, anything else a task for the owner, recorded once), the mailbox's quota (degraded and one
-- notification above the warning level), Message-IDs with a random part, and a Message-ID that does
-- not hide a second message.
begin;
select plan(31);

select tests.create_tenant('alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('admin2@alpha.test', 'tenant_admin', 'alpha');

create function pg_temp.tenant() returns uuid
language sql as $$ select t.id from app.tenants as t where t.slug = 'alpha' $$;

select tests.register_lead('rep@alpha.test', 'Gasthaus Post', now() - interval '20 days') as lead_id \gset
select tests.freeze_time(now());
insert into app.imap_mailboxes (mailbox, tenant_id, uidvalidity) values ('box@host:143/INBOX', pg_temp.tenant(), 7);

-- a matched mail, stored as the worker stores it; its classification job is queued
create function pg_temp.mail(p_uid bigint, p_message_id text, p_uidvalidity bigint default 7) returns uuid
language sql as $$
    select (app_private.store_inbound_mail('box@host:143/INBOX', p_uidvalidity, p_uid, jsonb_build_object(
        'message_id', p_message_id, 'from_address', 'kueche@post.example', 'subject', 'Muster bitte',
        'body_text', 'Bitte senden Sie uns Muster.', 'size_bytes', 100,
        'sent_at', now() - interval '1 day',
        'references', jsonb_build_array((select j.message_id from app.jobs as j where j.kind = 'mail.send' limit 1)),
        'in_reply_to', (select j.message_id from app.jobs as j where j.kind = 'mail.send' limit 1)
    )) ->> 'id')::uuid
$$;
insert into app.jobs (tenant_id, kind, to_address, template, payload, lead_id)
values (pg_temp.tenant(), 'mail.send', 'kueche@post.example', 'warning', '{}', :'lead_id');

-- ------------------------------------------------------------ Message-IDs
select matches(
    (select message_id from app.jobs where kind = 'mail.send'), '^<job-[0-9]+\.[0-9a-f]{32}@freshplan>$',
    'an outbound Message-ID names the job and a random part'
);
select isnt(
    (select message_id from app.jobs where kind = 'mail.send'),
    (select '<job-' || id || '@freshplan>' from app.jobs where kind = 'mail.send'),
    'it cannot be guessed from the job id'
);

select pg_temp.mail(1, '<m1@post.example>') as mail1 \gset
select is(
    (select (lead_id, matched_by)::text from app.inbound_mails where id = :'mail1'),
    format('(%s,in_reply_to)', :'lead_id'), 'the reply is matched by the random Message-ID'
);
select is(
    (select count(*)::int from app.jobs where kind = 'ai.classify_mail' and payload ->> 'mail_id' = :'mail1'), 1,
    'a matched mail queues its classification'
);
select isnt(
    pg_temp.mail(2, '<m1@post.example>'), null,
    'a second message with the same Message-ID in the same UIDVALIDITY is stored too (the UID tells them apart)'
);
select is(
    (select pg_temp.mail(5, '<m1@post.example>', 8)), null,
    'after a new UIDVALIDITY the Message-ID recognises a message stored before'
);

-- ------------------------------------------------------------ what a classification means
select is(
    app_private.mail_to_classify(:'mail1') #>> '{owner,sub}', tests.user_id('rep@alpha.test')::text,
    'the router is asked as the lead''s owner'
);
select is(app_private.mail_to_classify(:'mail1') ->> 'subject', 'Muster bitte', 'with the subject');
select is(
    (select anchor_at from app.leads where id = :'lead_id')::date, (now() - interval '20 days')::date,
    'before: the last progress is the registration'
);
select is(
    app_private.record_mail_classification(:'mail1', jsonb_build_object(
        'label', 'SAMPLE_REQUEST', 'confidence', 0.7, 'injection_suspected', false,
        'call_id', gen_random_uuid()
    )),
    '{"reason": "customer_reaction", "recorded": true, "classification": "reaction"}',
    'a customer reaction exactly at the threshold (0.7) counts'
);
select is(
    (select count(*)::int from app.activities where lead_id = :'lead_id' and kind = 'CUSTOMER_REACTION'), 1,
    'CUSTOMER_REACTION is logged'
);
select is(
    (select anchor_at from app.leads where id = :'lead_id')::date, (now() - interval '1 day')::date,
    'and renews protection from when the customer wrote'
);
select is(
    app_private.record_mail_classification(:'mail1', '{"label": "ORDER", "confidence": 1, "injection_suspected": false}'),
    '{"recorded": false}', 'recorded once: a repeated job changes nothing'
);
select is(app_private.mail_to_classify(:'mail1'), null, 'and finds nothing more to do');
select is(
    (select count(*)::int from app.notifications where kind = 'MAIL_TO_CONFIRM'), 0, 'no task for a reaction'
);
select is(
    (select after ->> 'reason' from app.audit_log where action = 'inbound_mail.classified' and entity_id = :'mail1'),
    'customer_reaction', 'audited'
);
select unalike(
    (select after::text from app.audit_log where action = 'inbound_mail.classified' and entity_id = :'mail1'),
    '%post.example%', 'without the sender''s address'
);

create function pg_temp.outcome(p_uid bigint, p_outcome jsonb) returns text
language sql as $$
    select app_private.record_mail_classification(pg_temp.mail(p_uid, '<m' || p_uid || '@post.example>'), p_outcome)
        ->> 'reason'
$$;
select is(
    pg_temp.outcome(10, '{"label": "SAMPLE_REQUEST", "confidence": 0.6999, "injection_suspected": false}'),
    'low_confidence', 'just below the threshold: a task'
);
select is(
    pg_temp.outcome(11, '{"label": "ORDER", "confidence": 0.99, "injection_suspected": true}'),
    'injection_suspected', 'suspected injection: a task, however confident'
);
select is(
    pg_temp.outcome(12, '{"label": "NEWSLETTER", "confidence": 0.99, "injection_suspected": false}'),
    'not_a_reaction', 'not a customer reaction: a task'
);
select is(pg_temp.outcome(13, '{"error": "budget_exhausted"}'), 'budget_exhausted', 'no budget: a task');
select is(
    (select count(*)::int from app.notifications
     where kind = 'MAIL_TO_CONFIRM' and channel = 'TASK' and user_id = tests.user_id('rep@alpha.test')),
    4, 'each of them is a task for the owner'
);
select is(
    (select count(*)::int from app.activities where lead_id = :'lead_id' and kind = 'CUSTOMER_REACTION'), 1,
    'none of them is progress'
);
select tests.authenticate_as('rep@alpha.test');
select is(
    (select count(*)::int from api.notifications where kind = 'MAIL_TO_CONFIRM'), 4, 'the owner sees the tasks'
);
select tests.clear_authentication();
select throws_ok(
    $$ select app_private.record_mail_classification(pg_temp.mail(14, '<m14@post.example>'), '{"error": "whatever"}') $$,
    '22023', null, 'an unknown outcome is refused'
);

-- ------------------------------------------------------------ the mailbox's quota
select app_private.report_connectors('{"mail": true, "kas": true}');
select is(app_private.run_job('kas_quota'), '{"queued": 1, "configured": true}', 'the daily check is queued');
select is(
    app_private.store_mailbox_quota('alpha', 'm0123456', '{"used_mb": 500, "quota_mb": 1000, "webspace_used_mb": 10, "webspace_max_mb": 100}'),
    '{"warned": false, "percent": 50.00, "notified": false}', 'half full: nothing to say'
);
select is(
    app_private.store_mailbox_quota('alpha', 'm0123456', '{"used_mb": 905, "quota_mb": 1000, "webspace_used_mb": 10, "webspace_max_mb": 100}'),
    '{"warned": true, "percent": 90.50, "notified": true}', 'above 90 %: the admins are told'
);
select is(
    (select (state)::text from app_private.connector_health() where connector = 'mail'), 'degraded',
    'and the mail connector is degraded'
);
select is(
    app_private.store_mailbox_quota('alpha', 'm0123456', '{"used_mb": 950, "quota_mb": 1000}') ->> 'notified', 'false',
    'still above the next day: no second notice'
);
select is(
    (select count(*)::int from app.notifications where kind = 'MAILBOX_FULL'), 2, 'one notice for each admin'
);

select * from finish();
rollback;
