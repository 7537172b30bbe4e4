-- Inbound mail, second part (SPEC 8.4): what a classification means (a confident customer reaction is
-- progress, anything else a task for the owner, recorded once), the mailbox's quota (degraded and one
-- notification above the warning level), Message-IDs with a random part, and a Message-ID that does
-- not hide a second message.
begin;
select plan(58);

select tests.create_tenant('alpha');
select tests.create_user('rep@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('admin2@alpha.test', 'tenant_admin', 'alpha');
select tests.create_user('rep2@alpha.test', 'sales_rep', 'alpha');
select tests.create_user('manager@alpha.test', 'sales_manager', 'alpha');

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
select unalike(
    (select string_agg(body, ' ') from app.notifications where kind = 'MAIL_TO_CONFIRM'), '%post.example%',
    'a task names no address'
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
select throws_ok(
    $$ select app_private.record_mail_classification(pg_temp.mail(14, '<m14@post.example>'), '{"error": null}') $$,
    '22023', null, 'so is a null error'
);
select throws_ok(
    $$ select app_private.record_mail_classification(
        pg_temp.mail(14, '<m14@post.example>'), '{"label": null, "confidence": 0.99, "injection_suspected": false}'
    ) $$,
    '22023', null, 'an answer without a label is no reaction: refused, nothing recorded'
);
select throws_ok(
    $$ select app_private.record_mail_classification(
        pg_temp.mail(14, '<m14@post.example>'), '{"label": "ORDER", "confidence": 0.99}'
    ) $$,
    '22023', null, 'nor one that does not say whether it suspects an injection'
);

-- a mail matched only by its From header: anyone can write one
select (app_private.store_inbound_mail('box@host:143/INBOX', 7, 20, jsonb_build_object(
    'message_id', '<m20@post.example>', 'from_address', 'KUECHE@post.example', 'subject', 'Bestellung',
    'body_text', 'Wir bestellen.', 'size_bytes', 100
)) ->> 'id')::uuid as forged \gset
update app.lead_details set contact_email = 'kueche@post.example' where lead_id = :'lead_id';
select (app_private.store_inbound_mail('box@host:143/INBOX', 7, 21, jsonb_build_object(
    'message_id', '<m21@post.example>', 'from_address', 'KUECHE@post.example', 'subject', 'Bestellung',
    'body_text', 'Wir bestellen.', 'size_bytes', 100
)) ->> 'id')::uuid as forged \gset
select is((select matched_by from app.inbound_mails where id = :'forged'), 'sender', 'matched by its sender');
select is(
    app_private.record_mail_classification(:'forged', '{"label": "ORDER", "confidence": 0.99, "injection_suspected": false}')
        ->> 'reason',
    'sender_unverified', 'however confident the AI, a From header proves nothing: a task'
);
-- a reply naming one of our mails by a V013 id, which the job number gives away
update app.jobs set message_id = '<job-' || id || '@freshplan>' where kind = 'mail.send';
select is(
    pg_temp.outcome(22, '{"label": "ORDER", "confidence": 0.99, "injection_suspected": false}'),
    'sender_unverified', 'nor does a guessable Message-ID'
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
select is(
    app_private.store_mailbox_quota('alpha', 'm0123456', '{"used_mb": 900, "quota_mb": 1000}') ->> 'warned', 'false',
    'exactly 90 percent is not above it: the warning is over'
);
select is((select (state)::text from app_private.connector_health() where connector = 'mail'), 'ok', 'mail is ok again');
select is(
    app_private.store_mailbox_quota('alpha', 'm0123456', '{"used_mb": 250000, "quota_mb": 1000}') - 'warned',
    '{"percent": 25000.00, "notified": true}', 'crossing again notifies again; far beyond the quota is no error'
);
select is((select count(*)::int from app.notifications where kind = 'MAILBOX_FULL'), 4, 'once more per admin');


-- ------------------------------------------------------------ who reads the mails
select tests.register_lead('rep2@alpha.test', 'Kantine Fremd', now() - interval '5 days') as other_lead \gset
select tests.freeze_time(now());
insert into app.inbound_mails (tenant_id, mailbox, uidvalidity, uid, from_address, subject, size_bytes, lead_id, matched_by)
values
(pg_temp.tenant(), 'box@host:143/INBOX', 7, 100, 'fremd@kantine.example', 'Fremd', 10, :'other_lead', 'sender'),
(pg_temp.tenant(), 'box@host:143/INBOX', 7, 101, 'niemand@x.example', 'Offen', 10, null, null);
select tests.authenticate_as('rep@alpha.test');
select is(
    (select count(*)::int from api.inbound_mails where lead_id = :'lead_id'),
    (select count(*)::int from app.inbound_mails where lead_id = :'lead_id'),
    'the owner reads the mails of their lead (to confirm a task)'
);
select is((select count(*)::int from api.inbound_mails where lead_id = :'other_lead'), 0, 'not another rep''s');
select is((select count(*)::int from api.inbound_mails where lead_id is null), 0, 'nor an unmatched one');
select tests.clear_authentication();
select tests.authenticate_as('rep2@alpha.test');
select is((select count(*)::int from api.inbound_mails), 1, 'the other rep reads only the mail of their own lead');
select tests.clear_authentication();

-- ------------------------------------------------------------ the worker's bookkeeping
select is(
    app_private.imap_mailbox_state('box@host:143/INBOX', 'alpha', 7) - 'tenant_id',
    '{"last_uid": 22, "flagged_uid": 0}', 'a run starts from both watermarks'
);
select app_private.imap_flagged('box@host:143/INBOX', 500);
select is(
    (select flagged_uid from app.imap_mailboxes), 22::bigint, 'the \Seen watermark never passes what is stored'
);
select is(
    app_private.imap_mailbox_state('box@host:143/INBOX', 'alpha', 9) - 'tenant_id',
    '{"last_uid": 0, "flagged_uid": 0}', 'a new UIDVALIDITY starts both over'
);
select app_private.record_imap_error('box@host:143/INBOX', 'IMAP box: ConnectionRefusedError');
select is(
    (select last_error from app.connector_states where connector = 'mail' and tenant_id = pg_temp.tenant()),
    'IMAP box: ConnectionRefusedError', 'a failed run is the mailbox tenant''s error'
);

-- ------------------------------------------------------------ GDPR
select app_private.pseudonymize_inbound_mails(array[:'lead_id'::uuid]);
select is(
    (select count(*)::int from app.inbound_mails
     where lead_id = :'lead_id' and (from_address like '%@%' or subject is not null or body_text <> '')),
    0, 'a pseudonymised lead''s mails keep no address, subject or text'
);
select is(
    (select from_address from app.inbound_mails where id = :'mail1'),
    encode(sha256(convert_to('kueche@post.example', 'UTF8')), 'hex'), 'the address as its SHA-256, like the lead''s'
);
select is(
    (select count(*)::int from app.activities where lead_id = :'lead_id' and kind = 'EMAIL_RECEIVED' and note like '%@%'),
    0, 'nor do their EMAIL_RECEIVED notes'
);
select is(
    (select count(*)::int from app.notifications where lead_id = :'lead_id' and kind = 'MAIL_TO_CONFIRM' and body like '%Muster%'),
    0, 'nor their tasks'
);
select is(
    (select count(*)::int from app.inbound_mails where lead_id = :'other_lead' and subject = 'Fremd'), 1,
    'other leads'' mails are untouched'
);

-- ------------------------------------------------------------ a reply nobody owns
update app.users set active = false, deactivated_at = now() where id = tests.user_id('rep2@alpha.test');
select is(
    app_private.mail_to_classify((select id from app.inbound_mails where uid = 100)) -> 'owner', 'null'::jsonb,
    'the lead''s owner left: nobody to ask the router as'
);
select is(
    app_private.record_mail_classification((select id from app.inbound_mails where uid = 100), '{"error": "no_owner"}')
        ->> 'reason',
    'no_owner', 'recorded as such'
);
select is(
    (select count(*)::int from app.notifications
     where kind = 'MAIL_TO_CONFIRM' and user_id = tests.user_id('manager@alpha.test')),
    1, 'and the managers decide'
);

select * from finish();
rollback;
